// Scale on real processes (issue 15): 16 validators on one machine commit 50 heights over a full
// mesh, and 16 more over a random topology where each node has 4 peers (so votes and proposals
// reach most nodes through relays). Every node must hold the same blocks, and a full mesh must
// cost each node far fewer bytes per height than the relay-everything gossip did (122-127 KB).
// And 4 validators whose every link goes through a delay proxy (100 ms each way): WAN latency
// between real processes without netem.

#include <doctest/doctest.h>

#include <memory>
#include <regex>
#include <string>

#include "delay_proxy.hpp"
#include "network.hpp"

namespace seer::e2e {
namespace {

constexpr int k_validators = 16;

/// A counter's value in Prometheus text ("name{labels} value" or "name value"), -1 if absent.
double metric(const std::string& text, const std::string& name) {
    const auto at = text.find("\n" + name + " ");
    return at == std::string::npos ? -1.0 : std::stod(text.substr(at + name.size() + 2));
}

struct ScaleNet : Network<k_validators> {
    std::uint16_t metrics_port(int i) const { return static_cast<std::uint16_t>(base + 4 + 10 * i); }
    std::string metrics(int i) const { return http_get(metrics_port(i), "/metrics").value_or(""); }
    /// A metric summed over all the nodes (an absent one counts -1, so a check for > 0 fails).
    double sum(const std::string& name) const {
        double total = 0;
        for (int i = 0; i < k_validators; ++i) total += metric(metrics(i), name);
        return total;
    }
    std::string block_hash(int i, std::int64_t h) const {
        auto r = rpc_get(rpc(i), "/block?height=" + std::to_string(h));
        return r ? std::string(r->at("block_id").at("hash").as_string()) : "";
    }
};

/// Writes and starts a 16-validator testnet with `topology` and 200 ms commit timeouts.
void start(ScaleNet& net, const std::string& dir, const std::string& topology) {
    net.dir = dir;
    net.base = free_port_range(30 * k_validators);
    REQUIRE(net.base != 0);
    net.api_base = static_cast<std::uint16_t>(net.base + 10 * k_validators);
    Process gen;
    gen.start({SEER_BINARY, "testnet", "--validators", std::to_string(k_validators), "--output",
               dir + "/net", "--starting-port", std::to_string(net.base), "--api-starting-port",
               std::to_string(net.api_base), "--grpc-starting-port",
               std::to_string(net.base + 20 * k_validators), "--topology", topology},
              dir + "/testnet.log");
    REQUIRE(gen.wait_exit(std::chrono::seconds(60)) == 0);
    // `seer show-node-id` prints node 0's ID, which its neighbours dial as a persistent peer.
    Process show;
    show.start({SEER_BINARY, "show-node-id", "--home", net.home(0)}, dir + "/node-id.txt");
    REQUIRE(show.wait_exit(std::chrono::seconds(30)) == 0);
    std::string id = read_file(dir + "/node-id.txt");
    while (!id.empty() && (id.back() == '\n' || id.back() == '\r')) id.pop_back();
    REQUIRE(id.size() == 40);
    CHECK(read_file(net.home(1) + "/config/config.toml").find(id + "@") != std::string::npos);
    for (int i = 0; i < k_validators; ++i) {
        const std::string path = net.home(i) + "/config/config.toml";
        std::string text = read_file(path);
        const auto at = text.find("\ntimeout_commit_ms = ");
        REQUIRE(at != std::string::npos);
        text.replace(at + 1, text.find('\n', at + 1) - at - 1, "timeout_commit_ms = 200");
        std::ofstream(path) << text;
    }
    for (int i = 0; i < k_validators; ++i) net.start(i);
}

/// Every node reaches `target`; then every node holds the same block at a few heights.
void check_chain(ScaleNet& net, std::int64_t target) {
    const bool all = wait_until(std::chrono::seconds(300), [&] {
        for (int i = 0; i < k_validators; ++i)
            if (net.height(i) < target) return false;
        return true;
    });
    std::string heights;
    for (int i = 0; i < k_validators; ++i) heights += std::to_string(net.height(i)) + " ";
    REQUIRE_MESSAGE(all, "every node reaches height " << target << "; heights " << heights);
    for (std::int64_t h : {std::int64_t{1}, target / 2, target}) {
        const std::string expected = net.block_hash(0, h);
        REQUIRE(!expected.empty());
        for (int i = 1; i < k_validators; ++i) CHECK(net.block_hash(i, h) == expected);
    }
}

TEST_CASE("e2e: 16 validators commit 50 heights, gossip linear in the validators") {
    TempDir tmp("seer-scale");
    REQUIRE(tmp.ok());
    ScaleNet net;
    start(net, tmp.path(), "full");
    check_chain(net, 50);
    // Bytes each node wrote to its peers per height: the old relay-everything gossip cost
    // 122-127 KB here; peer-state gossip sends each vote once per peer.
    const double bytes = net.sum("seer_p2p_send_bytes_total");
    REQUIRE(bytes > 0);
    std::int64_t heights = 0;
    for (int i = 0; i < k_validators; ++i) {
        const std::string m = net.metrics(i);
        heights = std::max<std::int64_t>(heights, static_cast<std::int64_t>(
                                                      metric(m, "seer_consensus_height")));
        // A full mesh: every node is connected to every other.
        CHECK(metric(m, "seer_p2p_peers") == k_validators - 1);
    }
    const double per_node_per_height = bytes / k_validators / static_cast<double>(heights);
    MESSAGE("bytes per node per height: " << per_node_per_height);
    CHECK(per_node_per_height < 60'000);
}

TEST_CASE("e2e: 16 validators on a random topology of degree 4 commit through relays") {
    TempDir tmp("seer-scale-random");
    REQUIRE(tmp.ok());
    ScaleNet net;
    start(net, tmp.path(), "random:4");
    check_chain(net, 20);
    // Votes reached nodes that are not direct peers of their authors: some node relayed.
    CHECK(net.sum("seer_consensus_gossip_total{kind=\"relayed_votes\"}") > 0);
    // The network is the topology written: no node is connected to all the others.
    for (int i = 0; i < k_validators; ++i) {
        const double peers = metric(net.metrics(i), "seer_p2p_peers");
        CHECK(peers >= 2);
        CHECK(peers < k_validators - 1);
    }
}

TEST_CASE("e2e: 4 validators behind 100 ms delay proxies commit, one height per 3 link hops") {
    constexpr int n = 4;
    constexpr auto k_delay = std::chrono::milliseconds(100);
    TempDir tmp("seer-wan");
    REQUIRE(tmp.ok());
    Network<n> net;
    net.dir = tmp.path();
    // One range for the nodes' ports and the proxies' (two calls would return the same range:
    // nothing is bound in between).
    net.base = free_port_range(30 * n + n * n);
    REQUIRE(net.base != 0);
    net.api_base = static_cast<std::uint16_t>(net.base + 10 * n);
    const auto proxy_base = static_cast<std::uint16_t>(net.base + 30 * n);
    Process gen;
    gen.start({SEER_BINARY, "testnet", "--validators", std::to_string(n), "--output",
               net.dir + "/net", "--starting-port", std::to_string(net.base),
               "--api-starting-port", std::to_string(net.api_base), "--grpc-starting-port",
               std::to_string(net.base + 20 * n)},
              net.dir + "/testnet.log");
    REQUIRE(gen.wait_exit(std::chrono::seconds(60)) == 0);
    // Node i dials only nodes j > i, each through its own proxy; no peer exchange, so no link
    // goes around the proxies.
    std::vector<std::unique_ptr<DelayProxy>> proxies;
    const std::regex peer_re("\"([0-9a-f]{40})@127\\.0\\.0\\.1:([0-9]+)\"");
    for (int i = 0; i < n; ++i) {
        const std::string path = net.home(i) + "/config/config.toml";
        std::string text = read_file(path);
        std::string peers;
        const auto line = text.find("\npersistent_peers = ");
        REQUIRE(line != std::string::npos);
        const auto end = text.find('\n', line + 1);
        const std::string old_line = text.substr(line + 1, end - line - 1);
        for (std::sregex_iterator it(old_line.begin(), old_line.end(), peer_re), last; it != last;
             ++it) {
            const int j = (std::stoi((*it)[2]) - net.base) / 10;
            if (j <= i) continue;
            const auto port = static_cast<std::uint16_t>(proxy_base + n * i + j);
            proxies.push_back(std::make_unique<DelayProxy>(port, net.p2p(j), k_delay));
            REQUIRE(proxies.back()->ok());
            peers += (peers.empty() ? "\"" : ", \"") + std::string((*it)[1]) + "@127.0.0.1:" +
                     std::to_string(port) + "\"";
        }
        text.replace(line + 1, end - line - 1, "persistent_peers = [" + peers + "]");
        for (const auto& [key, value] :
             {std::pair<std::string, std::string>{"timeout_commit_ms", "0"}, {"pex", "false"}}) {
            const auto at = text.find("\n" + key + " = ");
            REQUIRE(at != std::string::npos);
            text.replace(at + 1, text.find('\n', at + 1) - at - 1, key + " = " + value);
        }
        std::ofstream(path) << text;
    }
    REQUIRE(proxies.size() == n * (n - 1) / 2);
    for (int i = 0; i < n; ++i) net.start(i);

    REQUIRE(wait_until(std::chrono::seconds(120), [&] { return net.height(0) >= 3; }));
    const auto t0 = std::chrono::steady_clock::now();
    const std::int64_t h0 = net.height(0);
    const std::int64_t target = h0 + 8;
    REQUIRE(wait_until(std::chrono::seconds(120), [&] {
        for (int i = 0; i < n; ++i)
            if (net.height(i) < target) return false;
        return true;
    }));
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const std::int64_t h1 = net.height(0);
    // Every link was used, through its proxy.
    for (const auto& p : proxies) CHECK(p->connections() >= 1);
    // A height needs a proposal, +2/3 prevotes and +2/3 precommits, each one hop: at least
    // 3 x 100 ms. Without the proxies a height takes ~10-20 ms here.
    const double per_height_ms = 1000.0 * seconds / static_cast<double>(h1 - h0);
    MESSAGE("block interval behind 100 ms links: " << per_height_ms << " ms");
    CHECK(per_height_ms >= 2.5 * static_cast<double>(k_delay.count()));
    // And every node holds the same chain.
    for (std::int64_t h : {h0, target}) {
        auto expected = rpc_get(net.rpc(0), "/block?height=" + std::to_string(h));
        REQUIRE(expected);
        for (int i = 1; i < n; ++i) {
            auto b = rpc_get(net.rpc(i), "/block?height=" + std::to_string(h));
            REQUIRE(b);
            CHECK(b->at("block_id").at("hash") == expected->at("block_id").at("hash"));
        }
    }
    for (auto& node : net.nodes) node.stop();  // before the proxies go
}

}  // namespace
}  // namespace seer::e2e
