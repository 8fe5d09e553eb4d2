#pragma once
// Switch: the p2p peer set over TCP (docs/p2p.md). It listens, dials persistent peers with
// exponential backoff, runs the secret-connection handshake and the node-info exchange, carries
// opaque messages on numbered channels, keeps peers alive with ping/pong, drops slow peers and
// bans misbehaving ones. It never knows what the bytes mean (no consensus types here).
//
// Threads: the Switch owns an io_context run by `io_threads` threads. Each connection is on its
// own strand; the peer set, dial state and ban list are on the switch's strand. The public
// methods are thread-safe (they post); the callbacks run on the io threads: on_peer_up and
// on_peer_down on the switch strand, on_message on the peer's strand (so with several io
// threads, on_message for different peers may run concurrently). No callback runs after stop().
// Asio stays out of this header (pimpl).

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "seer/common/bytes.hpp"
#include "seer/common/result.hpp"
#include "seer/crypto/ed25519.hpp"
#include "seer/p2p/secret_connection.hpp"
#include "seer/p2p/wire.hpp"

namespace seer::p2p {

using ChannelId = std::uint8_t;
using Duration = std::chrono::milliseconds;

/// Message kinds the owner may name (Options::message_kind) for byte counts by kind.
inline constexpr std::size_t k_max_message_kinds = 16;

/// "id@host:port", parsed.
struct PeerAddress {
    PeerId id;
    std::string host;
    std::uint16_t port = 0;
    std::string to_string() const;
};
Result<PeerAddress> parse_peer_address(std::string_view text);

struct Options {
    std::string listen_address = "127.0.0.1:0";  // "host:port"; port 0 = ephemeral
    bool listen = true;
    /// What we announce in NodeInfo (empty: the bound listen address).
    std::string external_address;
    std::vector<std::string> persistent_peers;  // "id@host:port"
    /// Nodes asked for addresses when the address book cannot fill the outbound slots
    /// ("id@host:port"; dialed, asked, then let go).
    std::vector<std::string> seeds;
    /// Peer exchange: ask peers for addresses, answer their requests, and dial what the address
    /// book holds until max_outbound non-persistent peers are connected.
    bool pex = false;
    /// A seed: answers address requests, then disconnects the asker.
    bool seed_mode = false;
    /// The address book's file (written as it changes); empty: in memory only.
    std::string addr_book_path;
    std::size_t max_addr_book = 1000;
    /// How often the switch dials from the book and asks for addresses (CometBFT: 30 s).
    Duration pex_interval{30000};
    /// Inbound connections accepted (persistent peers included).
    std::size_t max_inbound = 40;
    /// Outbound connections dialed from the address book and seeds; persistent peers are
    /// dialed besides these, as CometBFT's max_num_outbound_peers.
    std::size_t max_outbound = 10;
    /// Messages queued per peer (bounded; when full a send is dropped and counted).
    std::size_t send_queue_capacity = 256;
    /// A peer whose queue was full for this many consecutive sends is disconnected.
    std::size_t slow_peer_full_sends = 64;
    Duration handshake_timeout{5000};
    /// A write not finished within this time disconnects the peer (it stopped reading).
    Duration write_timeout{10000};
    /// No frame received for this long disconnects the peer (pings keep a live peer talking).
    Duration read_timeout{30000};
    Duration ping_interval{10000};
    Duration dial_timeout{3000};
    Duration dial_backoff_initial{250};
    Duration dial_backoff_max{30000};
    Duration ban_duration{std::chrono::minutes(10)};
    /// Ban the remote IP too (not only the node ID) of a peer banned for misbehaviour.
    bool ban_by_ip = true;
    /// Largest frame plaintext accepted (>= k_send_frame_bytes, <= k_max_frame_bytes).
    std::size_t max_frame_bytes = k_max_frame_bytes;
    /// Channel id -> maximum message size in bytes (> 0). Only these channels exist.
    std::map<ChannelId, std::size_t> channels;
    std::string chain_id;
    std::string moniker;
    /// The node key; its address is our node ID. Required.
    std::optional<crypto::PrivateKey> node_key;
    std::size_t io_threads = 1;
    /// Optional: the kind (< k_max_message_kinds) of a message, for Stats' byte counts by kind;
    /// the switch never looks inside a message itself. Called on the io threads and on send()'s
    /// caller for every message: cheap and thread-safe (e.g. a look at its first byte).
    std::function<std::size_t(ChannelId, ByteView)> message_kind;
};

/// Message bytes (payloads, before framing and encryption) on one channel of a peer.
struct ChannelBytes {
    ChannelId channel = 0;
    std::uint64_t received = 0;
    std::uint64_t sent = 0;  // queued for the peer
};

/// A connected peer as seen by peers().
struct PeerInfo {
    PeerId id;
    NodeInfo node_info;
    std::string remote_address;  // "ip:port" of the socket
    bool outbound = false;
    bool persistent = false;
    std::uint64_t bytes_in = 0;
    std::uint64_t bytes_out = 0;
    std::uint64_t send_drops = 0;
    std::vector<ChannelBytes> channels;  // the configured channels and pex, in channel order
    std::uint64_t pending_send_bytes = 0;  // messages queued and not yet taken by the writer
};

struct Stats {
    std::uint64_t bytes_in = 0;
    std::uint64_t bytes_out = 0;
    std::uint64_t messages_in = 0;
    std::uint64_t messages_out = 0;
    std::uint64_t send_drops = 0;          // queue full, unknown peer, closed peer
    std::uint64_t handshake_failures = 0;  // incl. node-info refusals
    std::uint64_t inbound_refused = 0;     // limit or banned IP
    std::uint64_t slow_peers_dropped = 0;
    std::uint64_t peers_banned = 0;
    std::uint64_t dials = 0;
    std::uint64_t pex_addrs_received = 0;  // new addresses the book took from peers
    std::size_t addr_book_size = 0;
    /// Message bytes by Options::message_kind, received and queued for peers (all kind 0
    /// without a message_kind).
    std::array<std::uint64_t, k_max_message_kinds> kind_bytes_in{};
    std::array<std::uint64_t, k_max_message_kinds> kind_bytes_out{};
};

struct Handlers {
    std::function<void(const PeerId&, const NodeInfo&)> on_peer_up;
    std::function<void(const PeerId&, const Error& reason)> on_peer_down;
    std::function<void(const PeerId&, ChannelId, ByteView)> on_message;
    /// Optional: a connection that failed before the peer was up (remote "ip:port", reason).
    std::function<void(const std::string& remote, const Error& reason)> on_handshake_failure;
};

class Switch {
public:
    explicit Switch(Options options);
    ~Switch();  // stop()
    Switch(const Switch&) = delete;
    Switch& operator=(const Switch&) = delete;

