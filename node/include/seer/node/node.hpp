#pragma once
// The node: the composition root that owns every part (DESIGN §1) and wires them.

#include <string>

#include "seer/common/result.hpp"
#include "seer/node/config.hpp"

namespace seer::node {

struct StartOptions {
    /// Start although data/priv_validator_state.json is missing (it is re-created at the last
    /// stored block's height). Unsafe: the key may have signed beyond it.
    bool unsafe_reset_sign_state = false;
    /// config.toml keys replaced for this run (`seer start --rpc.laddr ...`).
    ConfigOverrides config_overrides;
};

/// Runs the node whose home directory is `home` until SIGINT or SIGTERM. A start-up problem
/// (config, genesis, keys, a port in use, a node already running on the home, a missing sign
/// state) comes back as one clear error; a clean stop is ok.
Status run_node(const std::string& home, StartOptions options = {});

}  // namespace seer::node
