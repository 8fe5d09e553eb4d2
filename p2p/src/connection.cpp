// One peer connection (docs/p2p.md): dial, handshake, node info, then the reader, writer and
// watchdog coroutines on the connection's strand.

#include <algorithm>
#include <array>
#include <exception>

#include "log.hpp"
#include "switch_impl.hpp"

namespace seer::p2p {
namespace {

using asio::redirect_error;
using asio::use_awaitable;

/// The largest handshake frame (auth message or node info) we accept.
constexpr std::size_t k_max_handshake_frame = std::max(k_auth_bytes, k_max_node_info_bytes);

Error io_error(const boost::system::error_code& ec) {
    if (ec == asio::error::eof || ec == asio::error::connection_reset ||
        ec == asio::error::broken_pipe)
        return make_error("connection_closed", "connection closed by the peer");
    if (ec == asio::error::operation_aborted)
        return make_error("connection_closed", "connection closed");
    return make_error("io_error", ec.message());
}

}  // namespace

bool is_misbehaviour(const Error& e) {
    static const std::array<std::string_view, 7> k_reasons = {
        "bad_frame",       "frame_too_large",   "bad_frame_auth", "bad_packet",
        "unknown_channel", "message_too_large", "misbehaviour"};
    return std::find(k_reasons.begin(), k_reasons.end(), e.reason) != k_reasons.end();
}

Connection::Connection(Switch::Impl& sw, Strand strand, tcp::socket socket, bool outbound,
                       std::optional<PeerAddress> target)
    : m_sw(sw),
      m_strand(std::move(strand)),
      m_socket(std::move(socket)),
      m_watchdog(m_strand),
      m_signal(m_strand),
      m_outbound(outbound),
      m_target(std::move(target)),
      m_assembler(sw.limits) {
    const auto now = SteadyClock::now();
    m_deadline = now + m_sw.opt.handshake_timeout + (outbound ? m_sw.opt.dial_timeout : Duration{});
    m_last_recv = now;
    m_last_send = now;
    if (!outbound) {
        boost::system::error_code ec;
        const auto ep = m_socket.remote_endpoint(ec);
        if (!ec) {
            m_remote_ip = ep.address().to_string();
            m_remote = m_remote_ip + ":" + std::to_string(ep.port());
        }
    } else if (m_target) {
        m_remote = m_target->host + ":" + std::to_string(m_target->port);
    }
}

void Connection::spawn(asio::awaitable<void> (Connection::*fn)(), const char* what) {
    auto self = shared_from_this();
    asio::co_spawn(m_strand, (this->*fn)(), [self, what](const std::exception_ptr& e) {
        if (!e) return;
        std::string text = "unknown exception";
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& ex) {
            text = ex.what();
        } catch (...) {
        }
        logger()->warn("p2p {} failed: {} peer={}", what, text, self->m_remote);
        self->close(make_error("internal_error", text), false);
    });
}

void Connection::start() {
    asio::dispatch(m_strand, [self = shared_from_this()] {
        self->spawn(&Connection::watchdog, "watchdog");
        self->spawn(&Connection::run, "handshake");
    });
}

void Connection::close(Error reason, bool ban) {
    if (m_state == State::closed) return;
    m_state = State::closed;
    boost::system::error_code ignored;
    m_socket.shutdown(tcp::socket::shutdown_both, ignored);
    m_socket.close(ignored);
    m_watchdog.cancel();
    m_signal.cancel();
    m_queue.clear();
    m_packets.clear();
    asio::post(m_sw.strand, [self = shared_from_this(), reason = std::move(reason), ban] {
        self->m_sw.on_closed(self, reason, ban);
    });
}

asio::awaitable<Status> Connection::connect() {
    boost::system::error_code ec;
    tcp::resolver resolver(m_strand);
    auto results = co_await resolver.async_resolve(m_target->host, std::to_string(m_target->port),
                                                   redirect_error(use_awaitable, ec));
    if (ec) co_return make_error("dial_failed", "resolve " + m_target->host + ": " + ec.message());
    if (m_state == State::closed) co_return make_error("connection_closed", "closed");
    co_await asio::async_connect(m_socket, results, redirect_error(use_awaitable, ec));
    if (ec) co_return make_error("dial_failed", "connect " + m_remote + ": " + ec.message());
    const auto ep = m_socket.remote_endpoint(ec);
    if (!ec) {
        m_remote_ip = ep.address().to_string();
        m_remote = m_remote_ip + ":" + std::to_string(ep.port());
    }
    boost::system::error_code ignored;
    m_socket.set_option(tcp::no_delay(true), ignored);
    co_return Status{};
}

