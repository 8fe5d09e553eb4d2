#include <doctest/doctest.h>

#include "../../../app/src/sig_cache.hpp"
#include "seer/crypto/account_key.hpp"

namespace seer::app {
namespace {

TEST_CASE("sig cache: a verified triple is a hit; any change of key, message or signature is "
          "verified again") {
    auto key = crypto::AccountKey::generate(crypto::KeyType::secp256k1);
    auto other = crypto::AccountKey::generate(crypto::KeyType::secp256k1);
    const Bytes msg = to_bytes("sign doc bytes");
    const Bytes sig = key.sign(msg);
    SigCache cache;
    CHECK(cache.verify(key.public_key(), msg, sig));
    CHECK(cache.hits() == 0);
    CHECK(cache.verify(key.public_key(), msg, sig));
    CHECK(cache.hits() == 1);
    // A different message, signature or key is never answered from the cache.
    CHECK_FALSE(cache.verify(key.public_key(), to_bytes("sign doc byteS"), sig));
    Bytes flipped = sig;
    flipped[5] ^= 1;
    CHECK_FALSE(cache.verify(key.public_key(), msg, flipped));
    CHECK_FALSE(cache.verify(other.public_key(), msg, sig));
    CHECK(cache.hits() == 1);
    // Failures are not cached: the same bad triple fails again.
    CHECK_FALSE(cache.verify(other.public_key(), msg, sig));
}

TEST_CASE("sig cache: bounded to two generations") {
    auto key = crypto::AccountKey::generate(crypto::KeyType::ed25519);
    SigCache cache;
    const Bytes first = to_bytes("m-0");
    const Bytes first_sig = key.sign(first);
    CHECK(cache.verify(key.public_key(), first, first_sig));
    // Two full generations later the first triple is gone and costs a verification again.
    for (std::size_t i = 1; i <= 2 * SigCache::k_generation; ++i) {
        const Bytes m = to_bytes("m-" + std::to_string(i));
        REQUIRE(cache.verify(key.public_key(), m, key.sign(m)));
    }
    const auto hits = cache.hits();
    CHECK(cache.verify(key.public_key(), first, first_sig));
    CHECK(cache.hits() == hits);
}

}  // namespace
}  // namespace seer::app
