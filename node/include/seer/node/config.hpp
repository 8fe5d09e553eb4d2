#pragma once
// config.toml: CometBFT-like sections. Parsed at start-up only; every problem is one clear
// error naming the key. Parts never see this struct: node::Node turns it into their Options.

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "seer/common/result.hpp"

namespace seer::node {

struct ExecHandlerConfig {
    std::string name;                      // registered as "exec:<name>"
    std::vector<std::string> argv;         // argv[0] absolute path, no shell
    std::vector<std::string> verify_argv;  // optional
    std::int64_t timeout_ms = 10'000;
    std::int64_t max_output_bytes = 1 << 20;
    // setrlimit for the program and all it starts; 0 = not limited here.
    std::int64_t max_cpu_ms = 0;  // 0 = the timeout
    std::int64_t max_memory_bytes = 1LL << 30;
    std::int64_t max_file_bytes = 64LL << 20;
    std::int64_t max_open_files = 256;
};

/// A tx of the app's 1 MiB limit, base64 inside a broadcast_tx_* request, fits (node.cpp
/// checks it at compile time).
inline constexpr std::int64_t k_default_rpc_max_body_bytes = 2'000'000;

struct Config {
    std::string moniker = "seer-node";
    std::string log_level = "info";
    /// The application: "seer" (x/async, bank, auth) or "noop" (accepts every tx and does
    /// nothing: consensus benchmarks, as CometBFT's built-in noop app).
    std::string proxy_app = "seer";
    /// The lowest fee per gas this node's mempool accepts (the SDK's minimum-gas-prices), e.g.
    /// "0.001useer"; "" accepts any fee. Node-local: blocks never depend on it.
    std::string min_gas_prices;

    // [p2p]
    std::string p2p_laddr = "tcp://127.0.0.1:26656";
    std::vector<std::string> persistent_peers;  // "id@host:port"
    /// Asked for addresses when the address book cannot fill the outbound slots.
    std::vector<std::string> seeds;  // "id@host:port"
    /// Peer exchange: learn addresses from peers, keep max_num_outbound_peers connected.
    bool pex = true;
    /// Answer address requests, then let the asker go (a seed node).
    bool seed_mode = false;
    /// The address book, relative to the home directory unless absolute.
    std::string addr_book_file = "config/addrbook.json";
    int max_inbound_peers = 40;
    int max_outbound_peers = 10;
    std::int64_t send_queue_capacity = 1024;
    std::int64_t handshake_timeout_ms = 10'000;
    std::int64_t ban_duration_ms = 60'000;

    // [rpc]
    std::string rpc_laddr = "tcp://127.0.0.1:26657";
    /// HTTP connections (CometBFT's name and default); websockets are counted apart.
    int rpc_max_open_connections = 900;
    /// Websocket connections (CometBFT's name and default).
    int rpc_max_subscription_clients = 100;
    /// HTTP plus websocket connections from one remote address; 0 = no such limit.
    int rpc_max_open_connections_per_ip = 200;
    std::int64_t rpc_max_body_bytes = k_default_rpc_max_body_bytes;
    int rpc_max_subscriptions_per_client = 5;
    /// CORS origins allowed to call the RPC ("*": any), as CometBFT's; empty: no CORS headers.
    std::vector<std::string> rpc_cors_allowed_origins;

    // [api]
    bool api_enable = true;
    std::string api_laddr = "tcp://127.0.0.1:1317";
    std::vector<std::string> api_cors_allowed_origins;  // as [rpc] cors_allowed_origins
    int api_max_open_connections = 1000;  // the SDK's app.toml default
    int api_max_open_connections_per_ip = 200;

    // [grpc] (as the SDK's app.toml; the SDK listens on 0.0.0.0:9090, seer on loopback)
    bool grpc_enable = true;
    std::string grpc_address = "127.0.0.1:9090";

    // [consensus]
    std::int64_t timeout_propose_ms = 3000;
    std::int64_t timeout_propose_delta_ms = 500;
    std::int64_t timeout_prevote_ms = 1000;
    std::int64_t timeout_prevote_delta_ms = 500;
    std::int64_t timeout_precommit_ms = 1000;
    std::int64_t timeout_precommit_delta_ms = 500;
    std::int64_t timeout_commit_ms = 1000;
    std::int64_t gossip_interval_ms = 100;

    // [mempool]
    std::int64_t mempool_size = 5000;
    std::int64_t mempool_max_txs_bytes = 64 << 20;
    std::int64_t mempool_max_tx_bytes = 1 << 20;
    std::int64_t mempool_cache_size = 10000;

    // [prophet]
    bool prophet_enabled = true;
    int prophet_workers = 0;                      // 0 = one per core
    int prophet_external_workers = 8;             // threads for exec:* and http
    int prophet_max_running_per_account = 2;      // external runs one account holds at once
    std::map<std::string, int> prophet_concurrency;  // handler -> runs at once
    std::int64_t prophet_queue_capacity = 16384;  // a block's worth of new futures
    std::vector<std::string> prophet_handlers{"echo", "math", "hashchain"};
    std::int64_t prophet_default_timeout_ms = 30'000;
    std::vector<std::string> http_allowlist;
    std::int64_t http_timeout_ms = 5000;
    std::int64_t http_max_response_bytes = 1 << 20;
    double http_tolerance = 0.0;
    std::vector<ExecHandlerConfig> exec;

    // [async]
    /// Blocks a final future stays in the node's archive after it became final; 0 = "all"
    /// (config.toml: archive = "all" or a number of blocks).
    std::int64_t async_archive_blocks = 0;
    /// Answer peers' requests for the bytes of off-chain outputs this node holds.
    bool async_serve_outputs = true;

    // [instrumentation]
    bool prometheus = true;
    std::string prometheus_laddr = "tcp://127.0.0.1:26660";
    int prometheus_max_open_connections = 3;  // CometBFT's name and default
};

/// Parses config.toml text. Unknown sections and keys are errors (a typo must not be silently
/// ignored); missing keys keep their defaults.
/// String values that replace config.toml keys, by dotted name ("rpc.laddr", "log_level"):
/// the flags of `seer start`, as CometBFT's `--rpc.laddr` override its config file.
using ConfigOverrides = std::vector<std::pair<std::string, std::string>>;

Result<Config> parse_config(std::string_view toml_text);
Result<Config> parse_config(std::string_view toml_text, const ConfigOverrides& overrides);
Result<Config> load_config(const std::string& path, const ConfigOverrides& overrides = {});
std::string render_config(const Config& config);

/// "tcp://host:port" or "host:port" → host and port; error on anything else.
struct HostPort {
    std::string host;
    std::uint16_t port = 0;
};
Result<HostPort> parse_laddr(std::string_view laddr);

}  // namespace seer::node
