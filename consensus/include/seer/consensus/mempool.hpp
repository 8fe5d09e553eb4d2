#pragma once
// The mempool: txs waiting for a block. Bounded by count and bytes, deduplicated by hash with
// a cache of recently seen hashes, check_tx on entry and a re-check after every commit, FIFO
// reaping up to a byte limit. Owned by the consensus thread.

#include <cstdint>
#include <deque>
#include <list>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "seer/common/histogram.hpp"
#include "seer/consensus/application.hpp"
#include "seer/consensus/types.hpp"

namespace seer::consensus {

struct MempoolOptions {
    std::size_t max_txs = 5000;
    std::size_t max_bytes = 64u << 20;
    std::size_t max_tx_bytes = 1u << 20;
    std::size_t cache_size = 10000;
};

enum class MempoolAddResult { added, duplicate, full, too_large, rejected };

/// What the mempool counts for CometBFT's mempool metrics (docs/metrics.md), since the process
/// started. Written on the consensus thread and read there; the histogram is atomic.
struct MempoolMetrics {
    std::uint64_t failed = 0;    // check_tx refused the tx
    std::uint64_t rejected = 0;  // a limit refused it: the mempool was full, or the tx too large
    std::uint64_t evicted = 0;   // in the mempool, then invalid at a re-check
    std::uint64_t rechecks = 0;  // check_tx runs of kind recheck
    /// Sizes of the txs added (CometBFT's buckets: 1, 3, 9, ... 729 bytes).
    Histogram tx_bytes{Histogram::exponential(1, 3, 7)};
};

class Mempool {
public:
    Mempool(MempoolOptions options, Application& app);

    /// check_tx and insert. `response` receives the app's answer when it was asked.
    MempoolAddResult add(Bytes tx, CheckTxResponse* response = nullptr);
    /// FIFO txs whose total size stays within max_bytes.
    std::vector<Bytes> reap(std::int64_t max_bytes) const;
    /// After a commit: drop the committed txs, then re-check the rest.
    void update(const std::vector<Bytes>& committed);

    std::size_t size() const { return m_txs.size(); }
    std::size_t bytes() const { return m_bytes; }
    std::vector<Bytes> txs(std::size_t limit) const;
    const MempoolMetrics& metrics() const { return m_metrics; }

private:
    void remember(const Hash& hash);
    MempoolOptions m_options;
    Application& m_app;
    std::list<std::pair<Hash, Bytes>> m_txs;  // FIFO
    std::unordered_map<std::string, std::list<std::pair<Hash, Bytes>>::iterator> m_index;
    std::unordered_set<std::string> m_cache;
    std::deque<std::string> m_cache_order;
    std::size_t m_bytes = 0;
    MempoolMetrics m_metrics;
};

}  // namespace seer::consensus
