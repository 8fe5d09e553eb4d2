// Node info and packet codecs, message reassembly and channel limits; peer addresses.

#include <doctest/doctest.h>

#include "seer/p2p/switch.hpp"
#include "seer/p2p/wire.hpp"

using namespace seer;
using namespace seer::p2p;

namespace {

NodeInfo sample_info() {
    NodeInfo info;
    info.protocol_version = k_protocol_version;
    info.node_id = std::string(40, 'c');
    info.chain_id = "seer-test";
    info.listen_address = "127.0.0.1:26656";
    info.moniker = "node-0";
    return info;
}

}  // namespace

TEST_CASE("node info round-trips and rejects malformed input") {
    const NodeInfo info = sample_info();
    const Bytes b = encode_node_info(info);
    auto decoded = decode_node_info(b);
    REQUIRE(decoded.ok());
    CHECK(*decoded == info);

    Bytes trailing = b;
    trailing.push_back(0);
    CHECK_FALSE(decode_node_info(trailing).ok());
    for (std::size_t n = 0; n < b.size(); ++n)
        CHECK_FALSE(decode_node_info(ByteView(b).first(n)).ok());

    NodeInfo bad = info;
    bad.chain_id = "";
    CHECK_FALSE(validate(bad).ok());
    bad = info;
    bad.chain_id = std::string(51, 'x');
    CHECK_FALSE(validate(bad).ok());
    bad = info;
    bad.moniker = "evil\nlog line";
    CHECK_FALSE(validate(bad).ok());
    bad = info;
    bad.node_id = std::string(40, 'C');
    CHECK_FALSE(validate(bad).ok());
    bad = info;
    bad.moniker = std::string(65, 'm');
    CHECK_FALSE(validate(bad).ok());
    CHECK(encode_node_info(info).size() <= k_max_node_info_bytes);
}

TEST_CASE("a message spanning several packets reassembles; limits hold") {
    ChannelLimits limits{};
    limits[7] = 10000;
    limits[9] = 100;
    Bytes message(5000);
    for (std::size_t i = 0; i < message.size(); ++i) message[i] = static_cast<std::uint8_t>(i * 31);
    const auto packets = encode_message(7, message, 1024);
    CHECK(packets.size() == 5);
    for (const auto& p : packets) CHECK(p.size() <= 1024);

    MessageAssembler assembler(limits);
    std::optional<ChannelMessage> done;
    for (std::size_t i = 0; i < packets.size(); ++i) {
        auto packet = decode_packet(packets[i]);
        REQUIRE(packet.ok());
        auto r = assembler.push(*packet);
        REQUIRE(r.ok());
        CHECK(r->has_value() == (i + 1 == packets.size()));
        if (*r) done = std::move(**r);
    }
    REQUIRE(done);
    CHECK(done->channel == 7);
    CHECK(done->payload == message);

    SUBCASE("empty message") {
        auto p = decode_packet(encode_message(9, {}, 1024).at(0));
        REQUIRE(p.ok());
        auto r = assembler.push(*p);
        REQUIRE(r.ok());
        REQUIRE(r->has_value());
        CHECK((*r)->payload.empty());
    }
    SUBCASE("above the channel limit: refused at the first packet") {
        auto p = decode_packet(encode_message(9, Bytes(101), 1024).at(0));
        REQUIRE(p.ok());
        auto r = assembler.push(*p);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().reason == "message_too_large");
    }
    SUBCASE("unknown channel") {
        auto p = decode_packet(encode_message(8, Bytes(1), 1024).at(0));
        REQUIRE(p.ok());
        auto r = assembler.push(*p);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().reason == "unknown_channel");
    }
    SUBCASE("a part without a start, a part on another channel, a start inside a message") {
        const auto big = encode_message(7, Bytes(3000), 1024);
        auto part = decode_packet(big.at(1));
        REQUIRE(part.ok());
        CHECK_FALSE(assembler.push(*part).ok());

        MessageAssembler a2(limits);
        auto start = decode_packet(big.at(0));
        REQUIRE(start.ok());
        REQUIRE(a2.push(*start).ok());
        auto other = decode_packet(encode_message(9, Bytes(50), 1024).at(0));
        REQUIRE(other.ok());
        CHECK_FALSE(a2.push(*other).ok());

        MessageAssembler a3(limits);
        REQUIRE(a3.push(*start).ok());
        Bytes wrong_channel = big.at(1);
        wrong_channel[1] = 9;
        auto wc = decode_packet(wrong_channel);
        REQUIRE(wc.ok());
        CHECK_FALSE(a3.push(*wc).ok());
    }
    SUBCASE("chunks past the announced length") {
        Bytes start = encode_message(7, Bytes(10), 1024).at(0);
        start[5] = 5;  // announce 5 bytes, carry 10
        auto p = decode_packet(start);
        REQUIRE(p.ok());
        CHECK_FALSE(assembler.push(*p).ok());
    }
}

