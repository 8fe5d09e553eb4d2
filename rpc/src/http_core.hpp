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
#include <vector>

#include <spdlog/spdlog.h>

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
    std::size_t max_connections = 900;
    std::chrono::milliseconds read_timeout{10'000};
    std::chrono::milliseconds write_timeout{10'000};
    std::size_t max_websocket_message_bytes = 1'000'000;
    std::size_t websocket_queue_limit = 100;
    std::chrono::milliseconds websocket_idle_timeout{60'000};
    std::size_t io_threads = 2;
    /// CORS, as CometBFT's [rpc] cors_allowed_origins: empty = no CORS headers; "*" = any
    /// origin; else exact origins ("https://app.example"). Preflight OPTIONS is answered here.
    std::vector<std::string> cors_allowed_origins;
};

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

/// Counts open connections; released when the session that holds it dies.
class Slot {
public:
    Slot() = default;
    explicit Slot(std::shared_ptr<std::atomic<std::size_t>> count) : m_count(std::move(count)) {}
    Slot(Slot&& other) noexcept : m_count(std::move(other.m_count)) {}
    Slot& operator=(Slot&&) = delete;
    ~Slot() {
        if (m_count) m_count->fetch_sub(1);
    }

private:
    std::shared_ptr<std::atomic<std::size_t>> m_count;
};

class WsSession;

/// What a websocket connection does with its text messages. Lives on the session's strand and
/// dies with the session (its destructor runs there or at shutdown).
class WsHandler {
public:
    virtual ~WsHandler() = default;
    virtual void on_message(std::string text) = 0;
};
using WsFactory = std::function<std::unique_ptr<WsHandler>(std::weak_ptr<WsSession> session,
                                                           asio::any_io_executor strand)>;

/// A websocket connection. State belongs to its strand. The outgoing queue is bounded by
/// websocket_queue_limit: a client that can't keep up is dropped (counted in `dropped`).
class WsSession : public std::enable_shared_from_this<WsSession> {
public:
    WsSession(tcp::socket socket, const CoreOptions& options, Slot slot, WsFactory factory,
              std::shared_ptr<std::atomic<std::uint64_t>> dropped);
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

    websocket::stream<beast::tcp_stream> m_ws;
    beast::flat_buffer m_buffer;
    std::vector<std::string> m_queue;  // front = being written
    std::size_t m_queue_head = 0;
    bool m_writing = false;
    bool m_closing = false;
    CoreOptions m_options;
    Slot m_slot;
    WsFactory m_factory;
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

    struct Shared;  // what sessions see

private:
    void do_accept();

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
