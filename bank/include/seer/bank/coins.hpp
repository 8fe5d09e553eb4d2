#pragma once
// Coins as the Cosmos SDK writes them ("1000useer", "5useer,7uatom"). Amounts are unsigned 64-bit
// integers (the SDK's are 256-bit; ADR 0006 says why 64 bits are enough here), and every sum is
// checked for overflow.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "seer/common/result.hpp"

namespace seer::bank {

/// The chain's native denom: fees, handler fees and genesis balances.
inline constexpr std::string_view k_native_denom = "useer";

struct Coin {
    std::string denom;
    std::uint64_t amount = 0;
    bool operator==(const Coin&) const = default;
};

using Coins = std::vector<Coin>;

/// The SDK's denom rule: [a-zA-Z][a-zA-Z0-9/:._-]{2,127}.
bool valid_denom(std::string_view denom);
/// A decimal amount without sign, leading '+' or spaces, that fits 64 bits.
Result<std::uint64_t> parse_amount(std::string_view text);
/// "1000useer" or "1000useer,5uatom"; amounts positive, denoms valid and distinct.
Result<Coins> parse_coins(std::string_view text);
/// Checks a list from a message: every amount positive, denoms valid and distinct.
Status validate_coins(const Coins& coins);
std::string to_string(const Coins& coins);
/// The amount of `denom` in `coins` (0 when absent).
std::uint64_t amount_of(const Coins& coins, std::string_view denom);

/// A decimal price per gas unit of one denom ("0.025useer"), as min_gas_prices and cosmjs's
/// GasPrice write it: up to 18 fraction digits.
struct GasPrice {
    std::string denom;
    std::uint64_t units = 0;  // the price x 10^18
    bool operator==(const GasPrice&) const = default;
    /// ceil(gas x price): the smallest fee that pays for `gas`.
    std::uint64_t fee_for(std::uint64_t gas) const;
};

/// "" (no minimum), "0.025useer" or "0.025useer,1uatom".
Result<std::vector<GasPrice>> parse_gas_prices(std::string_view text);

}  // namespace seer::bank
