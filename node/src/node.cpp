#include "seer/node/node.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <unordered_map>
#include <set>
#include <sstream>

#include "cometbft_metrics.hpp"
#include "seer/node/home_lock.hpp"
#include "noop_app.hpp"
#include "results_store.hpp"
#include "timed_app.hpp"
#include "tx_batch.hpp"
#include "seer/async/archive.hpp"
#include "seer/async/module.hpp"
#include "seer/async/outputs.hpp"
#include "seer/async/tx.hpp"
#include "seer/async/v1/async.pb.h"
#include "seer/common/check.hpp"
#include "seer/consensus/codec.hpp"
#include "seer/consensus/driver.hpp"
#include "seer/consensus/privval.hpp"
#include "seer/crypto/hash.hpp"
#include "seer/node/config.hpp"
#include "seer/node/genesis.hpp"
#include "seer/app/app.hpp"
#include "seer/app/tx.hpp"
#include "seer/bank/coins.hpp"
#include "seer/p2p/switch.hpp"
#include "seer/prophet/prophet.hpp"
#include "seer/rpc/node_api.hpp"
#ifndef SEER_NODE_RPC
#define SEER_NODE_RPC 0  // a build without the rpc library
#endif
#ifndef SEER_NODE_GRPC
#define SEER_NODE_GRPC 0
#endif
#if SEER_NODE_RPC
#include "seer/rpc/metrics_server.hpp"
#include "seer/rpc/rest_server.hpp"
#include "seer/rpc/server.hpp"
#endif
#if SEER_NODE_GRPC
#include "seer/grpc/server.hpp"
#endif
#include "seer/store/block_store.hpp"
#include "seer/store/durable_value.hpp"
#include "seer/store/kv.hpp"
#include "seer/store/wal.hpp"

namespace seer::node {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

constexpr p2p::ChannelId k_consensus_channel = 0x20;
constexpr p2p::ChannelId k_mempool_channel = 0x30;
// Off-chain outputs (docs/async.md, "Large outputs"): 0x01 | OutputRequest, 0x02 | OutputChunk.
constexpr p2p::ChannelId k_outputs_channel = 0x40;
constexpr std::uint8_t k_output_request = 0x01;
constexpr std::uint8_t k_output_chunk = 0x02;
// Outputs being fetched at once; more wait for the module's next call (at the next commit).
constexpr std::size_t k_max_output_fetches = 16;
// Output chunks (1 MiB each) served to one peer per second at most: a peer that asks faster, or
// stops reading, cannot fill our memory with queued chunks before its write times out.
constexpr int k_max_output_chunks_per_peer_second = 8;
// A fetcher asks one peer for its next chunk this long after the last (within that budget),
// asks every peer again after a stall, and gives up after so many stalls.
constexpr auto k_output_pace =
    std::chrono::milliseconds(1000 / k_max_output_chunks_per_peer_second + 5);
constexpr auto k_output_stall = std::chrono::seconds(3);
// How often a consensus stall is checked for and, while it lasts, logged with its cause.
constexpr auto k_stall_check = std::chrono::seconds(5);
constexpr int k_max_output_stalls = 20;

/// A message of the outputs channel: its type byte, then the protobuf.
Bytes output_message(std::uint8_t type, const google::protobuf::MessageLite& m) {
    Bytes out(1 + m.ByteSizeLong());
    out[0] = type;
    m.SerializeWithCachedSizesToArray(out.data() + 1);
    return out;
}
// Inputs waiting for the consensus thread. Beyond this, peer messages are dropped (counted):
// the consensus thread is behind and gossip will bring what matters again.
constexpr std::int64_t k_max_pending_inputs = 20000;
constexpr auto k_consensus_call_timeout = 5s;
constexpr const char* k_version = "0.1.0";
constexpr const char* k_cometbft_version = "0.38.25";

std::shared_ptr<spdlog::logger> log() {
    static std::shared_ptr<spdlog::logger> logger = [] {
        if (auto l = spdlog::get("node")) return l;
        auto l = spdlog::default_logger()->clone("node");
        spdlog::register_logger(l);
        return l;
    }();
    return logger;
}

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string host_port(const std::string& laddr) {
    auto hp = parse_laddr(laddr);
    SEER_CHECK(hp.ok());  // validated with the config
    return hp->host + ":" + std::to_string(hp->port);
}

}  // namespace

