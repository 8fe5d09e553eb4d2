// Peer exchange (docs/p2p.md "Peer exchange"): the address book, address requests and answers
// on channel 0x00, seeds, and the dialing that keeps max_outbound non-persistent peers. All on
// the switch strand.

#include <sodium.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "log.hpp"
#include "seer/common/check.hpp"
#include "switch_impl.hpp"

namespace seer::p2p {
namespace {

// Addresses in one answer (CometBFT sends up to 250; 30 random ones spread a book well).
constexpr std::size_t k_addrs_per_answer = 30;
// An answer counts only when it comes within this long of our request.
constexpr auto k_answer_window = std::chrono::seconds(60);
// A peer asking again sooner than this gets no answer.
constexpr auto k_min_request_interval = std::chrono::seconds(10);
// A seed-mode node lets an asker go this long after answering (the answer is written first).
constexpr auto k_seed_linger = std::chrono::seconds(2);

std::size_t random_below(std::size_t n) {
    return n <= 1 ? 0 : static_cast<std::size_t>(randombytes_uniform(static_cast<std::uint32_t>(n)));
}

// A dialable announced address: a host that is not a wildcard, a port.
bool dialable(const PeerAddress& a) {
    return a.port != 0 && !a.host.empty() && a.host != "0.0.0.0" && a.host != "::";
}

}  // namespace

void Switch::Impl::pex_start() {
    book_load();
    pex_timer = std::make_unique<asio::steady_timer>(strand);
    // A first round soon after start: dial from the book, or ask the seeds.
    pex_timer->expires_after(std::chrono::milliseconds(200));
    pex_timer->async_wait([this](boost::system::error_code ec) {
        if (!ec && !stopping.load()) pex_tick();
    });
}

void Switch::Impl::pex_tick() {
    ensure_peers();
    if (book_dirty) book_save();
    pex_timer->expires_after(opt.pex_interval);
    pex_timer->async_wait([this](boost::system::error_code ec) {
        if (!ec && !stopping.load()) pex_tick();
    });
}

void Switch::Impl::ensure_peers() {
    if (!opt.pex || opt.seed_mode) return;  // a seed only answers
    const auto now = SteadyClock::now();
    auto connected_or_dialing = [&](const PeerId& peer) {
        if (peers.count(peer) || persistent.count(peer)) return true;
        return std::any_of(pending.begin(), pending.end(), [&](const auto& c) {
            return c->target() && c->target()->id == peer;
        });
    };
    // 1. Dial from the book until the outbound slots are full.
    std::vector<BookEntry*> candidates;
    for (auto& [peer, entry] : book)
        if (entry.next_dial <= now && !connected_or_dialing(peer) && !id_banned(peer) &&
            !seeds.count(peer))
            candidates.push_back(&entry);
    std::size_t free_slots = opt.max_outbound > outbound_count ? opt.max_outbound - outbound_count : 0;
    while (free_slots > 0 && !candidates.empty()) {
        const std::size_t i = random_below(candidates.size());
        BookEntry& e = *candidates[i];
        candidates.erase(candidates.begin() + static_cast<std::ptrdiff_t>(i));
        // Backoff: 30 s after a failure, doubling to an hour.
        const unsigned shift = std::min(e.attempts, 7u);
        e.next_dial = now + std::chrono::seconds(30) * (1u << shift);
        ++e.attempts;
        dial_now(e.address, false);
        --free_slots;
    }
    // 2. Ask one connected peer for more addresses while the book has room.
    if (book.size() < opt.max_addr_book && !peers.empty()) {
        auto it = peers.begin();
        std::advance(it, static_cast<std::ptrdiff_t>(random_below(peers.size())));
        auto asked = pex_asked.find(it->first);
        if (asked == pex_asked.end() || now - asked->second > k_answer_window) {
            pex_asked[it->first] = now;
            pex_send(it->second, PexMessage{PexMessage::Type::request, {}});
        }
    }
    // 3. Slots still free and nothing left to dial: the seeds.
    if (free_slots > 0 && candidates.empty())
        for (const auto& [peer, address] : seeds)
            if (!connected_or_dialing(peer) && !id_banned(peer)) dial_now(address, false);
}

void Switch::Impl::pex_on_peer_up(const std::shared_ptr<Connection>& conn) {
    const PeerId& peer = conn->peer_id();
    if (conn->outbound() && conn->target()) {
        // We reached it at that address: known good.
        if (auto it = book.find(peer); it != book.end()) it->second.attempts = 0;
        if (!seeds.count(peer) && !persistent.count(peer)) book_add(*conn->target());
    } else if (auto a = parse_peer_address(peer + "@" + conn->node_info().listen_address);
               a && dialable(*a)) {
        book_add(*a);
    }
    // A seed, or any peer while the book is small: ask for addresses right away.
    if (opt.pex && !opt.seed_mode && (seeds.count(peer) || book.size() < opt.max_outbound)) {
        pex_asked[peer] = SteadyClock::now();
        pex_send(conn, PexMessage{PexMessage::Type::request, {}});
    }
}

void Switch::Impl::pex_send(const std::shared_ptr<Connection>& conn, const PexMessage& message) {
    auto bytes = std::make_shared<const Bytes>(encode_pex(message));
    asio::post(conn->strand(), [conn, bytes] { conn->enqueue(k_pex_channel, bytes); });
}

void Switch::Impl::pex_on_message(const PeerId& peer, const Bytes& bytes) {
    auto it = peers.find(peer);
    if (it == peers.end()) return;  // gone meanwhile
    auto conn = it->second;
    auto message = decode_pex(bytes);
    if (!message) {
        asio::post(conn->strand(), [conn, e = message.error()] { conn->close(e, true); });
        return;
    }
    const auto now = SteadyClock::now();
    if (message->type == PexMessage::Type::request) {
        if (!opt.pex && !opt.seed_mode) return;
        auto served = pex_served.find(peer);
        if (served != pex_served.end() && now - served->second < k_min_request_interval) return;
        if (pex_served.size() > 4096) pex_served.clear();  // bounded
        pex_served[peer] = now;
        // Random addresses from the book, never the asker's own.
        std::vector<const BookEntry*> all;
        for (const auto& [book_id, entry] : book)
            if (book_id != peer) all.push_back(&entry);
        PexMessage answer{PexMessage::Type::addrs, {}};
        while (!all.empty() && answer.addrs.size() < k_addrs_per_answer) {
            const std::size_t i = random_below(all.size());
            answer.addrs.push_back(all[i]->address.to_string());
            all.erase(all.begin() + static_cast<std::ptrdiff_t>(i));
        }
        pex_send(conn, answer);
        if (opt.seed_mode && !conn->persistent) {
            auto timer = std::make_shared<asio::steady_timer>(strand, k_seed_linger);
            timer->async_wait([this, timer, peer](boost::system::error_code ec) {
                if (ec) return;
                auto p = peers.find(peer);
                if (p == peers.end()) return;
                auto c = p->second;
                asio::post(c->strand(), [c] {
                    c->close(make_error("seed_done", "seed answered the address request"), false);
                });
            });
        }
        return;
    }
    // Addresses: only as the answer to our request, once.
    auto asked = pex_asked.find(peer);
    if (asked == pex_asked.end() || now - asked->second > k_answer_window) {
        logger()->debug("p2p unsolicited pex addrs from peer={} dropped", peer);
        return;
    }
    pex_asked.erase(asked);
    const std::size_t before = book.size();
    for (const auto& text : message->addrs) {
        auto a = parse_peer_address(text);
        if (a && dialable(*a)) book_add(*a);
    }
    pex_addrs_received += book.size() - before;
    logger()->debug("p2p pex peer={} sent {} addrs, {} new, book={}", peer, message->addrs.size(),
                    book.size() - before, book.size());
    // A seed has done its job once it answered.
    if (seeds.count(peer) && !conn->persistent)
        asio::post(conn->strand(), [conn] {
            conn->close(make_error("seed_done", "addresses received from the seed"), false);
        });
    // New addresses: dial now rather than at the next round.
    if (book.size() > before) ensure_peers();
}

void Switch::Impl::book_add(const PeerAddress& address) {
    if (address.id == id || !is_valid_node_id(address.id)) return;
    auto it = book.find(address.id);
    if (it != book.end()) {
        if (it->second.address.host != address.host || it->second.address.port != address.port) {
            it->second.address = address;  // it moved (or announced another address)
            book_dirty = true;
        }
        return;
    }
    if (book.size() >= opt.max_addr_book) return;
    book.emplace(address.id, BookEntry{address, 0, {}});
    book_size = book.size();
    book_dirty = true;
}

// The book's file: {"addrs":["id@host:port",...]}, written whole (to a temporary, then renamed).
void Switch::Impl::book_save() {
    book_dirty = false;
    if (opt.addr_book_path.empty()) return;
    std::ostringstream out;
    out << "{\"addrs\":[";
    bool first = true;
    for (const auto& [peer, entry] : book) {
        out << (first ? "" : ",") << "\n  \"" << entry.address.to_string() << "\"";
        first = false;
    }
    out << "\n]}\n";
    const std::string tmp = opt.addr_book_path + ".tmp";
    std::error_code ec;
    {
        std::ofstream f(tmp, std::ios::trunc);
        f << out.str();
        if (!f) {
            logger()->warn("p2p cannot write the address book {}", tmp);
            return;
        }
    }
    std::filesystem::rename(tmp, opt.addr_book_path, ec);
    if (ec) logger()->warn("p2p cannot write the address book {}: {}", opt.addr_book_path, ec.message());
}

void Switch::Impl::book_load() {
    if (opt.addr_book_path.empty()) return;
    std::ifstream f(opt.addr_book_path);
    if (!f) return;  // none yet
    std::stringstream ss;
    ss << f.rdbuf();
    const std::string text = ss.str();
    // Every quoted string after "addrs" that parses as an address; anything else is skipped
    // (a damaged book costs addresses, never the start).
    std::size_t pos = text.find("\"addrs\"");
    if (pos == std::string::npos) return;
    pos += 7;
    while (true) {
        const auto open = text.find('"', pos);
        if (open == std::string::npos) break;
        const auto close = text.find('"', open + 1);
        if (close == std::string::npos) break;
        if (auto a = parse_peer_address(std::string_view(text).substr(open + 1, close - open - 1));
            a && dialable(*a))
            book_add(*a);
        pos = close + 1;
    }
    book_dirty = false;
    logger()->info("p2p address book {}: {} addresses", opt.addr_book_path, book.size());
}

}  // namespace seer::p2p
