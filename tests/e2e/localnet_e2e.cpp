// End-to-end: a 4-validator network of real `seer` processes on 127.0.0.1 (issue 4).
// Every loop is bounded, every process is stopped by PID (process.hpp), ports are picked free.

#include <doctest/doctest.h>

#include <poll.h>

#include <atomic>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <set>
#include <sstream>

#include "network.hpp"
#include "process.hpp"
#include "seer/p2p/switch.hpp"

namespace seer::e2e {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

constexpr int k_nodes = 4;

/// A tiny HTTP server on 127.0.0.1 that answers every request with one JSON body.
class HttpFixture {
public:
    HttpFixture(std::uint16_t port, std::string body) : m_body(std::move(body)) {
        m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        const int one = 1;
        setsockopt(m_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(m_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        REQUIRE(::listen(m_fd, 16) == 0);
        m_thread = std::thread([this] { serve(); });
    }
    ~HttpFixture() {
        m_stop = true;
        m_thread.join();
        ::close(m_fd);
    }
    int requests() const { return m_requests.load(); }

private:
    void serve() {
        while (!m_stop) {
            pollfd p{m_fd, POLLIN, 0};
            if (::poll(&p, 1, 100) <= 0) continue;
            const int c = ::accept4(m_fd, nullptr, nullptr, SOCK_CLOEXEC);
            if (c < 0) continue;
            timeval tv{2, 0};
            setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
            char buf[4096];
            std::string req;
            while (req.find("\r\n\r\n") == std::string::npos && req.size() < 16384) {
                const ssize_t n = ::recv(c, buf, sizeof buf, 0);
                if (n <= 0) break;
                req.append(buf, static_cast<std::size_t>(n));
            }
            ++m_requests;
            const std::string resp =
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                std::to_string(m_body.size()) + "\r\nConnection: close\r\n\r\n" + m_body;
            ::send(c, resp.data(), resp.size(), MSG_NOSIGNAL);
            ::close(c);
        }
    }
    int m_fd = -1;
    std::string m_body;
    std::atomic<bool> m_stop{false};
    std::atomic<int> m_requests{0};
    std::thread m_thread;
};

using Network = e2e::Network<k_nodes>;

std::string block_hash(std::uint16_t port, std::int64_t h) {
    auto r = rpc_get(port, "/block?height=" + std::to_string(h));
    if (!r) return "";
    return std::string(r->at("block_id").at("hash").as_string());
}

bool closed_by_peer(int fd) {
    char buf[256];
    for (int i = 0; i < 50; ++i) {  // up to ~10 s with the 5 s receive timeout per call
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n == 0) return true;
        if (n < 0) return errno != EAGAIN && errno != EWOULDBLOCK ? true : false;
    }
    return false;
}

TEST_CASE(
    "e2e: a 4-validator localnet commits, survives kill -9, catches up, resists hostile peers") {
    Network net;
    std::string templ = (fs::temp_directory_path() / "seer-e2e-XXXXXX").string();
    REQUIRE(mkdtemp(templ.data()) != nullptr);
    net.dir = templ;
    net.base = free_port_range(80);
    REQUIRE(net.base != 0);
    net.api_base = static_cast<std::uint16_t>(net.base + 40);
    // A local HTTP server for the http handler, and a small program for exec:wc.
    const std::uint16_t http_port = static_cast<std::uint16_t>(net.base + 79);
    HttpFixture http(http_port, R"({"price":{"usd":123.5}})");
    const std::string wc = net.dir + "/wc.sh";
    {
        std::ofstream script(wc);
        script << "#!/bin/sh\nwc -c | tr -d ' \\n'\n";
    }
    fs::permissions(wc, fs::perms::owner_all);
    {
        Process gen;
        gen.start({SEER_BINARY, "testnet", "--validators", "4", "--output", net.dir + "/net",
                   "--starting-port", std::to_string(net.base), "--api-starting-port",
                   std::to_string(net.api_base), "--http-allowlist",
                   "http://127.0.0.1:" + std::to_string(http_port), "--exec", "wc=" + wc},
                  net.dir + "/testnet.log");
        REQUIRE(wait_until(std::chrono::seconds(30), [&] { return !gen.running(); }));
    }
    REQUIRE(fs::exists(net.home(3) + "/config/genesis.json"));
    for (int i = 0; i < k_nodes; ++i)
        net.start(i);

    // 1. Every node reaches height 10 with identical block hashes.
    REQUIRE(wait_until(std::chrono::seconds(120), [&] {
        for (int i = 0; i < k_nodes; ++i)
            if (net.height(i) < 10) return false;
        return true;
    }));
    const std::string h10 = block_hash(net.rpc(0), 10);
    CHECK(h10.size() == 64);
    for (int i = 1; i < k_nodes; ++i)
        CHECK(block_hash(net.rpc(i), 10) == h10);

    // Prometheus metrics on their own port.
    {
        auto metrics = http_get(static_cast<std::uint16_t>(net.base + 4), "/metrics");
        REQUIRE(metrics);
        for (const char* name :
             {"seer_consensus_height ", "seer_consensus_round ", "seer_mempool_size ",
              "seer_p2p_peers ", "seer_async_futures{status=\"VERIFIED\"}",
              "seer_prophet_queue_depth{queue=\"execution\"}",
              "seer_prophet_handler_latency_ms_count{handler=\"math\"}",
              "seer_consensus_block_interval_seconds "})
            CHECK_MESSAGE(metrics->find(name) != std::string::npos, name);
    }

    // The CLI against the network (issue 5): math "2+4" with --wait is VERIFIED with output 6
    // within 10 blocks of inclusion, REST on every node agrees, a hashchain future verifies, and
    // a handler error ends FAILED with its text.
    {
        const std::string cli_home = net.dir + "/cli";
        copy_testnet_keys(net.dir, cli_home);
        const std::string node_url = "http://127.0.0.1:" + std::to_string(net.rpc(0));
        auto run_cli = [&](const std::vector<std::string>& args, const std::string& out) {
            std::vector<std::string> argv{SEER_BINARY, "--home", cli_home, "--node", node_url};
            argv.insert(argv.end(), args.begin(), args.end());
            Process p;
            p.start(argv, out);
            REQUIRE(wait_until(std::chrono::seconds(90), [&] { return !p.running(); }));
            std::ifstream in(out);
            std::stringstream ss;
            ss << in.rdbuf();
            return ss.str();
        };
        const std::string math =
            run_cli({"tx", "async", "add-future", "--handler", "math", "--input", "2+4", "--from",
                     "alice", "--wait", "--output", "json"},
                    net.dir + "/cli-math.log");
        const auto brace = math.find('{');
        REQUIRE(brace != std::string::npos);
        auto f = json::parse(math.substr(brace)).as_object();
        CHECK(f.at("status").as_string() == "FUTURE_STATUS_VERIFIED");
        CHECK(f.at("result").at("output").as_string() == "Ng==");  // "6"
        const auto created = std::stoll(std::string(f.at("created_height").as_string()));
        const auto final_h = std::stoll(std::string(f.at("final_height").as_string()));
        CHECK(final_h - created <= 10);
        const std::string id(f.at("id").as_string());
        std::string first;
        for (int i = 0; i < k_nodes; ++i) {
            auto body = http_get(static_cast<std::uint16_t>(net.api_base + 10 * i),
                                 "/seer/async/v1/futures/" + id);
            REQUIRE(body);
            auto fut = json::parse(*body).at("future").as_object();
            const std::string view = json::serialize(fut.at("status")) +
                                     json::serialize(fut.at("result").at("output")) +
                                     json::serialize(fut.at("tally"));
            if (i == 0) first = view;
            CHECK(view == first);
        }
        const std::string chain =
            run_cli({"tx", "async", "add-future", "--handler", "hashchain", "--input",
                     R"({"data":"seer","iterations":1000})", "--from", "bob", "--wait"},
                    net.dir + "/cli-hashchain.log");
        CHECK(chain.find("VERIFIED") != std::string::npos);
        const std::string div0 = run_cli({"tx", "async", "add-future", "--handler", "math",
                                          "--input", "1/0", "--from", "carol", "--wait"},
                                         net.dir + "/cli-div0.log");
        CHECK(div0.find("FAILED") != std::string::npos);
        CHECK(div0.find("division") != std::string::npos);
        const std::string price =
            run_cli({"tx", "async", "add-future", "--handler", "http", "--input",
                     R"({"url":"http://127.0.0.1:)" + std::to_string(http_port) +
                         R"(/price","pointer":"/price/usd"})",
                     "--from", "dave", "--wait"},
                    net.dir + "/cli-http.log");
        CHECK(price.find("VERIFIED") != std::string::npos);
        CHECK(price.find("123.5") != std::string::npos);
        CHECK(http.requests() > 0);
        const std::string count = run_cli({"tx", "async", "add-future", "--handler", "exec:wc",
                                           "--input", "hello", "--from", "alice", "--wait"},
                                          net.dir + "/cli-exec.log");
        CHECK(count.find("VERIFIED") != std::string::npos);
        CHECK(count.find("output:    5") != std::string::npos);

