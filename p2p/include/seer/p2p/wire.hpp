#pragma once
// What travels inside sealed frames (docs/p2p.md "Node info" and "Packets"): the node-info
// record exchanged right after the handshake, and the packets that carry channel messages
// (a message may span several packets), pings and pongs. Pure codecs, no sockets.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "seer/common/bytes.hpp"
#include "seer/common/result.hpp"

namespace seer::p2p {

inline constexpr std::size_t k_max_chain_id_bytes = 50;
inline constexpr std::size_t k_max_listen_address_bytes = 255;
inline constexpr std::size_t k_max_moniker_bytes = 64;
/// Upper bound of an encoded NodeInfo (u32 version + four u8-length-prefixed strings).
inline constexpr std::size_t k_max_node_info_bytes = 4 + 4 + 40 + k_max_chain_id_bytes +
                                                     k_max_listen_address_bytes +
                                                     k_max_moniker_bytes;

struct NodeInfo {
    std::uint32_t protocol_version = 0;
    std::string node_id;         // 40 lower-case hex digits
    std::string chain_id;        // 1..50 printable ASCII
    std::string listen_address;  // "host:port" as the peer wants to be dialed, may be empty
    std::string moniker;         // 0..64 printable ASCII

    bool operator==(const NodeInfo&) const = default;
};

/// Checks every bound (the encoder refuses what the decoder would refuse).
Status validate(const NodeInfo& info);
/// Encoding: u32 BE protocol_version, then node_id, chain_id, listen_address, moniker, each as a
/// u8 length and that many bytes. Precondition: validate(info).ok().
Bytes encode_node_info(const NodeInfo& info);
/// Refuses trailing bytes, out-of-bound lengths and non-printable characters.
Result<NodeInfo> decode_node_info(ByteView bytes);

enum class PacketType : std::uint8_t {
    message_start = 1,  // u8 channel, u32 BE total message length, first chunk
    message_part = 2,   // u8 channel, next chunk of the message being assembled
    ping = 3,           // no body
    pong = 4,           // no body
};

/// One decoded packet; `data` points into the decoded buffer.
struct Packet {
    PacketType type = PacketType::ping;
    std::uint8_t channel = 0;
    std::uint32_t total_length = 0;  // message_start only
    ByteView data;                   // message_start / message_part only
};

Result<Packet> decode_packet(ByteView plaintext);
Bytes encode_ping();
Bytes encode_pong();
/// Cuts one message into packets whose encodings are at most `max_packet_bytes` (>= 16).
std::vector<Bytes> encode_message(std::uint8_t channel, ByteView message,
                                  std::size_t max_packet_bytes);

/// Per-channel maximum message sizes; 0 = the channel does not exist.
using ChannelLimits = std::array<std::size_t, 256>;

/// A completed channel message.
struct ChannelMessage {
    std::uint8_t channel = 0;
    Bytes payload;
};

/// Reassembles messages from packets. Messages are never interleaved on a connection: after a
/// message_start, only message_part packets of the same channel may follow until it is whole.
/// Every violation (unknown channel, a message above the channel's limit, a chunk past the
/// announced length, an unexpected part) is an error: the peer is misbehaving.
class MessageAssembler {
public:
    explicit MessageAssembler(const ChannelLimits& limits) : m_limits(limits) {}
    /// A whole message when this packet completes one, nullopt when more parts are expected.
    Result<std::optional<ChannelMessage>> push(const Packet& packet);
    bool in_progress() const { return m_active; }

private:
    const ChannelLimits& m_limits;
    bool m_active = false;
    std::uint8_t m_channel = 0;
    std::size_t m_expected = 0;
    Bytes m_buffer;
};

/// Peer exchange (PEX, channel 0x00, owned by the Switch; docs/p2p.md "Peer exchange").
inline constexpr std::uint8_t k_pex_channel = 0x00;
/// Addresses in one PexAddrs message, and the bytes of one address ("id@host:port").
inline constexpr std::size_t k_max_pex_addrs = 100;
inline constexpr std::size_t k_max_pex_addr_bytes = 40 + 1 + k_max_listen_address_bytes;
inline constexpr std::size_t k_max_pex_message_bytes =
    3 + k_max_pex_addrs * (1 + k_max_pex_addr_bytes);

struct PexMessage {
    enum class Type : std::uint8_t { request = 1, addrs = 2 };
    Type type = Type::request;
    std::vector<std::string> addrs;  // addrs only: "id@host:port", each one parses
    bool operator==(const PexMessage&) const = default;
};
/// u8 type; for addrs a u16 BE count, then each address as a u8 length and its bytes.
Bytes encode_pex(const PexMessage& message);
/// Refuses unknown types, trailing bytes, more than k_max_pex_addrs addresses and any address
/// that does not parse as "id@host:port".
Result<PexMessage> decode_pex(ByteView bytes);

}  // namespace seer::p2p
