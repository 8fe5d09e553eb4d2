#include "http_core.hpp"

#include <sys/ioctl.h>

#include <list>
#include <stdexcept>
#include <unordered_map>

namespace seer::rpc::detail {

std::shared_ptr<spdlog::logger> log() {
    static std::shared_ptr<spdlog::logger> logger = [] {
        if (auto l = spdlog::get("rpc")) return l;
        auto l = spdlog::default_logger()->clone("rpc");
        spdlog::register_logger(l);
        return l;
    }();
    return logger;
}

Response make_response(const Request& request, http::status status, std::string body,
                       std::string_view content_type) {
    Response res{status, request.version()};
    res.set(http::field::server, "seer");
    res.set(http::field::content_type, content_type);
    res.keep_alive(request.keep_alive());
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

/// An idle keep-alive connection the acceptor may close to make room. Guarded by
/// Shared::mutex; `evicted` is set (and the entry erased) by the acceptor, then `evict` runs.
struct IdleEntry {
    std::string ip;
    int fd;  // open while the entry is listed: a session leaves the list before it closes
    std::shared_ptr<bool> evicted;
    std::function<void()> evict;
};

struct HttpCore::Shared {
    CoreOptions options;
    HttpCore::OnRequest on_request;
    WsFactory ws_factory;
    std::string ws_path;
    std::shared_ptr<std::atomic<std::uint64_t>> ws_dropped =
        std::make_shared<std::atomic<std::uint64_t>>(0);

    mutable std::mutex mutex;
    ConnectionCounts counts;
    std::unordered_map<std::string, std::size_t> per_ip;
    std::list<IdleEntry> idle;  // oldest first

    /// Closes the oldest idle connection (from `ip` if not empty). Caller holds the mutex.
    bool evict_idle_locked(const std::string& ip) {
        for (auto it = idle.begin(); it != idle.end(); ++it) {
            if (!ip.empty() && it->ip != ip) continue;
            int pending = 0;
            if (::ioctl(it->fd, FIONREAD, &pending) == 0 && pending > 0) continue;  // not idle
            *it->evicted = true;
            auto evict = std::move(it->evict);
            idle.erase(it);
            ++counts.evicted_idle;
            evict();  // only posts to the session's strand
            return true;
        }
        return false;
    }
};

namespace {

bool is_http_parse_error(const beast::error_code& ec) {
    return &ec.category() == &beast::http::make_error_code(http::error::bad_target).category();
}

/// One HTTP/1.1 connection. Between requests it is idle: it waits for the first byte of the
/// next request (at most idle_timeout) and may be closed by the acceptor to make room. Once a
/// request starts, the whole of it must arrive within read_timeout, so a client dribbling
/// bytes is cut off; then it is answered (within write_timeout) and the session is idle again.
class HttpSession : public std::enable_shared_from_this<HttpSession> {
public:
    /// `reserved_for`: empty for a normal connection; for a reserved one, the limit that was
    /// reached (told to a client that asks for anything but the priority paths).
    HttpSession(tcp::socket socket, std::shared_ptr<HttpCore::Shared> shared, std::string ip,
                Slot http_slot, Slot ip_slot, std::string reserved_for)
        : m_stream(std::move(socket)),
          m_idle_timer(m_stream.get_executor()),
          m_shared(std::move(shared)),
          m_ip(std::move(ip)),
          m_http_slot(std::move(http_slot)),
          m_ip_slot(std::move(ip_slot)),
          m_reserved(!reserved_for.empty()),
          m_reserved_for(std::move(reserved_for)) {}

    /// From the acceptor: the session is listed as idle at once, so idle connections are
    /// evicted in the order they were accepted.
    void run() {
        enter_idle();
        asio::dispatch(m_stream.get_executor(),
                       beast::bind_front_handler(&HttpSession::arm_idle, shared_from_this()));
    }

private:
    std::chrono::milliseconds deadline(std::chrono::milliseconds t) const {
        return m_reserved ? std::min(t, m_shared->options.reserved_timeout) : t;
    }

    void wait_idle() {
        if (m_buffer.size() > 0) return do_read();  // a pipelined request is already here
        enter_idle();
        arm_idle();
    }

    void enter_idle() {
        std::lock_guard lock(m_shared->mutex);
        m_evicted = std::make_shared<bool>(false);
        std::weak_ptr<HttpSession> weak = weak_from_this();
        auto ex = m_stream.get_executor();
        m_shared->idle.push_back(IdleEntry{m_ip, m_stream.socket().native_handle(), m_evicted,
                                           [weak, ex] {
                                               asio::post(ex, [weak] {
                                                   if (auto s = weak.lock()) s->close();
                                               });
                                           }});
        m_idle_entry = std::prev(m_shared->idle.end());
        m_idle = true;
    }

    void arm_idle() {
        if (m_closed) return;  // evicted before its strand first ran
        auto self = shared_from_this();
        m_idle_timer.expires_after(deadline(m_shared->options.idle_timeout));
        m_idle_timer.async_wait([self](beast::error_code ec) {
            if (ec == asio::error::operation_aborted) return;
            self->close();
        });
        m_stream.socket().async_wait(tcp::socket::wait_read, [self](beast::error_code ec) {
            self->m_idle_timer.cancel();
            if (!self->leave_idle() || ec) return self->close();
            self->do_read();
        });
    }

    /// Leaves the idle list. False if the acceptor evicted this connection meanwhile (or it had
    /// left already): the session must close.
    bool leave_idle() {
        std::lock_guard lock(m_shared->mutex);
        if (!m_idle) return false;
        m_idle = false;
        if (*m_evicted) return false;
        m_shared->idle.erase(m_idle_entry);
        return true;
    }

    void do_read() {
        m_parser.emplace();
        m_parser->body_limit(m_shared->options.max_body_bytes);
        m_parser->header_limit(static_cast<std::uint32_t>(m_shared->options.max_header_bytes));
        m_stream.expires_after(deadline(m_shared->options.read_timeout));
        http::async_read(m_stream, m_buffer, *m_parser,
                         beast::bind_front_handler(&HttpSession::on_read, shared_from_this()));
    }

    void reject(http::status status, std::string_view message) {
        Request dummy{http::verb::get, "/", 11};
        auto res = make_response(dummy, status, std::string(message), "text/plain");
        res.keep_alive(false);
        write(std::move(res));
    }

    bool priority_path(std::string_view target) const {
        const auto path = target.substr(0, target.find('?'));
        for (const auto& p : m_shared->options.priority_paths)
            if (p == path) return true;
        return false;
    }

    void on_read(beast::error_code ec, std::size_t) {
        if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
            ec == asio::error::operation_aborted) {
            return close();
        }
        if (ec == http::error::body_limit)
            return reject(http::status::payload_too_large,
                          "request body too large: more than max_body_bytes = " +
                              std::to_string(m_shared->options.max_body_bytes) +
                              " bytes");
        if (ec == http::error::header_limit) {
            return reject(http::status::request_header_fields_too_large,
                          "request header too large");
        }
        if (ec) {
            if (is_http_parse_error(ec)) return reject(http::status::bad_request, "bad request");
            return close();
        }
        m_stream.expires_never();
        Request req = m_parser->release();
        if (m_reserved) {
            req.keep_alive(false);  // a reserved connection serves one request
            if (!priority_path(req.target())) {
                std::string paths;
                for (const auto& p : m_shared->options.priority_paths)
                    paths += (paths.empty() ? "" : ", ") + p;
                return reject(http::status::service_unavailable,
                              m_reserved_for + "; only " + paths + " served, retry later\n");
            }
        }
        m_cors_origin = allowed_origin(req);
        if (req.method() == http::verb::options && !m_shared->options.cors_allowed_origins.empty()) {
            // A CORS preflight: answered without the application.
            Response res{http::status::no_content, req.version()};
            res.set(http::field::server, "seer");
            res.set(http::field::access_control_allow_methods, "HEAD, GET, POST, OPTIONS");
            res.set(http::field::access_control_allow_headers,
                    "Origin, Accept, Content-Type, X-Requested-With, X-Server-Time");
            res.set(http::field::access_control_max_age, "600");
            res.keep_alive(req.keep_alive());
            return write(std::move(res));
        }
        if (websocket::is_upgrade(req)) return upgrade(std::move(req));
        auto self = shared_from_this();
        Respond respond = [self](Response res) {
            auto p = std::make_shared<Response>(std::move(res));
            asio::post(self->m_stream.get_executor(), [self, p] { self->write(std::move(*p)); });
        };
        m_shared->on_request(std::move(req), std::move(respond), m_stream.get_executor());
    }

    void upgrade(Request req) {
        if (!m_shared->ws_factory || req.target() != m_shared->ws_path)
            return reject(http::status::not_found, "no websocket here");
        Slot ws_slot;
        {
            std::lock_guard lock(m_shared->mutex);
            if (m_shared->counts.websocket >= m_shared->options.max_websocket_connections) {
                ++m_shared->counts.refused;
                ws_slot = Slot{};
            } else {
                ++m_shared->counts.websocket;
                ws_slot = Slot{[shared = m_shared] {
                    std::lock_guard l(shared->mutex);
                    --shared->counts.websocket;
                }};
            }
        }
        if (!ws_slot.held()) {
            log()->debug("websocket refused: {} websocket connections open",
                         m_shared->options.max_websocket_connections);
            return reject(http::status::service_unavailable,
                          "too many websocket connections (max_subscription_clients = " +
                              std::to_string(m_shared->options.max_websocket_connections) + ")\n");
        }
        std::vector<Slot> slots;
        slots.push_back(std::move(ws_slot));
        slots.push_back(std::move(m_ip_slot));
        auto shared = m_shared;
        auto ws = std::make_shared<WsSession>(
            m_stream.release_socket(), m_shared->options, std::move(slots), m_shared->ws_factory,
            m_shared->ws_dropped, [shared] {
                std::lock_guard l(shared->mutex);
                ++shared->counts.websocket_idle_closed;
            });
        ws->run(std::move(req));
        // This session ends here; its HTTP slot goes with it.
    }

    /// The value of Access-Control-Allow-Origin for this request, or "" for none.
    std::string allowed_origin(const Request& req) const {
        const auto& allowed = m_shared->options.cors_allowed_origins;
        if (allowed.empty()) return {};
        const auto origin = req[http::field::origin];
        if (origin.empty()) return {};
        for (const auto& o : allowed)
            if (o == "*" || o == origin) return std::string(origin);
        return {};
    }

    void write(Response res) {
        if (!m_cors_origin.empty()) {
            res.set(http::field::access_control_allow_origin, m_cors_origin);
            res.set(http::field::vary, "Origin");
        }
        if (m_reserved) res.keep_alive(false);
        m_response = std::make_shared<Response>(std::move(res));
        m_stream.expires_after(deadline(m_shared->options.write_timeout));
        http::async_write(m_stream, *m_response,
                          beast::bind_front_handler(&HttpSession::on_write, shared_from_this(),
                                                    m_response->keep_alive()));
    }

    void on_write(bool keep_alive, beast::error_code ec, std::size_t) {
        m_response.reset();
        if (ec) return close();
        if (!keep_alive) return close();
        m_stream.expires_never();
        wait_idle();
    }

    void close() {
        m_closed = true;
        leave_idle();
        m_idle_timer.cancel();
        beast::error_code ignored;
        m_stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
        m_stream.close();
    }

    beast::tcp_stream m_stream;
    asio::steady_timer m_idle_timer;
    beast::flat_buffer m_buffer;
    std::optional<http::request_parser<http::string_body>> m_parser;
    std::shared_ptr<Response> m_response;
    std::shared_ptr<HttpCore::Shared> m_shared;
    std::string m_ip;
    Slot m_http_slot;
    Slot m_ip_slot;
    const bool m_reserved;
    const std::string m_reserved_for;
    bool m_closed = false;
    // The idle phase (guarded by m_shared->mutex).
    bool m_idle = false;
    std::shared_ptr<bool> m_evicted;
    std::list<IdleEntry>::iterator m_idle_entry;
    std::string m_cors_origin;  // of the request being answered
};

}  // namespace

// ---- websocket ----------------------------------------------------------------------------

WsSession::WsSession(tcp::socket socket, const CoreOptions& options, std::vector<Slot> slots,
                     WsFactory factory, std::shared_ptr<std::atomic<std::uint64_t>> dropped,
                     std::function<void()> on_idle_close)
    : m_ws(std::move(socket)),
      m_options(options),
      m_slots(std::move(slots)),
      m_factory(std::move(factory)),
      m_idle_timer(m_ws.get_executor()),
      m_on_idle_close(std::move(on_idle_close)),
      m_dropped(std::move(dropped)) {}

WsSession::~WsSession() = default;

void WsSession::run(Request upgrade) {
    beast::get_lowest_layer(m_ws).expires_never();
    websocket::stream_base::timeout t{};
    t.handshake_timeout = m_options.read_timeout;
    t.idle_timeout = m_options.websocket_idle_timeout;
    t.keep_alive_pings = true;
    m_ws.set_option(t);
    m_ws.read_message_max(m_options.max_websocket_message_bytes);
    m_ws.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "seer"); }));
    auto req = std::make_shared<Request>(std::move(upgrade));
    auto self = shared_from_this();
    asio::dispatch(m_ws.get_executor(), [self, req] {
        self->m_ws.async_accept(*req, [self, req](beast::error_code ec) { self->on_accept(ec); });
    });
}

