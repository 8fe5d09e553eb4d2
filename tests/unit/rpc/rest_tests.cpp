// REST routes (Cosmos gateway style): protobuf JSON mapping, pagination, 404/400.

#include "seer/rpc/rest_server.hpp"
#include "support.hpp"

namespace seer::rpc::test {
namespace {

struct RestFixture {
    FakeNodeApi node;
    RestServer server;
    std::uint16_t port = 0;
    RestFixture() : server(node, options()) {
        server.start();
        port = server.port();
    }
    static RestOptions options() {
        RestOptions o;
        o.port = 0;
        return o;
    }
};

std::string url_encode(std::string_view s) {
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.') {
            out.push_back(static_cast<char>(c));
        } else {
            char buf[4];
            std::snprintf(buf, sizeof buf, "%%%02X", c);
            out += buf;
        }
    }
    return out;
}

TEST_CASE("REST: a future by id, 404 and 400") {
    RestFixture f;
    auto r = get(f.port, "/seer/async/v1/futures/7");
    REQUIRE(r.ok);
    CHECK(r.status == 200);
    const auto fut = r.json().at("future");
    CHECK(fut.at("id") == "7");
    CHECK(fut.at("status") == "FUTURE_STATUS_VERIFIED");
    CHECK(fut.at("handler") == "echo");
    CHECK(str(fut.at("input")) == to_base64(to_bytes("hi")));
    CHECK(fut.at("created_height") == "2");
    CHECK(fut.at("deadline_height") == "102");
    CHECK(fut.at("attempts") == 0);  // uint32 stays a number
    CHECK(fut.at("tally").at("verified_power") == "30");
    CHECK(fut.at("final_reason") == "");  // defaults are printed, as the gateway does

    auto nf = get(f.port, "/seer/async/v1/futures/999");
    CHECK(nf.status == 404);
    CHECK(nf.json().at("code") == 5);
    CHECK(nf.json().at("message").is_string());
    for (std::string bad : {"abc", "-1", "1.5", "18446744073709551616", "%20"}) {
        auto b = get(f.port, "/seer/async/v1/futures/" + bad);
        CHECK_MESSAGE(b.status == 400, bad);
        CHECK(b.json().at("code") == 3);
    }
}

TEST_CASE("REST: a repeated answer is printed once, and a changed answer is printed again") {
    RestFixture f;
    auto first = get(f.port, "/seer/async/v1/futures/7");
    auto again = get(f.port, "/seer/async/v1/futures/7");
    REQUIRE(first.ok);
    REQUIRE(again.ok);
    CHECK(again.body == first.body);
    CHECK(first.json().at("future").at("attempts") == 0);
    // Another future, then the same one with a new answer: never a cached body for other bytes.
    auto other = get(f.port, "/seer/async/v1/futures/9");
    CHECK(other.json().at("future").at("id") == "9");
    f.node.future_attempts = 2;
    auto changed = get(f.port, "/seer/async/v1/futures/7");
    CHECK(changed.json().at("future").at("attempts") == 2);
    CHECK(changed.body != first.body);
    f.node.future_attempts = 0;
    CHECK(get(f.port, "/seer/async/v1/futures/7").body == first.body);
}

