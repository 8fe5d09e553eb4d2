#include "seer/rpc/metrics_server.hpp"

#include "http_core.hpp"

namespace seer::rpc {

using namespace detail;

struct MetricsServer::Impl {
    Impl(MetricsOptions o, std::function<std::string()> r) : render(std::move(r)) {
        CoreOptions c;
        c.host = o.host;
        c.port = o.port;
        c.max_body_bytes = 0;  // a scrape has no body
        c.max_header_bytes = 8 * 1024;
        c.max_connections = o.max_connections;
        c.max_websocket_connections = 0;
        c.max_connections_per_ip = 0;
        c.reserved_connections = 2;
        c.priority_paths = {"/metrics"};
        c.read_timeout = o.read_timeout;
        c.write_timeout = o.write_timeout;
        c.idle_timeout = o.idle_timeout;
        c.io_threads = 1;
        core = std::make_unique<HttpCore>(
            c, [this](Request&& req, Respond respond, asio::any_io_executor) {
                const std::string_view target = req.target();
                const auto path = target.substr(0, target.find('?'));
                if (path != "/metrics") {
                    return respond(make_response(req, http::status::not_found,
                                                 "404 page not found\n", "text/plain"));
                }
                if (req.method() != http::verb::get && req.method() != http::verb::head) {
                    return respond(make_response(req, http::status::method_not_allowed,
                                                 "method not allowed\n", "text/plain"));
                }
                respond(make_response(req, http::status::ok, render(),
                                      "text/plain; version=0.0.4; charset=utf-8"));
            });
    }

    std::function<std::string()> render;
    std::unique_ptr<HttpCore> core;
};

MetricsServer::MetricsServer(MetricsOptions options, std::function<std::string()> render)
    : m_impl(std::make_unique<Impl>(std::move(options), std::move(render))) {}
MetricsServer::~MetricsServer() {
    stop();
}
void MetricsServer::start() {
    m_impl->core->start();
}
void MetricsServer::stop() {
    m_impl->core->stop();
}
std::uint16_t MetricsServer::port() const {
    return m_impl->core->port();
}
ConnectionStats MetricsServer::connections() const {
    return m_impl->core->counts();
}

}  // namespace seer::rpc
