#pragma once
// The HTTP and websocket plumbing shared by the JSON-RPC and REST servers (internal header:
// Beast stays out of the public ones). One io_context with N threads; every connection has its
// own strand, one outstanding read with a deadline and size limits, one outstanding write.

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

#include "seer/rpc/connection_stats.hpp"

namespace seer::rpc::detail {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;
/// Sends the response of one request. Call exactly once, from any io thread.
using Respond = std::function<void(Response)>;

std::shared_ptr<spdlog::logger> log();

struct CoreOptions {
    std::string host;
    std::uint16_t port = 0;
    std::size_t max_body_bytes = 1'000'000;
    std::size_t max_header_bytes = 8 * 1024;
    /// Open HTTP connections (websockets are counted apart). At the limit the oldest idle
    /// keep-alive connection is closed to make room; if none is idle, `reserved_connections`
    /// more are accepted that serve only `priority_paths`, then connections get a 503.
    std::size_t max_connections = 900;
    /// Open websocket connections (CometBFT's max_subscription_clients); 0 = no websocket.
    std::size_t max_websocket_connections = 100;
    /// HTTP and websocket connections from one remote address; 0 = no per-address limit.
    std::size_t max_connections_per_ip = 0;
    std::size_t reserved_connections = 4;
    /// Read, write and idle deadline of a reserved connection (it serves one request).
    std::chrono::milliseconds reserved_timeout{2'000};
    /// Paths a reserved connection answers (e.g. /status, /health); others get a 503.
    std::vector<std::string> priority_paths;
    /// The whole of one request must arrive within this (a dribbling client is cut off).
    std::chrono::milliseconds read_timeout{10'000};
    std::chrono::milliseconds write_timeout{10'000};
    /// A keep-alive connection with no request started for this long is closed.
    std::chrono::milliseconds idle_timeout{10'000};
    std::size_t max_websocket_message_bytes = 1'000'000;
    std::size_t websocket_queue_limit = 100;
    /// A silent websocket is pinged and closed if the ping goes unanswered; one that holds no
    /// subscription and sends no message for this long is closed even if it answers pings.
    std::chrono::milliseconds websocket_idle_timeout{60'000};
    std::size_t io_threads = 2;
    /// CORS, as CometBFT's [rpc] cors_allowed_origins: empty = no CORS headers; "*" = any
    /// origin; else exact origins ("https://app.example"). Preflight OPTIONS is answered here.
    std::vector<std::string> cors_allowed_origins;
};

using ConnectionCounts = ConnectionStats;

/// Guards posts from node threads into the io_context: once `stopped` is set (under the
/// mutex) nothing more is posted, so a callback never touches a destroyed io_context.
struct Hub {
    std::mutex mutex;
    bool stopped = false;
    template <class Executor, class Fn>
    void post(const Executor& ex, Fn&& fn) {
        std::lock_guard lock(mutex);
        if (!stopped) asio::post(ex, std::forward<Fn>(fn));
    }
};

/// Holds one unit of a connection limit; gives it back when destroyed or reset.
class Slot {
public:
    Slot() = default;
    explicit Slot(std::function<void()> release) : m_release(std::move(release)) {}
    Slot(Slot&& other) noexcept : m_release(std::exchange(other.m_release, {})) {}
    Slot& operator=(Slot&& other) noexcept {
        if (this != &other) {
            reset();
            m_release = std::exchange(other.m_release, {});
        }
        return *this;
    }
    ~Slot() { reset(); }
    bool held() const { return static_cast<bool>(m_release); }
    void reset() {
        if (auto r = std::exchange(m_release, {})) r();
    }

private:
    std::function<void()> m_release;
};

class WsSession;

/// What a websocket connection does with its text messages. Lives on the session's strand and
/// dies with the session (its destructor runs there or at shutdown).
class WsHandler {
public:
    virtual ~WsHandler() = default;
    virtual void on_message(std::string text) = 0;
    /// True while the client holds a subscription: such a connection stays open while silent.
    virtual bool holds_subscriptions() const { return false; }
};
using WsFactory = std::function<std::unique_ptr<WsHandler>(std::weak_ptr<WsSession> session,
                                                           asio::any_io_executor strand)>;

/// A websocket connection. State belongs to its strand. The outgoing queue is bounded by
/// websocket_queue_limit: a client that can't keep up is dropped (counted in `dropped`).
class WsSession : public std::enable_shared_from_this<WsSession> {
public:
    WsSession(tcp::socket socket, const CoreOptions& options, std::vector<Slot> slots,
              WsFactory factory, std::shared_ptr<std::atomic<std::uint64_t>> dropped,
              std::function<void()> on_idle_close);
    ~WsSession();
    void run(Request upgrade);
    /// From any io thread or via Hub::post.
    void send(std::string text);
    asio::any_io_executor executor() { return m_ws.get_executor(); }

private:
    void on_accept(beast::error_code ec);
    void do_read();
    void on_read(beast::error_code ec, std::size_t n);
    void enqueue(std::string text);
    void do_write();
    void on_write(beast::error_code ec, std::size_t n);
    void arm_idle_check();
    void shut(beast::error_code ec);

    websocket::stream<beast::tcp_stream> m_ws;
    beast::flat_buffer m_buffer;
    std::vector<std::string> m_queue;  // front = being written
    std::size_t m_queue_head = 0;
    bool m_writing = false;
    bool m_closing = false;
    CoreOptions m_options;
    std::vector<Slot> m_slots;
    WsFactory m_factory;
    asio::steady_timer m_idle_timer;
    std::chrono::steady_clock::time_point m_last_message = std::chrono::steady_clock::now();
    std::function<void()> m_on_idle_close;
    std::unique_ptr<WsHandler> m_handler;
    std::shared_ptr<std::atomic<std::uint64_t>> m_dropped;
};

/// Listener + sessions. `on_request` runs on the connection's strand; it may answer later.
class HttpCore {
public:
    using OnRequest =
        std::function<void(Request&& request, Respond respond, asio::any_io_executor strand)>;
    HttpCore(CoreOptions options, OnRequest on_request, WsFactory ws_factory = {},
             std::string ws_path = {});
    ~HttpCore();
    HttpCore(const HttpCore&) = delete;
    HttpCore& operator=(const HttpCore&) = delete;

    void start();
    void stop();
    std::uint16_t port() const { return m_port.load(); }
    const std::shared_ptr<Hub>& hub() const { return m_hub; }
    asio::io_context& io() { return m_io; }
    ConnectionCounts counts() const;

    struct Shared;  // what sessions see

private:
    void do_accept();
    void admit(tcp::socket socket);

    CoreOptions m_options;
    asio::io_context m_io;
    tcp::acceptor m_acceptor;
    std::shared_ptr<Shared> m_shared;
    std::shared_ptr<Hub> m_hub = std::make_shared<Hub>();
    std::vector<std::thread> m_threads;
    std::atomic<std::uint16_t> m_port{0};
    bool m_started = false;
    bool m_stopped = false;
};

Response make_response(const Request& request, http::status status, std::string body,
                       std::string_view content_type = "application/json");

}  // namespace seer::rpc::detail
