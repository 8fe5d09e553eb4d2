#pragma once
// The application's state over one KV column: the block's writes in memory over the last sealed
// block over the store, an app hash that chains every block's writes, and cache layers for
// writes that may be dropped (one tx's messages, a mempool check, a proposal check).
//
//   app_hash(h) = SHA-256("seer/app-hash/v1" | app_hash(h-1) | h (u64 BE) | for each key written
//                 in block h, in key order: len(key) | key | present | [len(value) | value])
//
// So every node that applied the same blocks from the same genesis has the same hash. The meta
// record (height, app hash) is written in the same atomic batch as the block's writes.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "seer/common/bytes.hpp"
#include "seer/crypto/hash.hpp"
#include "seer/store/kv.hpp"

namespace seer::store {

/// Reads and writes of application state; the same interface at every layer.
class KvView {
public:
    virtual ~KvView() = default;
    virtual std::optional<Bytes> get(const Bytes& key) const = 0;
    virtual void set(Bytes key, std::optional<Bytes> value) = 0;  // nullopt: erase
    /// Every present key with `prefix`, in key order, merged over all layers. For small ranges
    /// (an account's balances, the supply), not for unbounded scans.
    virtual std::map<Bytes, Bytes> collect(const Bytes& prefix) const = 0;

    void put(Bytes key, Bytes value) { set(std::move(key), std::move(value)); }
    void erase(Bytes key) { set(std::move(key), std::nullopt); }
};

/// Writes over a parent view, applied to it by write() or dropped with the object.
class CacheView final : public KvView {
public:
    explicit CacheView(KvView& parent) : m_parent(parent) {}
    std::optional<Bytes> get(const Bytes& key) const override;
    void set(Bytes key, std::optional<Bytes> value) override;
    std::map<Bytes, Bytes> collect(const Bytes& prefix) const override;
    void write();  // into the parent, then empty
    void clear() { m_writes.clear(); }

private:
    KvView& m_parent;
    std::map<Bytes, std::optional<Bytes>> m_writes;
};

class StateOverlay final : public KvView {
public:
    StateOverlay(KvStore& kv, std::string column);

    /// False until the genesis state has been sealed and persisted.
    bool initialized() const { return m_initialized; }
    std::int64_t height() const { return m_height; }
    const crypto::Hash256& app_hash() const { return m_app_hash; }

    std::optional<Bytes> get(const Bytes& key) const override;
    void set(Bytes key, std::optional<Bytes> value) override;
    std::map<Bytes, Bytes> collect(const Bytes& prefix) const override;
    /// Visits the committed store only (start-up index rebuilds): no block may be open.
    void scan_committed(const Bytes& prefix,
                        const std::function<bool(ByteView key, ByteView value)>& visit) const;

    /// End of finalize_block: the app hash over this block's writes; they become one batch,
    /// with the meta record, that persist() (commit) makes durable. Reads still see them.
    crypto::Hash256 seal(std::int64_t height);
    void persist();

    /// Committed values (and absences) kept in memory after a store read, so hot keys (the fee
    /// collector, the module account, active accounts) are not read from RocksDB at every check.
    /// Bounded by entries and bytes; cleared whole when full; updated by persist().
    static constexpr std::size_t k_read_cache_entries = 1u << 16;
    static constexpr std::size_t k_read_cache_bytes = 32u << 20;

private:
    struct KeyHash {
        std::size_t operator()(const Bytes& k) const {
            return std::hash<std::string_view>()(
                std::string_view(reinterpret_cast<const char*>(k.data()), k.size()));
        }
    };
    void remember(const Bytes& key, const std::optional<Bytes>& value) const;

    KvStore& m_kv;
    std::string m_column;
    bool m_initialized = false;
    std::int64_t m_height = 0;
    crypto::Hash256 m_app_hash{};
    std::map<Bytes, std::optional<Bytes>> m_dirty;        // this block's writes
    WriteBatch m_sealed;                                  // sealed by finalize, written by commit
    std::map<Bytes, std::optional<Bytes>> m_sealed_view;  // the same writes, for reads
    mutable std::unordered_map<Bytes, std::optional<Bytes>, KeyHash> m_reads;  // committed
    mutable std::size_t m_read_bytes = 0;
};

}  // namespace seer::store
