#pragma once
// Test support for the p2p switch tests: a recording owner around a Switch, bounded waits, and
// a raw TCP client that speaks (or breaks) the protocol by hand. Everything on 127.0.0.1 with
// ephemeral ports; every wait has a deadline.

#include <doctest/doctest.h>

#include <boost/asio.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "seer/p2p/secret_connection.hpp"
#include "seer/p2p/switch.hpp"
#include "seer/p2p/wire.hpp"

namespace seer::p2p::test {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

inline bool wait_until(const std::function<bool()>& pred,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (pred()) return true;
        std::this_thread::sleep_for(5ms);
    }
    return pred();
}

constexpr ChannelId k_big_channel = 1;    // up to 1 MiB
constexpr ChannelId k_small_channel = 2;  // up to 1 KiB

inline Options make_options(std::string chain_id = "seer-test") {
    Options o;
    o.listen_address = "127.0.0.1:0";
    o.channels = {{k_big_channel, 1 << 20}, {k_small_channel, 1024}};
    o.chain_id = std::move(chain_id);
    o.moniker = "test";
    o.node_key = crypto::PrivateKey::generate();
    o.handshake_timeout = 2000ms;
    o.write_timeout = 2000ms;
    o.read_timeout = 5000ms;
    o.ping_interval = 500ms;
    o.dial_timeout = 1000ms;
    o.dial_backoff_initial = 50ms;
    o.dial_backoff_max = 400ms;
    o.ban_duration = 60s;
    return o;
}

struct Received {
    PeerId peer;
    ChannelId channel;
    Bytes payload;
};

/// A Switch and everything its callbacks reported.
class Node {
public:
    explicit Node(Options options) : m_options(std::move(options)) {
        m_switch = std::make_unique<Switch>(m_options);
        Handlers h;
        h.on_peer_up = [this](const PeerId& id, const NodeInfo& info) {
            std::lock_guard lock(m_mutex);
            m_ups.emplace_back(id, info);
            m_connected.push_back(id);
        };
        h.on_peer_down = [this](const PeerId& id, const Error& reason) {
            std::lock_guard lock(m_mutex);
            m_downs.emplace_back(id, reason);
            std::erase(m_connected, id);
        };
        h.on_message = [this](const PeerId& id, ChannelId ch, ByteView payload) {
            std::lock_guard lock(m_mutex);
            m_messages.push_back({id, ch, Bytes(payload.begin(), payload.end())});
        };
        h.on_handshake_failure = [this](const std::string&, const Error& reason) {
            std::lock_guard lock(m_mutex);
            m_failures.push_back(reason);
        };
        m_switch->set_handlers(std::move(h));
        auto st = m_switch->start();
        REQUIRE_MESSAGE(st.ok(), st.error().message);
    }

    ~Node() { m_switch->stop(); }  // before the recorded state below is destroyed
    Node(const Node&) = delete;
    Node& operator=(const Node&) = delete;

    Switch& sw() { return *m_switch; }
    const Options& options() const { return m_options; }
    PeerId id() const { return m_switch->node_id(); }
    std::uint16_t port() const { return m_switch->listen_port(); }
    std::string address() const { return id() + "@127.0.0.1:" + std::to_string(port()); }
    void stop() { m_switch->stop(); }

    std::size_t ups() {
        std::lock_guard lock(m_mutex);
        return m_ups.size();
    }
    bool connected_to(const PeerId& id) {
        std::lock_guard lock(m_mutex);
        return std::find(m_connected.begin(), m_connected.end(), id) != m_connected.end();
    }
    std::size_t connected_count() {
        std::lock_guard lock(m_mutex);
        return m_connected.size();
    }
    std::vector<std::pair<PeerId, Error>> downs() {
        std::lock_guard lock(m_mutex);
        return m_downs;
    }
    std::vector<Received> messages() {
        std::lock_guard lock(m_mutex);
        return m_messages;
    }
    std::vector<Error> failures() {
        std::lock_guard lock(m_mutex);
        return m_failures;
    }
    bool failed_with(const std::string& reason) {
        std::lock_guard lock(m_mutex);
        return std::any_of(m_failures.begin(), m_failures.end(),
                           [&](const Error& e) { return e.reason == reason; });
    }
    bool down_with(const PeerId& id, const std::string& reason) {
        std::lock_guard lock(m_mutex);
        return std::any_of(m_downs.begin(), m_downs.end(), [&](const auto& d) {
            return d.first == id && d.second.reason == reason;
        });
    }

private:
    Options m_options;
    std::unique_ptr<Switch> m_switch;
    std::mutex m_mutex;
    std::vector<std::pair<PeerId, NodeInfo>> m_ups;
    std::vector<std::pair<PeerId, Error>> m_downs;
    std::vector<PeerId> m_connected;
    std::vector<Received> m_messages;
    std::vector<Error> m_failures;
};