        // Paging with the CLI (issue 12): the hint a page prints is a flag the next call takes,
        // and the next page starts after the first. 5 futures exist by now.
        auto ids_of = [](const std::string& table) {
            std::vector<std::string> ids;
            std::istringstream lines(table);
            for (std::string line; std::getline(lines, line);)
                if (!line.empty() && std::isdigit(static_cast<unsigned char>(line[0])))
                    ids.push_back(line.substr(0, line.find(' ')));
            return ids;
        };
        const std::string page1 = run_cli({"query", "async", "futures", "--limit", "2"},
                                          net.dir + "/cli-page1.log");
        const auto hint = page1.find("(more: --page-key ");
        REQUIRE_MESSAGE(hint != std::string::npos, page1);
        const std::string key = page1.substr(hint + 18, page1.find(')', hint) - hint - 18);
        const std::string page2 = run_cli(
            {"query", "async", "futures", "--limit", "2", "--page-key", key},
            net.dir + "/cli-page2.log");
        const auto first_ids = ids_of(page1);
        const auto next_ids = ids_of(page2);
        REQUIRE_MESSAGE(first_ids.size() == 2, page1);
        REQUIRE_MESSAGE(next_ids.size() == 2, page2);
        CHECK(std::stoull(next_ids[0]) > std::stoull(first_ids[1]));
        const std::string verified = run_cli({"query", "async", "futures", "--status", "Verified"},
                                             net.dir + "/cli-verified.log");
        CHECK_MESSAGE(ids_of(verified).size() >= 3, verified);  // math, hashchain, http, exec
        const std::string bad_key = run_cli(
            {"query", "async", "futures", "--page-key", "!!"}, net.dir + "/cli-badkey.log");
        CHECK_MESSAGE(bad_key.rfind("Error: --page-key", 0) == 0, bad_key);

