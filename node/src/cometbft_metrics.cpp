#include "cometbft_metrics.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <sstream>

#include "seer/consensus/driver.hpp"
#include "seer/consensus/state_machine.hpp"
#include "seer/p2p/switch.hpp"
#include "seer/store/block_store.hpp"
#include "timed_app.hpp"

namespace seer::node::detail {

namespace {

std::string escape_label(std::string_view v) {
    std::string out;
    for (char c : v) {
        if (c == '\\' || c == '"') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out;
}

void write_number(std::ostream& o, double v) {
    if (std::isnan(v)) {
        o << "NaN";
        return;
    }
    if (std::isinf(v)) {
        o << (v > 0 ? "+Inf" : "-Inf");
        return;
    }
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, v);  // shortest exact: heights stay whole
    o.write(buf, r.ptr - buf);
}

// CometBFT labels a channel as Go's "%#x" prints it.
std::string channel_label(std::uint8_t c) {
    static constexpr char k_hex[] = "0123456789abcdef";
    std::string s = "0x";
    if (c >= 16) s += k_hex[c >> 4];
    s += k_hex[c & 15];
    return s;
}

// message_kind's values; the names are CometBFT's message_type label style ("package_Type").
enum Kind : std::size_t {
    other_kind,
    proposal_kind,
    vote_kind,
    status_kind,
    block_request_kind,
    block_response_kind,
    txs_kind,
    output_request_kind,
    output_chunk_kind,
    pex_kind,
    kind_count
};
constexpr std::array<const char*, kind_count> k_kind_names{
    "other",          "consensus_Proposal",      "consensus_Vote",
    "consensus_Status", "consensus_BlockRequest", "consensus_BlockResponse",
    "mempool_Txs",    "async_OutputRequest",     "async_OutputChunk",
    "pex_Message"};
static_assert(kind_count <= p2p::k_max_message_kinds);

}  // namespace

MetricsText::MetricsText(std::ostream& out, std::string chain_id)
    : m_out(out), m_chain_id(escape_label(chain_id)) {}

void MetricsText::family(std::string_view name, std::string_view type, std::string_view help) {
    m_out << "# HELP " << k_metrics_namespace << '_' << name << ' ' << help << "\n# TYPE "
          << k_metrics_namespace << '_' << name << ' ' << type << '\n';
}

void MetricsText::labels(const Labels& extra, std::string_view le) {
    m_out << "{chain_id=\"" << m_chain_id << '"';
    for (const auto& [k, v] : extra) m_out << ',' << k << "=\"" << escape_label(v) << '"';
    if (!le.empty()) m_out << ",le=\"" << le << '"';
    m_out << '}';
}

void MetricsText::sample(std::string_view name, double value, const Labels& extra) {
    m_out << k_metrics_namespace << '_' << name;
    labels(extra);
    m_out << ' ';
    write_number(m_out, value);
    m_out << '\n';
}

void MetricsText::histogram_samples(std::string_view name, const Histogram::Snapshot& s,
                                    const Labels& extra) {
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < s.buckets.size(); ++i) {
        cumulative += s.buckets[i];
        std::ostringstream le;
        if (i < s.bounds.size())
            write_number(le, s.bounds[i]);
        else
            le << "+Inf";
        m_out << k_metrics_namespace << '_' << name << "_bucket";
        labels(extra, le.str());
        m_out << ' ' << cumulative << '\n';
    }
    m_out << k_metrics_namespace << '_' << name << "_sum";
    labels(extra);
    m_out << ' ';
    write_number(m_out, s.sum);
    m_out << '\n' << k_metrics_namespace << '_' << name << "_count";
    labels(extra);
    m_out << ' ' << s.count << '\n';
}

void MetricsText::histogram(std::string_view name, std::string_view help,
                            const Histogram::Snapshot& s, const Labels& extra) {
    family(name, "histogram", help);
    histogram_samples(name, s, extra);
}