void WsSession::on_accept(beast::error_code ec) {
    if (ec) return;
    m_handler = m_factory(weak_from_this(), m_ws.get_executor());
    m_last_message = std::chrono::steady_clock::now();
    arm_idle_check();
    do_read();
}

void WsSession::arm_idle_check() {
    // Beast's own timeout pings a silent peer and drops it if the ping goes unanswered; this
    // closes a peer that answers pings but neither subscribes nor asks anything.
    const auto idle = m_options.websocket_idle_timeout;
    m_idle_timer.expires_at(m_last_message + idle);
    m_idle_timer.async_wait([self = shared_from_this(), idle](beast::error_code ec) {
        if (ec || self->m_closing) return;
        const auto now = std::chrono::steady_clock::now();
        if (self->m_handler && self->m_handler->holds_subscriptions()) {
            self->m_last_message = now;  // a subscriber may stay silent: re-check later
        } else if (now - self->m_last_message >= idle) {
            log()->debug("websocket closed: no subscription and no message in {} ms",
                         idle.count());
            if (self->m_on_idle_close) self->m_on_idle_close();
            return self->shut({});
        }
        self->arm_idle_check();
    });
}

void WsSession::shut(beast::error_code) {
    if (m_closing) return;
    m_closing = true;
    m_handler.reset();
    m_idle_timer.cancel();
    if (m_writing) {
        beast::get_lowest_layer(m_ws).close();
        return;
    }
    m_ws.async_close(websocket::close_reason(websocket::close_code::going_away, "idle"),
                     [self = shared_from_this()](beast::error_code) {
                         beast::get_lowest_layer(self->m_ws).close();
                     });
}

