#pragma once
// SHA-256, HMAC-SHA256 (RFC 4231) and HKDF-SHA256 (RFC 5869), on libsodium; SHA-512 and
// HMAC-SHA512 (RFC 4231) on libsodium and RIPEMD-160 on OpenSSL, for BIP-32/39 and secp256k1
// addresses.

#include <array>
#include <cstdint>
#include <memory>

#include "seer/common/bytes.hpp"

namespace seer::crypto {

using Hash256 = std::array<std::uint8_t, 32>;

Hash256 sha256(ByteView data);

/// Incremental SHA-256 for data that arrives in pieces.
class Sha256 {
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;
    Sha256& update(ByteView data);
    Hash256 finish();

private:
    struct State;
    std::unique_ptr<State> m_state;
};

Hash256 hmac_sha256(ByteView key, ByteView message);

/// HKDF-SHA256: extract(salt, ikm) then expand(prk, info, length). length <= 255*32.
Bytes hkdf_sha256(ByteView ikm, ByteView salt, ByteView info, std::size_t length);

using Hash512 = std::array<std::uint8_t, 64>;
using Hash160 = std::array<std::uint8_t, 20>;

Hash512 sha512(ByteView data);
/// Any key length (a key longer than the block is hashed first, as RFC 2104 says).
Hash512 hmac_sha512(ByteView key, ByteView message);
Hash160 ripemd160(ByteView data);
/// RIPEMD-160(SHA-256(data)): Bitcoin's HASH160, the secp256k1 account address.
Hash160 hash160(ByteView data);

/// SipHash-2-4 under a 128-bit key: a fast keyed hash for hash tables whose keys an attacker
/// chooses (a random key per table: collisions cannot be aimed). Not a message digest.
using ShortHashKey = std::array<std::uint8_t, 16>;
ShortHashKey random_short_hash_key();
std::uint64_t short_hash(const ShortHashKey& key, ByteView data);

}  // namespace seer::crypto