std::size_t message_kind(const Channels& ch, std::uint8_t channel, ByteView m) {
    if (channel == p2p::k_pex_channel) return pex_kind;
    if (channel == ch.mempool) return txs_kind;
    if (channel == ch.outputs && !m.empty())
        return m[0] == 0x01 ? output_request_kind : m[0] == 0x02 ? output_chunk_kind : other_kind;
    if (channel != ch.consensus || m.empty()) return other_kind;
    // The ConsensusMessage oneof's field tags (proto/seer/consensus/v1/messages.proto).
    switch (m[0]) {
        case 0x0A: return proposal_kind;
        case 0x12: return vote_kind;
        case 0x1A: return status_kind;
        case 0x22: return block_request_kind;
        case 0x2A: return block_response_kind;
        default: return other_kind;
    }
}

namespace {

void write_gauge(MetricsText& out, std::string_view name, std::string_view help, double value,
                 const MetricsText::Labels& labels = {}) {
    out.family(name, "gauge", help);
    out.sample(name, value, labels);
}

void write_counter(MetricsText& out, std::string_view name, std::string_view help, double value,
                   const MetricsText::Labels& labels = {}) {
    out.family(name, "counter", help);
    out.sample(name, value, labels);
}

void write_vote_delay(MetricsText& out, std::string_view name, std::string_view help,
                      const consensus::DriverMetrics::VoteDelay& d) {
    out.family(name, "gauge", help);
    if (d.set) out.sample(name, d.seconds, {{"proposer_address", d.proposer}});
}

void write_validator_metrics(MetricsText& out, const consensus::Driver& driver) {
    const auto& vals = driver.validators();
    const auto& m = driver.metrics();
    write_gauge(out, "consensus_validators", "Number of validators.",
                static_cast<double>(vals.size()));
    write_gauge(out, "consensus_validators_power", "Total power of all validators.",
                static_cast<double>(vals.total_power()));
    // The per-validator families are this node's validator only, as CometBFT's.
    MetricsText::Labels own;
    std::int64_t own_power = 0;
    if (auto self = driver.self_index()) {
        own.emplace_back("validator_address", to_hex(vals.at(*self).address, true));
        own_power = vals.at(*self).voting_power;
    }
    out.family("consensus_validator_last_signed_height", "gauge",
               "Last height signed by this validator if the node is a validator.");
    if (!own.empty())
        out.sample("consensus_validator_last_signed_height",
                   static_cast<double>(m.own_last_signed_height), own);
    out.family("consensus_validator_power", "gauge", "Power of a validator.");
    if (!own.empty()) out.sample("consensus_validator_power", static_cast<double>(own_power), own);
    out.family("consensus_validator_missed_blocks", "gauge",
               "Amount of blocks missed per validator.");
    if (!own.empty())
        out.sample("consensus_validator_missed_blocks", static_cast<double>(m.own_missed_blocks),
                   own);
    write_gauge(out, "consensus_missing_validators", "Number of validators who did not sign.",
                static_cast<double>(m.missing_validators));
    write_gauge(out, "consensus_missing_validators_power", "Total power of the missing validators.",
                static_cast<double>(m.missing_power));
}

void write_block_metrics(MetricsText& out, const consensus::Driver& driver) {
    const auto& m = driver.metrics();
    const std::int64_t committed = driver.height();
    // CometBFT's height is the one being decided; latest_block_height the last committed.
    const auto* sm = driver.state_machine();
    write_gauge(out, "consensus_height", "Height of the chain.",
                static_cast<double>(sm ? sm->height() : committed + 1));
    write_gauge(out, "consensus_latest_block_height", "The latest block height.",
                static_cast<double>(committed));
    write_gauge(out, "consensus_num_txs", "Number of transactions.",
                static_cast<double>(m.block_txs));
    write_gauge(out, "consensus_block_size_bytes", "Size of the block.",
                static_cast<double>(m.block_bytes));
    write_counter(out, "consensus_chain_size_bytes", "Size of the chain in bytes.",
                  static_cast<double>(m.chain_bytes));
    write_gauge(out, "consensus_total_txs", "Total number of transactions.",
                static_cast<double>(m.total_txs));
    out.histogram("consensus_block_interval_seconds", "Time between this and the last block.",
                  m.block_interval_seconds.snapshot());
}

void write_round_metrics(MetricsText& out, const consensus::Driver& driver) {
    const auto& m = driver.metrics();
    write_gauge(out, "consensus_rounds", "Number of rounds.", m.rounds);
    out.histogram("consensus_round_duration_seconds", "Histogram of round duration.",
                  m.round_seconds.snapshot());
    out.family("consensus_step_duration_seconds", "histogram",
               "Histogram of durations for each step in the consensus protocol.");
    for (std::size_t i = 0; i < m.step_seconds.size(); ++i)
        out.histogram_samples("consensus_step_duration_seconds", m.step_seconds[i]->snapshot(),
                              {{"step", consensus::DriverMetrics::k_step_names[i]}});
    out.family("consensus_round_voting_power_percent", "gauge",
               "RoundVotingPowerPercent is the percentage of the total voting power received "
               "with a round. The value begins at 0 for each round and approaches 1.0 as "
               "additional voting power is observed. The metric is labeled by vote type.");
    out.sample("consensus_round_voting_power_percent",
               driver.round_power_fraction(consensus::VoteType::prevote),
               {{"vote_type", "prevote"}});
    out.sample("consensus_round_voting_power_percent",
               driver.round_power_fraction(consensus::VoteType::precommit),
               {{"vote_type", "precommit"}});
    write_vote_delay(out, "consensus_quorum_prevote_delay",
                     "Interval in seconds between the proposal timestamp and the timestamp of "
                     "the earliest prevote that achieved a quorum.",
                     m.quorum_prevote);
    write_vote_delay(out, "consensus_quorum_precommit_delay",
                     "Interval in seconds between the proposal timestamp and the timestamp of "
                     "the earliest precommit that achieved a quorum.",
                     m.quorum_precommit);
    write_vote_delay(out, "consensus_full_prevote_delay",
                     "Interval in seconds between the proposal timestamp and the timestamp of "
                     "the latest prevote in a round where all validators voted.",
                     m.full_prevote);
    write_gauge(out, "consensus_precommits_counted",
                "PrecommitsCounted is the number of precommit votes counted after the timeout "
                "commit period has ended.",
                static_cast<double>(m.precommits_counted));
    write_gauge(out, "consensus_precommits_staking_percentage",
                "PrecommitsStakingPercentage is the voting power percentage of precommit votes "
                "once the timeout commit period has ended.",
                m.precommits_power_percent);
}

void write_message_metrics(MetricsText& out, const consensus::Driver& driver,
                           const std::map<std::uint64_t, std::string>& peer_names) {
    const auto& m = driver.metrics();
    out.family("consensus_block_parts", "counter", "Number of block parts transmitted by each peer.");
    for (const auto& [id, n] : m.peer_proposals)
        if (auto it = peer_names.find(id); it != peer_names.end())
            out.sample("consensus_block_parts", static_cast<double>(n), {{"peer_id", it->second}});
    out.family("consensus_block_gossip_parts_received", "counter",
               "Number of block parts received by the node, separated by whether the part was "
               "relevant to the block the node is trying to gather or not.");
    out.sample("consensus_block_gossip_parts_received", static_cast<double>(m.proposals_current),
               {{"matches_current", "true"}});
    out.sample("consensus_block_gossip_parts_received", static_cast<double>(m.proposals_other),
               {{"matches_current", "false"}});
    write_counter(out, "consensus_duplicate_block_part",
                  "Number of times we received a duplicate block part",
                  static_cast<double>(m.duplicate_proposals));
    write_counter(out, "consensus_duplicate_vote", "Number of times we received a duplicate vote",
                  static_cast<double>(m.duplicate_votes));
    out.family("consensus_late_votes", "counter",
               "LateVotes stores the number of votes that were received by this node that "
               "correspond to earlier heights and rounds than this node is currently in.");
    out.sample("consensus_late_votes", static_cast<double>(m.late_prevotes),
               {{"vote_type", "prevote"}});
    out.sample("consensus_late_votes", static_cast<double>(m.late_precommits),
               {{"vote_type", "precommit"}});
    out.family("consensus_vote_extension_receive_count", "counter",
               "VoteExtensionReceiveCount is the number of vote extensions received by this "
               "node. The metric is annotated by the status of the vote extension from the "
               "application, either 'accepted' or 'rejected'.");
    out.sample("consensus_vote_extension_receive_count",
               static_cast<double>(m.extensions_accepted), {{"status", "accepted"}});
    out.sample("consensus_vote_extension_receive_count",
               static_cast<double>(m.extensions_rejected), {{"status", "rejected"}});
    out.family("consensus_proposal_receive_count", "counter",
               "ProposalReceiveCount is the total number of proposals received by this node "
               "since process start. The metric is annotated by the status of the proposal from "
               "the application, either 'accepted' or 'rejected'.");
    out.sample("consensus_proposal_receive_count", static_cast<double>(m.proposals_accepted),
               {{"status", "accepted"}});
    out.sample("consensus_proposal_receive_count", static_cast<double>(m.proposals_rejected),
               {{"status", "rejected"}});
    write_counter(out, "consensus_proposal_create_count",
                  "ProposalCreationCount is the total number of proposals created by this node "
                  "since process start.",
                  static_cast<double>(m.proposals_created));
}

void write_mempool_metrics(MetricsText& out, const consensus::Mempool& pool) {
    const auto& m = pool.metrics();
    write_gauge(out, "mempool_size", "Number of uncommitted transactions in the mempool.",
                static_cast<double>(pool.size()));
    write_gauge(out, "mempool_size_bytes", "Total size of the mempool in bytes.",
                static_cast<double>(pool.bytes()));
    out.histogram("mempool_tx_size_bytes", "Histogram of transaction sizes in bytes.",
                  m.tx_bytes.snapshot());
    write_counter(out, "mempool_failed_txs", "Number of failed transactions.",
                  static_cast<double>(m.failed));
    write_counter(out, "mempool_rejected_txs", "Number of rejected transactions.",
                  static_cast<double>(m.rejected));
    write_counter(out, "mempool_evicted_txs", "Number of evicted transactions.",
                  static_cast<double>(m.evicted));
    write_counter(out, "mempool_recheck_times",
                  "Number of times transactions are rechecked in the mempool.",
                  static_cast<double>(m.rechecks));
}

void write_blocksync_metrics(MetricsText& out, const consensus::Driver& driver) {
    const auto& m = driver.metrics();
    write_gauge(out, "blocksync_syncing", "Whether or not a node is block syncing. 1 if yes, 0 if no.",
                driver.syncing() ? 1 : 0);
    write_gauge(out, "blocksync_num_txs", "Number of transactions in the latest block.",
                static_cast<double>(m.synced_block_txs));
    write_gauge(out, "blocksync_total_txs", "Total number of transactions.",
                static_cast<double>(m.synced_total_txs));
    write_gauge(out, "blocksync_block_size_bytes", "Size of the latest block.",
                static_cast<double>(m.synced_block_bytes));
    write_gauge(out, "blocksync_latest_block_height", "The height of the latest block.",
                static_cast<double>(m.synced_height));
}

}  // namespace

