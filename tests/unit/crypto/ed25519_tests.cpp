#include <doctest/doctest.h>

#include <string>

#include "seer/common/bytes.hpp"
#include "seer/crypto/ed25519.hpp"

using namespace seer;
using namespace seer::crypto;

namespace {

Bytes hex(std::string_view s) {
    auto b = from_hex(s);
    REQUIRE(b.has_value());
    return *b;
}

template <std::size_t N>
std::array<std::uint8_t, N> hex_array(std::string_view s) {
    auto a = to_array<N>(hex(s));
    REQUIRE(a.has_value());
    return *a;
}

struct Vector {
    const char* name;
    const char* secret_key;
    const char* public_key;
    const char* message;
    const char* signature;
};

// RFC 8032 section 7.1.
const Vector k_rfc8032[] = {
    {"TEST 1", "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
     "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
    {"TEST 2", "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
     "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
    {"TEST 3", "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
     "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
    {"TEST SHA(abc)", "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
     "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
     "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
     "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
     "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b589"
     "09351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704"},
};

}  // namespace

TEST_CASE("ed25519: RFC 8032 section 7.1 vectors") {
    init();
    init();  // idempotent
    for (const Vector& v : k_rfc8032) {
        CAPTURE(v.name);
        const PrivateKey key = PrivateKey::from_seed(hex_array<32>(v.secret_key));
        const Bytes message = hex(v.message);
        const Signature expected = hex_array<64>(v.signature);

        CHECK(to_hex(key.public_key()) == v.public_key);
        CHECK(to_hex(key.seed()) == v.secret_key);
        const Signature sig = key.sign(message);
        CHECK(to_hex(sig) == v.signature);
        CHECK(verify(key.public_key(), message, expected));

        // A flipped bit anywhere in the message or the signature fails.
        for (std::size_t i = 0; i < message.size() * 8; ++i) {
            Bytes bad = message;
            bad[i / 8] = static_cast<std::uint8_t>(bad[i / 8] ^ (1u << (i % 8)));
            CHECK_FALSE(verify(key.public_key(), bad, expected));
        }
        for (std::size_t i = 0; i < expected.size() * 8; ++i) {
            Signature bad = expected;
            bad[i / 8] = static_cast<std::uint8_t>(bad[i / 8] ^ (1u << (i % 8)));
            CHECK_FALSE(verify(key.public_key(), message, bad));
        }
        // An extra message byte fails.
        Bytes longer = message;
        longer.push_back(0);
        CHECK_FALSE(verify(key.public_key(), longer, expected));
        // So does another key.
        PublicKey other = key.public_key();
        other[0] ^= 1;
        CHECK_FALSE(verify(other, message, expected));
    }
}

TEST_CASE("ed25519: wrong-length signatures are rejected, not read past") {
    const PrivateKey key = PrivateKey::from_seed(Seed{});
    const Bytes message = to_bytes("seer");
    const Signature sig = key.sign(message);
    REQUIRE(verify(key.public_key(), message, sig));

    CHECK_FALSE(verify(key.public_key(), message, ByteView{}));
    CHECK_FALSE(verify(key.public_key(), message, ByteView(sig).first(63)));
    Bytes longer(sig.begin(), sig.end());
    longer.push_back(0);
    CHECK_FALSE(verify(key.public_key(), message, longer));
    CHECK_FALSE(verify(key.public_key(), message, Bytes(128, 0)));
}

TEST_CASE("ed25519: small-order and non-canonical inputs are rejected") {
    const Bytes message = to_bytes("any message");
    // Public key = identity point, R = identity, S = 0: [S]B == R + [k]A holds for any message,
    // so a lax verifier accepts it. We must not.
    const PublicKey identity =
        hex_array<32>("0100000000000000000000000000000000000000000000000000000000000000");
    Signature trivial{};
    trivial[0] = 1;
    CHECK_FALSE(verify(identity, message, trivial));

    // The same point with a non-canonical encoding of y (p + 1).
    const PublicKey non_canonical =
        hex_array<32>("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
    CHECK_FALSE(verify(non_canonical, message, trivial));

    // All-zero key and signature.
    CHECK_FALSE(verify(PublicKey{}, message, Signature{}));

    // RFC 8032 TEST 1 with S replaced by S + L: equal modulo L, but not canonical.
    const PublicKey pk =
        hex_array<32>("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    CHECK(verify(pk, ByteView{},
                 hex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
                     "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")));
    CHECK_FALSE(verify(pk, ByteView{},
                       hex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
                           "4c8c7872aa064e049dbb3013fbf29380d25bf5f0595bbe24655141438e7a101b")));
}

TEST_CASE("ed25519: generated keys sign and verify") {
    const PrivateKey a = PrivateKey::generate();
    const PrivateKey b = PrivateKey::generate();
    CHECK(a.public_key() != b.public_key());
    CHECK(PrivateKey::from_seed(a.seed()).public_key() == a.public_key());

    const Bytes message = to_bytes("height=7 round=0");
    const Signature sig = a.sign(message);
    CHECK(sig == a.sign(message));  // deterministic
    CHECK(verify(a.public_key(), message, sig));
    CHECK_FALSE(verify(b.public_key(), message, sig));
}
