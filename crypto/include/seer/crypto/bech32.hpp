#pragma once
// BIP-173 bech32 (not bech32m): encode/decode of 5-bit groups and 8<->5 bit conversion.

#include <string>
#include <string_view>
#include <vector>

#include "seer/common/bytes.hpp"
#include "seer/common/result.hpp"

namespace seer::crypto::bech32 {

struct Decoded {
    std::string hrp;            // lower case
    std::vector<std::uint8_t> data;  // 5-bit groups, checksum removed
};

/// hrp must be lower-case printable ASCII (33..126); data holds 5-bit values.
std::string encode(std::string_view hrp, const std::vector<std::uint8_t>& data5);
/// BIP-173 rules: length <= 90, no mixed case, valid checksum, hrp 1..83 chars.
Result<Decoded> decode(std::string_view text);

/// Regroups bits; `pad` as in BIP-173's convertbits. Fails on invalid padding.
Result<Bytes> convert_bits(ByteView in, int from_bits, int to_bits, bool pad);

}  // namespace seer::crypto::bech32