void write_consensus_metrics(MetricsText& out, const consensus::Driver& driver,
                             const std::map<std::uint64_t, std::string>& peer_names,
                             const std::map<std::string, std::uint64_t>& peer_txs) {
    write_block_metrics(out, driver);
    write_validator_metrics(out, driver);
    write_round_metrics(out, driver);
    write_message_metrics(out, driver, peer_names);
    write_mempool_metrics(out, driver.mempool());
    out.histogram("state_block_processing_time", "Time spent processing FinalizeBlock",
                  driver.metrics().block_processing_ms.snapshot());
    write_blocksync_metrics(out, driver);
    out.family("p2p_num_txs", "gauge", "Number of transactions submitted by each peer.");
    for (const auto& [id, name] : peer_names) {
        auto it = peer_txs.find(name);
        out.sample("p2p_num_txs", it == peer_txs.end() ? 0 : static_cast<double>(it->second),
                   {{"peer_id", name}});
    }
}

void write_p2p_metrics(MetricsText& out, const std::vector<p2p::PeerInfo>& peers,
                       const p2p::Stats& stats) {
    write_gauge(out, "p2p_peers", "Number of peers.", static_cast<double>(peers.size()));
    out.family("p2p_peer_receive_bytes_total", "counter",
               "Number of bytes received from a given peer.");
    for (const auto& p : peers)
        for (const auto& c : p.channels)
            out.sample("p2p_peer_receive_bytes_total", static_cast<double>(c.received),
                       {{"peer_id", p.id}, {"chID", channel_label(c.channel)}});
    out.family("p2p_peer_send_bytes_total", "counter", "Number of bytes sent to a given peer.");
    for (const auto& p : peers)
        for (const auto& c : p.channels)
            out.sample("p2p_peer_send_bytes_total", static_cast<double>(c.sent),
                       {{"peer_id", p.id}, {"chID", channel_label(c.channel)}});
    out.family("p2p_peer_pending_send_bytes", "gauge", "Pending bytes to be sent to a given peer.");
    for (const auto& p : peers)
        out.sample("p2p_peer_pending_send_bytes", static_cast<double>(p.pending_send_bytes),
                   {{"peer_id", p.id}});
    out.family("p2p_message_receive_bytes_total", "counter",
               "Number of bytes of each message type received.");
    for (std::size_t k = 0; k < kind_count; ++k)
        out.sample("p2p_message_receive_bytes_total", static_cast<double>(stats.kind_bytes_in[k]),
                   {{"message_type", k_kind_names[k]}});
    out.family("p2p_message_send_bytes_total", "counter",
               "Number of bytes of each message type sent.");
    for (std::size_t k = 0; k < kind_count; ++k)
        out.sample("p2p_message_send_bytes_total", static_cast<double>(stats.kind_bytes_out[k]),
                   {{"message_type", k_kind_names[k]}});
}