/// A hand-driven client: every read has a deadline (async op + run_for + cancel).
class RawClient {
public:
    explicit RawClient(std::optional<int> receive_buffer = std::nullopt) {
        if (receive_buffer) {
            m_socket.open(tcp::v4());
            m_socket.set_option(asio::socket_base::receive_buffer_size(*receive_buffer));
        }
    }

    bool connect(std::uint16_t port) {
        boost::system::error_code ec;
        m_socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
        return !ec;
    }

    bool write(ByteView bytes) {
        boost::system::error_code ec;
        asio::write(m_socket, asio::buffer(bytes.data(), bytes.size()), ec);
        return !ec;
    }

    std::optional<Bytes> read(std::size_t n, std::chrono::milliseconds timeout = 5000ms) {
        Bytes out(n);
        boost::system::error_code result = asio::error::timed_out;
        bool done = false;
        asio::async_read(m_socket, asio::buffer(out), [&](boost::system::error_code ec, std::size_t) {
            result = ec;
            done = true;
        });
        run(done, timeout);
        if (result) return std::nullopt;
        return out;
    }

    /// True when the other side closes the connection within the timeout (reading and
    /// discarding whatever it still sends).
    bool closed_by_peer(std::chrono::milliseconds timeout = 5000ms) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        std::array<std::uint8_t, 4096> sink{};
        while (std::chrono::steady_clock::now() < deadline) {
            boost::system::error_code result = asio::error::timed_out;
            bool done = false;
            m_socket.async_read_some(asio::buffer(sink), [&](boost::system::error_code ec, std::size_t) {
                result = ec;
                done = true;
            });
            run(done, std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now()));
            if (result == asio::error::timed_out) return false;
            if (result) return true;  // eof or reset
        }
        return false;
    }

    /// The protocol up to (and including) the node-info exchange. Returns the peer's node info.
    std::optional<NodeInfo> handshake(const crypto::PrivateKey& key, const std::string& chain_id) {
        const EphemeralKey eph = EphemeralKey::generate();
        if (!write(encode_hello(eph.public_key()))) return std::nullopt;
        auto hello = read(k_hello_bytes);
        if (!hello) return std::nullopt;
        auto theirs = decode_hello(*hello);
        if (!theirs) return std::nullopt;
        auto keys = derive_session_keys(eph, *theirs);
        if (!keys) return std::nullopt;
        m_sealer.emplace(keys->send_key);
        m_opener.emplace(keys->recv_key);
        if (!write_frame(encode_auth(make_auth(key, keys->challenge)))) return std::nullopt;
        auto auth = read_frame();
        if (!auth || !verify_auth(*auth, keys->challenge).ok()) return std::nullopt;
        NodeInfo info;
        info.protocol_version = k_protocol_version;
        info.node_id = node_id_of(key.public_key());
        info.chain_id = chain_id;
        info.moniker = "raw";
        if (!write_frame(encode_node_info(info))) return std::nullopt;
        auto theirs_info = read_frame();
        if (!theirs_info) return std::nullopt;
        auto decoded = decode_node_info(*theirs_info);
        if (!decoded) return std::nullopt;
        return *decoded;
    }

    /// Only the hello exchange (keys derived, nothing authenticated yet).
    bool hello_only() {
        const EphemeralKey eph = EphemeralKey::generate();
        if (!write(encode_hello(eph.public_key()))) return false;
        auto hello = read(k_hello_bytes);
        if (!hello) return false;
        auto theirs = decode_hello(*hello);
        if (!theirs) return false;
        auto keys = derive_session_keys(eph, *theirs);
        if (!keys) return false;
        m_sealer.emplace(keys->send_key);
        m_opener.emplace(keys->recv_key);
        return true;
    }

    bool write_frame(ByteView plaintext) {
        auto sealed = m_sealer->seal(plaintext);
        return sealed.ok() && write(*sealed);
    }

    std::optional<Bytes> read_frame() {
        auto header = read(4);
        if (!header) return std::nullopt;
        auto len = m_opener->ciphertext_length(*header);
        if (!len) return std::nullopt;
        auto body = read(*len);
        if (!body) return std::nullopt;
        auto plain = m_opener->open(*header, *body);
        if (!plain) return std::nullopt;
        return *plain;
    }

    tcp::socket& socket() { return m_socket; }

private:
    void run(bool& done, std::chrono::milliseconds timeout) {
        m_io.restart();
        m_io.run_for(timeout);
        if (!done) {
            boost::system::error_code ignored;
            m_socket.cancel(ignored);
            m_io.restart();
            m_io.run();  // the cancelled handler
        }
    }

    asio::io_context m_io;
    tcp::socket m_socket{m_io};
    std::optional<FrameSealer> m_sealer;
    std::optional<FrameOpener> m_opener;
};

}  // namespace seer::p2p::test
