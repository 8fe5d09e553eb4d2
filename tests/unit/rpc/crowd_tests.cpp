// A crowd of connections must not lock out the RPC, the REST server or the metrics endpoint
// (issue 11, part 3): websockets are counted apart from HTTP, idle keep-alive connections make
// room, reserved connections answer /status and /health while the rest is held by clients that
// dribble, one address has its own cap, and a websocket that only answers pings is closed.

#include "seer/rpc/metrics_server.hpp"
#include "seer/rpc/rest_server.hpp"
#include "seer/rpc/server.hpp"
#include "support.hpp"

namespace seer::rpc::test {
namespace {

ServerOptions crowd_options() {
    ServerOptions o;
    o.port = 0;
    o.max_connections = 6;
    o.max_websocket_connections = 5;
    o.max_connections_per_ip = 0;
    o.read_timeout = 20s;  // a dribbler holds its connection for the whole test
    o.idle_timeout = 20s;  // so does an idle one, unless it is evicted
    o.websocket_idle_timeout = 20s;
    o.reserved_timeout = 20s;  // a dribbler on a reserved connection holds it too
    return o;
}

bool status_ok(std::uint16_t port) {
    auto r = get(port, "/status");
    return r.ok && r.status == 200 && r.json().is_object() &&
           r.json().as_object().contains("result");
}

/// A connection that has started a request and never finishes it.
std::unique_ptr<Conn> dribbler(std::uint16_t port) {
    auto c = std::make_unique<Conn>(port);
    c->send_raw("GET /status HTTP/1.1\r\nHost: x\r\n");
    return c;
}

TEST_CASE("crowd: websockets at their limit leave HTTP alone, and a further upgrade gets a 503") {
    FakeNodeApi node;
    Server server(node, crowd_options());
    server.start();
    const auto port = server.port();
    std::vector<std::unique_ptr<WsClient>> sockets;
    for (int i = 0; i < 5; ++i) {
        sockets.push_back(std::make_unique<WsClient>(port));
        REQUIRE(sockets.back()->open());
    }
    // As many websockets as HTTP connections could hold before: HTTP is not touched.
    for (int i = 0; i < 10; ++i)
        CHECK(status_ok(port));
    Conn extra(port);
    REQUIRE(extra.send_raw(
        "GET /websocket HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
        "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"));
    auto refused = extra.read_response(5s);
    CHECK(refused.ok);
    CHECK(refused.status == 503);
    CHECK(refused.body.find("max_subscription_clients") != std::string::npos);
    CHECK(server.connections().websocket == 5);
    CHECK(server.connections().refused == 1);
    // One closes: a new websocket is accepted.
    sockets.pop_back();
    CHECK(eventually([&] { return server.connections().websocket == 4; }));
    CHECK(WsClient(port).open());
}

TEST_CASE("crowd: idle keep-alive connections are closed, oldest first, to make room") {
    FakeNodeApi node;
    Server server(node, crowd_options());
    server.start();
    const auto port = server.port();
    std::vector<std::unique_ptr<Conn>> idle;
    for (int i = 0; i < 6; ++i) {
        idle.push_back(std::make_unique<Conn>(port));
        REQUIRE(idle.back()->connected());
    }
    // A keep-alive connection that was served once, then went idle, can be evicted too.
    auto served = idle.back()->request(http::verb::get, "/health");
    REQUIRE(served.ok);
    // Three new clients that stay connected: each needs a slot.
    std::vector<std::unique_ptr<Conn>> fresh;
    for (int i = 0; i < 3; ++i) {
        fresh.push_back(std::make_unique<Conn>(port));
        auto r = fresh.back()->request(http::verb::get, "/status");
        CHECK(r.ok);
        CHECK(r.status == 200);
    }
    // The three oldest were closed to make room for the three requests.
    for (int i = 0; i < 3; ++i)
        CHECK(idle[static_cast<std::size_t>(i)]->closed_within(2s));
    CHECK(server.connections().evicted_idle == 3);
    CHECK(server.connections().refused == 0);
}

TEST_CASE("crowd: with every slot held by dribblers, reserved connections answer /status and "
          "/health only, then connections get a 503") {
    FakeNodeApi node;
    Server server(node, crowd_options());
    server.start();
    const auto port = server.port();
    std::vector<std::unique_ptr<Conn>> held;
    for (int i = 0; i < 6; ++i)
        held.push_back(dribbler(port));
    REQUIRE(eventually([&] { return server.connections().http == 6; }));
    // Each reserved connection serves one request and closes.
    for (int i = 0; i < 8; ++i) {
        CHECK(status_ok(port));
        auto h = get(port, "/health");
        CHECK(h.ok);
        CHECK(h.status == 200);
    }
    auto other = get(port, "/abci_info");
    CHECK(other.ok);
    CHECK(other.status == 503);
    // Dribblers on the reserved connections too: the next connection is refused with a reason.
    // First every reserved connection above must be released: the server closes one after its
    // answer, which the client may read before the slot is free.
    REQUIRE(eventually([&] { return server.connections().http == 6; }));
    for (int i = 0; i < 4; ++i)
        held.push_back(dribbler(port));
    REQUIRE(eventually([&] { return server.connections().http == 10; }));
    auto refused = get(port, "/status");
    CHECK(refused.ok);
    CHECK(refused.status == 503);
    CHECK(refused.body.find("too many connections") != std::string::npos);
    // The dribblers go: the server answers again.
    held.clear();
    CHECK(eventually([&] { return status_ok(port); }));
}

TEST_CASE("crowd: one address is capped, and at its cap only its own idle connections make room") {
    FakeNodeApi node;
    auto o = crowd_options();
    o.max_connections_per_ip = 3;
    o.reserved_connections = 2;
    Server server(node, o);
    server.start();
    const auto port = server.port();
    std::vector<std::unique_ptr<Conn>> held;
    for (int i = 0; i < 3; ++i)
        held.push_back(dribbler(port));
    REQUIRE(eventually([&] { return server.connections().http == 3; }));
    // At the address's cap: reserved connections answer /status, and tell others why not.
    CHECK(status_ok(port));
    auto other = get(port, "/abci_info");
    CHECK(other.ok);
    CHECK(other.status == 503);
    CHECK(other.body.find("too many connections from 127.0.0.1 (max 3)") != std::string::npos);
    REQUIRE(eventually([&] { return server.connections().http == 3; }));
    for (int i = 0; i < 2; ++i)
        held.push_back(dribbler(port));
    REQUIRE(eventually([&] { return server.connections().http == 5; }));
    auto refused = get(port, "/status");
    CHECK(refused.ok);
    CHECK(refused.status == 503);
    CHECK(refused.body.find("too many connections from 127.0.0.1") != std::string::npos);
    // Down to two of its own plus an idle one: a request closes that idle one to get in.
    held.resize(2);
    REQUIRE(eventually([&] { return server.connections().http == 2; }));
    auto idle = std::make_unique<Conn>(port);
    REQUIRE(idle->connected());
    REQUIRE(eventually([&] { return server.connections().http == 3; }));
    auto abci = get(port, "/abci_info");
    CHECK(abci.ok);
    CHECK(abci.status == 200);
    CHECK(idle->closed_within(2s));
    CHECK(server.connections().evicted_idle == 1);
}

TEST_CASE("crowd: a websocket with no subscription and no message is closed though it answers "
          "pings; a subscriber stays") {
    FakeNodeApi node;
    auto o = crowd_options();
    o.websocket_idle_timeout = 1000ms;
    Server server(node, o);
    server.start();
    const auto port = server.port();
    WsClient idle(port);
    REQUIRE(idle.open());
    WsClient subscriber(port);
    REQUIRE(subscriber.open());
    auto sub = subscriber.call("subscribe", json::object{{"query", "tm.event='NewBlock'"}}, 1);
    REQUIRE(sub.is_object());
    REQUIRE(sub.as_object().contains("result"));
    // Both read, so both answer the server's pings (a read pending is what answers them).
    std::optional<json::value> quiet;
    std::thread listen([&] { quiet = subscriber.read(4s); });
    const auto start = std::chrono::steady_clock::now();
    auto got = idle.read(10s);
    CHECK_FALSE(got);
    CHECK(idle.closed());  // closed by the server, not timed out here
    CHECK(std::chrono::steady_clock::now() - start < 10s);
    // The subscriber, as silent, is still open after three idle timeouts (its read is still
    // pending; at 4 s this client gives up and closes it itself).
    std::this_thread::sleep_until(start + 3s);
    CHECK(server.connections().websocket == 1);
    CHECK(server.connections().websocket_idle_closed == 1);
    listen.join();
    CHECK_FALSE(quiet);
    CHECK_FALSE(subscriber.closed());
}

TEST_CASE("crowd: the REST server makes room as the RPC does") {
    FakeNodeApi node;
    RestOptions ro;
    ro.port = 0;
    ro.max_connections = 4;
    ro.max_connections_per_ip = 0;
    ro.read_timeout = 20s;
    ro.idle_timeout = 20s;
    RestServer rest(node, ro);
    rest.start();
    const auto port = rest.port();
    std::vector<std::unique_ptr<Conn>> idle;
    for (int i = 0; i < 4; ++i)
        idle.push_back(std::make_unique<Conn>(port));
    auto params = get(port, "/seer/async/v1/params");
    CHECK(params.ok);
    CHECK(params.status == 200);
    CHECK(idle[0]->closed_within(2s));
    std::vector<std::unique_ptr<Conn>> held;
    for (int i = 0; i < 4; ++i)
        held.push_back(dribbler(port));
    REQUIRE(eventually([&] { return rest.connections().http == 4; }));
    auto info = get(port, "/cosmos/base/tendermint/v1beta1/syncing");
    CHECK(info.ok);
    CHECK(info.status == 200);
    auto busy = get(port, "/seer/async/v1/params");
    CHECK(busy.ok);
    CHECK(busy.status == 503);
}

TEST_CASE("metrics: idle clients and a dribbler do not delay a scrape") {
    MetricsOptions mo;
    mo.port = 0;
    mo.read_timeout = 20s;
    mo.idle_timeout = 20s;
    std::atomic<int> scrapes{0};
    MetricsServer metrics(mo, [&] {
        ++scrapes;
        return std::string("seer_up 1\n");
    });
    metrics.start();
    const auto port = metrics.port();
    std::vector<std::unique_ptr<Conn>> idle;
    for (int i = 0; i < 18; ++i)
        idle.push_back(std::make_unique<Conn>(port));
    auto slow = std::make_unique<Conn>(port);
    slow->send_raw("GET /metr");
    std::atomic<bool> stop{false};
    std::thread dribble([&] {
        for (int i = 0; i < 400 && !stop; ++i) {
            if (!slow->send_raw("i")) break;
            std::this_thread::sleep_for(50ms);
        }
    });
    for (int i = 0; i < 3; ++i) {
        auto r = get(port, "/metrics");
        CHECK(r.ok);
        CHECK(r.status == 200);
        CHECK(r.body == "seer_up 1\n");
        CHECK(r.header("content-type").find("text/plain") == 0);
    }
    CHECK(scrapes.load() == 3);
    auto other = get(port, "/other");
    CHECK(other.status == 404);
    stop = true;
    dribble.join();
}

}  // namespace
}  // namespace seer::rpc::test
