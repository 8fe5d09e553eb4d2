#pragma once
// The node's own read-only REST routes under /seer/node/v1/ (internal header): what the web
// dashboard shows that the Cosmos routes do not — the RPC address, the validators' missed
// blocks in a window of recent blocks, the prophet's queues and latencies, the peers.
// docs/dashboard.md has the JSON; every answer is bounded.

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "seer/rpc/node_api.hpp"

namespace seer::rpc::detail {

/// Blocks the validators route counts signatures and proposals over (the latest ones).
inline constexpr std::int64_t k_validator_window_blocks = 100;

class NodeViews {
public:
    explicit NodeViews(NodeApi& node) : m_node(node) {}

    /// The REST listener's address ("tcp://host:port"), once it is bound.
    void set_rest_address(std::string address);

    /// The JSON body of GET /seer/node/v1/<what>, or nullopt for an unknown <what>.
    std::optional<std::string> answer(std::string_view what);

private:
    std::string endpoints();
    std::string validators();
    std::string prophet();
    std::string peers();

    /// What the validators route keeps of one height: its proposer, time, and the validators
    /// whose precommit is absent from the commit that decided it.
    struct HeightInfo {
        consensus::Address proposer{};
        consensus::Timestamp time = 0;
        std::vector<consensus::Address> absent;
    };

    NodeApi& m_node;
    std::mutex m_mutex;  // guards what follows
    std::string m_rest_address;
    // The window's heights, read once each (a block and its commit), pruned below the window.
    std::map<std::int64_t, HeightInfo> m_heights;
};

}  // namespace seer::rpc::detail
