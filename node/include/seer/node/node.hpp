#pragma once
// The node: the composition root that owns every part (DESIGN §1) and wires them.

#include <string>

#include "seer/common/result.hpp"

namespace seer::node {

/// Runs the node whose home directory is `home` until SIGINT or SIGTERM. A start-up problem
/// (config, genesis, keys, a port in use) comes back as one clear error; a clean stop is ok.
Status run_node(const std::string& home);

}  // namespace seer::node
