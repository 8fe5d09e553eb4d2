// The tables on the gossip hot path: FlatMap (a node's peers, the votes each peer knows) and
// VerifiedSignatures (a verification is done once per signature).

#include <doctest/doctest.h>

#include <map>
#include <random>
#include <string>

#include "seer/common/flat_map.hpp"
#include "seer/consensus/driver.hpp"
#include "seer/crypto/ed25519.hpp"

using namespace seer;

TEST_CASE("FlatMap: behaves as std::map under random inserts, lookups and erases") {
    FlatMap<int, std::string> flat;
    std::map<int, std::string> reference;
    std::mt19937 rng(7);
    for (int step = 0; step < 5000; ++step) {
        const int key = static_cast<int>(rng() % 200);
        switch (rng() % 4) {
            case 0: {
                const auto [it, fresh] = flat.emplace(key, std::to_string(step));
                const auto [rit, rfresh] = reference.emplace(key, std::to_string(step));
                CHECK(fresh == rfresh);
                CHECK(it->second == rit->second);
                break;
            }
            case 1:
                flat[key] = "set" + std::to_string(step);
                reference[key] = "set" + std::to_string(step);
                break;
            case 2:
                CHECK(flat.erase(key) == reference.erase(key));
                break;
            default:
                CHECK(flat.count(key) == reference.count(key));
                if (auto it = flat.find(key); it != flat.end()) CHECK(it->second == reference.at(key));
        }
    }
    REQUIRE(flat.size() == reference.size());
    auto rit = reference.begin();
    for (const auto& [k, v] : flat) {  // in key order, as std::map
        CHECK(k == rit->first);
        CHECK(v == rit->second);
        ++rit;
    }
    // Range erase below a key, as the driver forgets old heights.
    flat.erase(flat.begin(), flat.lower_bound(100));
    for (const auto& [k, v] : flat) CHECK(k >= 100);
    CHECK(flat.size() == static_cast<std::size_t>(std::distance(reference.lower_bound(100), reference.end())));
}

TEST_CASE("VerifiedSignatures: a cached answer holds only for the exact key, message and signature") {
    const auto key = crypto::PrivateKey::generate();
    const auto other = crypto::PrivateKey::generate();
    const Bytes message = to_bytes("vote sign bytes");
    const Bytes changed = to_bytes("vote sign bytez");
    const auto sig = key.sign(message);
    consensus::VerifiedSignatures cache;
    CHECK(cache.verify(key.public_key(), message, sig));
    CHECK(cache.verify(key.public_key(), message, sig));  // a hit
    // The same signature bytes under another message or key are verified, and fail.
    CHECK_FALSE(cache.verify(key.public_key(), changed, sig));
    CHECK_FALSE(cache.verify(other.public_key(), message, sig));
    CHECK_FALSE(cache.verify(key.public_key(), ByteView(message).first(message.size() - 1), sig));
    // A bad signature is never cached.
    auto bad = sig;
    bad[10] ^= 1;
    CHECK_FALSE(cache.verify(key.public_key(), message, bad));
    CHECK_FALSE(cache.verify(key.public_key(), message, bad));
    // Not 64 bytes: refused.
    CHECK_FALSE(cache.verify(key.public_key(), message, ByteView(sig.data(), 63)));
    CHECK(cache.verify(key.public_key(), message, sig));
}
