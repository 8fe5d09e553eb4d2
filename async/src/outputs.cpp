#include "seer/async/outputs.hpp"

namespace seer::async {

namespace {

// Chunk 0's value is the total size (u64 BE) followed by the first chunk's bytes, so `has` and
// the size take one read.
Bytes chunk_key(const crypto::Hash256& h, std::uint32_t index) {
    Bytes k(h.begin(), h.end());
    append_be(k, index, 4);
    return k;
}

class RocksOutputStore final : public OutputStore {
public:
    explicit RocksOutputStore(store::KvStore& kv) : m_kv(kv) {}

    void put(const crypto::Hash256& sha256, ByteView bytes) override {
        if (has(sha256)) return;
        store::WriteBatch batch;
        const std::uint64_t total = bytes.size();
        const std::size_t n =
            bytes.empty() ? 1 : (bytes.size() + k_output_chunk_bytes - 1) / k_output_chunk_bytes;
        for (std::size_t index = 0; index < n; ++index) {
            const std::size_t off = index * k_output_chunk_bytes;
            const std::size_t len = std::min(k_output_chunk_bytes, bytes.size() - off);
            Bytes value;
            if (index == 0) append_be(value, total);
            value.insert(value.end(), bytes.begin() + static_cast<std::ptrdiff_t>(off),
                         bytes.begin() + static_cast<std::ptrdiff_t>(off + len));
            batch.put(k_outputs_column, chunk_key(sha256, static_cast<std::uint32_t>(index)),
                      value);
        }
        m_kv.write(batch, false);  // lost in a crash: fetched or re-executed again
    }

    bool has(const crypto::Hash256& sha256) const override {
        return m_kv.get(k_outputs_column, chunk_key(sha256, 0)).has_value();
    }

    std::optional<std::pair<std::uint64_t, Bytes>> chunk(const crypto::Hash256& sha256,
                                                         std::uint32_t index) const override {
        auto first = m_kv.get(k_outputs_column, chunk_key(sha256, 0));
        if (!first || first->size() < 8) return std::nullopt;
        const std::uint64_t total = read_be(ByteView(*first).first(8));
        if (index == 0) return std::make_pair(total, Bytes(first->begin() + 8, first->end()));
        auto v = m_kv.get(k_outputs_column, chunk_key(sha256, index));
        if (!v) return std::nullopt;
        return std::make_pair(total, std::move(*v));
    }

    std::optional<Bytes> get(const crypto::Hash256& sha256) const override {
        auto first = chunk(sha256, 0);
        if (!first) return std::nullopt;
        Bytes out = std::move(first->second);
        for (std::uint32_t i = 1; out.size() < first->first; ++i) {
            auto c = chunk(sha256, i);
            if (!c || c->second.empty()) return std::nullopt;
            out.insert(out.end(), c->second.begin(), c->second.end());
        }
        if (out.size() != first->first) return std::nullopt;
        return out;
    }

private:
    store::KvStore& m_kv;
};

}  // namespace

std::unique_ptr<OutputStore> make_output_store(store::KvStore& kv) {
    return std::make_unique<RocksOutputStore>(kv);
}

}  // namespace seer::async
