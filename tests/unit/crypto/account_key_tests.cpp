#include <doctest/doctest.h>

#include <string>

#include "seer/common/base64.hpp"
#include "seer/common/bytes.hpp"
#include "seer/crypto/account_key.hpp"
#include "seer/crypto/bip32.hpp"
#include "seer/crypto/bip39.hpp"
#include "seer/crypto/hash.hpp"

using namespace seer;
using namespace seer::crypto;

namespace {

AccountKey from_mnemonic(const std::string& mnemonic) {
    auto seed = bip39::mnemonic_to_seed(mnemonic);
    REQUIRE(seed.ok());
    auto ext = bip32::derive_path(*seed, bip32::k_cosmos_hd_path);
    REQUIRE(ext.ok());
    auto key = AccountKey::from_secret(KeyType::secp256k1, ext->secret);
    REQUIRE(key.ok());
    return *key;
}

}  // namespace

TEST_CASE("account key: Cosmos Hub address of the abandon mnemonic") {
    // The widely published address (also what @cosmjs/proto-signing 0.32.4
    // DirectSecp256k1HdWallet gives with prefix "cosmos").
    const auto key = from_mnemonic(
        "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon "
        "about");
    CHECK(key.type() == KeyType::secp256k1);
    CHECK(to_hex(key.public_key().key) ==
          "024f4e2ad99c34d60b9ba6283c9431a8418af8673212961f97a77b6377fcd05b62");
    CHECK(to_bech32_address(key.address(), "cosmos") ==
          "cosmos19rl4cm2hmr8afy4kldpxz3fka4jguq0auqdal4");
}

TEST_CASE("account key: a 24-word mnemonic agrees with cosmjs (prefix seer)") {
    // Computed with @cosmjs/proto-signing 0.32.4:
    // DirectSecp256k1HdWallet.fromMnemonic(m, {prefix: "seer"}), hdPath m/44'/118'/0'/0/0.
    const std::string mnemonic =
        "play street rebel affair sample inner about across large under oppose rice polar judge "
        "witness fatal multiply jaguar supply admit beauty second never run";
    const auto key = from_mnemonic(mnemonic);
    CHECK(to_hex(key.secret()) ==
          "3447d79afc7a21a0243f522a64ddbc6a386dacf5826b6facfe4387d40979cd4f");
    CHECK(to_base64(key.public_key().key) == "AwbGlvaWddMn6h+nAnBUKwAo6Lo2NxlPdeg4B4gequUs");
    CHECK(to_bech32_address(key.address()) == "seer15fsa3c7nqtg8jnscx66f5p2rjvxga0vreqkkdr");
}

TEST_CASE("account key: secp256k1 address is RIPEMD-160(SHA-256(compressed key))") {
    const auto key = AccountKey::generate(KeyType::secp256k1);
    const auto pub = key.public_key();
    REQUIRE(pub.key.size() == 33);
    CHECK(key.address() == ripemd160(sha256(pub.key)));
    CHECK(pub.type == KeyType::secp256k1);
}

TEST_CASE("account key: ed25519 address is SHA-256(pk)[:20]") {
    const auto key = AccountKey::generate(KeyType::ed25519);
    CHECK(key.type() == KeyType::ed25519);
    const auto pub = key.public_key();
    REQUIRE(pub.key.size() == 32);
    CHECK(key.address() == address_of(*to_array<32>(pub.key)));
    // from_secret with the seed gives the same key.
    auto again = AccountKey::from_secret(KeyType::ed25519, key.secret());
    REQUIRE(again.ok());
    CHECK(again->public_key() == pub);
}

