#pragma once
// secp256k1 ECDSA keys as Cosmos uses them (/cosmos.crypto.secp256k1.PubKey), on libsecp256k1:
// 33-byte compressed public keys, 64-byte r||s signatures over SHA-256(message) with RFC 6979
// nonces and low S. Addresses are RIPEMD-160(SHA-256(compressed key)).

#include <array>
#include <cstdint>

#include "seer/common/bytes.hpp"
#include "seer/common/result.hpp"

namespace seer::crypto::secp256k1 {

using PublicKey = std::array<std::uint8_t, 33>;  // compressed (0x02/0x03 | x)
using Signature = std::array<std::uint8_t, 64>;  // r || s, s <= n/2
using Secret = std::array<std::uint8_t, 32>;

class PrivateKey {
public:
    /// Fails for zero or a value >= the group order.
    static Result<PrivateKey> from_secret(const Secret& secret);
    /// A fresh key from the OS RNG.
    static PrivateKey generate();

    const PublicKey& public_key() const { return m_public; }
    const Secret& secret() const { return m_secret; }
    /// ECDSA over SHA-256(message), deterministic (RFC 6979), low S.
    Signature sign(ByteView message) const;

private:
    PrivateKey() = default;
    Secret m_secret{};
    PublicKey m_public{};
};

/// False for a malformed key, a malformed or high-S signature, or a wrong one.
bool verify(const PublicKey& key, ByteView message, ByteView signature);
/// True when `key` parses as a point on the curve in compressed form.
bool valid_public_key(ByteView key);

/// The public key of a secret: for BIP-32 derivation. Fails for an invalid secret.
Result<PublicKey> public_key_of(const Secret& secret);
/// (secret + tweak) mod n, for BIP-32 private child derivation. Fails when the tweak is >= n or
/// the result is zero.
Result<Secret> add_tweak(const Secret& secret, const Secret& tweak);

}  // namespace seer::crypto::secp256k1
