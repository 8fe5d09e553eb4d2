#pragma once
// Vote sets: the votes of one (height, round, type), tallied by voting power, with
// equivocation detection; and the per-height collection over rounds.
// Votes are added only after their signatures were checked (by the driver).

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "seer/consensus/types.hpp"
#include "seer/consensus/validator_set.hpp"

namespace seer::consensus {

enum class AddVoteResult {
    added,
    duplicate,    // the same vote again
    conflicting,  // another vote of the same validator for another block: equivocation
    invalid,      // wrong height/round/type, unknown validator or index mismatch
};

/// Distinct votes kept per validator in one set. The first is the validator's vote; the others
/// are equivocations. Each counts towards the block it names (as the paper counts messages per
/// value), so a byzantine validator that splits a polka between honest nodes cannot hide it
/// from the nodes that gossip brings both versions to. A validator counts once in the total.
inline constexpr std::size_t k_max_votes_per_validator = 3;

/// Two signed votes of one validator for one (height, round, type): proof of equivocation.
struct Equivocation {
    Vote first;
    Vote second;
};

class VoteSet {
public:
    VoteSet(const ValidatorSet* validators, std::int64_t height, std::int32_t round,
            VoteType type);

    AddVoteResult add(const Vote& vote, Equivocation* evidence = nullptr);
    bool has(std::size_t validator_index) const { return !m_votes.at(validator_index).empty(); }
    /// The validator's first vote.
    std::optional<Vote> get(std::size_t validator_index) const;
    /// The validator's vote for `id`, if it cast one (its first vote or an equivocation).
    const Vote* vote_for(std::size_t validator_index, const BlockId& id) const;
    bool contains(const Vote& vote) const;
    /// Every vote kept of a validator, its first vote first.
    const std::vector<Vote>& votes_of(std::size_t validator_index) const {
        return m_votes.at(validator_index);
    }
    /// The block (possibly nil) with +2/3 of the power, if any.
    std::optional<BlockId> two_thirds_majority() const { return m_majority; }
    bool has_two_thirds_any() const { return m_validators->is_two_thirds(m_total); }
    std::int64_t power_for(const BlockId& id) const;
    std::int64_t total_power() const { return m_total; }
    std::vector<bool> bit_array() const;
    std::vector<Vote> votes() const;

    /// For a precommit set with a non-nil +2/3 majority: the extended commit.
    ExtendedCommit make_extended_commit() const;

private:
    const ValidatorSet* m_validators;
    std::int64_t m_height;
    std::int32_t m_round;
    VoteType m_type;
    std::vector<std::vector<Vote>> m_votes;  // by validator index; first vote first
    std::map<BlockId, std::int64_t> m_power_by_block;
    std::int64_t m_total = 0;
    std::optional<BlockId> m_majority;
};

/// Prevotes and precommits of every round of one height.
class HeightVoteSet {
public:
    HeightVoteSet(const ValidatorSet* validators, std::int64_t height);

    AddVoteResult add(const Vote& vote, Equivocation* evidence = nullptr);
    VoteSet& prevotes(std::int32_t round);
    VoteSet& precommits(std::int32_t round);
    const VoteSet* find(std::int32_t round, VoteType type) const;
    /// Power of the distinct validators with any vote in `round` (round skipping, f+1).
    std::int64_t round_power(std::int32_t round) const;
    std::int32_t max_round() const;

private:
    VoteSet& get(std::int32_t round, VoteType type);
    const ValidatorSet* m_validators;
    std::int64_t m_height;
    std::map<std::int32_t, std::pair<VoteSet, VoteSet>> m_rounds;
};

}  // namespace seer::consensus
