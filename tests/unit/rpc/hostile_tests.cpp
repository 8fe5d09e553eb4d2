// Hostile and malformed input: after every kind, the servers still answer /health and /status.

#include "seer/rpc/rest_server.hpp"
#include "seer/rpc/server.hpp"
#include "support.hpp"

namespace seer::rpc::test {
namespace {

ServerOptions hostile_options() {
    ServerOptions o;
    o.port = 0;
    o.max_body_bytes = 64 * 1024;
    o.max_header_bytes = 8 * 1024;
    o.max_connections = 16;
    o.read_timeout = 1000ms;
    o.idle_timeout = 1000ms;
    o.write_timeout = 2000ms;
    o.max_subscriptions_per_client = 3;
    o.max_websocket_message_bytes = 16 * 1024;
    o.max_batch_requests = 50;
    return o;
}

/// Sends raw bytes on a fresh connection and reads one response (ok = false if none).
HttpReply raw(std::uint16_t port, std::string_view bytes) {
    Conn c(port);
    if (!c.send_raw(bytes)) return {};
    return c.read_response(3s);
}

std::int64_t first_error(const json::value& v) {
    if (v.is_array() && !v.as_array().empty()) return error_code_of(v.as_array()[0]);
    return error_code_of(v);
}

bool server_healthy(std::uint16_t port, const FakeNodeApi& node) {
    auto h = get(port, "/health");
    if (!h.ok || h.status != 200 || h.json().at("result") != json::object{}) return false;
    auto s = get(port, "/status");
    if (!s.ok || s.status != 200) return false;
    const auto body = s.json();
    const auto& sync = body.at("result").at("sync_info");
    return sync.at("latest_block_height") == "3" &&
           str(sync.at("latest_block_hash")) == hex_up(node.blocks.back().hash);
}

TEST_CASE("hostile input: 60+ kinds of malformed requests, then /health and /status still work") {
    FakeNodeApi node;
    Server server(node, hostile_options());
    server.start();
    const auto port = server.port();
    RestOptions ro;
    ro.port = 0;
    ro.max_body_bytes = 64 * 1024;
    ro.read_timeout = 1000ms;
    ro.idle_timeout = 1000ms;
    RestServer rest(node, ro);
    rest.start();
    const auto rport = rest.port();

    struct Case {
        std::string name;
        std::function<bool()> run;
    };
    std::vector<Case> cases;
    auto jsonrpc = [&](std::string name, std::string body, std::int64_t code) {
        cases.push_back({name, [&, body, code] {
                             auto r = post(port, "/", body);
                             return r.ok && r.status == 200 && first_error(r.json()) == code;
                         }});
    };
    auto params = [&](std::string name, std::string method, std::string p, std::int64_t code) {
        jsonrpc(name, R"({"jsonrpc":"2.0","id":1,"method":")" + method + R"(","params":)" + p + "}",
                code);
    };
    auto uri = [&](std::string name, std::string target, int status, std::int64_t code) {
        cases.push_back({name, [&, target, status, code] {
                             auto r = get(port, target);
                             return r.ok && r.status == status &&
                                    (code == 0 || first_error(r.json()) == code);
                         }});
    };
    auto http_status = [&](std::string name, std::string bytes, std::vector<int> statuses) {
        cases.push_back(
            {name, [&, bytes, statuses] {
                 auto r = raw(port, bytes);
                 if (!r.ok) return std::find(statuses.begin(), statuses.end(), 0) != statuses.end();
                 return std::find(statuses.begin(), statuses.end(), r.status) != statuses.end();
             }});
    };
    auto rest_status = [&](std::string name, http::verb verb, std::string target, std::string body,
                           int status) {
        cases.push_back({name, [&, verb, target, body, status] {
                             Conn c(rport);
                             auto r = c.request(verb, target, body);
                             return r.ok && r.status == status;
                         }});
    };

    // JSON framing
    jsonrpc("truncated JSON", "{", -32700);
    jsonrpc("empty body", "", -32700);
    jsonrpc("garbage", "\x01\x02\x03garbage", -32700);
    jsonrpc("trailing garbage", R"({"jsonrpc":"2.0","id":1,"method":"health"} xyz)", -32700);
    jsonrpc("comments", R"({"jsonrpc":"2.0",/*c*/"id":1,"method":"health"})", -32700);
    jsonrpc("deep nesting", std::string(5000, '[') + std::string(5000, ']'), -32700);
    jsonrpc("deep nesting in params",
            R"({"jsonrpc":"2.0","id":1,"method":"block","params":)" + std::string(100, '[') +
                std::string(100, ']') + "}",
            -32700);
    jsonrpc("invalid UTF-8 in a string",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"he\xff\xfelth\"}", -32700);
    jsonrpc("overlong UTF-8", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\xc0\xaf\"}", -32700);
    cases.push_back({"lone surrogate escape", [&] {
                         auto r = post(port, "/", R"({"jsonrpc":"2.0","id":1,"method":"\ud800"})");
                         const auto code = first_error(r.json());
                         return r.ok && (code == -32700 || code == -32601);
                     }});
    jsonrpc("null request", "null", -32600);
    jsonrpc("number request", "42", -32600);
    jsonrpc("string request", "\"status\"", -32600);
    jsonrpc("empty batch", "[]", -32600);
    jsonrpc("batch of numbers", "[1,2,3]", -32600);
    {
        std::string big = "[";
        for (int i = 0; i < 60; ++i)
            big += std::string(i ? "," : "") + R"({"jsonrpc":"2.0","id":1,"method":"health"})";
        jsonrpc("batch over the limit", big + "]", -32600);
    }
    jsonrpc("wrong jsonrpc version", R"({"jsonrpc":"1.0","id":1,"method":"status"})", -32600);
    jsonrpc("missing jsonrpc", R"({"id":1,"method":"status"})", -32600);
    jsonrpc("missing method", R"({"jsonrpc":"2.0","id":1})", -32600);
    jsonrpc("method is a number", R"({"jsonrpc":"2.0","id":1,"method":5})", -32600);
    jsonrpc("id is an object", R"({"jsonrpc":"2.0","id":{"a":1},"method":"status"})", -32600);
    jsonrpc("id is an array", R"({"jsonrpc":"2.0","id":[1],"method":"status"})", -32600);
    jsonrpc("unknown method", R"({"jsonrpc":"2.0","id":1,"method":"drop_tables"})", -32601);
    jsonrpc("huge method name",
            R"({"jsonrpc":"2.0","id":1,"method":")" + std::string(30000, 'a') + "\"}", -32601);
    cases.push_back({"notification only: empty 200", [&] {
                         auto r = post(port, "/", R"({"jsonrpc":"2.0","method":"health"})");
                         return r.ok && r.status == 200 && r.body.empty();
                     }});
    // params
    params("params is a string", "block", "\"2\"", -32602);
    params("params is a number", "block", "7", -32602);
    params("too many positional params", "block", "[1,2,3]", -32602);
    params("negative height", "block", R"({"height":-1})", -32602);
    params("zero height", "block", R"({"height":0})", -32602);
    params("height above latest", "block", R"({"height":1000000})", -32602);
    params("height not a number", "block", R"({"height":"abc"})", -32602);
    params("height an object", "block", R"({"height":{}})", -32602);
    params("height a float", "block", R"({"height":1.5})", -32602);
    params("height over int64", "block", R"({"height":9223372036854775808})", -32602);
    params("height string overflow", "block", R"({"height":"99999999999999999999999"})", -32602);
    params("block_results negative", "block_results", R"({"height":"-5"})", -32602);
    params("commit height too high", "commit", R"({"height":"4"})", -32602);
    params("validators page 0", "validators", R"({"page":0})", -32602);
    params("validators page huge", "validators", R"({"page":1000})", -32602);
    params("blockchain negative", "blockchain", R"({"minHeight":-1,"maxHeight":2})", -32602);
    params("blockchain min over max", "blockchain", R"({"minHeight":3,"maxHeight":2})", -32602);
    params("tx hash bad hex", "tx", R"({"hash":"ZZZZ"})", -32602);
    params("tx hash short", "tx", R"({"hash":"ABCD"})", -32602);
    params("tx hash missing", "tx", "{}", -32602);
    params("tx hash a number", "tx", R"({"hash":12})", -32602);
    params("block_by_hash bad base64", "block_by_hash",
           R"({"hash":"!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"})", -32602);
    params("broadcast bad base64", "broadcast_tx_sync", R"({"tx":"@@@"})", -32602);
    params("broadcast non-canonical base64", "broadcast_tx_sync", R"({"tx":"QR=="})", -32602);
    params("broadcast missing tx", "broadcast_tx_async", "{}", -32602);
    params("broadcast tx an array", "broadcast_tx_commit", R"({"tx":[1,2]})", -32602);
    params("check_tx bad hex", "check_tx", R"({"tx":"0xZZ"})", -32602);
    params("abci_query bad hex data", "abci_query", R"({"path":"async/params","data":"zz"})",
           -32602);
    params("abci_query negative height", "abci_query", R"({"path":"async/params","height":-5})",
           -32602);
    params("abci_query path not a string", "abci_query", R"({"path":{}})", -32602);
    params("abci_query prove not bool", "abci_query", R"({"path":"x","prove":"maybe"})", -32602);
    params("tx_search bad query", "tx_search", R"({"query":"tx.height>>"})", -32602);
    params("tx_search unsupported query", "tx_search", R"({"query":"tx.hash CONTAINS 'AB'"})",
           -32602);
    params("block_search unsupported query", "block_search",
           R"({"query":"block.height CONTAINS '1'"})", -32602);
    params("block_search bad query", "block_search", R"({"query":"block.height>>"})", -32602);
    params("tx_search unterminated string", "tx_search", R"({"query":"tx.hash='AB"})", -32602);
    params("tx_search bad order", "tx_search", R"({"query":"tx.height=2","order_by":"sideways"})",
           -32602);
    params("tx_search page beyond", "tx_search", R"({"query":"tx.height=2","page":5})", -32602);
    params("tx_search query too long", "tx_search",
           R"({"query":")" + std::string(2000, 'a') + "\"}", -32602);
    // URI
    uri("URI unknown path", "/drop_tables", 404, 0);
    uri("URI bad int", "/block?height=abc", 200, -32602);
    uri("URI bad percent-encoding", "/block?height=%zz", 200, -32602);
    uri("URI invalid UTF-8", "/block?height=%ff%fe", 200, -32602);
    uri("URI negative", "/block?height=-3", 200, -32602);
    uri("URI bad hash", "/tx?hash=0xZZ", 200, -32602);
    uri("URI unquoted raw tx", "/broadcast_tx_sync?tx=raw", 200, -32602);
    {
        std::string many = "/status?";
        for (int i = 0; i < 40; ++i)
            many += "a" + std::to_string(i) + "=1&";
        uri("URI too many arguments", many, 200, -32602);
    }
    uri("URI path traversal", "/../../etc/passwd", 404, 0);
    // HTTP framing and limits
    cases.push_back({"body over the limit: 413", [&] {
                         Conn c(port);
                         auto r = c.request(http::verb::post, "/", std::string(100 * 1024, ' '));
                         return r.ok && r.status == 413;
                     }});
    http_status("huge Content-Length",
                "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n", {413});
    http_status("chunked body over the limit",
                "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n20000\r\n" +
                    std::string(0x20000, 'a') + "\r\n0\r\n\r\n",
                {413, 0});
    http_status("header flood (one huge header)",
                "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n",
                {431, 0});
    {
        std::string many = "GET /health HTTP/1.1\r\nHost: x\r\n";
        for (int i = 0; i < 2000; ++i)
            many += "X-H" + std::to_string(i) + ": v\r\n";
        http_status("header flood (many headers)", many + "\r\n", {431, 0});
    }
    http_status("huge target",
                "GET /status?" + std::string(20000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n",
                {431, 0});
    http_status("garbage request line", "GARBAGE\r\n\r\n", {400, 0});
    http_status("binary garbage", std::string("\x00\xff\x13\x37\r\n\r\n", 8), {400, 0});
    http_status("bad HTTP version", "GET /health HTTP/9.9\r\n\r\n", {400, 0});
    http_status("bad Content-Length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
                {400, 0});
    http_status("unknown HTTP method", "BREW /health HTTP/1.1\r\nHost: x\r\n\r\n", {405, 400});
    http_status("PUT", "PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", {405});
    http_status("POST to a method path",
                "POST /status HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}", {404});
    http_status("websocket upgrade at the wrong path",
                "GET /nope HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
                {404});
    // Slow and idle clients
    cases.push_back({"slowloris headers: cut off at the read timeout", [&] {
                         Conn c(port);
                         c.send_raw("GET /status HTTP/1.1\r\nHost: x\r\n");
                         const auto start = std::chrono::steady_clock::now();
                         bool cut = false;
                         for (int i = 0; i < 40 && !cut; ++i) {
                             cut = !c.send_raw("X");
                             std::this_thread::sleep_for(50ms);
                             if (std::chrono::steady_clock::now() - start > 1500ms) break;
                         }
                         return cut || c.closed_within(2s);
                     }});
    cases.push_back({"slow body: cut off at the read timeout", [&] {
                         Conn c(port);
                         c.send_raw("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{");
                         return c.closed_within(3s);
                     }});
    cases.push_back({"idle connection: closed at the idle timeout", [&] {
                         Conn c(port);
                         return c.connected() && c.closed_within(3s);
                     }});
    cases.push_back({"too many connections: the oldest idle ones are closed beyond the limit", [&] {
                         std::vector<std::unique_ptr<Conn>> conns;
                         for (int i = 0; i < 24; ++i)
                             conns.push_back(std::make_unique<Conn>(port));
                         int refused = 0;
                         for (auto& c : conns)
                             refused += c->closed_within(300ms) ? 1 : 0;
                         conns.clear();
                         // Once they are gone the server accepts again.
                         return refused >= 8 && eventually([&] { return get(port, "/health").ok; });
                     }});
    // Websocket
    cases.push_back({"websocket: subscription flood beyond the limit", [&] {
                         WsClient ws(port);
                         int ok = 0, refused = 0;
                         for (int i = 0; i < 20; ++i) {
                             auto r = ws.call(
                                 "subscribe",
                                 json::object{{"query", "tx.height=" + std::to_string(i + 1)}}, i);
                             if (error_code_of(r) == -32603)
                                 ++refused;
                             else if (r.is_object() && r.as_object().contains("result"))
                                 ++ok;
                         }
                         return ok == 3 && refused == 17;
                     }});
    cases.push_back({"websocket: bad JSON, bad query, missing query, unknown method", [&] {
                         WsClient ws(port);
                         ws.send(std::string("{nope"));
                         auto a = ws.read();
                         auto b = ws.call("subscribe", json::object{{"query", "tm.event=="}}, 1);
                         auto c = ws.call("subscribe", json::array{}, 2);
                         auto d = ws.call("launch_missiles", json::object{}, 3);
                         return a && error_code_of(*a) == -32700 && error_code_of(b) == -32602 &&
                                error_code_of(c) == -32602 && error_code_of(d) == -32601;
                     }});
    cases.push_back({"websocket: oversized message closes the connection", [&] {
                         WsClient ws(port);
                         ws.send(std::string(64 * 1024, 'x'));
                         return !ws.read(3s) && ws.closed();
                     }});
    cases.push_back({"websocket: invalid UTF-8 text frame", [&] {
                         WsClient ws(port);
                         ws.send(std::string("\xff\xfe\xfd"));
                         auto r = ws.read(3s);
                         return !r || error_code_of(*r) == -32700;
                     }});
    cases.push_back({"websocket: subscriptions of dropped clients are released",
                     [&] { return eventually([&] { return node.subscriber_count() == 0; }); }});
    // REST
    rest_status("REST id overflow", http::verb::get, "/seer/async/v1/futures/18446744073709551616",
                "", 400);
    rest_status("REST negative limit", http::verb::get,
                "/seer/async/v1/futures?pagination.limit=-1", "", 400);
    rest_status("REST bad status number", http::verb::get, "/seer/async/v1/futures?status=999", "",
                400);
    rest_status("REST bad percent-encoding", http::verb::get, "/seer/async/v1/futures?creator=%zz",
                "", 400);
    rest_status("REST deep JSON body", http::verb::post, "/cosmos/tx/v1beta1/txs",
                std::string(1000, '[') + std::string(1000, ']'), 400);
    rest_status("REST tx_bytes a number", http::verb::post, "/cosmos/tx/v1beta1/txs",
                R"({"tx_bytes":5,"mode":"BROADCAST_MODE_SYNC"})", 400);
    rest_status("REST missing mode", http::verb::post, "/cosmos/tx/v1beta1/txs",
                R"({"tx_bytes":"AAAA"})", 400);
    rest_status("REST bad tx hash", http::verb::get, "/cosmos/tx/v1beta1/txs/xyz", "", 400);
    rest_status("REST body over the limit", http::verb::post, "/cosmos/tx/v1beta1/txs",
                std::string(100 * 1024, 'a'), 413);
    rest_status("REST unknown route", http::verb::get, "/cosmos/staking/v1beta1/validators", "",
                404);
    // The bank routes exist now: a bad address is a bad request (the fake node refuses it).
    rest_status("REST bank balances of a bad address", http::verb::get,
                "/cosmos/bank/v1beta1/balances/x", "", 400);

    REQUIRE(cases.size() >= 50);
    for (auto& c : cases) {
        bool ok = false;
        try {
            ok = c.run();
        } catch (const std::exception& e) {
            MESSAGE(c.name << " threw " << e.what());
        }
        CHECK_MESSAGE(ok, c.name);
    }
    MESSAGE(cases.size() << " hostile cases");
    CHECK(server_healthy(port, node));
    auto params_reply = get(rport, "/seer/async/v1/params");
    CHECK(params_reply.status == 200);
    server.stop();
    rest.stop();
}

}  // namespace
TEST_CASE("CORS: allowed origins get the header and a preflight answer; others and no config get none") {
    FakeNodeApi node;
    ServerOptions o = hostile_options();
    o.cors_allowed_origins = {"https://app.example"};
    Server server(node, o);
    server.start();
    RestOptions ro;
    ro.port = 0;
    ro.cors_allowed_origins = {"*"};
    RestServer rest(node, ro);
    rest.start();
    ServerOptions plain = hostile_options();
    Server no_cors(node, plain);
    no_cors.start();

    auto request = [](std::uint16_t port, std::string_view method, std::string_view target,
                      std::string_view origin) {
        std::string text = std::string(method) + " " + std::string(target) +
                           " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
        if (!origin.empty()) text += "Origin: " + std::string(origin) + "\r\n";
        text += "Connection: close\r\n\r\n";
        return raw(port, text);
    };
    // The allowed origin: the header on a normal answer, and a preflight answered with 204.
    auto r = request(server.port(), "GET", "/status", "https://app.example");
    REQUIRE(r.ok);
    CHECK(r.status == 200);
    CHECK(r.header("access-control-allow-origin") == "https://app.example");
    auto pre = request(server.port(), "OPTIONS", "/status", "https://app.example");
    REQUIRE(pre.ok);
    CHECK(pre.status == 204);
    CHECK(pre.header("access-control-allow-origin") == "https://app.example");
    CHECK(pre.header("access-control-allow-methods").find("POST") != std::string::npos);
    CHECK(pre.header("access-control-allow-headers").find("Content-Type") != std::string::npos);
    // Another origin, and no origin: no CORS header.
    auto other = request(server.port(), "GET", "/status", "https://evil.example");
    REQUIRE(other.ok);
    CHECK(other.status == 200);
    CHECK(other.header("access-control-allow-origin").empty());
    CHECK(request(server.port(), "GET", "/status", "").header("access-control-allow-origin").empty());
    // REST with "*": any origin is echoed back.
    auto any = request(rest.port(), "GET", "/seer/async/v1/params", "http://localhost:3000");
    REQUIRE(any.ok);
    CHECK(any.header("access-control-allow-origin") == "http://localhost:3000");
    CHECK(any.header("vary") == "Origin");
    // CORS not configured: no header, and OPTIONS is not answered as a preflight.
    auto none = request(no_cors.port(), "GET", "/status", "https://app.example");
    REQUIRE(none.ok);
    CHECK(none.header("access-control-allow-origin").empty());
    auto none_pre = request(no_cors.port(), "OPTIONS", "/status", "https://app.example");
    REQUIRE(none_pre.ok);
    CHECK(none_pre.status != 204);
    CHECK(server_healthy(server.port(), node));
    no_cors.stop();
    rest.stop();
    server.stop();
}

}  // namespace seer::rpc::test
