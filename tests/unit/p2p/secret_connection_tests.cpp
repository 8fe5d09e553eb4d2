// The secret connection's cryptography without sockets: key exchange, nonces, frames, auth.

#include <doctest/doctest.h>

#include "seer/crypto/address.hpp"
#include "seer/p2p/secret_connection.hpp"

using namespace seer;
using namespace seer::p2p;

namespace {

std::pair<SessionKeys, SessionKeys> session() {
    const EphemeralKey a = EphemeralKey::generate();
    const EphemeralKey b = EphemeralKey::generate();
    auto ka = derive_session_keys(a, b.public_key());
    auto kb = derive_session_keys(b, a.public_key());
    REQUIRE(ka.ok());
    REQUIRE(kb.ok());
    return {*ka, *kb};
}

}  // namespace

TEST_CASE("both sides derive mirrored keys and the same challenge") {
    auto [a, b] = session();
    CHECK(a.send_key == b.recv_key);
    CHECK(a.recv_key == b.send_key);
    CHECK(a.send_key != a.recv_key);
    CHECK(a.challenge == b.challenge);
    auto [c, d] = session();
    CHECK(c.challenge != a.challenge);  // fresh ephemeral keys, fresh session
}

TEST_CASE("low-order, all-zero and reflected ephemeral keys are refused") {
    const EphemeralKey ours = EphemeralKey::generate();
    X25519Key zero{};
    auto r = derive_session_keys(ours, zero);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().reason == "bad_ephemeral_key");
    X25519Key one{};
    one[0] = 1;  // the point of order 4 with u = 1
    CHECK_FALSE(derive_session_keys(ours, one).ok());
    // A point of order 8 (from the well-known list of Curve25519 low-order points).
    const auto order8 = from_hex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800");
    REQUIRE(order8);
    CHECK_FALSE(derive_session_keys(ours, *to_array<32>(*order8)).ok());
    CHECK_FALSE(derive_session_keys(ours, ours.public_key()).ok());
}

TEST_CASE("hello: magic and exact size") {
    const EphemeralKey k = EphemeralKey::generate();
    Bytes hello = encode_hello(k.public_key());
    CHECK(hello.size() == k_hello_bytes);
    auto decoded = decode_hello(hello);
    REQUIRE(decoded.ok());
    CHECK(*decoded == k.public_key());
    hello[0] = 'X';
    CHECK_FALSE(decode_hello(hello).ok());
    hello.pop_back();
    CHECK_FALSE(decode_hello(hello).ok());
}

TEST_CASE("nonce counter increments little-endian with carry and fails at overflow") {
    NonceCounter n;
    auto first = n.next();
    REQUIRE(first.ok());
    CHECK(*first == Nonce{});
    auto second = n.next();
    REQUIRE(second.ok());
    CHECK((*second)[0] == 1);

    Nonce carry{};
    carry[0] = 0xff;
    NonceCounter c(carry);
    REQUIRE(c.next().ok());
    Nonce expect{};
    expect[1] = 1;
    CHECK(c.peek() == expect);

    Nonce last;
    last.fill(0xff);
    NonceCounter end(last);
    CHECK_FALSE(end.exhausted());
    auto final_nonce = end.next();  // 2^96 - 1 is still usable, once
    REQUIRE(final_nonce.ok());
    CHECK(*final_nonce == last);
    CHECK(end.exhausted());
    auto over = end.next();
    REQUIRE_FALSE(over.ok());
    CHECK(over.error().reason == "nonce_exhausted");
}

TEST_CASE("a sealer at the last nonce seals once then fails") {
    auto [a, b] = session();
    Nonce last;
    last.fill(0xff);
    FrameSealer sealer(a.send_key, NonceCounter(last));
    CHECK(sealer.seal(as_bytes("x")).ok());
    CHECK_FALSE(sealer.seal(as_bytes("y")).ok());
}

