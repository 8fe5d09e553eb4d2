// Switch: the peer set, listening, dialing with backoff, bans and the public API (docs/p2p.md).

#include "seer/p2p/switch.hpp"

#include <sodium.h>

#include <future>
#include <random>

#include "log.hpp"
#include "seer/common/check.hpp"
#include "switch_impl.hpp"

namespace seer::p2p {
namespace {

Result<tcp::endpoint> parse_listen(const std::string& text) {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos) return make_error("bad_listen_address", "expected host:port");
    std::string host = text.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(host.empty() ? "0.0.0.0" : host, ec);
    if (ec) return make_error("bad_listen_address", "listen host must be an IP: " + host);
    unsigned port = 0;
    try {
        std::size_t used = 0;
        port = static_cast<unsigned>(std::stoul(text.substr(colon + 1), &used));
        if (used != text.size() - colon - 1 || port > 65535) throw std::out_of_range("port");
    } catch (const std::exception&) {
        return make_error("bad_listen_address", "bad port in " + text);
    }
    return tcp::endpoint(address, static_cast<std::uint16_t>(port));
}

std::chrono::milliseconds jitter(std::chrono::milliseconds d) {
    const auto quarter = d.count() / 4;
    if (quarter <= 0) return d;
    const auto r = static_cast<std::int64_t>(randombytes_uniform(
        static_cast<std::uint32_t>(std::min<std::int64_t>(2 * quarter + 1, 1 << 30))));
    return std::chrono::milliseconds(d.count() - quarter + r);
}

}  // namespace

Switch::Impl::Impl(Options options)
    : strand(asio::make_strand(io)), acceptor(io), opt(std::move(options)) {}

// ---------------------------------------------------------------------------------------------
// On the switch strand.

asio::awaitable<void> Switch::Impl::accept_loop() {
    while (!stopping.load()) {
        Strand conn_strand = asio::make_strand(io);
        tcp::socket socket(conn_strand);
        boost::system::error_code ec;
        co_await acceptor.async_accept(socket, asio::redirect_error(asio::use_awaitable, ec));
        if (stopping.load() || ec == asio::error::operation_aborted) break;
        if (ec) {
            logger()->debug("p2p accept failed: {}", ec.message());
            asio::steady_timer pause(strand, std::chrono::milliseconds(50));
            co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            continue;
        }
        const auto remote = socket.remote_endpoint(ec);
        const std::string ip = ec ? std::string() : remote.address().to_string();
        if (ip_banned(ip)) {
            ++inbound_refused;
            logger()->debug("p2p refused inbound from banned ip={}", ip);
            socket.close(ec);
            continue;
        }
        if (inbound_count >= opt.max_inbound) {
            ++inbound_refused;
            logger()->debug("p2p refused inbound ip={}: max_inbound={} reached", ip,
                            opt.max_inbound);
            socket.close(ec);
            continue;
        }
        socket.set_option(tcp::no_delay(true), ec);
        ++inbound_count;
        auto conn = std::make_shared<Connection>(*this, conn_strand, std::move(socket), false,
                                                 std::nullopt);
        pending.insert(conn);
        conn->start();
    }
}

void Switch::Impl::dial_now(const PeerAddress& address, bool persistent_dial) {
    if (stopping.load()) return;
    if (peers.count(address.id) != 0 || address.id == id) return;
    // Persistent peers are dialed whatever the outbound limit (as CometBFT's
    // max_num_outbound_peers, which excludes them); other dials count against it.
    if (persistent_dial) {
        auto& target = persistent.at(address.id);
        if (target.dialing) return;
        if (id_banned(address.id)) {
            schedule_dial(address.id);
            return;
        }
        target.dialing = true;
    } else if (id_banned(address.id) || outbound_count >= opt.max_outbound) {
        logger()->debug("p2p not dialing peer={}: banned or max_outbound reached", address.id);
        return;
    } else {
        ++outbound_count;
    }
    ++dials;
    Strand conn_strand = asio::make_strand(io);
    tcp::socket socket(conn_strand);
    auto conn = std::make_shared<Connection>(*this, conn_strand, std::move(socket), true, address);
    conn->limited = !persistent_dial;
    pending.insert(conn);
    conn->start();
}

