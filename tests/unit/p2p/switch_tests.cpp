// The Switch over real TCP on 127.0.0.1: handshakes, channels, refusals, hostile clients, bans,
// limits, reconnects and slow peers.

#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "support.hpp"

using namespace seer;
using namespace seer::p2p;
using namespace seer::p2p::test;

namespace {

Bytes pattern(std::size_t n, std::uint8_t seed) {
    Bytes b(n);
    for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(seed + i * 7 + (i >> 9));
    return b;
}

bool has_message(Node& node, const PeerId& from, ChannelId ch, const Bytes& payload) {
    for (const auto& m : node.messages())
        if (m.peer == from && m.channel == ch && m.payload == payload) return true;
    return false;
}

// A fresh directory under the system temp dir, removed with everything in it.
struct TempDir {
    explicit TempDir(const std::string& prefix) {
        m_path = (std::filesystem::temp_directory_path() /
                  (prefix + "-" + std::to_string(std::random_device{}()) + "-" + std::to_string(::getpid())))
                     .string();
        m_ok = std::filesystem::create_directories(m_path);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(m_path, ec);
    }
    bool ok() const { return m_ok; }
    const std::string& path() const { return m_path; }

private:
    std::string m_path;
    bool m_ok = false;
};

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

TEST_CASE("two switches handshake and exchange messages on channels both ways") {
    Options bo = make_options();
    bo.io_threads = 2;
    Node b(bo);
    Options ao = make_options();
    ao.io_threads = 2;
    ao.persistent_peers = {b.address()};
    ao.moniker = "alice";
    Node a(ao);

    REQUIRE(wait_until([&] { return a.connected_to(b.id()) && b.connected_to(a.id()); }));

    const auto a_peers = a.sw().peers();
    REQUIRE(a_peers.size() == 1);
    CHECK(a_peers[0].id == b.id());
    CHECK(a_peers[0].outbound);
    CHECK(a_peers[0].persistent);
    CHECK(a_peers[0].node_info.chain_id == "seer-test");
    CHECK(a_peers[0].node_info.listen_address == "127.0.0.1:" + std::to_string(b.port()));
    const auto b_peers = b.sw().peers();
    REQUIRE(b_peers.size() == 1);
    CHECK(b_peers[0].id == a.id());
    CHECK_FALSE(b_peers[0].outbound);
    CHECK(b_peers[0].node_info.moniker == "alice");
    CHECK(b_peers[0].node_info.node_id == a.id());

    const Bytes small = to_bytes("prevote h=1 r=0");
    const Bytes big = pattern(300 * 1024 + 17, 3);  // five frames of at most 64 KiB
    const Bytes empty;
    CHECK(a.sw().send(b.id(), k_small_channel, small));
    CHECK(a.sw().send(b.id(), k_big_channel, big));
    CHECK(a.sw().send(b.id(), k_big_channel, empty));
    CHECK(b.sw().send(a.id(), k_big_channel, pattern(70000, 9)));
    CHECK(b.sw().broadcast(k_small_channel, to_bytes("from b")));

    REQUIRE(wait_until([&] { return b.messages().size() == 3 && a.messages().size() == 2; }));
    CHECK(has_message(b, a.id(), k_small_channel, small));
    CHECK(has_message(b, a.id(), k_big_channel, big));
    CHECK(has_message(b, a.id(), k_big_channel, empty));
    CHECK(has_message(a, b.id(), k_big_channel, pattern(70000, 9)));
    CHECK(has_message(a, b.id(), k_small_channel, to_bytes("from b")));
    // In-order delivery on a connection.
    CHECK(b.messages()[0].payload == small);
    CHECK(b.messages()[1].payload == big);

    // Local refusals: unknown channel, above the channel's limit.
    CHECK_FALSE(a.sw().send(b.id(), 77, small));
    CHECK_FALSE(a.sw().send(b.id(), k_small_channel, Bytes(1025)));
    CHECK_FALSE(a.sw().broadcast(k_small_channel, Bytes(1025)));

    const Stats sa = a.sw().stats();
    CHECK(sa.messages_out == 3);
    CHECK(sa.bytes_out > big.size());
    CHECK(b.sw().stats().bytes_in > big.size());
    CHECK(a.sw().peers()[0].bytes_out > big.size());

    // A clean disconnect reports the peer down on both sides (and the persistent dialer
    // reconnects).
    b.sw().disconnect(a.id());
    REQUIRE(wait_until([&] { return b.down_with(a.id(), "disconnected"); }));
    REQUIRE(wait_until([&] { return !a.downs().empty(); }));
    REQUIRE(wait_until([&] { return a.connected_to(b.id()) && b.connected_to(a.id()); }));
    b.stop();
    a.stop();
    CHECK(a.sw().peers().empty());
}

TEST_CASE("idle peers stay connected through ping/pong") {
    Options bo = make_options();
    bo.read_timeout = 600ms;
    bo.ping_interval = 150ms;
    Node b(bo);
    Options ao = bo;
    ao.node_key = crypto::PrivateKey::generate();
    ao.persistent_peers = {b.address()};
    Node a(ao);
    REQUIRE(wait_until([&] { return a.connected_to(b.id()) && b.connected_to(a.id()); }));
    std::this_thread::sleep_for(1500ms);  // several read timeouts long, no messages
    CHECK(a.downs().empty());
    CHECK(b.downs().empty());
}

TEST_CASE("a wrong expected node ID closes the connection") {
    Node b(make_options());
    Node a(make_options());
    const std::string wrong = std::string(40, 'a') + "@127.0.0.1:" + std::to_string(b.port());
    REQUIRE(a.sw().dial(wrong).ok());
    REQUIRE(wait_until([&] { return a.failed_with("wrong_node_id"); }));
    REQUIRE(wait_until([&] { return !b.failures().empty(); }));
    CHECK(a.ups() == 0);
    CHECK(b.ups() == 0);
    CHECK(a.sw().stats().handshake_failures >= 1);
    CHECK_FALSE(a.sw().dial("not-an-address").ok());
}

TEST_CASE("a wrong chain ID closes the connection with the reason on both sides") {
    Node b(make_options("chain-b"));
    Node a(make_options("chain-a"));
    REQUIRE(a.sw().dial(b.address()).ok());
    REQUIRE(wait_until([&] { return a.failed_with("chain_id_mismatch"); }));
    REQUIRE(wait_until([&] { return b.failed_with("chain_id_mismatch"); }));
    CHECK(a.ups() == 0);
    CHECK(b.ups() == 0);
}

TEST_CASE("hostile raw clients are closed and the switch keeps accepting good peers") {
    Options lo = make_options();
    lo.ban_by_ip = false;  // every client here is 127.0.0.1
    Node listener(lo);

    SUBCASE("garbage bytes") {
        RawClient raw;
        REQUIRE(raw.connect(listener.port()));
        REQUIRE(raw.write(as_bytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n and some more bytes")));
        CHECK(raw.closed_by_peer());
        REQUIRE(wait_until([&] { return listener.failed_with("bad_hello"); }));
    }
    SUBCASE("an all-zero (low-order) X25519 key") {
        RawClient raw;
        REQUIRE(raw.connect(listener.port()));
        REQUIRE(raw.write(encode_hello(X25519Key{})));
        CHECK(raw.closed_by_peer());
        REQUIRE(wait_until([&] { return listener.failed_with("bad_ephemeral_key"); }));
    }
    SUBCASE("an oversized frame length") {
        RawClient raw;
        REQUIRE(raw.connect(listener.port()));
        REQUIRE(raw.hello_only());
        REQUIRE(raw.write(Bytes{0xff, 0xff, 0xff, 0xf0}));
        CHECK(raw.closed_by_peer());
        REQUIRE(wait_until([&] { return listener.failed_with("frame_too_large"); }));
    }
    SUBCASE("garbage ciphertext during the handshake") {
        RawClient raw;
        REQUIRE(raw.connect(listener.port()));
        REQUIRE(raw.hello_only());
        Bytes frame{0, 0, 0, 112};
        const Bytes junk = pattern(112, 1);
        frame.insert(frame.end(), junk.begin(), junk.end());
        REQUIRE(raw.write(frame));
        CHECK(raw.closed_by_peer());
        REQUIRE(wait_until([&] { return listener.failed_with("bad_frame_auth"); }));
    }
    SUBCASE("a valid handshake followed by garbage ciphertext: closed and banned") {
        const auto key = crypto::PrivateKey::generate();
        RawClient raw;
        REQUIRE(raw.connect(listener.port()));
        auto info = raw.handshake(key, "seer-test");
        REQUIRE(info);
        CHECK(info->node_id == listener.id());
        const PeerId raw_id = node_id_of(key.public_key());
        REQUIRE(wait_until([&] { return listener.connected_to(raw_id); }));
        Bytes frame{0, 0, 0, 40};
        const Bytes junk = pattern(40, 2);
        frame.insert(frame.end(), junk.begin(), junk.end());
        REQUIRE(raw.write(frame));
        CHECK(raw.closed_by_peer());
        REQUIRE(wait_until([&] { return listener.down_with(raw_id, "bad_frame_auth"); }));
        CHECK(listener.sw().is_banned(raw_id));
        // The same key cannot come back during the ban.
        RawClient again;
        REQUIRE(again.connect(listener.port()));
        (void)again.handshake(key, "seer-test");
        CHECK(again.closed_by_peer());
        CHECK_FALSE(listener.connected_to(raw_id));
    }
    SUBCASE("a client that never finishes the handshake times out") {
        RawClient raw;
        REQUIRE(raw.connect(listener.port()));
        CHECK(raw.closed_by_peer(5000ms));
        REQUIRE(wait_until([&] { return listener.failed_with("handshake_timeout"); }));
    }

    // Whatever happened above, a good peer still gets in.
    Options go = make_options();
    go.persistent_peers = {listener.address()};
    Node good(go);
    REQUIRE(wait_until([&] { return listener.connected_to(good.id()) && good.connected_to(listener.id()); }));
    CHECK(good.sw().send(listener.id(), k_small_channel, to_bytes("ok")));
    REQUIRE(wait_until([&] { return has_message(listener, good.id(), k_small_channel, to_bytes("ok")); }));
}

TEST_CASE("misbehaviour bans by node ID and IP; the ban expires") {
    Options bo = make_options();
    bo.ban_duration = 1500ms;
    Node b(bo);
    Options ao = make_options();
    ao.persistent_peers = {b.address()};
    Node a(ao);
    REQUIRE(wait_until([&] { return a.connected_to(b.id()) && b.connected_to(a.id()); }));

    b.sw().report_misbehaviour(a.id(), make_error("bad_vote", "undecodable consensus message"));
    REQUIRE(wait_until([&] { return b.down_with(a.id(), "bad_vote"); }));
    CHECK(b.sw().is_banned(a.id()));
    CHECK(b.sw().stats().peers_banned == 1);
    const auto refused_before = b.sw().stats().inbound_refused;

    // A redials (persistent) but is refused during the ban; another node from the same IP too.
    Node c(make_options());
    REQUIRE(c.sw().dial(b.address()).ok());
    REQUIRE(wait_until([&] { return b.sw().stats().inbound_refused > refused_before; }));
    std::this_thread::sleep_for(300ms);
    CHECK_FALSE(b.connected_to(a.id()));
    CHECK_FALSE(b.connected_to(c.id()));

    // After the ban, the persistent peer comes back.
    REQUIRE(wait_until([&] { return b.connected_to(a.id()) && a.connected_to(b.id()); }));
    CHECK_FALSE(b.sw().is_banned(a.id()));
}

TEST_CASE("a message above the receiver's channel limit drops and bans the sender") {
    Options bo = make_options();
    bo.ban_by_ip = false;
    Node b(bo);
    Options ao = make_options();
    ao.channels[k_small_channel] = 1 << 20;  // a sender that believes the channel is larger
    ao.persistent_peers = {b.address()};
    Node a(ao);
    REQUIRE(wait_until([&] { return a.connected_to(b.id()) && b.connected_to(a.id()); }));
    CHECK(a.sw().send(b.id(), k_small_channel, Bytes(1025)));
    REQUIRE(wait_until([&] { return b.down_with(a.id(), "message_too_large"); }));
    CHECK(b.sw().is_banned(a.id()));
    CHECK(b.messages().empty());
    // A message on a channel the receiver does not have is misbehaviour too.
    Options co = make_options();
    co.channels[9] = 100;
    Node c(co);
    REQUIRE(c.sw().dial(b.address()).ok());
    REQUIRE(wait_until([&] { return c.connected_to(b.id()); }));
    CHECK(c.sw().send(b.id(), 9, Bytes(10)));
    REQUIRE(wait_until([&] { return b.down_with(c.id(), "unknown_channel"); }));
}

TEST_CASE("the inbound limit is enforced") {
    Options bo = make_options();
    bo.max_inbound = 1;
    Node b(bo);
    Node a1(make_options());
    REQUIRE(a1.sw().dial(b.address()).ok());
    REQUIRE(wait_until([&] { return b.connected_to(a1.id()); }));
    Node a2(make_options());
    REQUIRE(a2.sw().dial(b.address()).ok());
    REQUIRE(wait_until([&] { return b.sw().stats().inbound_refused >= 1; }));
    REQUIRE(wait_until([&] { return !a2.failures().empty(); }));
    CHECK(b.connected_count() == 1);
    CHECK_FALSE(a2.connected_to(b.id()));
    CHECK(b.sw().peers().size() == 1);
}

TEST_CASE("the outbound limit counts dials, not persistent peers (as CometBFT's)") {
    Node b1(make_options());
    Node b2(make_options());
    Node b3(make_options());
    Node b4(make_options());
    Options ao = make_options();
    ao.max_outbound = 1;
    ao.persistent_peers = {b1.address(), b2.address()};
    Node a(ao);
    // Both persistent peers, whatever the limit of one outbound peer.
    REQUIRE(wait_until([&] { return a.connected_to(b1.id()) && a.connected_to(b2.id()); }));
    // One dial fits; the next one does not.
    REQUIRE(a.sw().dial(b3.address()).ok());
    REQUIRE(wait_until([&] { return a.connected_to(b3.id()); }));
    REQUIRE(a.sw().dial(b4.address()).ok());
    std::this_thread::sleep_for(500ms);
    CHECK_FALSE(a.connected_to(b4.id()));
    CHECK(a.connected_count() == 3);
}

TEST_CASE("a persistent peer reconnects after the other side restarts") {
    Options bo = make_options();
    auto b = std::make_unique<Node>(bo);
    const std::uint16_t port = b->port();
    const PeerId b_id = b->id();
    Options ao = make_options();
    ao.persistent_peers = {b->address()};
    Node a(ao);
    REQUIRE(wait_until([&] { return a.connected_to(b_id); }));

    b.reset();  // stop and destroy
    REQUIRE(wait_until([&] { return !a.connected_to(b_id); }));
    std::this_thread::sleep_for(300ms);  // a few failed redials

    bo.listen_address = "127.0.0.1:" + std::to_string(port);
    b = std::make_unique<Node>(bo);  // same key, same port
    REQUIRE(wait_until([&] { return a.connected_to(b_id) && b->connected_to(a.id()); }));
    CHECK(a.sw().stats().dials >= 2);
    CHECK(a.sw().send(b_id, k_small_channel, to_bytes("again")));
    REQUIRE(wait_until([&] { return has_message(*b, a.id(), k_small_channel, to_bytes("again")); }));
}

TEST_CASE("a slow peer that never reads is dropped without blocking the sender") {
    Options ao = make_options();
    ao.send_queue_capacity = 4;
    ao.slow_peer_full_sends = 16;
    ao.write_timeout = 1000ms;
    ao.read_timeout = 60000ms;  // only the slow-peer rules may drop it
    Node a(ao);

    const auto key = crypto::PrivateKey::generate();
    RawClient raw(4096);  // small receive buffer, and it never reads after the handshake
    REQUIRE(raw.connect(a.port()));
    REQUIRE(raw.handshake(key, "seer-test"));
    const PeerId raw_id = node_id_of(key.public_key());
    REQUIRE(wait_until([&] { return a.connected_to(raw_id); }));

    const Bytes chunk(512 * 1024, 0x5a);
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < 200; ++i) CHECK(a.sw().send(raw_id, k_big_channel, chunk));
    const auto elapsed = std::chrono::steady_clock::now() - start;
    CHECK(elapsed < std::chrono::seconds(5));  // send() only posts

    REQUIRE(wait_until([&] { return !a.connected_to(raw_id); }));
    const auto downs = a.downs();
    REQUIRE(downs.size() == 1);
    CHECK((downs[0].second.reason == "slow_peer" || downs[0].second.reason == "write_timeout"));
    CHECK(a.sw().stats().send_drops > 0);
    CHECK(a.sw().stats().slow_peers_dropped == 1);
    CHECK_FALSE(a.sw().is_banned(raw_id));  // slow is not misbehaviour

    // The switch still serves others.
    Options bo = make_options();
    bo.persistent_peers = {a.address()};
    Node b(bo);
    REQUIRE(wait_until([&] { return a.connected_to(b.id()); }));
}

TEST_CASE("bad options are refused at start") {
    Options o = make_options();
    o.node_key.reset();
    CHECK_FALSE(Switch(o).start().ok());
    o = make_options();
    o.persistent_peers = {"nonsense"};
    CHECK_FALSE(Switch(o).start().ok());
    o = make_options();
    o.chain_id = "";
    CHECK_FALSE(Switch(o).start().ok());
    o = make_options();
    o.channels[3] = 0;
    CHECK_FALSE(Switch(o).start().ok());
    o = make_options();
    o.listen_address = "not-an-ip:1";
    CHECK_FALSE(Switch(o).start().ok());
}

TEST_CASE("two nodes dialing each other keep one connection") {
    Options ao = make_options();
    Options bo = make_options();
    // Both listen before either dials: bind first, then add each other.
    Node b0(bo);
    ao.persistent_peers = {b0.address()};
    Node a(ao);
    Options bo2 = bo;
    bo2.node_key = bo.node_key;
    bo2.persistent_peers = {a.address()};
    REQUIRE(wait_until([&] { return a.connected_to(b0.id()); }));
    // Restart b with a as a persistent peer on the same port: now both sides dial.
    const std::uint16_t port = b0.port();
    b0.stop();
    REQUIRE(wait_until([&] { return !a.connected_to(bo.node_key ? node_id_of(bo.node_key->public_key()) : ""); }));
    bo2.listen_address = "127.0.0.1:" + std::to_string(port);
    Node b(bo2);
    REQUIRE(wait_until([&] { return a.connected_to(b.id()) && b.connected_to(a.id()); }));
    std::this_thread::sleep_for(800ms);
    CHECK(a.connected_to(b.id()));
    CHECK(b.connected_to(a.id()));
    CHECK(a.sw().peers().size() == 1);
    CHECK(b.sw().peers().size() == 1);
    CHECK(a.sw().send(b.id(), k_small_channel, to_bytes("one")));
    REQUIRE(wait_until([&] { return has_message(b, a.id(), k_small_channel, to_bytes("one")); }));
}

TEST_CASE("peer exchange: nodes that know only a seed find each other, the seed lets them go") {
    Options so = make_options();
    so.seed_mode = true;
    Node seed(so);
    auto pex_options = [&](const std::string& book) {
        Options o = make_options();
        o.pex = true;
        o.seeds = {seed.address()};
        o.pex_interval = 300ms;
        o.addr_book_path = book;
        return o;
    };
    TempDir dir("seer-pex");
    REQUIRE(dir.ok());
    auto a = std::make_unique<Node>(pex_options(dir.path() + "/a.json"));
    Node b(pex_options(""));
    Node c(pex_options(""));
    // Each knows the seed only; the seed hands out the addresses of those that asked before.
    REQUIRE(wait_until(
        [&] {
            return a->connected_to(b.id()) && a->connected_to(c.id()) && b.connected_to(c.id());
        },
        20s));
    // A seed answers and disconnects: nobody stays connected to it.
    REQUIRE(wait_until([&] { return seed.connected_count() == 0; }, 20s));
    CHECK(a->sw().stats().pex_addrs_received + b.sw().stats().pex_addrs_received +
              c.sw().stats().pex_addrs_received >
          0);
    // A's book is on disk: a new node with that book and no seeds dials what it names.
    a.reset();
    const std::string book = read_file(dir.path() + "/a.json");
    CHECK(book.find(b.id()) != std::string::npos);
    CHECK(book.find(c.id()) != std::string::npos);
    Options again = make_options();
    again.pex = true;
    again.pex_interval = 300ms;
    again.addr_book_path = dir.path() + "/a.json";
    Node a2(again);
    REQUIRE(wait_until([&] { return a2.connected_to(b.id()) && a2.connected_to(c.id()); }, 20s));
    CHECK(a2.sw().stats().addr_book_size >= 2);
}

TEST_CASE("peer exchange: max_outbound bounds the peers dialed from the book") {
    Options so = make_options();
    so.seed_mode = true;
    Node seed(so);
    std::vector<std::unique_ptr<Node>> others;
    for (int i = 0; i < 5; ++i) {
        Options o = make_options();
        o.pex = true;
        o.seeds = {seed.address()};
        o.pex_interval = 200ms;
        o.max_outbound = 10;
        others.push_back(std::make_unique<Node>(o));
    }
    REQUIRE(wait_until([&] { return seed.sw().stats().addr_book_size >= 5; }, 20s));
    Options ao = make_options();
    ao.pex = true;
    ao.seeds = {seed.address()};
    ao.pex_interval = 200ms;
    ao.max_outbound = 2;
    ao.max_inbound = 0;  // only what it dials
    Node a(ao);
    REQUIRE(wait_until([&] { return a.connected_count() == 2; }, 20s));
    std::this_thread::sleep_for(1s);  // several rounds: it never dials a third
    CHECK(a.connected_count() == 2);
}

TEST_CASE("channel 0 is the switch's own") {
    Options bad = make_options();
    bad.channels[0] = 100;
    Switch s(bad);
    auto st = s.start();
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().reason == "bad_options");
    Node a(make_options());
    CHECK_FALSE(a.sw().send(a.id(), k_pex_channel, Bytes{1}));
    CHECK_FALSE(a.sw().broadcast(k_pex_channel, Bytes{1}));
}