        // Mempool gossip (batches on channel 0x30): txs sent only to node 0 reach the other
        // validators' mempools, so other proposers include some of them. Without gossip only
        // node 0's own proposals could; with it, 8 txs in node 0's blocks alone is a 1-in-65,536
        // chance (proposers rotate).
        auto st0 = rpc_get(net.rpc(0), "/status");
        REQUIRE(st0);
        const std::string node0(st0->at("validator_info").at("address").as_string());
        std::set<std::string> proposers;
        for (int i = 0; i < 8; ++i) {
            const std::string sent =
                run_cli({"tx", "bank", "send", "bob", "carol", "1useer", "--wait"},
                        net.dir + "/cli-send-" + std::to_string(i) + ".log");
            const auto at = sent.find(" in block ");
            REQUIRE_MESSAGE(at != std::string::npos, sent);
            const std::string h = sent.substr(at + 10, sent.find('\n', at) - at - 10);
            auto b = rpc_get(net.rpc(0), "/block?height=" + h);
            REQUIRE(b);
            proposers.insert(
                std::string(b->at("block").at("header").at("proposer_address").as_string()));
        }
        INFO("node 0 is " << node0);
        proposers.erase(node0);
        CHECK_FALSE(proposers.empty());  // some of the 8 were proposed by another validator
    }

