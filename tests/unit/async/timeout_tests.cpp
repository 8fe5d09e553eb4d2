// Deadlines and pruning (DESIGN §4 step 10).

#include "support.hpp"

namespace seer::async::test {
namespace {

Params timeout_params() {
    Params p;
    p.timeout_blocks = 3;
    p.prune_after_blocks = 2;
    p.max_prune_per_block = 2;
    return p;
}

TEST_CASE("a future without a result times out at its deadline, then is pruned") {
    Chain chain(validators(1), genesis(timeout_params()));
    auto& app = chain.app();
    auto h1 = chain.next({signed_tx(0, 0), signed_tx(0, 1), signed_tx(1, 0)});  // futures 1..3
    CHECK(attribute(events_of(h1, "future_created", 1).at(0), "deadline") == "4");
    chain.next({});
    auto h3 = chain.next({});
    CHECK(count_events(h3, "future_timed_out") == 0);
    CHECK(future(app, 1).status() == v1::FUTURE_STATUS_PENDING);

    auto h4 = chain.next({});  // deadline = 1 + 3
    CHECK(count_events(h4, "future_timed_out") == 3);
    for (std::uint64_t id = 1; id <= 3; ++id) {
        auto ev = events_of(h4, "future_timed_out", id);
        REQUIRE(ev.size() == 1);
        CHECK(attribute(ev[0], "status") == "TIMED_OUT");
        auto f = future(app, id);
        CHECK(f.status() == v1::FUTURE_STATUS_TIMED_OUT);
        CHECK(f.final_height() == 4);
        CHECK(f.final_reason() == "deadline reached");
    }
    // A result for a timed-out future is refused.
    CHECK(process(app, 5, {results_tx(chain.vs.addresses[0], {output(1, "late")})},
                  chain.vs.addresses[0]) == ProposalStatus::reject);

    auto h5 = chain.next({});
    CHECK(count_events(h5, "future_pruned") == 0);
    CHECK(count_events(h5, "future_timed_out") == 0);  // once only

    // Final at 4, kept for 2 blocks: pruned from height 6, at most 2 per block.
    auto h6 = chain.next({});
    CHECK(count_events(h6, "future_pruned") == 2);
    CHECK(events_of(h6, "future_pruned", 1).size() == 1);
    CHECK(events_of(h6, "future_pruned", 2).size() == 1);
    CHECK(future_code(app, 1) == 38);
    CHECK(future_code(app, 2) == 38);
    CHECK(future_code(app, 3) == 0);

    auto h7 = chain.next({});
    CHECK(count_events(h7, "future_pruned") == 1);
    CHECK(events_of(h7, "future_pruned", 3).size() == 1);
    CHECK(future_code(app, 3) == 38);
    auto list = parse_as<v1::QueryFuturesResponse>(query(app, "async/futures"));
    CHECK(list.futures_size() == 0);

    // Ids of pruned futures are not reused.
    auto h8 = chain.next({signed_tx(0, 2)});
    REQUIRE(h8.tx_results[0].code == 0);
    CHECK(events_of(h8, "future_created", 4).size() == 1);
}

TEST_CASE("an EXECUTED future that is not verified in time times out") {
    Chain chain(validators(4, 1), genesis(timeout_params()));
    chain.next({signed_tx(0, 0)});
    chain.next({results_tx(chain.vs.addresses[0], {output(1, "hello")})}, 0);
    CHECK(future(chain.app(), 1).status() == v1::FUTURE_STATUS_EXECUTED);
    chain.next({});
    auto h4 = chain.next({}, 1, {{1, extension({verified(1)})}});  // 2/4 only
    auto f = future(chain.app(), 1);
    CHECK(f.status() == v1::FUTURE_STATUS_TIMED_OUT);
    CHECK(f.tally().verified_power() == 2);
    CHECK(events_of(h4, "future_timed_out", 1).size() == 1);
    // Votes arriving after the deadline do not change a final future.
    chain.next({}, 1, {{2, extension({verified(1)})}, {3, extension({verified(1)})}});
    CHECK(future(chain.app(), 1).status() == v1::FUTURE_STATUS_TIMED_OUT);
}

TEST_CASE("a future verified at its deadline block is VERIFIED, not TIMED_OUT") {
    Chain chain(validators(4, 1), genesis(timeout_params()));
    chain.next({signed_tx(0, 0)});
    chain.next({results_tx(chain.vs.addresses[0], {output(1, "hello")})}, 0);
    chain.next({});
    auto h4 = chain.next({}, 1, {{1, extension({verified(1)})}, {2, extension({verified(1)})}});
    CHECK(future(chain.app(), 1).status() == v1::FUTURE_STATUS_VERIFIED);
    CHECK(count_events(h4, "future_timed_out") == 0);
    // Verified futures are pruned like the others.
    chain.next({});
    auto h6 = chain.next({});
    CHECK(events_of(h6, "future_pruned", 1).size() == 1);
    CHECK(future_code(chain.app(), 1) == 38);
}

}  // namespace
}  // namespace seer::async::test
