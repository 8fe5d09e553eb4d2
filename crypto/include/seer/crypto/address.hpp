#pragma once
// Addresses: SHA-256(pubkey)[:20], shown as bech32 with prefix "seer" (accounts) or
// upper-case hex (validators, as CometBFT does).

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "seer/common/bytes.hpp"
#include "seer/common/result.hpp"
#include "seer/crypto/ed25519.hpp"

namespace seer::crypto {

using Address = std::array<std::uint8_t, 20>;

inline constexpr std::string_view k_bech32_prefix = "seer";

Address address_of(const PublicKey& key);

std::string to_bech32_address(const Address& address, std::string_view hrp = k_bech32_prefix);
/// Checks the checksum, the prefix and that the payload is exactly 20 bytes.
Result<Address> from_bech32_address(std::string_view text,
                                    std::string_view hrp = k_bech32_prefix);

}  // namespace seer::crypto