    // 2. kill -9 one validator: the other three keep committing.
    net.nodes[3].kill9();
    const std::int64_t at_kill = net.height(0);
    CHECK(wait_until(std::chrono::seconds(60), [&] { return net.height(0) >= at_kill + 5; }));

    // 3. Restart it: it catches up (block sync) and signs again.
    auto status3 = rpc_get(net.rpc(0), "/status");
    REQUIRE(status3);
    net.start(3);
    REQUIRE(wait_until(std::chrono::seconds(90), [&] {
        const auto h = net.height(3);
        return h > 0 && h >= net.height(0) - 1;
    }));
    auto own = rpc_get(net.rpc(3), "/status");
    REQUIRE(own);
    const std::string addr3(own->at("validator_info").at("address").as_string());
    const std::int64_t rejoined = net.height(0);
    CHECK(wait_until(std::chrono::seconds(60), [&] {
        const auto top = net.height(0);
        for (auto h = rejoined + 1; h <= top; ++h) {
            auto b = rpc_get(net.rpc(0), "/block?height=" + std::to_string(h));
            if (!b) continue;
            for (const auto& sig : b->at("block").at("last_commit").at("signatures").as_array())
                if (sig.at("validator_address").as_string() == addr3) return true;
        }
        return false;
    }));

    // 4. Stop one validator for more than 50 blocks, restart it: it catches up.
    net.nodes[2].stop();
    const std::int64_t at_stop = net.height(0);
    REQUIRE(wait_until(std::chrono::seconds(150), [&] { return net.height(0) >= at_stop + 55; }));
    net.start(2);
    CHECK(wait_until(std::chrono::seconds(120), [&] {
        const auto h = net.height(2);
        return h > 0 && h >= net.height(0) - 1;
    }));

