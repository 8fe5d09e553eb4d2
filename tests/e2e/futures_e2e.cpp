// End-to-end (issue 8): futures that always finish and stay answerable, on a 4-validator
// network of real `seer` processes on 127.0.0.1.
//  1. A final future stays answerable by ID after consensus state pruned it (the archive), on
//     every node, including one that block-synced past its final height; a node with a short
//     archive retention forgets it.
//  2. The verdict event carries the output, its SHA-256 and size; a websocket subscriber gets it
//     without polling.
//  3. tx_search and block_search answer CometBFT queries over the event index; so does
//     `seer query txs`.
//  4. Admission control: load above capacity for a bounded time; every accepted future ends
//     VERIFIED and the rest were refused at check_tx with code 14 (backlog full).
// Every loop is bounded, every process is stopped by PID (process.hpp), ports are picked free.

#include <doctest/doctest.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>

#include "network.hpp"
#include "process.hpp"
#include "seer/common/base64.hpp"
#include "seer/common/bytes.hpp"
#include "seer/crypto/hash.hpp"

namespace seer::e2e {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

constexpr int k_nodes = 4;
// Genesis params of this network: small, so the test sees pruning and a full backlog quickly.
constexpr int k_prune_after_blocks = 4;
constexpr int k_max_unfinished = 12;
constexpr int k_short_archive_blocks = 3;  // node 2's [async] archive

using Network = e2e::Network<k_nodes>;

std::string s(const json::value& v) {
    if (v.is_string()) return std::string(v.as_string());
    return json::serialize(v);
}

/// One attribute of the first event of `type` whose future_id is `id`, in a list of events.
std::optional<std::map<std::string, std::string>> event_of(const json::array& events,
                                                           const std::string& type,
                                                           const std::string& id) {
    for (const auto& e : events) {
        if (s(e.at("type")) != type) continue;
        std::map<std::string, std::string> attrs;
        for (const auto& a : e.at("attributes").as_array())
            attrs[s(a.at("key"))] = s(a.at("value"));
        if (attrs["future_id"] == id) return attrs;
    }
    return std::nullopt;
}

/// A websocket JSON-RPC client (Beast), for a subscription that waits for a verdict.
class WsClient {
public:
    explicit WsClient(std::uint16_t port) : m_ws(m_io) {
        boost::asio::ip::tcp::resolver resolver(m_io);
        boost::asio::connect(m_ws.next_layer(),
                             resolver.resolve("127.0.0.1", std::to_string(port)));
        m_ws.next_layer().set_option(boost::asio::socket_base::keep_alive(true));
        m_ws.handshake("127.0.0.1", "/websocket");
    }
    void send(const json::value& v) { m_ws.write(boost::asio::buffer(json::serialize(v))); }
    /// The next message, or nullopt after `limit` (the socket is closed then).
    std::optional<json::value> read(std::chrono::seconds limit) {
        boost::beast::flat_buffer buf;
        std::optional<json::value> out;
        bool done = false;
        m_ws.async_read(buf, [&](boost::beast::error_code ec, std::size_t) {
            done = true;
            if (!ec) out = json::parse(boost::beast::buffers_to_string(buf.data()));
        });
        m_io.restart();
        m_io.run_for(limit);
        if (!done) {
            boost::beast::get_lowest_layer(m_ws).close();
            m_io.restart();
            m_io.run_for(std::chrono::seconds(1));
        }
        return out;
    }

private:
    boost::asio::io_context m_io;
    boost::beast::websocket::stream<boost::asio::ip::tcp::socket> m_ws;
};

TEST_CASE(
    "e2e: futures stay answerable, carry their answer in events, are found by queries, and are "
    "admitted only when the chain can finish them") {
    Network net;
    std::string templ = (fs::temp_directory_path() / "seer-futures-XXXXXX").string();
    REQUIRE(mkdtemp(templ.data()) != nullptr);
    net.dir = templ;
    net.base = free_port_range(10 * k_nodes + 5);
    REQUIRE(net.base != 0);
    net.api_base = static_cast<std::uint16_t>(net.base + 10 * k_nodes + 1);  // 4 ports, every 10th
    {
        Process gen;
        gen.start({SEER_BINARY, "testnet", "--validators", std::to_string(k_nodes), "--output",
                   net.dir + "/net", "--starting-port", std::to_string(net.base),
                   "--api-starting-port", std::to_string(net.api_base)},
                  net.dir + "/testnet.log");
        REQUIRE(gen.wait_exit(std::chrono::seconds(30)) == 0);
    }
    // Genesis params of this test, the same file on every node before the first start.
    {
        auto g = json::parse(read_file(net.home(0) + "/config/genesis.json")).as_object();
        auto& params = g.at("app_state").as_object().at("async").as_object().at("params").as_object();
        params["prune_after_blocks"] = std::to_string(k_prune_after_blocks);
        params["max_unfinished_futures"] = std::to_string(k_max_unfinished);
        const std::string text = json::serialize(g);
        for (int i = 0; i < k_nodes; ++i)
            std::ofstream(net.home(i) + "/config/genesis.json") << text;
        // Node 2 keeps final futures in its archive for 3 blocks only.
        const std::string cfg_path = net.home(2) + "/config/config.toml";
        std::string cfg = read_file(cfg_path);
        const auto pos = cfg.find("archive = \"all\"");
        REQUIRE(pos != std::string::npos);
        cfg.replace(pos, std::string("archive = \"all\"").size(),
                    "archive = " + std::to_string(k_short_archive_blocks));
        std::ofstream(cfg_path) << cfg;
    }
    // Node 3 starts later: it block-syncs past the final heights below.
    for (int i = 0; i < 3; ++i)
        net.start(i);
    REQUIRE(wait_until(std::chrono::seconds(90), [&] { return net.height(0) >= 3; }));

    Cli cli(net.dir);
    auto run_cli = [&](const std::vector<std::string>& args, int* exit_code = nullptr) {
        return cli.run(net.rpc(0), args, exit_code, std::chrono::seconds(90));
    };
    const std::string alice = cli.address(net.rpc(0), "alice");
    REQUIRE_FALSE(alice.empty());
    const std::string chain_id = s(rpc_get(net.rpc(0), "/status")->at("node_info").at("network"));

    // 2. A websocket subscriber waits for alice's verdict: NewBlockEvents with a verdict event of
    //    hers. Subscribed before the future exists, so it cannot be a poll in disguise.
    WsClient ws(net.rpc(1));
    ws.send(json::object{
        {"jsonrpc", "2.0"},
        {"id", 1},
        {"method", "subscribe"},
        {"params",
         json::object{
             {"query", "tm.event='NewBlockEvents' AND future_verified.creator='" + alice + "'"}}}});
    auto ack = ws.read(std::chrono::seconds(10));
    REQUIRE(ack);
    REQUIRE(ack->as_object().contains("result"));

    const std::string math = run_cli({"tx", "async", "add-future", "--handler", "math", "--input",
                                      "2+4", "--from", "alice", "--wait", "--output", "json"});
    const auto brace = math.find('{');
    REQUIRE(brace != std::string::npos);
    const auto f = json::parse(math.substr(brace)).as_object();
    REQUIRE(s(f.at("status")) == "FUTURE_STATUS_VERIFIED");
    const std::string id = s(f.at("id"));
    const std::int64_t final_height = std::stoll(s(f.at("final_height")));

    auto pushed = ws.read(std::chrono::seconds(30));
    REQUIRE(pushed);
    const auto& data = pushed->at("result").at("data");
    CHECK(s(data.at("type")) == "tendermint/event/NewBlockEvents");
    CHECK(s(data.at("value").at("height")) == std::to_string(final_height));
    const std::string six_sha = to_hex(crypto::sha256(as_bytes(std::string("6"))));
    {
        auto verdict = event_of(data.at("value").at("events").as_array(), "future_verified", id);
        REQUIRE(verdict);
        CHECK((*verdict)["status"] == "VERIFIED");
        CHECK((*verdict)["output"] == "6");
        CHECK((*verdict)["output_encoding"] == "utf8");
        CHECK((*verdict)["output_size"] == "1");
        CHECK((*verdict)["output_sha256"] == six_sha);
        CHECK((*verdict)["creator"] == alice);
    }
    // The same event in block_results, on another node.
    {
        auto r = rpc_get(net.rpc(2), "/block_results?height=" + std::to_string(final_height));
        REQUIRE(r);
        auto verdict = event_of(r->at("finalize_block_events").as_array(), "future_verified", id);
        REQUIRE(verdict);
        CHECK((*verdict)["output_sha256"] == six_sha);
    }

    // 3. Event queries: tx_search, block_search, the CLI.
    {
        auto by_creator =
            rpc_get(net.rpc(0), "/tx_search?query=%22future_created.creator='" + alice + "'%22");
        REQUIRE(by_creator);
        CHECK(s(by_creator->at("total_count")) == "1");
        const std::string tx_hash = s(by_creator->at("txs").at(0).at("hash"));
        auto by_id = rpc_get(net.rpc(1), "/tx_search?query=%22future_created.future_id=" + id +
                                             "%20AND%20tx.height%3E0%22");
        REQUIRE(by_id);
        CHECK(s(by_id->at("total_count")) == "1");
        CHECK(s(by_id->at("txs").at(0).at("hash")) == tx_hash);
        auto none =
            rpc_get(net.rpc(0), "/tx_search?query=%22future_created.creator='seer1nobody'%22");
        REQUIRE(none);
        CHECK(s(none->at("total_count")) == "0");
        auto blocks =
            rpc_get(net.rpc(0), "/block_search?query=%22future_verified.future_id='" + id + "'%22");
        REQUIRE(blocks);
        CHECK(s(blocks->at("total_count")) == "1");
        CHECK(s(blocks->at("blocks").at(0).at("block").at("header").at("height")) ==
              std::to_string(final_height));
        const std::string listed =
            run_cli({"query", "txs", "--query", "message.sender='" + alice + "'"});
        CHECK(listed.find(tx_hash) != std::string::npos);
        CHECK(listed.find("(1 matching") != std::string::npos);
    }

    // 1. After prune_after_blocks, state has pruned the future; the archive answers, marked.
    REQUIRE(wait_until(std::chrono::seconds(60),
                       [&] { return net.height(0) >= final_height + k_prune_after_blocks + 2; }));
    {
        auto q = rpc_get(net.rpc(0), "/abci_query?path=%22async/counts%22");
        REQUIRE(q);
        const auto counts = from_base64(s(q->at("response").at("value")));
        REQUIRE(counts);
        CHECK(to_string(*counts).find("VERIFIED=0") != std::string::npos);  // gone from state
    }
    std::string archived0;
    for (int i : {0, 1}) {
        auto body = http_get(net.api(i), "/seer/async/v1/futures/" + id);
        REQUIRE_MESSAGE(body, "node " << i);
        auto r = json::parse(*body).as_object();
        CHECK(r.at("pruned").as_bool());
        CHECK(s(r.at("future").at("status")) == "FUTURE_STATUS_VERIFIED");
        CHECK(s(r.at("future").at("result").at("output")) == "Ng==");
        CHECK(s(r.at("future").at("final_height")) == std::to_string(final_height));
        if (i == 0) archived0 = json::serialize(r.at("future"));
        CHECK(json::serialize(r.at("future")) == archived0);
    }
    {
        const std::string text = run_cli({"query", "async", "future", id});
        CHECK(text.find("VERIFIED") != std::string::npos);
        CHECK(text.find("pruned:") != std::string::npos);
        auto out = http_request(net.api(0), "/seer/async/v1/futures/" + id + "/output");
        REQUIRE(out);
        CHECK(out->status == 200);
        CHECK(out->body == "6");
        CHECK(out->headers.find("application/octet-stream") != std::string::npos);
        CHECK(out->headers.find("\"" + six_sha + "\"") != std::string::npos);
    }
    // Node 2 keeps 3 blocks of archive: it no longer knows the future.
    {
        auto r = http_request(net.api(2), "/seer/async/v1/futures/" + id);
        REQUIRE(r);
        CHECK(r->status == 404);
    }
    // Node 3 block-syncs from genesis, past the final height, and builds the same archive.
    net.start(3);
    REQUIRE(
        wait_until(std::chrono::seconds(120), [&] { return net.height(3) >= net.height(0) - 1; }));
    {
        auto body = http_get(net.api(3), "/seer/async/v1/futures/" + id);
        REQUIRE(body);
        auto r = json::parse(*body).as_object();
        CHECK(r.at("pruned").as_bool());
        CHECK(json::serialize(r.at("future")) == archived0);
    }

    // 4. Admission control. Four users submit echo futures to node 0 as fast as the CLI goes,
    //    for a bounded time, each with its own sequence; a refused tx is retried later with the
    //    same sequence. The backlog cap is 12, far below the offered load.
    struct Submitted {
        std::string hash;
        std::string user;
    };
    std::mutex mu;
    std::vector<Submitted> accepted;
    std::map<std::string, int> refusals;  // by the code the CLI printed
    std::vector<std::string> other_errors;
    const auto load_until = std::chrono::steady_clock::now() + std::chrono::seconds(12);
    std::vector<std::thread> threads;
    for (const std::string user : {"alice", "bob", "carol", "dave"}) {
        threads.emplace_back([&, user] {
            std::int64_t seq = user == "alice" ? 1 : 0;  // alice's math future used 0
            for (int n = 0; n < 400 && std::chrono::steady_clock::now() < load_until; ++n) {
                int code = 0;
                const std::string out =
                    run_cli({"tx", "async", "add-future", "--handler", "echo", "--input",
                             user + "-" + std::to_string(n), "--from", user, "--sequence",
                             std::to_string(seq), "--chain-id", chain_id, "--no-follow", "--output", "json"},
                            &code);
                std::lock_guard lock(mu);
                if (code == 0) {
                    const auto b = out.find('{');
                    if (b == std::string::npos) {
                        other_errors.push_back(out);
                        continue;
                    }
                    accepted.push_back({s(json::parse(out.substr(b)).at("txhash")), user});
                    ++seq;
                } else if (out.find("code 14 (async)") != std::string::npos &&
                           out.find("backlog full, retry later") != std::string::npos) {
                    ++refusals["14"];
                } else {
                    other_errors.push_back(out);
                }
            }
        });
    }
    for (auto& t : threads)
        t.join();
    INFO("accepted " << accepted.size() << ", refused (backlog) " << refusals["14"]);
    for (const auto& e : other_errors)
        INFO("other error: " << e);
    CHECK(other_errors.empty());
    CHECK(refusals["14"] > 0);
    CHECK(accepted.size() >= 8);

    // Every accepted future is committed and ends VERIFIED; none times out.
    std::map<std::string, std::string> status_of;  // tx hash -> final status
    const bool all_final = wait_until(std::chrono::seconds(120), [&] {
        for (const auto& a : accepted) {
            if (status_of.count(a.hash)) continue;
            auto t = rpc_get(net.rpc(0), "/tx?hash=0x" + a.hash);
            if (!t) return false;
            if (s(t->at("tx_result").at("code")) != "0") {
                status_of[a.hash] = "tx code " + s(t->at("tx_result").at("code"));
                continue;
            }
            const auto created =
                event_of(t->at("tx_result").at("events").as_array(), "future_created", [&] {
                    for (const auto& e : t->at("tx_result").at("events").as_array())
                        for (const auto& at : e.at("attributes").as_array())
                            if (s(at.at("key")) == "future_id") return s(at.at("value"));
                    return std::string();
                }());
            if (!created) return false;
            auto body = http_get(net.api(0), "/seer/async/v1/futures/" + created->at("future_id"));
            if (!body) return false;
            const std::string st = s(json::parse(*body).at("future").at("status"));
            if (st == "FUTURE_STATUS_PENDING" || st == "FUTURE_STATUS_EXECUTED") return false;
            status_of[a.hash] = st;
        }
        return true;
    });
    CHECK(all_final);
    int verified = 0;
    for (const auto& [hash, st] : status_of) {
        INFO("tx " << hash);
        CHECK(st == "FUTURE_STATUS_VERIFIED");
        verified += st == "FUTURE_STATUS_VERIFIED";
    }
    CHECK(verified == static_cast<int>(accepted.size()));
    MESSAGE("admission: " << accepted.size() << " accepted and all VERIFIED, " << refusals["14"]
                          << " refused with code 14 (backlog full); capacity " << k_max_unfinished);
}

TEST_CASE(
    "e2e: a 16 MiB output goes off chain, is verified while the proposer withholds it, and is "
    "fetched over p2p") {
    Network net;
    std::string templ = (fs::temp_directory_path() / "seer-bigout-XXXXXX").string();
    REQUIRE(mkdtemp(templ.data()) != nullptr);
    net.dir = templ;
    net.base = free_port_range(10 * k_nodes + 5);
    REQUIRE(net.base != 0);
    net.api_base = static_cast<std::uint16_t>(net.base + 10 * k_nodes + 1);
    constexpr std::size_t k_size = 16 * 1024 * 1024;
    // A deterministic 16 MiB output: the input line repeated.
    const std::string big = net.dir + "/big.sh";
    std::ofstream(big) << "#!/bin/sh\nread line || true\nyes \"$line\" | head -c " << k_size
                       << "\n";
    fs::permissions(big, fs::perms::owner_all);
    {
        Process gen;
        gen.start({SEER_BINARY, "testnet", "--validators", std::to_string(k_nodes), "--output",
                   net.dir + "/net", "--starting-port", std::to_string(net.base),
                   "--api-starting-port", std::to_string(net.api_base), "--exec", "big=" + big},
                  net.dir + "/testnet.log");
        REQUIRE(gen.wait_exit(std::chrono::seconds(30)) == 0);
    }
    auto edit_config = [&](int i, const std::string& from, const std::string& to) {
        const std::string path = net.home(i) + "/config/config.toml";
        std::string cfg = read_file(path);
        const auto pos = cfg.find(from);
        REQUIRE_MESSAGE(pos != std::string::npos, from);
        cfg.replace(pos, from.size(), to);
        std::ofstream(path) << cfg;
    };
    for (int i = 0; i < 3; ++i) {
        edit_config(i, "max_output_bytes = 1048576", "max_output_bytes = 20000000");
        // Nodes 0-2 withhold the bytes from their peers: whoever proposes withholds them.
        edit_config(i, "serve_outputs = true", "serve_outputs = false");
    }
    // Node 3 runs a prophet without the exec handler: it can only get the bytes by fetching.
    {
        const std::string path = net.home(3) + "/config/config.toml";
        std::string cfg = read_file(path);
        const auto from = cfg.find("[[prophet.exec]]");
        const auto to = cfg.find("[async]");
        REQUIRE(from != std::string::npos);
        REQUIRE(to != std::string::npos);
        cfg.erase(from, to - from);
        std::ofstream(path) << cfg;
    }
    for (int i = 0; i < k_nodes; ++i)
        net.start(i);
    REQUIRE(wait_until(std::chrono::seconds(90), [&] { return net.height(0) >= 3; }));

    Cli cli(net.dir);
    auto run_cli = [&](int node, const std::vector<std::string>& args) {
        int code = 0;
        std::string out = cli.run(net.rpc(node), args, &code);
        CHECK_MESSAGE(code == 0, out);
        return out;
    };
    auto submit = [&](const std::string& input, const std::string& output_file) {
        std::vector<std::string> args{"tx",        "async", "add-future", "--handler", "exec:big",
                                      "--input",   input,   "--from",     "alice",     "--wait",
                                      "--timeout", "150",   "--output",   "json"};
        if (!output_file.empty()) {
            args.push_back("--output-file");
            args.push_back(output_file);
        }
        const std::string out = run_cli(0, args);
        // The JSON record follows the progress lines; its first line is "{".
        const auto brace =
            out.find("\n{") == std::string::npos ? out.find('{') : out.find("\n{") + 1;
        REQUIRE_MESSAGE(brace != std::string::npos, out);
        return json::parse(out.substr(brace)).as_object();
    };
    auto expected = [&](const std::string& line) {
        Bytes b;
        b.reserve(k_size);
        while (b.size() < k_size)
            for (char c : line + "\n")
                if (b.size() < k_size) b.push_back(static_cast<std::uint8_t>(c));
        return b;
    };

    // 1. With every proposer withholding the bytes, the validators re-execute and verify.
    const auto f = submit("seer", "");
    REQUIRE(s(f.at("status")) == "FUTURE_STATUS_VERIFIED");
    const std::string id = s(f.at("id"));
    const Bytes want = expected("seer");
    const std::string want_sha = to_hex(crypto::sha256(want));
    const auto& result = f.at("result").as_object();
    CHECK(s(result.at("output")).empty());
    CHECK(s(result.at("output_size")) == std::to_string(k_size));
    CHECK(to_hex(*from_base64(s(result.at("output_sha256")))) == want_sha);
    // The results tx stays small: the whole block is a few hundred bytes.
    {
        const std::string h = s(result.at("height"));
        auto b = rpc_get(net.rpc(1), "/block?height=" + h);
        REQUIRE(b);
        std::size_t tx_bytes = 0;
        for (const auto& t : b->at("block").at("data").at("txs").as_array())
            tx_bytes += s(t).size();
        CHECK(tx_bytes < 1024);
    }
    // The CLI fetches the output, checks its hash and writes it.
    {
        const std::string file = net.dir + "/out.bin";
        run_cli(1, {"query", "async", "future", id, "--output-file", file});
        const std::string got = read_file(file);
        CHECK(got.size() == k_size);
        CHECK(to_hex(crypto::sha256(as_bytes(got))) == want_sha);
    }
    // REST serves it with its length and hash.
    {
        auto r = http_request(net.api(2), "/seer/async/v1/futures/" + id + "/output");
        REQUIRE(r);
        CHECK(r->status == 200);
        CHECK(r->body.size() == k_size);
        CHECK(r->headers.find("Content-Length: " + std::to_string(k_size)) != std::string::npos);
        CHECK(r->headers.find("\"" + want_sha + "\"") != std::string::npos);
        auto on3 = http_request(net.api(3), "/seer/async/v1/futures/" + id + "/output");
        REQUIRE(on3);
        CHECK(on3->status == 404);  // withheld from node 3, which cannot run the handler
    }

    // 2. The validators serve their outputs again (restarted with serve_outputs = true): node 3
    //    fetches the next one over p2p, checks it and serves it.
    for (int i = 0; i < 3; ++i) {
        net.nodes[i].stop();
        edit_config(i, "serve_outputs = false", "serve_outputs = true");
        net.start(i);
    }
    const std::int64_t before = net.height(3);
    REQUIRE(wait_until(std::chrono::seconds(90), [&] { return net.height(0) > before + 1; }));
    const std::string written = net.dir + "/p2p.bin";
    const auto g = submit("p2p", written);
    REQUIRE(s(g.at("status")) == "FUTURE_STATUS_VERIFIED");
    const std::string id2 = s(g.at("id"));
    const std::string want2 = to_hex(crypto::sha256(expected("p2p")));
    // add-future --wait --output-file wrote the verified output, its hash checked.
    CHECK(read_file(written).size() == k_size);
    CHECK(to_hex(crypto::sha256(as_bytes(read_file(written)))) == want2);
    std::optional<HttpResponse> fetched;
    CHECK(wait_until(std::chrono::seconds(90), [&] {
        fetched = http_request(net.api(3), "/seer/async/v1/futures/" + id2 + "/output");
        return fetched && fetched->status == 200;
    }));
    REQUIRE(fetched);
    CHECK(fetched->body.size() == k_size);
    CHECK(to_hex(crypto::sha256(as_bytes(fetched->body))) == want2);
    CHECK(
        read_file(net.home(3) + "/seer.log").find("fetched output sha256=" + want2.substr(0, 12)) !=
        std::string::npos);
}

}  // namespace
}  // namespace seer::e2e
