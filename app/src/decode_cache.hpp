#pragma once
// Decoded txs, so a node decodes a tx once: at check_tx. The same bytes at the mempool's
// re-checks, prepare_proposal, process_proposal and finalize_block are a lookup (issue 10).
// Decoding (five protobuf parses, the canonical-encoding checks, bech32 addresses, coins) is
// a pure function of the bytes and reads no state, so caching it cannot change any outcome.
// Only successes are kept; the key is the whole tx, so equal keys mean equal bytes.

#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "app_impl.hpp"

namespace seer::app::detail {

class DecodeCache {
public:
    /// Two generations of this many txs each: more than a full mempool (5,000 by default)...
    static constexpr std::size_t k_generation = 8192;
    /// ...and of at most this many bytes of tx each. A tx above k_max_cached_bytes is decoded
    /// again each time: a decode succeeds before any signature check, so a flood of large
    /// well-formed txs must not be able to grow the cache beyond these bytes.
    static constexpr std::size_t k_generation_bytes = 16u << 20;
    static constexpr std::size_t k_max_cached_bytes = 64u << 10;

    std::shared_ptr<const DecodedTx> find(ByteView bytes) const {
        const std::string_view key(reinterpret_cast<const char*>(bytes.data()), bytes.size());
        if (auto it = m_current.find(key); it != m_current.end()) return it->second;
        if (auto it = m_previous.find(key); it != m_previous.end()) return it->second;
        return nullptr;
    }
    void insert(ByteView bytes, std::shared_ptr<const DecodedTx> tx) {
        if (bytes.size() > k_max_cached_bytes) return;
        // A decoded tx holds about three copies of its bytes (the key, TxRaw, body and auth).
        const std::size_t cost = 3 * bytes.size() + 512;
        if (m_current.size() >= k_generation || m_current_bytes + cost > k_generation_bytes) {
            m_previous = std::move(m_current);
            m_current.clear();
            m_current_bytes = 0;
        }
        m_current_bytes += cost;
        m_current.emplace(std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()),
                          std::move(tx));
    }

private:
    struct KeyHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
    };
    using Map = std::unordered_map<std::string, std::shared_ptr<const DecodedTx>, KeyHash,
                                   std::equal_to<>>;
    Map m_current;
    Map m_previous;
    std::size_t m_current_bytes = 0;
};

}  // namespace seer::app::detail
