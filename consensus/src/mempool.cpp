#include "seer/consensus/mempool.hpp"

#include <unordered_set>

namespace seer::consensus {

namespace {
std::string key_of(const Hash& h) { return std::string(h.begin(), h.end()); }
}  // namespace

Mempool::Mempool(MempoolOptions options, Application& app)
    : m_options(options), m_app(app) {}

void Mempool::remember(const Hash& hash) {
    auto key = key_of(hash);
    if (!m_cache.insert(key).second) return;
    m_cache_order.push_back(std::move(key));
    while (m_cache_order.size() > m_options.cache_size) {
        m_cache.erase(m_cache_order.front());
        m_cache_order.pop_front();
    }
}

MempoolAddResult Mempool::add(Bytes tx, CheckTxResponse* response) {
    if (tx.empty() || tx.size() > m_options.max_tx_bytes) {
        ++m_metrics.rejected;
        return MempoolAddResult::too_large;
    }
    const Hash hash = crypto::sha256(tx);
    const auto key = key_of(hash);
    if (m_index.count(key) || m_cache.count(key)) return MempoolAddResult::duplicate;
    if (m_txs.size() >= m_options.max_txs || m_bytes + tx.size() > m_options.max_bytes) {
        ++m_metrics.rejected;
        return MempoolAddResult::full;
    }
    CheckTxResponse r = m_app.check_tx(tx, CheckTxKind::new_tx);
    if (response) *response = r;
    if (r.code != 0) {
        ++m_metrics.failed;
        return MempoolAddResult::rejected;
    }
    m_metrics.tx_bytes.observe(static_cast<double>(tx.size()));
    remember(hash);
    m_bytes += tx.size();
    m_txs.emplace_back(hash, std::move(tx));
    m_index.emplace(key, std::prev(m_txs.end()));
    return MempoolAddResult::added;
}

std::vector<Bytes> Mempool::reap(std::int64_t max_bytes) const {
    std::vector<Bytes> out;
    std::int64_t total = 0;
    for (const auto& [hash, tx] : m_txs) {
        const auto size = static_cast<std::int64_t>(tx.size());
        if (total + size > max_bytes) break;
        total += size;
        out.push_back(tx);
    }
    return out;
}

std::vector<Bytes> Mempool::txs(std::size_t limit) const {
    std::vector<Bytes> out;
    for (const auto& [hash, tx] : m_txs) {
        if (out.size() >= limit) break;
        out.push_back(tx);
    }
    return out;
}

void Mempool::update(const std::vector<Bytes>& committed) {
    for (const auto& tx : committed) {
        const Hash hash = crypto::sha256(tx);
        remember(hash);  // a committed tx is never accepted again
        auto it = m_index.find(key_of(hash));
        if (it == m_index.end()) continue;
        m_bytes -= it->second->second.size();
        m_txs.erase(it->second);
        m_index.erase(it);
    }
    for (auto it = m_txs.begin(); it != m_txs.end();) {
        ++m_metrics.rechecks;
        if (m_app.check_tx(it->second, CheckTxKind::recheck).code == 0) {
            ++it;
            continue;
        }
        // No longer valid (e.g. its sequence was used): forget it entirely, so the user can
        // send it again once it is valid, as CometBFT does for txs failing re-check.
        ++m_metrics.evicted;
        m_bytes -= it->second.size();
        m_index.erase(key_of(it->first));
        m_cache.erase(key_of(it->first));
        it = m_txs.erase(it);
    }
}

}  // namespace seer::consensus
