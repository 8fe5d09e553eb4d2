#pragma once
// Verified signatures, so a node checks a tx's signature once: at check_tx. The same (key, sign
// doc, signature) at the mempool's re-checks, prepare_proposal, process_proposal and
// finalize_block is a lookup (issue 10; CometBFT apps get the same from the SDK's sig cache).
// A verdict is a pure function of the triple, so caching it cannot change any outcome. Only
// successes are kept: a bad signature costs its sender one verification per attempt.

#include <cstdint>
#include <cstring>
#include <unordered_set>

#include "seer/common/bytes.hpp"
#include "seer/crypto/account_key.hpp"
#include "seer/crypto/hash.hpp"

namespace seer::app {

class SigCache {
public:
    /// Two generations of this many entries each: about two full mempools of txs.
    static constexpr std::size_t k_generation = 32768;

    bool verify(const crypto::AccountPubKey& key, ByteView message, ByteView signature) {
        const crypto::Hash256 id = triple_id(key, message, signature);
        if (m_current.count(id) || m_previous.count(id)) {
            ++m_hits;
            return true;
        }
        if (!key.verify(message, signature)) return false;
        if (m_current.size() >= k_generation) {
            m_previous = std::move(m_current);
            m_current.clear();
        }
        m_current.insert(id);
        return true;
    }
    std::uint64_t hits() const { return m_hits; }

private:
    struct IdHash {
        std::size_t operator()(const crypto::Hash256& h) const {
            std::size_t v;
            std::memcpy(&v, h.data(), sizeof v);
            return v;
        }
    };
    static crypto::Hash256 triple_id(const crypto::AccountPubKey& key, ByteView message,
                                     ByteView signature) {
        const std::uint8_t type = static_cast<std::uint8_t>(key.type);
        const std::uint8_t lengths[2] = {static_cast<std::uint8_t>(key.key.size()),
                                         static_cast<std::uint8_t>(signature.size())};
        crypto::Sha256 h;
        h.update(ByteView(&type, 1)).update(ByteView(lengths, 2)).update(key.key);
        h.update(signature).update(message);
        return h.finish();
    }

    std::unordered_set<crypto::Hash256, IdHash> m_current;
    std::unordered_set<crypto::Hash256, IdHash> m_previous;
    std::uint64_t m_hits = 0;
};

}  // namespace seer::app
