#pragma once
// The CometBFT-compatible JSON-RPC server (default port 26657): URI GET, JSON-RPC 2.0 POST
// (with batches) and /websocket subscriptions. docs/rpc.md lists methods, limits and errors.
// Beast and Asio stay in the .cpp files (pimpl).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "seer/rpc/connection_stats.hpp"
#include "seer/rpc/node_api.hpp"

namespace seer::rpc {

struct ServerOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 26657;  // 0 = an ephemeral port (see Server::port())
    std::size_t max_body_bytes = 2'000'000;  // >= a 1 MiB tx (app k_max_tx_bytes) in base64 JSON
    std::size_t max_header_bytes = 8 * 1024;
    /// Open HTTP connections (CometBFT's max_open_connections). At the limit the oldest idle
    /// keep-alive connection is closed; if none is idle, a few reserved connections still
    /// answer /status and /health. docs/security.md.
    std::size_t max_connections = 900;
    /// Open websocket connections (CometBFT's max_subscription_clients), counted apart.
    std::size_t max_websocket_connections = 100;
    /// HTTP plus websocket connections from one address; 0 = none.
    std::size_t max_connections_per_ip = 200;
    /// Beyond max_connections (or an address's limit) with no idle connection to close:
    /// this many more, each answering one /status or /health request within reserved_timeout.
    std::size_t reserved_connections = 4;
    std::chrono::milliseconds reserved_timeout{2'000};
    /// The whole of one request must arrive within read_timeout.
    std::chrono::milliseconds read_timeout{10'000};
    std::chrono::milliseconds write_timeout{10'000};
    /// A keep-alive connection with no request for this long is closed.
    std::chrono::milliseconds idle_timeout{10'000};
    std::size_t max_subscriptions_per_client = 5;
    std::size_t max_websocket_message_bytes = 2'000'000;
    /// Messages waiting to be written to one websocket; beyond it the client is dropped.
    std::size_t websocket_queue_limit = 100;
    /// A websocket with no traffic for this long is pinged, then closed if still silent; one
    /// with no subscription and no message for this long is closed even if it answers pings.
    std::chrono::milliseconds websocket_idle_timeout{60'000};
    std::size_t max_batch_requests = 100;
    std::chrono::milliseconds broadcast_commit_timeout{10'000};
    std::vector<std::string> cors_allowed_origins;  // empty: no CORS; "*": any
    std::size_t io_threads = 2;
};

/// Owns an io_context and its threads. start() binds and returns; stop() (or the destructor)
/// closes every connection and joins the threads. The NodeApi must outlive the Server.
class Server {
public:
    Server(NodeApi& node, ServerOptions options);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    /// Binds and starts accepting. Throws std::runtime_error when the address can't be bound
    /// (start-up error).
    void start();
    void stop();
    /// The bound port (useful with port 0), 0 before start().
    std::uint16_t port() const;
    ConnectionStats connections() const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace seer::rpc
