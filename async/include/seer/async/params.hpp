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
    std::uint64_t max_output_bytes = 64 * 1024;
    std::uint64_t max_results_per_block = 100;
    std::uint64_t max_results_bytes = 1024 * 1024;
    std::uint64_t max_votes_per_extension = 256;
    std::uint64_t max_extension_bytes = 16 * 1024;
    std::uint64_t timeout_blocks = 50;
    std::uint32_t max_attempts = 3;
    std::uint64_t prune_after_blocks = 100;
    std::uint64_t max_pending_per_account = 100;
    std::uint64_t max_prune_per_block = 100;

    /// Every limit positive and within hard bounds (an extension must fit its vote budget).
    Status validate() const;
    bool operator==(const Params&) const = default;
};

struct GenesisAccount {
    std::string address;                      // bech32 "seer1..."
    std::optional<crypto::PublicKey> pub_key;  // set by the first tx when absent
};

struct HandlerInfo {
    std::string name;  // "echo", "math", "hashchain", "http", "exec:<name>"
    std::string description;
};

struct AppGenesis {
    Params params;
    std::vector<GenesisAccount> accounts;
    std::vector<HandlerInfo> handlers;
};

/// genesis.json "app_state" (proto3 JSON of seer.async.v1.GenesisState). Checks params,
/// addresses, duplicate accounts and handler names.
Result<AppGenesis> parse_genesis_json(std::string_view json);
std::string genesis_to_json(const AppGenesis& genesis);
Status validate_genesis(const AppGenesis& genesis);

}  // namespace seer::async