class NodeRuntime final : public rpc::NodeApi,
                          public consensus::Scheduler,
                          public consensus::Outbound {
public:
    NodeRuntime(std::string home, StartOptions options)
        : m_home(std::move(home)), m_start(options) {}

    Status open();
    Status run();

    // consensus::Scheduler (consensus thread)
    std::int64_t now_ms() override { return node::now_ms(); }
    void schedule(std::int64_t delay_ms, const consensus::TimerEvent& event) override {
        auto timer =
            std::make_shared<asio::steady_timer>(m_cio, std::chrono::milliseconds(delay_ms));
        timer->async_wait([this, timer, event](const boost::system::error_code& ec) {
            if (!ec && m_driver) m_driver->on_timer(event);
        });
    }

    // consensus::Outbound (consensus thread). Proposals and votes a peer already has (it sent
    // them to us, or we sent them to it) are not sent to it again.
    void broadcast(ByteView message) override {
        for (const auto& [id, name] : m_peer_names)
            send(id, message);
    }
    void send(consensus::PeerId peer, ByteView message) override {
        auto it = m_peer_names.find(peer);
        if (it == m_peer_names.end()) return;
        if (!mark_known(peer, message)) return;
        m_switch->send(it->second, k_consensus_channel, Bytes(message.begin(), message.end()));
    }

    // rpc::NodeApi (any thread)
    rpc::StatusInfo status() override;
    rpc::NetInfo net_info() override;
    std::int64_t latest_height() override { return blocks().height(); }
    std::int64_t base_height() override { return blocks().base(); }
    std::optional<rpc::BlockView> block(std::int64_t height) override;
    std::optional<rpc::BlockView> block_by_hash(const rpc::Hash& hash) override;
    std::optional<consensus::ExtendedCommit> commit(std::int64_t height) override;
    std::optional<rpc::BlockResultsView> block_results(std::int64_t height) override {
        return m_results->results(height);
    }
    consensus::ValidatorSet validators(std::int64_t height) override;
    std::string genesis_json() override { return m_genesis_text; }
    rpc::ConsensusParamsView consensus_params() override {
        return {m_genesis.max_block_bytes, m_genesis.max_block_gas,
                m_genesis.vote_extensions_enable_height};
    }
    rpc::MempoolView unconfirmed_txs(std::size_t limit) override;
    rpc::BroadcastResult broadcast_tx(Bytes tx) override;
    consensus::CheckTxResponse check_tx(Bytes tx) override;
    std::optional<rpc::TxView> tx(const rpc::Hash& hash) override;
    std::vector<rpc::TxView> txs_at_height(std::int64_t height) override;
    std::optional<Bytes> future_output(const crypto::Hash256& sha256) override {
        return m_outputs->get(sha256);
    }
    void scan_events(rpc::EventScope scope, std::string_view key, std::string_view value_prefix,
                     const rpc::EventIndexVisitor& visit) override {
        m_results->scan_events(scope, key, value_prefix, visit);
    }
    consensus::InfoResponse abci_info() override;
    consensus::QueryResponse abci_query(const consensus::QueryRequest& request) override;
    rpc::SubscriptionId subscribe(std::function<void(const rpc::BusEvent&)> callback) override;
    void unsubscribe(rpc::SubscriptionId id) override;

private:
    // Runs `f` on the consensus thread and waits for it (bounded).
    template <class F>
    auto on_consensus(F f) -> std::optional<decltype(f())> {
        using R = decltype(f());
        auto promise = std::make_shared<std::promise<R>>();
        auto future = promise->get_future();
        asio::post(m_cio, [promise, f = std::move(f)]() mutable { promise->set_value(f()); });
        if (future.wait_for(k_consensus_call_timeout) != std::future_status::ready)
            return std::nullopt;
        return future.get();
    }
    void post_input(std::function<void()> work);
    /// For proposals and votes (their ConsensusMessage tags 0x0A and 0x12): false when `peer`
    /// already has these exact bytes. Other messages (status, block sync) always go out.
    bool mark_known(consensus::PeerId peer, ByteView message);
    void on_peer_message(const p2p::PeerId& peer, p2p::ChannelId channel, ByteView bytes);
    /// Consensus thread: queues a tx for every peer but `from`, in that peer's batch; the
    /// batches go out when this run of the queue is done, or when one is full (tx_batch.hpp).
    void gossip_tx(ByteView tx, const std::string* from);
    void flush_tx_batches();
    void publish(const consensus::Block& block, const consensus::FinalizeBlockResponse& resp);
    prophet::Options prophet_options() const;
    std::string render_metrics();
    /// Consensus thread: every k_stall_check, a height not decided for stall_after() is logged
    /// with its cause (Driver::stall_cause), then again every k_stall_check while it lasts.
    void watch_stall();
    std::chrono::milliseconds stall_after() const;

    std::string m_home;
    StartOptions m_start;
    HomeLock m_home_lock;
    Config m_config;
    GenesisDoc m_genesis;
    std::string m_genesis_text;
    std::optional<crypto::PrivateKey> m_node_key;
    std::optional<crypto::PrivateKey> m_validator_key;
    bool m_is_validator = false;

    std::vector<std::string> m_columns;  // of m_kv
    std::unique_ptr<store::KvStore> m_kv;
    std::unique_ptr<store::WalMedium> m_wal;
    std::unique_ptr<store::DurableValue> m_sign_state;
    // The driver's block store; its reads are thread-safe (atomic heights, RocksDB gets).
    const store::BlockStore& blocks() const { return m_driver->blocks(); }
    std::unique_ptr<detail::ResultsStore> m_results;
    std::unique_ptr<async::Archive> m_archive;
    std::unique_ptr<async::OutputStore> m_outputs;
    // Consensus thread: off-chain outputs being fetched from peers, one chunk at a time.
    struct OutputFetch {
        std::uint64_t size = 0;
        Bytes bytes;               // received so far
        std::size_t asked_at = 0;  // bytes.size() when the last request went out
        std::string peer;          // the peer serving it, once one answered
        int stalls = 0;            // watchdog re-requests so far
    };
    void request_output_chunk(const crypto::Hash256& sha256, const std::string& peer);
    std::map<crypto::Hash256, OutputFetch> m_fetches;
    void fetch_output(const crypto::Hash256& sha256, std::uint64_t size);
    void on_output_message(const p2p::PeerId& peer, ByteView bytes);
    bool output_budget(const p2p::PeerId& peer);
    std::mutex m_serve_mutex;  // guards m_served (network threads)
    std::map<p2p::PeerId, std::pair<std::chrono::steady_clock::time_point, int>> m_served;
    // Consensus thread: the final futures of the block being finalized, from the module's
    // on_final, written with that block's results by on_block_finalized.
    std::int64_t m_final_height = 0;
    std::vector<Bytes> m_final_futures;
    std::unique_ptr<prophet::Prophet> m_prophet;
    std::unique_ptr<consensus::Application> m_app;
    const detail::TimedApplication* m_timed_app = nullptr;  // m_app, timed (ABCI metrics)

    asio::io_context m_cio;  // the consensus thread
    std::unique_ptr<consensus::Driver> m_driver;
    std::unique_ptr<p2p::Switch> m_switch;
#if SEER_NODE_RPC
    std::unique_ptr<rpc::Server> m_rpc;
    std::unique_ptr<rpc::RestServer> m_rest;
#endif
#if SEER_NODE_GRPC
    std::unique_ptr<grpc::GrpcServer> m_grpc;
#endif
#if SEER_NODE_RPC
    std::unique_ptr<rpc::MetricsServer> m_metrics;
#endif
    std::atomic<std::int64_t> m_pending{0};
    std::atomic<std::uint64_t> m_dropped_inputs{0};

    // Consensus thread only.
    std::int64_t m_stall_height = -1;
    std::chrono::steady_clock::time_point m_stall_since{};
    bool m_stalled = false;
    std::map<std::string, consensus::PeerId> m_peer_ids;
    std::map<consensus::PeerId, std::string> m_peer_names;
    std::map<std::string, detail::TxBatch> m_tx_out;  // consensus thread: txs to gossip, per peer
    bool m_tx_flush_posted = false;
    std::map<consensus::PeerId, std::set<crypto::Hash256>> m_known;  // bounded, see mark_known
    std::map<std::string, std::uint64_t> m_peer_txs;  // txs received from each peer (p2p_num_txs)
    consensus::PeerId m_next_peer = 1;

    // Answers of queries on the latest state, valid while the app's committed height stays the
    // same: a query repeated within a height is answered on the RPC thread, without waiting for
    // the consensus thread (issue 10). Cleared at every new height; bounded.
    static constexpr std::size_t k_max_cached_queries = 4096;
    std::atomic<std::int64_t> m_app_height{0};  // set on the consensus thread after each commit
    std::mutex m_query_cache_mutex;
    std::int64_t m_query_cache_height = -1;
    std::unordered_map<std::string, consensus::QueryResponse> m_query_cache;

    std::mutex m_subs_mutex;
    std::map<rpc::SubscriptionId, std::function<void(const rpc::BusEvent&)>> m_subs;
    rpc::SubscriptionId m_next_sub = 1;

public:
    // rpc::NodeApi (any thread): the dashboard's prophet panel (docs/dashboard.md).
    std::optional<rpc::ProphetView> prophet_status() override;
};