asio::awaitable<Status> Connection::write_raw(ByteView bytes) {
    boost::system::error_code ec;
    m_writing = true;
    m_write_started = SteadyClock::now();
    co_await asio::async_write(m_socket, asio::buffer(bytes.data(), bytes.size()),
                               redirect_error(use_awaitable, ec));
    m_writing = false;
    if (ec) co_return io_error(ec);
    m_last_send = SteadyClock::now();
    m_counters->bytes_out += bytes.size();
    m_sw.bytes_out += bytes.size();
    co_return Status{};
}

asio::awaitable<Status> Connection::write_frame(ByteView plaintext) {
    auto sealed = m_sealer->seal(plaintext);
    if (!sealed) co_return sealed.error();
    co_return co_await write_raw(*sealed);
}

asio::awaitable<boost::system::error_code> Connection::fill(std::size_t need) {
    // Frames are read from a buffer that one read_some may fill with several of them: a burst
    // of small frames (votes, HasVote, parts) costs one receive, not two per frame (issue 15).
    boost::system::error_code ec;
    if (m_in.size() - m_in_at >= need) co_return ec;
    if (m_in_at > 0) {  // keep the unread tail at the front
        m_in.erase(m_in.begin(), m_in.begin() + static_cast<std::ptrdiff_t>(m_in_at));
        m_in_at = 0;
    }
    while (m_in.size() < need) {
        const std::size_t have = m_in.size();
        m_in.resize(std::max(need, have + k_read_chunk_bytes));
        const std::size_t n = co_await m_socket.async_read_some(
            asio::buffer(m_in.data() + have, m_in.size() - have), redirect_error(use_awaitable, ec));
        m_in.resize(have + n);
        if (ec) co_return ec;
    }
    co_return ec;
}

asio::awaitable<Result<Bytes>> Connection::read_frame(std::size_t max_plaintext) {
    if (auto ec = co_await fill(k_frame_header_bytes)) co_return io_error(ec);
    const ByteView header(m_in.data() + m_in_at, k_frame_header_bytes);
    auto len = m_opener->ciphertext_length(header);
    if (!len) co_return len.error();
    if (*len > max_plaintext + k_tag_bytes)
        co_return make_error("frame_too_large", "frame of " + std::to_string(*len) +
                                                    " bytes where at most " +
                                                    std::to_string(max_plaintext) + " fit");
    const std::size_t frame = k_frame_header_bytes + *len;
    if (auto ec = co_await fill(frame)) co_return io_error(ec);
    m_last_recv = SteadyClock::now();
    m_counters->bytes_in += frame;
    m_sw.bytes_in += frame;
    const ByteView bytes(m_in.data() + m_in_at, frame);
    auto plaintext = m_opener->open(bytes.first(k_frame_header_bytes),
                                    bytes.subspan(k_frame_header_bytes));
    m_in_at += frame;
    if (m_in_at == m_in.size()) {  // all read: the next fill starts at the front
        if (m_in.capacity() > k_read_keep_bytes)
            Bytes().swap(m_in);  // a rare large frame does not pin its size per peer
        else
            m_in.clear();
        m_in_at = 0;
    }
    co_return plaintext;
}