void WsSession::do_read() {
    m_ws.async_read(m_buffer, beast::bind_front_handler(&WsSession::on_read, shared_from_this()));
}

void WsSession::on_read(beast::error_code ec, std::size_t) {
    if (ec) {
        // Closed, timed out or a protocol violation (including an oversized message): the
        // session ends and its subscriptions with it.
        m_closing = true;
        m_handler.reset();
        m_idle_timer.cancel();
        return;
    }
    m_last_message = std::chrono::steady_clock::now();
    std::string text = beast::buffers_to_string(m_buffer.data());
    m_buffer.consume(m_buffer.size());
    if (m_handler && !m_closing) m_handler->on_message(std::move(text));
    if (!m_closing) do_read();
}

void WsSession::send(std::string text) {
    auto self = shared_from_this();
    auto p = std::make_shared<std::string>(std::move(text));
    asio::dispatch(m_ws.get_executor(), [self, p] { self->enqueue(std::move(*p)); });
}

void WsSession::enqueue(std::string text) {
    if (m_closing) return;
    if (m_queue.size() - m_queue_head >= m_options.websocket_queue_limit) {
        // Can't keep up: drop the client rather than buffer without bound.
        m_dropped->fetch_add(1);
        log()->debug("websocket client dropped: outgoing queue full ({} messages)",
                     m_options.websocket_queue_limit);
        m_closing = true;
        m_handler.reset();
        m_idle_timer.cancel();
        beast::get_lowest_layer(m_ws).close();
        return;
    }
    m_queue.push_back(std::move(text));
    if (!m_writing) do_write();
}

