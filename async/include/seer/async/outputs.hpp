#pragma once
// Off-chain outputs (docs/async.md, "Large outputs"): node-local bytes of outputs whose SHA-256
// and size alone are on chain. The proposer keeps the bytes it proposed, a validator keeps the
// bytes it fetched or produced itself, and every node serves them to its peers and to clients.
// Stored in chunks (column "outputs": sha256 | chunk index (u32 BE) -> at most 1 MiB), so a
// peer's request for one chunk reads one chunk. Thread-safe (RocksDB reads and writes).

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "seer/common/bytes.hpp"
#include "seer/crypto/hash.hpp"
#include "seer/store/kv.hpp"

namespace seer::async {

inline constexpr std::string_view k_outputs_column = "outputs";
inline constexpr std::size_t k_output_chunk_bytes = 1 << 20;

class OutputStore {
public:
    virtual ~OutputStore() = default;
    /// Keeps `bytes` under their SHA-256 (the caller has checked it). Idempotent.
    virtual void put(const crypto::Hash256& sha256, ByteView bytes) = 0;
    virtual bool has(const crypto::Hash256& sha256) const = 0;
    /// The total size and chunk `index`, or nullopt when this node does not hold the output.
    virtual std::optional<std::pair<std::uint64_t, Bytes>> chunk(const crypto::Hash256& sha256,
                                                                 std::uint32_t index) const = 0;
    /// The whole output, or nullopt.
    virtual std::optional<Bytes> get(const crypto::Hash256& sha256) const = 0;
};

std::unique_ptr<OutputStore> make_output_store(store::KvStore& kv);

}  // namespace seer::async
