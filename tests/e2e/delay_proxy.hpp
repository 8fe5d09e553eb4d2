#pragma once
// A TCP proxy on 127.0.0.1 that delays every byte by a fixed time in each direction: WAN-like
// latency between real seer processes, since these machines have no netem qdisc (issue 15).
// Each accepted connection gets its own connection to the target and one thread per direction;
// everything is bounded by `stop()` (the destructor), which joins every thread.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

namespace seer::e2e {

class DelayProxy {
public:
    using Clock = std::chrono::steady_clock;

    /// Listens on 127.0.0.1:`listen_port` and forwards to 127.0.0.1:`target_port`.
    DelayProxy(std::uint16_t listen_port, std::uint16_t target_port, std::chrono::milliseconds delay)
        : m_target(target_port), m_delay(delay) {
        m_listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (m_listener < 0) return;
        const int one = 1;
        ::setsockopt(m_listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in a = loopback(listen_port);
        if (::bind(m_listener, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
            ::listen(m_listener, 16) != 0) {
            ::close(m_listener);
            m_listener = -1;
            return;
        }
        m_threads.emplace_back([this] { accept_loop(); });
    }
    DelayProxy(const DelayProxy&) = delete;
    DelayProxy& operator=(const DelayProxy&) = delete;
    ~DelayProxy() { stop(); }

    bool ok() const { return m_listener >= 0; }
    /// Connections accepted so far.
    int connections() const { return m_connections.load(); }

    void stop() {
        m_stop = true;
        std::vector<std::thread> threads;
        {
            std::lock_guard lock(m_mutex);
            for (int fd : m_fds) ::shutdown(fd, SHUT_RDWR);  // unblocks a pending send
            threads.swap(m_threads);
        }
        for (auto& t : threads)
            if (t.joinable()) t.join();
        // Threads started by the accept loop after the swap (it checks m_stop before each).
        std::lock_guard lock(m_mutex);
        for (auto& t : m_threads)
            if (t.joinable()) t.join();
        m_threads.clear();
        for (int fd : m_fds) ::close(fd);
        m_fds.clear();
        if (m_listener >= 0) ::close(m_listener);
        m_listener = -1;
    }

private:
    static sockaddr_in loopback(std::uint16_t port) {
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        return a;
    }

    void accept_loop() {
        while (!m_stop) {
            pollfd p{m_listener, POLLIN, 0};
            if (::poll(&p, 1, 50) <= 0) continue;
            const int in = ::accept4(m_listener, nullptr, nullptr, SOCK_CLOEXEC);
            if (in < 0) continue;
            const int out = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
            sockaddr_in a = loopback(m_target);
            if (out < 0 || ::connect(out, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
                ::close(in);
                if (out >= 0) ::close(out);
                continue;
            }
            const int one = 1;
            ::setsockopt(in, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            ::setsockopt(out, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            ++m_connections;
            std::lock_guard lock(m_mutex);
            if (m_stop) {
                ::close(in);
                ::close(out);
                return;
            }
            m_fds.push_back(in);
            m_fds.push_back(out);
            m_threads.emplace_back([this, in, out] { pump(in, out); });
            m_threads.emplace_back([this, in, out] { pump(out, in); });
        }
    }

    /// Reads `from` and writes each chunk to `to` once it is `m_delay` old. At EOF or an error
    /// on `from` the rest is delivered on time and `to` is shut down for writing.
    void pump(int from, int to) {
        struct Chunk {
            Clock::time_point due;
            std::vector<std::uint8_t> bytes;
        };
        std::deque<Chunk> queue;
        bool open = true;
        std::uint8_t buf[64 * 1024];
        while (!m_stop && (open || !queue.empty())) {
            int timeout_ms = 50;
            if (!queue.empty()) {
                const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(
                    queue.front().due - Clock::now());
                timeout_ms = static_cast<int>(std::clamp<long long>(wait.count(), 0, 50));
            }
            if (open) {
                pollfd p{from, POLLIN, 0};
                if (::poll(&p, 1, timeout_ms) > 0) {
                    const ssize_t n = ::read(from, buf, sizeof buf);
                    if (n <= 0)
                        open = false;
                    else
                        queue.push_back({Clock::now() + m_delay, {buf, buf + n}});
                }
            } else {
                std::this_thread::sleep_for(std::chrono::milliseconds(timeout_ms));
            }
            while (!queue.empty() && queue.front().due <= Clock::now()) {
                const auto& bytes = queue.front().bytes;
                std::size_t sent = 0;
                while (sent < bytes.size() && !m_stop) {
                    const ssize_t n = ::send(to, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
                    if (n <= 0) {
                        queue.clear();
                        open = false;
                        break;
                    }
                    sent += static_cast<std::size_t>(n);
                }
                if (!queue.empty()) queue.pop_front();
            }
        }
        ::shutdown(to, SHUT_WR);
        ::shutdown(from, SHUT_RD);
    }

    std::uint16_t m_target;
    std::chrono::milliseconds m_delay;
    int m_listener = -1;
    std::atomic<bool> m_stop{false};
    std::atomic<int> m_connections{0};
    std::mutex m_mutex;
    std::vector<std::thread> m_threads;
    std::vector<int> m_fds;
};

}  // namespace seer::e2e