void WsSession::do_write() {
    m_writing = true;
    m_ws.text(true);
    m_ws.async_write(asio::buffer(m_queue[m_queue_head]),
                     beast::bind_front_handler(&WsSession::on_write, shared_from_this()));
}

void WsSession::on_write(beast::error_code ec, std::size_t) {
    m_writing = false;
    if (ec) {
        m_closing = true;
        m_handler.reset();
        m_idle_timer.cancel();
        return;
    }
    ++m_queue_head;
    if (m_queue_head == m_queue.size()) {
        m_queue.clear();
        m_queue_head = 0;
    } else if (m_queue_head > 64) {
        m_queue.erase(m_queue.begin(), m_queue.begin() + static_cast<std::ptrdiff_t>(m_queue_head));
        m_queue_head = 0;
    }
    if (m_queue_head < m_queue.size() && !m_closing) do_write();
}

// ---- listener -----------------------------------------------------------------------------

HttpCore::HttpCore(CoreOptions options, OnRequest on_request, WsFactory ws_factory,
                   std::string ws_path)
    : m_options(std::move(options)), m_acceptor(m_io) {
    m_shared = std::make_shared<Shared>();
    m_shared->options = m_options;
    m_shared->on_request = std::move(on_request);
    m_shared->ws_factory = std::move(ws_factory);
    m_shared->ws_path = std::move(ws_path);
}