Status NodeRuntime::open() {
    auto config = load_config(m_home + "/config/config.toml", m_start.config_overrides);
    if (!config) return config.error();
    m_config = std::move(*config);
    auto level = spdlog::level::from_str(m_config.log_level);
    spdlog::set_level(level);

    {
        std::ifstream in(m_home + "/config/genesis.json");
        std::stringstream ss;
        ss << in.rdbuf();
        m_genesis_text = ss.str();
    }
    auto genesis = parse_genesis(m_genesis_text);
    if (!genesis) return genesis.error();
    m_genesis = std::move(*genesis);
    auto node_key = load_node_key(m_home + "/config/node_key.json");
    if (!node_key) return node_key.error();
    m_node_key = *node_key;
    auto val_key = load_priv_validator_key(m_home + "/config/priv_validator_key.json");
    if (!val_key) return val_key.error();
    m_validator_key = *val_key;
    const auto val_address = crypto::address_of(m_validator_key->public_key());
    for (const auto& v : m_genesis.validators)
        m_is_validator |= v.address == val_address;
    auto app_genesis = app::parse_app_state(m_genesis.app_state_json);
    if (!app_genesis) return app_genesis.error();
    auto min_gas_prices = bank::parse_gas_prices(m_config.min_gas_prices);
    if (!min_gas_prices) return make_error("bad_config", "min_gas_prices: " + min_gas_prices.error().message);

    {
        const std::string data = m_home + "/data";
        std::error_code ec;
        if (std::filesystem::exists(data, ec) && !std::filesystem::is_directory(data, ec))
            return make_error("bad_home", data + " is not a directory");
        std::filesystem::create_directories(data, ec);
        if (ec) return make_error("bad_home", "cannot create " + data + ": " + ec.message());
        auto lock = HomeLock::acquire(data);
        if (!lock) return lock.error();
        m_home_lock = std::move(*lock);
    }
    // The sign state is what keeps a validator from signing twice: `seer init` and `seer
    // testnet` write it, and a node never re-creates a lost one by itself (CometBFT does, and
    // a restored backup or a wiped data/ then double-signs).
    const std::string sign_state_path = m_home + "/data/priv_validator_state.json";
    const bool reset_sign_state = !std::filesystem::exists(sign_state_path);
    if (reset_sign_state) {
        if (!m_start.unsafe_reset_sign_state)
            return make_error("no_sign_state",
                              sign_state_path +
                                  " is missing: this node cannot know what it signed last, so "
                                  "it refuses to sign. Restore the file, or start once with "
                                  "--unsafe-reset-sign-state if this key has not signed beyond "
                                  "the last stored block anywhere");
        spdlog::warn("--unsafe-reset-sign-state: starting without a sign state");
    }
    m_columns = {"blocks",
                 "state",
                 std::string(async::k_app_column),
                 std::string(detail::k_results_column),
                 std::string(detail::k_txindex_column),
                 std::string(detail::k_eventindex_column),
                 std::string(async::k_archive_column),
                 std::string(async::k_outputs_column)};
    m_kv = store::open_rocksdb(m_home + "/data/seer.db", m_columns);
    {
        // The genesis this data directory was started with (as CometBFT's genesisDocHash): a
        // chain_id, initial height or params edited over an existing database would otherwise
        // stall with no error, or run a different chain on the old state.
        const std::string key = "seer/node/genesis-sha256";
        const auto now = crypto::sha256(as_bytes(m_genesis_text));
        const auto stored = m_kv->get("state", as_bytes(key));
        if (!stored) {
            store::WriteBatch batch;
            batch.put("state", as_bytes(key), ByteView(now.data(), now.size()));
            m_kv->write(batch, true);
        } else if (!std::equal(stored->begin(), stored->end(), now.begin(), now.end())) {
            return make_error("genesis_mismatch",
                              m_home + "/config/genesis.json (sha256 " + to_hex(now) +
                                  ", chain_id " + m_genesis.chain_id +
                                  ") is not the genesis this data directory was started with "
                                  "(sha256 " + to_hex(*stored) +
                                  "); restore it, or start a new chain with an empty data/");
        }
    }
    m_wal = store::open_wal_file(m_home + "/data/cs.wal");
    m_sign_state = store::make_file_value(sign_state_path);
    if (reset_sign_state) {
        // --unsafe-reset-sign-state (checked above): never below what is stored, as every
        // block there was decided with this key's votes or without them, but never undone.
        consensus::LastSignState reset;
        reset.height = store::BlockStore(*m_kv).height();
        m_sign_state->store(as_bytes(consensus::encode_sign_state_json(reset)));
        spdlog::warn("sign state re-created at height {}", reset.height);
    }
    m_results = std::make_unique<detail::ResultsStore>(*m_kv);
    async::ArchiveOptions ao;
    ao.keep_blocks = m_config.async_archive_blocks;
    m_archive = std::make_unique<async::Archive>(*m_kv, ao);
    m_outputs = async::make_output_store(*m_kv);

    if (m_config.prophet_enabled) {
        auto p = prophet::make_prophet(prophet_options());
        if (!p) return make_error("bad_config", "[prophet]: " + p.error().message);
        m_prophet = std::move(*p);
    }
    app::AppOptions ao_app;
    ao_app.chain_id = m_genesis.chain_id;
    ao_app.min_gas_prices = std::move(*min_gas_prices);
    ao_app.max_block_gas = m_genesis.max_block_gas;
    async::ModuleOptions& mo = ao_app.async;
    mo.prophet = m_prophet.get();
    mo.estimate_deadlines = true;
    if (m_is_validator) mo.validator_address = val_address;
    mo.outputs = m_outputs.get();
    mo.fetch_output = [this](const crypto::Hash256& sha256, std::uint64_t size) {
        fetch_output(sha256, size);
    };
    mo.on_final = [this](std::int64_t height, std::vector<Bytes> records) {
        m_final_height = height;
        m_final_futures = std::move(records);
    };
    if (m_config.proxy_app == "noop")
        m_app = std::make_unique<detail::NoopApp>();
    else
        m_app = app::make_app(std::move(ao_app), *app_genesis, *m_kv);
    return {};
}

prophet::Options NodeRuntime::prophet_options() const {
    prophet::Options o;
    o.workers = static_cast<unsigned>(m_config.prophet_workers);
    o.external_workers = static_cast<unsigned>(m_config.prophet_external_workers);
    o.max_running_per_account = static_cast<unsigned>(m_config.prophet_max_running_per_account);
    for (const auto& [handler, limit] : m_config.prophet_concurrency)
        o.concurrency[handler] = static_cast<unsigned>(limit);
    o.queue_capacity = static_cast<std::size_t>(m_config.prophet_queue_capacity);
    o.enabled = m_config.prophet_handlers;
    o.default_timeout = std::chrono::milliseconds(m_config.prophet_default_timeout_ms);
    o.http.allowlist = m_config.http_allowlist;
    o.http.timeout = std::chrono::milliseconds(m_config.http_timeout_ms);
    o.http.max_response_bytes = static_cast<std::size_t>(m_config.http_max_response_bytes);
    o.http.tolerance = m_config.http_tolerance;
    for (const auto& e : m_config.exec) {
        prophet::ExecProgram p;
        p.name = e.name;
        p.argv = e.argv;
        p.verify_argv = e.verify_argv;
        p.timeout = std::chrono::milliseconds(e.timeout_ms);
        p.max_output_bytes = static_cast<std::size_t>(e.max_output_bytes);
        p.limits.cpu = std::chrono::milliseconds(e.max_cpu_ms);
        p.limits.memory_bytes = static_cast<std::uint64_t>(e.max_memory_bytes);
        p.limits.file_bytes = static_cast<std::uint64_t>(e.max_file_bytes);
        p.limits.open_files = static_cast<std::uint64_t>(e.max_open_files);
        o.exec.push_back(std::move(p));
    }
    return o;
}

std::chrono::milliseconds NodeRuntime::stall_after() const {
    // Well past a normal height, round changes included, and never under 10 s.
    return std::max<std::chrono::milliseconds>(
        std::chrono::seconds(10),
        std::chrono::milliseconds(3 * (m_config.timeout_propose_ms + m_config.timeout_commit_ms)));
}

void NodeRuntime::watch_stall() {
    const auto now = std::chrono::steady_clock::now();
    const std::int64_t h = m_driver->height();
    if (h != m_stall_height) {
        if (m_stalled) {
            log()->info("consensus resumed height={} after {} s", h,
                        std::chrono::duration_cast<std::chrono::seconds>(now - m_stall_since).count());
        }
        m_stall_height = h;
        m_stall_since = now;
        m_stalled = false;
    } else if (now - m_stall_since >= stall_after()) {
        m_stalled = true;
        log()->warn("consensus stalled height={} for={}s: {}", h + 1,
                    std::chrono::duration_cast<std::chrono::seconds>(now - m_stall_since).count(),
                    m_driver->stall_cause());
    }
    auto timer = std::make_shared<asio::steady_timer>(m_cio, k_stall_check);
    timer->async_wait([this, timer](const boost::system::error_code& ec) {
        if (!ec) watch_stall();
    });
}

void NodeRuntime::post_input(std::function<void()> work) {
    if (m_pending.load(std::memory_order_relaxed) >= k_max_pending_inputs) {
        const auto n = ++m_dropped_inputs;
        if ((n & (n - 1)) == 0) log()->warn("consensus input queue full, dropped={}", n);
        return;
    }
    ++m_pending;
    asio::post(m_cio, [this, work = std::move(work)] {
        --m_pending;
        work();
    });
}

bool NodeRuntime::mark_known(consensus::PeerId peer, ByteView message) {
    constexpr std::size_t k_max_known = 20000;  // per peer; cleared when full
    if (message.empty() || (message[0] != 0x0A && message[0] != 0x12)) return true;
    auto& known = m_known[peer];
    if (known.size() >= k_max_known) known.clear();
    return known.insert(crypto::sha256(message)).second;
}

void NodeRuntime::fetch_output(const crypto::Hash256& sha256, std::uint64_t size) {
    // The node drives a fetch once it started (the module may forget the future meanwhile).
    if (m_outputs->has(sha256) || m_fetches.count(sha256)) return;
    if (m_fetches.size() >= k_max_output_fetches) return;  // asked again at the next commit
    m_fetches.emplace(sha256, OutputFetch{size, {}, 0, {}, 0});
    request_output_chunk(sha256, "");
}

