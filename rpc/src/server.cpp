#include "seer/rpc/server.hpp"

#include <map>

#include "cometbft_json.hpp"
#include "http_core.hpp"
#include "jsonrpc.hpp"
#include "query.hpp"
#include "uri.hpp"

namespace seer::rpc {

using namespace detail;

namespace {

/// Converts a URI query into named params as CometBFT's URI handler reads them.
std::optional<Params> uri_params(std::string_view query, std::string& error) {
    Params p;
    p.from_uri = true;
    std::size_t count = 0;
    while (!query.empty()) {
        const auto amp = query.find('&');
        auto pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (pair.empty()) continue;
        if (++count > 32) {
            error = "too many query arguments";
            return std::nullopt;
        }
        const auto eq = pair.find('=');
        auto key = url_decode(pair.substr(0, eq));
        auto value =
            url_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
        if (!key || !value || !valid_utf8(*key) || !valid_utf8(*value)) {
            error = "bad query encoding";
            return std::nullopt;
        }
        std::string v = *value;
        if (v.size() >= 2 && v.front() == '"' && v.back() == '"') {
            v = v.substr(1, v.size() - 2);
            p.uri_quoted.insert(*key);
        }
        p.named[*key] = v;
    }
    return p;
}

std::string index_page() {
    std::string out = "<html><body><br>Available endpoints:<br>";
    for (const auto& name : method_names())
        out += "<a href=\"/" + name + "\">/" + name + "</a><br>";
    return out + "</body></html>";
}

/// One websocket client: JSON-RPC requests plus subscribe/unsubscribe/unsubscribe_all.
/// Runs on the session's strand; node callbacks only match and post.
class WsClient final : public WsHandler {
public:
    WsClient(std::weak_ptr<WsSession> session, CallContext ctx)
        : m_session(std::move(session)), m_ctx(std::move(ctx)) {}

    ~WsClient() override {
        for (const auto& [q, id] : m_subs)
            m_ctx.node->unsubscribe(id);
    }

    bool holds_subscriptions() const override { return !m_subs.empty(); }

    void on_message(std::string text) override {
        std::string error;
        auto parsed = parse_json(text, error);
        if (!parsed) return send(response_json(-1, RpcError{k_parse_error, error}));
        const auto* obj = parsed->if_object();
        if (!obj)
            return send(
                response_json(nullptr, RpcError{k_invalid_request, "request must be an object"}));
        const auto* method = obj->if_contains("method");
        const auto* id = obj->if_contains("id");
        json::value idv = id && valid_id(*id) ? *id : json::value(nullptr);
        if (method && method->is_string()) {
            const auto name = method->get_string();
            if (name == "subscribe" || name == "unsubscribe" || name == "unsubscribe_all") {
                const auto* version = obj->if_contains("jsonrpc");
                if (!version || !version->is_string() || version->get_string() != "2.0") {
                    return send(
                        response_json(idv, RpcError{k_invalid_request, "jsonrpc must be \"2.0\""}));
                }
                return subscription(name, obj->if_contains("params"), idv);
            }
        }
        std::weak_ptr<WsSession> weak = m_session;
        handle_jsonrpc_text(text, m_ctx, [weak](std::string body) {
            if (body.empty()) return;
            if (auto s = weak.lock()) s->send(std::move(body));
        });
    }

private:
    void send(const json::value& v) {
        if (auto s = m_session.lock()) s->send(json::serialize(v));
    }

    std::optional<std::string> query_param(const json::value* params) {
        if (!params) return std::nullopt;
        if (const auto* o = params->if_object()) {
            if (const auto* q = o->if_contains("query"); q && q->is_string())
                return std::string(q->get_string());
        } else if (const auto* a = params->if_array()) {
            if (!a->empty() && (*a)[0].is_string()) return std::string((*a)[0].get_string());
        }
        return std::nullopt;
    }

    void subscription(std::string_view name, const json::value* params, const json::value& id) {
        if (name == "unsubscribe_all") {
            if (m_subs.empty())
                return send(
                    response_json(id, RpcError{k_internal_error, "subscription not found"}));
            for (const auto& [q, sid] : m_subs)
                m_ctx.node->unsubscribe(sid);
            m_subs.clear();
            return send(response_json(id, json::value(json::object{})));
        }
        auto text = query_param(params);
        if (!text) return send(response_json(id, RpcError{k_invalid_params, "missing query"}));
        if (name == "unsubscribe") {
            auto it = m_subs.find(*text);
            if (it == m_subs.end())
                return send(
                    response_json(id, RpcError{k_internal_error, "subscription not found"}));
            m_ctx.node->unsubscribe(it->second);
            m_subs.erase(it);
            return send(response_json(id, json::value(json::object{})));
        }
        auto parsed = parse_query(*text);
        if (!parsed) {
            return send(response_json(id, RpcError{k_invalid_params, "failed to parse query: " +
                                                                         parsed.error().message}));
        }
        if (m_subs.count(*text) != 0)
            return send(response_json(id, RpcError{k_internal_error, "already subscribed"}));
        if (m_subs.size() >= m_ctx.options->max_subscriptions_per_client) {
            return send(response_json(
                id, RpcError{k_internal_error,
                             "max_subscriptions_per_client " +
                                 std::to_string(m_ctx.options->max_subscriptions_per_client) +
                                 " reached"}));
        }
        auto query = std::make_shared<const Query>(std::move(*parsed));
        auto hub = m_ctx.hub;
        auto strand = m_ctx.strand;
        std::weak_ptr<WsSession> weak = m_session;
        auto head = std::make_shared<const std::string>(
            "{\"jsonrpc\":\"2.0\",\"id\":" + json::serialize(id) + ",\"result\":{\"query\":" +
            json::serialize(json::value(json::string(*text))) + ",\"data\":");
        const auto sid =
            m_ctx.node->subscribe([query, hub, strand, weak, head](const BusEvent& ev) {
                if (!query->matches(ev.attributes)) return;
                auto copy = std::make_shared<const BusEvent>(ev);
                hub->post(strand, [weak, copy, head] {
                    auto s = weak.lock();
                    if (!s) return;
                    s->send(*head + json::serialize(event_data_json(*copy)) + ",\"events\":" +
                            json::serialize(event_map_json(copy->attributes)) + "}}");
                });
            });
        m_subs.emplace(*text, sid);
        // Events are posted to this strand, so this reply (written now) precedes any of them.
        send(response_json(id, json::value(json::object{})));
    }

