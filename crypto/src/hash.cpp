#include "seer/crypto/hash.hpp"

#include <openssl/evp.h>
#include <openssl/provider.h>
#include <sodium.h>

#include <algorithm>

#include "seer/common/check.hpp"
#include "seer/crypto/ed25519.hpp"  // init()

namespace seer::crypto {

namespace {

// libsodium reads `len` bytes from `p`; an empty span may carry a null pointer, which the C
// library would hand to memcpy. Give it a valid address instead.
const unsigned char* data_or_dummy(ByteView data) {
    static const unsigned char k_dummy = 0;
    return data.empty() ? &k_dummy : data.data();
}

}  // namespace

Hash256 sha256(ByteView data) {
    init();
    Hash256 out{};
    crypto_hash_sha256(out.data(), data_or_dummy(data), data.size());
    return out;
}

struct Sha256::State {
    crypto_hash_sha256_state state;
};

Sha256::Sha256() : m_state(std::make_unique<State>()) {
    init();
    crypto_hash_sha256_init(&m_state->state);
}

Sha256::~Sha256() = default;

Sha256& Sha256::update(ByteView data) {
    crypto_hash_sha256_update(&m_state->state, data_or_dummy(data), data.size());
    return *this;
}

Hash256 Sha256::finish() {
    Hash256 out{};
    crypto_hash_sha256_final(&m_state->state, out.data());
    return out;
}

Hash256 hmac_sha256(ByteView key, ByteView message) {
    init();
    crypto_auth_hmacsha256_state state;
    // libsodium's init accepts any key length (a key longer than the block is hashed first).
    crypto_auth_hmacsha256_init(&state, data_or_dummy(key), key.size());
    crypto_auth_hmacsha256_update(&state, data_or_dummy(message), message.size());
    Hash256 out{};
    crypto_auth_hmacsha256_final(&state, out.data());
    sodium_memzero(&state, sizeof state);
    return out;
}

Bytes hkdf_sha256(ByteView ikm, ByteView salt, ByteView info, std::size_t length) {
    constexpr std::size_t k_hash_len = 32;
    SEER_CHECK(length <= 255 * k_hash_len);

    // Extract (RFC 5869 2.2): an absent salt is HashLen zero bytes.
    const Hash256 zero_salt{};
    Hash256 prk = hmac_sha256(salt.empty() ? ByteView(zero_salt) : salt, ikm);

    // Expand (RFC 5869 2.3): T(i) = HMAC(PRK, T(i-1) || info || i).
    Bytes okm;
    okm.reserve(length);
    Hash256 t{};
    std::size_t t_len = 0;
    for (std::uint8_t counter = 1; okm.size() < length; ++counter) {
        Bytes block;
        block.reserve(t_len + info.size() + 1);
        block.insert(block.end(), t.begin(), t.begin() + static_cast<std::ptrdiff_t>(t_len));
        block.insert(block.end(), info.begin(), info.end());
        block.push_back(counter);
        t = hmac_sha256(prk, block);
        t_len = t.size();
        const std::size_t take = std::min(k_hash_len, length - okm.size());
        okm.insert(okm.end(), t.begin(), t.begin() + static_cast<std::ptrdiff_t>(take));
    }
    sodium_memzero(prk.data(), prk.size());
    sodium_memzero(t.data(), t.size());
    return okm;
}

Hash512 sha512(ByteView data) {
    init();
    Hash512 out{};
    crypto_hash_sha512(out.data(), data_or_dummy(data), data.size());
    return out;
}

Hash512 hmac_sha512(ByteView key, ByteView message) {
    init();
    crypto_auth_hmacsha512_state state;
    crypto_auth_hmacsha512_init(&state, data_or_dummy(key), key.size());
    crypto_auth_hmacsha512_update(&state, data_or_dummy(message), message.size());
    Hash512 out{};
    crypto_auth_hmacsha512_final(&state, out.data());
    sodium_memzero(&state, sizeof state);
    return out;
}

namespace {

// RIPEMD-160 is in OpenSSL 3's default provider from 3.0.7; older 3.0 releases have it only in
// the legacy provider, which is loaded then (once, for the whole process).
const EVP_MD* ripemd160_md() {
    static const EVP_MD* const md = [] {
        EVP_MD* fetched = EVP_MD_fetch(nullptr, "RIPEMD160", nullptr);
        if (fetched == nullptr) {
            if (OSSL_PROVIDER_load(nullptr, "legacy") == nullptr ||
                OSSL_PROVIDER_load(nullptr, "default") == nullptr) {
                SEER_FATAL("OpenSSL: cannot load a provider with RIPEMD-160");
            }
            fetched = EVP_MD_fetch(nullptr, "RIPEMD160", nullptr);
        }
        if (fetched == nullptr) SEER_FATAL("OpenSSL: RIPEMD-160 is not available");
        return fetched;  // kept for the life of the process
    }();
    return md;
}

}  // namespace

Hash160 ripemd160(ByteView data) {
    Hash160 out{};
    unsigned int len = 0;
    const int rc =
        EVP_Digest(data_or_dummy(data), data.size(), out.data(), &len, ripemd160_md(), nullptr);
    SEER_CHECK(rc == 1 && len == out.size());
    return out;
}

Hash160 hash160(ByteView data) {
    const Hash256 inner = sha256(data);
    return ripemd160(inner);
}

ShortHashKey random_short_hash_key() {
    init();
    ShortHashKey key;
    crypto_shorthash_keygen(key.data());
    return key;
}

std::uint64_t short_hash(const ShortHashKey& key, ByteView data) {
    static_assert(sizeof(ShortHashKey) == crypto_shorthash_KEYBYTES);
    std::array<std::uint8_t, crypto_shorthash_BYTES> out;
    crypto_shorthash(out.data(), data.data(), data.size(), key.data());
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < out.size(); ++i) v |= std::uint64_t{out[i]} << (8 * i);
    return v;
}

}  // namespace seer::crypto
