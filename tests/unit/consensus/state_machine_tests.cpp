// The pure Tendermint state machine, driven by hand through a recording host. Line numbers
// refer to Algorithm 1 of arXiv 1807.04938.

#include <doctest/doctest.h>

#include <set>

#include "seer/consensus/state_machine.hpp"
#include "support.hpp"

namespace seer::consensus {
namespace {

using test::make_validators;
using test::make_vote;

constexpr std::int64_t k_h = 3;

/// Records every call; signs with the real key of `self`.
class FakeHost final : public StateMachineHost {
public:
    FakeHost(const test::Validators& vals, std::optional<std::size_t> self)
        : m_vals(vals), m_self(self) {}

    Block create_proposal_block(std::int64_t height, std::int32_t round) override {
        Block b = test::make_block(height, static_cast<std::uint8_t>(0x40 + round),
                                   m_vals.set.at(*m_self).address);
        created.push_back(b);
        return b;
    }
    bool validate_block(const Block& block) override {
        ++validations;
        return invalid.count(block_hash(block.header)) == 0;
    }
    std::optional<Proposal> sign_proposal(const Proposal& p) override {
        Proposal out = p;
        out.signature = m_vals.key(*m_self).sign(proposal_sign_bytes(test::k_chain_id, p));
        return out;
    }
    std::optional<Vote> sign_vote(VoteType type, std::int64_t height, std::int32_t round,
                                  const BlockId& id) override {
        return make_vote(m_vals, *m_self, type, height, round, id);
    }
    void broadcast_proposal(const Proposal& p, const Block& b) override {
        proposals.emplace_back(p, b);
    }
    void broadcast_vote(const Vote& v) override { votes.push_back(v); }
    void schedule_timeout(const TimeoutInfo& t, std::int64_t duration_ms) override {
        timeouts.emplace_back(t, duration_ms);
    }
    void decide(const Block& block, const ExtendedCommit& commit) override {
        decisions.emplace_back(block, commit);
    }
    void on_equivocation(const Equivocation& e) override { equivocations.push_back(e); }

    bool scheduled(std::int32_t round, Step step, std::int64_t duration) const {
        for (const auto& [t, d] : timeouts)
            if (t.height == k_h && t.round == round && t.step == step && d == duration) return true;
        return false;
    }
    bool scheduled_any(std::int32_t round, Step step) const {
        for (const auto& [t, d] : timeouts)
            if (t.round == round && t.step == step) return true;
        return false;
    }

    std::vector<Block> created;
    int validations = 0;
    std::set<Hash> invalid;
    std::vector<std::pair<Proposal, Block>> proposals;
    std::vector<Vote> votes;
    std::vector<std::pair<TimeoutInfo, std::int64_t>> timeouts;
    std::vector<std::pair<Block, ExtendedCommit>> decisions;
    std::vector<Equivocation> equivocations;

private:
    const test::Validators& m_vals;
    std::optional<std::size_t> m_self;
};

std::size_t proposer_index(const ValidatorSet& set, std::int32_t round) {
    return *set.index_of(set.copy_increment(round).proposer().address);
}

/// Four validators of power 1: +2/3 needs 3, f+1 needs 2.
struct Fixture {
    explicit Fixture(std::optional<std::size_t> self_index)
        : self(self_index), host(vals, self_index), sm(host, vals.set, k_h, self_index, timeouts) {}

    Block block(std::int32_t round, std::uint8_t salt) const {
        return test::make_block(k_h, salt, vals.set.at(proposer_index(vals.set, round)).address);
    }
    /// The proposal of round `round` by its rightful proposer.
    void propose(std::int32_t round, std::int32_t pol_round, const Block& b) {
        sm.on_proposal(test::make_proposal(vals, proposer_index(vals.set, round), k_h, round,
                                           pol_round, b),
                       b);
    }
    AddVoteResult vote(std::size_t index, VoteType type, std::int32_t round, const BlockId& id) {
        return sm.on_vote(make_vote(vals, index, type, k_h, round, id));
    }
    void timeout(std::int32_t round, Step step) { sm.on_timeout({k_h, round, step}); }

    const Vote& last_vote() const {
        REQUIRE_FALSE(host.votes.empty());
        return host.votes.back();
    }

