#pragma once
// The Prometheus endpoint (GET /metrics, CometBFT's [instrumentation] prometheus_listen_addr),
// served by the same asynchronous HTTP core as the RPC: every connection has idle, read and
// write deadlines, so neither idle clients nor a client dribbling bytes delays a scrape.
// Beast stays in the .cpp (pimpl).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "seer/rpc/connection_stats.hpp"

namespace seer::rpc {

struct MetricsOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 26660;  // 0 = ephemeral
    /// CometBFT's [instrumentation] max_open_connections. At the limit the oldest idle
    /// connection is closed, and a few reserved connections still answer /metrics.
    std::size_t max_connections = 3;
    std::chrono::milliseconds read_timeout{2'000};
    std::chrono::milliseconds write_timeout{10'000};
    std::chrono::milliseconds idle_timeout{5'000};
};

class MetricsServer {
public:
    /// `render` returns the text exposition; it runs on the server's thread, per scrape.
    MetricsServer(MetricsOptions options, std::function<std::string()> render);
    ~MetricsServer();
    MetricsServer(const MetricsServer&) = delete;
    MetricsServer& operator=(const MetricsServer&) = delete;

    /// Throws std::runtime_error when the address can't be bound.
    void start();
    void stop();
    std::uint16_t port() const;
    ConnectionStats connections() const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace seer::rpc