TEST_CASE("frames round-trip in order; tampering, replay and reordering fail") {
    auto [a, b] = session();
    FrameSealer sealer(a.send_key);
    FrameOpener opener(b.recv_key);
    const Bytes m1 = to_bytes("hello");
    const Bytes m2(1000, 0x42);
    auto f1 = sealer.seal(m1);
    auto f2 = sealer.seal(m2);
    REQUIRE(f1.ok());
    REQUIRE(f2.ok());
    CHECK(f1->size() == k_frame_header_bytes + m1.size() + k_tag_bytes);
    CHECK(f1->at(3) == m1.size() + k_tag_bytes);  // big-endian length of the ciphertext

    auto open = [](FrameOpener& o, const Bytes& frame) {
        ByteView v(frame);
        return o.open(v.first(4), v.subspan(4));
    };
    auto o1 = open(opener, *f1);
    REQUIRE(o1.ok());
    CHECK(*o1 == m1);

    SUBCASE("next frame opens") {
        auto o2 = open(opener, *f2);
        REQUIRE(o2.ok());
        CHECK(*o2 == m2);
    }
    SUBCASE("a flipped ciphertext bit fails") {
        Bytes bad = *f2;
        bad[10] ^= 0x01;
        auto r = open(opener, bad);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().reason == "bad_frame_auth");
    }
    SUBCASE("a flipped tag bit fails") {
        Bytes bad = *f2;
        bad.back() ^= 0x80;
        CHECK_FALSE(open(opener, bad).ok());
    }
    SUBCASE("a replayed frame fails (the nonce moved on)") {
        CHECK_FALSE(open(opener, *f1).ok());
    }
    SUBCASE("the wrong direction's key fails") {
        FrameOpener wrong(a.recv_key);
        CHECK_FALSE(open(wrong, *f1).ok());
    }
}

TEST_CASE("frame length is bounded before anything is read") {
    auto [a, b] = session();
    FrameOpener opener(b.recv_key, 1024);
    auto header = [](std::uint32_t n) {
        return Bytes{static_cast<std::uint8_t>(n >> 24), static_cast<std::uint8_t>(n >> 16),
                     static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)};
    };
    CHECK(opener.ciphertext_length(header(1024 + 16)).ok());
    auto big = opener.ciphertext_length(header(1024 + 17));
    REQUIRE_FALSE(big.ok());
    CHECK(big.error().reason == "frame_too_large");
    CHECK_FALSE(opener.ciphertext_length(header(0xffffffff)).ok());
    CHECK_FALSE(opener.ciphertext_length(header(16)).ok());  // no room for a plaintext byte
    CHECK_FALSE(opener.ciphertext_length(header(0)).ok());
    FrameSealer sealer(a.send_key);
    CHECK_FALSE(sealer.seal({}).ok());
    CHECK_FALSE(sealer.seal(Bytes(k_max_frame_bytes + 1)).ok());
}

TEST_CASE("auth: the signature binds the node key to this session's challenge") {
    auto [a, b] = session();
    const auto key = crypto::PrivateKey::generate();
    const Bytes auth = encode_auth(make_auth(key, a.challenge));
    CHECK(auth.size() == k_auth_bytes);
    auto verified = verify_auth(auth, b.challenge);
    REQUIRE(verified.ok());
    CHECK(*verified == key.public_key());
    CHECK(node_id_of(*verified) == to_hex(crypto::address_of(key.public_key())));
    CHECK(node_id_of(*verified).size() == 40);
    CHECK(is_valid_node_id(node_id_of(*verified)));

    auto [c, d] = session();
    CHECK_FALSE(verify_auth(auth, d.challenge).ok());  // replayed into another session
    Bytes bad = auth;
    bad[40] ^= 1;
    CHECK_FALSE(verify_auth(bad, b.challenge).ok());
    CHECK_FALSE(verify_auth(ByteView(auth).first(95), b.challenge).ok());
}

TEST_CASE("node ids") {
    CHECK(is_valid_node_id(std::string(40, 'a')));
    CHECK_FALSE(is_valid_node_id(std::string(40, 'A')));
    CHECK_FALSE(is_valid_node_id(std::string(39, 'a')));
    CHECK_FALSE(is_valid_node_id(std::string(40, 'g')));
}
