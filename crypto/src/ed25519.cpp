#include "seer/crypto/ed25519.hpp"

#include <sodium.h>

#include <mutex>

#include "seer/common/check.hpp"

namespace seer::crypto {

void init() {
    static std::once_flag once;
    std::call_once(once, [] {
        if (sodium_init() < 0) SEER_FATAL("libsodium initialisation failed");
    });
}

PrivateKey PrivateKey::from_seed(const Seed& seed) {
    init();
    PrivateKey key;
    key.m_seed = seed;
    const int rc = crypto_sign_seed_keypair(key.m_public.data(), key.m_secret.data(), seed.data());
    SEER_CHECK(rc == 0);
    return key;
}

PrivateKey PrivateKey::generate() {
    init();
    Seed seed{};
    randombytes_buf(seed.data(), seed.size());
    PrivateKey key = from_seed(seed);
    sodium_memzero(seed.data(), seed.size());
    return key;
}

Signature PrivateKey::sign(ByteView message) const {
    init();
    static const unsigned char k_dummy = 0;
    Signature sig{};
    const int rc =
        crypto_sign_detached(sig.data(), nullptr, message.empty() ? &k_dummy : message.data(),
                             message.size(), m_secret.data());
    SEER_CHECK(rc == 0);
    return sig;
}

bool verify(const PublicKey& key, ByteView message, ByteView signature) {
    init();
    if (signature.size() != crypto_sign_BYTES) return false;
    static_assert(sizeof(PublicKey) == crypto_sign_PUBLICKEYBYTES);
    static const unsigned char k_dummy = 0;
    // libsodium rejects non-canonical S, small-order and non-canonical public keys and R.
    return crypto_sign_verify_detached(signature.data(),
                                       message.empty() ? &k_dummy : message.data(), message.size(),
                                       key.data()) == 0;
}

}  // namespace seer::crypto