void NodeRuntime::request_output_chunk(const crypto::Hash256& sha256, const std::string& peer) {
    // Consensus thread. To `peer`, or to every peer when it is empty (a new fetch, or a stall).
    auto it = m_fetches.find(sha256);
    if (it == m_fetches.end()) return;
    OutputFetch& f = it->second;
    if (peer.empty()) f.peer.clear();
    f.asked_at = f.bytes.size();
    async::v1::OutputRequest req;
    req.set_sha256(std::string(sha256.begin(), sha256.end()));
    req.set_offset(f.bytes.size());
    Bytes msg = output_message(k_output_request, req);
    if (peer.empty())
        m_switch->broadcast(k_outputs_channel, msg);
    else
        m_switch->send(peer, k_outputs_channel, std::move(msg));
    // Watchdog: no chunk for this request in time, ask everyone again; give up after a while.
    const std::size_t asked = f.bytes.size();
    auto timer = std::make_shared<asio::steady_timer>(m_cio, k_output_stall);
    timer->async_wait([this, timer, sha256, asked](const boost::system::error_code& ec) {
        if (ec) return;
        auto fetch = m_fetches.find(sha256);
        if (fetch == m_fetches.end() || fetch->second.bytes.size() != asked ||
            fetch->second.asked_at != asked)
            return;  // progressed, or done
        if (++fetch->second.stalls > k_max_output_stalls) {
            log()->info("giving up fetching output sha256={} after {} stalls",
                        to_hex(sha256).substr(0, 12), fetch->second.stalls - 1);
            m_fetches.erase(fetch);
            return;
        }
        request_output_chunk(sha256, "");
    });
}

bool NodeRuntime::output_budget(const p2p::PeerId& peer) {
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(m_serve_mutex);
    if (m_served.size() > 4096) m_served.clear();  // peers come and go; the map stays bounded
    auto& [start, count] = m_served[peer];
    if (now - start >= std::chrono::seconds(1)) {
        start = now;
        count = 0;
    }
    return ++count <= k_max_output_chunks_per_peer_second;
}

void NodeRuntime::on_output_message(const p2p::PeerId& peer, ByteView bytes) {
    // Network thread. A request is served from the store here; a chunk goes to the consensus
    // thread, which owns the fetches. Malformed messages are dropped (the peer gains nothing).
    if (bytes.empty()) return;
    if (bytes[0] == k_output_request) {
        async::v1::OutputRequest req;
        if (!m_config.async_serve_outputs ||
            !req.ParseFromArray(bytes.data() + 1, static_cast<int>(bytes.size() - 1)))
            return;
        auto h = to_array<32>(as_bytes(req.sha256()));
        if (!h || req.offset() % async::k_output_chunk_bytes != 0 || !output_budget(peer)) return;
        auto c = m_outputs->chunk(
            *h, static_cast<std::uint32_t>(req.offset() / async::k_output_chunk_bytes));
        if (!c) return;
        async::v1::OutputChunk chunk;
        chunk.set_sha256(req.sha256());
        chunk.set_offset(req.offset());
        chunk.set_total_size(c->first);
        chunk.set_data(std::string(c->second.begin(), c->second.end()));
        m_switch->send(peer, k_outputs_channel, output_message(k_output_chunk, chunk));
        return;
    }
    if (bytes[0] != k_output_chunk) return;
    auto chunk = std::make_shared<async::v1::OutputChunk>();
    if (!chunk->ParseFromArray(bytes.data() + 1, static_cast<int>(bytes.size() - 1))) return;
    post_input([this, peer, chunk] {
        auto h = to_array<32>(as_bytes(chunk->sha256()));
        if (!h) return;
        auto it = m_fetches.find(*h);
        if (it == m_fetches.end()) return;
        OutputFetch& f = it->second;
        if (!f.peer.empty() && f.peer != peer) return;  // another peer's copy of the same chunk
        if (chunk->offset() != f.bytes.size() || chunk->total_size() != f.size ||
            chunk->data().empty() || f.bytes.size() + chunk->data().size() > f.size)
            return;
        f.peer = peer;
        f.bytes.insert(f.bytes.end(), chunk->data().begin(), chunk->data().end());
        if (f.bytes.size() == f.size) {
            if (crypto::sha256(f.bytes) == *h) {
                m_outputs->put(*h, f.bytes);
                log()->info("fetched output sha256={} size={} peer={}", to_hex(*h).substr(0, 12),
                            f.size, peer);
            } else {
                log()->warn("output from peer={} does not match its hash; dropped", peer);
            }
            m_fetches.erase(it);
            return;
        }
        // The next chunk from the same peer, paced within its serving budget.
        f.asked_at = f.bytes.size() + 1;  // not a stall: a request is scheduled
        auto timer = std::make_shared<asio::steady_timer>(m_cio, k_output_pace);
        timer->async_wait([this, timer, h = *h, peer](const boost::system::error_code& ec) {
            if (!ec) request_output_chunk(h, peer);
        });
    });
}

void NodeRuntime::on_peer_message(const p2p::PeerId& peer, p2p::ChannelId channel, ByteView bytes) {
    if (channel == k_outputs_channel) return on_output_message(peer, bytes);
    Bytes copy(bytes.begin(), bytes.end());
    post_input([this, peer, channel, copy = std::move(copy)] {
        if (!m_driver) return;
        auto it = m_peer_ids.find(peer);
        if (it == m_peer_ids.end()) return;  // went down meanwhile
        if (channel == k_consensus_channel) {
            mark_known(it->second, copy);  // it has what it sent us
            if (auto s = m_driver->on_message(it->second, copy); !s)
                m_switch->report_misbehaviour(peer, s.error());
            return;
        }
        if (channel == k_mempool_channel) {
            auto txs = detail::decode_tx_batch(copy);
            if (!txs) {
                m_switch->report_misbehaviour(
                    peer, make_error("bad_tx_batch", "mempool message is not a Txs batch"));
                return;
            }
            m_peer_txs[peer] += txs->size();
            for (ByteView tx : *txs) {
                if (m_driver->submit_tx(Bytes(tx.begin(), tx.end())) !=
                    consensus::MempoolAddResult::added)
                    continue;
                gossip_tx(tx, &peer);  // on to the other peers, never back to its sender
            }
        }
    });
}

void NodeRuntime::gossip_tx(ByteView tx, const std::string* from) {
    for (const auto& [name, id] : m_peer_ids) {
        if (from && name == *from) continue;
        detail::TxBatch& batch = m_tx_out[name];
        if (!batch.empty() && batch.size_with(tx.size()) > detail::k_tx_batch_bytes)
            m_switch->send(name, k_mempool_channel, batch.take());
        batch.add(tx);
    }
    if (m_tx_flush_posted) return;
    m_tx_flush_posted = true;
    // Behind every input already queued: the txs those inputs gossip join the same batches.
    asio::post(m_cio, [this] { flush_tx_batches(); });
}

void NodeRuntime::flush_tx_batches() {
    m_tx_flush_posted = false;
    for (auto it = m_tx_out.begin(); it != m_tx_out.end();) {
        if (!m_peer_ids.count(it->first)) {  // went down meanwhile
            it = m_tx_out.erase(it);
            continue;
        }
        if (!it->second.empty()) m_switch->send(it->first, k_mempool_channel, it->second.take());
        ++it;
    }
}

void NodeRuntime::publish(const consensus::Block& b, const consensus::FinalizeBlockResponse& resp) {
    std::vector<std::function<void(const rpc::BusEvent&)>> subs;
    {
        std::lock_guard lock(m_subs_mutex);
        for (const auto& [id, cb] : m_subs)
            subs.push_back(cb);
    }
    if (subs.empty()) return;
    auto view = std::make_shared<rpc::BlockView>();
    view->block = b;
    view->hash = consensus::block_hash(b.header);
    view->size_bytes = static_cast<std::int64_t>(consensus::encode(b).size());
    auto results = std::make_shared<rpc::BlockResultsView>();
    results->height = b.header.height;
    results->txs_results = resp.tx_results;
    results->finalize_block_events = resp.events;
    results->app_hash = resp.app_hash;
    rpc::BusEvent nb;
    nb.kind = rpc::BusEvent::Kind::new_block;
    nb.block = view;
    nb.results = results;
    nb.attributes.emplace("tm.event", "NewBlock");
    nb.attributes.emplace("block.height", std::to_string(b.header.height));
    for (const auto& e : resp.events)
        for (const auto& a : e.attributes)
            nb.attributes.emplace(e.type + "." + a.key, a.value);
    for (const auto& cb : subs)
        cb(nb);
    rpc::BusEvent nbe = nb;
    nbe.kind = rpc::BusEvent::Kind::new_block_events;
    nbe.attributes.erase("tm.event");
    nbe.attributes.emplace("tm.event", "NewBlockEvents");
    for (const auto& cb : subs)
        cb(nbe);
    for (std::size_t i = 0; i < b.txs.size(); ++i) {
        auto tx = std::make_shared<rpc::TxView>();
        tx->hash = async::tx_hash(b.txs[i]);
        tx->height = b.header.height;
        tx->index = static_cast<std::uint32_t>(i);
        tx->tx = b.txs[i];
        tx->result = resp.tx_results[i];
        rpc::BusEvent te;
        te.kind = rpc::BusEvent::Kind::tx;
        te.tx = tx;
        te.attributes.emplace("tm.event", "Tx");
        te.attributes.emplace("tx.hash", to_hex(tx->hash, true));
        te.attributes.emplace("tx.height", std::to_string(b.header.height));
        for (const auto& e : tx->result.events)
            for (const auto& a : e.attributes)
                te.attributes.emplace(e.type + "." + a.key, a.value);
        for (const auto& cb : subs)
            cb(te);
    }
}

