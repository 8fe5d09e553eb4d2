#pragma once
// Block store: every committed block and its extended commit, by height and by hash.
// Values are the proto encodings (seer.types.v1.Block / ExtendedCommit); this layer does not
// interpret them, so it stays below consensus.

#include <atomic>
#include <cstdint>
#include <optional>

#include "seer/common/bytes.hpp"
#include "seer/crypto/hash.hpp"
#include "seer/store/kv.hpp"

namespace seer::store {

inline constexpr std::string_view k_blocks_column = "blocks";

/// Written by one thread (the consensus thread: save, save_extended_commit). The getters may be
/// called from any thread: the KvStore is thread-safe and height()/base() are atomics published
/// after the batch that they describe is written.
class BlockStore {
public:
    explicit BlockStore(KvStore& kv);

    /// Saves block `height` with its hash and the extended commit that decided it, and
    /// advances the stored height, in one atomic synced batch.
    /// Precondition: height == this->height() + 1, or the store is empty.
    void save(std::int64_t height, const crypto::Hash256& hash, ByteView block,
              ByteView extended_commit);

    /// Replaces the extended commit stored for an already saved `height` (synced): block h+1
    /// carries the canonical extended commit of h, which may differ from the one this node saw.
    /// Precondition: base() <= height <= this->height().
    void save_extended_commit(std::int64_t height, ByteView extended_commit);

    std::int64_t height() const { return m_height; }  // 0 when empty
    std::int64_t base() const { return m_base; }      // first stored height, 0 when empty

    std::optional<Bytes> block(std::int64_t height) const;
    std::optional<Bytes> block_by_hash(const crypto::Hash256& hash) const;
    std::optional<std::int64_t> height_of(const crypto::Hash256& hash) const;
    /// The extended commit that decided block `height` (the one in block height+1's
    /// last_commit, or the node's own seen commit for the latest block).
    std::optional<Bytes> extended_commit(std::int64_t height) const;

private:
    KvStore& m_kv;
    std::atomic<std::int64_t> m_height = 0;
    std::atomic<std::int64_t> m_base = 0;
};

}  // namespace seer::store
