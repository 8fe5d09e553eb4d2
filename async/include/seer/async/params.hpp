#pragma once
// x/async module parameters, genesis and handler registry. The table of parameters with their
// defaults and meaning is in docs/async.md.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "seer/common/result.hpp"
#include "seer/crypto/ed25519.hpp"

namespace seer::async {

struct Params {
    std::uint64_t max_input_bytes = 64 * 1024;
    /// Outputs up to 16 MiB work end to end; above max_inline_output_bytes they go off chain.
    std::uint64_t max_output_bytes = 16 * 1024 * 1024;
    /// As many results as a block holds user txs (4 MiB / ~200 bytes), so the results path
    /// never binds before the block does (ADR 0005).
    std::uint64_t max_results_per_block = 20000;
    std::uint64_t max_results_bytes = 1024 * 1024;
    std::uint64_t max_votes_per_extension = 1000;  // explicit votes; the block's own are bits
    std::uint64_t max_extension_bytes = 32 * 1024;
    std::uint64_t timeout_blocks = 50;
    std::uint32_t max_attempts = 3;
    /// A day of blocks at the default 1 s block time; the archive keeps answers after that.
    std::uint64_t prune_after_blocks = 86400;
    std::uint64_t max_pending_per_account = 100;
    /// At least as many as can become final in one block (max_results_per_block results plus
    /// 1,000 timeouts), so pruning keeps pace with a saturated chain and state stays bounded.
    std::uint64_t max_prune_per_block = 21000;
    /// Admission control (ADR 0005): PENDING + EXECUTED futures the chain holds at most; see
    /// unfinished_capacity() for the bound that applies.
    std::uint64_t max_unfinished_futures = 20000;
    /// Outputs above this size are off chain: the results tx carries SHA-256 and size only.
    std::uint64_t max_inline_output_bytes = 1024;

    /// The backlog check_tx admits up to: max_unfinished_futures, and never more than the
    /// results path can clear before a new future's deadline,
    /// max_results_per_block x (timeout_blocks - 2).
    std::uint64_t unfinished_capacity() const;

    /// Every limit positive and within hard bounds (an extension must fit its vote budget).
    Status validate() const;
    bool operator==(const Params&) const = default;
};

struct HandlerInfo {
    std::string name;  // "echo", "math", "hashchain", "http", "exec:<name>"
    std::string description;
    std::uint64_t fee = 0;  // native denom, paid at creation, refunded on TIMED_OUT
    std::uint64_t gas = 0;  // on top of the per-message gas
    bool operator==(const HandlerInfo&) const = default;
};

/// The built-in handlers with their descriptions, fees (useer) and gas: what `seer init` and
/// `seer testnet` put in a new genesis.
std::vector<HandlerInfo> builtin_handlers();

struct AppGenesis {
    Params params;
    std::vector<HandlerInfo> handlers;
};

/// genesis.json "app_state.async" (proto3 JSON of seer.async.v1.GenesisState). Checks params
/// and handler names.
Result<AppGenesis> parse_genesis_json(std::string_view json);
std::string genesis_to_json(const AppGenesis& genesis);
Status validate_genesis(const AppGenesis& genesis);

}  // namespace seer::async