Status NodeRuntime::run() {
    // Driver.
    consensus::DriverOptions d;
    d.chain_id = m_genesis.chain_id;
    d.initial_height = m_genesis.initial_height;
    d.genesis_time = m_genesis.genesis_time;
    for (const auto& v : m_genesis.validators)
        d.genesis_validators.push_back({v.address, v.pub_key, v.power, 0});
    d.timeouts =
        consensus::TimeoutParams{m_config.timeout_propose_ms,   m_config.timeout_propose_delta_ms,
                                 m_config.timeout_prevote_ms,   m_config.timeout_prevote_delta_ms,
                                 m_config.timeout_precommit_ms, m_config.timeout_precommit_delta_ms,
                                 m_config.timeout_commit_ms};
    d.max_block_bytes = m_genesis.max_block_bytes;
    d.max_message_bytes = m_genesis.max_block_bytes + (1 << 20);
    d.gossip_interval_ms = m_config.gossip_interval_ms;
    d.mempool.max_txs = static_cast<std::size_t>(m_config.mempool_size);
    d.mempool.max_bytes = static_cast<std::size_t>(m_config.mempool_max_txs_bytes);
    d.mempool.max_tx_bytes = static_cast<std::size_t>(m_config.mempool_max_tx_bytes);
    d.mempool.cache_size = static_cast<std::size_t>(m_config.mempool_cache_size);
    if (m_is_validator) d.validator_key = *m_validator_key;
    d.on_block_finalized = [this](const consensus::Block& b,
                                  const consensus::FinalizeBlockResponse& r) {
        // The archive's records go in the same batch as the block's results: a crash leaves both
        // or neither, and the start-up handshake's replay writes them again.
        store::WriteBatch batch;
        const std::int64_t h = b.header.height;
        static const std::vector<Bytes> none;
        m_archive->stage(batch, h, m_final_height == h ? m_final_futures : none);
        m_final_futures.clear();
        m_results->save(b, r, std::move(batch));
    };
    d.on_block_committed = [this](const consensus::Block& b,
                                  const consensus::FinalizeBlockResponse& r) {
        m_app_height.store(b.header.height);
        publish(b, r);
    };
    auto timed = std::make_unique<detail::TimedApplication>(std::move(m_app));
    m_timed_app = timed.get();
    m_app = std::move(timed);
    m_driver = std::make_unique<consensus::Driver>(
        std::move(d), *m_app, consensus::DriverStorage{*m_kv, *m_wal, *m_sign_state}, *this, *this);

    // P2P.
    p2p::Options po;
    po.listen_address = host_port(m_config.p2p_laddr);
    po.persistent_peers = m_config.persistent_peers;
    po.seeds = m_config.seeds;
    po.pex = m_config.pex;
    po.seed_mode = m_config.seed_mode;
    if (!m_config.addr_book_file.empty())
        po.addr_book_path = std::filesystem::path(m_config.addr_book_file).is_absolute()
                                ? m_config.addr_book_file
                                : (std::filesystem::path(m_home) / m_config.addr_book_file).string();
    po.max_inbound = static_cast<std::size_t>(m_config.max_inbound_peers);
    po.max_outbound = static_cast<std::size_t>(m_config.max_outbound_peers);
    po.send_queue_capacity = static_cast<std::size_t>(m_config.send_queue_capacity);
    po.handshake_timeout = std::chrono::milliseconds(m_config.handshake_timeout_ms);
    po.ban_duration = std::chrono::milliseconds(m_config.ban_duration_ms);
    po.channels = {{k_consensus_channel, static_cast<std::size_t>(d.max_message_bytes)},
                   {k_mempool_channel, detail::tx_batch_limit(static_cast<std::size_t>(
                                           m_config.mempool_max_tx_bytes))},
                   {k_outputs_channel, async::k_output_chunk_bytes + 256}};
    po.chain_id = m_genesis.chain_id;
    po.moniker = m_config.moniker;
    po.node_key = *m_node_key;
    po.io_threads = 1;
    po.message_kind = [](p2p::ChannelId channel, ByteView message) {
        return detail::message_kind({k_consensus_channel, k_mempool_channel, k_outputs_channel},
                                    channel, message);
    };
    m_switch = std::make_unique<p2p::Switch>(std::move(po));
    p2p::Handlers h;
    h.on_peer_up = [this](const p2p::PeerId& peer, const p2p::NodeInfo& info) {
        log()->info("peer up peer={} moniker={}", peer, info.moniker);
        asio::post(m_cio, [this, peer] {
            if (m_peer_ids.count(peer)) return;
            const consensus::PeerId id = m_next_peer++;
            m_peer_ids[peer] = id;
            m_peer_names[id] = peer;
            if (m_driver) m_driver->add_peer(id);
        });
    };
    h.on_peer_down = [this](const p2p::PeerId& peer, const Error& reason) {
        log()->info("peer down peer={} reason={}", peer, reason.message);
        asio::post(m_cio, [this, peer] {
            auto it = m_peer_ids.find(peer);
            if (it == m_peer_ids.end()) return;
            if (m_driver) m_driver->remove_peer(it->second);
            m_peer_names.erase(it->second);
            m_known.erase(it->second);
            m_peer_txs.erase(peer);
            m_peer_ids.erase(it);
        });
    };
    h.on_message = [this](const p2p::PeerId& peer, p2p::ChannelId channel, ByteView bytes) {
        on_peer_message(peer, channel, bytes);
    };
    m_switch->set_handlers(std::move(h));
    if (auto s = m_switch->start(); !s) return make_error("p2p", "p2p: " + s.error().message);
#if SEER_NODE_RPC
    try {
        rpc::ServerOptions ro;
        auto rpc_hp = parse_laddr(m_config.rpc_laddr);
        ro.host = rpc_hp->host;
        ro.port = rpc_hp->port;
        ro.max_body_bytes = static_cast<std::size_t>(m_config.rpc_max_body_bytes);
        ro.max_connections = static_cast<std::size_t>(m_config.rpc_max_open_connections);
        ro.max_websocket_connections =
            static_cast<std::size_t>(m_config.rpc_max_subscription_clients);
        ro.max_connections_per_ip =
            static_cast<std::size_t>(m_config.rpc_max_open_connections_per_ip);
        ro.max_subscriptions_per_client =
            static_cast<std::size_t>(m_config.rpc_max_subscriptions_per_client);
        ro.cors_allowed_origins = m_config.rpc_cors_allowed_origins;
        m_rpc = std::make_unique<rpc::Server>(*this, ro);
        m_rpc->start();
        if (m_config.api_enable) {
            rpc::RestOptions rest;
            auto api_hp = parse_laddr(m_config.api_laddr);
            rest.host = api_hp->host;
            rest.port = api_hp->port;
            rest.cors_allowed_origins = m_config.api_cors_allowed_origins;
            rest.max_connections = static_cast<std::size_t>(m_config.api_max_open_connections);
            rest.max_connections_per_ip =
                static_cast<std::size_t>(m_config.api_max_open_connections_per_ip);
            m_rest = std::make_unique<rpc::RestServer>(*this, rest);
            m_rest->start();
        }
#if SEER_NODE_GRPC
        if (m_config.grpc_enable) {
            grpc::GrpcOptions go;
            auto grpc_hp = parse_laddr(m_config.grpc_address);
            go.host = grpc_hp->host;
            go.port = grpc_hp->port;
            m_grpc = std::make_unique<grpc::GrpcServer>(*this, go);
            if (auto s = m_grpc->start(); !s) throw std::runtime_error(s.error().message);
        }
#endif
    } catch (const std::exception& e) {
        m_switch->stop();
        return make_error("rpc", std::string("rpc: ") + e.what());
    }

    if (m_config.prometheus) {
        try {
            rpc::MetricsOptions mo;
            auto hp = parse_laddr(m_config.prometheus_laddr);
            mo.host = hp->host;
            mo.port = hp->port;
            mo.max_connections = static_cast<std::size_t>(m_config.prometheus_max_open_connections);
            m_metrics = std::make_unique<rpc::MetricsServer>(mo, [this] { return render_metrics(); });
            m_metrics->start();
        } catch (const std::exception& e) {
            m_switch->stop();
            return make_error("metrics", std::string("metrics: ") + e.what());
        }
    }
#endif

    asio::signal_set signals(m_cio, SIGINT, SIGTERM);
    signals.async_wait([this](const boost::system::error_code& ec, int sig) {
        if (ec) return;
        log()->info("signal {} received: stopping", sig);
        m_cio.stop();
    });
    asio::post(m_cio, [this] {
        m_driver->start();
        m_app_height.store(m_app->info().last_block_height);
        watch_stall();
    });
    log()->info("node started moniker={} chain_id={} validator={} node_id={} p2p={}",
                m_config.moniker, m_genesis.chain_id, m_is_validator ? "yes" : "no",
                m_switch->node_id(), m_config.p2p_laddr);
    // Where a user reaches the node, once every listener is bound (the same addresses localnet
    // prints): "off" for a server config.toml turns off.
    {
        auto http = [](const std::string& laddr) {
            auto hp = parse_laddr(laddr);
            return hp ? "http://" + hp->host + ":" + std::to_string(hp->port) : laddr;
        };
        const bool rest_on = m_config.api_enable && SEER_NODE_RPC;
        log()->info("listening rpc={} rest={} dashboard={} grpc={} metrics={}",
                    SEER_NODE_RPC ? http(m_config.rpc_laddr) : std::string("off"),
                    rest_on ? http(m_config.api_laddr) : std::string("off"),
                    rest_on ? http(m_config.api_laddr) + "/" : std::string("off"),
                    m_config.grpc_enable && SEER_NODE_GRPC ? m_config.grpc_address : "off",
                    m_config.prometheus && SEER_NODE_RPC
                        ? http(m_config.prometheus_laddr) + "/metrics"
                        : std::string("off"));
    }
    m_cio.run();  // until a signal; every handler runs whole, so no height is half-written

#if SEER_NODE_RPC
    if (m_metrics) m_metrics->stop();
#endif
#if SEER_NODE_GRPC
    if (m_grpc) m_grpc->stop();
#endif
#if SEER_NODE_RPC
    if (m_rest) m_rest->stop();
    if (m_rpc) m_rpc->stop();
#endif
    m_switch->stop();
    if (m_prophet) m_prophet->stop();
    log()->info("node stopped height={}", blocks().height());
    m_driver.reset();
    return {};
}

