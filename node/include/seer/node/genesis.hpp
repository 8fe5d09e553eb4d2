#pragma once
// genesis.json (CometBFT's shape) and the key files config/node_key.json and
// config/priv_validator_key.json. Start-up only; errors are one clear line.

#include <cstdint>
#include <string>
#include <vector>

#include "seer/common/result.hpp"
#include "seer/crypto/address.hpp"
#include "seer/crypto/ed25519.hpp"

namespace seer::node {

struct GenesisValidator {
    crypto::Address address{};
    crypto::PublicKey pub_key{};
    std::int64_t power = 0;
    std::string name;
};

/// The block gas limit `seer init` and `seer testnet` write into a new genesis: about 1,270 echo
/// futures with `--gas auto`, so a proposer under load never builds a block its validators need
/// more than `timeout_propose` to check (ADR 0011, docs/performance.md).
inline constexpr std::int64_t k_default_max_block_gas = 40'000'000;

struct GenesisDoc {
    std::int64_t genesis_time = 0;  // unix ns
    std::string chain_id;
    std::int64_t initial_height = 1;
    std::int64_t max_block_bytes = 4 << 20;
    /// consensus_params.block.max_gas: the most gas (the sum of the txs' gas limits) one block
    /// may want; -1 is no limit (CometBFT's meaning, and what a genesis without it gets).
    std::int64_t max_block_gas = -1;
    std::int64_t vote_extensions_enable_height = 1;
    std::vector<GenesisValidator> validators;
    std::string app_state_json = "{}";  // x/async genesis (async::parse_genesis_json)
};

/// Checks chain ID (1..50 chars), heights, powers (positive, total below 2^60/8 as CometBFT),
/// addresses matching keys, no duplicates, at least one validator.
Result<GenesisDoc> parse_genesis(std::string_view json);
Result<GenesisDoc> load_genesis(const std::string& path);
std::string render_genesis(const GenesisDoc& doc);

/// Node ID: lower-case hex of the address of the node key (CometBFT's p2p ID).
std::string node_id(const crypto::PublicKey& key);

Result<crypto::PrivateKey> load_node_key(const std::string& path);
void save_node_key(const std::string& path, const crypto::PrivateKey& key);
Result<crypto::PrivateKey> load_priv_validator_key(const std::string& path);
void save_priv_validator_key(const std::string& path, const crypto::PrivateKey& key);

}  // namespace seer::node