TEST_CASE("REST: futures with filters and pagination") {
    RestFixture f;
    auto p1 = get(f.port, "/seer/async/v1/futures?pagination.limit=10").json();
    REQUIRE(p1.at("futures").as_array().size() == 10);
    CHECK(p1.at("futures").at(0).at("id") == "1");
    const auto next = str(p1.at("pagination").at("next_key"));
    CHECK(!next.empty());
    auto p2 =
        get(f.port, "/seer/async/v1/futures?pagination.limit=10&pagination.key=" + url_encode(next))
            .json();
    CHECK(p2.at("futures").at(0).at("id") == "11");
    // URL-safe base64 without padding is accepted too, as grpc-gateway does.
    std::string urlsafe = next;
    for (auto& c : urlsafe)
        c = c == '+' ? '-' : (c == '/' ? '_' : c);
    while (!urlsafe.empty() && urlsafe.back() == '=')
        urlsafe.pop_back();
    auto p2b =
        get(f.port, "/seer/async/v1/futures?pagination.limit=10&pagination.key=" + urlsafe).json();
    CHECK(p2b.at("futures").at(0).at("id") == "11");
    auto p3 = get(f.port, "/seer/async/v1/futures?pagination.limit=10&pagination.key=" +
                              url_encode(str(p2.at("pagination").at("next_key"))))
                  .json();
    CHECK(p3.at("futures").as_array().size() == 5);
    const auto* pg = p3.as_object().if_contains("pagination");
    CHECK((pg == nullptr || pg->at("next_key") == ""));  // last page: no next key

    auto pending =
        get(f.port, "/seer/async/v1/futures?status=FUTURE_STATUS_PENDING&creator=seer1creator")
            .json();
    CHECK(pending.at("futures").as_array().size() == 12);
    CHECK(pending.at("futures").at(0).at("status") == "FUTURE_STATUS_PENDING");
    auto by_number = get(f.port, "/seer/async/v1/futures?status=3").json();
    CHECK(by_number.at("futures").at(0).at("status") == "FUTURE_STATUS_VERIFIED");
    // The CLI's names work here too, in any case (issue 12: REST refused status=verified).
    for (std::string name : {"verified", "VERIFIED", "Verified", "future_status_verified"}) {
        auto by_name = get(f.port, "/seer/async/v1/futures?status=" + name);
        REQUIRE_MESSAGE(by_name.status == 200, name);
        CHECK_MESSAGE(by_name.json().at("futures").at(0).at("status") == "FUTURE_STATUS_VERIFIED",
                      name);
    }

    auto pf = get(f.port, "/seer/async/v1/pending_futures?pagination.limit=2").json();
    CHECK(pf.at("futures").as_array().size() == 2);
    CHECK(pf.at("futures").at(0).at("id") == "2");

    for (std::string bad :
         {"status=BOGUS", "status=99", "pagination.limit=abc", "pagination.limit=-1",
          "pagination.key=!!!!", "pagination.key=a", "creator=nobody", "pagination.limit=5000"}) {
        auto b = get(f.port, "/seer/async/v1/futures?" + bad);
        CHECK_MESSAGE(b.status == 400, bad);
        CHECK_MESSAGE(b.json().at("code") == 3, bad);
    }
}

TEST_CASE("REST: params, handlers, accounts") {
    RestFixture f;
    auto params = get(f.port, "/seer/async/v1/params").json();
    CHECK(params.at("params").at("max_input_bytes") == "4096");
    CHECK(params.at("params").at("max_attempts") == 0);
    auto handlers = get(f.port, "/seer/async/v1/handlers").json();
    CHECK(handlers.at("handlers").at(0).at("name") == "echo");

    auto acc =
        get(f.port, "/cosmos/auth/v1beta1/accounts/" + f.node.account_address).json().at("account");
    CHECK(acc.at("@type") == "/cosmos.auth.v1beta1.BaseAccount");
    CHECK(str(acc.at("address")) == f.node.account_address);
    CHECK(acc.at("sequence") == "31");
    CHECK(acc.at("account_number") == "1");
    CHECK(acc.at("pub_key").at("@type") == "/cosmos.crypto.ed25519.PubKey");
    CHECK(str(acc.at("pub_key").at("key")) == to_base64(key(9).public_key()));
    const auto other = crypto::to_bech32_address(crypto::address_of(key(3).public_key()));
    CHECK(get(f.port, "/cosmos/auth/v1beta1/accounts/" + other).status == 404);
    CHECK(get(f.port, "/cosmos/auth/v1beta1/accounts/notanaddress").status == 400);
    CHECK(get(f.port, "/nope").status == 404);
    CHECK(post(f.port, "/seer/async/v1/params", "{}").status == 405);
}

