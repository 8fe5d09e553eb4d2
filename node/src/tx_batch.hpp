#pragma once
// Mempool gossip (p2p channel 0x30) carries txs in batches, in CometBFT's mempool wire shape:
// Message { Txs txs = 1 }, Txs { repeated bytes txs = 1 }. One batch per peer collects the txs
// the consensus thread gossips in one run of its queue (or until k_tx_batch_bytes), so a busy
// node sends one encrypted frame, and its peers take one queue hop, per batch, not per tx.
// Private to node/.

#include <optional>
#include <vector>

#include "seer/common/bytes.hpp"
#include "seer/common/wire.hpp"

namespace seer::node::detail {

/// A batch's encoded txs stop growing at this size; one tx larger than it goes alone.
inline constexpr std::size_t k_tx_batch_bytes = 64 * 1024;

/// The largest message a peer may send on the mempool channel, for txs of at most `max_tx`.
inline std::size_t tx_batch_limit(std::size_t max_tx) {
    return (max_tx > k_tx_batch_bytes ? max_tx : k_tx_batch_bytes) + 32;
}

/// Txs { repeated bytes txs = 1 }, built one tx at a time.
class TxBatch {
public:
    /// The encoded size after adding a tx of `size` bytes.
    std::size_t size_with(std::size_t size) const { return m_body.size() + size + 11; }
    void add(ByteView tx) {
        m_body.push_back(0x0a);
        wire::append_varint(m_body, tx.size());
        m_body.insert(m_body.end(), tx.begin(), tx.end());
        ++m_count;
    }
    bool empty() const { return m_count == 0; }
    std::size_t count() const { return m_count; }
    /// Message { txs = 1 }: the bytes to send. Empties the batch.
    Bytes take() {
        Bytes out;
        out.reserve(m_body.size() + 6);
        out.push_back(0x0a);
        wire::append_varint(out, m_body.size());
        out.insert(out.end(), m_body.begin(), m_body.end());
        m_body.clear();
        m_count = 0;
        return out;
    }

private:
    Bytes m_body;
    std::size_t m_count = 0;
};

namespace tx_batch_detail {
/// tag 0x0a | length | bytes at `at`; nullopt when the bytes do not hold exactly that.
inline std::optional<ByteView> read_field(ByteView b, std::size_t& at) {
    if (at >= b.size() || b[at] != 0x0a) return std::nullopt;
    ++at;
    auto len = wire::read_varint(b, at);
    if (!len || *len > b.size() - at) return std::nullopt;
    ByteView out = b.subspan(at, static_cast<std::size_t>(*len));
    at += static_cast<std::size_t>(*len);
    return out;
}
}  // namespace tx_batch_detail

/// The txs of a Message { txs = 1 }; nullopt for anything else (another field, a truncated or
/// trailing byte, an empty tx, no tx at all). Views into `message`.
inline std::optional<std::vector<ByteView>> decode_tx_batch(ByteView message) {
    std::size_t at = 0;
    auto body = tx_batch_detail::read_field(message, at);
    if (!body || at != message.size()) return std::nullopt;
    std::vector<ByteView> txs;
    for (std::size_t i = 0; i < body->size();) {
        auto tx = tx_batch_detail::read_field(*body, i);
        if (!tx || tx->empty()) return std::nullopt;
        txs.push_back(*tx);
    }
    if (txs.empty()) return std::nullopt;
    return txs;
}

}  // namespace seer::node::detail
