#pragma once
// Params <-> seer.async.v1.Params, in one place. Private to async/.

#include "seer/async/params.hpp"
#include "seer/async/v1/async.pb.h"

namespace seer::async::detail {

inline void to_pb(const Params& p, seer::async::v1::Params* out) {
    out->set_max_input_bytes(p.max_input_bytes);
    out->set_max_output_bytes(p.max_output_bytes);
    out->set_max_results_per_block(p.max_results_per_block);
    out->set_max_results_bytes(p.max_results_bytes);
    out->set_max_votes_per_extension(p.max_votes_per_extension);
    out->set_max_extension_bytes(p.max_extension_bytes);
    out->set_timeout_blocks(p.timeout_blocks);
    out->set_max_attempts(p.max_attempts);
    out->set_prune_after_blocks(p.prune_after_blocks);
    out->set_max_pending_per_account(p.max_pending_per_account);
    out->set_max_prune_per_block(p.max_prune_per_block);
    out->set_max_unfinished_futures(p.max_unfinished_futures);
    out->set_max_inline_output_bytes(p.max_inline_output_bytes);
}

inline Params from_pb(const seer::async::v1::Params& p) {
    Params out;
    out.max_input_bytes = p.max_input_bytes();
    out.max_output_bytes = p.max_output_bytes();
    out.max_results_per_block = p.max_results_per_block();
    out.max_results_bytes = p.max_results_bytes();
    out.max_votes_per_extension = p.max_votes_per_extension();
    out.max_extension_bytes = p.max_extension_bytes();
    out.timeout_blocks = p.timeout_blocks();
    out.max_attempts = p.max_attempts();
    out.prune_after_blocks = p.prune_after_blocks();
    out.max_pending_per_account = p.max_pending_per_account();
    out.max_prune_per_block = p.max_prune_per_block();
    // Absent from a genesis written before the param existed: the default, so it still loads.
    if (p.max_unfinished_futures() != 0) out.max_unfinished_futures = p.max_unfinished_futures();
    if (p.max_inline_output_bytes() != 0) out.max_inline_output_bytes = p.max_inline_output_bytes();
    return out;
}

}  // namespace seer::async::detail
