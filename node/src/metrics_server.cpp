#include "metrics_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace seer::node::detail {

namespace {
constexpr std::size_t k_max_request_bytes = 8192;
constexpr int k_request_timeout_ms = 2000;
}  // namespace

MetricsServer::MetricsServer(std::string host, std::uint16_t port, std::function<std::string()> render)
    : m_host(std::move(host)), m_port(port), m_render(std::move(render)) {}

MetricsServer::~MetricsServer() { stop(); }

Status MetricsServer::start() {
    m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (m_fd < 0) return make_error("metrics", "socket: " + std::string(std::strerror(errno)));
    const int one = 1;
    setsockopt(m_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(m_port);
    if (inet_pton(AF_INET, m_host.c_str(), &addr.sin_addr) != 1)
        return make_error("metrics", "instrumentation address must be an IPv4 address: " + m_host);
    if (::bind(m_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(m_fd, 16) != 0)
        return make_error("metrics", "cannot listen on " + m_host + ":" + std::to_string(m_port) +
                                         ": " + std::strerror(errno));
    m_thread = std::thread([this] { serve(); });
    return {};
}

void MetricsServer::stop() {
    m_stop = true;
    if (m_thread.joinable()) m_thread.join();
    if (m_fd >= 0) ::close(m_fd);
    m_fd = -1;
}

void MetricsServer::serve() {
    while (!m_stop) {
        pollfd p{m_fd, POLLIN, 0};
        if (::poll(&p, 1, 200) <= 0) continue;
        const int c = ::accept4(m_fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (c < 0) continue;
        std::string req;
        char buf[1024];
        const auto deadline_ms = k_request_timeout_ms;
        int waited = 0;
        while (req.find("\r\n\r\n") == std::string::npos && req.size() < k_max_request_bytes &&
               waited < deadline_ms) {
            pollfd cp{c, POLLIN, 0};
            if (::poll(&cp, 1, 100) <= 0) {
                waited += 100;
                continue;
            }
            const ssize_t n = ::recv(c, buf, sizeof buf, 0);
            if (n <= 0) break;
            req.append(buf, static_cast<std::size_t>(n));
        }
        std::string resp;
        if (req.rfind("GET /metrics", 0) == 0) {
            const std::string body = m_render();
            resp = "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: " +
                   std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
        } else {
            resp = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        }
        ::send(c, resp.data(), resp.size(), MSG_NOSIGNAL);
        ::close(c);
    }
}

}  // namespace seer::node::detail