TEST_CASE("REST: broadcast and look up txs") {
    RestFixture f;
    const Bytes tx = to_bytes("rest-tx");
    auto r = post(f.port, "/cosmos/tx/v1beta1/txs",
                  json::serialize(
                      json::object{{"tx_bytes", to_base64(tx)}, {"mode", "BROADCAST_MODE_SYNC"}}));
    REQUIRE(r.status == 200);
    auto resp = r.json().at("tx_response");
    CHECK(str(resp.at("txhash")) == hex_up(crypto::sha256(tx)));
    CHECK(resp.at("code") == 0);
    CHECK(resp.at("height") == "0");
    auto dup = post(f.port, "/cosmos/tx/v1beta1/txs",
                    json::serialize(json::object{{"tx_bytes", to_base64(tx)},
                                                 {"mode", "BROADCAST_MODE_ASYNC"}}));
    CHECK(dup.json().at("tx_response").at("code") == 19);
    auto bad = post(f.port, "/cosmos/tx/v1beta1/txs",
                    json::serialize(json::object{{"tx_bytes", to_base64(to_bytes("bad"))},
                                                 {"mode", "BROADCAST_MODE_SYNC"}}));
    CHECK(bad.json().at("tx_response").at("code") == 4);
    CHECK(bad.json().at("tx_response").at("raw_log") == "signature verification failed");
    CHECK(
        post(f.port, "/cosmos/tx/v1beta1/txs", R"({"tx_bytes":"!!","mode":"BROADCAST_MODE_SYNC"})")
            .status == 400);
    CHECK(post(f.port, "/cosmos/tx/v1beta1/txs",
               R"({"tx_bytes":"AAAA","mode":"BROADCAST_MODE_BLOCK"})")
              .status == 400);
    CHECK(post(f.port, "/cosmos/tx/v1beta1/txs", "not json").status == 400);

    const auto& t = f.node.txs[1][0];
    auto got = get(f.port, "/cosmos/tx/v1beta1/txs/" + hex_up(t.hash));
    REQUIRE(got.status == 200);
    auto body = got.json();
    const auto& txr = body.at("tx_response");
    CHECK(txr.at("height") == "2");
    CHECK(str(txr.at("txhash")) == hex_up(t.hash));
    CHECK(txr.at("gas_used") == "420");
    CHECK(txr.at("timestamp") == "2023-11-14T22:13:22Z");
    CHECK(txr.at("events").at(1).at("type") == "future_created");
    const auto& msg = body.at("tx").at("body").at("messages").at(0);
    CHECK(msg.at("@type") == "/seer.async.v1.MsgAddFuture");
    CHECK(msg.at("handler") == "echo");
    CHECK(txr.at("tx").at("@type") == "/cosmos.tx.v1beta1.Tx");
    CHECK(get(f.port, "/cosmos/tx/v1beta1/txs/" + std::string(64, 'A')).status == 404);
    CHECK(get(f.port, "/cosmos/tx/v1beta1/txs/zz").status == 400);
}


// ---- the dashboard (docs/dashboard.md) ----------------------------------------------------

TEST_CASE("REST: the dashboard's files, with content types, ETags and 404s") {
    RestFixture f;
    auto index = get(f.port, "/");
    REQUIRE(index.ok);
    CHECK(index.status == 200);
    CHECK(index.header("content-type") == "text/html; charset=utf-8");
    CHECK(index.body.find("/dashboard/app.js") != std::string::npos);
    CHECK(index.header("cache-control") == "no-cache");
    const std::string etag = index.header("etag");
    CHECK(etag.size() == 66);  // a quoted SHA-256 in hex
    CHECK(get(f.port, "/index.html").body == index.body);
    CHECK(get(f.port, "/dashboard/index.html").body == index.body);
    for (auto [file, type] : {std::pair{"app.js", "text/javascript; charset=utf-8"},
                              std::pair{"style.css", "text/css; charset=utf-8"}}) {
        auto r = get(f.port, std::string("/dashboard/") + file);
        CHECK_MESSAGE(r.status == 200, file);
        CHECK_MESSAGE(r.header("content-type") == type, file);
        CHECK_MESSAGE(!r.body.empty(), file);
        CHECK_MESSAGE(r.header("etag") != etag, file);
    }
    // Nothing is fetched from elsewhere: no absolute URL in the page or its script and styles.
    for (std::string file : {"index.html", "app.js", "style.css"}) {
        const auto body = get(f.port, "/dashboard/" + file).body;
        CHECK_MESSAGE(body.find("http://") == std::string::npos, file);
        CHECK_MESSAGE(body.find("https://") == std::string::npos, file);
        CHECK_MESSAGE(body.find("@import") == std::string::npos, file);
    }
    // A matching If-None-Match is a 304 with no body; another ETag gets the file.
    {
        Conn c(f.port);
        REQUIRE(c.send_raw("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nIf-None-Match: " + etag +
                           "\r\n\r\n"));
        auto r = c.read_response();
        CHECK(r.status == 304);
        CHECK(r.body.empty());
        CHECK(r.header("etag") == etag);
    }
    {
        Conn c(f.port);
        REQUIRE(c.send_raw("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nIf-None-Match: \"x\"\r\n\r\n"));
        CHECK(c.read_response().status == 200);
    }
    for (std::string bad : {"/dashboard/", "/dashboard/nope.js", "/dashboard/../CMakeLists.txt",
                            "/dashboard/%2e%2e/app.js", "/dashboard/sub/app.js", "/app.js"}) {
        auto r = get(f.port, bad);
        CHECK_MESSAGE(r.status == 404, bad);
        CHECK_MESSAGE(r.json().at("code") == 5, bad);
    }
    CHECK(post(f.port, "/", "{}").status == 405);
}

