// The app hash: the same blocks give the same hash on every node; restarts keep it; a restart
// between finalize_block and commit reports the previous height, so the handshake replays.

#include <set>

#include "cosmos/auth/v1beta1/auth.pb.h"
#include "support.hpp"

namespace seer::async::test {
namespace {

struct Block {
    std::vector<Bytes> txs;
    std::size_t proposer = 0;
    std::map<std::size_t, Bytes> extensions;
};

/// Blocks that touch every kind of state: accounts, futures, results, votes, rejections,
/// verification, timeouts and pruning.
std::vector<Block> script(const ValidatorSet& vs) {
    const Address& a = vs.addresses[0];
    return {
        {{signed_tx(0, 0, "echo", "one"), signed_tx(0, 1, "math", "2+4"), signed_tx(1, 0)}, 0, {}},
        {{results_tx(a, {output(1, "one"), failure(2, "syntax: x")})}, 0, {}},
        {{signed_tx(2, 0)},
         1,
         {{1, extension({verified(1), rejected(2)})}, {2, extension({verified(1), rejected(2)})}}},
        {{results_tx(a, {output(2, "6", 1)})}, 0, {}},
        {{}, 2, {{2, extension({verified(2, 1)})}, {3, extension({verified(2, 1)})}}},
        {{}, 3, {}},
        {{}, 0, {}},
        {{signed_tx(0, 2)}, 0, {}},
    };
}

Params hash_params() {
    Params p;
    p.timeout_blocks = 5;
    p.prune_after_blocks = 2;
    return p;
}

FinalizeBlockResponse apply(Node& n, const ValidatorSet& vs, std::int64_t height, const Block& b) {
    auto r =
        finalize(*n.app, height, b.txs, vs.addresses[b.proposer], last_commit(vs, b.extensions));
    n.app->commit();
    return r;
}

TEST_CASE("app hash: two nodes fed the same blocks agree at every height") {
    const auto vs = validators(4, 1);
    Node n1 = make_node(genesis(hash_params()));
    Node n2 = make_node(genesis(hash_params()), vs.addresses[1]);
    CHECK(n1.app->info().last_block_height == 0);
    CHECK(n1.app->info().last_block_app_hash == n2.app->info().last_block_app_hash);

    std::set<Hash> seen{n1.app->info().last_block_app_hash};
    const auto blocks = script(vs);
    std::vector<FinalizeBlockResponse> responses;
    for (std::size_t i = 0; i < blocks.size(); ++i) {
        const auto h = static_cast<std::int64_t>(i + 1);
        auto r1 = apply(n1, vs, h, blocks[i]);
        auto r2 = apply(n2, vs, h, blocks[i]);
        INFO("height " << h);
        CHECK(r1.app_hash == r2.app_hash);
        CHECK(r1.events == r2.events);
        CHECK(n1.app->info().last_block_height == h);
        CHECK(n1.app->info().last_block_app_hash == r1.app_hash);
        CHECK(n2.app->info().last_block_app_hash == r2.app_hash);
        // Every block moves the hash, even an empty one (the height is hashed).
        CHECK(seen.insert(r1.app_hash).second);
        responses.push_back(std::move(r1));
    }
    // The script reached the states it was written for.
    CHECK(events_of(responses[2], "future_verified", 1).size() == 1);
    CHECK(events_of(responses[2], "future_rejected", 2).size() == 1);
    CHECK(events_of(responses[4], "future_verified", 2).size() == 1);
    CHECK(events_of(responses[4], "future_pruned", 1).size() == 1);
    CHECK(events_of(responses[5], "future_timed_out", 3).size() == 1);
    CHECK(events_of(responses[6], "future_pruned", 2).size() == 1);
    CHECK(events_of(responses[7], "future_timed_out", 4).size() == 1);
    CHECK(events_of(responses[7], "future_pruned", 3).size() == 1);
    CHECK(future_code(*n1.app, 1) == 38);
    CHECK(future_code(*n1.app, 3) == 38);
    CHECK(future(*n1.app, 4).status() == v1::FUTURE_STATUS_TIMED_OUT);
    CHECK(future(*n1.app, 5).status() == v1::FUTURE_STATUS_PENDING);
}

TEST_CASE("app hash: a different tx gives a different hash") {
    const auto vs = validators(1);
    Node n1 = make_node(genesis());
    Node n2 = make_node(genesis());
    auto r1 = apply(n1, vs, 1, {{signed_tx(0, 0, "echo", "a")}, 0, {}});
    auto r2 = apply(n2, vs, 1, {{signed_tx(0, 0, "echo", "b")}, 0, {}});
    CHECK(r1.app_hash != r2.app_hash);
    // And the chains stay apart.
    auto s1 = apply(n1, vs, 2, {{}, 0, {}});
    auto s2 = apply(n2, vs, 2, {{}, 0, {}});
    CHECK(s1.app_hash != s2.app_hash);
}

TEST_CASE("app hash: a different genesis gives a different hash") {
    Params p;
    p.timeout_blocks = 7;
    Node n1 = make_node(genesis());
    Node n2 = make_node(genesis(p));
    CHECK(n1.app->info().last_block_app_hash != n2.app->info().last_block_app_hash);
}

TEST_CASE("restart after commit keeps height, app hash and state") {
    const auto vs = validators(4, 1);
    Node reference = make_node(genesis(hash_params()));
    Node n = make_node(genesis(hash_params()));
    const auto blocks = script(vs);
    for (std::size_t i = 0; i < blocks.size(); ++i) {
        const auto h = static_cast<std::int64_t>(i + 1);
        auto expected = apply(reference, vs, h, blocks[i]);
        auto got = apply(n, vs, h, blocks[i]);
        REQUIRE(got.app_hash == expected.app_hash);
        // Restart after every commit: the node continues exactly where it was.
        n.restart();
        INFO("height " << h);
        CHECK(n.app->info().last_block_height == h);
        CHECK(n.app->info().last_block_app_hash == expected.app_hash);
    }
    // Queries see the same state.
    for (std::uint64_t id = 1; id <= 5; ++id) {
        auto a = query(*n.app, "async/future/" + std::to_string(id));
        auto b = query(*reference.app, "async/future/" + std::to_string(id));
        CHECK(a.code == b.code);
        CHECK(a.value == b.value);
    }
    cosmos::auth::v1beta1::QueryAccountRequest account;
    account.set_address(user_bech32(0));
    const Bytes account_query = to_bytes(account.SerializeAsString());
    const auto a0 = query(*n.app, "/cosmos.auth.v1beta1.Query/Account", account_query);
    CHECK(a0.code == 0);
    CHECK(a0.value ==
          query(*reference.app, "/cosmos.auth.v1beta1.Query/Account", account_query).value);
    // The next block after the restarts still agrees (future ids, accounts, indexes reloaded).
    const Block next{{signed_tx(0, 3), signed_tx(3, 0)}, 0, {}};
    auto expected = apply(reference, vs, 9, next);
    auto got = apply(n, vs, 9, next);
    CHECK(got.app_hash == expected.app_hash);
    CHECK(got.tx_results[0].data == expected.tx_results[0].data);
}

TEST_CASE("restart between finalize_block and commit reports the previous height") {
    const auto vs = validators(1);
    Node n = make_node(genesis());
    auto r1 = apply(n, vs, 1, {{signed_tx(0, 0)}, 0, {}});
    const std::vector<Bytes> txs{signed_tx(0, 1)};
    auto r2 = finalize(*n.app, 2, txs, vs.addresses[0], last_commit(vs));
    CHECK(r2.app_hash != r1.app_hash);
    n.restart();  // crash before commit
    CHECK(n.app->info().last_block_height == 1);
    CHECK(n.app->info().last_block_app_hash == r1.app_hash);
    CHECK(future_code(*n.app, 2) == 38);
    // The handshake replays block 2: same hash, same future id.
    auto replay = finalize(*n.app, 2, txs, vs.addresses[0], last_commit(vs));
    CHECK(replay.app_hash == r2.app_hash);
    CHECK(replay.tx_results[0].data == r2.tx_results[0].data);
    n.app->commit();
    CHECK(n.app->info().last_block_height == 2);
    CHECK(n.app->info().last_block_app_hash == r2.app_hash);
    CHECK(future(*n.app, 2).status() == v1::FUTURE_STATUS_PENDING);
}

}  // namespace
}  // namespace seer::async::test
