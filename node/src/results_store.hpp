#pragma once
// Block results and the tx index, in the node's KV store ("results", "txindex" columns).
// Written from the consensus thread (before the application commits each block), read from
// any thread. Private to node/.

#include <optional>

#include "seer/consensus/application.hpp"
#include "seer/consensus/types.hpp"
#include "seer/rpc/node_api.hpp"
#include "seer/store/kv.hpp"

namespace seer::node::detail {

inline constexpr std::string_view k_results_column = "results";
inline constexpr std::string_view k_txindex_column = "txindex";

class ResultsStore {
public:
    explicit ResultsStore(store::KvStore& kv) : m_kv(kv) {}
    void save(const consensus::Block& block, const consensus::FinalizeBlockResponse& response);
    std::optional<rpc::BlockResultsView> results(std::int64_t height) const;
    std::optional<std::pair<std::int64_t, std::uint32_t>> locate(const consensus::Hash& tx) const;

private:
    store::KvStore& m_kv;
};

}  // namespace seer::node::detail
