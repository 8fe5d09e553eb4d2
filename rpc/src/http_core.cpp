#include "http_core.hpp"

#include <stdexcept>

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

struct HttpCore::Shared {
    CoreOptions options;
    HttpCore::OnRequest on_request;
    WsFactory ws_factory;
    std::string ws_path;
    std::shared_ptr<std::atomic<std::size_t>> connections =
        std::make_shared<std::atomic<std::size_t>>(0);
    std::shared_ptr<std::atomic<std::uint64_t>> ws_dropped =
        std::make_shared<std::atomic<std::uint64_t>>(0);
};

namespace {

bool is_http_parse_error(const beast::error_code& ec) {
    return &ec.category() == &beast::http::make_error_code(http::error::bad_target).category();
}

/// One HTTP/1.1 connection: read one request (deadline = read_timeout for the whole message,
/// so a client dribbling bytes is cut off), answer it, read the next.
class HttpSession : public std::enable_shared_from_this<HttpSession> {
public:
    HttpSession(tcp::socket socket, std::shared_ptr<HttpCore::Shared> shared, Slot slot)
        : m_stream(std::move(socket)), m_shared(std::move(shared)), m_slot(std::move(slot)) {}

    void run() {
        asio::dispatch(m_stream.get_executor(),
                       beast::bind_front_handler(&HttpSession::do_read, shared_from_this()));
    }

private:
    void do_read() {
        m_parser.emplace();
        m_parser->body_limit(m_shared->options.max_body_bytes);
        m_parser->header_limit(static_cast<std::uint32_t>(m_shared->options.max_header_bytes));
        m_stream.expires_after(m_shared->options.read_timeout);
        http::async_read(m_stream, m_buffer, *m_parser,
                         beast::bind_front_handler(&HttpSession::on_read, shared_from_this()));
    }

    void reject(http::status status, std::string_view message) {
        Request dummy{http::verb::get, "/", 11};
        auto res = make_response(dummy, status, std::string(message), "text/plain");
        res.keep_alive(false);
        write(std::move(res));
    }

    void on_read(beast::error_code ec, std::size_t) {
        if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
            ec == asio::error::operation_aborted) {
            return close();
        }
        if (ec == http::error::body_limit)
            return reject(http::status::payload_too_large, "request body too large");
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
        if (websocket::is_upgrade(req)) {
            if (!m_shared->ws_factory || req.target() != m_shared->ws_path) {
                return reject(http::status::not_found, "no websocket here");
            }
            auto ws = std::make_shared<WsSession>(m_stream.release_socket(), m_shared->options,
                                                  std::move(m_slot), m_shared->ws_factory,
                                                  m_shared->ws_dropped);
            ws->run(std::move(req));
            return;
        }
        auto self = shared_from_this();
        Respond respond = [self](Response res) {
            auto p = std::make_shared<Response>(std::move(res));
            asio::post(self->m_stream.get_executor(), [self, p] { self->write(std::move(*p)); });
        };
        m_shared->on_request(std::move(req), std::move(respond), m_stream.get_executor());
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
        m_response = std::make_shared<Response>(std::move(res));
        m_stream.expires_after(m_shared->options.write_timeout);
        http::async_write(m_stream, *m_response,
                          beast::bind_front_handler(&HttpSession::on_write, shared_from_this(),
                                                    m_response->keep_alive()));
    }

    void on_write(bool keep_alive, beast::error_code ec, std::size_t) {
        m_response.reset();
        if (ec) return close();
        if (!keep_alive) return close();
        do_read();
    }

    void close() {
        beast::error_code ignored;
        m_stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
        m_stream.close();
    }

    beast::tcp_stream m_stream;
    beast::flat_buffer m_buffer;
    std::optional<http::request_parser<http::string_body>> m_parser;
    std::shared_ptr<Response> m_response;
    std::shared_ptr<HttpCore::Shared> m_shared;
    Slot m_slot;
    std::string m_cors_origin;  // of the request being answered
};

}  // namespace

// ---- websocket ----------------------------------------------------------------------------

WsSession::WsSession(tcp::socket socket, const CoreOptions& options, Slot slot, WsFactory factory,
                     std::shared_ptr<std::atomic<std::uint64_t>> dropped)
    : m_ws(std::move(socket)),
      m_options(options),
      m_slot(std::move(slot)),
      m_factory(std::move(factory)),
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
    do_read();
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
        return;
    }
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

void HttpCore::do_accept() {
    m_acceptor.async_accept(asio::make_strand(m_io), [this](beast::error_code ec,
                                                            tcp::socket socket) {
        if (ec == asio::error::operation_aborted || !m_acceptor.is_open()) return;
        if (!ec) {
            auto& count = *m_shared->connections;
            if (count.fetch_add(1) >= m_options.max_connections) {
                count.fetch_sub(1);
                log()->debug("connection refused: {} connections open", m_options.max_connections);
                beast::error_code ignored;
                socket.close(ignored);
            } else {
                std::make_shared<HttpSession>(std::move(socket), m_shared,
                                              Slot{m_shared->connections})
                    ->run();
            }
        }
        do_accept();
    });
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