asio::awaitable<Status> Connection::handshake() {
    // 1. Ephemeral X25519 keys, in the clear.
    const EphemeralKey ephemeral = EphemeralKey::generate();
    const Bytes hello = encode_hello(ephemeral.public_key());
    if (auto st = co_await write_raw(hello); !st) co_return st;
    std::array<std::uint8_t, k_hello_bytes> theirs{};
    boost::system::error_code ec;
    co_await asio::async_read(m_socket, asio::buffer(theirs), redirect_error(use_awaitable, ec));
    if (ec) co_return io_error(ec);
    m_counters->bytes_in += theirs.size();
    m_sw.bytes_in += theirs.size();
    auto their_key = decode_hello(theirs);
    if (!their_key) co_return their_key.error();
    auto keys = derive_session_keys(ephemeral, *their_key);
    if (!keys) co_return keys.error();
    m_sealer.emplace(keys->send_key);
    m_opener.emplace(keys->recv_key, m_sw.opt.max_frame_bytes);

    // 2. Authenticate: node key + signature over the challenge, encrypted.
    const Bytes auth = encode_auth(make_auth(*m_sw.opt.node_key, keys->challenge));
    if (auto st = co_await write_frame(auth); !st) co_return st;
    auto their_auth = co_await read_frame(k_max_handshake_frame);
    if (!their_auth) co_return their_auth.error();
    auto node_key = verify_auth(*their_auth, keys->challenge);
    if (!node_key) co_return node_key.error();
    m_peer_id = node_id_of(*node_key);
    if (m_target && m_target->id != m_peer_id)
        co_return make_error("wrong_node_id", "dialed " + m_target->id + " but the peer is " +
                                                  m_peer_id);

    // 3. Node info.
    if (auto st = co_await write_frame(encode_node_info(m_sw.own_info)); !st) co_return st;
    auto info_bytes = co_await read_frame(k_max_handshake_frame);
    if (!info_bytes) co_return info_bytes.error();
    auto info = decode_node_info(*info_bytes);
    if (!info) co_return info.error();
    if (info->node_id != m_peer_id)
        co_return make_error("node_id_mismatch", "node info claims " + info->node_id +
                                                     " but the key is " + m_peer_id);
    if (info->protocol_version != k_protocol_version)
        co_return make_error("protocol_mismatch",
                             "peer protocol " + std::to_string(info->protocol_version) +
                                 ", ours " + std::to_string(k_protocol_version));
    if (info->chain_id != m_sw.own_info.chain_id)
        co_return make_error("chain_id_mismatch",
                             "peer chain_id '" + info->chain_id + "', ours '" +
                                 m_sw.own_info.chain_id + "'");
    m_info = std::move(*info);
    co_return Status{};
}

asio::awaitable<void> Connection::run() {
    if (m_outbound) {
        auto st = co_await connect();
        if (!st) {
            close(st.error(), false);
            co_return;
        }
    }
    if (m_state == State::closed) co_return;
    auto st = co_await handshake();
    if (!st) {
        close(st.error(), false);
        co_return;
    }
    if (m_state == State::closed) co_return;
    m_state = State::waiting;
    asio::post(m_sw.strand, [self = shared_from_this()] { self->m_sw.on_authenticated(self); });
}

void Connection::activate() {
    if (m_state != State::waiting) return;
    m_state = State::active;
    m_last_recv = SteadyClock::now();
    spawn(&Connection::reader, "reader");
    spawn(&Connection::writer, "writer");
}

void Connection::wake_writer() { m_signal.cancel(); }

void Connection::enqueue(ChannelId channel, std::shared_ptr<const Bytes> message) {
    if (m_state != State::active) {
        ++m_sw.send_drops;
        ++m_counters->send_drops;
        return;
    }
    if (m_queue.size() >= m_sw.opt.send_queue_capacity) {
        ++m_sw.send_drops;
        ++m_counters->send_drops;
        if (++m_consecutive_full >= m_sw.opt.slow_peer_full_sends) {
            ++m_sw.slow_peers_dropped;
            close(make_error("slow_peer", "send queue full for " +
                                              std::to_string(m_consecutive_full) +
                                              " consecutive sends"),
                  false);
        }
        return;
    }
    m_consecutive_full = 0;
    m_counters->channel_out[channel] += message->size();
    m_counters->pending_send_bytes += message->size();
    m_sw.kind_out[m_sw.kind_of(channel, *message)] += message->size();
    m_queue.push_back({channel, std::move(message)});
    wake_writer();
}

Status Connection::handle_frame(const Bytes& plaintext) {
    auto packet = decode_packet(plaintext);
    if (!packet) return packet.error();
    switch (packet->type) {
        case PacketType::ping:
            m_pong_due = true;
            wake_writer();
            return {};
        case PacketType::pong:
            return {};
        case PacketType::message_start:
        case PacketType::message_part: {
            auto done = m_assembler.push(*packet);
            if (!done) return done.error();
            if (*done) {
                const auto& payload = (*done)->payload;
                m_counters->channel_in[(*done)->channel] += payload.size();
                m_sw.kind_in[m_sw.kind_of((*done)->channel, payload)] += payload.size();
            }
            if (*done && (*done)->channel == k_pex_channel) {
                // The switch's own channel: handled on its strand, never by the owner.
                ++m_sw.messages_in;
                if (m_sw.stopping.load()) return {};
                asio::post(m_sw.strand, [sw = &m_sw, peer = m_peer_id,
                                         bytes = std::move((*done)->payload)] {
                    sw->pex_on_message(peer, bytes);
                });
                return {};
            }
            if (*done && !m_sw.stopping.load() && m_sw.handlers.on_message) {
                ++m_sw.messages_in;
                m_sw.handlers.on_message(m_peer_id, (*done)->channel, (*done)->payload);
            }
            return {};
        }
    }
    return make_error("bad_packet", "unknown packet type");
}

