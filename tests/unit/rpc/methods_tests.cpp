// JSON-RPC methods over URI GET, POST and batches: CometBFT v0.38 shapes and encodings.

#include "seer/rpc/server.hpp"
#include "support.hpp"

namespace seer::rpc::test {
namespace {

struct Fixture {
    FakeNodeApi node;
    Server server;
    std::uint16_t port = 0;
    explicit Fixture(ServerOptions o = make_options()) : server(node, o) {
        server.start();
        port = server.port();
    }
    static ServerOptions make_options() {
        ServerOptions o;
        o.port = 0;
        o.io_threads = 2;
        return o;
    }
};

bool is_upper_hex(std::string_view s, std::size_t len) {
    if (s.size() != len) return false;
    for (char c : s)
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'))) return false;
    return true;
}

TEST_CASE("status over URI GET: CometBFT shape, strings for int64, upper-case hex, RFC 3339") {
    Fixture f;
    REQUIRE(f.port != 0);
    auto reply = get(f.port, "/status");
    REQUIRE(reply.ok);
    CHECK(reply.status == 200);
    auto v = reply.json();
    CHECK(v.at("jsonrpc") == "2.0");
    CHECK(v.at("id") == -1);
    const auto& r = v.at("result");
    CHECK(r.at("node_info").at("network") == "seer-test");
    CHECK(r.at("node_info").at("protocol_version").at("block") == "11");
    const auto& sync = r.at("sync_info");
    CHECK(sync.at("latest_block_height") == "3");
    CHECK(str(sync.at("latest_block_hash")) == hex_up(f.node.blocks.back().hash));
    CHECK(str(sync.at("latest_block_time")) == "2023-11-14T22:13:23.123456789Z");
    CHECK(sync.at("catching_up") == false);
    const auto& val = r.at("validator_info");
    CHECK(is_upper_hex(str(val.at("address")), 40));
    CHECK(val.at("pub_key").at("type") == "tendermint/PubKeyEd25519");
    CHECK(str(val.at("pub_key").at("value")) == to_base64(f.node.vset.at(0).pub_key));
    CHECK(val.at("voting_power") == "20");
}

TEST_CASE("health, net_info, genesis, consensus_params, abci_info") {
    Fixture f;
    CHECK(call(f.port, "health").at("result") == json::object{});
    auto net = call(f.port, "net_info").at("result");
    CHECK(net.at("n_peers") == "1");
    CHECK(net.at("peers").at(0).at("remote_ip") == "10.0.0.2");
    CHECK(call(f.port, "genesis").at("result").at("genesis").at("chain_id") == "seer-test");
    auto cp = call(f.port, "consensus_params").at("result");
    CHECK(cp.at("block_height") == "3");
    CHECK(cp.at("consensus_params").at("block").at("max_bytes") == "4194304");
    CHECK(cp.at("consensus_params").at("block").at("max_gas") == "-1");
    auto info = call(f.port, "abci_info").at("result").at("response");
    CHECK(info.at("last_block_height") == "3");
    CHECK(str(info.at("last_block_app_hash")) ==
          to_base64(f.node.blocks.back().block.header.app_hash));
}

TEST_CASE("block, block_by_hash, header, blockchain, commit") {
    Fixture f;
    const auto& b2 = f.node.blocks[1];
    auto r = get(f.port, "/block?height=2").json().at("result");
    CHECK(str(r.at("block_id").at("hash")) == hex_up(b2.hash));
    const auto& header = r.at("block").at("header");
    CHECK(header.at("height") == "2");
    CHECK(header.at("chain_id") == "seer-test");
    CHECK(str(header.at("time")) == "2023-11-14T22:13:22.123456789Z");
    CHECK(str(header.at("last_block_id").at("hash")) == hex_up(f.node.blocks[0].hash));
    CHECK(str(header.at("app_hash")) == hex_up(b2.block.header.app_hash));
    CHECK(str(r.at("block").at("data").at("txs").at(0)) == to_base64(b2.block.txs[0]));
    const auto& lc = r.at("block").at("last_commit");
    CHECK(lc.at("height") == "1");
    CHECK(lc.at("round") == 0);
    CHECK(lc.at("signatures").at(0).at("block_id_flag") == 2);
    CHECK(str(lc.at("signatures").at(0).at("signature")) == to_base64(Bytes(64, 1)));

    // String args quoted as CometBFT's URI handler wants them, or raw.
    CHECK(get(f.port, "/block?height=\"2\"")
              .json()
              .at("result")
              .at("block")
              .at("header")
              .at("height") == "2");
    // No height: the latest.
    CHECK(get(f.port, "/block").json().at("result").at("block").at("header").at("height") == "3");

    auto by_hash = get(f.port, "/block_by_hash?hash=0x" + hex_up(b2.hash)).json();
    CHECK(by_hash.at("result").at("block").at("header").at("height") == "2");
    auto by_hash_post = call(f.port, "block_by_hash", {{"hash", to_base64(b2.hash)}});
    CHECK(by_hash_post.at("result").at("block").at("header").at("height") == "2");
    auto missing = call(f.port, "block_by_hash", {{"hash", std::string(64, 'A')}});
    CHECK(missing.at("result").at("block").is_null());

    CHECK(call(f.port, "header", {{"height", "1"}}).at("result").at("header").at("height") == "1");

    auto chain = call(f.port, "blockchain", {{"minHeight", "1"}, {"maxHeight", "3"}}).at("result");
    CHECK(chain.at("last_height") == "3");
    REQUIRE(chain.at("block_metas").as_array().size() == 3);
    CHECK(chain.at("block_metas").at(0).at("header").at("height") == "3");
    CHECK(chain.at("block_metas").at(1).at("num_txs") == "2");
    CHECK(chain.at("block_metas").at(1).at("block_size") == "1002");

    auto commit = call(f.port, "commit", {{"height", 2}}).at("result");
    CHECK(commit.at("signed_header").at("header").at("height") == "2");
    CHECK(commit.at("signed_header").at("commit").at("height") == "2");
    CHECK(str(commit.at("signed_header").at("commit").at("block_id").at("hash")) ==
          hex_up(b2.hash));
    CHECK(commit.at("canonical") == true);
    CHECK(call(f.port, "commit").at("result").at("canonical") == false);
}

TEST_CASE("block_results, validators with pages") {
    Fixture f;
    auto r = call(f.port, "block_results", {{"height", "2"}}).at("result");
    CHECK(r.at("height") == "2");
    const auto& t0 = r.at("txs_results").at(0);
    CHECK(t0.at("code") == 0);
    CHECK(t0.at("gas_used") == "420");
    CHECK(str(t0.at("data")) == to_base64(to_bytes("ok")));
    CHECK(t0.at("events").at(1).at("type") == "future_created");
    CHECK(t0.at("events").at(1).at("attributes").at(0).at("value") == "20");
    CHECK(r.at("finalize_block_events").at(0).at("type") == "future_verified");
    CHECK(str(r.at("app_hash")) == to_base64(f.node.results[1].app_hash));
    CHECK(
        call(f.port, "block_results", {{"height", "1"}}).at("result").at("txs_results").is_null());

    auto v = call(f.port, "validators").at("result");
    CHECK(v.at("block_height") == "3");
    CHECK(v.at("total") == "2");
    CHECK(v.at("count") == "2");
    CHECK(v.at("validators").at(0).at("voting_power") == "20");
    CHECK(v.at("validators").at(0).at("pub_key").at("type") == "tendermint/PubKeyEd25519");
    auto p2 = get(f.port, "/validators?page=2&per_page=1").json().at("result");
    CHECK(p2.at("count") == "1");
    CHECK(p2.at("validators").at(0).at("voting_power") == "10");
    CHECK(error_code_of(get(f.port, "/validators?page=3&per_page=1").json()) == -32602);
}

TEST_CASE("txs: tx, tx_search, mempool, broadcast, check_tx, abci_query") {
    Fixture f;
    const auto& t = f.node.txs[1][1];
    auto r = get(f.port, "/tx?hash=0x" + hex_up(t.hash)).json().at("result");
    CHECK(str(r.at("hash")) == hex_up(t.hash));
    CHECK(r.at("height") == "2");
    CHECK(r.at("index") == 1);
    CHECK(str(r.at("tx")) == to_base64(t.tx));
    CHECK(r.at("tx_result").at("gas_wanted") == "1000");
    CHECK(call(f.port, "tx", {{"hash", to_base64(t.hash)}}).at("result").at("height") == "2");
    auto missing = call(f.port, "tx", {{"hash", std::string(64, '0')}});
    CHECK(error_code_of(missing) == -32603);

    auto s = call(f.port, "tx_search", {{"query", "tx.height=2"}}).at("result");
    CHECK(s.at("total_count") == "2");
    CHECK(s.at("txs").at(0).at("index") == 0);
    auto desc =
        call(f.port, "tx_search", {{"query", "tx.height=2"}, {"order_by", "desc"}}).at("result");
    CHECK(desc.at("txs").at(0).at("index") == 1);
    auto paged = call(f.port, "tx_search", {{"query", "tx.height=2"}, {"per_page", 1}, {"page", 2}})
                     .at("result");
    CHECK(paged.at("txs").as_array().size() == 1);
    CHECK(paged.at("txs").at(0).at("index") == 1);
    auto by_hash =
        call(f.port, "tx_search", {{"query", "tx.hash='" + hex_up(t.hash) + "'"}}).at("result");
    CHECK(by_hash.at("total_count") == "1");
    auto filtered = call(f.port, "tx_search", {{"query", "tx.height=2 AND future_created.id='21'"}})
                        .at("result");
    CHECK(filtered.at("total_count") == "1");

    // The event index with CometBFT's operators (txs: future_created.id 20, 21 at height 2 and
    // 30 at height 3; every block has the FinalizeBlock event future_verified.id = 7).
    auto count = [&](const char* method, const std::string& q) {
        auto v = call(f.port, method, {{"query", q}});
        REQUIRE(v.as_object().contains("result"));
        return std::stoi(str(v.at("result").at("total_count")));
    };
    CHECK(count("tx_search", "future_created.id>20") == 2);
    CHECK(count("tx_search", "future_created.id<=20") == 1);
    CHECK(count("tx_search", "future_created.id EXISTS") == 3);
    CHECK(count("tx_search", "message.action CONTAINS 'MsgAdd'") == 3);
    CHECK(count("tx_search", "message.action CONTAINS 'MsgSend'") == 0);
    CHECK(count("tx_search", "future_created.id>=21 AND tx.height<3") == 1);
    CHECK(count("tx_search", "tm.event='Tx' AND future_created.id='30'") == 1);
    CHECK(count("tx_search", "tm.event='NewBlock'") == 0);
    CHECK(count("tx_search", "future_created.id='99'") == 0);
    CHECK(count("tx_search", "tx.height>=2") == 3);
    auto newest =
        call(f.port, "tx_search", {{"query", "future_created.id EXISTS"}, {"order_by", "desc"}})
            .at("result");
    CHECK(newest.at("txs").at(0).at("height") == "3");
    CHECK(count("block_search", "future_verified.id='7'") == 3);
    CHECK(count("block_search", "block.height>=2") == 2);
    CHECK(count("block_search", "future_verified.id='8'") == 0);
    auto blocks =
        call(f.port, "block_search", {{"query", "future_verified.id='7' AND block.height=2"}})
            .at("result");
    REQUIRE(blocks.at("blocks").as_array().size() == 1);
    CHECK(blocks.at("blocks").at(0).at("block").at("header").at("height") == "2");
    CHECK(str(blocks.at("blocks").at(0).at("block_id").at("hash")) ==
          hex_up(f.node.blocks[1].hash));
    auto blocks_desc = call(f.port, "block_search",
                            {{"query", "block.height>0"}, {"order_by", "desc"}, {"per_page", 1}})
                           .at("result");
    CHECK(blocks_desc.at("total_count") == "3");
    CHECK(blocks_desc.at("blocks").at(0).at("block").at("header").at("height") == "3");

    // broadcast: sync via POST (base64), async via URI (0x hex), then the mempool.
    const Bytes tx1 = to_bytes("tx-one");
    auto sync = call(f.port, "broadcast_tx_sync", {{"tx", to_base64(tx1)}}).at("result");
    CHECK(sync.at("code") == 0);
    CHECK(str(sync.at("hash")) == hex_up(crypto::sha256(tx1)));
    auto dup = call(f.port, "broadcast_tx_sync", {{"tx", to_base64(tx1)}});
    CHECK(error_code_of(dup) == -32603);
    auto rejected =
        call(f.port, "broadcast_tx_sync", {{"tx", to_base64(to_bytes("bad-tx"))}}).at("result");
    CHECK(rejected.at("code") == 4);
    CHECK(rejected.at("codespace") == "async");
    CHECK(rejected.at("log") == "signature verification failed");
    auto async_r =
        get(f.port, "/broadcast_tx_async?tx=0x" + to_hex(to_bytes("tx-two"))).json().at("result");
    CHECK(async_r.at("code") == 0);
    auto quoted = get(f.port, "/broadcast_tx_sync?tx=\"tx-three\"").json().at("result");
    CHECK(str(quoted.at("hash")) == hex_up(crypto::sha256(to_bytes("tx-three"))));
    auto pool = call(f.port, "unconfirmed_txs", {{"limit", "2"}}).at("result");
    CHECK(pool.at("n_txs") == "2");
    CHECK(pool.at("total") == "3");
    CHECK(str(pool.at("txs").at(0)) == to_base64(tx1));
    auto n = call(f.port, "num_unconfirmed_txs").at("result");
    CHECK(n.at("n_txs") == "3");
    CHECK(n.at("total_bytes") == "20");
    auto check = call(f.port, "check_tx", {{"tx", to_base64(to_bytes("bxx"))}}).at("result");
    CHECK(check.at("code") == 4);
    CHECK(check.at("gas_wanted") == "1000");

    auto q = call(f.port, "abci_query", {{"path", "async/params"}}).at("result").at("response");
    CHECK(q.at("code") == 0);
    CHECK(q.at("height") == "3");
    auto value = from_base64(str(q.at("value")));
    REQUIRE(value);
    v1::QueryParamsResponse params;
    REQUIRE(params.ParseFromArray(value->data(), static_cast<int>(value->size())));
    CHECK(params.params().max_input_bytes() == 4096);
    auto nf =
        get(f.port, "/abci_query?path=\"async/future/99\"").json().at("result").at("response");
    CHECK(nf.at("code") == 38);
    CHECK(nf.at("codespace") == "async");
    v1::QueryPendingFuturesRequest pr;
    pr.mutable_pagination()->set_limit(2);
    auto pending = call(
        f.port, "abci_query",
        {{"path", "async/pending_futures"}, {"data", to_hex(to_bytes(pr.SerializeAsString()))}});
    CHECK(pending.at("result").at("response").at("code") == 0);
    auto pending_value = from_base64(str(pending.at("result").at("response").at("value")));
    REQUIRE(pending_value);
    v1::QueryFuturesResponse pending_page;
    REQUIRE(pending_page.ParseFromArray(pending_value->data(),
                                        static_cast<int>(pending_value->size())));
    REQUIRE(pending_page.futures_size() == 2);
    CHECK(pending_page.futures(0).status() == v1::FUTURE_STATUS_PENDING);
    CHECK(pending_page.futures(1).status() == v1::FUTURE_STATUS_PENDING);
    CHECK_FALSE(pending_page.pagination().next_key().empty());
}

TEST_CASE("broadcast_tx_commit waits for the Tx event, and times out as CometBFT") {
    ServerOptions o = Fixture::make_options();
    o.broadcast_commit_timeout = 500ms;
    Fixture f(o);
    f.node.auto_commit = true;
    const Bytes tx = to_bytes("commit-me");
    auto r = call(f.port, "broadcast_tx_commit", {{"tx", to_base64(tx)}}).at("result");
    CHECK(r.at("check_tx").at("code") == 0);
    CHECK(r.at("tx_result").at("gas_used") == "420");
    CHECK(r.at("height") == "4");
    CHECK(str(r.at("hash")) == hex_up(crypto::sha256(tx)));
    CHECK(eventually([&] { return f.node.subscriber_count() == 0; }));

    f.node.auto_commit = false;
    auto timeout = call(f.port, "broadcast_tx_commit", {{"tx", to_base64(to_bytes("never"))}});
    CHECK(error_code_of(timeout) == -32603);
    CHECK(str(timeout.at("error").at("data")) ==
          "timed out waiting for tx to be included in a block");
    CHECK(f.node.subscriber_count() == 0);

    auto rejected =
        call(f.port, "broadcast_tx_commit", {{"tx", to_base64(to_bytes("bad"))}}).at("result");
    CHECK(rejected.at("check_tx").at("code") == 4);
    CHECK(rejected.at("height") == "0");
}

TEST_CASE("JSON-RPC POST: ids, positional params, batches, errors") {
    Fixture f;
    auto r = rpc(f.port, R"({"jsonrpc":"2.0","id":"abc","method":"block","params":["2"]})");
    CHECK(r.at("id") == "abc");
    CHECK(r.at("result").at("block").at("header").at("height") == "2");

    auto batch = rpc(f.port, R"([{"jsonrpc":"2.0","id":1,"method":"health"},
                                {"jsonrpc":"2.0","id":2,"method":"status"},
                                {"jsonrpc":"2.0","id":3,"method":"nope"},
                                {"jsonrpc":"2.0","method":"health"},
                                {"jsonrpc":"2.0","id":4,"method":"block","params":{"height":"-1"}}])");
    REQUIRE(batch.is_array());
    REQUIRE(batch.as_array().size() == 4);  // the notification gets no response
    CHECK(batch.at(0).at("id") == 1);
    CHECK(batch.at(1).at("result").at("sync_info").at("latest_block_height") == "3");
    CHECK(error_code_of(batch.at(2)) == -32601);
    CHECK(batch.at(2).at("error").at("message") == "Method not found");
    CHECK(error_code_of(batch.at(3)) == -32602);

    CHECK(error_code_of(rpc(f.port, "{bad json")) == -32700);
    CHECK(error_code_of(rpc(f.port, R"({"jsonrpc":"2.0","id":1})")) == -32600);
    CHECK(error_code_of(call(f.port, "block", {{"height", 0}})) == -32602);
    CHECK(error_code_of(call(f.port, "block", {{"height", 4}})) == -32602);
    auto reply = post(f.port, "/", "{");
    CHECK(reply.status == 200);  // JSON-RPC errors travel in a 200, as CometBFT
    CHECK(get(f.port, "/nope").status == 404);
    CHECK(get(f.port, "/").status == 200);
}

}  // namespace
}  // namespace seer::rpc::test
