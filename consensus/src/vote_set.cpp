#include "seer/consensus/vote_set.hpp"

#include "seer/common/check.hpp"

namespace seer::consensus {

VoteSet::VoteSet(const ValidatorSet* validators, std::int64_t height, std::int32_t round,
                 VoteType type)
    : m_validators(validators),
      m_height(height),
      m_round(round),
      m_type(type),
      m_votes(validators->size()) {}

AddVoteResult VoteSet::add(const Vote& vote, Equivocation* evidence) {
    if (vote.height != m_height || vote.round != m_round || vote.type != m_type)
        return AddVoteResult::invalid;
    if (vote.validator_index < 0 ||
        static_cast<std::size_t>(vote.validator_index) >= m_votes.size())
        return AddVoteResult::invalid;
    const auto index = static_cast<std::size_t>(vote.validator_index);
    const Validator& validator = m_validators->at(index);
    if (validator.address != vote.validator_address) return AddVoteResult::invalid;

    auto& slot = m_votes[index];
    if (slot) {
        if (slot->block_id == vote.block_id) return AddVoteResult::duplicate;
        // Equivocation: the first vote keeps counting; the second is evidence only.
        if (evidence) *evidence = Equivocation{*slot, vote};
        return AddVoteResult::conflicting;
    }
    slot = vote;
    const std::int64_t power = validator.voting_power;
    m_total += power;
    const std::int64_t for_block = (m_power_by_block[vote.block_id] += power);
    if (!m_majority && m_validators->is_two_thirds(for_block)) m_majority = vote.block_id;
    return AddVoteResult::added;
}

std::int64_t VoteSet::power_for(const BlockId& id) const {
    auto it = m_power_by_block.find(id);
    return it == m_power_by_block.end() ? 0 : it->second;
}

std::vector<bool> VoteSet::bit_array() const {
    std::vector<bool> bits(m_votes.size());
    for (std::size_t i = 0; i < m_votes.size(); ++i) bits[i] = m_votes[i].has_value();
    return bits;
}

std::vector<Vote> VoteSet::votes() const {
    std::vector<Vote> out;
    for (const auto& v : m_votes)
        if (v) out.push_back(*v);
    return out;
}

ExtendedCommit VoteSet::make_extended_commit() const {
    SEER_CHECK(m_type == VoteType::precommit && m_majority && !m_majority->is_nil());
    ExtendedCommit commit;
    commit.height = m_height;
    commit.round = m_round;
    commit.block_id = *m_majority;
    commit.signatures.resize(m_votes.size());
    for (std::size_t i = 0; i < m_votes.size(); ++i) {
        auto& sig = commit.signatures[i];
        sig.validator_address = m_validators->at(i).address;
        const auto& v = m_votes[i];
        if (!v) {
            sig.flag = BlockIdFlag::absent;
            continue;
        }
        sig.signature.assign(v->signature.begin(), v->signature.end());
        if (v->block_id == *m_majority) {
            sig.flag = BlockIdFlag::commit;
            sig.extension = v->extension;
            sig.extension_signature = v->extension_signature;
        } else if (v->block_id.is_nil()) {
            sig.flag = BlockIdFlag::nil;
        } else {
            // A precommit for another block cannot be represented in the commit.
            sig.flag = BlockIdFlag::absent;
            sig.signature.clear();
        }
    }
    return commit;
}

HeightVoteSet::HeightVoteSet(const ValidatorSet* validators, std::int64_t height)
    : m_validators(validators), m_height(height) {}

VoteSet& HeightVoteSet::get(std::int32_t round, VoteType type) {
    auto it = m_rounds.find(round);
    if (it == m_rounds.end()) {
        it = m_rounds
                 .emplace(round, std::make_pair(
                                     VoteSet(m_validators, m_height, round, VoteType::prevote),
                                     VoteSet(m_validators, m_height, round, VoteType::precommit)))
                 .first;
    }
    return type == VoteType::prevote ? it->second.first : it->second.second;
}

AddVoteResult HeightVoteSet::add(const Vote& vote, Equivocation* evidence) {
    if (vote.height != m_height || vote.round < 0) return AddVoteResult::invalid;
    return get(vote.round, vote.type).add(vote, evidence);
}

VoteSet& HeightVoteSet::prevotes(std::int32_t round) { return get(round, VoteType::prevote); }
VoteSet& HeightVoteSet::precommits(std::int32_t round) { return get(round, VoteType::precommit); }

const VoteSet* HeightVoteSet::find(std::int32_t round, VoteType type) const {
    auto it = m_rounds.find(round);
    if (it == m_rounds.end()) return nullptr;
    return type == VoteType::prevote ? &it->second.first : &it->second.second;
}

std::int64_t HeightVoteSet::round_power(std::int32_t round) const {
    auto it = m_rounds.find(round);
    if (it == m_rounds.end()) return 0;
    std::int64_t power = 0;
    for (std::size_t i = 0; i < m_validators->size(); ++i) {
        if (it->second.first.has(i) || it->second.second.has(i))
            power += m_validators->at(i).voting_power;
    }
    return power;
}

std::int32_t HeightVoteSet::max_round() const {
    return m_rounds.empty() ? -1 : m_rounds.rbegin()->first;
}

}  // namespace seer::consensus
