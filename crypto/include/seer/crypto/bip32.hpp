#pragma once
// BIP-32 hierarchical deterministic secp256k1 keys and BIP-44 paths.

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "seer/common/bytes.hpp"
#include "seer/common/result.hpp"
#include "seer/crypto/secp256k1.hpp"

namespace seer::crypto::bip32 {

/// The Cosmos Hub path: coin type 118, account 0, external chain, index 0.
inline constexpr std::string_view k_cosmos_hd_path = "m/44'/118'/0'/0/0";
inline constexpr std::uint32_t k_hardened = 0x80000000u;

struct ExtendedKey {
    secp256k1::Secret secret{};
    std::array<std::uint8_t, 32> chain_code{};
    std::uint8_t depth = 0;
    std::uint32_t parent_fingerprint = 0;  // first 4 bytes of HASH160(parent public key), BE
    std::uint32_t child_number = 0;
};

/// The master key of a seed (16..64 bytes): HMAC-SHA512(key "Bitcoin seed", seed).
Result<ExtendedKey> master_key(ByteView seed);
/// Private child derivation (index >= k_hardened: hardened).
Result<ExtendedKey> derive_child(const ExtendedKey& parent, std::uint32_t index);
/// "m/44'/118'/0'/0/0" (also accepts h or H for hardened) -> indexes.
Result<std::vector<std::uint32_t>> parse_path(std::string_view path);
Result<ExtendedKey> derive_path(ByteView seed, std::string_view path);
/// Base58Check "xprv..." (mainnet version 0x0488ADE4) and "xpub..." (0x0488B21E): for the BIP-32
/// test vectors.
std::string to_xprv(const ExtendedKey& key);
std::string to_xpub(const ExtendedKey& key);

/// SLIP-0010 ed25519 derivation (hardened steps only): seer's path for ed25519 account keys from
/// a mnemonic, as @cosmjs/crypto Slip10 with Slip10Curve.Ed25519 derives it.
inline constexpr std::string_view k_cosmos_ed25519_hd_path = "m/44'/118'/0'/0'/0'";
/// The 32-byte ed25519 secret (the RFC 8032 seed) at `path`; every index must be hardened.
Result<std::array<std::uint8_t, 32>> derive_ed25519_path(ByteView seed, std::string_view path);

}  // namespace seer::crypto::bip32
