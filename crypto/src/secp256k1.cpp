#include "seer/crypto/secp256k1.hpp"

#include <secp256k1.h>
#include <sodium.h>

#include "seer/common/check.hpp"
#include "seer/crypto/ed25519.hpp"  // init()
#include "seer/crypto/hash.hpp"

namespace seer::crypto::secp256k1 {

namespace {

// One context for the process, created and randomized (blinding against side channels) on first
// use. After that it is only read, which libsecp256k1 allows from any number of threads.
const secp256k1_context* context() {
    static const secp256k1_context* const ctx = [] {
        init();
        secp256k1_context* c = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
        SEER_CHECK(c != nullptr);
        unsigned char seed[32];
        randombytes_buf(seed, sizeof seed);
        SEER_CHECK(secp256k1_context_randomize(c, seed) == 1);
        sodium_memzero(seed, sizeof seed);
        return c;
    }();
    return ctx;
}

PublicKey serialize(const secp256k1_pubkey& point) {
    PublicKey out{};
    std::size_t len = out.size();
    SEER_CHECK(secp256k1_ec_pubkey_serialize(context(), out.data(), &len, &point,
                                             SECP256K1_EC_COMPRESSED) == 1);
    SEER_CHECK(len == out.size());
    return out;
}

}  // namespace

Result<PrivateKey> PrivateKey::from_secret(const Secret& secret) {
    auto pub = public_key_of(secret);
    if (!pub) return pub.error();
    PrivateKey key;
    key.m_secret = secret;
    key.m_public = *pub;
    return key;
}

PrivateKey PrivateKey::generate() {
    init();
    for (;;) {
        Secret secret{};
        randombytes_buf(secret.data(), secret.size());
        auto key = from_secret(secret);
        sodium_memzero(secret.data(), secret.size());
        // A random 256-bit value is out of range with probability about 2^-128.
        if (key) return std::move(key).value();
    }
}

Signature PrivateKey::sign(ByteView message) const {
    const Hash256 digest = sha256(message);
    secp256k1_ecdsa_signature sig;
    // A null nonce function is RFC 6979; libsecp256k1 always produces a low-S signature.
    SEER_CHECK(secp256k1_ecdsa_sign(context(), &sig, digest.data(), m_secret.data(), nullptr,
                                    nullptr) == 1);
    Signature out{};
    SEER_CHECK(secp256k1_ecdsa_signature_serialize_compact(context(), out.data(), &sig) == 1);
    return out;
}

bool verify(const PublicKey& key, ByteView message, ByteView signature) {
    if (signature.size() != std::tuple_size_v<Signature>) return false;
    secp256k1_pubkey point;
    if (secp256k1_ec_pubkey_parse(context(), &point, key.data(), key.size()) != 1) return false;
    secp256k1_ecdsa_signature sig;
    // Fails when r or s >= n.
    if (secp256k1_ecdsa_signature_parse_compact(context(), &sig, signature.data()) != 1) {
        return false;
    }
    const Hash256 digest = sha256(message);
    // secp256k1_ecdsa_verify rejects a signature whose s is not normalized (s > n/2), as the
    // Cosmos SDK does; it is not normalized here on purpose.
    return secp256k1_ecdsa_verify(context(), &sig, digest.data(), &point) == 1;
}

bool valid_public_key(ByteView key) {
    if (key.size() != std::tuple_size_v<PublicKey>) return false;
    if (key[0] != 0x02 && key[0] != 0x03) return false;
    secp256k1_pubkey point;
    return secp256k1_ec_pubkey_parse(context(), &point, key.data(), key.size()) == 1;
}

Result<PublicKey> public_key_of(const Secret& secret) {
    if (secp256k1_ec_seckey_verify(context(), secret.data()) != 1) {
        return make_error("invalid_secret", "secp256k1 secret is zero or not below the order");
    }
    secp256k1_pubkey point;
    if (secp256k1_ec_pubkey_create(context(), &point, secret.data()) != 1) {
        return make_error("invalid_secret", "secp256k1 secret is invalid");
    }
    return serialize(point);
}

Result<Secret> add_tweak(const Secret& secret, const Secret& tweak) {
    if (secp256k1_ec_seckey_verify(context(), secret.data()) != 1) {
        return make_error("invalid_secret", "secp256k1 secret is zero or not below the order");
    }
    Secret out = secret;
    // Fails when the tweak is >= n or the sum is zero.
    if (secp256k1_ec_seckey_tweak_add(context(), out.data(), tweak.data()) != 1) {
        sodium_memzero(out.data(), out.size());
        return make_error("invalid_tweak", "secp256k1 tweak is out of range or gives zero");
    }
    return out;
}

}  // namespace seer::crypto::secp256k1
