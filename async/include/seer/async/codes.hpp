#pragma once
// check_tx / finalize_block result codes of the x/async module (codespace "async"). Codes of
// the tx envelope (decoding, signatures, sequence, fees, gas) are the SDK's, codespace "sdk"
// (app/codes.hpp).
// docs/async.md lists each with its one-line reason.

#include <cstdint>
#include <string_view>

namespace seer::async {

inline constexpr std::string_view k_codespace = "async";

enum class Code : std::uint32_t {
    ok = 0,
    reserved_marker = 3,  // starts with 0x00, the results-tx marker
    unknown_handler = 7,  // handler not in the registry
    empty_input = 8,
    input_too_large = 9,   // input over params.max_input_bytes
    pending_cap = 10,      // creator has params.max_pending_per_account unfinished futures
    invalid_message = 12,  // a MsgAddFuture whose creator is not a valid address
    backlog_full = 14,     // the chain holds params.max_unfinished_futures unfinished futures
};

std::string_view describe(Code code);

}  // namespace seer::async
