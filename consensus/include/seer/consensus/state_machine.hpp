#pragma once
// The Tendermint algorithm ("The latest gossip on BFT consensus", arXiv 1807.04938) for one
// height, as a pure state machine: inputs are on_proposal, on_vote and on_timeout; outputs are
// calls on the injected Host. No sockets, clocks, threads or files. Inputs must already be
// authenticated (signatures checked by the driver). One instance per height.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "seer/consensus/types.hpp"
#include "seer/consensus/validator_set.hpp"
#include "seer/consensus/vote_set.hpp"

namespace seer::consensus {

struct TimeoutParams {
    std::int64_t propose_ms = 3000;
    std::int64_t propose_delta_ms = 500;
    std::int64_t prevote_ms = 1000;
    std::int64_t prevote_delta_ms = 500;
    std::int64_t precommit_ms = 1000;
    std::int64_t precommit_delta_ms = 500;
    std::int64_t commit_ms = 1000;

    std::int64_t propose(std::int32_t round) const { return propose_ms + round * propose_delta_ms; }
    std::int64_t prevote(std::int32_t round) const { return prevote_ms + round * prevote_delta_ms; }
    std::int64_t precommit(std::int32_t round) const {
        return precommit_ms + round * precommit_delta_ms;
    }
};

struct TimeoutInfo {
    std::int64_t height = 0;
    std::int32_t round = 0;
    Step step = Step::propose;
    auto operator<=>(const TimeoutInfo&) const = default;
};

class StateMachineHost {
public:
    virtual ~StateMachineHost() = default;
    /// getValue(): a new block for (height, round) from prepare_proposal.
    virtual Block create_proposal_block(std::int64_t height, std::int32_t round) = 0;
    /// valid(v): full block validation + process_proposal. Hosts cache by block hash.
    virtual bool validate_block(const Block& block) = 0;
    /// Signs through the privval; nullopt when it refuses (would double-sign).
    virtual std::optional<Proposal> sign_proposal(const Proposal& unsigned_proposal) = 0;
    /// Signs a vote (and, for a non-nil precommit, its extension from extend_vote).
    virtual std::optional<Vote> sign_vote(VoteType type, std::int64_t height, std::int32_t round,
                                          const BlockId& block_id) = 0;
    virtual void broadcast_proposal(const Proposal& proposal, const Block& block) = 0;
    virtual void broadcast_vote(const Vote& vote) = 0;
    virtual void schedule_timeout(const TimeoutInfo& timeout, std::int64_t duration_ms) = 0;
    /// decision_p[h] = v. Called once; the state machine then stops.
    virtual void decide(const Block& block, const ExtendedCommit& commit) = 0;
    /// A validator signed two different messages for the same (height, round, step).
    virtual void on_equivocation(const Equivocation& evidence) = 0;
};

/// Proposals kept per round: the proposer's first, plus one equivocating second proposal, so a
/// block that gathered a polka is known even when this node first saw the other proposal.
inline constexpr std::size_t k_max_proposals_per_round = 2;
inline constexpr std::size_t k_max_polkas = 8;

class StateMachine {
public:
    /// `self` = index of this node in `validators`, nullopt for a non-validator.
    StateMachine(StateMachineHost& host, const ValidatorSet& validators, std::int64_t height,
                 std::optional<std::size_t> self, TimeoutParams timeouts);

    /// StartRound(0).
    void start();
    /// A proposal with its block; signature already checked against proposer(round).
    void on_proposal(const Proposal& proposal, const Block& block);
    /// A vote whose signature (and extension) the driver already accepted.
    AddVoteResult on_vote(const Vote& vote);
    void on_timeout(const TimeoutInfo& timeout);
    /// A vote of this height that arrives after the node left it: recorded (equivocation is
    /// still detected and reported) but no rule runs.
    AddVoteResult record_late_vote(const Vote& vote);

    std::int64_t height() const { return m_height; }
    std::int32_t round() const { return m_round; }
    Step step() const { return m_step; }
    bool decided() const { return m_decided; }
    const Validator& proposer(std::int32_t round) const;
    const HeightVoteSet& votes() const { return m_votes; }
    /// The first proposal (with block) received or made for `round`, if any.
    const std::pair<Proposal, Block>* proposal(std::int32_t round) const;
    /// A proposal of `round` for block `id` (the first, or an equivocating second one).
    const std::pair<Proposal, Block>* proposal_for(std::int32_t round, const BlockId& id) const;
    /// Any proposal, of any round, for block `id`.
    const std::pair<Proposal, Block>* find_proposal(const BlockId& id) const;
    /// Rounds with +2/3 prevotes for a block (not nil), the latest k_max_polkas of them.
    std::vector<std::pair<std::int32_t, BlockId>> polkas() const;
    std::int32_t locked_round() const { return m_locked_round; }
    std::int32_t valid_round() const { return m_valid_round; }

private:
    void start_round(std::int32_t round);
    void evaluate();  // applies every rule whose condition holds until none does
    bool rule_proposal_prevote();   // lines 22 and 28
    bool rule_prevote_timeout();    // line 34
    bool rule_polka_block();        // line 36
    bool rule_polka_nil();          // line 44
    bool rule_precommit_timeout();  // line 47
    bool rule_decide();             // line 49
    bool rule_round_skip();         // line 55
    bool rule_valid_from_past_polka();
    void prevote(const BlockId& id);
    void precommit(const BlockId& id);
    bool valid(const Block& block);

    StateMachineHost& m_host;
    const ValidatorSet& m_validators;
    std::int64_t m_height;
    std::optional<std::size_t> m_self;
    TimeoutParams m_timeouts;

    std::int32_t m_round = -1;
    Step m_step = Step::propose;
    bool m_decided = false;
    bool m_evaluating = false;
    std::optional<Block> m_locked_value;
    std::int32_t m_locked_round = -1;
    std::optional<Block> m_valid_value;
    std::int32_t m_valid_round = -1;

    HeightVoteSet m_votes;
    std::map<std::int32_t, std::vector<std::pair<Proposal, Block>>> m_proposals;
    mutable std::map<std::int32_t, ValidatorSet> m_proposer_cache;
    std::map<Hash, bool> m_validity;  // valid(v) by block hash
    // "for the first time" guards of lines 34, 36 and 47.
    std::set<std::int32_t> m_prevote_timeout_scheduled;
    std::set<std::int32_t> m_polka_block_done;
    std::set<std::int32_t> m_precommit_timeout_scheduled;
};

}  // namespace seer::consensus
