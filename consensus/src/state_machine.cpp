#include "seer/consensus/state_machine.hpp"

#include "seer/common/check.hpp"

namespace seer::consensus {

// Line numbers in comments refer to Algorithm 1 of arXiv 1807.04938.

StateMachine::StateMachine(StateMachineHost& host, const ValidatorSet& validators,
                           std::int64_t height, std::optional<std::size_t> self,
                           TimeoutParams timeouts)
    : m_host(host),
      m_validators(validators),
      m_height(height),
      m_self(self),
      m_timeouts(timeouts),
      m_votes(&validators, height) {
    SEER_CHECK(!validators.empty());
}

const Validator& StateMachine::proposer(std::int32_t round) const {
    auto it = m_proposer_cache.find(round);
    if (it == m_proposer_cache.end())
        it = m_proposer_cache.emplace(round, m_validators.copy_increment(round)).first;
    return it->second.proposer();
}

const std::pair<Proposal, Block>* StateMachine::proposal(std::int32_t round) const {
    auto it = m_proposals.find(round);
    return it == m_proposals.end() || it->second.empty() ? nullptr : &it->second.front();
}

const std::pair<Proposal, Block>* StateMachine::proposal_for(std::int32_t round,
                                                             const BlockId& id) const {
    auto it = m_proposals.find(round);
    if (it == m_proposals.end()) return nullptr;
    for (const auto& entry : it->second)
        if (entry.first.block_id == id) return &entry;
    return nullptr;
}

const std::pair<Proposal, Block>* StateMachine::find_proposal(const BlockId& id) const {
    for (const auto& [round, entries] : m_proposals)
        for (const auto& entry : entries)
            if (entry.first.block_id == id) return &entry;
    return nullptr;
}

std::vector<std::pair<std::int32_t, BlockId>> StateMachine::polkas() const {
    std::vector<std::pair<std::int32_t, BlockId>> out;
    for (std::int32_t r = m_votes.max_round(); r >= 0 && out.size() < k_max_polkas; --r) {
        const VoteSet* prevotes = m_votes.find(r, VoteType::prevote);
        if (!prevotes) continue;
        auto majority = prevotes->two_thirds_majority();
        if (majority && !majority->is_nil()) out.emplace_back(r, *majority);
    }
    return out;
}

void StateMachine::start() {
    // f+1 votes of round 0 may have started it already (round skipping before timeout_commit).
    if (m_round == -1) start_round(0);
}

// Lines 11-21.
void StateMachine::start_round(std::int32_t round) {
    m_round = round;
    m_step = Step::propose;
    if (m_self && proposer(round).address == m_validators.at(*m_self).address) {
        if (const auto* own = proposal(round)) {
            // Already proposed in this round before a restart (WAL replay): send it again.
            m_host.broadcast_proposal(own->first, own->second);
        } else {
            Block block = m_valid_value ? *m_valid_value
                                        : m_host.create_proposal_block(m_height, round);
            Proposal unsigned_proposal;
            unsigned_proposal.height = m_height;
            unsigned_proposal.round = round;
            unsigned_proposal.pol_round = m_valid_value ? m_valid_round : -1;
            unsigned_proposal.block_id = block_id_of(block);
            if (auto signed_proposal = m_host.sign_proposal(unsigned_proposal)) {
                m_proposals[round].emplace_back(*signed_proposal, block);
                m_host.broadcast_proposal(*signed_proposal, block);
            }
        }
    }
    m_host.schedule_timeout({m_height, round, Step::propose}, m_timeouts.propose(round));
    evaluate();
}

void StateMachine::on_proposal(const Proposal& p, const Block& block) {
    if (m_decided || p.height != m_height) return;
    if (p.round < 0 || p.pol_round < -1 || p.pol_round >= p.round) return;
    if (block_id_of(block) != p.block_id) return;
    auto& entries = m_proposals[p.round];
    if (entries.size() >= k_max_proposals_per_round) return;
    for (const auto& entry : entries)
        if (entry.first.block_id == p.block_id) return;
    // The first proposal of a round is the one lines 22/28 act on; an equivocating second one
    // is kept so that lines 36 and 49 can use its block if it gathers votes.
    entries.emplace_back(p, block);
    evaluate();
}

AddVoteResult StateMachine::on_vote(const Vote& vote) {
    Equivocation evidence;
    const AddVoteResult result = m_votes.add(vote, &evidence);
    if (result == AddVoteResult::conflicting) m_host.on_equivocation(evidence);
    if (result == AddVoteResult::added && !m_decided) evaluate();
    return result;
}

AddVoteResult StateMachine::record_late_vote(const Vote& vote) {
    Equivocation evidence;
    const AddVoteResult result = m_votes.add(vote, &evidence);
    if (result == AddVoteResult::conflicting) m_host.on_equivocation(evidence);
    return result;
}

// Lines 57-67.
void StateMachine::on_timeout(const TimeoutInfo& t) {
    if (m_decided || t.height != m_height || t.round != m_round) return;
    switch (t.step) {
        case Step::propose:
            if (m_step == Step::propose) prevote(BlockId{});
            break;
        case Step::prevote:
            if (m_step == Step::prevote) precommit(BlockId{});
            break;
        case Step::precommit:
            start_round(m_round + 1);
            return;  // start_round evaluates
    }
    evaluate();
}

void StateMachine::evaluate() {
    // Every rule is guarded so that it fires at most once per condition; loop until stable.
    // Re-entrant calls (start_round from a rule) return at once: the outer loop goes on.
    if (m_evaluating) return;
    m_evaluating = true;
    struct Reset {
        bool& flag;
        ~Reset() { flag = false; }
    } reset{m_evaluating};
    for (int guard = 0; guard < 1000 && !m_decided; ++guard) {
        bool changed = false;
        changed |= rule_decide();
        if (m_decided) return;
        changed |= rule_round_skip();
        changed |= rule_proposal_prevote();
        changed |= rule_prevote_timeout();
        changed |= rule_polka_block();
        changed |= rule_polka_nil();
        changed |= rule_precommit_timeout();
        changed |= rule_valid_from_past_polka();
        if (!changed) return;
    }
}

bool StateMachine::valid(const Block& block) {
    const Hash hash = block_hash(block.header);
    auto it = m_validity.find(hash);
    if (it != m_validity.end()) return it->second;
    const bool ok = m_host.validate_block(block);
    m_validity.emplace(hash, ok);
    return ok;
}

void StateMachine::prevote(const BlockId& id) {
    m_step = Step::prevote;
    if (!m_self) return;
    if (auto vote = m_host.sign_vote(VoteType::prevote, m_height, m_round, id)) {
        m_votes.add(*vote);
        m_host.broadcast_vote(*vote);
    }
}

void StateMachine::precommit(const BlockId& id) {
    m_step = Step::precommit;
    if (!m_self) return;
    if (auto vote = m_host.sign_vote(VoteType::precommit, m_height, m_round, id)) {
        m_votes.add(*vote);
        m_host.broadcast_vote(*vote);
    }
}

// Lines 22-33.
bool StateMachine::rule_proposal_prevote() {
    if (m_step != Step::propose) return false;
    const auto* entry = proposal(m_round);
    if (!entry) return false;
    const auto& [p, block] = *entry;
    const BlockId id = p.block_id;
    const bool lock_allows_any = m_locked_round == -1;
    const bool locked_on_it = m_locked_value && block_id_of(*m_locked_value) == id;
    if (p.pol_round == -1) {  // line 22
        prevote((valid(block) && (lock_allows_any || locked_on_it)) ? id : BlockId{});
        return true;
    }
    // Line 28: a re-proposal justified by a polka in pol_round.
    const VoteSet* pol = m_votes.find(p.pol_round, VoteType::prevote);
    if (!pol || !m_validators.is_two_thirds(pol->power_for(id))) return false;
    prevote((valid(block) && (m_locked_round <= p.pol_round || locked_on_it)) ? id : BlockId{});
    return true;
}

// Line 34.
bool StateMachine::rule_prevote_timeout() {
    if (m_step != Step::prevote || m_prevote_timeout_scheduled.count(m_round)) return false;
    const VoteSet* prevotes = m_votes.find(m_round, VoteType::prevote);
    if (!prevotes || !prevotes->has_two_thirds_any()) return false;
    m_prevote_timeout_scheduled.insert(m_round);
    m_host.schedule_timeout({m_height, m_round, Step::prevote}, m_timeouts.prevote(m_round));
    return true;
}

// Lines 36-43.
bool StateMachine::rule_polka_block() {
    if (m_step == Step::propose || m_polka_block_done.count(m_round)) return false;
    const VoteSet* prevotes = m_votes.find(m_round, VoteType::prevote);
    if (!prevotes) return false;
    const auto majority = prevotes->two_thirds_majority();
    if (!majority || majority->is_nil()) return false;
    const auto* entry = proposal_for(m_round, *majority);
    if (!entry) return false;
    if (!valid(entry->second)) return false;
    m_polka_block_done.insert(m_round);
    if (m_step == Step::prevote) {
        m_locked_value = entry->second;
        m_locked_round = m_round;
        precommit(*majority);
    }
    m_valid_value = entry->second;
    m_valid_round = m_round;
    return true;
}

// Line 44.
bool StateMachine::rule_polka_nil() {
    if (m_step != Step::prevote) return false;
    const VoteSet* prevotes = m_votes.find(m_round, VoteType::prevote);
    if (!prevotes) return false;
    const auto majority = prevotes->two_thirds_majority();
    if (!majority || !majority->is_nil()) return false;
    precommit(BlockId{});
    return true;
}

// Line 47.
bool StateMachine::rule_precommit_timeout() {
    if (m_precommit_timeout_scheduled.count(m_round)) return false;
    const VoteSet* precommits = m_votes.find(m_round, VoteType::precommit);
    if (!precommits || !precommits->has_two_thirds_any()) return false;
    m_precommit_timeout_scheduled.insert(m_round);
    m_host.schedule_timeout({m_height, m_round, Step::precommit}, m_timeouts.precommit(m_round));
    return true;
}

// Lines 49-54: a decision in any round.
bool StateMachine::rule_decide() {
    for (std::int32_t r = 0; r <= m_votes.max_round(); ++r) {
        const VoteSet* precommits = m_votes.find(r, VoteType::precommit);
        if (!precommits) continue;
        const auto majority = precommits->two_thirds_majority();
        if (!majority || majority->is_nil()) continue;
        const auto* entry = find_proposal(*majority);
        if (!entry || !valid(entry->second)) continue;
        m_decided = true;
        m_host.decide(entry->second, precommits->make_extended_commit());
        return true;
    }
    return false;
}

// validValue from a polka of an earlier round of this height. The paper updates it only at line
// 36, in the polka's own round; a node that learns of the polka later (gossip brings a
// byzantine validator's second prevote after the round ended) would otherwise never re-propose
// the block some honest node is locked on, and the height could stall. Safety is unaffected:
// a re-proposal is accepted only by nodes that see the polka themselves (line 28).
bool StateMachine::rule_valid_from_past_polka() {
    for (std::int32_t r = m_round - 1; r > m_valid_round; --r) {
        const VoteSet* prevotes = m_votes.find(r, VoteType::prevote);
        if (!prevotes) continue;
        const auto majority = prevotes->two_thirds_majority();
        if (!majority || majority->is_nil()) continue;
        const auto* entry = find_proposal(*majority);
        if (!entry || !valid(entry->second)) continue;
        m_valid_value = entry->second;
        m_valid_round = r;
        return true;
    }
    return false;
}

// Line 55: f+1 of a higher round.
bool StateMachine::rule_round_skip() {
    for (std::int32_t r = m_votes.max_round(); r > m_round; --r) {
        if (m_validators.is_one_third(m_votes.round_power(r))) {
            start_round(r);
            return true;
        }
    }
    return false;
}

}  // namespace seer::consensus
