#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "seer/common/bytes.hpp"
#include "seer/crypto/hash.hpp"
#include "seer/crypto/secp256k1.hpp"

using namespace seer;
using namespace seer::crypto;

namespace {

// The group order n, big-endian.
const char* const k_order = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";

// n - s for a 32-byte big-endian s: the other, high, S of the same signature.
std::array<std::uint8_t, 32> negate_mod_n(ByteView s) {
    const Bytes n = *from_hex(k_order);
    std::array<std::uint8_t, 32> out{};
    int borrow = 0;
    for (int i = 31; i >= 0; --i) {
        const auto k = static_cast<std::size_t>(i);
        int d = int{n[k]} - int{s[k]} - borrow;
        borrow = d < 0 ? 1 : 0;
        out[k] = static_cast<std::uint8_t>(d + (borrow ? 256 : 0));
    }
    return out;
}

secp256k1::PrivateKey key_from_hex(const char* hex) {
    auto bytes = from_hex(hex);
    REQUIRE(bytes.has_value());
    auto secret = to_array<32>(*bytes);
    REQUIRE(secret.has_value());
    auto key = secp256k1::PrivateKey::from_secret(*secret);
    REQUIRE(key.ok());
    return *key;
}

}  // namespace

TEST_CASE("secp256k1: public key of 1 is the generator") {
    secp256k1::Secret one{};
    one[31] = 1;
    auto pk = secp256k1::public_key_of(one);
    REQUIRE(pk.ok());
    CHECK(to_hex(*pk) == "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");
}

TEST_CASE("secp256k1: invalid secrets are rejected") {
    CHECK_FALSE(secp256k1::PrivateKey::from_secret(secp256k1::Secret{}).ok());
    auto n = to_array<32>(*from_hex(k_order));
    REQUIRE(n.has_value());
    CHECK_FALSE(secp256k1::PrivateKey::from_secret(*n).ok());
    secp256k1::Secret max{};
    max.fill(0xff);
    CHECK_FALSE(secp256k1::PrivateKey::from_secret(max).ok());
    auto below = *n;
    below[31] = 0x40;  // n - 1
    CHECK(secp256k1::PrivateKey::from_secret(below).ok());
}

TEST_CASE("secp256k1: a fixed vector agrees with cosmjs") {
    // @cosmjs/crypto 0.32.4: Secp256k1.createSignature(sha256("hello seer"), sk), where
    // sk = sha256("seer secp256k1 test key"). RFC 6979 makes it deterministic.
    const Hash256 sk = sha256(as_bytes("seer secp256k1 test key"));
    auto key = secp256k1::PrivateKey::from_secret(sk);
    REQUIRE(key.ok());
    CHECK(to_hex(key->public_key()) ==
          "02f6807101f0498779fa2bf2ed6d42b20f79e2c0f8436bef5ffaf5d1b6291f25d2");
    const auto sig = key->sign(as_bytes("hello seer"));
    CHECK(to_hex(sig) ==
          "72dadea8ed4441a4cb96ba0591cb4d1d13307c6f25328c195a58ad2c74bb7881"
          "5428d715d52138a3ed145584537ab9af183dfe49b1e578158173e46bc1a8eac7");
    CHECK(secp256k1::verify(key->public_key(), as_bytes("hello seer"), sig));
}

TEST_CASE("secp256k1: sign and verify round trip; tampering fails") {
    const auto key = secp256k1::PrivateKey::generate();
    const std::string message = "transfer 10 useer to seer1...";
    const auto sig = key.sign(as_bytes(message));
    CHECK(secp256k1::verify(key.public_key(), as_bytes(message), sig));
    // Deterministic nonce: the same signature again.
    CHECK(key.sign(as_bytes(message)) == sig);

    std::string tampered = message;
    tampered[0] = 'T';
    CHECK_FALSE(secp256k1::verify(key.public_key(), as_bytes(tampered), sig));
    CHECK_FALSE(secp256k1::verify(key.public_key(), as_bytes(""), sig));

    auto bad_sig = sig;
    bad_sig[10] ^= 0x01;
    CHECK_FALSE(secp256k1::verify(key.public_key(), as_bytes(message), bad_sig));

    const auto other = secp256k1::PrivateKey::generate();
    CHECK_FALSE(secp256k1::verify(other.public_key(), as_bytes(message), sig));

    // Wrong signature lengths.
    CHECK_FALSE(secp256k1::verify(key.public_key(), as_bytes(message), ByteView(sig).first(63)));
    Bytes longer(sig.begin(), sig.end());
    longer.push_back(0);
    CHECK_FALSE(secp256k1::verify(key.public_key(), as_bytes(message), longer));
    // r = 0 or s = 0, and r = n.
    secp256k1::Signature zero_s = sig;
    std::fill(zero_s.begin() + 32, zero_s.end(), 0);
    CHECK_FALSE(secp256k1::verify(key.public_key(), as_bytes(message), zero_s));
    secp256k1::Signature r_is_n = sig;
    const Bytes n = *from_hex(k_order);
    std::copy(n.begin(), n.end(), r_is_n.begin());
    CHECK_FALSE(secp256k1::verify(key.public_key(), as_bytes(message), r_is_n));
}

