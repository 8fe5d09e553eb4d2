// NodeInfo and packet codecs (docs/p2p.md).

#include "seer/p2p/wire.hpp"

#include <algorithm>

#include "seer/common/check.hpp"
#include "seer/p2p/secret_connection.hpp"
#include "seer/p2p/switch.hpp"

namespace seer::p2p {
namespace {

bool printable(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

class Reader {
public:
    explicit Reader(ByteView b) : m_b(b) {}
    bool u8(std::uint8_t& v) {
        if (m_pos + 1 > m_b.size()) return false;
        v = m_b[m_pos++];
        return true;
    }
    bool u32(std::uint32_t& v) {
        if (m_pos + 4 > m_b.size()) return false;
        v = (std::uint32_t{m_b[m_pos]} << 24) | (std::uint32_t{m_b[m_pos + 1]} << 16) |
            (std::uint32_t{m_b[m_pos + 2]} << 8) | std::uint32_t{m_b[m_pos + 3]};
        m_pos += 4;
        return true;
    }
    bool str(std::string& s) {
        std::uint8_t n = 0;
        if (!u8(n) || m_pos + n > m_b.size()) return false;
        s.assign(m_b.begin() + static_cast<std::ptrdiff_t>(m_pos),
                 m_b.begin() + static_cast<std::ptrdiff_t>(m_pos + n));
        m_pos += n;
        return true;
    }
    ByteView rest() const { return m_b.subspan(m_pos); }
    bool done() const { return m_pos == m_b.size(); }

private:
    ByteView m_b;
    std::size_t m_pos = 0;
};

void put_u32(Bytes& out, std::uint32_t v) {
    out.push_back(static_cast<std::uint8_t>(v >> 24));
    out.push_back(static_cast<std::uint8_t>(v >> 16));
    out.push_back(static_cast<std::uint8_t>(v >> 8));
    out.push_back(static_cast<std::uint8_t>(v));
}

void put_str(Bytes& out, const std::string& s) {
    SEER_CHECK(s.size() <= 255);
    out.push_back(static_cast<std::uint8_t>(s.size()));
    out.insert(out.end(), s.begin(), s.end());
}

constexpr std::size_t k_start_header = 1 + 1 + 4;
constexpr std::size_t k_part_header = 1 + 1;

}  // namespace

Status validate(const NodeInfo& info) {
    if (!is_valid_node_id(info.node_id))
        return make_error("bad_node_info", "node_id must be 40 lower-case hex digits");
    if (info.chain_id.empty() || info.chain_id.size() > k_max_chain_id_bytes ||
        !printable(info.chain_id))
        return make_error("bad_node_info", "chain_id must be 1..50 printable ASCII characters");
    if (info.listen_address.size() > k_max_listen_address_bytes || !printable(info.listen_address))
        return make_error("bad_node_info", "listen_address too long or not printable");
    if (info.moniker.size() > k_max_moniker_bytes || !printable(info.moniker))
        return make_error("bad_node_info", "moniker must be 0..64 printable ASCII characters");
    return {};
}

Bytes encode_node_info(const NodeInfo& info) {
    SEER_CHECK(validate(info).ok());
    Bytes out;
    put_u32(out, info.protocol_version);
    put_str(out, info.node_id);
    put_str(out, info.chain_id);
    put_str(out, info.listen_address);
    put_str(out, info.moniker);
    return out;
}

Result<NodeInfo> decode_node_info(ByteView bytes) {
    if (bytes.size() > k_max_node_info_bytes)
        return make_error("bad_node_info", "node info too large");
    Reader r(bytes);
    NodeInfo info;
    if (!r.u32(info.protocol_version) || !r.str(info.node_id) || !r.str(info.chain_id) ||
        !r.str(info.listen_address) || !r.str(info.moniker))
        return make_error("bad_node_info", "truncated node info");
    if (!r.done()) return make_error("bad_node_info", "trailing bytes after node info");
    if (auto st = validate(info); !st) return st.error();
    return info;
}

Result<Packet> decode_packet(ByteView plaintext) {
    Reader r(plaintext);
    std::uint8_t type = 0;
    if (!r.u8(type)) return make_error("bad_packet", "empty packet");
    Packet p;
    switch (type) {
        case static_cast<std::uint8_t>(PacketType::message_start):
            p.type = PacketType::message_start;
            if (!r.u8(p.channel) || !r.u32(p.total_length))
                return make_error("bad_packet", "truncated message_start header");
            p.data = r.rest();
            return p;
        case static_cast<std::uint8_t>(PacketType::message_part):
            p.type = PacketType::message_part;
            if (!r.u8(p.channel)) return make_error("bad_packet", "truncated message_part header");
            p.data = r.rest();
            if (p.data.empty()) return make_error("bad_packet", "empty message_part");
            return p;
        case static_cast<std::uint8_t>(PacketType::ping):
        case static_cast<std::uint8_t>(PacketType::pong):
            p.type = static_cast<PacketType>(type);
            if (!r.done()) return make_error("bad_packet", "ping/pong with a body");
            return p;
        default:
            return make_error("bad_packet", "unknown packet type " + std::to_string(type));
    }
}

Bytes encode_ping() { return {static_cast<std::uint8_t>(PacketType::ping)}; }
Bytes encode_pong() { return {static_cast<std::uint8_t>(PacketType::pong)}; }

std::vector<Bytes> encode_message(std::uint8_t channel, ByteView message,
                                  std::size_t max_packet_bytes) {
    SEER_CHECK(max_packet_bytes >= 16);
    SEER_CHECK(message.size() <= 0xffffffffu);
    std::vector<Bytes> out;
    std::size_t pos = 0;
    {
        const std::size_t n = std::min(message.size(), max_packet_bytes - k_start_header);
        Bytes p;
        p.reserve(k_start_header + n);
        p.push_back(static_cast<std::uint8_t>(PacketType::message_start));
        p.push_back(channel);
        put_u32(p, static_cast<std::uint32_t>(message.size()));
        p.insert(p.end(), message.begin(), message.begin() + static_cast<std::ptrdiff_t>(n));
        out.push_back(std::move(p));
        pos = n;
    }
    while (pos < message.size()) {
        const std::size_t n = std::min(message.size() - pos, max_packet_bytes - k_part_header);
        Bytes p;
        p.reserve(k_part_header + n);
        p.push_back(static_cast<std::uint8_t>(PacketType::message_part));
        p.push_back(channel);
        p.insert(p.end(), message.begin() + static_cast<std::ptrdiff_t>(pos),
                 message.begin() + static_cast<std::ptrdiff_t>(pos + n));
        out.push_back(std::move(p));
        pos += n;
    }
    return out;
}

Result<std::optional<ChannelMessage>> MessageAssembler::push(const Packet& packet) {
    switch (packet.type) {
        case PacketType::message_start: {
            if (m_active)
                return make_error("bad_packet", "message_start before the previous message ended");
            const std::size_t limit = m_limits[packet.channel];
            if (limit == 0)
                return make_error("unknown_channel",
                                  "message on unknown channel " + std::to_string(packet.channel));
            if (packet.total_length > limit)
                return make_error("message_too_large",
                                  "message of " + std::to_string(packet.total_length) +
                                      " bytes above channel " + std::to_string(packet.channel) +
                                      " limit " + std::to_string(limit));
            if (packet.data.size() > packet.total_length)
                return make_error("bad_packet", "chunk longer than the announced message");
            if (packet.data.size() == packet.total_length)
                return std::optional<ChannelMessage>(
                    ChannelMessage{packet.channel, Bytes(packet.data.begin(), packet.data.end())});
            m_active = true;
            m_channel = packet.channel;
            m_expected = packet.total_length;
            m_buffer.clear();
            m_buffer.reserve(m_expected);
            m_buffer.insert(m_buffer.end(), packet.data.begin(), packet.data.end());
            return std::optional<ChannelMessage>();
        }
        case PacketType::message_part: {
            if (!m_active) return make_error("bad_packet", "message_part without message_start");
            if (packet.channel != m_channel)
                return make_error("bad_packet", "message_part on another channel");
            if (packet.data.size() > m_expected - m_buffer.size())
                return make_error("message_too_large", "chunks past the announced length");
            m_buffer.insert(m_buffer.end(), packet.data.begin(), packet.data.end());
            if (m_buffer.size() < m_expected) return std::optional<ChannelMessage>();
            m_active = false;
            ChannelMessage done{m_channel, std::move(m_buffer)};
            m_buffer = Bytes();
            return std::optional<ChannelMessage>(std::move(done));
        }
        case PacketType::ping:
        case PacketType::pong:
            return make_error("bad_packet", "control packet given to the assembler");
    }
    return make_error("bad_packet", "unknown packet type");
}

}  // namespace seer::p2p

namespace seer::p2p {

Bytes encode_pex(const PexMessage& message) {
    Bytes out{static_cast<std::uint8_t>(message.type)};
    if (message.type != PexMessage::Type::addrs) return out;
    SEER_CHECK(message.addrs.size() <= k_max_pex_addrs);
    out.push_back(static_cast<std::uint8_t>(message.addrs.size() >> 8));
    out.push_back(static_cast<std::uint8_t>(message.addrs.size()));
    for (const auto& a : message.addrs) {
        SEER_CHECK(a.size() <= k_max_pex_addr_bytes);
        put_str(out, a);
    }
    return out;
}

Result<PexMessage> decode_pex(ByteView bytes) {
    if (bytes.size() > k_max_pex_message_bytes)
        return make_error("bad_pex", "pex message too large");
    Reader r(bytes);
    std::uint8_t type = 0;
    if (!r.u8(type)) return make_error("bad_pex", "empty pex message");
    PexMessage m;
    if (type == static_cast<std::uint8_t>(PexMessage::Type::request)) {
        if (!r.done()) return make_error("bad_pex", "pex request with a body");
        return m;
    }
    if (type != static_cast<std::uint8_t>(PexMessage::Type::addrs))
        return make_error("bad_pex", "unknown pex message type " + std::to_string(type));
    m.type = PexMessage::Type::addrs;
    std::uint8_t hi = 0, lo = 0;
    if (!r.u8(hi) || !r.u8(lo)) return make_error("bad_pex", "truncated pex addrs");
    const std::size_t count = (std::size_t{hi} << 8) | lo;
    if (count > k_max_pex_addrs) return make_error("bad_pex", "too many pex addrs");
    for (std::size_t i = 0; i < count; ++i) {
        std::string a;
        if (!r.str(a)) return make_error("bad_pex", "truncated pex address");
        if (a.size() > k_max_pex_addr_bytes || !printable(a) || !parse_peer_address(a).ok())
            return make_error("bad_pex", "pex address is not id@host:port");
        m.addrs.push_back(std::move(a));
    }
    if (!r.done()) return make_error("bad_pex", "trailing bytes after pex addrs");
    return m;
}

}  // namespace seer::p2p