TEST_CASE("account key: sign and verify for both types") {
    for (KeyType type : {KeyType::secp256k1, KeyType::ed25519}) {
        CAPTURE(key_type_name(type));
        const auto key = AccountKey::generate(type);
        const auto sig = key.sign(as_bytes("sign bytes"));
        CHECK(sig.size() == 64);
        CHECK(key.public_key().verify(as_bytes("sign bytes"), sig));
        CHECK_FALSE(key.public_key().verify(as_bytes("sign bytez"), sig));
        const auto other = AccountKey::generate(type);
        CHECK_FALSE(other.public_key().verify(as_bytes("sign bytes"), sig));
        auto secret = key.secret();
        CHECK(secret.size() == 32);
        auto copy = AccountKey::from_secret(type, secret);
        REQUIRE(copy.ok());
        CHECK(copy->address() == key.address());
    }
    // A secp256k1 signature does not verify under the ed25519 key of the same secret.
    const auto secp = AccountKey::generate(KeyType::secp256k1);
    auto ed = AccountKey::from_secret(KeyType::ed25519, secp.secret());
    REQUIRE(ed.ok());
    CHECK_FALSE(ed->public_key().verify(as_bytes("x"), secp.sign(as_bytes("x"))));
}

TEST_CASE("account key: public key and secret validation") {
    const auto key = AccountKey::generate(KeyType::secp256k1);
    const auto pub = key.public_key();
    auto ok = AccountPubKey::make(KeyType::secp256k1, pub.key);
    REQUIRE(ok.ok());
    CHECK(*ok == pub);
    CHECK_FALSE(AccountPubKey::make(KeyType::secp256k1, Bytes(32, 2)).ok());
    Bytes off_curve =
        *from_hex("020000000000000000000000000000000000000000000000000000000000000005");
    CHECK_FALSE(AccountPubKey::make(KeyType::secp256k1, off_curve).ok());
    CHECK_FALSE(AccountPubKey::make(KeyType::ed25519, pub.key).ok());
    CHECK(AccountPubKey::make(KeyType::ed25519, Bytes(32, 1)).ok());

    CHECK_FALSE(AccountKey::from_secret(KeyType::secp256k1, Bytes(31, 1)).ok());
    CHECK_FALSE(AccountKey::from_secret(KeyType::ed25519, Bytes(33, 1)).ok());
    CHECK_FALSE(AccountKey::from_secret(KeyType::secp256k1, Bytes(32, 0)).ok());
}

TEST_CASE("account key: type names and URLs") {
    CHECK(key_type_name(KeyType::secp256k1) == "secp256k1");
    CHECK(key_type_name(KeyType::ed25519) == "ed25519");
    CHECK(key_type_from_name("secp256k1") == KeyType::secp256k1);
    CHECK(key_type_from_name("ed25519") == KeyType::ed25519);
    CHECK_FALSE(key_type_from_name("sr25519").has_value());
    CHECK(pubkey_type_url(KeyType::secp256k1) == "/cosmos.crypto.secp256k1.PubKey");
    CHECK(key_type_from_url("/cosmos.crypto.ed25519.PubKey") == KeyType::ed25519);
    CHECK_FALSE(key_type_from_url("/cosmos.crypto.multisig.LegacyAminoPubKey").has_value());
}

TEST_CASE("account key: ed25519 from a mnemonic agrees with cosmjs (SLIP-0010)") {
    // @cosmjs/crypto 0.32.4: Slip10.derivePath(Slip10Curve.Ed25519, seed, "m/44'/118'/0'/0'/0'"),
    // address SHA-256(pk)[:20] with prefix seer.
    auto seed = bip39::mnemonic_to_seed(
        "play street rebel affair sample inner about across large under oppose rice polar judge "
        "witness fatal multiply jaguar supply admit beauty second never run");
    REQUIRE(seed.ok());
    auto secret = bip32::derive_ed25519_path(*seed, bip32::k_cosmos_ed25519_hd_path);
    REQUIRE(secret.ok());
    CHECK(to_hex(*secret) == "613bad22265eead1072f8a12f64dfe7a0ce4da17308e456919f028ef94788dfb");
    auto key = AccountKey::from_secret(KeyType::ed25519, *secret);
    REQUIRE(key.ok());
    CHECK(to_hex(key->public_key().key) ==
          "a9a15a0f17f228bcc5b9998696e810debc6bd17b207ff0ccaa76dd9f8a41e685");
    CHECK(to_bech32_address(key->address()) == "seer1mhkukxcgvlplhryxap2y658tlx20jpdpjarcpd");
}