    std::weak_ptr<WsSession> m_session;
    CallContext m_ctx;
    std::map<std::string, SubscriptionId> m_subs;  // by query text, as CometBFT
};

}  // namespace

struct Server::Impl {
    Impl(NodeApi& n, ServerOptions o) : node(n), options(std::move(o)) {
        CoreOptions c;
        c.host = options.host;
        c.port = options.port;
        c.max_body_bytes = options.max_body_bytes;
        c.max_header_bytes = options.max_header_bytes;
        c.max_connections = options.max_connections;
        c.max_websocket_connections = options.max_websocket_connections;
        c.max_connections_per_ip = options.max_connections_per_ip;
        c.priority_paths = {"/status", "/health"};
        c.reserved_connections = options.reserved_connections;
        c.reserved_timeout = options.reserved_timeout;
        c.idle_timeout = options.idle_timeout;
        c.cors_allowed_origins = options.cors_allowed_origins;
        c.read_timeout = options.read_timeout;
        c.write_timeout = options.write_timeout;
        c.max_websocket_message_bytes = options.max_websocket_message_bytes;
        c.websocket_queue_limit = options.websocket_queue_limit;
        c.websocket_idle_timeout = options.websocket_idle_timeout;
        c.io_threads = options.io_threads;
        core = std::make_unique<HttpCore>(
            c,
            [this](Request&& req, Respond respond, asio::any_io_executor strand) {
                on_request(std::move(req), std::move(respond), std::move(strand));
            },
            [this](std::weak_ptr<WsSession> session,
                   asio::any_io_executor strand) -> std::unique_ptr<WsHandler> {
                return std::make_unique<WsClient>(std::move(session), context(std::move(strand)));
            },
            "/websocket");
    }

    CallContext context(asio::any_io_executor strand) {
        CallContext ctx;
        ctx.node = &node;
        ctx.options = &options;
        ctx.hub = core->hub();
        ctx.strand = std::move(strand);
        ctx.commit_waits = commit_waits;
        return ctx;
    }

    void on_request(Request&& req, Respond respond, asio::any_io_executor strand) {
        const std::string_view target = req.target();
        const auto qpos = target.find('?');
        const std::string_view path = target.substr(0, qpos);
        const std::string_view query =
            qpos == std::string_view::npos ? std::string_view{} : target.substr(qpos + 1);
        const bool keep = req.keep_alive();
        const unsigned version = req.version();
        auto json_reply = [respond, keep, version](std::string body) {
            Response res{http::status::ok, version};
            res.set(http::field::server, "seer");
            res.set(http::field::content_type, "application/json");
            res.keep_alive(keep);
            res.body() = std::move(body);
            res.prepare_payload();
            respond(std::move(res));
        };
        if (req.method() == http::verb::post) {
            if (path != "/")
                return respond(make_response(req, http::status::not_found, "404 page not found\n",
                                             "text/plain"));
            handle_jsonrpc_text(req.body(), context(strand), json_reply);
            return;
        }
        if (req.method() != http::verb::get && req.method() != http::verb::head) {
            return respond(make_response(req, http::status::method_not_allowed,
                                         "method not allowed\n", "text/plain"));
        }
        if (path == "/")
            return respond(make_response(req, http::status::ok, index_page(), "text/html"));
        const std::string_view name = path.substr(1);
        if (!is_method(name)) {
            return respond(
                make_response(req, http::status::not_found, "404 page not found\n", "text/plain"));
        }
        std::string error;
        auto params = uri_params(query, error);
        if (!params) {
            return json_reply(
                json::serialize(response_json(-1, RpcError{k_invalid_params, error})));
        }
        call_method(name, *params, context(strand), [json_reply](Outcome outcome) {
            json_reply(json::serialize(response_json(-1, outcome)));
        });
    }

    NodeApi& node;
    ServerOptions options;
    std::shared_ptr<std::atomic<std::size_t>> commit_waits =
        std::make_shared<std::atomic<std::size_t>>(0);
    std::unique_ptr<HttpCore> core;
};

Server::Server(NodeApi& node, ServerOptions options)
    : m_impl(std::make_unique<Impl>(node, std::move(options))) {}

Server::~Server() {
    stop();
}

void Server::start() {
    m_impl->core->start();
}
void Server::stop() {
    m_impl->core->stop();
}
std::uint16_t Server::port() const {
    return m_impl->core->port();
}
ConnectionStats Server::connections() const {
    return m_impl->core->counts();
}

}  // namespace seer::rpc
