#pragma once
// The archive of final futures: node-local, outside app state (like the tx index), so a future
// stays answerable by ID after consensus state prunes it (docs/async.md, "How long answers
// last"). The node writes each block's final futures in the same batch as the block's results;
// a node that block-syncs applies the same blocks and so builds the same archive. Written from
// the consensus thread, read from any thread (RocksDB reads are thread-safe).
//
// Keys (column "archive"):  'F' | id (u64 BE)                      -> seer.async.v1.Future
//                           'T' | final height (u64 BE) | id (u64 BE) -> empty (retention)

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "seer/common/bytes.hpp"
#include "seer/consensus/application.hpp"
#include "seer/store/kv.hpp"

namespace seer::async {

inline constexpr std::string_view k_archive_column = "archive";

struct ArchiveOptions {
    /// Blocks a final future stays in the archive; 0 keeps every one ("all", the default).
    std::int64_t keep_blocks = 0;
    /// Records deleted per block at most, so catching up on retention never makes a block slow.
    std::size_t max_prune_per_block = 1000;
};

class Archive {
public:
    Archive(store::KvStore& kv, ArchiveOptions options) : m_kv(kv), m_options(options) {}

    /// Adds to `batch` the records of the futures that became final at `height` (serialized
    /// seer.async.v1.Future, as the module's on_final hands them over) and the deletion of
    /// records older than the retention. Idempotent: a replayed block writes the same keys.
    void stage(store::WriteBatch& batch, std::int64_t height,
               const std::vector<Bytes>& final_futures) const;

    /// The archived record of future `id` (a serialized seer.async.v1.Future).
    std::optional<Bytes> get(std::uint64_t id) const;

    /// Answers an abci_query for `async/future/<id>` from the archive: a QueryFutureResponse
    /// with `pruned = true`. nullopt for any other path or an ID the archive does not hold.
    /// The node asks it when the module answered "not found".
    std::optional<consensus::QueryResponse> query(const consensus::QueryRequest& request) const;

private:
    store::KvStore& m_kv;
    ArchiveOptions m_options;
};

}  // namespace seer::async