std::string NodeRuntime::render_metrics() {
    std::ostringstream o;
    auto gauge = [&](const char* name, const char* help, auto value,
                     const std::string& labels = "") {
        o << "# HELP " << name << " " << help << "\n# TYPE " << name << " gauge\n"
          << name << labels << " " << value << "\n";
    };
    const std::int64_t h = blocks().height();
    gauge("seer_consensus_height", "Last committed height.", h);
    struct Snapshot {
        std::int32_t round = 0;
        std::size_t mempool_size = 0;
        std::size_t mempool_bytes = 0;
        std::string counts;
        consensus::Counters gossip;  // the driver's "gossip." counters
        std::string cometbft;        // CometBFT's families read from the driver
    };
    auto snap = on_consensus([this] {
        Snapshot s;
        if (const auto* sm = m_driver->state_machine()) s.round = std::max(sm->round(), 0);
        const auto& all = m_driver->counters();
        for (auto it = all.lower_bound("gossip."); it != all.end() && it->first.rfind("gossip.", 0) == 0; ++it)
            s.gossip.emplace(it->first.substr(7), it->second);
        s.mempool_size = m_driver->mempool().size();
        s.mempool_bytes = m_driver->mempool().bytes();
        auto q = m_app->query({"async/counts", {}, 0, false});
        s.counts = to_string(q.value);
        std::ostringstream text;
        detail::MetricsText cometbft(text, m_genesis.chain_id);
        detail::write_consensus_metrics(cometbft, *m_driver, m_peer_names, m_peer_txs);
        s.cometbft = text.str();
        return s;
    });
    if (snap) {
        gauge("seer_consensus_round", "Round of the height in progress.", snap->round);
        o << "# HELP seer_consensus_gossip_total Consensus gossip beyond a node's own messages: "
             "votes relayed to peers that do not hear their author directly, votes and proposals "
             "sent because a peer's status lacked them, conflicting votes forwarded.\n"
             "# TYPE seer_consensus_gossip_total counter\n";
        for (const char* kind : {"relayed_votes", "relayed_proposals", "repaired_votes",
                                 "repaired_proposals", "conflicting_relayed"}) {
            auto it = snap->gossip.find(kind);
            o << "seer_consensus_gossip_total{kind=\"" << kind << "\"} "
              << (it == snap->gossip.end() ? 0 : it->second) << "\n";
        }
        gauge("seer_mempool_size", "Transactions in the mempool.", snap->mempool_size);
        gauge("seer_mempool_bytes", "Bytes of transactions in the mempool.", snap->mempool_bytes);
        o << "# HELP seer_async_futures Futures in state by status.\n# TYPE seer_async_futures "
             "gauge\n";
        std::istringstream lines(snap->counts);
        std::string line;
        while (std::getline(lines, line)) {
            const auto eq = line.find('=');
            if (eq == std::string::npos) continue;
            o << "seer_async_futures{status=\"" << line.substr(0, eq) << "\"} "
              << line.substr(eq + 1) << "\n";
        }
    }
    if (h >= 2) {
        auto a = block(h - 1);
        auto b = block(h);
        if (a && b)
            gauge("seer_consensus_block_interval_seconds", "Time between the last two blocks.",
                  static_cast<double>(b->block.header.time - a->block.header.time) / 1e9);
    }
    o << "# HELP seer_store_column_bytes Bytes in a storage column, approximately (RocksDB's "
         "live-data estimate plus memtables; app is the consensus state).\n"
      << "# TYPE seer_store_column_bytes gauge\n";
    for (const auto& column : m_columns)
        o << "seer_store_column_bytes{column=\"" << column << "\"} "
          << m_kv->approximate_bytes(column) << "\n";
    gauge("seer_p2p_peers", "Connected peers.", m_switch->peers().size());
    {
        const p2p::Stats net = m_switch->stats();
        auto counter = [&](const char* name, const char* help, std::uint64_t value) {
            o << "# HELP " << name << " " << help << "\n# TYPE " << name << " counter\n"
              << name << " " << value << "\n";
        };
        counter("seer_p2p_send_bytes_total",
                "Bytes written to peer connections (encrypted frames, all channels).",
                net.bytes_out);
        counter("seer_p2p_receive_bytes_total", "Bytes read from peer connections.",
                net.bytes_in);
        counter("seer_p2p_send_messages_total", "Channel messages queued for peers.",
                net.messages_out);
    }
    gauge("seer_node_dropped_inputs",
          "Peer messages dropped because the consensus thread was behind.",
          m_dropped_inputs.load());
    if (m_prophet) {
        const auto m = m_prophet->metrics();
        o << "# HELP seer_prophet_queue_depth Requests waiting in the prophet's queues.\n"
          << "# TYPE seer_prophet_queue_depth gauge\n"
          << "seer_prophet_queue_depth{queue=\"execution\"} " << m.execution_queue_depth << "\n"
          << "seer_prophet_queue_depth{queue=\"verification\"} " << m.verification_queue_depth
          << "\n";
        gauge("seer_prophet_running", "Handlers running now.", m.running);
        o << "# HELP seer_prophet_dropped_total Requests dropped (full queue or store).\n"
          << "# TYPE seer_prophet_dropped_total counter\n"
          << "seer_prophet_dropped_total{reason=\"queue_full\"} " << m.dropped_queue_full << "\n"
          << "seer_prophet_dropped_total{reason=\"store_full\"} " << m.dropped_store_full << "\n"
          << "seer_prophet_dropped_total{reason=\"expired\"} " << m.expired << "\n";
        o << "# HELP seer_prophet_handler_running Runs of a handler now, by handler.\n"
          << "# TYPE seer_prophet_handler_running gauge\n";
        for (const auto& hm : m.handlers)
            o << "seer_prophet_handler_running{handler=\"" << hm.name << "\"} " << hm.running
              << "\n";
        o << "# HELP seer_prophet_handler_queued Requests queued for a handler, by handler.\n"
          << "# TYPE seer_prophet_handler_queued gauge\n";
        for (const auto& hm : m.handlers)
            o << "seer_prophet_handler_queued{handler=\"" << hm.name << "\"} " << hm.queued
              << "\n";
        o << "# HELP seer_prophet_executed_total Executions finished, by handler.\n"
          << "# TYPE seer_prophet_executed_total counter\n";
        for (const auto& hm : m.handlers)
            o << "seer_prophet_executed_total{handler=\"" << hm.name << "\"} " << hm.executed
              << "\n";
        o << "# HELP seer_prophet_failed_total Executions that ended in an error, by handler.\n"
          << "# TYPE seer_prophet_failed_total counter\n";
        for (const auto& hm : m.handlers)
            o << "seer_prophet_failed_total{handler=\"" << hm.name << "\"} " << hm.failed << "\n";
        o << "# HELP seer_prophet_handler_latency_ms Handler run time (executions and "
             "verifications).\n"
          << "# TYPE seer_prophet_handler_latency_ms histogram\n";
        for (const auto& hm : m.handlers) {
            std::uint64_t cumulative = 0;
            for (std::size_t i = 0; i < hm.latency_buckets.size(); ++i) {
                cumulative += hm.latency_buckets[i];
                const std::string le =
                    i < prophet::k_latency_bounds_ms.size()
                        ? std::to_string(static_cast<long long>(prophet::k_latency_bounds_ms[i]))
                        : "+Inf";
                o << "seer_prophet_handler_latency_ms_bucket{handler=\"" << hm.name << "\",le=\""
                  << le << "\"} " << cumulative << "\n";
            }
            o << "seer_prophet_handler_latency_ms_sum{handler=\"" << hm.name << "\"} "
              << hm.latency_sum_ms << "\n"
              << "seer_prophet_handler_latency_ms_count{handler=\"" << hm.name << "\"} "
              << hm.latency_count << "\n";
        }
    }
    // CometBFT's metric names (docs/metrics.md), after seer's own.
    if (snap) o << snap->cometbft;
    {
        detail::MetricsText cometbft(o, m_genesis.chain_id);
        detail::write_p2p_metrics(cometbft, m_switch->peers(), m_switch->stats());
        if (m_timed_app) detail::write_abci_metrics(cometbft, *m_timed_app);
        detail::write_constant_metrics(cometbft);
    }
#if SEER_NODE_RPC
    {
        std::vector<std::pair<const char*, rpc::ConnectionStats>> servers;
        if (m_rpc) servers.emplace_back("rpc", m_rpc->connections());
        if (m_rest) servers.emplace_back("rest", m_rest->connections());
        if (m_metrics) servers.emplace_back("metrics", m_metrics->connections());
        o << "# HELP seer_rpc_connections Open connections of the RPC, REST and metrics servers.\n"
             "# TYPE seer_rpc_connections gauge\n";
        for (const auto& [name, c] : servers) {
            o << "seer_rpc_connections{server=\"" << name << "\",kind=\"http\"} " << c.http << "\n"
              << "seer_rpc_connections{server=\"" << name << "\",kind=\"websocket\"} "
              << c.websocket << "\n";
        }
        o << "# HELP seer_rpc_connections_closed_total Connections closed or refused at a limit: "
             "idle ones closed to make room, refused ones, websockets with no subscription and "
             "no message.\n# TYPE seer_rpc_connections_closed_total counter\n";
        for (const auto& [name, c] : servers) {
            o << "seer_rpc_connections_closed_total{server=\"" << name
              << "\",reason=\"idle_evicted\"} " << c.evicted_idle << "\n"
              << "seer_rpc_connections_closed_total{server=\"" << name << "\",reason=\"refused\"} "
              << c.refused << "\n"
              << "seer_rpc_connections_closed_total{server=\"" << name
              << "\",reason=\"websocket_idle\"} " << c.websocket_idle_closed << "\n";
        }
    }
#endif
    return o.str();
}

