#pragma once
// Internals shared by switch.cpp and connection.cpp (not a public header: it pulls in Asio).

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio.hpp>

#include "seer/p2p/secret_connection.hpp"
#include "seer/p2p/switch.hpp"
#include "seer/p2p/wire.hpp"

namespace seer::p2p {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;
using Strand = asio::strand<asio::io_context::executor_type>;

/// Per-peer counters, readable from any thread (peers()).
struct PeerCounters {
    std::atomic<std::uint64_t> bytes_in{0};
    std::atomic<std::uint64_t> bytes_out{0};
    std::atomic<std::uint64_t> send_drops{0};
    // Message bytes by channel (all 256 ids: an index, no lookup), and bytes queued to send.
    std::array<std::atomic<std::uint64_t>, 256> channel_in{};
    std::array<std::atomic<std::uint64_t>, 256> channel_out{};
    std::atomic<std::uint64_t> pending_send_bytes{0};
};

/// True for reasons that mean the peer sent undecodable, oversized or invalid data (ban).
bool is_misbehaviour(const Error& e);

class Connection;

struct Switch::Impl {
    explicit Impl(Options options);

    // Declared first, destroyed last: everything below may hold handlers of it.
    asio::io_context io;
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
    Strand strand;  // owns every field marked (S)
    tcp::acceptor acceptor;
    std::vector<std::thread> threads;

    // Immutable after start().
    Options opt;
    Handlers handlers;
    PeerId id;
    ChannelLimits limits{};
    NodeInfo own_info;
    std::uint16_t port = 0;
    bool started = false;
    bool stopped = false;
    std::atomic<bool> stopping{false};

    // (S) the peer set and dial state.
    struct DialTarget {
        PeerAddress address;
        unsigned attempts = 0;
        bool dialing = false;
        bool scheduled = false;
        std::unique_ptr<asio::steady_timer> timer;
    };
    std::map<PeerId, std::shared_ptr<Connection>> peers;   // up
    std::set<std::shared_ptr<Connection>> pending;         // handshaking
    std::size_t inbound_count = 0;                         // up + handshaking
    std::size_t outbound_count = 0;                        // up + handshaking
    std::map<PeerId, DialTarget> persistent;

    // (S) peer exchange (pex.cpp).
    struct BookEntry {
        PeerAddress address;
        unsigned attempts = 0;                  // failed dials since the last success
        SteadyClock::time_point next_dial{};    // backoff
    };
    std::map<PeerId, BookEntry> book;
    bool book_dirty = false;
    std::map<PeerId, SteadyClock::time_point> pex_asked;   // address requests we sent
    std::map<PeerId, SteadyClock::time_point> pex_served;  // requests we answered
    std::map<PeerId, PeerAddress> seeds;
    std::unique_ptr<asio::steady_timer> pex_timer;
    std::atomic<std::uint64_t> pex_addrs_received{0};
    std::atomic<std::size_t> book_size{0};
    bool pex_active() const { return opt.pex || opt.seed_mode || !opt.seeds.empty(); }
    void pex_start();
    void pex_tick();
    void ensure_peers();
    void pex_on_peer_up(const std::shared_ptr<Connection>& conn);
    void pex_on_message(const PeerId& peer, const Bytes& bytes);
    void pex_send(const std::shared_ptr<Connection>& conn, const PexMessage& message);
    void book_add(const PeerAddress& address);
    void book_load();
    void book_save();

    // Written on the strand only; the mutexes let outside readers (peers(), is_banned()) copy.
    mutable std::mutex ban_mutex;
    std::map<PeerId, SteadyClock::time_point> banned_ids;
    std::map<std::string, SteadyClock::time_point> banned_ips;
    mutable std::mutex view_mutex;
    std::map<PeerId, std::pair<PeerInfo, std::shared_ptr<PeerCounters>>> view;

    // Counters (Stats).
    std::atomic<std::uint64_t> bytes_in{0}, bytes_out{0}, messages_in{0}, messages_out{0},
        send_drops{0}, handshake_failures{0}, inbound_refused{0}, slow_peers_dropped{0},
        peers_banned{0}, dials{0};
    std::array<std::atomic<std::uint64_t>, k_max_message_kinds> kind_in{}, kind_out{};
    std::size_t kind_of(ChannelId channel, ByteView message) const {
        if (!opt.message_kind) return 0;
        return std::min(opt.message_kind(channel, message), k_max_message_kinds - 1);
    }

    // (S) called by connections through the strand.
    void on_authenticated(const std::shared_ptr<Connection>& conn);
    void on_closed(const std::shared_ptr<Connection>& conn, const Error& reason, bool ban);