TEST_CASE("packet decoding") {
    CHECK_FALSE(decode_packet({}).ok());
    CHECK(decode_packet(encode_ping())->type == PacketType::ping);
    CHECK(decode_packet(encode_pong())->type == PacketType::pong);
    CHECK_FALSE(decode_packet(Bytes{3, 0}).ok());     // ping with a body
    CHECK_FALSE(decode_packet(Bytes{99}).ok());       // unknown type
    CHECK_FALSE(decode_packet(Bytes{1, 7, 0}).ok());  // truncated start header
    CHECK_FALSE(decode_packet(Bytes{2, 7}).ok());     // empty part
}

TEST_CASE("peer addresses") {
    const std::string id(40, 'a');
    auto a = parse_peer_address(id + "@127.0.0.1:26656");
    REQUIRE(a.ok());
    CHECK(a->id == id);
    CHECK(a->host == "127.0.0.1");
    CHECK(a->port == 26656);
    CHECK(a->to_string() == id + "@127.0.0.1:26656");
    auto v6 = parse_peer_address(id + "@[::1]:1");
    REQUIRE(v6.ok());
    CHECK(v6->host == "::1");
    CHECK_FALSE(parse_peer_address("127.0.0.1:26656").ok());
    CHECK_FALSE(parse_peer_address(id + "@127.0.0.1").ok());
    CHECK_FALSE(parse_peer_address(id + "@127.0.0.1:0").ok());
    CHECK_FALSE(parse_peer_address(id + "@127.0.0.1:70000").ok());
    CHECK_FALSE(parse_peer_address(id + "@:5").ok());
    CHECK_FALSE(parse_peer_address("abc@127.0.0.1:5").ok());
}

TEST_CASE("pex messages round-trip and refuse malformed input") {
    const std::string id(40, 'b');
    const PexMessage request{PexMessage::Type::request, {}};
    auto r = decode_pex(encode_pex(request));
    REQUIRE(r.ok());
    CHECK(*r == request);

    PexMessage addrs{PexMessage::Type::addrs, {id + "@127.0.0.1:26656", id + "@[::1]:7"}};
    const Bytes wire = encode_pex(addrs);
    auto a = decode_pex(wire);
    REQUIRE(a.ok());
    CHECK(*a == addrs);

    CHECK_FALSE(decode_pex(Bytes{}).ok());                       // empty
    CHECK_FALSE(decode_pex(Bytes{9}).ok());                      // unknown type
    CHECK_FALSE(decode_pex(Bytes{1, 0}).ok());                   // request with a body
    CHECK_FALSE(decode_pex(Bytes{2, 0}).ok());                   // truncated count
    CHECK_FALSE(decode_pex(Bytes{2, 0, 1}).ok());                // count 1, no address
    CHECK_FALSE(decode_pex(Bytes{2, 0, 101}).ok());              // above k_max_pex_addrs
    Bytes trailing = wire;
    trailing.push_back(0);
    CHECK_FALSE(decode_pex(trailing).ok());                      // trailing bytes
    Bytes truncated(wire.begin(), wire.end() - 1);
    CHECK_FALSE(decode_pex(truncated).ok());                     // truncated address
    // An address that is not id@host:port, though well framed.
    CHECK_FALSE(decode_pex(encode_pex({PexMessage::Type::addrs, {"not-an-address"}})).ok());
    // Above the byte limit, whatever the content.
    CHECK_FALSE(decode_pex(Bytes(k_max_pex_message_bytes + 1, 2)).ok());
    // The largest legal message decodes.
    PexMessage full{PexMessage::Type::addrs, {}};
    for (std::size_t i = 0; i < k_max_pex_addrs; ++i)
        full.addrs.push_back(id + "@10.0.0." + std::to_string(i % 250) + ":26656");
    auto f = decode_pex(encode_pex(full));
    REQUIRE(f.ok());
    CHECK(f->addrs.size() == k_max_pex_addrs);
}
