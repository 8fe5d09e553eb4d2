#pragma once
// CometBFT v0.38's Prometheus metrics, under their names, types and labels, each with the
// chain_id label CometBFT gives every metric, so CometBFT dashboards and alerts work on seer
// (issue 12). docs/metrics.md says what each one measures in seer and which are constant.
// The node's own seer_* metrics are written by render_metrics in node.cpp.

#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "seer/common/bytes.hpp"
#include "seer/common/histogram.hpp"

namespace seer::consensus {
class Driver;
}
namespace seer::p2p {
struct PeerInfo;
struct Stats;
}  // namespace seer::p2p

namespace seer::node::detail {

class TimedApplication;

/// CometBFT's metric namespace ([instrumentation] namespace in its config.toml).
inline constexpr std::string_view k_metrics_namespace = "cometbft";

/// Writes families in the Prometheus text format, every sample with chain_id first.
class MetricsText {
public:
    using Labels = std::vector<std::pair<std::string_view, std::string>>;
    MetricsText(std::ostream& out, std::string chain_id);

    /// "# HELP" and "# TYPE" of `name` (without the namespace), once before its samples.
    void family(std::string_view name, std::string_view type, std::string_view help);
    void sample(std::string_view name, double value, const Labels& labels = {});
    /// A whole histogram family: HELP, TYPE, buckets, sum and count.
    void histogram(std::string_view name, std::string_view help, const Histogram::Snapshot& s,
                   const Labels& labels = {});
    /// The buckets, sum and count of one histogram whose family() was written.
    void histogram_samples(std::string_view name, const Histogram::Snapshot& s,
                           const Labels& labels);

private:
    void labels(const Labels& extra, std::string_view le = {});
    std::ostream& m_out;
    std::string m_chain_id;  // escaped
};

/// p2p message kinds (p2p::Options::message_kind), named as CometBFT's message_type label.
struct Channels {
    std::uint8_t consensus;
    std::uint8_t mempool;
    std::uint8_t outputs;
};
std::size_t message_kind(const Channels& channels, std::uint8_t channel, ByteView message);

/// Consensus thread: the consensus, mempool, state and blocksync families, and the p2p ones
/// that count by consensus peer. `peer_names`: the node IDs of the driver's peers;
/// `peer_txs`: txs received from each peer (by node ID).
void write_consensus_metrics(MetricsText& out, const consensus::Driver& driver,
                             const std::map<std::uint64_t, std::string>& peer_names,
                             const std::map<std::string, std::uint64_t>& peer_txs);
/// Any thread: the p2p families the switch counts.
void write_p2p_metrics(MetricsText& out, const std::vector<p2p::PeerInfo>& peers,
                       const p2p::Stats& stats);
/// Any thread: the ABCI method timing.
void write_abci_metrics(MetricsText& out, const TimedApplication& app);
/// The families seer has no subsystem for (docs/metrics.md, "Constant metrics").
void write_constant_metrics(MetricsText& out);

}  // namespace seer::node::detail