    test::Validators vals = make_validators({1, 1, 1, 1});
    std::optional<std::size_t> self;
    TimeoutParams timeouts;
    FakeHost host;
    StateMachine sm;
};

// The validator that proposes in none of rounds 0..2 (the set rotates in address order).
constexpr std::size_t k_bystander = 3;

void check_vote(const Vote& v, VoteType type, std::int32_t round, const BlockId& id,
                std::size_t index) {
    CHECK(v.type == type);
    CHECK(v.height == k_h);
    CHECK(v.round == round);
    CHECK(v.block_id == id);
    CHECK(v.validator_index == static_cast<std::int32_t>(index));
}

}  // namespace

TEST_CASE("state machine: test set-up rotates proposers 0,1,2,3") {
    const auto vals = make_validators({1, 1, 1, 1});
    for (std::int32_t r = 0; r < 4; ++r) CHECK(proposer_index(vals.set, r) == static_cast<std::size_t>(r));
}

TEST_CASE("state machine: (a) the proposer proposes and prevotes its valid proposal") {
    const auto vals = make_validators({1, 1, 1, 1});
    const std::size_t proposer = proposer_index(vals.set, 0);
    Fixture f(proposer);
    f.sm.start();
    CHECK(f.sm.round() == 0);
    REQUIRE(f.host.created.size() == 1);
    REQUIRE(f.host.proposals.size() == 1);
    const auto& [p, b] = f.host.proposals[0];
    CHECK(p.height == k_h);
    CHECK(p.round == 0);
    CHECK(p.pol_round == -1);
    CHECK(p.block_id == block_id_of(f.host.created[0]));
    CHECK(b == f.host.created[0]);
    CHECK(crypto::verify(f.vals.set.at(proposer).pub_key, proposal_sign_bytes(test::k_chain_id, p),
                         p.signature));
    CHECK(f.host.scheduled(0, Step::propose, f.timeouts.propose(0)));
    // It validated its own block and prevoted for it.
    CHECK(f.host.validations >= 1);
    REQUIRE(f.host.votes.size() == 1);
    check_vote(f.host.votes[0], VoteType::prevote, 0, p.block_id, proposer);
    CHECK(f.sm.step() == Step::prevote);
    REQUIRE(f.sm.proposal(0) != nullptr);
    CHECK(f.sm.proposal(0)->first == p);
    // Its own vote counts.
    CHECK(f.sm.votes().find(0, VoteType::prevote)->power_for(p.block_id) == 1);
}

TEST_CASE("state machine: (a) a validator prevotes a valid proposal from the proposer") {
    Fixture f(k_bystander);
    f.sm.start();
    CHECK(f.host.created.empty());
    CHECK(f.host.proposals.empty());
    CHECK(f.host.votes.empty());
    CHECK(f.sm.step() == Step::propose);
    CHECK(f.host.scheduled(0, Step::propose, f.timeouts.propose(0)));

    const Block a = f.block(0, 0xa);
    f.propose(0, -1, a);
    REQUIRE(f.host.votes.size() == 1);
    check_vote(f.last_vote(), VoteType::prevote, 0, block_id_of(a), k_bystander);
    CHECK(f.sm.step() == Step::prevote);
}

TEST_CASE("state machine: (b) an invalid block gets a nil prevote") {
    Fixture f(k_bystander);
    f.sm.start();
    const Block bad = f.block(0, 0xb);
    f.host.invalid.insert(block_hash(bad.header));
    f.propose(0, -1, bad);
    REQUIRE(f.host.votes.size() == 1);
    check_vote(f.last_vote(), VoteType::prevote, 0, BlockId{}, k_bystander);
    // Even +2/3 prevotes for it do not make this node precommit or lock it (line 36 needs valid).
    f.vote(0, VoteType::prevote, 0, block_id_of(bad));
    f.vote(1, VoteType::prevote, 0, block_id_of(bad));
    f.vote(2, VoteType::prevote, 0, block_id_of(bad));
    CHECK(f.sm.locked_round() == -1);
    CHECK(f.sm.valid_round() == -1);
    for (const auto& v : f.host.votes) CHECK_FALSE(v.type == VoteType::precommit);
}

TEST_CASE("state machine: (c) +2/3 prevotes lock and precommit, (d) +2/3 precommits decide") {
    Fixture f(k_bystander);
    f.sm.start();
    const Block a = f.block(0, 0xa);
    const BlockId id = block_id_of(a);
    f.propose(0, -1, a);
    CHECK(f.vote(0, VoteType::prevote, 0, id) == AddVoteResult::added);
    CHECK(f.host.votes.size() == 1);  // 2 of 4: nothing yet
    CHECK(f.sm.locked_round() == -1);
    CHECK(f.vote(1, VoteType::prevote, 0, id) == AddVoteResult::added);
    // (c) 3 of 4 prevotes for the block: lock and precommit it (line 36).
    REQUIRE(f.host.votes.size() == 2);
    check_vote(f.last_vote(), VoteType::precommit, 0, id, k_bystander);
    CHECK_FALSE(f.last_vote().extension.empty());
    CHECK(f.sm.step() == Step::precommit);
    CHECK(f.sm.locked_round() == 0);
    CHECK(f.sm.valid_round() == 0);
    CHECK(f.host.scheduled(0, Step::prevote, f.timeouts.prevote(0)));  // line 34, +2/3 any
    CHECK(f.host.decisions.empty());

    // (d) 3 of 4 precommits: decide, with the extended commit.
    CHECK(f.vote(0, VoteType::precommit, 0, id) == AddVoteResult::added);
    CHECK(f.host.decisions.empty());
    CHECK(f.vote(1, VoteType::precommit, 0, id) == AddVoteResult::added);
    REQUIRE(f.host.decisions.size() == 1);
    CHECK(f.sm.decided());
    const auto& [block, commit] = f.host.decisions[0];
    CHECK(block == a);
    CHECK(commit.height == k_h);
    CHECK(commit.round == 0);
    CHECK(commit.block_id == id);
    REQUIRE(commit.signatures.size() == 4);
    CHECK(commit.signatures[0].flag == BlockIdFlag::commit);
    CHECK(commit.signatures[1].flag == BlockIdFlag::commit);
    CHECK(commit.signatures[2].flag == BlockIdFlag::absent);
    CHECK(commit.signatures[3].flag == BlockIdFlag::commit);
    CHECK(commit.signatures[3].extension == f.host.votes.back().extension);

    // Decided: later input does nothing more.
    f.vote(2, VoteType::precommit, 0, id);
    f.timeout(0, Step::precommit);
    CHECK(f.host.decisions.size() == 1);
    CHECK(f.host.votes.size() == 2);
}

TEST_CASE("state machine: (e) timeouts") {
    Fixture f(k_bystander);
    f.sm.start();

    SUBCASE("propose timeout prevotes nil; stale timeouts are ignored") {
        f.timeout(1, Step::propose);  // not our round
        f.sm.on_timeout({k_h + 1, 0, Step::propose});  // not our height
        CHECK(f.host.votes.empty());
        f.timeout(0, Step::propose);
        REQUIRE(f.host.votes.size() == 1);
        check_vote(f.last_vote(), VoteType::prevote, 0, BlockId{}, k_bystander);
        CHECK(f.sm.step() == Step::prevote);
        // A second propose timeout for the same round does not vote again.
        f.timeout(0, Step::propose);
        CHECK(f.host.votes.size() == 1);
        // A proposal arriving late does not change the prevote.
        f.propose(0, -1, f.block(0, 0xa));
        CHECK(f.host.votes.size() == 1);
    }

    SUBCASE("+2/3 mixed prevotes schedule the prevote timeout, which precommits nil") {
        f.timeout(0, Step::propose);  // prevote nil
        f.vote(0, VoteType::prevote, 0, test::block_id_from(1));
        CHECK_FALSE(f.host.scheduled_any(0, Step::prevote));
        f.vote(1, VoteType::prevote, 0, test::block_id_from(2));
        CHECK(f.host.scheduled(0, Step::prevote, f.timeouts.prevote(0)));
        CHECK(f.host.votes.size() == 1);  // no majority: waits for the timeout
        f.timeout(0, Step::prevote);
        REQUIRE(f.host.votes.size() == 2);
        check_vote(f.last_vote(), VoteType::precommit, 0, BlockId{}, k_bystander);
        CHECK(f.last_vote().extension.empty());
        CHECK(f.sm.step() == Step::precommit);

        // +2/3 mixed precommits schedule the precommit timeout, which starts the next round.
        f.vote(0, VoteType::precommit, 0, test::block_id_from(1));
        CHECK_FALSE(f.host.scheduled_any(0, Step::precommit));
        f.vote(1, VoteType::precommit, 0, BlockId{});
        CHECK(f.host.scheduled(0, Step::precommit, f.timeouts.precommit(0)));
        CHECK(f.sm.round() == 0);
        f.timeout(0, Step::precommit);
        CHECK(f.sm.round() == 1);
        CHECK(f.sm.step() == Step::propose);
        CHECK(f.host.scheduled(1, Step::propose, f.timeouts.propose(1)));
        CHECK(f.timeouts.propose(1) == f.timeouts.propose_ms + f.timeouts.propose_delta_ms);
        CHECK(f.host.decisions.empty());
    }

    SUBCASE("+2/3 nil prevotes precommit nil at once (line 44)") {
        f.timeout(0, Step::propose);
        f.vote(0, VoteType::prevote, 0, BlockId{});
        f.vote(1, VoteType::prevote, 0, BlockId{});
        REQUIRE(f.host.votes.size() == 2);
        check_vote(f.last_vote(), VoteType::precommit, 0, BlockId{}, k_bystander);
    }

    SUBCASE("a prevote timeout in the propose step does nothing") {
        f.timeout(0, Step::prevote);
        CHECK(f.host.votes.empty());
        CHECK(f.sm.step() == Step::propose);
    }
}

TEST_CASE("state machine: (f) a locked validator prevotes nil without a POL, and a re-proposal "
          "with a newer POL (line 28)") {
    Fixture f(k_bystander);
    f.sm.start();
    // Round 0: lock on A.
    const Block a = f.block(0, 0xa);
    const BlockId id_a = block_id_of(a);
    f.propose(0, -1, a);
    f.vote(0, VoteType::prevote, 0, id_a);
    f.vote(1, VoteType::prevote, 0, id_a);
    REQUIRE(f.sm.locked_round() == 0);
    check_vote(f.last_vote(), VoteType::precommit, 0, id_a, k_bystander);
    // The others precommit nil: no decision, the round times out.
    f.vote(0, VoteType::precommit, 0, BlockId{});
    f.vote(1, VoteType::precommit, 0, BlockId{});
    CHECK(f.host.scheduled(0, Step::precommit, f.timeouts.precommit(0)));
    f.timeout(0, Step::precommit);
    REQUIRE(f.sm.round() == 1);

    // Round 1: a different block B with no POL: locked on A, so nil (line 22).
    const Block b = f.block(1, 0xb);
    const BlockId id_b = block_id_of(b);
    f.propose(1, -1, b);
    check_vote(f.last_vote(), VoteType::prevote, 1, BlockId{}, k_bystander);
    CHECK(f.sm.locked_round() == 0);
    f.timeout(1, Step::prevote);
    check_vote(f.last_vote(), VoteType::precommit, 1, BlockId{}, k_bystander);
    f.timeout(1, Step::precommit);
    REQUIRE(f.sm.round() == 2);

    // Round 2: B again, justified by a POL in round 1 (1 >= locked round 0).
    const std::size_t votes_before = f.host.votes.size();
    f.propose(2, 1, b);
    // No +2/3 prevotes for B in round 1 seen yet: wait (the propose timeout would prevote nil).
    CHECK(f.host.votes.size() == votes_before);
    CHECK(f.sm.step() == Step::propose);
    f.vote(0, VoteType::prevote, 1, id_b);
    f.vote(1, VoteType::prevote, 1, id_b);
    CHECK(f.host.votes.size() == votes_before);  // 2 of 4 for B (ours was nil)
    f.vote(2, VoteType::prevote, 1, id_b);
    REQUIRE(f.host.votes.size() == votes_before + 1);
    check_vote(f.last_vote(), VoteType::prevote, 2, id_b, k_bystander);
}

TEST_CASE("state machine: (f) a POL older than the lock does not unlock") {
    Fixture f(k_bystander);
    f.sm.start();
    // Round 0: no proposal reaches us; we prevote and precommit nil.
    f.timeout(0, Step::propose);
    f.timeout(0, Step::prevote);
    f.timeout(0, Step::precommit);
    REQUIRE(f.sm.round() == 1);
    // Round 1: lock on A.
    const Block a = f.block(1, 0xa);
    f.propose(1, -1, a);
    f.vote(0, VoteType::prevote, 1, block_id_of(a));
    f.vote(1, VoteType::prevote, 1, block_id_of(a));
    REQUIRE(f.sm.locked_round() == 1);
    f.timeout(1, Step::precommit);
    REQUIRE(f.sm.round() == 2);
    // Round 2: B with a POL from round 0, which we see complete only now.
    const Block b = f.block(0, 0xb);
    f.propose(2, 0, b);
    f.vote(0, VoteType::prevote, 0, block_id_of(b));
    f.vote(1, VoteType::prevote, 0, block_id_of(b));
    f.vote(2, VoteType::prevote, 0, block_id_of(b));
    // locked_round 1 > pol_round 0 and locked on A: nil.
    check_vote(f.last_vote(), VoteType::prevote, 2, BlockId{}, k_bystander);
    CHECK(f.sm.locked_round() == 1);
}

TEST_CASE("state machine: a locked proposer re-proposes its valid value with its POL round") {
    const auto vals = make_validators({1, 1, 1, 1});
    const std::size_t self = proposer_index(vals.set, 1);
    Fixture f(self);
    f.sm.start();
    REQUIRE(f.host.created.empty());  // not the proposer of round 0
    const Block a = f.block(0, 0xa);
    f.propose(0, -1, a);
    for (std::size_t i = 0; i < 4; ++i)
        if (i != self && f.sm.locked_round() == -1) f.vote(i, VoteType::prevote, 0, block_id_of(a));
    REQUIRE(f.sm.locked_round() == 0);
    f.timeout(0, Step::precommit);
    REQUIRE(f.sm.round() == 1);
    // Round 1: it proposes A again (no new block) with pol_round 0 and prevotes it (line 28).
    CHECK(f.host.created.empty());
    REQUIRE(f.host.proposals.size() == 1);
    CHECK(f.host.proposals[0].first.round == 1);
    CHECK(f.host.proposals[0].first.pol_round == 0);
    CHECK(f.host.proposals[0].second == a);
    check_vote(f.last_vote(), VoteType::prevote, 1, block_id_of(a), self);
}

TEST_CASE("state machine: (g) f+1 votes of a higher round skip to it") {
    Fixture f(k_bystander);
    f.sm.start();
    // One validator (1/4) is not enough, whatever it sends.
    f.vote(0, VoteType::prevote, 5, test::block_id_from(1));
    f.vote(0, VoteType::precommit, 5, BlockId{});
    CHECK(f.sm.round() == 0);
    // Votes of a lower or equal round never skip.
    f.vote(1, VoteType::prevote, 0, BlockId{});
    f.vote(2, VoteType::prevote, 0, BlockId{});
    CHECK(f.sm.round() == 0);
    // A second validator in round 5: 2/4 > 1/3.
    f.vote(1, VoteType::precommit, 5, BlockId{});
    CHECK(f.sm.round() == 5);
    CHECK(f.sm.step() == Step::propose);
    CHECK(f.host.scheduled(5, Step::propose, f.timeouts.propose(5)));
    // f+1 in round 9 skips again, past the rounds in between.
    f.vote(0, VoteType::prevote, 9, BlockId{});
    f.vote(2, VoteType::prevote, 9, BlockId{});
    CHECK(f.sm.round() == 9);
}

TEST_CASE("state machine: (h) a conflicting vote is reported as equivocation") {
    Fixture f(k_bystander);
    f.sm.start();
    const Vote first = make_vote(f.vals, 0, VoteType::prevote, k_h, 0, test::block_id_from(1));
    const Vote second = make_vote(f.vals, 0, VoteType::prevote, k_h, 0, test::block_id_from(2));
    CHECK(f.sm.on_vote(first) == AddVoteResult::added);
    CHECK(f.sm.on_vote(first) == AddVoteResult::duplicate);
    CHECK(f.host.equivocations.empty());
    CHECK(f.sm.on_vote(second) == AddVoteResult::conflicting);
    REQUIRE(f.host.equivocations.size() == 1);
    CHECK(f.host.equivocations[0].first == first);
    CHECK(f.host.equivocations[0].second == second);
    // Each vote counts for its own block (the paper counts messages per value); the validator
    // counts once in the total, so an equivocation never inflates "+2/3 of any".
    const VoteSet* prevotes = f.sm.votes().find(0, VoteType::prevote);
    const std::int64_t power = f.vals.set.at(0).voting_power;
    CHECK(prevotes->power_for(test::block_id_from(1)) == power);
    CHECK(prevotes->power_for(test::block_id_from(2)) == power);
    CHECK(prevotes->total_power() == power);
}

TEST_CASE("state machine: (i) malformed proposals are ignored") {
    Fixture f(k_bystander);
    f.sm.start();
    const Block a = f.block(0, 0xa);
    const Block b = f.block(0, 0xb);

    // pol_round >= round.
    Proposal p = test::make_proposal(f.vals, 0, k_h, 0, 0, a);
    f.sm.on_proposal(p, a);
    p = test::make_proposal(f.vals, 0, k_h, 0, 3, a);
    f.sm.on_proposal(p, a);
    // pol_round below -1.
    p = test::make_proposal(f.vals, 0, k_h, 0, -2, a);
    f.sm.on_proposal(p, a);
    // The block does not match the proposal's block id.
    p = test::make_proposal(f.vals, 0, k_h, 0, -1, a);
    f.sm.on_proposal(p, b);
    // Another height.
    Block other_height = test::make_block(k_h + 1, 1);
    f.sm.on_proposal(test::make_proposal(f.vals, 0, k_h + 1, 0, -1, other_height), other_height);
    CHECK(f.sm.proposal(0) == nullptr);
    CHECK(f.host.votes.empty());
    CHECK(f.sm.step() == Step::propose);

    // A well-formed one is still taken, and the first proposal of a round wins.
    f.sm.on_proposal(test::make_proposal(f.vals, 0, k_h, 0, -1, a), a);
    f.sm.on_proposal(test::make_proposal(f.vals, 0, k_h, 0, -1, b), b);
    REQUIRE(f.sm.proposal(0) != nullptr);
    CHECK(f.sm.proposal(0)->second == a);
    REQUIRE(f.host.votes.size() == 1);
    check_vote(f.last_vote(), VoteType::prevote, 0, block_id_of(a), k_bystander);
}

TEST_CASE("state machine: +2/3 precommits of an earlier round decide (line 49)") {
    Fixture f(k_bystander);
    f.sm.start();
    const Block a = f.block(0, 0xa);
    f.propose(0, -1, a);
    f.timeout(0, Step::prevote);  // we prevoted A, then precommit nil on the timeout
    f.timeout(0, Step::precommit);
    f.timeout(1, Step::propose);
    f.timeout(1, Step::prevote);
    f.timeout(1, Step::precommit);
    REQUIRE(f.sm.round() == 2);
    CHECK(f.host.decisions.empty());
    // Round-0 precommits for A from the three others arrive late.
    f.vote(0, VoteType::precommit, 0, block_id_of(a));
    f.vote(1, VoteType::precommit, 0, block_id_of(a));
    CHECK(f.host.decisions.empty());
    f.vote(2, VoteType::precommit, 0, block_id_of(a));
    REQUIRE(f.host.decisions.size() == 1);
    CHECK(f.host.decisions[0].first == a);
    CHECK(f.host.decisions[0].second.round == 0);
    CHECK(f.host.decisions[0].second.signatures[k_bystander].flag == BlockIdFlag::nil);
}

TEST_CASE("state machine: +2/3 precommits wait for the block before deciding") {
    Fixture f(k_bystander);
    f.sm.start();
    const Block a = f.block(0, 0xa);
    f.vote(0, VoteType::precommit, 0, block_id_of(a));
    f.vote(1, VoteType::precommit, 0, block_id_of(a));
    f.vote(2, VoteType::precommit, 0, block_id_of(a));
    CHECK(f.host.decisions.empty());  // the block itself is unknown
    f.propose(0, -1, a);
    REQUIRE(f.host.decisions.size() == 1);
    CHECK(f.host.decisions[0].first == a);
}

TEST_CASE("state machine: a non-validator follows and decides without voting") {
    Fixture f(std::nullopt);
    f.sm.start();
    const Block a = f.block(0, 0xa);
    f.propose(0, -1, a);
    CHECK(f.sm.step() == Step::prevote);
    for (std::size_t i = 0; i < 3; ++i) f.vote(i, VoteType::prevote, 0, block_id_of(a));
    for (std::size_t i = 0; i < 3; ++i) f.vote(i, VoteType::precommit, 0, block_id_of(a));
    CHECK(f.host.votes.empty());
    CHECK(f.host.proposals.empty());
    REQUIRE(f.host.decisions.size() == 1);
    CHECK(f.host.decisions[0].first == a);
}

}  // namespace seer::consensus