void Switch::Impl::schedule_dial(const PeerId& peer) {
    auto it = persistent.find(peer);
    if (it == persistent.end() || stopping.load()) return;
    DialTarget& target = it->second;
    if (target.scheduled || target.dialing || peers.count(peer) != 0) return;
    const unsigned shift = std::min(target.attempts, 20u);
    auto delay = std::min<Duration>(opt.dial_backoff_initial * (1LL << shift), opt.dial_backoff_max);
    delay = jitter(delay);
    SteadyClock::duration ban_left{};
    if (id_banned(peer, &ban_left))
        delay = std::max(delay, std::chrono::duration_cast<Duration>(ban_left) + Duration{1});
    ++target.attempts;
    target.scheduled = true;
    target.timer->expires_after(delay);
    target.timer->async_wait(asio::bind_executor(strand, [this, peer](boost::system::error_code ec) {
        if (ec || stopping.load()) return;
        auto found = persistent.find(peer);
        if (found == persistent.end()) return;
        found->second.scheduled = false;
        dial_now(found->second.address, true);
    }));
    logger()->debug("p2p redial peer={} in {}ms attempt={}", peer, delay.count(), target.attempts);
}

bool Switch::Impl::id_banned(const PeerId& peer, SteadyClock::duration* remaining) const {
    std::lock_guard lock(ban_mutex);
    auto it = banned_ids.find(peer);
    const auto now = SteadyClock::now();
    if (it == banned_ids.end() || it->second <= now) return false;
    if (remaining) *remaining = it->second - now;
    return true;
}

bool Switch::Impl::ip_banned(const std::string& ip) const {
    std::lock_guard lock(ban_mutex);
    auto it = banned_ips.find(ip);
    return it != banned_ips.end() && it->second > SteadyClock::now();
}

void Switch::Impl::ban(const PeerId& peer, const std::string& ip, const Error& reason) {
    const auto until = SteadyClock::now() + opt.ban_duration;
    {
        std::lock_guard lock(ban_mutex);
        const auto now = SteadyClock::now();
        std::erase_if(banned_ids, [&](const auto& e) { return e.second <= now; });
        std::erase_if(banned_ips, [&](const auto& e) { return e.second <= now; });
        if (!peer.empty()) banned_ids[peer] = until;
        if (opt.ban_by_ip && !ip.empty()) banned_ips[ip] = until;
    }
    ++peers_banned;
    logger()->info("p2p banned peer={} ip={} for={}s reason={}: {}", peer, opt.ban_by_ip ? ip : "-",
                   std::chrono::duration_cast<std::chrono::seconds>(opt.ban_duration).count(),
                   reason.reason, reason.message);
}

void Switch::Impl::on_authenticated(const std::shared_ptr<Connection>& conn) {
    auto refuse = [&](Error e) {
        asio::post(conn->strand(), [conn, e = std::move(e)] { conn->close(e, false); });
    };
    const PeerId& peer = conn->peer_id();
    if (stopping.load()) return refuse(make_error("stopping", "switch stopping"));
    if (peer == id) return refuse(make_error("self_connection", "connected to ourselves"));
    if (id_banned(peer)) return refuse(make_error("banned", "peer " + peer + " is banned"));
    if (auto existing = peers.find(peer); existing != peers.end()) {
        // Both sides dialed each other: both keep the connection dialed by the lower node ID,
        // so they agree on which one survives.
        const auto dialer = [&](const Connection& c) { return c.outbound() ? id : peer; };
        const PeerId lower = std::min(id, peer);
        const Error duplicate = make_error("duplicate_peer", "already connected to " + peer);
        if (dialer(*conn) != lower || dialer(*existing->second) == lower) return refuse(duplicate);
        auto old = existing->second;
        old->registered = false;
        old->superseded = true;
        peers.erase(existing);
        {
            std::lock_guard lock(view_mutex);
            view.erase(peer);
        }
        asio::post(old->strand(), [old, duplicate] { old->close(duplicate, false); });
        logger()->debug("p2p replacing duplicate connection peer={}", peer);
        if (handlers.on_peer_down) handlers.on_peer_down(peer, duplicate);
    }
    pending.erase(conn);
    peers[peer] = conn;
    conn->registered = true;
    auto target = persistent.find(peer);
    if (target != persistent.end()) {
        conn->persistent = true;
        target->second.attempts = 0;
    }
    PeerInfo info;
    info.id = peer;
    info.node_info = conn->node_info();
    info.remote_address = conn->remote();
    info.outbound = conn->outbound();
    info.persistent = conn->persistent;
    {
        std::lock_guard lock(view_mutex);
        view[peer] = {std::move(info), conn->counters()};
    }
    logger()->info("p2p peer up peer={} addr={} direction={} moniker={}", peer, conn->remote(),
                   conn->outbound() ? "out" : "in", conn->node_info().moniker);
    if (handlers.on_peer_up) handlers.on_peer_up(peer, conn->node_info());
    asio::post(conn->strand(), [conn] { conn->activate(); });
    if (pex_active()) pex_on_peer_up(conn);
}

