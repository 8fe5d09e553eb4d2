// Vote extensions: verify_vote_extension (deterministic checks, DESIGN §4 step 8) and
// extend_vote with a prophet (step 7).

#include "support.hpp"

namespace seer::async::test {
namespace {

/// Appends an unknown field (number 15, length-delimited) of `n` bytes: the extension still
/// decodes to the same votes, only its size changes.
Bytes padded(Bytes ext, std::size_t n) {
    REQUIRE(n < 128);
    ext.push_back(0x7a);
    ext.push_back(static_cast<std::uint8_t>(n));
    ext.insert(ext.end(), n, 0x01);
    return ext;
}

Params extension_params() {
    Params p;
    p.max_votes_per_extension = 2;
    p.max_extension_bytes = 64;
    return p;
}

/// Four validators; futures 1..3 EXECUTED (result at height 2), future 4 PENDING.
struct Extensions {
    Chain chain{validators(4, 1), genesis(extension_params())};
    Extensions() {
        chain.next({signed_tx(0, 0), signed_tx(0, 1), signed_tx(0, 2), signed_tx(0, 3)});
        chain.next({results_tx(a(), {output(1, "hello"), output(2, "hello")})}, 0);
        chain.next({results_tx(a(), {output(3, "hello")})}, 0);
    }
    Application& app() { return chain.app(); }
    const Address& a() const { return chain.vs.addresses[0]; }
    const Address& b() const { return chain.vs.addresses[1]; }
    VerifyStatus verify(const Bytes& ext, const Hash& hash = block_hash(4, "x")) {
        return verify_extension(app(), 4, ext, b(), hash);
    }
};

TEST_CASE("verify_vote_extension accepts empty and valid extensions") {
    Extensions t;
    CHECK(t.verify({}) == VerifyStatus::accept);
    CHECK(t.verify(extension({})) == VerifyStatus::accept);
    CHECK(t.verify(extension({verified(1)})) == VerifyStatus::accept);
    CHECK(t.verify(extension({verified(1), rejected(3)})) == VerifyStatus::accept);
    // At the byte limit (64) it is still accepted.
    const Bytes one = extension({verified(1)});
    CHECK(t.verify(padded(one, 64 - one.size() - 2)) == VerifyStatus::accept);
}

TEST_CASE("verify_vote_extension rejects bad extensions") {
    Extensions t;
    SUBCASE("garbage bytes") {
        CHECK(t.verify(Bytes{0xff, 0xff, 0xff}) == VerifyStatus::reject);
        CHECK(t.verify(Bytes{0x0a, 0x05, 0x08}) == VerifyStatus::reject);  // truncated
    }
    SUBCASE("over max_extension_bytes") {
        const Bytes one = extension({verified(1)});
        CHECK(t.verify(padded(one, 64 - one.size() - 1)) == VerifyStatus::reject);
    }
    SUBCASE("more than max_votes_per_extension") {
        CHECK(t.verify(extension({verified(1), verified(2), verified(3)})) == VerifyStatus::reject);
    }
    SUBCASE("duplicate ids") {
        CHECK(t.verify(extension({verified(1), verified(1)})) == VerifyStatus::reject);
        CHECK(t.verify(extension({verified(1), rejected(1)})) == VerifyStatus::reject);
    }
    SUBCASE("futures that are not EXECUTED") {
        CHECK(t.verify(extension({verified(4)})) == VerifyStatus::reject);   // pending
        CHECK(t.verify(extension({verified(99)})) == VerifyStatus::reject);  // unknown
        CHECK(t.verify(extension({verified(1), verified(4)})) == VerifyStatus::reject);
    }
    SUBCASE("wrong attempt") {
        CHECK(t.verify(extension({verified(1, 1)})) == VerifyStatus::reject);
    }
    SUBCASE("vote value 0") {
        v1::VoteExtension m;
        auto* v = m.add_votes();
        v->set_future_id(1);
        v->set_value(v1::VOTE_VALUE_UNSPECIFIED);
        CHECK(t.verify(to_bytes(m.SerializeAsString())) == VerifyStatus::reject);
        v->set_value(static_cast<v1::VoteValue>(7));
        CHECK(t.verify(to_bytes(m.SerializeAsString())) == VerifyStatus::reject);
    }
}

TEST_CASE("verify_vote_extension accepts votes on results in the block being voted on") {
    Extensions t;
    const Hash hash = block_hash(4, "with-results");
    const std::vector<Bytes> block{results_tx(t.a(), {output(4, "hello")})};
    REQUIRE(process(t.app(), 4, block, t.a(), hash) == ProposalStatus::accept);
    CHECK(t.verify(extension({verified(4)}), hash) == VerifyStatus::accept);
    CHECK(t.verify(extension({rejected(4), verified(1)}), hash) == VerifyStatus::accept);
    // Not for another block of the same height, nor for another attempt.
    CHECK(t.verify(extension({verified(4)}), block_hash(4, "other")) == VerifyStatus::reject);
    CHECK(t.verify(extension({verified(4, 1)}), hash) == VerifyStatus::reject);
}

// ---- extend_vote with a prophet ------------------------------------------------------------

TEST_CASE("extend_vote: the prophet verifies another validator's results") {
    // This node is validator B (index 1) and runs a prophet; A proposes the results.
    Chain chain(validators(4, 1), genesis(), 1, /*with_prophet=*/true);
    auto& app = chain.app();
    auto& prophet = *chain.node.prophet;
    const Address a = chain.vs.addresses[0];
    const Address b = chain.vs.addresses[1];

    chain.next({signed_tx(0, 0, "echo", "hello"), signed_tx(0, 1, "echo", "world"),
                signed_tx(0, 2, "math", "6*7")});
    settle(prophet);

    // Height 2: A claims a correct output for 1, a wrong one for 2, and nothing for 3.
    const Hash hash = block_hash(2);
    const std::vector<Bytes> block{results_tx(a, {output(1, "hello"), output(2, "WRONG")})};
    REQUIRE(process(app, 2, block, a, hash) == ProposalStatus::accept);
    settle(prophet);
    consensus::ExtendVoteRequest ev;
    ev.height = 2;
    ev.hash = hash;
    const Bytes ext = app.extend_vote(ev);
    // VERIFIED on an entry of this block's results tx is its bit (entry 0 = future 1);
    // REJECTED is explicit.
    auto decoded = decode_extension(ext);
    REQUIRE(decoded.ok());
    CHECK(decoded->verified_bits == Bytes{0x01});
    REQUIRE(decoded->votes.size() == 1);
    CHECK(decoded->votes[0] == rejected(2));
    CHECK(verify_extension(app, 2, ext, b, hash) == VerifyStatus::accept);

    // For another block at the same height (no claims in it, nothing EXECUTED yet): no votes.
    ev.hash = block_hash(2, "other");
    auto other = decode_extension(app.extend_vote(ev));
    REQUIRE(other.ok());
    CHECK(other->votes.empty());
    CHECK(other->verified_bits.empty());
    // Bits for a block this node knows no results of are refused, as are bits past the last
    // entry of a results tx.
    VoteExtension stray;
    stray.set_bit(0);
    CHECK(verify_extension(app, 2, encode_extension(stray), b, block_hash(2, "other")) ==
          VerifyStatus::reject);
    VoteExtension past;
    past.set_bit(2);  // the results tx has entries 0 and 1
    CHECK(verify_extension(app, 2, encode_extension(past), b, hash) == VerifyStatus::reject);
    // An explicit vote on an entry whose bit is set names the future twice.
    VoteExtension twice;
    twice.set_bit(0);
    twice.votes.push_back(verified(1));
    CHECK(verify_extension(app, 2, encode_extension(twice), b, hash) == VerifyStatus::reject);

    // The block is decided. At height 3, for a proposal whose last commit lacks B's precommit,
    // B casts its votes again, explicitly: that precommit will never reach the chain.
    chain.next(block, 0);
    CHECK(future(app, 1).status() == v1::FUTURE_STATUS_EXECUTED);
    ev.height = 3;
    ev.hash = block_hash(3, "without B");
    const std::vector<Bytes> empty_block;
    REQUIRE(process(app, 3, empty_block, a, ev.hash) == ProposalStatus::accept);
    auto recast = decode_extension(app.extend_vote(ev));
    REQUIRE(recast.ok());
    REQUIRE(recast->votes.size() == 2);
    CHECK(recast->votes[0] == verified(1));
    CHECK(recast->votes[1] == rejected(2));
    // For a proposal whose last commit carries B's precommit, they are not cast again: that
    // precommit's extension is what puts them on chain.
    consensus::ProcessProposalRequest with_b;
    with_b.height = 3;
    with_b.time = 3'000'000'000;
    with_b.hash = block_hash(3);
    with_b.proposer_address = a;
    with_b.txs = &empty_block;
    with_b.proposed_last_commit = last_commit(chain.vs, {{1, ext}});
    REQUIRE(app.process_proposal(with_b) == ProposalStatus::accept);
    ev.hash = block_hash(3);
    auto again = decode_extension(app.extend_vote(ev));
    REQUIRE(again.ok());
    CHECK(again->votes.empty());
    CHECK(again->verified_bits.empty());

    // Height 3 carries B's extension: the bit counts as B's VERIFIED vote on future 1.
    auto h3 = chain.next({}, 0, {{1, ext}});
    CHECK(events_of(h3, "future_vote", 1).size() == 1);
    CHECK(events_of(h3, "future_vote", 2).size() == 1);
    ev.height = 4;
    ev.hash = block_hash(4);
    auto after = decode_vote_extension(app.extend_vote(ev));
    REQUIRE(after.ok());
    CHECK(after->empty());
    auto f1 = future(app, 1);
    CHECK(f1.tally().verified_power() == 2);  // A (submitter) and B's bit
    auto f2 = future(app, 2);
    CHECK(f2.tally().verified_power() == 1);
    CHECK(f2.tally().rejected_power() == 1);
}

TEST_CASE("extend_vote: a vote not cast in the result's own block is cast late, explicitly") {
    // This node is B; it did not precommit block 2 (no extend_vote there), so at height 3 it
    // votes on block 2's results explicitly.
    Chain chain(validators(4, 1), genesis(), 1, /*with_prophet=*/true);
    auto& app = chain.app();
    auto& prophet = *chain.node.prophet;
    const Address a = chain.vs.addresses[0];
    chain.next({signed_tx(0, 0, "echo", "hello"), signed_tx(0, 1, "echo", "world")});
    settle(prophet);
    const Hash hash = block_hash(2);
    const std::vector<Bytes> block{results_tx(a, {output(1, "hello"), output(2, "WRONG")})};
    REQUIRE(process(app, 2, block, a, hash) == ProposalStatus::accept);
    chain.next(block, 0);
    settle(prophet);
    consensus::ExtendVoteRequest ev;
    ev.height = 3;
    ev.hash = block_hash(3);
    auto late = decode_extension(app.extend_vote(ev));
    REQUIRE(late.ok());
    CHECK(late->verified_bits.empty());
    REQUIRE(late->votes.size() == 2);
    CHECK(late->votes[0] == verified(1));
    CHECK(late->votes[1] == rejected(2));
}

TEST_CASE("extend_vote: the validator's own results get no extension vote") {
    Chain chain(validators(4, 1), genesis(), 0, true);  // this node is A
    chain.next({signed_tx(0, 0, "echo", "hello")});
    settle(*chain.node.prophet);
    const std::vector<Bytes> block{results_tx(chain.vs.addresses[0], {output(1, "hello")})};
    REQUIRE(process(chain.app(), 2, block, chain.vs.addresses[0]) == ProposalStatus::accept);
    chain.next(block, 0);
    settle(*chain.node.prophet);
    consensus::ExtendVoteRequest ev;
    ev.height = 3;
    ev.hash = block_hash(3);
    auto votes = decode_vote_extension(chain.app().extend_vote(ev));
    REQUIRE(votes.ok());
    CHECK(votes->empty());
}

TEST_CASE("extend_vote: a validator without a prophet returns an empty extension") {
    Chain chain(validators(4, 1), genesis(), 1, /*with_prophet=*/false);
    chain.next({signed_tx(0, 0, "echo", "hello")});
    const Hash hash = block_hash(2);
    const std::vector<Bytes> block{results_tx(chain.vs.addresses[0], {output(1, "hello")})};
    REQUIRE(process(chain.app(), 2, block, chain.vs.addresses[0], hash) == ProposalStatus::accept);
    consensus::ExtendVoteRequest ev;
    ev.height = 2;
    ev.hash = hash;
    CHECK(chain.app().extend_vote(ev).empty());
    chain.next(block, 0);
    ev.height = 3;
    ev.hash = block_hash(3);
    CHECK(chain.app().extend_vote(ev).empty());
}

}  // namespace
}  // namespace seer::async::test
