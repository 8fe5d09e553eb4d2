#pragma once
// Real `seer` processes for end-to-end tests: started by fork/exec, always stopped by PID
// (SIGTERM, then SIGKILL after a bound), and a minimal HTTP GET on 127.0.0.1.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace seer::e2e {

class Process {
public:
    Process() = default;
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;
    ~Process() { stop(); }

    void start(const std::vector<std::string>& argv, const std::string& log) {
        stop();
        m_pid = fork();
        if (m_pid == 0) {
            // If the test process dies (even by a crash), its children die with it.
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
            if (fd >= 0) {
                dup2(fd, STDOUT_FILENO);
                dup2(fd, STDERR_FILENO);
            }
            std::vector<char*> args;
            for (const auto& a : argv)
                args.push_back(const_cast<char*>(a.c_str()));
            args.push_back(nullptr);
            execv(args[0], args.data());
            _exit(127);
        }
    }
    bool running() {
        if (m_pid <= 0) return false;
        int status = 0;
        if (waitpid(m_pid, &status, WNOHANG) == m_pid) {
            m_pid = -1;
            return false;
        }
        return true;
    }
    void kill9() {
        if (m_pid <= 0) return;
        ::kill(m_pid, SIGKILL);
        waitpid(m_pid, nullptr, 0);
        m_pid = -1;
    }
    /// SIGTERM, then SIGKILL after 15 s.
    void stop() {
        if (m_pid <= 0) return;
        ::kill(m_pid, SIGTERM);
        for (int i = 0; i < 300; ++i) {
            if (waitpid(m_pid, nullptr, WNOHANG) == m_pid) {
                m_pid = -1;
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        kill9();
    }
    pid_t pid() const { return m_pid; }
    /// Reaps the process if it has exited by itself: its wait status (WIFEXITED, WEXITSTATUS,
    /// WTERMSIG), or nullopt while it runs or when it was never started.
    std::optional<int> poll_exit() {
        if (m_pid <= 0) return std::nullopt;
        int status = 0;
        if (waitpid(m_pid, &status, WNOHANG) != m_pid) return std::nullopt;
        m_pid = -1;
        return status;
    }
    /// Waits up to `limit` for the process to exit: its exit code, or -1 (then it is killed).
    int wait_exit(std::chrono::seconds limit) {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while (m_pid > 0 && std::chrono::steady_clock::now() < deadline) {
            int status = 0;
            if (waitpid(m_pid, &status, WNOHANG) == m_pid) {
                m_pid = -1;
                return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        kill9();
        return -1;
    }

private:
    pid_t m_pid = -1;
};

inline int connect_local(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

struct HttpResponse {
    int status = 0;
    std::string headers;  // the status line and header lines
    std::string body;
};

/// Sends one HTTP/1.1 request (Connection: close) to 127.0.0.1:port and reads the whole
/// response (at most 64 MiB): status, headers and body; nullopt when nothing answered.
inline std::optional<HttpResponse> http_exchange(std::uint16_t port, const std::string& request,
                                                 int receive_timeout_s) {
    const int fd = connect_local(port);
    if (fd < 0) return std::nullopt;
    timeval tv{receive_timeout_s, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(request.size())) {
        ::close(fd);
        return std::nullopt;
    }
    std::string resp;
    char buf[65536];
    for (;;) {
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        resp.append(buf, static_cast<std::size_t>(n));
        if (resp.size() > (64u << 20)) break;
    }
    ::close(fd);
    const auto end = resp.find("\r\n\r\n");
    if (resp.rfind("HTTP/1.1 ", 0) != 0 || end == std::string::npos || resp.size() < 12)
        return std::nullopt;
    HttpResponse r;
    r.status = std::atoi(resp.substr(9, 3).c_str());
    r.headers = resp.substr(0, end);
    r.body = resp.substr(end + 4);  // Connection: close, so the body runs to the end
    return r;
}

/// GET http://127.0.0.1:port/target: status, headers and body; nullopt when nothing answered.
inline std::optional<HttpResponse> http_request(std::uint16_t port, const std::string& target) {
    return http_exchange(
        port, "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", 5);
}

/// GET http://127.0.0.1:port/target, body on 200, nullopt otherwise.
inline std::optional<std::string> http_get(std::uint16_t port, const std::string& target) {
    auto r = http_request(port, target);
    if (!r || r->status != 200) return std::nullopt;
    return std::move(r->body);
}

/// POST a JSON body to http://127.0.0.1:port/: the response body, or nullopt.
inline std::optional<std::string> http_post(std::uint16_t port, const std::string& body) {
    auto r =
        http_exchange(port,
                      "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                      "Connection: close\r\nContent-Length: " +
                          std::to_string(body.size()) + "\r\n\r\n" + body,
                      60);
    if (!r) return std::nullopt;
    return std::move(r->body);
}

/// A new directory under the temp directory, removed with its contents when this goes.
class TempDir {
public:
    explicit TempDir(const std::string& prefix) {
        std::string templ =
            (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
        if (mkdtemp(templ.data()) != nullptr) m_path = templ;
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir() {
        if (m_path.empty()) return;
        std::error_code ec;
        std::filesystem::remove_all(m_path, ec);
    }
    bool ok() const { return !m_path.empty(); }
    const std::string& path() const { return m_path; }

private:
    std::string m_path;
};

/// Polls `done` every 200 ms until it holds or `limit` passes.
inline bool wait_until(std::chrono::seconds limit, const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        if (done()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return done();
}

inline std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

inline std::optional<boost::json::value> rpc_get(std::uint16_t port, const std::string& target) {
    auto body = http_get(port, target);
    if (!body) return std::nullopt;
    boost::system::error_code ec;
    auto v = boost::json::parse(*body, ec);
    if (ec || !v.is_object() || !v.as_object().contains("result")) return std::nullopt;
    return v.as_object().at("result");
}

#ifdef SEER_BINARY  // the e2e tests' build (the bench includes this file too)
/// `seer testnet` of one validator in `dir`/net (p2p port `base`, RPC `base` + 1, REST
/// `base` + 10): true when it wrote the files. The home is `dir`/net/node0.
inline bool write_one_validator_testnet(const std::string& dir, std::uint16_t base) {
    Process gen;
    gen.start({SEER_BINARY, "testnet", "--validators", "1", "--output", dir + "/net",
               "--starting-port", std::to_string(base), "--api-starting-port",
               std::to_string(base + 10)},
              dir + "/testnet.log");
    return gen.wait_exit(std::chrono::seconds(30)) == 0;
}
#endif

/// Replaces the first line `key = …` in a TOML file with `line`.
inline void set_toml(const std::string& path, const std::string& key, const std::string& line) {
    std::string text = read_file(path);
    std::regex re("(^|\n)" + key + " = [^\n]*");
    text = std::regex_replace(text, re, "$1" + line, std::regex_constants::format_first_only);
    std::ofstream(path, std::ios::trunc) << text;
}

/// The latest height a node's RPC /status reports, or -1 when it does not answer.
inline std::int64_t rpc_height(std::uint16_t rpc) {
    auto s = rpc_get(rpc, "/status");
    return s ? std::stoll(std::string(s->at("sync_info").at("latest_block_height").as_string()))
             : -1;
}

/// A free TCP port range [p, p + count) on 127.0.0.1 (best effort: bound and released). The
/// range lies in 10000..32767, below Linux's ephemeral ports (32768-60999 by default): there an
/// outgoing connection of any process could take a port before the node that owns it binds.
inline std::uint16_t free_port_range(int count) {
    constexpr int k_low = 10000, k_high = 32768;
    if (count <= 0 || count >= k_high - k_low) return 0;
    for (int attempt = 0; attempt < 200; ++attempt) {
        const std::uint16_t base = static_cast<std::uint16_t>(
            k_low + (getpid() * 7919 + attempt * 997) % (k_high - k_low - count));
        bool ok = true;
        for (int i = 0; i < count && ok; ++i) {
            const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
            sockaddr_in addr{};
            addr.sin_family = AF_INET;
            addr.sin_port = htons(static_cast<std::uint16_t>(base + i));
            addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
            ::close(fd);
        }
        if (ok) return base;
    }
    return 0;
}

#ifdef SEER_BINARY
/// A fresh temp dir holding write_one_validator_testnet's files on a free range of 20 ports:
/// where most single-node e2e tests start. ok() is false when any step failed.
struct OneValidatorNet {
    explicit OneValidatorNet(const std::string& prefix) : tmp(prefix) {
        if (!tmp.ok()) return;
        dir = tmp.path();
        base = free_port_range(20);
        if (base == 0 || !write_one_validator_testnet(dir, base)) return;
        home = dir + "/net/node0";
        rpc = static_cast<std::uint16_t>(base + 1);
        m_ok = true;
    }
    bool ok() const { return m_ok; }

    TempDir tmp;
    std::string dir;
    std::uint16_t base = 0;   // p2p; REST is base + 10, metrics base + 4
    std::string home;         // dir/net/node0
    std::uint16_t rpc = 0;    // base + 1

private:
    bool m_ok = false;
};
#endif

}  // namespace seer::e2e
