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

#include "seer/rpc/node_api.hpp"

namespace seer::rpc {

struct ServerOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 26657;  // 0 = an ephemeral port (see Server::port())
    std::size_t max_body_bytes = 2'000'000;  // >= a 1 MiB tx (app k_max_tx_bytes) in base64 JSON
    std::size_t max_header_bytes = 8 * 1024;
    std::size_t max_connections = 900;
    std::chrono::milliseconds read_timeout{10'000};
    std::chrono::milliseconds write_timeout{10'000};
    std::size_t max_subscriptions_per_client = 5;
    std::size_t max_websocket_message_bytes = 2'000'000;
    /// Messages waiting to be written to one websocket; beyond it the client is dropped.
    std::size_t websocket_queue_limit = 100;
    /// A websocket with no traffic for this long is pinged, then closed if still silent.
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

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace seer::rpc
