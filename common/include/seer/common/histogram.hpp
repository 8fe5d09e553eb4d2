#pragma once

// A Prometheus histogram with fixed upper bounds. Observing and reading are lock-free (relaxed
// atomics), so the thread that measures (consensus, p2p) and the thread that renders /metrics
// need no lock between them; a reader may see one observation's bucket before its sum, which a
// scrape tolerates. Not copyable (atomics); snapshot() copies the figures out.

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace seer {

class Histogram {
public:
    /// `bounds`: ascending upper bounds ("le"); a last "+Inf" bucket is implied.
    explicit Histogram(std::vector<double> bounds)
        : m_bounds(std::move(bounds)),
          m_counts(std::make_unique<std::atomic<std::uint64_t>[]>(m_bounds.size() + 1)) {}
    Histogram(const Histogram&) = delete;
    Histogram& operator=(const Histogram&) = delete;

    void observe(double value) {
        const auto at = std::lower_bound(m_bounds.begin(), m_bounds.end(), value) - m_bounds.begin();
        m_counts[static_cast<std::size_t>(at)].fetch_add(1, std::memory_order_relaxed);
        m_sum.fetch_add(value, std::memory_order_relaxed);
        m_count.fetch_add(1, std::memory_order_relaxed);
    }

    struct Snapshot {
        std::vector<double> bounds;
        std::vector<std::uint64_t> buckets;  // not cumulative; one more than bounds (+Inf)
        double sum = 0;
        std::uint64_t count = 0;
    };
    Snapshot snapshot() const {
        Snapshot s;
        s.bounds = m_bounds;
        s.buckets.resize(m_bounds.size() + 1);
        for (std::size_t i = 0; i < s.buckets.size(); ++i)
            s.buckets[i] = m_counts[i].load(std::memory_order_relaxed);
        s.sum = m_sum.load(std::memory_order_relaxed);
        s.count = m_count.load(std::memory_order_relaxed);
        return s;
    }

    // The bucket layouts of Prometheus' Go client, which CometBFT's metrics use.
    static std::vector<double> linear(double start, double width, std::size_t count) {
        std::vector<double> b;
        for (std::size_t i = 0; i < count; ++i) b.push_back(start + width * static_cast<double>(i));
        return b;
    }
    static std::vector<double> exponential(double start, double factor, std::size_t count) {
        std::vector<double> b;
        for (double v = start; b.size() < count; v *= factor) b.push_back(v);
        return b;
    }
    /// `count` bounds from `min` to `max`, each a constant factor above the last.
    static std::vector<double> exponential_range(double min, double max, std::size_t count) {
        const double factor = std::pow(max / min, 1.0 / static_cast<double>(count - 1));
        return exponential(min, factor, count);
    }
    /// Prometheus' DefBuckets (a histogram declared without buckets).
    static std::vector<double> default_seconds() {
        return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
    }

private:
    std::vector<double> m_bounds;
    std::unique_ptr<std::atomic<std::uint64_t>[]> m_counts;
    std::atomic<double> m_sum{0};
    std::atomic<std::uint64_t> m_count{0};
};

}  // namespace seer
