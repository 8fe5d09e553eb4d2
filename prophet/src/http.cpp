// The `http` handler: GET/POST to allowlisted origins with a deadline, a body cap and optional
// JSON-pointer extraction; verification re-fetches and compares with a numeric tolerance.
//
// Plain http only (no TLS in this build). Redirects are not followed (a 3xx is an error
// result). A numeric IPv4 host skips DNS; a host name is resolved by the system resolver,
// whose own timeout bounds a stuck lookup.

#include <algorithm>
#include <charconv>
#include <cmath>
#include <mutex>
#include <set>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include "log.hpp"
#include "seer/prophet/options.hpp"

namespace seer::prophet {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](char c) {
        return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    });
    return out;
}

struct Url {
    std::string host;  // lower case
    std::uint16_t port = 80;
    std::string target = "/";  // path and query

    std::string origin() const { return "http://" + host + ":" + std::to_string(port); }
    std::string host_header() const {
        return port == 80 ? host : host + ":" + std::to_string(port);
    }
};

Result<Url> parse_url(std::string_view text) {
    const std::string scheme_end = "://";
    const auto colon = text.find(scheme_end);
    if (colon == std::string_view::npos) return make_error("bad_input", "URL without scheme");
    const std::string scheme = lower(text.substr(0, colon));
    if (scheme == "https") return make_error("bad_input", "https is not supported in this build");
    if (scheme != "http") return make_error("bad_input", "only http:// URLs are supported");
    std::string_view rest = text.substr(colon + scheme_end.size());
    if (auto hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
    const auto path_start = rest.find_first_of("/?");
    const std::string_view authority = rest.substr(0, path_start);
    Url url;
    if (path_start != std::string_view::npos) {
        url.target = std::string(rest.substr(path_start));
        if (url.target.front() == '?') url.target.insert(url.target.begin(), '/');
    }
    for (char c : url.target) {
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
            return make_error("bad_input", "URL path with a space or control character");
        }
    }
    std::string_view host = authority;
    if (auto port_colon = authority.rfind(':'); port_colon != std::string_view::npos) {
        host = authority.substr(0, port_colon);
        const std::string_view port = authority.substr(port_colon + 1);
        unsigned value = 0;
        auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
        if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || value == 0 ||
            value > 65535) {
            return make_error("bad_input", "bad port in URL");
        }
        url.port = static_cast<std::uint16_t>(value);
    }
    if (host.empty()) return make_error("bad_input", "URL without host");
    for (char c : host) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '.' || c == '-';
        if (!ok) return make_error("bad_input", "unsupported character in URL host");
    }
    url.host = lower(host);
    return url;
}

struct Request {
    Url url;
    http::verb method = http::verb::get;
    std::string body;
    std::string content_type = "application/json";
    std::optional<std::string> pointer;
};

Result<Request> parse_request(ByteView input, const HttpOptions& options) {
    if (input.size() > options.max_input_bytes) {
        return make_error(
            "too_large", "input larger than " + std::to_string(options.max_input_bytes) + " bytes");
    }
    const std::string_view text(reinterpret_cast<const char*>(input.data()), input.size());
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return make_error("bad_input", "empty input");
    Request request;
    if (text[first] != '{') {
        auto last = text.find_last_not_of(" \t\r\n");
        auto url = parse_url(text.substr(first, last - first + 1));
        if (!url) return url.error();
        request.url = std::move(url).value();
        return request;
    }
    boost::system::error_code ec;
    const json::value doc = json::parse(json::string_view(text.data(), text.size()), ec);
    if (ec) return make_error("bad_input", "invalid JSON: " + ec.message());
    const auto& object = doc.as_object();
    auto string_field = [&](std::string_view key) -> Result<std::optional<std::string>> {
        const json::value* v = object.if_contains(key);
        if (v == nullptr) return std::optional<std::string>{};
        if (!v->is_string())
            return make_error("bad_input", "\"" + std::string(key) + "\" must be a string");
        return std::optional<std::string>(std::string(v->as_string()));
    };
    for (const auto& [key, value] : object) {
        if (key != "url" && key != "method" && key != "body" && key != "pointer" &&
            key != "content_type") {
            return make_error("bad_input", "unknown field \"" + std::string(key) + "\"");
        }
    }
    auto url_text = string_field("url");
    auto method = string_field("method");
    auto body = string_field("body");
    auto pointer = string_field("pointer");
    auto content_type = string_field("content_type");
    for (auto* field : {&url_text, &method, &body, &pointer, &content_type}) {
        if (!*field) return field->error();
    }
    if (!url_text->has_value()) return make_error("bad_input", "missing \"url\"");
    auto url = parse_url(**url_text);
    if (!url) return url.error();
    request.url = std::move(url).value();
    const std::string verb = method->has_value() ? **method : "GET";
    if (verb == "GET") {
        request.method = http::verb::get;
        if (body->has_value())
            return make_error("bad_input", "\"body\" needs \"method\": \"POST\"");
    } else if (verb == "POST") {
        request.method = http::verb::post;
        request.body = body->value_or("");
    } else {
        return make_error("bad_input", "\"method\" must be \"GET\" or \"POST\"");
    }
    if (content_type->has_value()) request.content_type = **content_type;
    for (char c : request.content_type) {
        if (c == '\r' || c == '\n') return make_error("bad_input", "bad \"content_type\"");
    }
    if (pointer->has_value()) {
        if (!(*pointer)->empty() && (*pointer)->front() != '/') {
            return make_error("bad_input", "\"pointer\" must be empty or start with '/'");
        }
        request.pointer = **pointer;
    }
    return request;
}