void Switch::Impl::on_closed(const std::shared_ptr<Connection>& conn, const Error& reason,
                             bool banned) {
    const PeerId& peer = conn->peer_id();
    const bool was_up = conn->registered;
    if (conn->superseded) {
        // Replaced by a newer connection to the same peer: already reported down.
    } else if (was_up) {
        peers.erase(peer);
        conn->registered = false;
        std::lock_guard lock(view_mutex);
        view.erase(peer);
    } else {
        pending.erase(conn);
    }
    if (conn->outbound()) {
        if (conn->limited) {
            SEER_CHECK(outbound_count > 0);
            --outbound_count;
        }
    } else {
        SEER_CHECK(inbound_count > 0);
        --inbound_count;
    }
    if (banned) ban(peer, conn->remote_ip(), reason);
    if (stopping.load() || conn->superseded) {
        if (conn->outbound() && conn->target()) {
            auto it = persistent.find(conn->target()->id);
            if (it != persistent.end()) it->second.dialing = false;
        }
        return;
    }
    if (was_up) {
        logger()->info("p2p peer down peer={} reason={}: {}", peer, reason.reason, reason.message);
        if (handlers.on_peer_down) handlers.on_peer_down(peer, reason);
    } else {
        ++handshake_failures;
        logger()->debug("p2p connection failed remote={} peer={} reason={}: {}", conn->remote(),
                        peer, reason.reason, reason.message);
        if (handlers.on_handshake_failure) handlers.on_handshake_failure(conn->remote(), reason);
    }
    if (conn->outbound() && conn->target()) {
        auto it = persistent.find(conn->target()->id);
        if (it != persistent.end()) it->second.dialing = false;
    }
    if (!peer.empty() && persistent.count(peer) != 0) schedule_dial(peer);
    if (conn->target() && persistent.count(conn->target()->id) != 0)
        schedule_dial(conn->target()->id);
}

void Switch::Impl::close_all() {
    boost::system::error_code ec;
    acceptor.close(ec);
    for (auto& [peer, target] : persistent) target.timer->cancel();
    if (pex_timer) pex_timer->cancel();
    if (book_dirty) book_save();
    const Error reason = make_error("stopping", "switch stopping");
    auto close_one = [&](const std::shared_ptr<Connection>& conn) {
        asio::post(conn->strand(), [conn, reason] { conn->close(reason, false); });
    };
    for (auto& [peer, conn] : peers) close_one(conn);
    for (const auto& conn : pending) close_one(conn);
}

// ---------------------------------------------------------------------------------------------
// Public API.

Switch::Switch(Options options) : m_impl(std::make_unique<Impl>(std::move(options))) {}

Switch::~Switch() { stop(); }

void Switch::set_handlers(Handlers handlers) {
    SEER_CHECK(!m_impl->started);
    m_impl->handlers = std::move(handlers);
}