// ---- rpc::NodeApi ------------------------------------------------------------------------

rpc::StatusInfo NodeRuntime::status() {
    rpc::StatusInfo s;
    s.node_id = m_switch ? m_switch->node_id() : node_id(m_node_key->public_key());
    s.listen_addr = m_config.p2p_laddr;
    s.network = m_genesis.chain_id;
    // CometBFT's version, so clients pick their 0.38 dialect; seer's own goes in "other".
    s.version = k_cometbft_version;
    s.app_version = k_version;
    for (p2p::ChannelId c : {k_consensus_channel, k_mempool_channel, k_outputs_channel})
        s.channels += to_hex(ByteView(&c, 1));
    s.moniker = m_config.moniker;
    s.rpc_address = m_config.rpc_laddr;
    const std::int64_t h = blocks().height();
    if (auto b = block(h)) {
        s.latest_block_hash = b->hash;
        s.latest_block_height = h;
        s.latest_block_time = b->block.header.time;
    }
    if (auto r = m_results->results(h)) s.latest_app_hash = r->app_hash;
    if (auto b = block(blocks().base())) {
        s.earliest_block_hash = b->hash;
        s.earliest_block_height = b->block.header.height;
        s.earliest_block_time = b->block.header.time;
        s.earliest_app_hash = b->block.header.app_hash;
    }
    s.validator_address = crypto::address_of(m_validator_key->public_key());
    s.validator_pub_key = m_validator_key->public_key();
    for (const auto& v : m_genesis.validators)
        if (v.address == s.validator_address) s.voting_power = v.power;
    // Catching up: the newest block is older than a few commit timeouts.
    s.catching_up = h == 0 ? false
                           : (node::now_ms() - s.latest_block_time / 1'000'000) >
                                 20 * (m_config.timeout_commit_ms + m_config.timeout_propose_ms);
    return s;
}

rpc::NetInfo NodeRuntime::net_info() {
    rpc::NetInfo n;
    n.listeners.push_back(m_config.p2p_laddr);
    for (const auto& p : m_switch->peers())
        n.peers.push_back({p.id, p.node_info.moniker, p.node_info.listen_address,
                           p.remote_address.substr(0, p.remote_address.rfind(':')), p.outbound});
    return n;
}

std::optional<rpc::BlockView> NodeRuntime::block(std::int64_t height) {
    auto bytes = blocks().block(height);
    if (!bytes) return std::nullopt;
    auto b = consensus::decode_block(*bytes);
    if (!b) return std::nullopt;
    rpc::BlockView v;
    v.hash = consensus::block_hash(b->header);
    v.size_bytes = static_cast<std::int64_t>(bytes->size());
    v.block = std::move(*b);
    return v;
}

std::optional<rpc::BlockView> NodeRuntime::block_by_hash(const rpc::Hash& hash) {
    auto h = blocks().height_of(hash);
    if (!h) return std::nullopt;
    return block(*h);
}

std::optional<consensus::ExtendedCommit> NodeRuntime::commit(std::int64_t height) {
    auto bytes = blocks().extended_commit(height);
    if (!bytes) return std::nullopt;
    auto c = consensus::decode_extended_commit(*bytes);
    if (!c) return std::nullopt;
    return std::move(*c);
}

consensus::ValidatorSet NodeRuntime::validators(std::int64_t height) {
    std::vector<consensus::Validator> vals;
    for (const auto& v : m_genesis.validators)
        vals.push_back({v.address, v.pub_key, v.power, 0});
    auto set = consensus::ValidatorSet::from_genesis(std::move(vals));
    if (height > m_genesis.initial_height)
        return set.copy_increment(height - m_genesis.initial_height);
    return set;
}