HttpCore::~HttpCore() {
    stop();
}

void HttpCore::start() {
    if (m_started) return;
    beast::error_code ec;
    auto address = asio::ip::make_address(m_options.host, ec);
    if (ec) throw std::runtime_error("rpc: bad listen address " + m_options.host);
    tcp::endpoint endpoint{address, m_options.port};
    m_acceptor.open(endpoint.protocol(), ec);
    if (!ec) m_acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) m_acceptor.bind(endpoint, ec);
    if (!ec) m_acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        throw std::runtime_error("rpc: cannot listen on " + m_options.host + ":" +
                                 std::to_string(m_options.port) + ": " + ec.message());
    }
    m_port = m_acceptor.local_endpoint().port();
    m_started = true;
    do_accept();
    const std::size_t n = std::max<std::size_t>(1, m_options.io_threads);
    for (std::size_t i = 0; i < n; ++i) {
        m_threads.emplace_back([this] {
            for (;;) {
                try {
                    m_io.run();
                    return;
                } catch (const std::exception& e) {
                    log()->error("rpc io thread: {}", e.what());
                }
            }
        });
    }
}

namespace {

/// Best effort: a refused client gets a reason, not just a reset.
void refuse(tcp::socket& socket, std::string_view reason) {
    const std::string text = "HTTP/1.1 503 Service Unavailable\r\nServer: seer\r\n"
                             "Content-Type: text/plain\r\nConnection: close\r\nContent-Length: " +
                             std::to_string(reason.size()) + "\r\n\r\n" + std::string(reason);
    beast::error_code ignored;
    socket.non_blocking(true, ignored);
    socket.write_some(asio::buffer(text), ignored);
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
}

}  // namespace