TEST_CASE("secp256k1: the high-S twin of a valid signature is rejected") {
    const auto key =
        key_from_hex("c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721");
    for (const char* message : {"sample", "test", "", "seer"}) {
        CAPTURE(message);
        const auto sig = key.sign(as_bytes(message));
        REQUIRE(secp256k1::verify(key.public_key(), as_bytes(message), sig));
        // s is low: s <= n/2, so the top bit of s is 0 for n/2 = 7fff...a0.
        CHECK(sig[32] <= 0x7f);
        secp256k1::Signature high = sig;
        const auto s_high = negate_mod_n(ByteView(sig).subspan(32));
        std::copy(s_high.begin(), s_high.end(), high.begin() + 32);
        CHECK(high[32] >= 0x80);
        // (r, n - s) is a mathematically valid ECDSA signature, but not in the canonical form.
        CHECK_FALSE(secp256k1::verify(key.public_key(), as_bytes(message), high));
    }
}

TEST_CASE("secp256k1: public key validation") {
    const auto key = secp256k1::PrivateKey::generate();
    const auto& pk = key.public_key();
    CHECK(secp256k1::valid_public_key(pk));
    CHECK((pk[0] == 0x02 || pk[0] == 0x03));

    // Wrong lengths, including the 65-byte uncompressed form.
    CHECK_FALSE(secp256k1::valid_public_key(ByteView(pk).first(32)));
    Bytes uncompressed(65, 0);
    uncompressed[0] = 0x04;
    CHECK_FALSE(secp256k1::valid_public_key(uncompressed));
    // Bad prefix.
    auto bad_prefix = pk;
    bad_prefix[0] = 0x04;
    CHECK_FALSE(secp256k1::valid_public_key(bad_prefix));
    bad_prefix[0] = 0x05;
    CHECK_FALSE(secp256k1::valid_public_key(bad_prefix));
    // x = p (not a field element) and x = 5 (no y: 5^3 + 7 = 132 is not a square mod p).
    auto x_is_p = *from_hex("02fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f");
    CHECK_FALSE(secp256k1::valid_public_key(x_is_p));
    auto x5 = *from_hex("020000000000000000000000000000000000000000000000000000000000000005");
    CHECK_FALSE(secp256k1::valid_public_key(x5));

    // verify() with an invalid key is false, not a crash.
    const auto sig = key.sign(as_bytes("m"));
    auto invalid = to_array<33>(x_is_p);
    REQUIRE(invalid.has_value());
    CHECK_FALSE(secp256k1::verify(*invalid, as_bytes("m"), sig));
}

TEST_CASE("secp256k1: add_tweak") {
    secp256k1::Secret one{};
    one[31] = 1;
    secp256k1::Secret two{};
    two[31] = 2;
    auto sum = secp256k1::add_tweak(one, one);
    REQUIRE(sum.ok());
    CHECK(*sum == two);
    // (n - 1) + 1 = 0: rejected.
    auto n_minus_1 = to_array<32>(*from_hex(k_order));
    REQUIRE(n_minus_1.has_value());
    (*n_minus_1)[31] = 0x40;
    CHECK_FALSE(secp256k1::add_tweak(*n_minus_1, one).ok());
    // A tweak >= n is rejected.
    auto n = to_array<32>(*from_hex(k_order));
    CHECK_FALSE(secp256k1::add_tweak(one, *n).ok());
}
