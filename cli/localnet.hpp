#pragma once
// `seer localnet`: generate a network if missing and supervise one `seer start` per validator.

#include <string>
#include <vector>

namespace seer::cli {

struct LocalnetOptions {
    int validators = 4;
    std::string home;
    bool reset = false;
    std::string self_exe;  // path of this binary, to start the children
    /// The user's home: the network's funded keys are copied into its test-backend keyring,
    /// <user_home>/keyring-test (never overwriting), and <user_home>/config/client.toml is
    /// written with keyring-backend = "test" when missing, so `seer tx ... --from alice` works
    /// at once.
    std::string user_home;
    /// For a newly generated network: origins for the http handler (default: node0's REST
    /// origin, which every validator fetches alike) and exec handlers name=/abs/path[,arg...]
    /// (default: exec:wc, /usr/bin/wc -w, when present).
    std::vector<std::string> http_allowlist;
    /// For a newly generated network: node i's p2p port is base_port + 10 i (RPC +1, metrics
    /// +4, gRPC +5) and its REST port api_base_port + 10 i; 0 keeps seer testnet's defaults
    /// (26656, 1317, and gRPC at 9090 for node0).
    int base_port = 0;
    int api_base_port = 0;
    std::vector<std::string> exec;
};

/// Returns the process exit code.
int run_localnet(const LocalnetOptions& options);

}  // namespace seer::cli