void write_abci_metrics(MetricsText& out, const TimedApplication& app) {
    out.family("abci_connection_method_timing_seconds", "histogram", "Timing for each ABCI method.");
    for (std::size_t m = 0; m < TimedApplication::method_count; ++m)
        out.histogram_samples(
            "abci_connection_method_timing_seconds",
            app.timing(static_cast<TimedApplication::Method>(m)).snapshot(),
            {{"method", TimedApplication::k_method_names[m]}, {"type", "sync"}});
}

void write_constant_metrics(MetricsText& out) {
    // seer has no evidence module: blocks carry no evidence of double signing.
    write_gauge(out, "consensus_byzantine_validators",
                "Number of validators who tried to double sign.", 0);
    write_gauge(out, "consensus_byzantine_validators_power",
                "Total power of the byzantine validators.", 0);
    // The validator set and consensus params are fixed by genesis (ADR 0002).
    write_counter(out, "state_consensus_param_updates",
                  "Number of consensus parameter updates returned by the application since "
                  "process start.",
                  0);
    write_counter(out, "state_validator_set_updates",
                  "Number of validator set updates returned by the application since process "
                  "start.",
                  0);
    // seer gossips txs to every peer; CometBFT counts here only under its experimental
    // limit on tx gossip connections, which seer does not have.
    write_gauge(out, "mempool_active_outbound_connections",
                "Number of connections being actively used for gossiping transactions "
                "(experimental feature).",
                0);
    // seer has no state sync: a new node replays the chain from its peers.
    write_gauge(out, "statesync_syncing", "Whether or not a node is state syncing. 1 if yes, 0 if no.",
                0);
}

}  // namespace seer::node::detail
