#pragma once
// Block results, the tx index and the event index, in the node's KV store ("results",
// "txindex", "eventindex" columns). Written from the consensus thread (before the application
// commits each block) in one batch with whatever else the node keeps per block (the async
// archive); read from any thread. Private to node/.
//
// Event index keys (attributes with index = true; "<type>.<attribute key>" composite keys):
//   'T' | composite key | 0x00 | value | 0x00 | height (u64 BE)  -> the indexes (u32 BE each,
//                                                                   ascending) of its txs
//   'B' | composite key | 0x00 | value | 0x00 | height (u64 BE)  -> empty (FinalizeBlock events)
// One key per distinct attribute value and height: most attributes repeat across a block's txs
// (sender, action, module, fee collector), so a block of N txs writes far fewer than N x
// attributes keys. (seer 0.1.0 wrote one 'T' key per tx, the tx index after the height and an
// empty value; scans still read those.)
// The value is read back between the key's 0x00 and the fixed-size tail, so it may hold any
// byte. tx.hash and tx.height are not in it: the tx index and the block store answer those.

#include <optional>

#include "seer/consensus/application.hpp"
#include "seer/consensus/types.hpp"
#include "seer/rpc/node_api.hpp"
#include "seer/store/kv.hpp"

namespace seer::node::detail {

inline constexpr std::string_view k_results_column = "results";
inline constexpr std::string_view k_txindex_column = "txindex";
inline constexpr std::string_view k_eventindex_column = "eventindex";

/// types.proto's BlockResults for `response`, the bytes the generated message serializes to.
Bytes encode_block_results(std::int64_t height, const consensus::FinalizeBlockResponse& response);

class ResultsStore {
public:
    explicit ResultsStore(store::KvStore& kv) : m_kv(kv) {}
    /// Writes the block's results and index entries together with `batch`, unsynced: the app's
    /// synced commit, which always follows, makes them durable (results_store.cpp).
    void save(const consensus::Block& block, const consensus::FinalizeBlockResponse& response,
              store::WriteBatch batch);
    std::optional<rpc::BlockResultsView> results(std::int64_t height) const;
    std::optional<std::pair<std::int64_t, std::uint32_t>> locate(const consensus::Hash& tx) const;
    void scan_events(rpc::EventScope scope, std::string_view key, std::string_view value_prefix,
                     const rpc::EventIndexVisitor& visit) const;

private:
    store::KvStore& m_kv;
};

}  // namespace seer::node::detail