    // 5. Hostile connections on raw sockets: each is closed, and the node keeps committing.
    {
        const int fd = connect_local(net.p2p(0));
        REQUIRE(fd >= 0);
        std::string garbage(1024, '\0');
        std::mt19937 rng(7);
        for (auto& c : garbage)
            c = static_cast<char>(rng());
        ::send(fd, garbage.data(), garbage.size(), MSG_NOSIGNAL);
        CHECK(closed_by_peer(fd));
        ::close(fd);
    }
    {
        const int fd = connect_local(net.p2p(0));
        REQUIRE(fd >= 0);
        std::string hello = "SP2P" + std::string(32, '\0');  // low-order X25519 point
        ::send(fd, hello.data(), hello.size(), MSG_NOSIGNAL);
        CHECK(closed_by_peer(fd));
        ::close(fd);
    }
    {
        const int fd = connect_local(net.p2p(0));
        REQUIRE(fd >= 0);
        std::string hello = "SP2P";
        std::mt19937 rng(11);
        for (int i = 0; i < 32; ++i)
            hello.push_back(static_cast<char>(rng()));
        hello += std::string("\xff\xff\xff\xff", 4);  // an oversized frame length
        hello += std::string(64, 'x');
        ::send(fd, hello.data(), hello.size(), MSG_NOSIGNAL);
        CHECK(closed_by_peer(fd));
        ::close(fd);
    }
    {
        // A real handshake with the wrong chain ID: refused at the node-info exchange.
        auto status0 = rpc_get(net.rpc(0), "/status");
        REQUIRE(status0);
        const std::string id0(status0->at("node_info").at("id").as_string());
        p2p::Options o;
        o.listen = false;
        o.chain_id = "not-" + std::string(status0->at("node_info").at("network").as_string());
        o.moniker = "intruder";
        o.node_key = crypto::PrivateKey::generate();
        o.channels = {{0x20, 1024}};
        std::atomic<int> up{0};
        std::atomic<int> refused{0};
        p2p::Switch sw(o);
        p2p::Handlers h;
        h.on_peer_up = [&](const p2p::PeerId&, const p2p::NodeInfo&) { ++up; };
        h.on_handshake_failure = [&](const std::string&, const Error&) { ++refused; };
        h.on_peer_down = [&](const p2p::PeerId&, const Error&) { ++refused; };
        sw.set_handlers(std::move(h));
        REQUIRE(sw.start().ok());
        REQUIRE(sw.dial(id0 + "@127.0.0.1:" + std::to_string(net.p2p(0))).ok());
        CHECK(wait_until(std::chrono::seconds(10), [&] { return refused.load() > 0; }));
        CHECK(up.load() == 0);
        sw.stop();
    }
    // Hostile RPC requests against a real node: each gets an error or a closed connection, and
    // the node goes on answering and committing with its state unchanged by them.
    {
        // Future IDs in state (pruning may remove some meanwhile; none may appear).
        auto futures = [&] {
            auto body = http_get(net.api_base, "/seer/async/v1/futures?pagination.limit=1000");
            REQUIRE(body);
            std::set<std::string> ids;
            const json::value parsed = json::parse(*body);  // must outlive the loop
            for (const auto& f : parsed.at("futures").as_array())
                ids.insert(std::string(f.at("id").as_string()));
            return ids;
        };
        const auto futures_before = futures();
        auto raw = [&](const std::string& bytes) {
            const int fd = connect_local(net.rpc(0));
            if (fd < 0) return;
            ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
            char buf[4096];
            while (::recv(fd, buf, sizeof buf, 0) > 0) {
            }
            ::close(fd);
        };
        auto post = [&](const std::string& body) {
            raw("POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
                std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
        };
        for (const char* body :
             {"{", "[]", "null", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"nosuch\"}",
              "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"block\",\"params\":{\"height\":\"-5\"}}",
              "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"block\",\"params\":{\"height\":\"abc\"}}",
              "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"broadcast_tx_sync\",\"params\":{\"tx\":"
              "\"!!!\"}}",
              "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tx\",\"params\":{\"hash\":\"zz\"}}",
              "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"abci_query\",\"params\":{\"path\":"
              "\"async/future/1\",\"data\":\"xyz\"}}",
              "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"broadcast_tx_sync\",\"params\":{\"tx\":"
              "\"AAECAw==\"}}"})
            post(body);
        post(std::string(200, '[') + std::string(200, ']'));
        post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"status\",\"params\":\"" +
             std::string(3'000'000, 'a') + "\"}");
        raw("GET /block?height=99999999999999999999 HTTP/1.1\r\nHost: x\r\nConnection: "
            "close\r\n\r\n");
        raw("GARBAGE\r\n\r\n");
        raw(std::string(20000, 'X'));
        CHECK(rpc_get(net.rpc(0), "/health").has_value());
        CHECK(rpc_get(net.rpc(0), "/status").has_value());
        for (const auto& id : futures())  // no hostile request created a future
            CHECK(futures_before.count(id) == 1);
    }

    const std::int64_t after_hostile = net.height(0);
    CHECK(wait_until(std::chrono::seconds(60), [&] { return net.height(0) >= after_hostile + 3; }));
    for (int i = 0; i < k_nodes; ++i)
        CHECK(net.nodes[i].running());
}

}  // namespace
}  // namespace seer::e2e