    // (S)
    asio::awaitable<void> accept_loop();
    void dial_now(const PeerAddress& address, bool persistent_dial);
    void schedule_dial(const PeerId& id);
    void ban(const PeerId& id, const std::string& ip, const Error& reason);
    bool id_banned(const PeerId& id, SteadyClock::duration* remaining = nullptr) const;
    bool ip_banned(const std::string& ip) const;
    void close_all();
};

/// One TCP connection: handshake, node info, then reader, writer and watchdog coroutines, all
/// on the connection's strand (every member below is owned by it, except `registered`, owned
/// by the switch strand).
/// A receive asks for at least this many bytes more than the frame needs.
inline constexpr std::size_t k_read_chunk_bytes = 16 * 1024;
/// A drained receive buffer larger than this is freed, not kept for the next frames.
inline constexpr std::size_t k_read_keep_bytes = 256 * 1024;
/// The writer stops adding ready frames to one send at this size.
inline constexpr std::size_t k_write_batch_bytes = 64 * 1024;

class Connection : public std::enable_shared_from_this<Connection> {
public:
    enum class State { handshaking, waiting, active, closed };

    Connection(Switch::Impl& sw, Strand strand, tcp::socket socket, bool outbound,
               std::optional<PeerAddress> target);

    void start();
    /// Strand: queue a message (bounded; drop + count when full, slow-peer rule).
    void enqueue(ChannelId channel, std::shared_ptr<const Bytes> message);
    /// Strand: the switch accepted the peer; start reading and writing messages.
    void activate();
    /// Strand: close once; the first reason wins. Reports to the switch.
    void close(Error reason, bool ban);

    Strand& strand() { return m_strand; }

    // Set on the connection strand before on_authenticated is posted, read-only afterwards.
    bool outbound() const { return m_outbound; }
    const std::optional<PeerAddress>& target() const { return m_target; }
    const PeerId& peer_id() const { return m_peer_id; }
    const NodeInfo& node_info() const { return m_info; }
    const std::string& remote() const { return m_remote; }
    const std::string& remote_ip() const { return m_remote_ip; }
    const std::shared_ptr<PeerCounters>& counters() const { return m_counters; }

    bool registered = false;  // switch strand
    bool persistent = false;  // switch strand
    bool superseded = false;  // switch strand: replaced by a duplicate connection
    bool limited = false;     // switch strand: an outbound dial that counts against max_outbound

private:
    asio::awaitable<void> run();
    asio::awaitable<Status> connect();
    asio::awaitable<Status> handshake();
    asio::awaitable<Status> write_raw(ByteView bytes);
    asio::awaitable<Status> write_frame(ByteView plaintext);
    asio::awaitable<Result<Bytes>> read_frame(std::size_t max_plaintext);
    /// Reads until at least `need` unread bytes are buffered in m_in.
    asio::awaitable<boost::system::error_code> fill(std::size_t need);
    /// The next frame's plaintext the writer should send, or nullopt when nothing is due.
    std::optional<Bytes> next_plaintext();
    asio::awaitable<void> reader();
    asio::awaitable<void> writer();
    asio::awaitable<void> watchdog();
    Status handle_frame(const Bytes& plaintext);
    void wake_writer();
    void spawn(asio::awaitable<void> (Connection::*fn)(), const char* what);

    Switch::Impl& m_sw;
    Strand m_strand;
    tcp::socket m_socket;
    asio::steady_timer m_watchdog;
    asio::steady_timer m_signal;  // the writer waits on it; cancel() wakes it
    bool m_outbound;
    std::optional<PeerAddress> m_target;
    std::string m_remote;
    std::string m_remote_ip;
    State m_state = State::handshaking;
    std::shared_ptr<PeerCounters> m_counters = std::make_shared<PeerCounters>();

    std::optional<FrameSealer> m_sealer;
    std::optional<FrameOpener> m_opener;
    MessageAssembler m_assembler;
    PeerId m_peer_id;
    NodeInfo m_info;

    struct Outgoing {
        ChannelId channel;
        std::shared_ptr<const Bytes> message;
    };
    std::deque<Outgoing> m_queue;       // bounded by opt.send_queue_capacity; drops counted
    std::deque<Bytes> m_packets;        // packets of the message being written
    Bytes m_in;                         // received bytes; frames are read from m_in_at
    std::size_t m_in_at = 0;
    std::size_t m_consecutive_full = 0;
    bool m_ping_due = false;
    bool m_pong_due = false;
    bool m_writing = false;
    SteadyClock::time_point m_deadline;  // handshake (incl. dial) deadline
    SteadyClock::time_point m_last_recv;
    SteadyClock::time_point m_last_send;
    SteadyClock::time_point m_write_started;
};

}  // namespace seer::p2p
