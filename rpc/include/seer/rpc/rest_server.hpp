#pragma once
// The Cosmos-gateway-style REST server (default port 1317): x/async queries, tx broadcast and
// lookup, accounts. Protobuf JSON mapping (snake_case names, 64-bit integers as strings, bytes
// base64, enums by name). docs/rpc.md lists the routes.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "seer/rpc/connection_stats.hpp"
#include "seer/rpc/node_api.hpp"

namespace seer::rpc {

struct RestOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 1317;  // 0 = ephemeral
    std::size_t max_body_bytes = 2'000'000;
    std::size_t max_header_bytes = 8 * 1024;
    /// As ServerOptions: idle connections are closed at the limit; reserved ones answer the
    /// node_info and syncing routes.
    std::size_t max_connections = 900;
    std::size_t max_connections_per_ip = 200;
    std::chrono::milliseconds read_timeout{10'000};
    std::chrono::milliseconds write_timeout{10'000};
    std::chrono::milliseconds idle_timeout{10'000};
    std::size_t io_threads = 2;
    std::vector<std::string> cors_allowed_origins;  // empty: no CORS; "*": any
};

class RestServer {
public:
    RestServer(NodeApi& node, RestOptions options);
    ~RestServer();
    RestServer(const RestServer&) = delete;
    RestServer& operator=(const RestServer&) = delete;

    void start();
    void stop();
    std::uint16_t port() const;
    ConnectionStats connections() const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace seer::rpc
