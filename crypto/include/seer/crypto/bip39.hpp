#pragma once
// BIP-39 mnemonics (English wordlist): generation, checksum validation and the seed
// (PBKDF2-HMAC-SHA512, 2048 rounds, salt "mnemonic" + passphrase).

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "seer/common/bytes.hpp"
#include "seer/common/result.hpp"

namespace seer::crypto::bip39 {

using Seed = std::array<std::uint8_t, 64>;

/// The 2048 words of the standard English list, in order.
const std::array<std::string_view, 2048>& english_wordlist();

/// The mnemonic of 16..32 bytes of entropy (a multiple of 4): 12..24 words, space-separated.
Result<std::string> mnemonic_from_entropy(ByteView entropy);
/// A fresh mnemonic of `words` words (12, 15, 18, 21 or 24) from the OS RNG.
Result<std::string> generate_mnemonic(std::size_t words = 24);
/// Checks the words (lower-case English list, single spaces after normalization of runs of
/// whitespace) and the checksum; returns the normalized mnemonic.
Result<std::string> validate_mnemonic(std::string_view mnemonic);
/// The 64-byte seed. The mnemonic must be valid (validate_mnemonic) or this fails.
Result<Seed> mnemonic_to_seed(std::string_view mnemonic, std::string_view passphrase = "");

}  // namespace seer::crypto::bip39
