#pragma once
// Key-value storage with column families and atomic write batches.
// Two implementations: RocksDB (the node) and memory (the simulation), behind one interface.
// Storage I/O failure is fatal for a node (SEER_FATAL): continuing on a disk that lost a write
// would break "nothing committed is lost"; a restart recovers from the last atomic batch.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "seer/common/bytes.hpp"

namespace seer::store {

/// An ordered list of puts and deletes applied all-or-nothing.
class WriteBatch {
public:
    struct Op {
        std::string column;
        Bytes key;
        Bytes value;
        bool erase = false;
    };
    void put(std::string_view column, ByteView key, ByteView value);
    void erase(std::string_view column, ByteView key);
    const std::vector<Op>& ops() const { return m_ops; }
    bool empty() const { return m_ops.empty(); }
    void clear() { m_ops.clear(); }

private:
    std::vector<Op> m_ops;
};

class KvStore {
public:
    virtual ~KvStore() = default;
    virtual std::optional<Bytes> get(std::string_view column, ByteView key) const = 0;
    /// Applies every op of the batch atomically. `sync` = fsync before returning.
    virtual void write(const WriteBatch& batch, bool sync) = 0;
    /// Visits keys >= start in order while `visit` returns true and the key starts with
    /// `prefix`. The visitor may call back into the store (reads and writes). A RocksDB scan
    /// reads one snapshot; a memory-store scan does not (it copies entries in chunks), so a
    /// write made during a scan may or may not be seen by it.
    virtual void scan(std::string_view column, ByteView prefix, ByteView start,
                      const std::function<bool(ByteView key, ByteView value)>& visit) const = 0;
    /// Visits keys with `prefix` in reverse order, starting at the last one.
    /// Bytes a column holds, approximately (for metrics and benchmarks, never for consensus):
    /// RocksDB's estimate of live data in its files plus its memtables.
    virtual std::uint64_t approximate_bytes(std::string_view column) const = 0;
    virtual void scan_reverse(
        std::string_view column, ByteView prefix,
        const std::function<bool(ByteView key, ByteView value)>& visit) const = 0;
};

/// Opens (creating if missing) a RocksDB database at `path` with the given column families
/// ("default" is always present). Fatal if the database cannot be opened.
std::unique_ptr<KvStore> open_rocksdb(const std::string& path,
                                      const std::vector<std::string>& columns);

/// An in-memory store. Batches are atomic; contents survive as long as the object does, which
/// is how the simulation models a crash: the node object dies, the store object does not.
std::shared_ptr<KvStore> make_memory_store(const std::vector<std::string>& columns);

}  // namespace seer::store
