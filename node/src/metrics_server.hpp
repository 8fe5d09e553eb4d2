#pragma once
// A minimal Prometheus text endpoint (GET /metrics) on its own port. One thread accepts and
// answers connections one at a time, each bounded: 8 KiB of request, 2 s to send it. Private to
// node/.

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>

#include "seer/common/result.hpp"

namespace seer::node::detail {

class MetricsServer {
public:
    MetricsServer(std::string host, std::uint16_t port, std::function<std::string()> render);
    ~MetricsServer();
    Status start();
    void stop();

private:
    void serve();
    std::string m_host;
    std::uint16_t m_port;
    std::function<std::string()> m_render;
    int m_fd = -1;
    std::atomic<bool> m_stop{false};
    std::thread m_thread;
};

}  // namespace seer::node::detail