// One request on a private io_context driven by this (worker) thread until done, the deadline
// or the stop flag.
Result<http::response<http::string_body>> fetch(const Request& req, const HttpOptions& options,
                                                const Context& ctx) {
    const auto deadline = std::min(ctx.deadline, Clock::now() + options.timeout);
    asio::io_context ioc;  // declared first: destroyed last, after the sockets
    tcp::resolver resolver(ioc);
    beast::tcp_stream stream(ioc);
    beast::flat_buffer buffer;
    http::request<http::string_body> request{req.method, req.url.target, 11};
    request.set(http::field::host, req.url.host_header());
    request.set(http::field::user_agent, "seer-prophet");
    request.set(http::field::accept, "*/*");
    request.set(http::field::connection, "close");
    if (req.method == http::verb::post) {
        request.set(http::field::content_type, req.content_type);
        request.body() = req.body;
        request.prepare_payload();
    }
    http::response_parser<http::string_body> parser;
    parser.header_limit(16 * 1024);
    parser.body_limit(options.max_response_bytes);

    std::optional<Error> failure;
    bool done = false;
    auto fail = [&](Error e) {
        if (!failure) failure = std::move(e);
        done = true;
    };
    auto on_read = [&](beast::error_code ec, std::size_t) {
        if (done) return;
        if (ec == http::error::body_limit) {
            return fail(make_error(
                "too_large",
                "response body exceeds " + std::to_string(options.max_response_bytes) + " bytes"));
        }
        if (ec) return fail(make_error("unavailable", "read failed: " + ec.message()));
        done = true;
    };
    auto on_write = [&](beast::error_code ec, std::size_t) {
        if (done) return;
        if (ec) return fail(make_error("unavailable", "write failed: " + ec.message()));
        http::async_read(stream, buffer, parser, on_read);
    };
    auto on_connect = [&](beast::error_code ec, const tcp::endpoint&) {
        if (done) return;
        if (ec) return fail(make_error("unavailable", "connect failed: " + ec.message()));
        http::async_write(stream, request, on_write);
    };
    boost::system::error_code addr_ec;
    const auto address = asio::ip::make_address_v4(req.url.host, addr_ec);
    if (!addr_ec) {
        std::array<tcp::endpoint, 1> endpoints{tcp::endpoint(address, req.url.port)};
        stream.async_connect(endpoints, on_connect);
    } else {
        resolver.async_resolve(
            req.url.host, std::to_string(req.url.port),
            [&](beast::error_code ec, tcp::resolver::results_type results) {
                if (done) return;
                if (ec) {
                    return fail(make_error("unavailable", "resolve failed: " + ec.message()));
                }
                stream.async_connect(results, on_connect);
            });
    }
    while (!done) {
        const auto slice = std::min(deadline, Clock::now() + std::chrono::milliseconds(50));
        ioc.run_one_until(slice);
        if (done) break;
        if (ctx.cancelled()) {
            fail(make_error("cancelled", "prophet is stopping"));
        } else if (Clock::now() >= deadline) {
            fail(make_error("timeout", "no complete response within the timeout"));
        } else if (ioc.stopped()) {
            fail(make_error("internal", "http client stopped without an answer"));
        }
    }
    if (failure) {
        resolver.cancel();
        beast::error_code ignored;
        stream.socket().close(ignored);  // pending handlers are destroyed with the io_context
        return *failure;
    }
    return parser.release();
}

