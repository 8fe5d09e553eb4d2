#pragma once
// The validator set and CometBFT's proposer selection: weighted round robin with priorities,
// rescaled to a window of 2x total power, centred on zero, ties to the smaller address.

#include <cstdint>
#include <optional>
#include <vector>

#include "seer/consensus/types.hpp"

namespace seer::consensus {

struct Validator {
    Address address{};
    crypto::PublicKey pub_key{};
    std::int64_t voting_power = 0;
    std::int64_t proposer_priority = 0;
    bool operator==(const Validator&) const = default;
};

class ValidatorSet {
public:
    ValidatorSet() = default;
    /// Genesis set: sorted by power (desc) then address (asc), priorities zeroed, then one
    /// increment, as CometBFT's NewValidatorSet.
    static ValidatorSet from_genesis(std::vector<Validator> validators);

    std::size_t size() const { return m_validators.size(); }
    bool empty() const { return m_validators.empty(); }
    const std::vector<Validator>& validators() const { return m_validators; }
    const Validator& at(std::size_t index) const { return m_validators.at(index); }
    std::optional<std::size_t> index_of(const Address& address) const;
    std::int64_t total_power() const { return m_total; }

    /// Current proposer (highest priority, ties to the smaller address).
    const Validator& proposer() const;
    void increment_proposer_priority(std::int64_t times);
    ValidatorSet copy_increment(std::int64_t times) const;

    /// SHA-256 over the canonical encoding of (address, pubkey, power) in order.
    Hash hash() const;

    /// Strictly more than 2/3 of the total power.
    bool is_two_thirds(std::int64_t power) const { return power * 3 > m_total * 2; }
    /// Strictly more than 1/3 of the total power (f+1).
    bool is_one_third(std::int64_t power) const { return power * 3 > m_total; }

private:
    void rescale_priorities(std::int64_t diff_max);
    void shift_by_average();
    std::size_t most_priority() const;
    Hash compute_hash() const;

    std::vector<Validator> m_validators;
    std::int64_t m_total = 0;
    std::size_t m_proposer = 0;
    Hash m_hash{};  // of from_genesis's set (increments change only priorities)
    bool m_hashed = false;
};

}  // namespace seer::consensus