rpc::MempoolView NodeRuntime::unconfirmed_txs(std::size_t limit) {
    auto r = on_consensus([this, limit] {
        rpc::MempoolView v;
        v.n_txs = static_cast<std::int64_t>(m_driver->mempool().size());
        v.total_bytes = static_cast<std::int64_t>(m_driver->mempool().bytes());
        v.txs = m_driver->mempool().txs(limit);
        return v;
    });
    return r.value_or(rpc::MempoolView{});
}

rpc::BroadcastResult NodeRuntime::broadcast_tx(Bytes tx) {
    rpc::BroadcastResult out;
    out.hash = async::tx_hash(tx);
    auto r = on_consensus([this, tx]() mutable {
        rpc::BroadcastResult b;
        const auto added = m_driver->submit_tx(tx, &b.check);
        switch (added) {
            case consensus::MempoolAddResult::added:
                b.outcome = rpc::BroadcastOutcome::added;
                gossip_tx(tx, nullptr);
                break;
            case consensus::MempoolAddResult::duplicate:
                b.outcome = rpc::BroadcastOutcome::duplicate;
                break;
            case consensus::MempoolAddResult::full:
                b.outcome = rpc::BroadcastOutcome::full;
                break;
            case consensus::MempoolAddResult::too_large:
                b.outcome = rpc::BroadcastOutcome::too_large;
                break;
            case consensus::MempoolAddResult::rejected:
                b.outcome = rpc::BroadcastOutcome::rejected;
                break;
        }
        return b;
    });
    if (!r) {
        out.outcome = rpc::BroadcastOutcome::full;
        out.check.code = 1;
        out.check.log = "node busy: consensus thread did not answer in time";
        return out;
    }
    r->hash = out.hash;
    return *r;
}

consensus::CheckTxResponse NodeRuntime::check_tx(Bytes tx) {
    auto r =
        on_consensus([this, tx] { return m_app->check_tx(tx, consensus::CheckTxKind::dry_run); });
    if (!r) {
        consensus::CheckTxResponse busy;
        busy.code = 1;
        busy.log = "node busy";
        return busy;
    }
    return *r;
}

std::optional<rpc::TxView> NodeRuntime::tx(const rpc::Hash& hash) {
    auto loc = m_results->locate(hash);
    if (!loc) return std::nullopt;
    auto b = block(loc->first);
    auto r = m_results->results(loc->first);
    if (!b || !r || loc->second >= b->block.txs.size() || loc->second >= r->txs_results.size())
        return std::nullopt;
    rpc::TxView v;
    v.hash = hash;
    v.height = loc->first;
    v.index = loc->second;
    v.tx = b->block.txs[loc->second];
    v.result = r->txs_results[loc->second];
    return v;
}

std::vector<rpc::TxView> NodeRuntime::txs_at_height(std::int64_t height) {
    std::vector<rpc::TxView> out;
    auto b = block(height);
    auto r = m_results->results(height);
    if (!b || !r) return out;
    for (std::size_t i = 0; i < b->block.txs.size() && i < r->txs_results.size(); ++i) {
        rpc::TxView v;
        v.hash = async::tx_hash(b->block.txs[i]);
        v.height = height;
        v.index = static_cast<std::uint32_t>(i);
        v.tx = b->block.txs[i];
        v.result = r->txs_results[i];
        out.push_back(std::move(v));
    }
    return out;
}

consensus::InfoResponse NodeRuntime::abci_info() {
    return on_consensus([this] { return m_app->info(); }).value_or(consensus::InfoResponse{});
}

consensus::QueryResponse NodeRuntime::abci_query(const consensus::QueryRequest& request) {
    // async/output/<sha256 hex>: an off-chain output this node holds (read here, not on the
    // consensus thread).
    constexpr std::string_view output_path = "async/output/";
    std::string_view path = request.path;
    while (!path.empty() && path.front() == '/')
        path.remove_prefix(1);
    if (path.substr(0, output_path.size()) == output_path) {
        consensus::QueryResponse out;
        out.codespace = "async";
        auto hex = from_hex(path.substr(output_path.size()));
        auto h = hex ? to_array<32>(*hex) : std::nullopt;
        if (!h) {
            out.code = 18;
            out.log = "output path must be async/output/<64 hex digits of SHA-256>";
            return out;
        }
        auto bytes = m_outputs->get(*h);
        if (!bytes) {
            out.code = 38;
            out.log = "output " + to_hex(*h) + " is not held by this node";
            return out;
        }
        out.codespace.clear();
        out.value = std::move(*bytes);
        out.height = blocks().height();
        return out;
    }
    // Latest-state queries are cached per height. Simulate and PendingAccount read the
    // mempool's check state, which changes with every tx, so they are never cached.
    const bool cacheable = request.height == 0 && !request.prove &&
                           request.path.find("Simulate") == std::string::npos &&
                           request.path != app::k_pending_account_path;
    std::string cache_key;
    std::optional<consensus::QueryResponse> answer;
    if (cacheable) {
        cache_key = request.path;
        cache_key.push_back('\0');
        cache_key.append(request.data.begin(), request.data.end());
        std::lock_guard lock(m_query_cache_mutex);
        if (m_query_cache_height == m_app_height.load())
            if (auto it = m_query_cache.find(cache_key); it != m_query_cache.end())
                answer = it->second;
    }
    if (!answer) {
        auto r = on_consensus([this, request] {
            return std::make_pair(m_app->query(request), m_app_height.load());
        });
        if (!r) {
            consensus::QueryResponse busy;
            busy.code = 1;
            busy.log = "node busy";
            return busy;
        }
        if (cacheable) {
            std::lock_guard lock(m_query_cache_mutex);
            if (m_query_cache_height != r->second) {
                m_query_cache.clear();
                m_query_cache_height = r->second;
            }
            if (m_query_cache.size() < k_max_cached_queries)
                m_query_cache.emplace(cache_key, r->first);
        }
        answer = std::move(r->first);
    }
    // A future that state pruned is answered from the archive, marked pruned.
    constexpr std::uint32_t k_not_found = 38;
    if (answer->code == k_not_found)
        if (auto archived = m_archive->query(request)) return *archived;
    return *answer;
}

rpc::SubscriptionId NodeRuntime::subscribe(std::function<void(const rpc::BusEvent&)> callback) {
    std::lock_guard lock(m_subs_mutex);
    const auto id = m_next_sub++;
    m_subs.emplace(id, std::move(callback));
    return id;
}

void NodeRuntime::unsubscribe(rpc::SubscriptionId id) {
    std::lock_guard lock(m_subs_mutex);
    m_subs.erase(id);
}

std::optional<rpc::ProphetView> NodeRuntime::prophet_status() {
    if (!m_prophet) return std::nullopt;
    const auto m = m_prophet->metrics();  // thread-safe: the same read as render_metrics
    rpc::ProphetView v;
    v.queue_capacity = m.queue_capacity;
    v.execution_queue_depth = m.execution_queue_depth;
    v.verification_queue_depth = m.verification_queue_depth;
    v.running = m.running;
    v.dropped_queue_full = m.dropped_queue_full;
    v.dropped_store_full = m.dropped_store_full;
    v.expired = m.expired;
    v.latency_bounds_ms.assign(prophet::k_latency_bounds_ms.begin(),
                               prophet::k_latency_bounds_ms.end());
    for (const auto& h : m.handlers) {
        rpc::ProphetHandlerView hv;
        hv.name = h.name;
        hv.external = h.external;
        hv.concurrency = h.concurrency;
        hv.running = h.running;
        hv.queued = h.queued;
        hv.executed = h.executed;
        hv.failed = h.failed;
        hv.verified = h.verified;
        hv.rejected = h.rejected;
        hv.abstained = h.abstained;
        hv.latency_count = h.latency_count;
        hv.latency_sum_ms = h.latency_sum_ms;
        hv.latency_buckets.assign(h.latency_buckets.begin(), h.latency_buckets.end());
        v.handlers.push_back(std::move(hv));
    }
    return v;
}

// The limits line up: a tx the app accepts fits a broadcast_tx_* request (base64 in JSON).
static_assert(k_default_rpc_max_body_bytes >= static_cast<std::int64_t>(4 * ((app::k_max_tx_bytes + 2) / 3) + 4096));

Status run_node(const std::string& home, StartOptions options) {
    NodeRuntime node(home, options);
    if (auto s = node.open(); !s) return s;
    return node.run();
}

}  // namespace seer::node