std::string value_text(const json::value& v) {
    if (const auto* s = v.if_string()) return std::string(*s);
    if (const auto* d = v.if_double()) {
        // Shortest round-trip form ("100.5"), where Boost.JSON would write "1.005E2".
        char buf[64];
        auto [end, ec] = std::to_chars(buf, buf + sizeof buf, *d);
        if (ec == std::errc{}) return std::string(buf, end);
    }
    return json::serialize(v);
}

std::optional<double> as_number(const Bytes& bytes) {
    std::string_view s(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    const auto first = s.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return std::nullopt;
    s = s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
    double value = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc{} || end != s.data() + s.size() || !std::isfinite(value)) {
        return std::nullopt;
    }
    return value;
}

class HttpHandler final : public Handler {
public:
    HttpHandler(HttpOptions options, std::vector<std::string> origins)
        : m_options(std::move(options)), m_origins(std::move(origins)) {}

    std::string_view name() const override { return "http"; }
    bool external() const override { return true; }

    Result<Bytes> execute(ByteView input, const Context& ctx) const override {
        auto request = parse_request(input, m_options);
        if (!request) return request.error();
        const std::string origin = request->url.origin();
        if (std::find(m_origins.begin(), m_origins.end(), origin) == m_origins.end()) {
            // The allowlist is this operator's choice: a verifier without it abstains. Said in
            // the log once per origin, or a chain where no validator allows it would see its
            // http futures time out with no reason anywhere.
            {
                std::lock_guard lock(m_refused_mutex);
                if (m_refused.size() < k_max_refused_origins_logged && m_refused.insert(origin).second)
                    logger()->warn("http origin not in [prophet] http_allowlist, refused: {} "
                                   "(add it to config.toml to run http futures for it)",
                                   origin);
            }
            return make_error("local_limit", "origin " + origin + " is not on the allowlist");
        }
        auto response = fetch(*request, m_options, ctx);
        if (!response) return response.error();
        const unsigned status = response->result_int();
        if (status >= 500) {
            return make_error("unavailable", "server answered status " + std::to_string(status));
        }
        if (status < 200 || status >= 300) {
            return make_error("http_status", "server answered status " + std::to_string(status));
        }
        std::string& body = response->body();
        if (!request->pointer) return to_bytes(body);
        boost::system::error_code ec;
        const json::value doc = json::parse(body, ec);
        if (ec) return make_error("bad_response", "response is not JSON: " + ec.message());
        const json::value* found = doc.find_pointer(*request->pointer, ec);
        if (found == nullptr) {
            return make_error("bad_response", "JSON pointer \"" + *request->pointer +
                                                  "\" not found in the response");
        }
        return to_bytes(value_text(*found));
    }

    Verdict verify(ByteView input, const Outcome& claimed, const Context& ctx) const override {
        // This node's own fetch, when it agrees, spares a second request.
        if (ctx.own_execution != nullptr && ctx.own_execution->ok &&
            agree(*ctx.own_execution, claimed)) {
            return Verdict::verified;
        }
        const Outcome fresh = Outcome::from(execute(input, ctx));
        if (!fresh.ok && is_local_failure(fresh.reason)) return Verdict::abstain;
        return agree(fresh, claimed) ? Verdict::verified : Verdict::rejected;
    }

private:
    bool agree(const Outcome& own, const Outcome& claimed) const {
        if (same_result(own, claimed)) return true;
        if (!own.ok || !claimed.ok) return false;
        const auto a = as_number(own.output);
        const auto b = as_number(claimed.output);
        if (!a || !b) return false;
        return std::fabs(*a - *b) <= m_options.tolerance * std::max(std::fabs(*a), std::fabs(*b));
    }

    static constexpr std::size_t k_max_refused_origins_logged = 64;
    HttpOptions m_options;
    std::vector<std::string> m_origins;  // normalized "http://host:port"
    mutable std::mutex m_refused_mutex;
    mutable std::set<std::string> m_refused;  // origins already logged
};

}  // namespace

Result<std::unique_ptr<Handler>> make_http_handler(HttpOptions options) {
    std::vector<std::string> origins;
    for (const auto& entry : options.allowlist) {
        auto url = parse_url(entry);
        if (!url || (url->target != "/" && !url->target.empty())) {
            return make_error("bad_option", "http allowlist entry \"" + entry +
                                                "\" is not an origin http://host[:port]");
        }
        origins.push_back(url->origin());
    }
    if (options.tolerance < 0 || !std::isfinite(options.tolerance)) {
        return make_error("bad_option", "http tolerance must be >= 0");
    }
    return std::unique_ptr<Handler>(
        std::make_unique<HttpHandler>(std::move(options), std::move(origins)));
}

}  // namespace seer::prophet
