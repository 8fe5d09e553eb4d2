#include "seer/store/state_overlay.hpp"

#include "seer/common/check.hpp"

namespace seer::store {

namespace {

// The meta record: height (u64 BE) | app hash (32). Key "\0meta" sorts before every module
// prefix, which are printable letters.
const Bytes k_meta_key{0x00, 'm', 'e', 't', 'a'};

bool has_prefix(const Bytes& key, const Bytes& prefix) {
    return key.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), key.begin());
}

void merge(std::map<Bytes, Bytes>& out, const std::map<Bytes, std::optional<Bytes>>& writes,
           const Bytes& prefix) {
    for (auto it = writes.lower_bound(prefix); it != writes.end() && has_prefix(it->first, prefix);
         ++it) {
        if (it->second) {
            out[it->first] = *it->second;
        } else {
            out.erase(it->first);
        }
    }
}

}  // namespace

std::optional<Bytes> CacheView::get(const Bytes& key) const {
    if (auto it = m_writes.find(key); it != m_writes.end()) return it->second;
    return m_parent.get(key);
}

void CacheView::set(Bytes key, std::optional<Bytes> value) {
    m_writes[std::move(key)] = std::move(value);
}

std::map<Bytes, Bytes> CacheView::collect(const Bytes& prefix) const {
    auto out = m_parent.collect(prefix);
    merge(out, m_writes, prefix);
    return out;
}

void CacheView::write() {
    for (auto& [key, value] : m_writes)
        m_parent.set(key, std::move(value));
    m_writes.clear();
}

StateOverlay::StateOverlay(KvStore& kv, std::string column) : m_kv(kv), m_column(std::move(column)) {
    if (auto meta = m_kv.get(m_column, k_meta_key)) {
        SEER_CHECK(meta->size() == 8 + 32);
        m_height = static_cast<std::int64_t>(read_be(ByteView(meta->data(), 8)));
        std::copy(meta->begin() + 8, meta->end(), m_app_hash.begin());
        m_initialized = true;
    }
}

std::optional<Bytes> StateOverlay::get(const Bytes& key) const {
    if (auto it = m_dirty.find(key); it != m_dirty.end()) return it->second;
    if (auto it = m_sealed_view.find(key); it != m_sealed_view.end()) return it->second;
    if (auto it = m_reads.find(key); it != m_reads.end()) return it->second;
    auto value = m_kv.get(m_column, key);
    remember(key, value);
    return value;
}

void StateOverlay::remember(const Bytes& key, const std::optional<Bytes>& value) const {
    const std::size_t cost = key.size() + (value ? value->size() : 0) + 64;
    if (cost > k_read_cache_bytes / 64) return;  // a large value is read from the store again
    if (m_reads.size() >= k_read_cache_entries || m_read_bytes + cost > k_read_cache_bytes) {
        m_reads.clear();
        m_read_bytes = 0;
    }
    auto [it, added] = m_reads.try_emplace(key, value);
    if (!added) {
        m_read_bytes -= it->first.size() + (it->second ? it->second->size() : 0) + 64;
        it->second = value;
    }
    m_read_bytes += cost;
}

void StateOverlay::set(Bytes key, std::optional<Bytes> value) {
    SEER_CHECK(key != k_meta_key);
    m_dirty[std::move(key)] = std::move(value);
}

std::map<Bytes, Bytes> StateOverlay::collect(const Bytes& prefix) const {
    std::map<Bytes, Bytes> out;
    m_kv.scan(m_column, prefix, prefix, [&](ByteView key, ByteView value) {
        out.emplace(Bytes(key.begin(), key.end()), Bytes(value.begin(), value.end()));
        return true;
    });
    merge(out, m_sealed_view, prefix);
    merge(out, m_dirty, prefix);
    return out;
}

void StateOverlay::scan_committed(
    const Bytes& prefix, const std::function<bool(ByteView key, ByteView value)>& visit) const {
    SEER_CHECK(m_dirty.empty() && m_sealed_view.empty());
    m_kv.scan(m_column, prefix, prefix, visit);
}

crypto::Hash256 StateOverlay::seal(std::int64_t height) {
    SEER_CHECK(m_sealed.empty());  // finalize_block twice without commit
    crypto::Sha256 h;
    h.update(as_bytes("seer/app-hash/v1")).update(m_app_hash);
    Bytes head;
    append_be(head, static_cast<std::uint64_t>(height));
    h.update(head);
    WriteBatch batch;
    for (const auto& [key, value] : m_dirty) {
        Bytes frame;
        append_be(frame, key.size());
        h.update(frame).update(key);
        const std::uint8_t present = value ? 1 : 0;
        h.update(ByteView(&present, 1));
        if (value) {
            Bytes len;
            append_be(len, value->size());
            h.update(len).update(*value);
            batch.put(m_column, key, *value);
        } else {
            batch.erase(m_column, key);
        }
    }
    m_app_hash = h.finish();
    m_height = height;
    Bytes meta;
    append_be(meta, static_cast<std::uint64_t>(height));
    meta.insert(meta.end(), m_app_hash.begin(), m_app_hash.end());
    batch.put(m_column, k_meta_key, meta);
    m_sealed = std::move(batch);
    m_sealed_view = std::move(m_dirty);
    m_dirty.clear();
    return m_app_hash;
}

void StateOverlay::persist() {
    if (m_sealed.empty()) return;
    m_kv.write(m_sealed, true);
    // The cache holds committed values: the block's writes replace what it read before them.
    for (const auto& [key, value] : m_sealed_view) {
        if (auto it = m_reads.find(key); it != m_reads.end()) {
            m_read_bytes -= it->first.size() + (it->second ? it->second->size() : 0) + 64;
            m_reads.erase(it);
        }
        remember(key, value);
    }
    m_sealed.clear();
    m_sealed_view.clear();
    m_initialized = true;
}

}  // namespace seer::store
