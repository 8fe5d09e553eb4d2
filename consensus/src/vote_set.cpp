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
    for (const auto& existing : slot)
        if (existing.block_id == vote.block_id) return AddVoteResult::duplicate;
    const std::int64_t power = validator.voting_power;
    const bool first = slot.empty();
    if (!first) {
        if (evidence) *evidence = Equivocation{slot.front(), vote};
        if (slot.size() >= k_max_votes_per_validator) return AddVoteResult::conflicting;
    }
    slot.push_back(vote);
    if (first) m_total += power;
    const std::int64_t for_block = (m_power_by_block[vote.block_id] += power);
    if (!m_majority && m_validators->is_two_thirds(for_block)) m_majority = vote.block_id;
    return first ? AddVoteResult::added : AddVoteResult::conflicting;
}

std::optional<Vote> VoteSet::get(std::size_t validator_index) const {
    const auto& slot = m_votes.at(validator_index);
    if (slot.empty()) return std::nullopt;
    return slot.front();
}

const Vote* VoteSet::vote_for(std::size_t validator_index, const BlockId& id) const {
    for (const auto& v : m_votes.at(validator_index))
        if (v.block_id == id) return &v;
    return nullptr;
}

bool VoteSet::contains(const Vote& vote) const {
    if (vote.validator_index < 0 ||
        static_cast<std::size_t>(vote.validator_index) >= m_votes.size())
        return false;
    for (const auto& v : m_votes[static_cast<std::size_t>(vote.validator_index)])
        if (v == vote) return true;
    return false;
}

std::int64_t VoteSet::power_for(const BlockId& id) const {
    auto it = m_power_by_block.find(id);
    return it == m_power_by_block.end() ? 0 : it->second;
}

std::vector<bool> VoteSet::bit_array() const {
    std::vector<bool> bits(m_votes.size());
    for (std::size_t i = 0; i < m_votes.size(); ++i) bits[i] = !m_votes[i].empty();
    return bits;
}

std::vector<Vote> VoteSet::votes() const {
    std::vector<Vote> out;
    for (const auto& slot : m_votes)
        out.insert(out.end(), slot.begin(), slot.end());
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
        if (m_votes[i].empty()) {
            sig.flag = BlockIdFlag::absent;
            continue;
        }
        if (const Vote* v = vote_for(i, *m_majority)) {
            sig.flag = BlockIdFlag::commit;
            sig.signature.assign(v->signature.begin(), v->signature.end());
            sig.extension = v->extension;
            sig.extension_signature = v->extension_signature;
        } else if (const Vote* nil = vote_for(i, BlockId{})) {
            sig.flag = BlockIdFlag::nil;
            sig.signature.assign(nil->signature.begin(), nil->signature.end());
        } else {
            // A precommit for another block cannot be represented in the commit.
            sig.flag = BlockIdFlag::absent;
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