asio::awaitable<void> Connection::reader() {
    auto self = shared_from_this();
    while (m_state == State::active) {
        auto frame = co_await read_frame(m_sw.opt.max_frame_bytes);
        if (m_state != State::active) break;
        if (!frame) {
            close(frame.error(), is_misbehaviour(frame.error()));
            break;
        }
        if (auto st = handle_frame(*frame); !st) {
            close(st.error(), is_misbehaviour(st.error()));
            break;
        }
    }
}

std::optional<Bytes> Connection::next_plaintext() {
    if (m_pong_due) {
        m_pong_due = false;
        return encode_pong();
    }
    if (m_ping_due) {
        m_ping_due = false;
        return encode_ping();
    }
    if (m_packets.empty() && !m_queue.empty()) {
        Outgoing next = std::move(m_queue.front());
        m_queue.pop_front();
        m_counters->pending_send_bytes -= next.message->size();
        auto packets = encode_message(next.channel, *next.message, k_send_frame_bytes);
        m_packets.assign(std::make_move_iterator(packets.begin()),
                         std::make_move_iterator(packets.end()));
        ++m_sw.messages_out;
    }
    if (m_packets.empty()) return std::nullopt;
    Bytes out = std::move(m_packets.front());
    m_packets.pop_front();
    return out;
}

asio::awaitable<void> Connection::writer() {
    auto self = shared_from_this();
    Bytes out;
    while (m_state == State::active) {
        // Every frame that is ready goes in one write, up to k_write_batch_bytes: a node that
        // sends a peer a vote, a HasVote and a status in one run of its queue makes one send,
        // and the peer one receive (issue 15).
        out.clear();
        while (out.size() < k_write_batch_bytes) {
            auto plaintext = next_plaintext();
            if (!plaintext) break;
            auto sealed = m_sealer->seal(*plaintext);
            if (!sealed) {
                close(sealed.error(), false);
                co_return;
            }
            out.insert(out.end(), sealed->begin(), sealed->end());
        }
        if (out.empty()) {
            boost::system::error_code ec;
            m_signal.expires_at(SteadyClock::time_point::max());
            co_await m_signal.async_wait(redirect_error(use_awaitable, ec));
            continue;
        }
        auto st = co_await write_raw(out);
        if (!st) {
            close(st.error(), false);
            break;
        }
    }
}

asio::awaitable<void> Connection::watchdog() {
    auto self = shared_from_this();
    const Duration smallest =
        std::min({m_sw.opt.handshake_timeout, m_sw.opt.write_timeout, m_sw.opt.read_timeout,
                  m_sw.opt.ping_interval});
    const Duration tick = std::clamp(smallest / 4, Duration{10}, Duration{1000});
    while (m_state != State::closed) {
        boost::system::error_code ec;
        m_watchdog.expires_after(tick);
        co_await m_watchdog.async_wait(redirect_error(use_awaitable, ec));
        if (m_state == State::closed) break;
        const auto now = SteadyClock::now();
        if ((m_state == State::handshaking || m_state == State::waiting) && now > m_deadline) {
            close(make_error("handshake_timeout", "handshake not finished in time"), false);
            break;
        }
        if (m_writing && now - m_write_started > m_sw.opt.write_timeout) {
            if (m_state == State::active) ++m_sw.slow_peers_dropped;
            close(make_error("write_timeout", "peer is not reading (write timed out)"), false);
            break;
        }
        if (m_state != State::active) continue;
        if (now - m_last_recv > m_sw.opt.read_timeout) {
            close(make_error("read_timeout", "nothing received (not even a pong) in time"),
                  false);
            break;
        }
        if (!m_writing && m_queue.empty() && m_packets.empty() &&
            now - m_last_send >= m_sw.opt.ping_interval) {
            m_ping_due = true;
            wake_writer();
        }
    }
}

}  // namespace seer::p2p