    /// Before start() only.
    void set_handlers(Handlers handlers);
    /// Validates the options, binds the listener and starts the io threads and the dialing of
    /// persistent peers. An error for bad options or a failed bind.
    Status start();
    /// Closes every connection, stops and joins the io threads. Idempotent. Not from a callback.
    void stop();

    const PeerId& node_id() const;
    /// The bound listen port (after start()).
    std::uint16_t listen_port() const;

    /// Queues a message for one peer. False (and nothing sent) when the channel does not exist
    /// or the message is above its limit; a full queue or an unknown peer drops and counts.
    bool send(const PeerId& peer, ChannelId channel, Bytes message);
    /// send() to every connected peer; false on an unknown channel or too large a message.
    bool broadcast(ChannelId channel, Bytes message);
    /// Disconnects and bans a peer (e.g. the upper layer could not decode its message).
    void report_misbehaviour(const PeerId& peer, Error reason);
    /// Dials "id@host:port" once (not persistent). An error when the address does not parse.
    Status dial(std::string_view address);
    /// Disconnects a peer without banning it.
    void disconnect(const PeerId& peer);

    std::vector<PeerInfo> peers() const;
    Stats stats() const;
    bool is_banned(const PeerId& peer) const;

    struct Impl;  // opaque (switch_impl.hpp); public only so the connection code can name it

private:
    std::unique_ptr<Impl> m_impl;
};

}  // namespace seer::p2p
