// BlockStream: a websocket subscription to tm.event='NewBlockEvents' (the height and the block's
// events, not the whole block as NewBlock would send), read with a deadline by running the
// io_context for at most that long while one async_read stays outstanding.

#include "follow.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>

namespace seer::cli {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace json = boost::json;
using tcp = asio::ip::tcp;

namespace {

/// A subscription answer or event larger than this is refused (a block's events; the node's
/// own websocket message limit is 2,000,000 bytes).
constexpr std::size_t k_max_event_bytes = 8u << 20;

}  // namespace

struct BlockStream::Impl {
    asio::io_context io;
    beast::websocket::stream<tcp::socket> ws{io};
    beast::flat_buffer buffer;
    bool reading = false;  // an async_read is outstanding
    bool done = false;     // it completed; `error` and `buffer` hold its outcome
    boost::system::error_code error;

    void start_read() {
        reading = true;
        done = false;
        buffer.clear();
        ws.async_read(buffer, [this](const boost::system::error_code& ec, std::size_t) {
            error = ec;
            done = true;
        });
    }
};

BlockStream::BlockStream(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
BlockStream::~BlockStream() = default;

Result<std::unique_ptr<BlockStream>> BlockStream::open(const std::string& node_url) {
    std::string s = node_url;
    for (const char* scheme : {"http://", "tcp://", "ws://"})
        if (s.rfind(scheme, 0) == 0) s = s.substr(std::char_traits<char>::length(scheme));
    while (!s.empty() && s.back() == '/')
        s.pop_back();
    const auto colon = s.rfind(':');
    const std::string host = colon == std::string::npos ? s : s.substr(0, colon);
    const std::string port = colon == std::string::npos ? "80" : s.substr(colon + 1);
    auto impl = std::make_unique<Impl>();
    boost::system::error_code ec;
    tcp::resolver resolver(impl->io);
    auto endpoints = resolver.resolve(host, port, ec);
    if (!ec) asio::connect(impl->ws.next_layer(), endpoints, ec);
    if (ec) return make_error("unreachable", "cannot connect to " + node_url + ": " + ec.message());
    impl->ws.read_message_max(k_max_event_bytes);
    impl->ws.handshake(host + ":" + port, "/websocket", ec);
    if (ec)
        return make_error("unreachable",
                          "websocket handshake with " + node_url + "/websocket: " + ec.message());
    const json::object subscribe{{"jsonrpc", "2.0"},
                                 {"id", 1},
                                 {"method", "subscribe"},
                                 {"params", json::object{{"query", "tm.event='NewBlockEvents'"}}}};
    impl->ws.write(asio::buffer(json::serialize(subscribe)), ec);
    if (ec) return make_error("unreachable", "websocket write to " + node_url + ": " + ec.message());
    return std::unique_ptr<BlockStream>(new BlockStream(std::move(impl)));
}

Result<std::int64_t> BlockStream::next(std::chrono::milliseconds timeout) {
    Impl& m = *m_impl;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (!m.reading) m.start_read();
        while (!m.done) {
            const auto now = std::chrono::steady_clock::now();
            if (now >= deadline) return std::int64_t{0};
            m.io.restart();
            m.io.run_for(deadline - now);
        }
        m.reading = false;
        if (m.error)
            return make_error("closed", m.error == beast::websocket::error::closed
                                            ? std::string("the node closed the websocket")
                                            : "websocket: " + m.error.message());
        boost::system::error_code ec;
        auto v = json::parse(beast::buffers_to_string(m.buffer.data()), ec);
        if (ec || !v.is_object()) continue;
        const auto& o = v.as_object();
        if (const auto* e = o.if_contains("error"))
            return make_error("refused", "the node refused the subscription: " + json::serialize(*e));
        // {"result":{"query":...,"data":{"type":"tendermint/event/NewBlockEvents",
        //  "value":{"height":"12",...}}}}; the subscription's own answer is {"result":{}}.
        const auto* height = v.find_pointer("/result/data/value/height", ec);
        if (!height || !height->is_string()) continue;
        try {
            return std::stoll(std::string(height->as_string()));
        } catch (const std::exception&) {
            continue;
        }
    }
}

}  // namespace seer::cli
