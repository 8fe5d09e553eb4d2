#pragma once
// tx_search and block_search over the node's event index (NodeApi::scan_events), with
// CometBFT v0.38's query language (query.hpp). Private to rpc/.
//
// Each condition is answered on its own and the answers are intersected, as CometBFT's kv
// indexer does:
//   - tx.height / block.height (=, <, <=, >, >=): a height range, applied to every other
//     answer; alone, every tx (block) in the range.
//   - tx.hash = '<hex>': the tx index.
//   - tm.event = 'Tx' (tx_search) or 'NewBlock' / 'NewBlockEvents' (block_search): always true,
//     any other value: nothing.
//   - any other key: a scan of its index entries (only those with the value when the condition
//     is a string `=`), each value tested with the condition.
// Work is bounded: a condition whose entries, or a height range whose txs, exceed
// k_max_search_entries is refused with a message to narrow the query.

#include <cstdint>
#include <vector>

#include "query.hpp"
#include "seer/common/result.hpp"
#include "seer/rpc/node_api.hpp"

namespace seer::rpc::detail {

inline constexpr std::size_t k_max_search_entries = 100000;

struct SearchHit {
    std::int64_t height = 0;
    std::uint32_t index = 0;  // tx index in its block; 0 for block_search
    auto operator<=>(const SearchHit&) const = default;
};

/// The matching txs (scope tx) or blocks (scope block), in ascending (height, index) order.
/// Errors: "bad_query" (a condition seer cannot answer) or "too_many" (the bound above).
Result<std::vector<SearchHit>> search(NodeApi& node, const Query& query, EventScope scope);

}  // namespace seer::rpc::detail
