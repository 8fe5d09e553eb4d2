#pragma once
// `seer testnet`: the files of an N-validator network, CometBFT-like, one directory per node:
//   nodeI/config/{config.toml, genesis.json, node_key.json, priv_validator_key.json}
//   nodeI/data/priv_validator_state.json
// plus keys/<user>.json: funded test users (the keyring format of `seer keys`).

#include <cstdint>
#include <string>
#include <vector>

#include "seer/common/result.hpp"

namespace seer::node {

struct TestnetOptions {
    int validators = 4;
    std::string output;
    std::string chain_id = "seer-localnet";
    std::string host = "127.0.0.1";
    std::vector<std::string> hostnames;  // one per validator (machines); empty = host for all
    std::uint16_t base_port = 26656;     // node i: p2p base+10i, rpc base+1+10i, metrics base+4+10i
    std::uint16_t api_base_port = 1317;  // node i: api_base+10i
    /// Node i serves gRPC on grpc_base + 10i; 0: on base_port + 10i + 5, inside the node's own
    /// block of ten ports (so networks on free port ranges never meet on 9090).
    std::uint16_t grpc_base_port = 0;
    std::vector<std::string> users{"alice", "bob", "carol", "dave"};
    std::uint64_t user_amount = 1'000'000'000;       // useer each (1,000 SEER)
    std::uint64_t faucet_amount = 1'000'000'000'000;  // useer (1,000,000 SEER)
    /// Every node's config.toml min_gas_prices.
    std::string min_gas_prices = "0.001useer";
    std::int64_t genesis_time_ns = 0;    // 0 = now
    std::vector<std::string> http_allowlist;  // origins for the http handler on every node
    /// External programs "name=/abs/path[,arg...]": registered in genesis as exec:<name> and
    /// configured on every node.
    std::vector<std::string> exec;
    /// "full": every node's persistent_peers name every other node. "random:D": a random
    /// connected graph where each node has at least D peers (a ring, then random links), as a
    /// real network that is not a full mesh; gossip relays what a node's peers lack.
    std::string topology = "full";
};

/// The peers of each of n nodes for a topology ("full" or "random:D"), symmetric; an error for
/// anything else. `seed` fixes the random graph.
Result<std::vector<std::vector<std::size_t>>> testnet_topology(const std::string& topology,
                                                               std::size_t n, std::uint64_t seed);

struct TestnetNode {
    std::string home;
    std::string moniker;
    std::string node_id;
    std::string p2p_laddr, rpc_laddr, api_laddr, prometheus_laddr;
    std::string grpc_address;  // host:port, as config.toml's [grpc] address
};

/// Writes every file; refuses to overwrite an existing node directory.
Result<std::vector<TestnetNode>> write_testnet(const TestnetOptions& options);

}  // namespace seer::node
