#pragma once
// ed25519 keys, signing and verification (RFC 8032) on libsodium.

#include <array>
#include <cstdint>

#include "seer/common/bytes.hpp"

namespace seer::crypto {

using PublicKey = std::array<std::uint8_t, 32>;
using Signature = std::array<std::uint8_t, 64>;
using Seed = std::array<std::uint8_t, 32>;

class PrivateKey {
public:
    /// Deterministic key from a 32-byte seed (the RFC 8032 "secret key").
    static PrivateKey from_seed(const Seed& seed);
    /// A fresh key from the OS RNG.
    static PrivateKey generate();

    const PublicKey& public_key() const { return m_public; }
    const Seed& seed() const { return m_seed; }
    Signature sign(ByteView message) const;

private:
    PrivateKey() = default;
    Seed m_seed{};
    PublicKey m_public{};
    std::array<std::uint8_t, 64> m_secret{};  // libsodium's seed||pk form
};

/// False for a bad signature, a malformed or small-order public key.
bool verify(const PublicKey& key, ByteView message, ByteView signature);

/// Call once at start-up (idempotent); every crypto function also calls it lazily.
void init();

}  // namespace seer::crypto
