// CometBFT's metric names on real processes (issue 12): a 4-validator network serves every one
// of CometBFT v0.38.25's 58 metric names (docs/metrics/cometbft-v0.38.25-metric-names.txt) with
// the chain_id label of its chain, and the values that seer measures agree with what its RPC
// says (docs/metrics.md).

#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "network.hpp"

namespace seer::e2e {
namespace {

constexpr int k_nodes = 4;

struct Sample {
    std::string name;
    std::string labels;  // between the braces
    double value = 0;
};

/// The samples of a Prometheus text page, and the "# TYPE" of each family.
struct Scrape {
    std::vector<Sample> samples;
    std::map<std::string, std::string> types;

    explicit Scrape(const std::string& text) {
        std::istringstream in(text);
        std::string line;
        while (std::getline(in, line)) {
            if (line.rfind("# TYPE ", 0) == 0) {
                std::istringstream t(line.substr(7));
                std::string name, type;
                t >> name >> type;
                types[name] = type;
                continue;
            }
            if (line.empty() || line[0] == '#') continue;
            Sample s;
            const auto brace = line.find('{');
            const auto space = line.rfind(' ');
            if (space == std::string::npos) continue;
            if (brace != std::string::npos && brace < space) {
                s.name = line.substr(0, brace);
                s.labels = line.substr(brace + 1, line.rfind('}') - brace - 1);
            } else {
                s.name = line.substr(0, space);
            }
            s.value = std::stod(line.substr(space + 1));
            samples.push_back(std::move(s));
        }
    }
    /// The samples of a family (a histogram's _bucket, _sum and _count included).
    std::vector<const Sample*> of(const std::string& family) const {
        std::vector<const Sample*> out;
        for (const auto& s : samples)
            if (s.name == family || s.name == family + "_bucket" || s.name == family + "_sum" ||
                s.name == family + "_count")
                out.push_back(&s);
        return out;
    }
    /// The value of the sample of `name` whose labels contain `label` ("" for any), or -1.
    double value(const std::string& name, const std::string& label = "") const {
        for (const auto& s : samples)
            if (s.name == name && s.labels.find(label) != std::string::npos) return s.value;
        return -1;
    }
};

std::vector<std::string> cometbft_names() {
    std::ifstream in(SEER_METRIC_NAMES_FILE);
    std::vector<std::string> names;
    std::string line;
    while (std::getline(in, line))
        if (!line.empty()) names.push_back(line);
    return names;
}

struct MetricsNet : Network<k_nodes> {
    std::uint16_t metrics_port(int i) const { return static_cast<std::uint16_t>(base + 4 + 10 * i); }
    Scrape scrape(int i) const { return Scrape(http_get(metrics_port(i), "/metrics").value_or("")); }
};

TEST_CASE("e2e: the CometBFT metric names with chain_id") {
    const auto names = cometbft_names();
    REQUIRE(names.size() == 58);
    TempDir tmp("seer-metrics");
    REQUIRE(tmp.ok());
    MetricsNet net;
    net.dir = tmp.path();
    net.base = free_port_range(30 * k_nodes);
    REQUIRE(net.base != 0);
    net.api_base = static_cast<std::uint16_t>(net.base + 10 * k_nodes);
    Process gen;
    gen.start({SEER_BINARY, "testnet", "--validators", std::to_string(k_nodes), "--output",
               net.dir + "/net", "--starting-port", std::to_string(net.base),
               "--api-starting-port", std::to_string(net.api_base), "--grpc-starting-port",
               std::to_string(net.base + 20 * k_nodes)},
              net.dir + "/testnet.log");
    REQUIRE(gen.wait_exit(std::chrono::seconds(60)) == 0);
    for (int i = 0; i < k_nodes; ++i) net.start(i);
    REQUIRE(wait_until(std::chrono::seconds(120), [&] {
        for (int i = 0; i < k_nodes; ++i)
            if (net.height(i) < 3) return false;
        return true;
    }));
    // A tx, so the mempool's and the blocks' tx figures move.
    Cli cli(net.dir);
    int code = -1;
    const std::string sent = cli.run(net.rpc(0), {"tx", "bank", "send", "alice", "bob", "1useer", "--wait"}, &code);
    CHECK_MESSAGE(code == 0, sent);

    auto status = rpc_get(net.rpc(0), "/status");
    REQUIRE(status);
    const std::string chain_id(status->at("node_info").at("network").as_string());
    REQUIRE(!chain_id.empty());
    const std::string chain_label = "chain_id=\"" + chain_id + "\"";

    // Every name, with a sample carrying the chain's ID. The vote delays are set at the first
    // decision this node voted through with all prevotes in: wait for those a little.
    std::vector<std::string> missing;
    std::int64_t before = 0;
    std::optional<Scrape> page;
    wait_until(std::chrono::seconds(30), [&] {
        before = net.height(0);
        page.emplace(net.scrape(0));
        missing.clear();
        for (const auto& name : names) {
            bool found = false;
            for (const Sample* s : page->of(name))
                found = found || s->labels.find(chain_label) != std::string::npos;
            if (!found || !page->types.count(name)) missing.push_back(name);
        }
        return missing.empty();
    });
    const std::int64_t after = net.height(0);
    std::string list;
    for (const auto& m : missing) list += m + " ";
    REQUIRE_MESSAGE(missing.empty(), "missing or without " << chain_label << ": " << list);
    const Scrape& m = *page;
    // Every sample of every CometBFT family has the chain_id label, first.
    for (const auto& s : m.samples)
        if (s.name.rfind("cometbft_", 0) == 0) CHECK(s.labels.rfind(chain_label, 0) == 0);
    // seer's own metrics are still there.
    CHECK(m.value("seer_consensus_height") >= 1);

    // Types as CometBFT declares them.
    CHECK(m.types.at("cometbft_consensus_height") == "gauge");
    CHECK(m.types.at("cometbft_consensus_block_interval_seconds") == "histogram");
    CHECK(m.types.at("cometbft_consensus_chain_size_bytes") == "counter");
    CHECK(m.types.at("cometbft_abci_connection_method_timing_seconds") == "histogram");
    CHECK(m.types.at("cometbft_p2p_peer_receive_bytes_total") == "counter");

    // Heights: latest_block_height is the committed height the RPC reported around the scrape,
    // and height the one being decided (CometBFT's meaning).
    const double latest = m.value("cometbft_consensus_latest_block_height");
    CHECK(latest >= static_cast<double>(before));
    CHECK(latest <= static_cast<double>(after));
    CHECK(m.value("cometbft_consensus_height") == latest + 1);
    // The validator set of the genesis.
    const auto validators = rpc_get(net.rpc(0), "/validators");
    REQUIRE(validators);
    const auto& vals = validators->at("validators").as_array();
    double power = 0;
    for (const auto& v : vals) power += std::stod(std::string(v.at("voting_power").as_string()));
    CHECK(m.value("cometbft_consensus_validators") == static_cast<double>(vals.size()));
    CHECK(m.value("cometbft_consensus_validators") == k_nodes);
    CHECK(m.value("cometbft_consensus_validators_power") == power);
    const std::string own(status->at("validator_info").at("address").as_string());
    CHECK(m.value("cometbft_consensus_validator_power", "validator_address=\"" + own + "\"") ==
          std::stod(std::string(status->at("validator_info").at("voting_power").as_string())));
    CHECK(m.value("cometbft_consensus_validator_last_signed_height") >= 1);
    // Peers: the RPC's count, and bytes from each peer on the consensus channel.
    const auto net_info = rpc_get(net.rpc(0), "/net_info");
    REQUIRE(net_info);
    const double peers = std::stod(std::string(net_info->at("n_peers").as_string()));
    CHECK(peers == k_nodes - 1);
    CHECK(m.value("cometbft_p2p_peers") == peers);
    for (const auto& p : net_info->at("peers").as_array()) {
        const std::string id(p.at("node_info").at("id").as_string());
        CHECK(m.value("cometbft_p2p_peer_receive_bytes_total",
                      "peer_id=\"" + id + "\",chID=\"0x20\"") > 0);
        CHECK(m.value("cometbft_p2p_peer_send_bytes_total", "peer_id=\"" + id + "\",chID=\"0x20\"") >
              0);
    }
    CHECK(m.value("cometbft_p2p_message_receive_bytes_total", "message_type=\"consensus_Vote\"") > 0);
    // Measured figures that must have moved after a few blocks and one tx.
    CHECK(m.value("cometbft_consensus_block_interval_seconds_count") >= 1);
    CHECK(m.value("cometbft_consensus_chain_size_bytes") > 0);
    CHECK(m.value("cometbft_consensus_total_txs") >= 1);
    CHECK(m.value("cometbft_mempool_tx_size_bytes_count") >= 1);
    CHECK(m.value("cometbft_state_block_processing_time_count") >= 1);
    CHECK(m.value("cometbft_abci_connection_method_timing_seconds_count",
                  "method=\"finalize_block\",type=\"sync\"") >= 1);
    CHECK(m.value("cometbft_abci_connection_method_timing_seconds_count", "method=\"check_tx\"") >= 1);
    CHECK(m.value("cometbft_consensus_proposal_receive_count", "status=\"accepted\"") >= 1);
    CHECK(m.value("cometbft_consensus_vote_extension_receive_count", "status=\"accepted\"") >= 1);
    // What seer has no subsystem for, and what a healthy network shows.
    CHECK(m.value("cometbft_statesync_syncing") == 0);
    CHECK(m.value("cometbft_blocksync_syncing") == 0);
    CHECK(m.value("cometbft_consensus_byzantine_validators") == 0);
    CHECK(m.value("cometbft_state_validator_set_updates") == 0);

    // The height advances, on every node.
    REQUIRE(wait_until(std::chrono::seconds(30), [&] {
        return net.scrape(0).value("cometbft_consensus_latest_block_height") >= latest + 2;
    }));
    for (int i = 1; i < k_nodes; ++i) {
        const Scrape other = net.scrape(i);
        CHECK(other.value("cometbft_consensus_latest_block_height") >= latest);
        CHECK(other.value("cometbft_consensus_validators", chain_label) == k_nodes);
    }
}

}  // namespace
}  // namespace seer::e2e
