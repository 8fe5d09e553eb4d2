#pragma once
// Result codes of the tx envelope: the Cosmos SDK's (types/errors), codespace "sdk". The
// modules' own codes carry their codespace ("async"; docs/async.md).

#include <cstdint>
#include <string_view>

namespace seer::app {

inline constexpr std::string_view k_sdk_codespace = "sdk";

enum class SdkCode : std::uint32_t {
    ok = 0,
    tx_decode = 2,
    unauthorized = 4,         // signature verification failed, wrong signer count
    insufficient_funds = 5,   // fee or message amount above the balance
    unknown_request = 6,      // unknown message type
    invalid_address = 7,
    invalid_pubkey = 8,       // unsupported type, wrong length, does not match the signer
    unknown_address = 9,      // the signer has no account
    invalid_coins = 10,
    out_of_gas = 11,          // gas limit below the gas the tx needs
    memo_too_large = 12,
    insufficient_fee = 13,    // fee below min_gas_prices x gas limit (check_tx only)
    invalid_request = 18,
    tx_too_large = 21,
    key_not_found = 22,       // queries: no such account
    tx_timeout_height = 30,
    unknown_extension_options = 31,
    wrong_sequence = 32,
    not_supported = 37,       // sign mode, fee granter
    not_found = 38,
    invalid_gas_limit = 41,
};

}  // namespace seer::app
