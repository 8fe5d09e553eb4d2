#pragma once
// check_tx / finalize_block result codes of the x/async module (codespace "async").
// docs/async.md lists each with its one-line reason.

#include <cstdint>
#include <string_view>

namespace seer::async {

inline constexpr std::string_view k_codespace = "async";

enum class Code : std::uint32_t {
    ok = 0,
    tx_decode = 2,        // bytes are not a TxRaw/TxBody/AuthInfo/MsgAddFuture
    reserved_marker = 3,  // starts with 0x00, the results-tx marker
    unauthorized = 4,    // signature verification failed: bad signature, chain ID or account number
    wrong_sequence = 5,  // sequence differs from the account's next sequence
    unknown_account = 6,  // signer has no account
    unknown_handler = 7,  // handler not in the registry
    empty_input = 8,
    input_too_large = 9,   // input over params.max_input_bytes
    pending_cap = 10,      // creator has params.max_pending_per_account unfinished futures
    tx_too_large = 11,     // tx over the module's tx size limit
    invalid_message = 12,  // wrong message count/type, signer mismatch, key or sign mode
    tx_timeout = 13,       // timeout_height passed
    backlog_full = 14,     // the chain holds params.max_unfinished_futures unfinished futures
};

std::string_view describe(Code code);

}  // namespace seer::async