Status Switch::start() {
    Impl& s = *m_impl;
    SEER_CHECK(!s.started);
    const Options& o = s.opt;
    if (!o.node_key) return make_error("bad_options", "node_key is required");
    if (o.max_frame_bytes < k_send_frame_bytes || o.max_frame_bytes > k_max_frame_bytes)
        return make_error("bad_options", "max_frame_bytes must be in [64 KiB, 1 MiB]");
    if (o.send_queue_capacity == 0 || o.io_threads == 0 || o.slow_peer_full_sends == 0)
        return make_error("bad_options", "send_queue_capacity, io_threads, slow_peer_full_sends > 0");
    if (o.handshake_timeout.count() <= 0 || o.write_timeout.count() <= 0 ||
        o.read_timeout.count() <= 0 || o.ping_interval.count() <= 0 ||
        o.dial_backoff_initial.count() <= 0 || o.dial_backoff_max < o.dial_backoff_initial)
        return make_error("bad_options", "timeouts and backoff must be positive");
    for (const auto& [channel, max] : o.channels) {
        if (channel == k_pex_channel)
            return make_error("bad_options", "channel 0 is the switch's own (peer exchange)");
        if (max == 0 || max > 0xffffffffu)
            return make_error("bad_options", "channel " + std::to_string(channel) +
                                                 " needs a maximum message size in [1, 4 GiB)");
        s.limits[channel] = max;
    }
    s.limits[k_pex_channel] = k_max_pex_message_bytes;
    s.id = node_id_of(o.node_key->public_key());
    for (const auto& text : o.seeds) {
        auto address = parse_peer_address(text);
        if (!address) return address.error();
        if (address->id != s.id) s.seeds[address->id] = *address;
    }
    for (const auto& text : o.persistent_peers) {
        auto address = parse_peer_address(text);
        if (!address) return address.error();
        if (address->id == s.id) continue;
        Impl::DialTarget target;
        target.address = *address;
        target.timer = std::make_unique<asio::steady_timer>(s.strand);
        s.persistent[address->id] = std::move(target);
    }
    std::string announced = o.external_address;
    if (o.listen) {
        auto endpoint = parse_listen(o.listen_address);
        if (!endpoint) return endpoint.error();
        boost::system::error_code ec;
        s.acceptor.open(endpoint->protocol(), ec);
        if (!ec) s.acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
        if (!ec) s.acceptor.bind(*endpoint, ec);
        if (!ec) s.acceptor.listen(asio::socket_base::max_listen_connections, ec);
        if (ec) {
            boost::system::error_code ignored;
            s.acceptor.close(ignored);
            return make_error("listen_failed", "listen on " + o.listen_address + ": " + ec.message());
        }
        const auto bound = s.acceptor.local_endpoint(ec);
        s.port = bound.port();
        if (announced.empty()) announced = bound.address().to_string() + ":" + std::to_string(s.port);
    }
    s.own_info.protocol_version = k_protocol_version;
    s.own_info.node_id = s.id;
    s.own_info.chain_id = o.chain_id;
    s.own_info.listen_address = announced;
    s.own_info.moniker = o.moniker;
    if (auto st = validate(s.own_info); !st) return st.error();

    s.started = true;
    s.work.emplace(s.io.get_executor());
    if (o.listen) {
        asio::co_spawn(s.strand, s.accept_loop(), [](const std::exception_ptr& e) {
            if (e) logger()->error("p2p accept loop ended by an exception");
        });
    }
    asio::post(s.strand, [&s] {
        for (auto& [peer, target] : s.persistent) s.dial_now(target.address, true);
        if (s.pex_active()) s.pex_start();
    });
    for (std::size_t i = 0; i < o.io_threads; ++i) s.threads.emplace_back([&s] { s.io.run(); });
    logger()->info("p2p started node_id={} listen={} chain_id={} persistent_peers={}", s.id,
                   announced, o.chain_id, s.persistent.size());
    return {};
}

void Switch::stop() {
    Impl& s = *m_impl;
    if (!s.started || s.stopped) return;
    s.stopped = true;
    s.stopping.store(true);
    std::promise<void> done;
    asio::post(s.strand, [&s, &done] {
        s.close_all();
        done.set_value();
    });
    done.get_future().wait();
    s.work.reset();
    // Everything is closed: the remaining handlers finish quickly. A last resort stop() keeps
    // a stuck handler (e.g. a slow resolver) from hanging the owner.
    std::promise<void> drained;
    auto drained_future = drained.get_future();
    std::thread joiner([&s, &drained] {
        for (auto& t : s.threads) t.join();
        drained.set_value();
    });
    if (drained_future.wait_for(std::chrono::seconds(5)) != std::future_status::ready) s.io.stop();
    joiner.join();
    s.threads.clear();
    s.peers.clear();
    s.pending.clear();
    {
        std::lock_guard lock(s.view_mutex);
        s.view.clear();
    }
    logger()->info("p2p stopped node_id={}", s.id);
}

const PeerId& Switch::node_id() const { return m_impl->id; }

std::uint16_t Switch::listen_port() const { return m_impl->port; }

