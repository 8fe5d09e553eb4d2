// /websocket: subscribe, events as CometBFT delivers them, unsubscribe, limits.

#include "seer/rpc/server.hpp"
#include "support.hpp"

namespace seer::rpc::test {
namespace {

struct WsFixture {
    FakeNodeApi node;
    Server server;
    std::uint16_t port = 0;
    explicit WsFixture(ServerOptions o = options()) : server(node, o) {
        server.start();
        port = server.port();
    }
    static ServerOptions options() {
        ServerOptions o;
        o.port = 0;
        o.max_subscriptions_per_client = 3;
        return o;
    }
};

json::object subscribe_params(std::string q) {
    return json::object{{"query", std::move(q)}};
}

/// The next message must be the reply to a health call: proves no event was queued before.
bool nothing_pending(WsClient& ws) {
    auto r = ws.call("health", json::object{}, 999);
    return r.is_object() && r.at("id") == 999 && r.as_object().contains("result");
}

TEST_CASE("websocket: NewBlock, Tx and future_verified events; unsubscribe") {
    WsFixture f;
    WsClient ws(f.port);
    REQUIRE(ws.open());

    auto sub = ws.call("subscribe", subscribe_params("tm.event='NewBlock'"), 5);
    REQUIRE(sub.is_object());
    CHECK(sub.at("id") == 5);
    CHECK(sub.at("result") == json::object{});
    CHECK(f.node.subscriber_count() == 1);

    f.node.fire(f.node.add_block({to_bytes("x")}));
    auto ev = ws.read();
    REQUIRE(ev);
    CHECK(ev->at("jsonrpc") == "2.0");
    CHECK(ev->at("id") == 5);
    const auto& result = ev->at("result");
    CHECK(result.at("query") == "tm.event='NewBlock'");
    CHECK(result.at("data").at("type") == "tendermint/event/NewBlock");
    const auto& value = result.at("data").at("value");
    CHECK(value.at("block").at("header").at("height") == "4");
    CHECK(str(value.at("block_id").at("hash")) == hex_up(f.node.blocks.back().hash));
    CHECK(value.at("result_finalize_block").at("tx_results").at(0).at("gas_used") == "420");
    CHECK(value.at("result_finalize_block").at("events").at(0).at("type") == "future_verified");
    CHECK(result.at("events").at("tm.event").at(0) == "NewBlock");
    CHECK(result.at("events").at("block.height").at(0) == "4");

    // A Tx subscription by hash gets its tx and not another.
    const auto& t = f.node.txs[1][0];
    auto tx_sub = ws.call(
        "subscribe", subscribe_params("tm.event='Tx' AND tx.hash='" + hex_up(t.hash) + "'"), "tx");
    CHECK(tx_sub.at("id") == "tx");
    f.node.fire(FakeNodeApi::tx_event(f.node.txs[1][1]));  // another hash
    f.node.fire(FakeNodeApi::tx_event(t));
    auto tx_ev = ws.read();
    REQUIRE(tx_ev);
    CHECK(tx_ev->at("id") == "tx");
    CHECK(tx_ev->at("result").at("data").at("type") == "tendermint/event/Tx");
    const auto& txr = tx_ev->at("result").at("data").at("value").at("TxResult");
    CHECK(txr.at("height") == "2");
    CHECK(txr.at("index") == 0);
    CHECK(str(txr.at("tx")) == to_base64(t.tx));
    CHECK(txr.at("result").at("gas_wanted") == "1000");
    CHECK(str(tx_ev->at("result").at("events").at("tx.hash").at(0)) == hex_up(t.hash));
    CHECK(nothing_pending(ws));

    // tx.height as a number, and an ABCI event attribute.
    auto h = ws.call("subscribe", subscribe_params("tx.height=2"), 7);
    CHECK(h.at("result") == json::object{});
    f.node.fire(FakeNodeApi::tx_event(f.node.txs[2][0]));  // height 3: no
    f.node.fire(FakeNodeApi::tx_event(f.node.txs[1][1]));  // height 2: yes
    auto hev = ws.read();
    REQUIRE(hev);
    CHECK(hev->at("id") == 7);
    CHECK(hev->at("result").at("data").at("value").at("TxResult").at("index") == 1);
    CHECK(nothing_pending(ws));

    CHECK(ws.call("unsubscribe_all", json::object{}, 8).at("result") == json::object{});
    CHECK(f.node.subscriber_count() == 0);

    auto fv = ws.call("subscribe", subscribe_params("future_created.id='30'"), 9);
    CHECK(fv.at("result") == json::object{});
    f.node.fire(FakeNodeApi::tx_event(f.node.txs[2][0]));  // future_created.id = 30
    auto fev = ws.read();
    REQUIRE(fev);
    CHECK(fev->at("id") == 9);
    CHECK(fev->at("result").at("events").at("future_created.id").at(0) == "30");

    // future_verified.id as a finalize-block event attribute on a NewBlock.
    CHECK(ws.call("subscribe", subscribe_params("future_verified.id='7'"), 10).at("result") ==
          json::object{});
    auto nb = f.node.add_block({});
    nb.attributes.emplace("future_verified.id", "7");
    f.node.fire(nb);
    auto vev = ws.read();
    REQUIRE(vev);
    CHECK(vev->at("id") == 10);
    CHECK(vev->at("result").at("query") == "future_verified.id='7'");

    CHECK(ws.call("unsubscribe", subscribe_params("future_verified.id='7'"), 11).at("result") ==
          json::object{});
    f.node.fire(nb);
    auto remaining = f.node.subscriber_count();
    CHECK(remaining == 1);  // future_created only
    CHECK(nothing_pending(ws));
    CHECK(error_code_of(ws.call("unsubscribe", subscribe_params("tm.event='Nope'"), 12)) == -32603);

    // Plain methods work on the websocket too.
    auto status = ws.call("status", json::object{}, 13);
    CHECK(status.at("result").at("sync_info").at("latest_block_height") == "3");
}

TEST_CASE("websocket: subscription limit, bad queries, closing drops subscriptions") {
    WsFixture f;
    {
        WsClient ws(f.port);
        REQUIRE(ws.open());
        for (int i = 0; i < 3; ++i) {
            auto r =
                ws.call("subscribe", subscribe_params("tx.height=" + std::to_string(i + 1)), i);
            CHECK(r.at("result") == json::object{});
        }
        auto over = ws.call("subscribe", subscribe_params("tx.height=9"), 4);
        CHECK(error_code_of(over) == -32603);
        CHECK(str(over.at("error").at("data")).find("max_subscriptions_per_client") !=
              std::string::npos);
        CHECK(error_code_of(ws.call("subscribe", subscribe_params("tx.height=1"), 5)) ==
              -32603);  // already
        CHECK(error_code_of(ws.call("subscribe", subscribe_params("tm.event=='x'"), 6)) == -32602);
        CHECK(error_code_of(ws.call("subscribe", json::object{}, 7)) == -32602);
        CHECK(f.node.subscriber_count() == 3);
    }
    CHECK(eventually([&] { return f.node.subscriber_count() == 0; }));
}

TEST_CASE("websocket: a client that can't keep up is dropped, others are served") {
    ServerOptions o = WsFixture::options();
    o.websocket_queue_limit = 8;
    WsFixture f(o);
    WsClient slow(f.port);
    REQUIRE(slow.open());
    REQUIRE(slow.call("subscribe", subscribe_params("tm.event='NewBlock'"), 1).at("result") ==
            json::object{});
    // Big events, never read: the socket buffers fill, then the queue, then the client is cut.
    auto ev = f.node.add_block({Bytes(256 * 1024, 0x42)});
    for (int i = 0; i < 400; ++i)
        f.node.fire(ev);
    CHECK(eventually([&] { return f.node.subscriber_count() == 0; }, 10s));
    int received = 0;
    while (slow.read(2s))
        ++received;
    CHECK(received < 400);
    WsClient other(f.port);
    REQUIRE(other.open());
    CHECK(other.call("health", json::object{}, 1).at("result") == json::object{});
}

}  // namespace
}  // namespace seer::rpc::test
