#pragma once
// `seer bench`: the load generator of `make bench` (docs/performance.md).
//   seer bench genesis --accounts N   funds N deterministic bench accounts in genesis.json
//   seer bench load --nodes URL,...   pre-signs and sends txs over keep-alive connections to every
//                                     node, follows the chain, and prints figures as JSON

#include <cstdint>
#include <string>
#include <vector>

namespace seer::cli {

struct BenchGenesisOptions {
    std::string home;
    int accounts = 64;
    /// Raise the per-account and admission caps so a benchmark measures the chain's paths.
    bool raise_async_limits = true;
    std::uint64_t prune_after_blocks = 0;   // 0: as in genesis
    std::uint64_t max_prune_per_block = 0;  // 0: as in genesis
};

struct BenchLoadOptions {
    std::vector<std::string> nodes;  // JSON-RPC URLs; txs of one account always go to one node
    int accounts = 64;               // bench accounts 0..accounts-1 (funded by `bench genesis`)
    std::int64_t txs = 0;            // 0: no load, only follow the chain for `duration_s`
    double rate = 0;                 // tx/s over all connections; 0: as fast as the nodes take
    double duration_s = 0;           // with rate > 0 or txs = 0: how long to send / follow
    int connections = 2;             // per node
    std::string handler = "echo";
    int input_bytes = 32;
    /// Unsigned random payloads of this many bytes (a node with `proxy_app = "noop"`).
    int raw_bytes = 0;
    double timeout_s = 300;  // for everything to be committed and final
    bool wait_final = true;  // follow futures until they are final
};

int cmd_bench_genesis(const BenchGenesisOptions& o);
int cmd_bench_load(const BenchLoadOptions& o);

}  // namespace seer::cli