TEST_CASE("REST: /seer/node/v1/endpoints gives the RPC and REST addresses") {
    RestFixture f;
    auto r = get(f.port, "/seer/node/v1/endpoints");
    REQUIRE(r.status == 200);
    const auto e = r.json();
    CHECK(e.at("rpc").at("listen_addr") == "tcp://127.0.0.1:26657");
    CHECK(e.at("rpc").at("websocket_path") == "/websocket");
    CHECK(str(e.at("rest").at("listen_addr")) == "tcp://127.0.0.1:" + std::to_string(f.port));
    CHECK(e.at("moniker") == "fake");
    CHECK(e.at("network") == "seer-test");
    CHECK(get(f.port, "/seer/node/v1/nothing").status == 404);
    CHECK(post(f.port, "/seer/node/v1/endpoints", "{}").status == 405);
}

TEST_CASE("REST: /seer/node/v1/validators counts missed and proposed blocks in its window") {
    RestFixture f;
    f.node.absent_height = 2;  // the second validator's precommit for block 2 is absent
    auto r = get(f.port, "/seer/node/v1/validators");
    REQUIRE(r.status == 200);
    const auto v = r.json();
    CHECK(v.at("height") == "3");
    CHECK(v.at("total_voting_power") == "30");
    CHECK(str(v.at("proposer")) == hex_up(f.node.vset.at(0).address));
    const auto& w = v.at("window");
    CHECK(w.at("from_height") == "1");
    CHECK(w.at("to_height") == "3");
    CHECK(w.at("blocks") == 3);
    CHECK(w.at("max_blocks") == 100);
    CHECK(w.at("avg_block_interval_ms").as_double() == doctest::Approx(1000.0));  // 1 s apart
    const auto& vals = v.at("validators").as_array();
    REQUIRE(vals.size() == 2);
    CHECK(str(vals[0].at("address")) == hex_up(f.node.vset.at(0).address));
    CHECK(vals[0].at("voting_power") == "20");  // by power, as the validator set
    CHECK(vals[0].at("missed") == 0);
    CHECK(vals[0].at("signed") == 3);
    CHECK(vals[0].at("proposed") == 3);
    CHECK(vals[1].at("voting_power") == "10");
    CHECK(vals[1].at("missed") == 1);
    CHECK(vals[1].at("signed") == 2);
    CHECK(vals[1].at("proposed") == 0);
    CHECK(vals[1].at("pub_key").at("type") == "tendermint/PubKeyEd25519");
    // Heights already counted are not read again: the answer stays the same.
    f.node.absent_height = 0;
    CHECK(get(f.port, "/seer/node/v1/validators").json().at("validators").at(1).at("missed") == 1);
}

TEST_CASE("REST: /seer/node/v1/prophet and /seer/node/v1/peers") {
    RestFixture f;
    auto p = get(f.port, "/seer/node/v1/prophet").json();
    CHECK(p.at("enabled") == true);
    CHECK(p.at("execution_queue_depth") == 3);
    CHECK(p.at("verification_queue_depth") == 1);
    CHECK(p.at("queue_capacity") == 1000);
    CHECK(p.at("dropped").at("queue_full") == 4);
    const auto& h = p.at("handlers").at(0);
    CHECK(h.at("name") == "echo");
    CHECK(h.at("queued") == 3);
    CHECK(h.at("latency_count") == 10);
    CHECK(h.at("latency_mean_ms").as_double() == doctest::Approx(5.0));
    CHECK(h.at("latency_p50_ms").as_double() == doctest::Approx(10.0));
    CHECK(h.at("latency_p95_ms").as_double() == doctest::Approx(100.0));
    CHECK(h.at("latency_buckets").as_array().size() == 4);
    f.node.has_prophet = false;
    CHECK(get(f.port, "/seer/node/v1/prophet").json() == json::parse(R"({"enabled":false})"));

    auto n = get(f.port, "/seer/node/v1/peers").json();
    CHECK(n.at("n_peers") == "1");
    const auto& peer = n.at("peers").at(0);
    CHECK(peer.at("node_id") == "peer1");
    CHECK(peer.at("moniker") == "other");
    CHECK(peer.at("listen_addr") == "tcp://10.0.0.2:26656");
    CHECK(peer.at("outbound") == true);
}

}  // namespace
}  // namespace seer::rpc::test