bool Switch::send(const PeerId& peer, ChannelId channel, Bytes message) {
    Impl& s = *m_impl;
    if (!s.started || channel == k_pex_channel || s.limits[channel] == 0 ||
        message.size() > s.limits[channel])
        return false;
    auto shared = std::make_shared<const Bytes>(std::move(message));
    asio::post(s.strand, [&s, peer, channel, shared] {
        auto it = s.peers.find(peer);
        if (it == s.peers.end()) {
            ++s.send_drops;
            return;
        }
        auto conn = it->second;
        asio::post(conn->strand(), [conn, channel, shared] { conn->enqueue(channel, shared); });
    });
    return true;
}

bool Switch::broadcast(ChannelId channel, Bytes message) {
    Impl& s = *m_impl;
    if (!s.started || channel == k_pex_channel || s.limits[channel] == 0 ||
        message.size() > s.limits[channel])
        return false;
    auto shared = std::make_shared<const Bytes>(std::move(message));
    asio::post(s.strand, [&s, channel, shared] {
        for (auto& [peer, conn] : s.peers) {
            asio::post(conn->strand(),
                       [c = conn, channel, shared] { c->enqueue(channel, shared); });
        }
    });
    return true;
}

void Switch::report_misbehaviour(const PeerId& peer, Error reason) {
    Impl& s = *m_impl;
    if (!s.started) return;
    asio::post(s.strand, [&s, peer, reason = std::move(reason)]() mutable {
        auto it = s.peers.find(peer);
        if (it == s.peers.end()) {
            s.ban(peer, "", reason);  // already gone: still refuse it for a while
            return;
        }
        auto conn = it->second;
        asio::post(conn->strand(), [conn, reason = std::move(reason)] { conn->close(reason, true); });
    });
}

Status Switch::dial(std::string_view address) {
    Impl& s = *m_impl;
    auto parsed = parse_peer_address(address);
    if (!parsed) return parsed.error();
    if (!s.started) return make_error("not_started", "start() the switch first");
    asio::post(s.strand, [&s, a = *parsed] { s.dial_now(a, false); });
    return {};
}

void Switch::disconnect(const PeerId& peer) {
    Impl& s = *m_impl;
    if (!s.started) return;
    asio::post(s.strand, [&s, peer] {
        auto it = s.peers.find(peer);
        if (it == s.peers.end()) return;
        auto conn = it->second;
        asio::post(conn->strand(), [conn] {
            conn->close(make_error("disconnected", "disconnected by the owner"), false);
        });
    });
}

std::vector<PeerInfo> Switch::peers() const {
    std::lock_guard lock(m_impl->view_mutex);
    std::vector<PeerInfo> out;
    for (const auto& [peer, entry] : m_impl->view) {
        PeerInfo info = entry.first;
        info.bytes_in = entry.second->bytes_in.load();
        info.bytes_out = entry.second->bytes_out.load();
        info.send_drops = entry.second->send_drops.load();
        info.pending_send_bytes = entry.second->pending_send_bytes.load();
        auto add_channel = [&](ChannelId c) {
            info.channels.push_back(
                {c, entry.second->channel_in[c].load(), entry.second->channel_out[c].load()});
        };
        add_channel(k_pex_channel);
        for (const auto& [c, limit] : m_impl->opt.channels)
            if (c != k_pex_channel) add_channel(c);
        out.push_back(std::move(info));
    }
    return out;
}

Stats Switch::stats() const {
    const Impl& s = *m_impl;
    Stats st;
    st.bytes_in = s.bytes_in.load();
    st.bytes_out = s.bytes_out.load();
    st.messages_in = s.messages_in.load();
    st.messages_out = s.messages_out.load();
    st.send_drops = s.send_drops.load();
    st.handshake_failures = s.handshake_failures.load();
    st.inbound_refused = s.inbound_refused.load();
    st.slow_peers_dropped = s.slow_peers_dropped.load();
    st.peers_banned = s.peers_banned.load();
    st.dials = s.dials.load();
    st.pex_addrs_received = s.pex_addrs_received.load();
    st.addr_book_size = s.book_size.load();
    for (std::size_t k = 0; k < k_max_message_kinds; ++k) {
        st.kind_bytes_in[k] = s.kind_in[k].load();
        st.kind_bytes_out[k] = s.kind_out[k].load();
    }
    return st;
}

bool Switch::is_banned(const PeerId& peer) const { return m_impl->id_banned(peer); }

}  // namespace seer::p2p
