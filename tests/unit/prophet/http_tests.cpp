// The http handler against a tiny HTTP/1.1 server on 127.0.0.1 with an ephemeral port.

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "seer/prophet/options.hpp"
#include "seer/prophet/prophet.hpp"
#include "support.hpp"

using namespace seer;
using namespace seer::prophet;

namespace {

// Routes: /hello, /price (JSON), /value (JSON number set by the test), /big (10000 bytes),
// /hang (never answers), /missing (404), /broken (503), /echo (POST: answers the body).
class TestServer {
public:
    TestServer() {
        m_listen = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        REQUIRE(m_listen >= 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = 0;
        REQUIRE(::bind(m_listen, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        REQUIRE(::listen(m_listen, 16) == 0);
        socklen_t len = sizeof addr;
        REQUIRE(::getsockname(m_listen, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
        m_port = ntohs(addr.sin_port);
        m_acceptor = std::thread([this] { accept_loop(); });
    }

    ~TestServer() {
        m_stop = true;
        m_acceptor.join();
        std::lock_guard lock(m_mutex);
        for (auto& t : m_connections)
            t.join();
        ::close(m_listen);
    }

    TestServer(const TestServer&) = delete;
    TestServer& operator=(const TestServer&) = delete;

    std::string origin() const { return "http://127.0.0.1:" + std::to_string(m_port); }
    std::uint16_t port() const { return m_port; }
    std::atomic<double> value{100.0};
    std::atomic<int> requests{0};

private:
    void accept_loop() {
        while (!m_stop) {
            pollfd p{m_listen, POLLIN, 0};
            if (::poll(&p, 1, 20) <= 0) continue;
            const int fd = ::accept4(m_listen, nullptr, nullptr, SOCK_CLOEXEC);
            if (fd < 0) continue;
            std::lock_guard lock(m_mutex);
            m_connections.emplace_back([this, fd] { serve(fd); });
        }
    }

    // Reads one request (headers + Content-Length body), bounded by the stop flag.
    bool read_request(int fd, std::string& head, std::string& body) {
        std::string data;
        char buf[4096];
        for (;;) {
            const auto end = data.find("\r\n\r\n");
            if (end != std::string::npos) {
                head = data.substr(0, end);
                std::size_t length = 0;
                const auto cl = head.find("Content-Length: ");
                if (cl != std::string::npos) length = std::stoul(head.substr(cl + 16));
                if (data.size() >= end + 4 + length) {
                    body = data.substr(end + 4, length);
                    return true;
                }
            }
            pollfd p{fd, POLLIN, 0};
            if (m_stop) return false;
            if (::poll(&p, 1, 20) <= 0) continue;
            const ssize_t n = ::read(fd, buf, sizeof buf);
            if (n <= 0) return false;
            data.append(buf, static_cast<std::size_t>(n));
        }
    }

    void serve(int fd) {
        std::string head, body;
        if (read_request(fd, head, body)) {
            ++requests;
            const std::string line = head.substr(0, head.find("\r\n"));
            std::string status = "200 OK";
            std::string answer;
            if (line.rfind("GET /hello ", 0) == 0) {
                answer = "hello world";
            } else if (line.rfind("GET /price ", 0) == 0) {
                answer = R"({"price": {"usd": 100.5, "name": "seer", "tags": ["a", "b"]}})";
            } else if (line.rfind("GET /value ", 0) == 0) {
                answer = "{\"v\": " + std::to_string(value.load()) + "}";
            } else if (line.rfind("GET /big ", 0) == 0) {
                answer = std::string(10000, 'x');
            } else if (line.rfind("GET /hang ", 0) == 0) {
                while (!m_stop)
                    std::this_thread::sleep_for(std::chrono::milliseconds(5));
                ::close(fd);
                return;
            } else if (line.rfind("GET /broken ", 0) == 0) {
                status = "503 Service Unavailable";
            } else if (line.rfind("POST /echo ", 0) == 0) {
                answer = body;
            } else {
                status = "404 Not Found";
            }
            const std::string response = "HTTP/1.1 " + status +
                                         "\r\nContent-Length: " + std::to_string(answer.size()) +
                                         "\r\nConnection: close\r\n\r\n" + answer;
            std::size_t sent = 0;
            while (sent < response.size()) {
                const ssize_t n =
                    ::send(fd, response.data() + sent, response.size() - sent, MSG_NOSIGNAL);
                if (n <= 0) break;
                sent += static_cast<std::size_t>(n);
            }
        }
        ::close(fd);
    }

    int m_listen = -1;
    std::uint16_t m_port = 0;
    std::atomic<bool> m_stop{false};
    std::thread m_acceptor;
    std::mutex m_mutex;
    std::vector<std::thread> m_connections;
};

std::unique_ptr<Handler> http_handler(const TestServer& server, double tolerance = 0.0) {
    HttpOptions options;
    options.allowlist = {server.origin()};
    options.timeout = std::chrono::milliseconds(1000);
    options.max_response_bytes = 1000;
    options.tolerance = tolerance;
    auto h = make_http_handler(options);
    REQUIRE(h.ok());
    return std::move(h).value();
}

Result<Bytes> run(const Handler& h, const std::string& input) {
    return h.execute(as_bytes(input), test::context_with_timeout(std::chrono::seconds(5)));
}

std::string ok_text(const Handler& h, const std::string& input) {
    auto r = run(h, input);
    INFO(input << " -> " << (r ? "" : r.error().reason + ": " + r.error().message));
    REQUIRE(r.ok());
    return seer::to_string(*r);
}

std::string reason(const Handler& h, const std::string& input) {
    auto r = run(h, input);
    INFO(input);
    REQUIRE_FALSE(r.ok());
    return r.error().reason;
}

}  // namespace

TEST_CASE("http: GET on an allowlisted origin, URL or JSON input") {
    TestServer server;
    auto h = http_handler(server);
    CHECK(h->name() == "http");
    CHECK(ok_text(*h, server.origin() + "/hello") == "hello world");
    CHECK(ok_text(*h, "  " + server.origin() + "/hello\n") == "hello world");
    CHECK(ok_text(*h, R"({"url": ")" + server.origin() + R"(/hello"})") == "hello world");
    CHECK(ok_text(*h, R"({"url": ")" + server.origin() +
                          R"(/echo", "method": "POST", "body": "ping"})") == "ping");
    CHECK(reason(*h, server.origin() + "/missing") == "http_status");
    CHECK(reason(*h, server.origin() + "/broken") == "unavailable");
}

TEST_CASE("http: only allowlisted origins are fetched") {
    TestServer server;
    auto h = http_handler(server);
    const std::string other_port =
        "http://127.0.0.1:" + std::to_string(server.port() == 65535 ? 1 : server.port() + 1);
    CHECK(reason(*h, other_port + "/hello") == "local_limit");
    CHECK(reason(*h, "http://localhost:" + std::to_string(server.port()) + "/hello") ==
          "local_limit");
    CHECK(reason(*h, "https://127.0.0.1:" + std::to_string(server.port()) + "/hello") ==
          "bad_input");
    CHECK(reason(*h, "http://user@127.0.0.1:" + std::to_string(server.port()) + "/") ==
          "bad_input");
    CHECK(reason(*h, "ftp://127.0.0.1/") == "bad_input");
    CHECK(reason(*h, R"({"url": 5})") == "bad_input");
    CHECK(reason(*h, R"({"url": ")" + server.origin() + R"(/hello", "method": "DELETE"})") ==
          "bad_input");
    CHECK(reason(*h, R"({"url": ")" + server.origin() + R"(/hello", "body": "x"})") == "bad_input");
    CHECK(server.requests == 0);  // nothing refused reached the network
    // A verifier whose allowlist lacks the origin cannot judge.
    CHECK(h->verify(as_bytes(other_port + "/hello"), Outcome::success(to_bytes("hello world")),
                    test::context_with_timeout(std::chrono::seconds(5))) == Verdict::abstain);
}

TEST_CASE("http: response size cap and timeout") {
    TestServer server;
    auto h = http_handler(server);
    CHECK(reason(*h, server.origin() + "/big") == "too_large");
    CHECK(reason(*h, server.origin() + "/hang") == "timeout");  // 1 s timeout
    // A stop request ends a hanging fetch as well.
    std::stop_source source;
    Context ctx = test::context_with_timeout(std::chrono::seconds(60));
    ctx.stop = source.get_token();
    source.request_stop();
    auto r = h->execute(as_bytes(server.origin() + "/hang"), ctx);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().reason == "cancelled");
}

TEST_CASE("http: JSON pointer extraction") {
    TestServer server;
    auto h = http_handler(server);
    auto with_pointer = [&](const std::string& path, const std::string& pointer) {
        return R"({"url": ")" + server.origin() + path + R"(", "pointer": ")" + pointer + R"("})";
    };
    CHECK(ok_text(*h, with_pointer("/price", "/price/usd")) == "100.5");
    CHECK(ok_text(*h, with_pointer("/price", "/price/name")) == "seer");  // strings unquoted
    CHECK(ok_text(*h, with_pointer("/price", "/price/tags/1")) == "b");
    CHECK(ok_text(*h, with_pointer("/price", "/price/tags")) == R"(["a","b"])");
    CHECK(reason(*h, with_pointer("/price", "/price/eur")) == "bad_response");
    CHECK(reason(*h, with_pointer("/hello", "/x")) == "bad_response");  // not JSON
    CHECK(reason(*h, with_pointer("/price", "price")) == "bad_input");
}

TEST_CASE("http: verification re-fetches and compares with a numeric tolerance") {
    TestServer server;
    auto h = http_handler(server, 0.02);
    const std::string input = R"({"url": ")" + server.origin() + R"(/value", "pointer": "/v"})";
    const Context ctx = test::context_with_timeout(std::chrono::seconds(5));
    CHECK(h->verify(as_bytes(input), Outcome::success(to_bytes("100")), ctx) == Verdict::verified);
    CHECK(h->verify(as_bytes(input), Outcome::success(to_bytes("101.5")), ctx) ==
          Verdict::verified);  // within 2 %
    CHECK(h->verify(as_bytes(input), Outcome::success(to_bytes("110")), ctx) == Verdict::rejected);
    CHECK(h->verify(as_bytes(input), Outcome::success(to_bytes("abc")), ctx) == Verdict::rejected);
    server.value = 99.0;  // the price moved a little since the proposer fetched it
    CHECK(h->verify(as_bytes(input), Outcome::success(to_bytes("100")), ctx) == Verdict::verified);

    auto strict = http_handler(server, 0.0);
    CHECK(strict->verify(as_bytes(input), Outcome::success(to_bytes("100")), ctx) ==
          Verdict::rejected);
    CHECK(strict->verify(as_bytes(server.origin() + "/hello"),
                         Outcome::success(to_bytes("hello world")), ctx) == Verdict::verified);
    CHECK(strict->verify(as_bytes(server.origin() + "/hello"),
                         Outcome::success(to_bytes("hello mars")), ctx) == Verdict::rejected);
    // A failed re-fetch cannot judge.
    CHECK(strict->verify(as_bytes(server.origin() + "/broken"), Outcome::success(to_bytes("x")),
                         ctx) == Verdict::abstain);
    // This node's own matching fetch is reused: no request.
    const int before = server.requests;
    Context reuse = ctx;
    const Outcome own = Outcome::success(to_bytes("hello world"));
    reuse.own_execution = &own;
    CHECK(strict->verify(as_bytes(server.origin() + "/hello"), own, reuse) == Verdict::verified);
    CHECK(server.requests == before);
}

TEST_CASE("http: through the prophet") {
    TestServer server;
    Options options;
    options.workers = 1;
    options.enabled = {"http"};
    options.http.allowlist = {server.origin()};
    options.http.timeout = std::chrono::milliseconds(1000);
    auto made = make_prophet(options);
    REQUIRE(made.ok());
    auto p = std::move(made).value();
    CHECK(p->offer_execution(ExecRequest{1, "http", to_bytes(server.origin() + "/hello")}) ==
          Offer::accepted);
    REQUIRE(test::eventually([&] { return p->result(1).has_value(); }));
    CHECK(seer::to_string(p->result(1)->output) == "hello world");
    // A hanging fetch does not hold stop() up.
    CHECK(p->offer_execution(ExecRequest{2, "http", to_bytes(server.origin() + "/hang")}) ==
          Offer::accepted);
    REQUIRE(test::eventually([&] { return p->metrics().running == 1; }));
    p->stop();
    CHECK_FALSE(p->result(2).has_value());
}
