#include "seer/consensus/validator_set.hpp"

#include <algorithm>
#include <limits>

#include "canonical.hpp"
#include "seer/common/check.hpp"

namespace seer::consensus {

namespace {
__extension__ typedef __int128 Int128;  // sums of priorities; CometBFT uses big.Int
// CometBFT's PriorityWindowSizeFactor: priorities are kept within 2 * total power.
constexpr std::int64_t k_priority_window_factor = 2;
}  // namespace

ValidatorSet ValidatorSet::from_genesis(std::vector<Validator> validators) {
    ValidatorSet set;
    std::sort(validators.begin(), validators.end(), [](const Validator& a, const Validator& b) {
        if (a.voting_power != b.voting_power) return a.voting_power > b.voting_power;
        return a.address < b.address;
    });
    for (auto& v : validators) {
        SEER_CHECK(v.voting_power > 0);
        v.proposer_priority = 0;
        set.m_total += v.voting_power;
    }
    set.m_validators = std::move(validators);
    if (!set.m_validators.empty()) set.increment_proposer_priority(1);
    set.m_hash = set.compute_hash();  // the members and powers never change after this
    set.m_hashed = true;
    return set;
}

std::optional<std::size_t> ValidatorSet::index_of(const Address& address) const {
    for (std::size_t i = 0; i < m_validators.size(); ++i)
        if (m_validators[i].address == address) return i;
    return std::nullopt;
}

const Validator& ValidatorSet::proposer() const {
    SEER_CHECK(!m_validators.empty());
    return m_validators[m_proposer];
}

std::size_t ValidatorSet::most_priority() const {
    std::size_t best = 0;
    for (std::size_t i = 1; i < m_validators.size(); ++i) {
        const auto& v = m_validators[i];
        const auto& b = m_validators[best];
        if (v.proposer_priority > b.proposer_priority ||
            (v.proposer_priority == b.proposer_priority && v.address < b.address))
            best = i;
    }
    return best;
}

void ValidatorSet::rescale_priorities(std::int64_t diff_max) {
    if (diff_max <= 0 || m_validators.empty()) return;
    std::int64_t lo = std::numeric_limits<std::int64_t>::max();
    std::int64_t hi = std::numeric_limits<std::int64_t>::min();
    for (const auto& v : m_validators) {
        lo = std::min(lo, v.proposer_priority);
        hi = std::max(hi, v.proposer_priority);
    }
    const std::int64_t diff = hi - lo;
    if (diff > diff_max) {
        const std::int64_t ratio = (diff + diff_max - 1) / diff_max;
        for (auto& v : m_validators) v.proposer_priority /= ratio;  // truncates, as Go does
    }
}

void ValidatorSet::shift_by_average() {
    if (m_validators.empty()) return;
    Int128 sum = 0;
    for (const auto& v : m_validators) sum += v.proposer_priority;
    const auto n = static_cast<Int128>(m_validators.size());
    // Floor division, as Go's big.Int.Div (Euclidean) for a positive divisor.
    Int128 avg = sum / n;
    if (sum % n != 0 && sum < 0) --avg;
    for (auto& v : m_validators) v.proposer_priority -= static_cast<std::int64_t>(avg);
}

void ValidatorSet::increment_proposer_priority(std::int64_t times) {
    SEER_CHECK(times > 0 && !m_validators.empty());
    rescale_priorities(k_priority_window_factor * m_total);
    shift_by_average();
    for (std::int64_t i = 0; i < times; ++i) {
        for (auto& v : m_validators) v.proposer_priority += v.voting_power;
        m_proposer = most_priority();
        m_validators[m_proposer].proposer_priority -= m_total;
    }
}

ValidatorSet ValidatorSet::copy_increment(std::int64_t times) const {
    ValidatorSet copy = *this;
    if (times > 0) copy.increment_proposer_priority(times);
    return copy;
}

Hash ValidatorSet::hash() const {
    return m_hashed ? m_hash : compute_hash();
}

Hash ValidatorSet::compute_hash() const {
    detail::CanonicalWriter w;
    w.str("seer/validator-set/v1").u32(static_cast<std::uint32_t>(m_validators.size()));
    for (const auto& v : m_validators) w.raw(v.address).raw(v.pub_key).i64(v.voting_power);
    return crypto::sha256(w.take());
}

}  // namespace seer::consensus
