#pragma once
// What the RPC and REST servers need from a node. node::Node implements it; tests use fakes.
// Every method may be called from any RPC thread: implementations read thread-safe stores or
// post to the consensus thread and wait (bounded). Callbacks of subscribe() run on a node
// thread and must not block: copy and post.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "seer/consensus/application.hpp"
#include "seer/consensus/types.hpp"
#include "seer/consensus/validator_set.hpp"

namespace seer::rpc {

using consensus::Hash;

struct StatusInfo {
    // node_info
    std::string node_id;
    std::string listen_addr;
    std::string network;  // chain ID
    std::string version;      // the CometBFT version seer speaks
    std::string app_version;  // seer's own
    std::string channels;     // hex of the p2p channel IDs
    std::string moniker;
    std::string rpc_address;
    // sync_info
    Hash latest_block_hash{};
    Hash latest_app_hash{};
    std::int64_t latest_block_height = 0;
    consensus::Timestamp latest_block_time = 0;
    Hash earliest_block_hash{};
    Hash earliest_app_hash{};
    std::int64_t earliest_block_height = 0;
    consensus::Timestamp earliest_block_time = 0;
    bool catching_up = false;
    // validator_info (zero power for a non-validator)
    consensus::Address validator_address{};
    crypto::PublicKey validator_pub_key{};
    std::int64_t voting_power = 0;
};

struct PeerView {
    std::string node_id;
    std::string moniker;
    std::string listen_addr;
    std::string remote_ip;
    bool outbound = false;
};

struct NetInfo {
    bool listening = true;
    std::vector<std::string> listeners;
    std::vector<PeerView> peers;
};

struct BlockView {
    Hash hash{};
    consensus::Block block;
    std::int64_t size_bytes = 0;
};

struct BlockResultsView {
    std::int64_t height = 0;
    std::vector<consensus::ExecTxResult> txs_results;
    std::vector<consensus::Event> finalize_block_events;
    Hash app_hash{};
};

struct TxView {
    Hash hash{};
    std::int64_t height = 0;
    std::uint32_t index = 0;
    Bytes tx;
    consensus::ExecTxResult result;
};

struct ConsensusParamsView {
    std::int64_t block_max_bytes = 0;
    std::int64_t block_max_gas = -1;
    std::int64_t vote_extensions_enable_height = 1;
};

struct MempoolView {
    std::int64_t n_txs = 0;
    std::int64_t total_bytes = 0;
    std::vector<Bytes> txs;  // up to the requested limit, FIFO
};

enum class BroadcastOutcome { added, rejected, duplicate, full, too_large };

struct BroadcastResult {
    BroadcastOutcome outcome = BroadcastOutcome::added;
    consensus::CheckTxResponse check;  // the application's answer, when it was asked
    Hash hash{};
};

/// One event on the node's bus: a committed block, or one of its txs. `attributes` holds the
/// composite keys queries match on: "tm.event" ("NewBlock" | "Tx"), "tx.hash", "tx.height",
/// "block.height", and "<event type>.<attribute key>" for every ABCI event (e.g.
/// "future_verified.id").
struct BusEvent {
    /// new_block_events: CometBFT v0.38's NewBlockEvents (height, FinalizeBlock events, tx
    /// count), published right after NewBlock with the same attributes but tm.event.
    enum class Kind { new_block, tx, new_block_events };
    Kind kind = Kind::new_block;
    std::shared_ptr<const BlockView> block;           // new_block, new_block_events
    std::shared_ptr<const BlockResultsView> results;  // new_block, new_block_events
    std::shared_ptr<const TxView> tx;                 // tx
    std::multimap<std::string, std::string> attributes;
};

/// One prophet handler's counters, for the dashboard (prophet::HandlerMetrics without the
/// prophet's header). Latency buckets are not cumulative; bucket i counts runs of at most
/// latency_bounds_ms[i], the last one those above every bound.
struct ProphetHandlerView {
    std::string name;
    bool external = false;
    unsigned concurrency = 0;
    std::size_t running = 0;
    std::size_t queued = 0;
    std::uint64_t executed = 0;
    std::uint64_t failed = 0;
    std::uint64_t verified = 0;
    std::uint64_t rejected = 0;
    std::uint64_t abstained = 0;
    std::uint64_t latency_count = 0;
    double latency_sum_ms = 0;
    std::vector<std::uint64_t> latency_buckets;
};

/// The prophet's queues and handlers now.
struct ProphetView {
    std::size_t queue_capacity = 0;
    std::size_t execution_queue_depth = 0;
    std::size_t verification_queue_depth = 0;
    std::size_t running = 0;
    std::uint64_t dropped_queue_full = 0;
    std::uint64_t dropped_store_full = 0;
    std::uint64_t expired = 0;
    std::vector<double> latency_bounds_ms;
    std::vector<ProphetHandlerView> handlers;  // by name
};

using SubscriptionId = std::uint64_t;

/// The node's event index: tx events (with their tx's height and index) and FinalizeBlock
/// events (height; index 0), by composite key "<type>.<attribute>".
enum class EventScope { tx, block };
/// Gets one entry's value, height and tx index; returns false to stop the scan.
using EventIndexVisitor =
    std::function<bool(std::string_view value, std::int64_t height, std::uint32_t index)>;

class NodeApi {
public:
    virtual ~NodeApi() = default;

    virtual StatusInfo status() = 0;
    virtual NetInfo net_info() = 0;
    virtual std::int64_t latest_height() = 0;
    virtual std::int64_t base_height() = 0;
    virtual std::optional<BlockView> block(std::int64_t height) = 0;
    virtual std::optional<BlockView> block_by_hash(const Hash& hash) = 0;
    /// The extended commit that decided block `height`.
    virtual std::optional<consensus::ExtendedCommit> commit(std::int64_t height) = 0;
    virtual std::optional<BlockResultsView> block_results(std::int64_t height) = 0;
    virtual consensus::ValidatorSet validators(std::int64_t height) = 0;
    virtual std::string genesis_json() = 0;
    virtual ConsensusParamsView consensus_params() = 0;

    virtual MempoolView unconfirmed_txs(std::size_t limit) = 0;
    /// check_tx, then into the mempool and gossip.
    virtual BroadcastResult broadcast_tx(Bytes tx) = 0;
    /// check_tx only; the mempool is not changed.
    virtual consensus::CheckTxResponse check_tx(Bytes tx) = 0;

    virtual std::optional<TxView> tx(const Hash& hash) = 0;
    virtual std::vector<TxView> txs_at_height(std::int64_t height) = 0;
    /// Visits the index entries of `key` whose value starts with `value_prefix`, in (value,
    /// height, index) order. Reads a store; safe from any thread.
    /// The bytes of an off-chain future output this node holds, by SHA-256 (any thread).
    virtual std::optional<Bytes> future_output(const Hash& sha256) = 0;
    virtual void scan_events(EventScope scope, std::string_view key, std::string_view value_prefix,
                             const EventIndexVisitor& visit) = 0;

    virtual consensus::InfoResponse abci_info() = 0;
    virtual consensus::QueryResponse abci_query(const consensus::QueryRequest& request) = 0;

    virtual SubscriptionId subscribe(std::function<void(const BusEvent&)> callback) = 0;
    virtual void unsubscribe(SubscriptionId id) = 0;

    /// The prophet's queues and handler latencies (thread-safe reads); nullopt when the node
    /// runs no prophet. Defaulted, so fakes that do not show a prophet need not override it.
    virtual std::optional<ProphetView> prophet_status() { return std::nullopt; }
};

}  // namespace seer::rpc