void HttpCore::do_accept() {
    m_acceptor.async_accept(asio::make_strand(m_io), [this](beast::error_code ec,
                                                            tcp::socket socket) {
        if (ec == asio::error::operation_aborted || !m_acceptor.is_open()) return;
        if (!ec) admit(std::move(socket));
        do_accept();
    });
}

void HttpCore::admit(tcp::socket socket) {
    beast::error_code ec;
    const auto remote = socket.remote_endpoint(ec);
    if (ec) return;
    std::string ip = remote.address().to_string();
    auto& sh = *m_shared;
    const auto& o = sh.options;
    bool reserved = false;
    std::string limit;    // the limit that was reached
    std::string refusal;
    {
        std::lock_guard lock(sh.mutex);
        const bool ip_full = o.max_connections_per_ip != 0 &&
                             sh.per_ip[ip] >= o.max_connections_per_ip;
        // Room is made by closing an idle keep-alive connection: at an address's own limit,
        // only one of its own.
        bool room = true;
        if (ip_full)
            room = sh.evict_idle_locked(ip);
        else if (sh.counts.http >= o.max_connections)
            room = sh.evict_idle_locked({});
        if (!room) {
            limit = ip_full ? "too many connections from " + ip + " (max " +
                                  std::to_string(o.max_connections_per_ip) + ")"
                            : "too many connections (max " + std::to_string(o.max_connections) +
                                  ")";
            if (sh.counts.reserved < o.reserved_connections)
                reserved = true;  // serves the priority paths only
            else
                refusal = limit + "\n";
        }
        if (refusal.empty()) {
            ++sh.counts.http;
            ++sh.per_ip[ip];
            if (reserved) ++sh.counts.reserved;
        } else {
            ++sh.counts.refused;
            if (sh.per_ip[ip] == 0) sh.per_ip.erase(ip);
        }
    }
    if (!refusal.empty()) {
        log()->debug("connection refused: {}", refusal);
        refuse(socket, refusal);
        return;
    }
    auto shared = m_shared;
    Slot http_slot{[shared, reserved] {
        std::lock_guard l(shared->mutex);
        --shared->counts.http;
        if (reserved) --shared->counts.reserved;
    }};
    Slot ip_slot{[shared, ip] {
        std::lock_guard l(shared->mutex);
        auto it = shared->per_ip.find(ip);
        if (it != shared->per_ip.end() && --it->second == 0) shared->per_ip.erase(it);
    }};
    std::make_shared<HttpSession>(std::move(socket), m_shared, std::move(ip), std::move(http_slot),
                                  std::move(ip_slot), reserved ? std::move(limit) : std::string())
        ->run();
}

ConnectionCounts HttpCore::counts() const {
    std::lock_guard lock(m_shared->mutex);
    return m_shared->counts;
}

void HttpCore::stop() {
    if (m_stopped) return;
    m_stopped = true;
    {
        std::lock_guard lock(m_hub->mutex);
        m_hub->stopped = true;
    }
    if (m_started) {
        asio::post(m_io, [this] {
            beast::error_code ignored;
            m_acceptor.close(ignored);
        });
    }
    m_io.stop();
    for (auto& t : m_threads)
        t.join();
    m_threads.clear();
}

}  // namespace seer::rpc::detail
