// In-memory KvStore for the simulation and tests.
//
// One std::map per column family, ordered like RocksDB's default comparator (lexicographic on
// unsigned bytes, a shorter key before its extensions). Thread-safe: every call takes the
// store's mutex, and a batch is applied under one lock so readers never see half of it.
//
// Scans do not hold the lock while the visitor runs (the visitor may call back into the store,
// even write to it). They copy a bounded chunk of entries under the lock, release it, visit the
// chunk, and resume after the last visited key. Each key is visited at most once and in order;
// unlike a RocksDB iterator, a scan is not a snapshot: a write that lands during a long scan
// may or may not be seen by its later chunks.

#include <algorithm>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "prefix.hpp"
#include "seer/common/check.hpp"
#include "seer/store/kv.hpp"

namespace seer::store {
namespace {

using detail::starts_with;

// Lexicographic unsigned-byte order, usable with Bytes and ByteView alike.
struct ByteLess {
    using is_transparent = void;
    bool operator()(ByteView a, ByteView b) const {
        return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
    }
};

using Column = std::map<Bytes, Bytes, ByteLess>;

// Entries copied per lock acquisition during a scan.
constexpr std::size_t k_scan_chunk = 128;

class MemoryKvStore final : public KvStore {
public:
    explicit MemoryKvStore(const std::vector<std::string>& columns) {
        m_columns.emplace("default", Column{});
        for (const auto& name : columns)
            m_columns.emplace(name, Column{});
    }

    std::optional<Bytes> get(std::string_view column, ByteView key) const override {
        std::lock_guard lock(m_mutex);
        const Column& col = find(column);
        auto it = col.find(key);
        if (it == col.end()) return std::nullopt;
        return it->second;
    }

    void write(const WriteBatch& batch, bool /*sync*/) override {
        std::lock_guard lock(m_mutex);
        // Resolve every column first so an unknown one aborts before anything is applied.
        std::vector<Column*> targets;
        targets.reserve(batch.ops().size());
        for (const auto& op : batch.ops())
            targets.push_back(&find(op.column));
        for (std::size_t i = 0; i < batch.ops().size(); ++i) {
            const auto& op = batch.ops()[i];
            if (op.erase) {
                auto it = targets[i]->find(ByteView(op.key));
                if (it != targets[i]->end()) targets[i]->erase(it);
            } else {
                (*targets[i])[op.key] = op.value;
            }
        }
    }

    std::uint64_t approximate_bytes(std::string_view column) const override {
        std::lock_guard lock(m_mutex);
        std::uint64_t total = 0;
        for (const auto& [key, value] : find(column))
            total += key.size() + value.size();
        return total;
    }

    void scan(std::string_view column, ByteView prefix, ByteView start,
              const std::function<bool(ByteView key, ByteView value)>& visit) const override {
        Bytes from = ByteLess{}(start, prefix) ? Bytes(prefix.begin(), prefix.end())
                                               : Bytes(start.begin(), start.end());
        bool inclusive = true;
        std::vector<std::pair<Bytes, Bytes>> chunk;
        for (;;) {
            chunk.clear();
            {
                std::lock_guard lock(m_mutex);
                const Column& col = find(column);
                auto it =
                    inclusive ? col.lower_bound(ByteView(from)) : col.upper_bound(ByteView(from));
                for (; it != col.end() && chunk.size() < k_scan_chunk; ++it) {
                    if (!starts_with(it->first, prefix)) break;
                    chunk.emplace_back(it->first, it->second);
                }
            }
            for (const auto& [key, value] : chunk) {
                if (!visit(key, value)) return;
            }
            if (chunk.size() < k_scan_chunk) return;
            from = std::move(chunk.back().first);
            inclusive = false;
        }
    }

    void scan_reverse(
        std::string_view column, ByteView prefix,
        const std::function<bool(ByteView key, ByteView value)>& visit) const override {
        std::optional<Bytes> before;  // resume strictly before this key; none = from the end
        std::vector<std::pair<Bytes, Bytes>> chunk;
        for (;;) {
            chunk.clear();
            {
                std::lock_guard lock(m_mutex);
                const Column& col = find(column);
                // First entry past the range: strictly after every key with `prefix`, or the
                // resume point.
                Column::const_iterator it;
                if (before) {
                    it = col.lower_bound(ByteView(*before));
                } else if (auto end = detail::prefix_successor(prefix)) {
                    it = col.lower_bound(ByteView(*end));
                } else {
                    it = col.end();
                }
                while (it != col.begin() && chunk.size() < k_scan_chunk) {
                    --it;
                    if (!starts_with(it->first, prefix)) break;
                    chunk.emplace_back(it->first, it->second);
                }
            }
            for (const auto& [key, value] : chunk) {
                if (!visit(key, value)) return;
            }
            if (chunk.size() < k_scan_chunk) return;
            before = std::move(chunk.back().first);
        }
    }

private:
    const Column& find(std::string_view column) const {
        auto it = m_columns.find(column);
        if (it == m_columns.end()) {
            std::string msg = "memory store: unknown column family '" + std::string(column) + "'";
            SEER_BUG(msg.c_str());
        }
        return it->second;
    }
    Column& find(std::string_view column) {
        return const_cast<Column&>(std::as_const(*this).find(column));
    }

    mutable std::mutex m_mutex;
    std::map<std::string, Column, std::less<>> m_columns;  // the set of names is fixed
};

}  // namespace

std::shared_ptr<KvStore> make_memory_store(const std::vector<std::string>& columns) {
    return std::make_shared<MemoryKvStore>(columns);
}

}  // namespace seer::store
