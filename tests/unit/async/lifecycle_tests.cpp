// The life of a future (DESIGN §4): created PENDING, a result from the proposer (EXECUTED),
// votes in the next block's extended commit, the tally to VERIFIED / back to PENDING / FAILED.

#include "support.hpp"

namespace seer::async::test {
namespace {

TEST_CASE("lifecycle: a single validator with a prophet verifies its own result") {
    Chain chain(validators(1), genesis(), 0, /*with_prophet=*/true);
    auto& app = chain.app();
    auto& prophet = *chain.node.prophet;

    // Height 1: the tx creates future 1.
    auto h1 = chain.next({signed_tx(0, 0, "math", "2+4")});
    REQUIRE(h1.tx_results[0].code == 0);
    CHECK(created_id(h1.tx_results[0]) == 1);
    auto created = events_of(h1, "future_created", 1);
    REQUIRE(created.size() == 1);
    CHECK(attribute(created[0], "creator") == user_bech32(0));
    CHECK(attribute(created[0], "handler") == "math");
    CHECK(attribute(created[0], "deadline") == "51");

    auto f = future(app, 1);
    CHECK(f.status() == v1::FUTURE_STATUS_PENDING);
    CHECK(f.created_height() == 1);
    CHECK(f.deadline_height() == 1 + 50);
    CHECK(f.creator() == user_bech32(0));
    CHECK(f.input() == "2+4");
    CHECK(f.attempts() == 0);
    const auto txh = tx_hash(signed_tx(0, 0, "math", "2+4"));
    CHECK(f.tx_hash() == std::string(txh.begin(), txh.end()));

    // After commit the prophet executed it.
    settle(prophet);
    auto own = prophet.result(1);
    REQUIRE(own.has_value());
    CHECK(own->ok);
    CHECK(to_string(own->output) == "6");

    // Height 2: the proposer puts the result first in its block.
    consensus::PrepareProposalRequest prep;
    prep.height = 2;
    prep.time = 2'000'000'000;
    prep.proposer_address = chain.vs.addresses[0];
    prep.max_tx_bytes = 1 << 20;
    prep.txs = {signed_tx(0, 1, "echo", "next")};
    auto proposal = app.prepare_proposal(prep);
    REQUIRE(proposal.txs.size() == 2);
    REQUIRE_FALSE(proposal.txs[0].empty());
    CHECK(proposal.txs[0][0] == k_results_tx_marker);
    CHECK(proposal.txs[1] == prep.txs[0]);
    auto decoded = decode_results_tx(proposal.txs[0]);
    REQUIRE(decoded.ok());
    CHECK(decoded->proposer == chain.vs.addresses[0]);
    REQUIRE(decoded->results.size() == 1);
    CHECK(decoded->results[0] == output(1, "6"));

    CHECK(process(app, 2, proposal.txs, chain.vs.addresses[0]) == ProposalStatus::accept);
    auto h2 = chain.next(proposal.txs);
    CHECK(h2.tx_results[0].code == 0);
    CHECK(h2.tx_results[1].code == 0);
    CHECK(events_of(h2, "future_result", 1).size() == 1);
    auto done = events_of(h2, "future_verified", 1);
    REQUIRE(done.size() == 1);
    CHECK(attribute(done[0], "status") == "VERIFIED");

    f = future(app, 1);
    CHECK(f.status() == v1::FUTURE_STATUS_VERIFIED);
    CHECK(f.result().output() == "6");
    CHECK(f.result().error().empty());
    CHECK(f.result().height() == 2);
    CHECK(f.final_height() == 2);
    CHECK(f.tally().verified_power() == 10);
    CHECK(f.tally().total_power() == 10);
    // A final future is forgotten by the prophet.
    CHECK_FALSE(prophet.result(1).has_value());

    // The next proposal has nothing more for future 1 (future 2 is still being executed or done).
    settle(prophet);
    prep.height = 3;
    prep.txs.clear();
    auto p3 = app.prepare_proposal(prep);
    REQUIRE(p3.txs.size() == 1);
    auto r3 = decode_results_tx(p3.txs[0]);
    REQUIRE(r3.ok());
    REQUIRE(r3->results.size() == 1);
    CHECK(r3->results[0] == output(2, "next"));
}

TEST_CASE("lifecycle: a handler error is a result; the prophet's error goes on chain") {
    Chain chain(validators(1), genesis(), 0, true);
    chain.next({signed_tx(0, 0, "math", "1/0")});
    settle(*chain.node.prophet);
    consensus::PrepareProposalRequest prep;
    prep.height = 2;
    prep.proposer_address = chain.vs.addresses[0];
    prep.max_tx_bytes = 1 << 20;
    auto proposal = chain.app().prepare_proposal(prep);
    REQUIRE(proposal.txs.size() == 1);
    auto decoded = decode_results_tx(proposal.txs[0]);
    REQUIRE(decoded.ok());
    REQUIRE(decoded->results.size() == 1);
    CHECK(decoded->results[0].output.empty());
    CHECK_FALSE(decoded->results[0].error.empty());
    auto h2 = chain.next(proposal.txs);
    auto f = future(chain.app(), 1);
    CHECK(f.status() == v1::FUTURE_STATUS_FAILED);
    CHECK(f.final_reason() == decoded->results[0].error);
    CHECK(events_of(h2, "future_failed", 1).size() == 1);
}

TEST_CASE("lifecycle: a validator without a prophet proposes no results") {
    Chain chain(validators(1), genesis(), 0, false);
    chain.next({signed_tx(0, 0)});
    consensus::PrepareProposalRequest prep;
    prep.height = 2;
    prep.proposer_address = chain.vs.addresses[0];
    prep.max_tx_bytes = 1 << 20;
    prep.txs = {signed_tx(0, 1)};
    auto proposal = chain.app().prepare_proposal(prep);
    REQUIRE(proposal.txs.size() == 1);
    CHECK(proposal.txs[0] == prep.txs[0]);
}

TEST_CASE("prepare_proposal keeps valid user txs in order and drops the others") {
    Chain chain(validators(1), genesis(), 0, false);
    Bytes bad = signed_tx(1, 0);
    bad.back() ^= 0x01;
    consensus::PrepareProposalRequest prep;
    prep.height = 1;
    prep.proposer_address = chain.vs.addresses[0];
    prep.max_tx_bytes = 1 << 20;
    prep.txs = {signed_tx(0, 0),   bad,
                signed_tx(0, 2),   signed_tx(0, 1),
                Bytes{0x00, 0x01}, signed_tx(2, 0, "weather", "x")};
    auto proposal = chain.app().prepare_proposal(prep);
    REQUIRE(proposal.txs.size() == 2);
    CHECK(proposal.txs[0] == prep.txs[0]);
    CHECK(proposal.txs[1] == prep.txs[3]);
    CHECK(process(chain.app(), 1, proposal.txs, chain.vs.addresses[0]) == ProposalStatus::accept);

    SUBCASE("max_tx_bytes bounds the block") {
        prep.max_tx_bytes = static_cast<std::int64_t>(prep.txs[0].size()) + 8;
        auto small = chain.app().prepare_proposal(prep);
        REQUIRE(small.txs.size() == 1);
        CHECK(small.txs[0] == prep.txs[0]);
    }
}

// ---- four validators of equal power ----------------------------------------------------------

struct FourValidators {
    Chain chain;
    explicit FourValidators(Params p = {}) : chain(validators(4, 1), genesis(p)) {}
    Application& app() { return chain.app(); }
    const Address& a() const { return chain.vs.addresses[0]; }
};

TEST_CASE("tally: a result from A is verified by B and C in the next block") {
    FourValidators t;
    t.chain.next({signed_tx(0, 0, "echo", "hi")});  // height 1: future 1

    // Height 2: A proposes the result.
    const std::vector<Bytes> block2{results_tx(t.a(), {output(1, "hi")})};
    REQUIRE(process(t.app(), 2, block2, t.a()) == ProposalStatus::accept);
    auto h2 = t.chain.next(block2, 0);
    auto res = events_of(h2, "future_result", 1);
    REQUIRE(res.size() == 1);
    CHECK(attribute(res[0], "attempt") == "0");
    CHECK(h2.tx_results[0].code == 0);

    auto f = future(t.app(), 1);
    CHECK(f.status() == v1::FUTURE_STATUS_EXECUTED);
    CHECK(f.result().output() == "hi");
    CHECK(f.result().submitter() == std::string(t.a().begin(), t.a().end()));
    CHECK(f.result().height() == 2);
    REQUIRE(f.votes_size() == 1);
    CHECK(f.votes(0).validator() == std::string(t.a().begin(), t.a().end()));
    CHECK(f.votes(0).value() == v1::VOTE_VALUE_VERIFIED);
    CHECK(f.votes(0).power() == 1);
    CHECK(f.tally().verified_power() == 1);
    CHECK(f.tally().total_power() == 4);

    SUBCASE("B and C verify: 3/4 > 2/3") {
        auto h3 =
            t.chain.next({}, 1, {{1, extension({verified(1)})}, {2, extension({verified(1)})}});
        CHECK(events_of(h3, "future_vote", 1).size() == 2);
        CHECK(events_of(h3, "future_verified", 1).size() == 1);
        f = future(t.app(), 1);
        CHECK(f.status() == v1::FUTURE_STATUS_VERIFIED);
        CHECK(f.tally().verified_power() == 3);
        CHECK(f.tally().rejected_power() == 0);
        CHECK(f.tally().total_power() == 4);
        CHECK(f.votes_size() == 3);
        CHECK(f.final_height() == 3);
        CHECK(f.final_reason().empty());
    }
    SUBCASE("only B verifies: 2/4 is not enough, C's vote in the next block is") {
        t.chain.next({}, 1, {{1, extension({verified(1)})}});
        f = future(t.app(), 1);
        CHECK(f.status() == v1::FUTURE_STATUS_EXECUTED);
        CHECK(f.tally().verified_power() == 2);
        // B votes again (ignored: the first vote counts), C votes now.
        t.chain.next({}, 1, {{1, extension({rejected(1)})}, {2, extension({verified(1)})}});
        f = future(t.app(), 1);
        CHECK(f.status() == v1::FUTURE_STATUS_VERIFIED);
        CHECK(f.tally().verified_power() == 3);
        CHECK(f.tally().rejected_power() == 0);
    }
    SUBCASE("B and C reject: >= 1/3, back to PENDING with attempts+1") {
        auto h3 =
            t.chain.next({}, 1, {{1, extension({rejected(1)})}, {2, extension({rejected(1)})}});
        auto ev = events_of(h3, "future_rejected", 1);
        REQUIRE(ev.size() == 1);
        CHECK(attribute(ev[0], "attempt") == "0");
        CHECK(attribute(ev[0], "rejected_power") == "2");
        f = future(t.app(), 1);
        CHECK(f.status() == v1::FUTURE_STATUS_PENDING);
        CHECK(f.attempts() == 1);
        CHECK_FALSE(f.has_result());
        CHECK(f.votes_size() == 0);
        // A result for the old attempt is now refused, one for attempt 1 accepted.
        CHECK(process(t.app(), 4, {results_tx(t.a(), {output(1, "hi", 0)})}, t.a()) ==
              ProposalStatus::reject);
        const std::vector<Bytes> block4{results_tx(t.a(), {output(1, "hi", 1)})};
        CHECK(process(t.app(), 4, block4, t.a()) == ProposalStatus::accept);
        t.chain.next(block4, 0);
        CHECK(future(t.app(), 1).status() == v1::FUTURE_STATUS_EXECUTED);
        // Votes at attempt 0 no longer count; votes at attempt 1 do.
        t.chain.next({}, 1, {{1, extension({verified(1, 0)})}, {2, extension({verified(1, 0)})}});
        CHECK(future(t.app(), 1).status() == v1::FUTURE_STATUS_EXECUTED);
        t.chain.next({}, 1, {{1, extension({verified(1, 1)})}, {3, extension({verified(1, 1)})}});
        f = future(t.app(), 1);
        CHECK(f.status() == v1::FUTURE_STATUS_VERIFIED);
        CHECK(f.attempts() == 1);
    }
    SUBCASE("one rejection (1/4) is not enough to discard the result") {
        t.chain.next({}, 1, {{1, extension({rejected(1)})}});
        f = future(t.app(), 1);
        CHECK(f.status() == v1::FUTURE_STATUS_EXECUTED);
        CHECK(f.tally().rejected_power() == 1);
    }
}

TEST_CASE("tally: max_attempts rejections end FAILED") {
    Params p;
    p.max_attempts = 2;
    FourValidators t(p);
    t.chain.next({signed_tx(0, 0, "echo", "hi")});
    for (std::uint32_t attempt = 0; attempt < 2; ++attempt) {
        const std::vector<Bytes> block{results_tx(t.a(), {output(1, "bad", attempt)})};
        REQUIRE(process(t.app(), t.chain.height + 1, block, t.a()) == ProposalStatus::accept);
        t.chain.next(block, 0);
        REQUIRE(future(t.app(), 1).status() == v1::FUTURE_STATUS_EXECUTED);
        auto r = t.chain.next({}, 1,
                              {{1, extension({rejected(1, attempt)})},
                               {2, extension({rejected(1, attempt)})},
                               {3, extension({rejected(1, attempt)})}});
        CHECK(events_of(r, "future_rejected", 1).size() == 1);
        auto f = future(t.app(), 1);
        CHECK(f.attempts() == attempt + 1);
        if (attempt == 0) {
            CHECK(f.status() == v1::FUTURE_STATUS_PENDING);
        } else {
            CHECK(f.status() == v1::FUTURE_STATUS_FAILED);
            CHECK(contains(f.final_reason(), "max_attempts"));
            CHECK(f.final_height() == t.chain.height);
            auto failed = events_of(r, "future_failed", 1);
            REQUIRE(failed.size() == 1);
            CHECK(attribute(failed[0], "status") == "FAILED");
        }
    }
    // A final future takes no more results.
    CHECK(process(t.app(), t.chain.height + 1, {results_tx(t.a(), {output(1, "x", 2)})}, t.a()) ==
          ProposalStatus::reject);
}

TEST_CASE("tally: a verified handler error ends FAILED with the error as the reason") {
    FourValidators t;
    t.chain.next({signed_tx(0, 0, "math", "1/0")});
    const std::vector<Bytes> block{results_tx(t.a(), {failure(1, "division_by_zero: 1/0")})};
    REQUIRE(process(t.app(), 2, block, t.a()) == ProposalStatus::accept);
    auto h2 = t.chain.next(block, 0);
    auto res = events_of(h2, "future_result", 1);
    REQUIRE(res.size() == 1);
    CHECK(attribute(res[0], "error") == "division_by_zero: 1/0");
    CHECK(future(t.app(), 1).status() == v1::FUTURE_STATUS_EXECUTED);
    auto h3 = t.chain.next({}, 1, {{1, extension({verified(1)})}, {2, extension({verified(1)})}});
    auto f = future(t.app(), 1);
    CHECK(f.status() == v1::FUTURE_STATUS_FAILED);
    CHECK(f.final_reason() == "division_by_zero: 1/0");
    CHECK(f.result().error() == "division_by_zero: 1/0");
    auto failed = events_of(h3, "future_failed", 1);
    REQUIRE(failed.size() == 1);
    CHECK(attribute(failed[0], "reason") == "division_by_zero: 1/0");
}

TEST_CASE("finalize_block ignores votes that cannot count") {
    FourValidators t;
    t.chain.next({signed_tx(0, 0, "echo", "hi"), signed_tx(0, 1, "echo", "pending")});
    t.chain.next({results_tx(t.a(), {output(1, "hi")})}, 0);
    const auto before = future(t.app(), 1).SerializeAsString();
    const auto pending_before = future(t.app(), 2).SerializeAsString();

    std::map<std::size_t, Bytes> ext;
    SUBCASE("wrong attempt") {
        ext = {{1, extension({verified(1, 1)})}, {2, extension({rejected(1, 5)})}};
    }
    SUBCASE("unknown futures") {
        ext = {{1, extension({verified(99)})}, {2, extension({rejected(0)})}};
    }
    SUBCASE("a future that is not EXECUTED") {
        ext = {{1, extension({verified(2)})}, {2, extension({rejected(2)})}};
    }
    SUBCASE("duplicate ids in one extension") {
        ext = {{1, extension({verified(1), verified(1)})},
               {2, extension({rejected(1), rejected(1)})}};
    }
    SUBCASE("garbage extensions") {
        ext = {
            {1, Bytes{0xff, 0xff, 0xff}}, {2, Bytes{0x0a, 0x05, 0x08}}, {3, Bytes(100'000, 0x0a)}};
    }
    SUBCASE("vote value 0 or outside the enum") {
        v1::VoteExtension m;
        auto* v = m.add_votes();
        v->set_future_id(1);
        v->set_value(v1::VOTE_VALUE_UNSPECIFIED);
        const Bytes zero = to_bytes(m.SerializeAsString());
        v->set_value(static_cast<v1::VoteValue>(7));  // outside the enum
        ext = {{1, zero}, {2, to_bytes(m.SerializeAsString())}};
    }
    SUBCASE("the submitter votes again (its vote is already counted)") {
        ext = {{0, extension({rejected(1)})}};
    }
    auto r = t.chain.next({}, 1, ext);
    CHECK(count_events(r, "future_vote") == 0);
    CHECK(count_events(r, "future_rejected") == 0);
    CHECK(future(t.app(), 1).SerializeAsString() == before);
    CHECK(future(t.app(), 2).SerializeAsString() == pending_before);
}

TEST_CASE("finalize_block counts only precommits with flag commit") {
    FourValidators t;
    t.chain.next({signed_tx(0, 0, "echo", "hi")});
    t.chain.next({results_tx(t.a(), {output(1, "hi")})}, 0);
    auto commit = last_commit(t.chain.vs, {{1, extension({verified(1)})},
                                           {2, extension({verified(1)})},
                                           {3, extension({verified(1)})}});
    commit.votes[1].flag = consensus::BlockIdFlag::nil;
    commit.votes[2].flag = consensus::BlockIdFlag::absent;
    const std::vector<Bytes> none;
    auto r = finalize(t.app(), 3, none, t.chain.vs.addresses[1], commit);
    t.app().commit();
    CHECK(count_events(r, "future_vote") == 1);
    auto f = future(t.app(), 1);
    CHECK(f.status() == v1::FUTURE_STATUS_EXECUTED);
    CHECK(f.tally().verified_power() == 2);
}

}  // namespace
}  // namespace seer::async::test
