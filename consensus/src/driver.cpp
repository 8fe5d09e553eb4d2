#include "seer/consensus/driver.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <limits>

#include "seer/common/check.hpp"
#include "seer/consensus/codec.hpp"
#include "seer/consensus/privval.hpp"
#include "seer/consensus/sign_bytes.hpp"
#include "seer/store/block_store.hpp"

namespace seer::consensus {

namespace {

// Votes and proposals more than this many rounds ahead of ours are dropped: a peer cannot make
// us allocate vote sets for arbitrary rounds.
constexpr std::int32_t k_max_rounds_ahead = 16;
// Verified-signature cache entries kept per height (votes arrive again inside commits).
constexpr std::size_t k_max_verified_cache = 1u << 14;

std::shared_ptr<spdlog::logger> log() {
    static std::shared_ptr<spdlog::logger> logger = [] {
        auto existing = spdlog::get("consensus");
        if (existing) return existing;
        auto l = spdlog::default_logger()->clone("consensus");
        spdlog::register_logger(l);
        return l;
    }();
    return logger;
}

std::string short_hex(const Hash& h) { return to_hex(ByteView(h.data(), 6), true); }

// A received vote or proposal: the peer has it for good (never resent).
constexpr std::int64_t k_received = std::numeric_limits<std::int64_t>::max();

}  // namespace

// When this node first held each vote of the last two heights (repairs wait a while after
// that). Every relay and repair looks here: one slot per validator in a vector per (height,
// round, type), and a map only for a validator's second block in one round (an equivocation).
class Driver::VoteTimes {
public:
    explicit VoteTimes(std::size_t validators) : m_validators(validators) {}
    const std::int64_t* find(const VoteKey& k) const {
        if (const Round* r = round_of(k)) {
            if (k.index < r->times.size() && r->times[k.index] != k_absent &&
                r->tags[k.index] == k.tag)
                return &r->times[k.index];
        }
        if (m_extra.empty()) return nullptr;
        auto it = m_extra.find(k);
        return it == m_extra.end() ? nullptr : &it->second;
    }
    void set(const VoteKey& k, std::int64_t t) {
        Round& r = round_for(k);
        if (k.index >= r.times.size()) {
            const std::size_t size = std::max({std::size_t{k.index} + 1, m_validators, r.times.size() * 2});
            r.times.resize(size, k_absent);
            r.tags.resize(size, 0);
        }
        r.earliest = std::min(r.earliest, t);
        if (r.times[k.index] == k_absent || r.tags[k.index] == k.tag) {
            r.tags[k.index] = k.tag;
            r.times[k.index] = t;
        } else {
            m_extra[k] = t;
        }
    }
    /// The earliest time held for a (height, round, type), if any.
    std::optional<std::int64_t> earliest(std::int64_t height, std::int32_t round,
                                         VoteType type) const {
        const Round* r = round_of(VoteKey{height, round, type, 0, 0});
        if (!r) return std::nullopt;
        return r->earliest;
    }
    /// Records `t` unless a time is held already; true when it was new.
    bool emplace(const VoteKey& k, std::int64_t t) {
        if (find(k)) return false;
        set(k, t);
        return true;
    }
    /// Forgets every vote below `height`.
    void erase_below(std::int64_t height) {
        // Emptied rounds are kept for reuse: a node makes a few per peer and height.
        for (auto it = m_rounds.begin(); it != m_rounds.end();) {
            if (it->height < height) {
                m_spare.push_back(std::move(*it));
                it = m_rounds.erase(it);
            } else {
                ++it;
            }
        }
        m_last = 0;
        m_extra.erase(m_extra.begin(),
                      m_extra.lower_bound(VoteKey{height, std::numeric_limits<std::int32_t>::min(),
                                                  VoteType::prevote, 0, 0}));
    }

private:
    static constexpr std::int64_t k_absent = std::numeric_limits<std::int64_t>::min();
    struct Round {
        std::int64_t height = 0;
        std::int32_t round = 0;
        VoteType type = VoteType::prevote;
        std::vector<std::uint32_t> tags;  // by validator index
        std::vector<std::int64_t> times;  // k_absent: none
        std::int64_t earliest = std::numeric_limits<std::int64_t>::max();
    };
    static bool same(const Round& r, const VoteKey& k) {
        return r.height == k.height && r.round == k.round && r.type == k.type;
    }
    const Round* round_of(const VoteKey& k) const {
        // A few rounds of two heights: a scan, starting where the last one hit.
        if (m_last < m_rounds.size() && same(m_rounds[m_last], k)) return &m_rounds[m_last];
        for (std::size_t i = 0; i < m_rounds.size(); ++i)
            if (same(m_rounds[i], k)) {
                m_last = i;
                return &m_rounds[i];
            }
        return nullptr;
    }
    Round& round_for(const VoteKey& k) {
        if (const Round* r = round_of(k)) return const_cast<Round&>(*r);
        Round r;
        if (!m_spare.empty()) {
            r = std::move(m_spare.back());
            m_spare.pop_back();
            std::fill(r.times.begin(), r.times.end(), k_absent);
        }
        r.height = k.height;
        r.round = k.round;
        r.type = k.type;
        r.earliest = std::numeric_limits<std::int64_t>::max();
        m_rounds.push_back(std::move(r));
        m_last = m_rounds.size() - 1;
        return m_rounds.back();
    }

    std::size_t m_validators;  // the slots a round starts with
    std::vector<Round> m_rounds;
    std::vector<Round> m_spare;
    mutable std::size_t m_last = 0;
    std::map<VoteKey, std::int64_t> m_extra;
};

struct Driver::PeerState {
    std::uint64_t since_seq = 0;  // m_peer_seq when it was added (own broadcasts after reach it)
    bool has_status = false;
    bool direct_stable = false;    // its last two statuses named the same direct peers
    StatusMessage status;          // the last one it sent (its votes: what it announced)
    // Sent to it (with the time) or received from it (k_received), for the last two heights.
    // A few entries per height in a full mesh (its own votes, ours, relays and repairs): a
    // sorted vector, not a slot per validator.
    FlatMap<VoteKey, std::int64_t> known;
    std::map<ProposalKey, std::int64_t> proposals;
    bool repair_pending = false;  // a status asked for something too young to send yet
    // Since when it has announced this lower height (block sync waits repair_delay_ms for a
    // peer one height behind: it is most likely committing that height right now).
    std::int64_t lag_height = 0;
    std::int64_t lag_since_ms = 0;
};

class Driver::Host final : public StateMachineHost {
public:
    explicit Host(Driver& d) : m_d(d) {}

    Block create_proposal_block(std::int64_t height, std::int32_t round) override {
        return m_d.create_block(height, round);
    }
    bool validate_block(const Block& block) override { return m_d.validate_block(block, true); }

    std::optional<Proposal> sign_proposal(const Proposal& p) override {
        if (!m_d.m_privval) return std::nullopt;
        auto sig = m_d.m_privval->sign_proposal(p);
        if (!sig) {
            m_d.count("privval.refused_proposal");
            return std::nullopt;
        }
        Proposal out = p;
        out.signature = *sig;
        return out;
    }

    std::optional<Vote> sign_vote(VoteType type, std::int64_t height, std::int32_t round,
                                  const BlockId& id) override {
        if (!m_d.m_privval || !m_d.m_self) return std::nullopt;
        Vote v;
        v.type = type;
        v.height = height;
        v.round = round;
        v.block_id = id;
        v.validator_address = m_d.m_privval->address();
        v.validator_index = static_cast<std::int32_t>(*m_d.m_self);
        auto sig = m_d.m_privval->sign_vote(v);
        if (!sig) {
            m_d.count("privval.refused_vote");
            return std::nullopt;
        }
        v.signature = *sig;
        if (type == VoteType::precommit && !id.is_nil()) {
            v.extension = m_d.m_app.extend_vote(ExtendVoteRequest{height, round, id.hash});
            auto ext_sig = m_d.m_privval->sign_extension(height, round, v.extension);
            v.extension_signature.assign(ext_sig.begin(), ext_sig.end());
        }
        // Own messages are durable in the WAL before they are sent.
        m_d.wal_write(encode_wal_record(v), true);
        m_d.m_vote_seen->set(key_of(v), m_d.m_scheduler.now_ms());
        return v;
    }

    void broadcast_proposal(const Proposal& p, const Block& b) override {
        // The proposal goes to the WAL (synced) before it is sent, like our votes.
        m_d.wal_write(encode_wal_record(ProposalMessage{p, b}), true);
        m_d.m_out.broadcast(encode_message(ProposalMessage{p, b}));
        const std::int64_t now = m_d.m_scheduler.now_ms();
        const ProposalKey key{p.height, p.round, p.block_id.hash};
        m_d.m_proposal_seen[key] = now;
        for (auto& [id, peer] : m_d.m_peers) peer->proposals[key] = now;
    }
    void broadcast_vote(const Vote& v) override {
        // Our own votes go to every peer at once; relays and repairs do the rest.
        m_d.m_out.broadcast(encode_message(VoteMessage{v}));
        const std::int64_t now = m_d.m_scheduler.now_ms();
        // Sent to every peer connected now: one entry, not one per peer (peer_lacks).
        m_d.m_own_sent[key_of(v)] = OwnSend{now, ++m_d.m_peer_seq};
    }
    void schedule_timeout(const TimeoutInfo& t, std::int64_t duration_ms) override {
        m_d.m_scheduler.schedule(duration_ms, TimerEvent{TimerEvent::Kind::timeout, t});
    }
    void decide(const Block& block, const ExtendedCommit& commit) override {
        m_d.m_decision = std::make_pair(block, commit);
    }
    void on_equivocation(const Equivocation& e) override {
        m_d.count("equivocation.vote");
        log()->warn("equivocation height={} round={} type={} validator={}", e.first.height,
                    e.first.round, to_string(e.first.type),
                    to_hex(e.first.validator_address, true));
    }

private:
    Driver& m_d;
};

Driver::Driver(DriverOptions options, Application& app, DriverStorage storage, Outbound& out,
               Scheduler& scheduler)
    : m_options(std::move(options)),
      m_app(app),
      m_storage(storage),
      m_out(out),
      m_scheduler(scheduler),
      m_genesis_validators(ValidatorSet::from_genesis(m_options.genesis_validators)),
      m_blocks(std::make_unique<store::BlockStore>(storage.kv)),
      m_host(std::make_unique<Host>(*this)),
      m_mempool(m_options.mempool, app) {
    SEER_CHECK(!m_genesis_validators.empty());
    m_vote_seen = std::make_unique<VoteTimes>(m_genesis_validators.size());
    m_verified = m_options.verified ? m_options.verified
                                    : std::make_shared<VerifiedSignatures>(k_max_verified_cache);
    if (m_options.validator_key) {
        m_privval = std::make_unique<PrivValidator>(*m_options.validator_key, m_options.chain_id,
                                                    storage.sign_state);
        m_self = m_genesis_validators.index_of(m_privval->address());
    }
}

Driver::~Driver() = default;

std::int64_t Driver::height() const { return m_blocks->height(); }

void Driver::count(std::string_view what) {
    auto it = m_counters.find(what);
    if (it == m_counters.end()) it = m_counters.emplace(std::string(what), 0).first;
    ++it->second;
}

std::optional<Block> Driver::block(std::int64_t h) const {
    auto bytes = m_blocks->block(h);
    if (!bytes) return std::nullopt;
    auto b = decode_block(*bytes);
    SEER_CHECK(b.ok());  // we wrote it
    return std::move(*b);
}

ExtendedCommitInfo Driver::commit_info(const ExtendedCommit& c) const {
    ExtendedCommitInfo info;
    info.round = c.round;
    if (c.empty()) return info;
    for (std::size_t i = 0; i < c.signatures.size() && i < m_genesis_validators.size(); ++i) {
        const auto& s = c.signatures[i];
        ExtendedVoteInfo v;
        v.validator_address = s.validator_address;
        v.power = m_genesis_validators.at(i).voting_power;
        v.flag = s.flag;
        if (s.flag == BlockIdFlag::commit) v.extension = s.extension;
        info.votes.push_back(std::move(v));
    }
    return info;
}

// ---------------------------------------------------------------------------------------------
// Start-up: handshake with the application, then WAL replay.

void Driver::start() {
    handshake();
    m_wal = std::make_unique<store::Wal>(m_storage.wal);
    if (m_wal->replayed().torn_tail) count("wal.torn_tail");
    enter_height(std::max(m_blocks->height() + 1, m_options.initial_height));
    if (m_privval && m_privval->last_sign_state().height > m_blocks->height() + 1) {
        // The block store lost blocks this validator signed for (a restored backup, a lost
        // disk tail): it must not sign those heights again, so it can only follow peers there.
        log()->warn("sign state is at height {} but the block store ends at height {}: this "
                    "validator will not sign below height {} and needs those blocks from peers",
                    m_privval->last_sign_state().height, m_blocks->height(),
                    m_privval->last_sign_state().height);
    }
    // As CometBFT: start the height, then replay what the WAL recorded for it, in order. Our
    // own votes come back through the privval, which returns the same signature for the same
    // message and refuses a different one.
    m_sm_started = true;
    m_sm->start();
    replay_wal();
    after_sm();
    m_scheduler.schedule(m_options.gossip_interval_ms, TimerEvent{TimerEvent::Kind::gossip, {}});
}

void Driver::handshake() {
    const InfoResponse info = m_app.info();
    const std::int64_t stored = m_blocks->height();
    if (info.last_block_height > stored)
        SEER_FATAL("application is ahead of the block store; the data directory is corrupt");
    m_app_hash = info.last_block_app_hash;
    // Replay stored blocks the application has not committed (it crashed between the block
    // store write and its own commit).
    for (std::int64_t h = std::max<std::int64_t>(info.last_block_height + 1, 1); h <= stored;
         ++h) {
        auto b = block(h);
        SEER_CHECK(b.has_value());
        log()->info("handshake: replaying block height={}", h);
        apply_block(*b);
        count("handshake.replayed_blocks");
    }
    if (stored > 0) {
        auto last = block(stored);
        m_last_block_id = block_id_of(*last);
        m_last_block_time = last->header.time;
        auto commit_bytes = m_blocks->extended_commit(stored);
        SEER_CHECK(commit_bytes.has_value());
        auto commit = decode_extended_commit(*commit_bytes);
        SEER_CHECK(commit.ok());
        m_last_commit = std::move(*commit);
    } else {
        m_last_block_time = m_options.genesis_time;
    }
}

void Driver::replay_wal() {
    m_replaying = true;
    std::int64_t replayed = 0;
    for (const auto& bytes : m_wal->replayed().records) {
        auto record = decode_wal_record(bytes);
        if (!record) {
            count("wal.undecodable");
            continue;
        }
        std::visit(
            [&](const auto& r) {
                using T = std::decay_t<decltype(r)>;
                if constexpr (std::is_same_v<T, ProposalMessage>) {
                    if (r.proposal.height != m_sm->height()) return;
                    handle_proposal(k_self_peer, r.proposal, r.block);
                    ++replayed;
                } else if constexpr (std::is_same_v<T, Vote>) {
                    if (r.height != m_sm->height()) return;
                    handle_vote(k_self_peer, r);
                    ++replayed;
                } else if constexpr (std::is_same_v<T, TimeoutRecord>) {
                    if (r.height != m_sm->height()) return;
                    m_sm->on_timeout(TimeoutInfo{r.height, r.round, r.step});
                    ++replayed;
                } else {
                    // EndHeight: the height it closes is in the block store already.
                }
                after_sm();
            },
            *record);
    }
    if (replayed > 0) log()->info("wal: replayed {} records height={}", replayed, m_sm->height());
    m_replaying = false;
}

void Driver::enter_height(std::int64_t h) {
    m_validators = m_genesis_validators.copy_increment(h - m_options.initial_height);
    // The finished height's state machine is kept, read-only, for one more height: its
    // precommits are compared with the commit the next block carries (equivocation detection).
    m_prev_sm = std::move(m_sm);
    m_sm = std::make_unique<StateMachine>(*m_host, m_validators, h, m_self, m_options.timeouts);
    m_sm_started = false;
    m_height_since_ms = m_scheduler.now_ms();
    m_decision.reset();
    m_verified->trim();
    // Gossip state is kept for this height and the last one (late votes).
    const ProposalKey proposal_floor{h - 1, 0, Hash{}};
    const VoteKey vote_floor{h - 1, std::numeric_limits<std::int32_t>::min(), VoteType::prevote, 0, 0};
    m_vote_seen->erase_below(h - 1);
    m_own_sent.erase(m_own_sent.begin(), m_own_sent.lower_bound(vote_floor));
    m_proposal_seen.erase(m_proposal_seen.begin(), m_proposal_seen.lower_bound(proposal_floor));
    for (auto& [id, peer] : m_peers) {
        peer->known.erase(peer->known.begin(), peer->known.lower_bound(vote_floor));
        peer->proposals.erase(peer->proposals.begin(),
                              peer->proposals.lower_bound(proposal_floor));
    }
}

std::string Driver::stall_cause() const {
    const std::int64_t h = m_blocks->height() + 1;
    const std::int64_t total = m_validators.total_power();
    auto share = [total](std::int64_t p) {
        return std::to_string(p) + " of " + std::to_string(total) + " voting power";
    };
    std::int64_t best_peer = 0;
    for (const auto& [id, peer] : m_peers)
        if (peer->has_status) best_peer = std::max(best_peer, peer->status.height);
    if (m_privval) {
        const auto& last = m_privval->last_sign_state();
        if (last.height > h) {
            return "this validator's sign state (priv_validator_state.json) is at height " +
                   std::to_string(last.height) + " round " + std::to_string(last.round) +
                   ", beyond the stored chain (height " + std::to_string(h - 1) +
                   "): it will not sign below height " + std::to_string(last.height) +
                   " (that could double-sign) and needs those blocks from peers; " +
                   (m_peers.empty() ? std::string("no peer is connected")
                                    : "the best of " + std::to_string(m_peers.size()) +
                                          " peers is at height " + std::to_string(best_peer));
        }
    }
    if (best_peer > h)
        return "catching up: a peer is at height " + std::to_string(best_peer) +
               ", fetching the blocks in between";
    const std::int64_t own = m_self ? m_validators.at(*m_self).voting_power : 0;
    if (m_peers.empty() && !m_validators.is_two_thirds(own)) {
        return "no peers connected; this node holds " + share(own) +
               " and more than 2/3 must take part (check persistent_peers and seeds)";
    }
    if (!m_sm || !m_sm_started) return "starting the height";
    const std::int32_t r = m_sm->round();
    const auto& votes = m_sm->votes();
    const VoteSet* prevotes = votes.find(r, VoteType::prevote);
    const VoteSet* precommits = votes.find(r, VoteType::precommit);
    const std::int64_t heard = votes.round_power(r);
    const std::string where = "round " + std::to_string(r) + " step " + to_string(m_sm->step());
    if (!m_validators.is_two_thirds(heard)) {
        std::string silent;
        std::size_t named = 0, missing = 0;
        for (std::size_t i = 0; i < m_validators.size(); ++i) {
            if ((prevotes && prevotes->has(i)) || (precommits && precommits->has(i))) continue;
            ++missing;
            if (named++ < 8) {
                silent += (silent.empty() ? "" : ", ") + std::string("#") + std::to_string(i) +
                          " " + to_hex(m_validators.at(i).address, true).substr(0, 12) + " (power " +
                          std::to_string(m_validators.at(i).voting_power) + ")";
            }
        }
        if (missing > named) silent += " and " + std::to_string(missing - named) + " more";
        return where + ": votes from validators holding " + share(heard) +
               ", more than 2/3 needed; not heard from: " + silent + "; " +
               std::to_string(m_peers.size()) + " peers connected";
    }
    if (m_sm->step() == Step::propose && m_sm->proposal(r) == nullptr) {
        return where + ": waiting for the proposal of validator " +
               to_hex(m_sm->proposer(r).address, true).substr(0, 12);
    }
    auto split = [&](const VoteSet* set) {
        return set ? share(set->total_power()) + " voted, no block has more than 2/3"
                   : std::string("none");
    };
    return where + ": prevotes: " + split(prevotes) + "; precommits: " + split(precommits);
}

// ---------------------------------------------------------------------------------------------
// Blocks: creation, validation, commit.

Block Driver::create_block(std::int64_t h, std::int32_t round) {
    (void)round;
    Block b;
    b.header.chain_id = m_options.chain_id;
    b.header.height = h;
    const Timestamp now = m_scheduler.now_ms() * 1'000'000;
    b.header.time = std::max(now, m_last_block_time + 1'000'000);
    b.header.last_block_id = m_last_block_id;
    if (h > m_options.initial_height) b.last_commit = m_last_commit;
    b.header.last_commit_hash = commit_hash(b.last_commit);
    b.header.validators_hash = m_validators.hash();
    b.header.app_hash = m_app_hash;
    b.header.proposer_address = m_privval->address();

    // Room for txs: the block limit minus the header and last commit.
    const auto overhead = static_cast<std::int64_t>(encode(b).size()) + 1024;
    const std::int64_t max_tx_bytes = std::max<std::int64_t>(0, m_options.max_block_bytes - overhead);
    PrepareProposalRequest req;
    req.height = h;
    req.time = b.header.time;
    req.proposer_address = b.header.proposer_address;
    req.max_tx_bytes = max_tx_bytes;
    req.txs = m_mempool.reap(max_tx_bytes);
    req.local_last_commit = commit_info(b.last_commit);
    auto resp = m_app.prepare_proposal(req);
    std::int64_t total = 0;
    for (auto& tx : resp.txs) {
        // Each tx costs its bytes plus a few of framing; never exceed the limit the app got.
        const auto cost = static_cast<std::int64_t>(tx.size()) + 8;
        if (total + cost > max_tx_bytes) {
            count("proposal.txs_trimmed");
            break;
        }
        total += cost;
        b.txs.push_back(std::move(tx));
    }
    b.header.data_hash = data_hash(b.txs);
    ++m_metrics.proposals_created;
    return b;
}

VerifiedSignatures::VerifiedSignatures(std::size_t capacity)
    : m_entries(0, SignatureHash{crypto::random_short_hash_key()}), m_capacity(capacity) {}

std::size_t VerifiedSignatures::SignatureHash::operator()(const crypto::Signature& s) const {
    return static_cast<std::size_t>(crypto::short_hash(seed, s));
}

bool VerifiedSignatures::verify(const crypto::PublicKey& key, ByteView message, ByteView sig) {
    if (sig.size() != std::tuple_size_v<crypto::Signature>) return crypto::verify(key, message, sig);
    crypto::Signature s;
    std::copy(sig.begin(), sig.end(), s.begin());
    auto it = m_entries.find(s);
    if (it != m_entries.end() && it->second.key == key &&
        std::equal(message.begin(), message.end(), it->second.message.begin(),
                   it->second.message.end()))
        return true;
    if (!crypto::verify(key, message, sig)) return false;
    // One entry per signature: another (key, message) under the same bytes is verified each time.
    if (it == m_entries.end()) m_entries.emplace(s, Entry{key, Bytes(message.begin(), message.end())});
    return true;
}

bool Driver::verify_cached(const crypto::PublicKey& key, ByteView message, ByteView sig) {
    return m_verified->verify(key, message, sig);
}

bool Driver::verify_commit(const ExtendedCommit& c, std::int64_t h, const BlockId& id,
                           bool check_extensions) {
    if (c.height != h || c.block_id != id || id.is_nil()) return false;
    if (c.signatures.size() != m_validators.size()) return false;
    std::int64_t power = 0;
    for (std::size_t i = 0; i < c.signatures.size(); ++i) {
        const auto& s = c.signatures[i];
        const Validator& v = m_validators.at(i);
        if (s.validator_address != v.address) return false;
        switch (s.flag) {
            case BlockIdFlag::absent:
                if (!s.signature.empty() || !s.extension.empty() ||
                    !s.extension_signature.empty())
                    return false;
                continue;
            case BlockIdFlag::nil:
                if (!s.extension.empty() || !s.extension_signature.empty()) return false;
                if (!verify_cached(v.pub_key,
                                   vote_sign_bytes(m_options.chain_id, VoteType::precommit, h,
                                                   c.round, BlockId{}),
                                   s.signature))
                    return false;
                continue;
            case BlockIdFlag::commit:
                if (!verify_cached(v.pub_key,
                                   vote_sign_bytes(m_options.chain_id, VoteType::precommit, h,
                                                   c.round, id),
                                   s.signature))
                    return false;
                if (check_extensions &&
                    !verify_cached(v.pub_key,
                                   extension_sign_bytes(m_options.chain_id, h, c.round,
                                                        s.extension),
                                   s.extension_signature))
                    return false;
                power += v.voting_power;
                continue;
        }
        return false;
    }
    return m_validators.is_two_thirds(power);
}

bool Driver::validate_block(const Block& b, bool run_app) {
    const auto& hd = b.header;
    const std::int64_t h = m_sm->height();
    auto reject = [&](const char* why) {
        count(std::string("block.invalid.") + why);
        log()->debug("invalid block height={} reason={}", hd.height, why);
        return false;
    };
    if (hd.chain_id != m_options.chain_id) return reject("chain_id");
    if (hd.height != h) return reject("height");
    if (hd.time <= m_last_block_time && h > m_options.initial_height) return reject("time");
    if (hd.last_block_id != m_last_block_id) return reject("last_block_id");
    if (!m_validators.index_of(hd.proposer_address)) return reject("proposer");
    if (hd.validators_hash != m_validators.hash()) return reject("validators_hash");
    if (hd.app_hash != m_app_hash) return reject("app_hash");
    if (hd.data_hash != data_hash(b.txs)) return reject("data_hash");
    if (hd.last_commit_hash != commit_hash(b.last_commit)) return reject("last_commit_hash");
    if (h == m_options.initial_height) {
        if (b.last_commit != ExtendedCommit{}) return reject("last_commit");
    } else if (!verify_commit(b.last_commit, h - 1, m_last_block_id, true)) {
        return reject("last_commit");
    } else {
        detect_commit_equivocation(b.last_commit);
    }
    if (static_cast<std::int64_t>(encode(b).size()) > m_options.max_block_bytes)
        return reject("too_large");
    if (!run_app) return true;
    ProcessProposalRequest req;
    req.height = h;
    req.time = hd.time;
    req.hash = block_hash(hd);
    req.proposer_address = hd.proposer_address;
    req.txs = &b.txs;
    req.proposed_last_commit = commit_info(b.last_commit);
    const bool accepted = m_app.process_proposal(req) == ProposalStatus::accept;
    ++(accepted ? m_metrics.proposals_accepted : m_metrics.proposals_rejected);
    if (!accepted) return reject("app");
    return true;
}

FinalizeBlockResponse Driver::apply_block(const Block& b) {
    FinalizeBlockRequest req;
    req.height = b.header.height;
    req.time = b.header.time;
    req.hash = block_hash(b.header);
    req.proposer_address = b.header.proposer_address;
    req.txs = &b.txs;
    req.decided_last_commit = commit_info(b.last_commit);
    const auto started = std::chrono::steady_clock::now();
    const FinalizeBlockResponse resp = m_app.finalize_block(req);
    m_metrics.block_processing_ms.observe(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count());
    SEER_CHECK(resp.tx_results.size() == b.txs.size());
    if (m_options.on_block_finalized) m_options.on_block_finalized(b, resp);
    m_app.commit();
    m_app_hash = resp.app_hash;
    return resp;
}

void Driver::commit_block(const Block& b, const ExtendedCommit& c) {
    const std::int64_t h = b.header.height;
    const Hash hash = block_hash(b.header);
    // 1. The block and the commit that decided it, durable before the app sees the block.
    Bytes encoded = encode(b);
    note_block_metrics(b, static_cast<std::int64_t>(encoded.size()));
    m_blocks->save(h, hash, std::move(encoded), encode(c));
    // 2. Execute and commit the application state (crash here: the handshake replays).
    const FinalizeBlockResponse resp = apply_block(b);
    m_mempool.update(b.txs);
    m_last_block_id = BlockId{hash};
    m_last_block_time = b.header.time;
    m_last_commit = c;
    // 3. The WAL is only needed for the height in progress: start it afresh with the marker.
    m_storage.wal.truncate(0);
    wal_write(encode_wal_record(EndHeightRecord{h}), true);
    log()->info("committed block height={} round={} hash={} txs={} app_hash={}", h, c.round,
                short_hex(hash), b.txs.size(), short_hex(m_app_hash));
    if (m_options.on_block_committed) m_options.on_block_committed(b, resp);
}

void Driver::after_sm() {
    if (!m_decision) {
        note_progress();
        return;
    }
    auto [b, c] = std::move(*m_decision);
    m_decision.reset();
    if (!m_replaying) note_vote_delays(b, c.round);
    commit_block(b, c);
    const std::int64_t h = b.header.height;
    enter_height(h + 1);
    // Round 0 of the next height starts after timeout_commit (or earlier, on f+1 votes).
    m_scheduler.schedule(m_options.timeouts.commit_ms,
                         TimerEvent{TimerEvent::Kind::commit, TimeoutInfo{h + 1, 0, Step::propose}});
    note_progress();
}

void Driver::wal_write(const Bytes& record, bool sync) {
    if (!m_wal) return;
    m_wal->append(record);
    if (sync) m_wal->sync();
}

// ---------------------------------------------------------------------------------------------
// Inputs.

void Driver::on_timer(const TimerEvent& e) {
    switch (e.kind) {
        case TimerEvent::Kind::gossip:
            gossip_tick();
            m_scheduler.schedule(m_options.gossip_interval_ms,
                                 TimerEvent{TimerEvent::Kind::gossip, {}});
            return;
        case TimerEvent::Kind::commit:
            if (m_sm && m_sm->height() == e.timeout.height && !m_sm_started) {
                note_precommits_counted();
                m_sm_started = true;
                m_sm->start();
                after_sm();
            }
            return;
        case TimerEvent::Kind::timeout:
            if (!m_sm || e.timeout.height != m_sm->height()) return;
            wal_write(encode_wal_record(TimeoutRecord{e.timeout.height, e.timeout.round,
                                                      e.timeout.step}),
                      false);
            m_sm->on_timeout(e.timeout);
            after_sm();
            return;
    }
}

MempoolAddResult Driver::submit_tx(Bytes tx, CheckTxResponse* response) {
    auto result = m_mempool.add(tx, response);
    if (result == MempoolAddResult::added) count("mempool.added");
    return result;
}

Status Driver::on_message(PeerId from, ByteView bytes) {
    auto decoded = decode_message(bytes, static_cast<std::size_t>(m_options.max_message_bytes));
    if (!decoded) {
        count("drop." + decoded.error().reason);
        return decoded.error();
    }
    // A peer the host did not announce (the simulation's and tests' way): tracked, quietly.
    if (from != k_self_peer && !m_peers.count(from)) track_peer(from);
    std::visit(
        [&](auto& m) {
            using T = std::decay_t<decltype(m)>;
            if constexpr (std::is_same_v<T, ProposalMessage>) {
                handle_proposal(from, m.proposal, m.block);
            } else if constexpr (std::is_same_v<T, VoteMessage>) {
                handle_vote(from, m.vote);
            } else if constexpr (std::is_same_v<T, StatusMessage>) {
                handle_status(from, m);
            } else if constexpr (std::is_same_v<T, BlockRequestMessage>) {
                send_blocks(from, m.height);
            } else {
                handle_block_response(m.block, m.commit);
            }
        },
        *decoded);
    return {};
}

void Driver::handle_proposal(PeerId from, const Proposal& p, const Block& b) {
    const bool from_peer = from != k_self_peer;
    if (from_peer && m_peers.count(from)) ++m_metrics.peer_proposals[from];
    if (!m_sm || p.height != m_sm->height()) {
        if (from_peer) ++m_metrics.proposals_other;
        count("drop.proposal_height");
        return;
    }
    if (p.round > std::max(m_sm->round(), 0) + k_max_rounds_ahead) {
        if (from_peer) ++m_metrics.proposals_other;
        count("drop.proposal_round");
        return;
    }
    const Validator& proposer = m_sm->proposer(p.round);
    if (!verify_cached(proposer.pub_key, proposal_sign_bytes(m_options.chain_id, p),
                       p.signature)) {
        count("drop.proposal_signature");
        return;
    }
    if (block_id_of(b) != p.block_id) {
        count("drop.proposal_block_mismatch");
        return;
    }
    const ProposalKey key{p.height, p.round, p.block_id.hash};
    if (auto peer = m_peers.find(from); peer != m_peers.end())
        peer->second->proposals[key] = k_received;
    if (from_peer) ++m_metrics.proposals_current;
    if (m_sm->proposal_for(p.round, p.block_id)) {
        if (from_peer) ++m_metrics.duplicate_proposals;
        count("drop.proposal_duplicate");
        return;
    }
    if (const auto* existing = m_sm->proposal(p.round)) {
        // Two signed proposals for one round: equivocation. The state machine keeps the second
        // block too (bounded), in case it is the one that gathers the votes.
        count("equivocation.proposal");
        log()->warn("equivocation: two proposals height={} round={} proposer={} first={} second={}",
                    p.height, p.round, to_hex(proposer.address, true),
                    short_hex(existing->first.block_id.hash), short_hex(p.block_id.hash));
    }
    if (!m_replaying) wal_write(encode_wal_record(ProposalMessage{p, b}), false);
    m_proposal_seen.emplace(key, m_scheduler.now_ms());
    m_sm->on_proposal(p, b);
    if (!m_replaying && from != k_self_peer) relay_proposal(from, p, b);
    after_sm();
}

void Driver::handle_vote(PeerId from, const Vote& v) {
    if (m_sm && from != k_self_peer &&
        (v.height < m_sm->height() || (v.height == m_sm->height() && v.round < m_sm->round())))
        ++(v.type == VoteType::prevote ? m_metrics.late_prevotes : m_metrics.late_precommits);
    if (m_sm && m_prev_sm && v.height == m_prev_sm->height() && v.height + 1 == m_sm->height()) {
        handle_late_vote(from, v);
        return;
    }
    if (!m_sm || v.height != m_sm->height()) {
        count("drop.vote_height");
        return;
    }
    if (v.round > std::max(m_sm->round(), 0) + k_max_rounds_ahead) {
        count("drop.vote_round");
        return;
    }
    if (v.validator_index < 0 || static_cast<std::size_t>(v.validator_index) >= m_validators.size()) {
        count("drop.vote_validator");
        return;
    }
    const Validator& val = m_validators.at(static_cast<std::size_t>(v.validator_index));
    if (val.address != v.validator_address) {
        count("drop.vote_validator");
        return;
    }
    auto peer = m_peers.find(from);
    if (const VoteSet* set = m_sm->votes().find(v.round, v.type)) {
        if (set->contains(v)) {
            if (peer != m_peers.end()) note_received(*peer->second, key_of(v));
            if (from != k_self_peer) ++m_metrics.duplicate_votes;
            count("drop.vote_duplicate");
            return;
        }
    }
    if (!verify_cached(val.pub_key, vote_sign_bytes(m_options.chain_id, v), v.signature)) {
        count("drop.vote_signature");
        return;
    }
    if (v.type == VoteType::precommit && !v.block_id.is_nil()) {
        // ABCI 2.0: a non-nil precommit must carry a signed extension the app accepts.
        if (v.extension_signature.size() != 64 ||
            !verify_cached(val.pub_key,
                           extension_sign_bytes(m_options.chain_id, v.height, v.round,
                                                v.extension),
                           v.extension_signature)) {
            count("drop.extension_signature");
            return;
        }
        const bool own = m_self && *m_self == static_cast<std::size_t>(v.validator_index);
        if (!own) {
            VerifyVoteExtensionRequest req{v.height, v.round, v.block_id.hash,
                                           v.validator_address, v.extension};
            const bool accepted = m_app.verify_vote_extension(req) == VerifyStatus::accept;
            if (from != k_self_peer)
                ++(accepted ? m_metrics.extensions_accepted : m_metrics.extensions_rejected);
            if (!accepted) {
                count("drop.extension_rejected");
                return;
            }
        }
    } else if (!v.extension.empty() || !v.extension_signature.empty()) {
        count("drop.unexpected_extension");
        return;
    }
    if (!m_replaying) wal_write(encode_wal_record(v), false);
    const VoteKey key = key_of(v);
    if (peer != m_peers.end()) note_received(*peer->second, key);
    const AddVoteResult added = m_sm->on_vote(v);
    // What a correct process receives, every correct process receives: a new vote goes on to
    // the peers that will not get it from its author directly, and a conflicting one to every
    // peer that lacks it (evidence). Repairs by peer status cover the rest.
    const bool is_new = added == AddVoteResult::added || added == AddVoteResult::conflicting;
    if (is_new) m_vote_seen->emplace(key, m_scheduler.now_ms());
    if (is_new && !m_replaying && from != k_self_peer)
        relay_vote(from, v, added == AddVoteResult::conflicting);
    after_sm();
}

void Driver::handle_late_vote(PeerId from, const Vote& v) {
    // A vote of the height just finished: it changes nothing any more, but a split vote of a
    // byzantine validator often shows up only now, after a fast height. Check it and record it
    // for equivocation detection, and relay it once like any vote.
    if (v.validator_index < 0 || static_cast<std::size_t>(v.validator_index) >= m_validators.size() ||
        m_validators.at(static_cast<std::size_t>(v.validator_index)).address != v.validator_address) {
        count("drop.vote_validator");
        return;
    }
    auto peer = m_peers.find(from);
    if (const VoteSet* set = m_prev_sm->votes().find(v.round, v.type); set && set->contains(v)) {
        if (peer != m_peers.end()) note_received(*peer->second, key_of(v));
        if (from != k_self_peer) ++m_metrics.duplicate_votes;
        count("drop.vote_duplicate");
        return;
    }
    if (v.round > m_prev_sm->round() + k_max_rounds_ahead) {
        count("drop.vote_round");
        return;
    }
    const Validator& val = m_validators.at(static_cast<std::size_t>(v.validator_index));
    if (!verify_cached(val.pub_key, vote_sign_bytes(m_options.chain_id, v), v.signature)) {
        count("drop.vote_signature");
        return;
    }
    if (peer != m_peers.end()) note_received(*peer->second, key_of(v));
    const AddVoteResult added = m_prev_sm->record_late_vote(v);
    const bool is_new = added == AddVoteResult::added || added == AddVoteResult::conflicting;
    if (is_new) m_vote_seen->emplace(key_of(v), m_scheduler.now_ms());
    if (is_new && !m_replaying && from != k_self_peer)
        relay_vote(from, v, added == AddVoteResult::conflicting);
}

void Driver::handle_status(PeerId from, const StatusMessage& s) {
    auto it = m_peers.find(from);
    if (it == m_peers.end()) return;
    PeerState& peer = *it->second;
    // A peer's direct peers are trusted for relays once two statuses in a row name the same
    // set: while it is still hearing from its peers (at start, or after a reconnect) each status
    // names more, and relays chosen by an early one would double what its authors send.
    const bool stable = peer.has_status && peer.status.direct == s.direct &&
                        peer.status.self_index == s.self_index;
    if (stable != peer.direct_stable || !stable) m_relay_targets_dirty = true;
    peer.direct_stable = stable;
    peer.has_status = true;
    peer.status = s;
    if (!m_sm) return;
    const std::int64_t h = m_sm->height();
    if (s.height < h) {
        catch_up(from, peer);
        return;
    }
    if (s.height > h) {
        // A peer one height ahead most likely committed a moment before us, and the votes that
        // decide our height are on their way: ask for the block only after repair_delay_ms at
        // this height (the peer's own catch_up waits as long). Further behind: at once.
        if (s.height > h + 1 || m_scheduler.now_ms() - m_height_since_ms >= m_options.repair_delay_ms)
            m_out.send(from, encode_message(BlockRequestMessage{h}));
        return;
    }
    repair(from, peer);
}

void Driver::catch_up(PeerId to, PeerState& peer) {
    // A peer at a lower height gets the blocks it lacks once it has stayed at that height for
    // repair_delay_ms: a peer that is committing heights announces a new one every gossip tick,
    // and its status is always a little behind. A peer further behind than one block response
    // covers is syncing, and gets blocks at once.
    const std::int64_t now = m_scheduler.now_ms();
    const std::int64_t lagging = peer.status.height;
    if (peer.lag_height != lagging) {
        peer.lag_height = lagging;
        peer.lag_since_ms = now;
    }
    if (lagging + m_options.max_blocks_per_response >= m_sm->height() &&
        now - peer.lag_since_ms < m_options.repair_delay_ms) {
        peer.repair_pending = true;
        return;
    }
    peer.repair_pending = false;
    peer.lag_since_ms = now;  // the next batch after another delay, unless it moves
    send_blocks(to, lagging);
}

Driver::VoteKey Driver::key_of(const Vote& v) {
    return VoteKey{v.height, v.round, v.type, static_cast<std::uint32_t>(v.validator_index),
                   vote_tag(v.block_id)};
}

void Driver::track_peer(PeerId id) {
    m_peers.emplace(id, std::make_unique<PeerState>()).first->second->since_seq = ++m_peer_seq;
    m_relay_targets_dirty = true;
}

void Driver::add_peer(PeerId id) {
    if (id == k_self_peer || m_peers.count(id)) return;
    track_peer(id);
    // Tell it where we are right away: it answers with what we lack, and we with what it lacks.
    if (m_sm) m_out.send(id, encode_message(make_status()));
}

void Driver::remove_peer(PeerId id) {
    if (m_peers.erase(id) > 0) m_relay_targets_dirty = true;
    m_metrics.peer_proposals.erase(id);
}

const std::vector<PeerId>& Driver::relay_targets(std::size_t validator) {
    if (m_relay_targets_dirty) {
        const std::size_t n = m_validators.size();
        m_relay_targets.assign(n, {});
        for (const auto& [id, peer] : m_peers) {
            const auto& direct = peer->status.direct;
            for (std::size_t i = 0; i < n; ++i)
                // Relays start once a peer's direct set is stable (handle_status): its first
                // statuses name few direct peers yet. Until then it gets what it lacks from the
                // repairs its statuses start.
                if (peer->direct_stable && (direct.size() != n || !direct[i]))
                    m_relay_targets[i].push_back(id);
        }
        m_relay_targets_dirty = false;
    }
    static const std::vector<PeerId> none;
    return validator < m_relay_targets.size() ? m_relay_targets[validator] : none;
}

// A validator's node has its own votes: those it sent us need no entry (in a full mesh, all
// the votes a node receives), and peer_lacks never sends them back.
void Driver::note_received(PeerState& peer, const VoteKey& key) {
    if (!(peer.has_status && peer.status.self_index == key.index)) peer.known[key] = k_received;
}

bool Driver::peer_lacks(const PeerState& peer, const VoteKey& key, bool polka_missing) const {
    const StatusMessage& s = peer.status;
    if (peer.has_status && s.self_index == key.index) return false;  // its own vote
    if (peer.has_status && s.height == key.height && s.round == key.round) {
        // Announced in its status (a few groups of bits: a lookup, not a search).
        const auto& groups = key.type == VoteType::prevote ? s.prevotes : s.precommits;
        for (const auto& g : groups)
            if (g.tag == key.tag) {
                if (key.index < g.bits.size() && g.bits[key.index]) return false;
                break;
            }
    }
    std::int64_t at = 0;
    if (const auto it = peer.known.find(key); it != peer.known.end()) {
        at = it->second;
    } else if (const auto own = m_own_sent.find(key);
               own != m_own_sent.end() && peer.since_seq < own->second.seq) {
        at = own->second.time;  // our own vote, broadcast while it was connected
    } else {
        return true;
    }
    if (at == k_received) return false;
    // Sent: again only when its status covers that round (or lacks the polka) and still lacks
    // it, after a while: a lost message is made good, an in-flight one is not doubled.
    return peer.has_status && peer.status.height == key.height &&
           (peer.status.round == key.round || polka_missing) &&
           m_scheduler.now_ms() - at >= m_options.resend_after_ms;
}

void Driver::send_vote(PeerId to, PeerState& peer, const Vote& v, const Bytes* encoded) {
    if (encoded)
        m_out.send(to, *encoded);
    else
        m_out.send(to, encode_message(VoteMessage{v}));
    peer.known[key_of(v)] = m_scheduler.now_ms();
}

void Driver::send_proposal(PeerId to, PeerState& peer, const Proposal& p, const Block& b) {
    m_out.send(to, encode_message(ProposalMessage{p, b}));
    peer.proposals[ProposalKey{p.height, p.round, p.block_id.hash}] = m_scheduler.now_ms();
}

void Driver::relay_vote(PeerId from, const Vote& v, bool conflicting) {
    std::optional<Bytes> encoded;
    const VoteKey key = key_of(v);
    auto relay_to = [&](PeerId id) {
        if (id == from) return;
        auto it = m_peers.find(id);
        if (it == m_peers.end()) return;
        PeerState& peer = *it->second;
        // A peer known to be at another height has no use for it now; repair sends it when
        // the peer announces this height.
        if (peer.has_status && peer.status.height != v.height) return;
        if (!peer_lacks(peer, key)) return;
        if (!encoded) encoded = encode_message(VoteMessage{v});
        count("gossip.relayed_votes");
        send_vote(id, peer, v, &*encoded);
    };
    if (conflicting) {
        count("gossip.conflicting_relayed");
        std::vector<PeerId> all;
        for (const auto& [id, peer] : m_peers) all.push_back(id);
        for (PeerId id : all) relay_to(id);
        return;
    }
    const auto& targets = relay_targets(static_cast<std::size_t>(v.validator_index));
    for (PeerId id : targets) relay_to(id);
}

void Driver::relay_proposal(PeerId from, const Proposal& p, const Block& b) {
    const auto proposer = m_validators.index_of(m_sm->proposer(p.round).address);
    if (!proposer) return;
    const ProposalKey key{p.height, p.round, p.block_id.hash};
    const auto& targets = relay_targets(*proposer);
    for (PeerId id : targets) {
        if (id == from) continue;
        auto it = m_peers.find(id);
        if (it == m_peers.end()) continue;
        PeerState& peer = *it->second;
        if (peer.has_status && peer.status.height != p.height) continue;
        if (peer.proposals.count(key)) continue;
        count("gossip.relayed_proposals");
        send_proposal(id, peer, p, b);
    }
}

void Driver::repair(PeerId to, PeerState& peer) {
    // Same height: what the peer lacks of its round (proposal, prevotes, precommits), the
    // prevotes that justify a re-proposal (pol_round), our own round's votes if we are ahead,
    // and the polkas it lacks. Only what this node has held for repair_delay_ms: younger
    // messages are most likely on their way to the peer already.
    const StatusMessage& s = peer.status;
    const std::int64_t now = m_scheduler.now_ms();
    const std::int64_t old_enough = now - m_options.repair_delay_ms;
    peer.repair_pending = false;
    auto old = [&](const std::int64_t* at) {
        if (!at || *at <= old_enough) return true;
        peer.repair_pending = true;
        return false;
    };
    auto lacks_polka = [&](std::int32_t round, const BlockId& id) {
        return std::find(s.polkas.begin(), s.polkas.end(), std::make_pair(round, id)) ==
               s.polkas.end();
    };
    auto send_if_lacking = [&](const Vote& v, bool polka_missing) {
        const VoteKey key = key_of(v);
        if (!peer_lacks(peer, key, polka_missing) || !old(m_vote_seen->find(key))) return;
        count("gossip.repaired_votes");
        send_vote(to, peer, v);
    };
    // Every vote of a set younger than repair_delay_ms (the common case on a fast network):
    // nothing to send yet, without looking at each.
    auto all_young = [&](std::int32_t round, VoteType type) {
        const auto earliest = m_vote_seen->earliest(m_sm->height(), round, type);
        if (!earliest || *earliest <= old_enough) return false;
        peer.repair_pending = true;
        return true;
    };
    auto send_set = [&](std::int32_t round, VoteType type, bool polka_missing) {
        const VoteSet* set = m_sm->votes().find(round, type);
        if (!set || all_young(round, type)) return;
        for (std::size_t i = 0; i < m_validators.size(); ++i)
            for (const Vote& v : set->votes_of(i)) send_if_lacking(v, polka_missing);
    };
    auto send_proposal_if_lacking = [&](const std::pair<Proposal, Block>& pb, bool announced) {
        const Proposal& p = pb.first;
        const ProposalKey key{p.height, p.round, p.block_id.hash};
        if (announced) return;
        auto sent = peer.proposals.find(key);
        if (sent != peer.proposals.end() &&
            (sent->second == k_received || now - sent->second < m_options.resend_after_ms))
            return;
        const auto seen = m_proposal_seen.find(key);
        if (!old(seen == m_proposal_seen.end() ? nullptr : &seen->second)) return;
        count("gossip.repaired_proposals");
        send_proposal(to, peer, p, pb.second);
    };
    if (const auto* p = m_sm->proposal(s.round)) {
        send_proposal_if_lacking(*p, s.has_proposal);
        const std::int32_t pol = p->first.pol_round;
        if (pol >= 0) send_set(pol, VoteType::prevote, lacks_polka(pol, p->first.block_id));
    }
    send_set(s.round, VoteType::prevote, false);
    send_set(s.round, VoteType::precommit, false);
    if (m_sm->round() > s.round) {
        send_set(m_sm->round(), VoteType::prevote, false);
        send_set(m_sm->round(), VoteType::precommit, false);
    }
    // Polkas the peer lacks: the block and every prevote for it, conflicting ones included;
    // sent again after resend_after_ms while its status still lacks the polka (one was lost).
    for (const auto& [round, id] : m_sm->polkas()) {
        if (!lacks_polka(round, id) || all_young(round, VoteType::prevote)) continue;
        if (const auto* p = m_sm->find_proposal(id)) send_proposal_if_lacking(*p, false);
        const VoteSet* prevotes = m_sm->votes().find(round, VoteType::prevote);
        for (std::size_t i = 0; prevotes && i < m_validators.size(); ++i)
            if (const Vote* v = prevotes->vote_for(i, id)) send_if_lacking(*v, true);
    }
}

void Driver::send_blocks(PeerId to, std::int64_t from_height) {
    const std::int64_t last =
        std::min(m_blocks->height(), from_height + m_options.max_blocks_per_response - 1);
    for (std::int64_t h = std::max(from_height, m_blocks->base()); h <= last; ++h) {
        auto b = block(h);
        auto c_bytes = m_blocks->extended_commit(h);
        if (!b || !c_bytes) return;
        auto c = decode_extended_commit(*c_bytes);
        SEER_CHECK(c.ok());
        m_out.send(to, encode_message(BlockResponseMessage{std::move(*b), std::move(*c)}));
    }
}

void Driver::handle_block_response(const Block& b, const ExtendedCommit& c) {
    if (!m_sm || b.header.height != m_sm->height()) {
        count("drop.block_response_height");
        return;
    }
    const BlockId id = block_id_of(b);
    if (!verify_commit(c, b.header.height, id, true)) {
        count("drop.block_response_commit");
        return;
    }
    if (!validate_block(b, false)) {
        count("drop.block_response_invalid");
        return;
    }
    count("blocksync.applied");
    commit_block(b, filter_synced_extensions(b, c));
    m_metrics.synced_height = b.header.height;
    m_metrics.synced_block_txs = static_cast<std::int64_t>(b.txs.size());
    m_metrics.synced_block_bytes = m_metrics.block_bytes;  // commit_block measured it
    m_metrics.synced_total_txs += b.txs.size();
    enter_height(b.header.height + 1);
    m_sm_started = true;
    m_sm->start();
    after_sm();
}

void Driver::detect_commit_equivocation(const ExtendedCommit& c) {
    // The commit's signatures are valid; a precommit we hold from the same validator for the
    // same (height, round) that names another block proves equivocation. Gossip sends each
    // node one vote per validator, so a split vote is often seen only here.
    if (!m_prev_sm || m_prev_sm->height() != c.height) return;
    const VoteSet* precommits = m_prev_sm->votes().find(c.round, VoteType::precommit);
    if (!precommits) return;
    for (std::size_t i = 0; i < c.signatures.size() && i < m_validators.size(); ++i) {
        const auto& sig = c.signatures[i];
        if (sig.flag == BlockIdFlag::absent) continue;
        const BlockId named = sig.flag == BlockIdFlag::commit ? c.block_id : BlockId{};
        const auto held = precommits->get(i);
        if (!held || held->block_id == named || precommits->vote_for(i, named)) continue;
        count("equivocation.vote");
        log()->warn("equivocation in commit height={} round={} validator={}", c.height, c.round,
                    to_hex(sig.validator_address, true));
    }
}

ExtendedCommit Driver::filter_synced_extensions(const Block& b, const ExtendedCommit& c) {
    // A commit that arrives with a synced block carries extensions this node never saw as
    // precommits, so verify_vote_extension never ran on them. Run it now, against the same
    // state the precommits were made on (the block's process_proposal first, so the app knows
    // the block as it would in consensus), and leave out rejected entries as long as more than
    // 2/3 of the power remains. This commit goes into our next proposal.
    ProcessProposalRequest pp;
    pp.height = b.header.height;
    pp.time = b.header.time;
    pp.hash = block_hash(b.header);
    pp.proposer_address = b.header.proposer_address;
    pp.txs = &b.txs;
    pp.proposed_last_commit = commit_info(b.last_commit);
    if (m_app.process_proposal(pp) != ProposalStatus::accept)
        count("blocksync.process_proposal_rejected");  // decided by +2/3 anyway
    ExtendedCommit filtered = c;
    std::int64_t power = 0;
    bool dropped = false;
    for (std::size_t i = 0; i < filtered.signatures.size(); ++i) {
        auto& sig = filtered.signatures[i];
        if (sig.flag != BlockIdFlag::commit) continue;
        const bool own = m_self && *m_self == i;
        VerifyVoteExtensionRequest req{c.height, c.round, c.block_id.hash, sig.validator_address,
                                       sig.extension};
        if (!own && m_app.verify_vote_extension(req) != VerifyStatus::accept) {
            sig = ExtendedCommitSig{BlockIdFlag::absent, sig.validator_address, {}, {}, {}};
            dropped = true;
            count("blocksync.extension_rejected");
            continue;
        }
        power += m_validators.at(i).voting_power;
    }
    if (!dropped) return c;
    if (m_validators.is_two_thirds(power)) return filtered;
    // Without those entries the commit would not decide the block (e.g. this node was behind
    // and cast no precommit itself): keep it as received, as CometBFT's block sync does. The
    // application sees such extensions in finalize_block and must tolerate them (ADR 0002).
    count("blocksync.rejected_extension_kept");
    return c;
}

StatusMessage Driver::make_status() const {
    StatusMessage s;
    s.height = m_sm->height();
    s.round = std::max(m_sm->round(), 0);
    s.step = m_sm->step();
    s.has_proposal = m_sm->proposal(s.round) != nullptr;
    const std::size_t n = m_validators.size();
    s.validator_count = static_cast<std::uint32_t>(n);
    if (m_self) s.self_index = static_cast<std::uint32_t>(*m_self);
    s.direct.assign(n, false);
    if (m_self) s.direct[*m_self] = true;
    for (const auto& [id, peer] : m_peers)
        if (peer->has_status && peer->status.self_index && *peer->status.self_index < n)
            s.direct[*peer->status.self_index] = true;
    auto groups = [&](VoteType type) {
        std::vector<VoteBits> out;
        const VoteSet* set = m_sm->votes().find(s.round, type);
        if (!set) return out;
        for (std::size_t i = 0; i < n; ++i)
            for (const Vote& v : set->votes_of(i)) {
                const std::uint32_t tag = vote_tag(v.block_id);
                auto g = std::find_if(out.begin(), out.end(),
                                      [&](const VoteBits& b) { return b.tag == tag; });
                if (g == out.end()) {
                    if (out.size() >= static_cast<std::size_t>(k_max_status_groups)) continue;
                    out.push_back(VoteBits{tag, std::vector<bool>(n, false)});
                    g = out.end() - 1;
                }
                g->bits[i] = true;
            }
        return out;
    };
    s.prevotes = groups(VoteType::prevote);
    s.precommits = groups(VoteType::precommit);
    s.polkas = m_sm->polkas();
    return s;
}

void Driver::gossip_tick() {
    if (!m_sm) return;
    // Our status when our position changed (height, round, step, proposal, polkas, direct
    // peers), or as a heartbeat. New votes alone do not make a status: in a healthy network
    // every peer has them from their authors, and a peer that lost one gets it when our next
    // step or heartbeat shows it.
    const std::int64_t now = m_scheduler.now_ms();
    StatusMessage s = make_status();
    auto position = [](const StatusMessage& m) {
        return std::tie(m.height, m.round, m.step, m.has_proposal, m.polkas, m.direct);
    };
    if (!m_last_status || position(*m_last_status) != position(s) ||
        now - m_last_status_ms >= m_options.status_heartbeat_ms) {
        m_out.broadcast(encode_message(s));
        m_last_status = std::move(s);
        m_last_status_ms = now;
    }
    // Repairs a status asked for that were too young to send then.
    for (auto& [id, peer] : m_peers) {
        if (!peer->repair_pending || !peer->has_status) continue;
        if (peer->status.height == m_sm->height())
            repair(id, *peer);
        else if (peer->status.height < m_sm->height())
            catch_up(id, *peer);
    }
}

// ---------------------------------------------------------------------------------------------
// Metrics (DriverMetrics; docs/metrics.md). Each runs once per block or per input and reads
// what the driver holds anyway.

double Driver::round_power_fraction(VoteType type) const {
    if (!m_sm || !m_sm_started || m_validators.total_power() <= 0) return 0;
    const VoteSet* set = m_sm->votes().find(std::max(m_sm->round(), 0), type);
    return set ? static_cast<double>(set->total_power()) /
                     static_cast<double>(m_validators.total_power())
               : 0;
}

bool Driver::syncing() const {
    if (!m_sm) return false;
    for (const auto& [id, peer] : m_peers)
        if (peer->has_status && peer->status.height > m_sm->height() + 1) return true;
    return false;
}

void Driver::note_block_metrics(const Block& b, std::int64_t encoded_bytes) {
    DriverMetrics& m = m_metrics;
    const std::int64_t h = b.header.height;
    m.block_txs = static_cast<std::int64_t>(b.txs.size());
    m.block_bytes = encoded_bytes;
    m.chain_bytes += static_cast<std::uint64_t>(encoded_bytes);
    m.total_txs += b.txs.size();
    if (h > m_options.initial_height)
        m.block_interval_seconds.observe(static_cast<double>(b.header.time - m_last_block_time) / 1e9);
    // Who signed the previous block, by the commit this one carries (CometBFT: LastCommit).
    m.missing_validators = 0;
    m.missing_power = 0;
    if (h == m_options.initial_height) return;
    for (std::size_t i = 0; i < b.last_commit.signatures.size() && i < m_validators.size(); ++i) {
        const bool signed_it = b.last_commit.signatures[i].flag == BlockIdFlag::commit;
        if (!signed_it) {
            ++m.missing_validators;
            m.missing_power += m_validators.at(i).voting_power;
        }
        if (m_self && *m_self == i) {
            if (signed_it)
                m.own_last_signed_height = b.last_commit.height;
            else
                ++m.own_missed_blocks;
        }
    }
}

void Driver::note_vote_delays(const Block& b, std::int32_t round) {
    // CometBFT measures from the proposal's timestamp to the votes' own timestamps. seer's
    // votes carry none, so a vote's time is when this node first held it (m_vote_seen, the
    // same wall clock that stamps proposed blocks), and the proposal's is its block's time.
    const double block_ms = static_cast<double>(b.header.time) / 1e6;
    const std::string proposer = to_hex(b.header.proposer_address, true);
    for (VoteType type : {VoteType::prevote, VoteType::precommit}) {
        const VoteSet* set = m_sm->votes().find(round, type);
        if (!set) continue;
        std::vector<std::pair<std::int64_t, std::int64_t>> seen;  // (time ms, power)
        for (std::size_t i = 0; i < m_validators.size(); ++i) {
            const auto& votes = set->votes_of(i);  // a reference: no copy of the extension
            if (votes.empty()) continue;
            if (const std::int64_t* t = m_vote_seen->find(key_of(votes.front())))
                seen.emplace_back(*t, m_validators.at(i).voting_power);
        }
        std::sort(seen.begin(), seen.end());
        std::int64_t power = 0;
        auto& quorum = type == VoteType::prevote ? m_metrics.quorum_prevote : m_metrics.quorum_precommit;
        for (const auto& [t, p] : seen) {
            power += p;
            if (!m_validators.is_two_thirds(power)) continue;
            quorum = {true, (static_cast<double>(t) - block_ms) / 1e3, proposer};
            break;
        }
        if (type == VoteType::prevote && !seen.empty() && seen.size() == m_validators.size())
            m_metrics.full_prevote = {true, (static_cast<double>(seen.back().first) - block_ms) / 1e3,
                                      proposer};
    }
}

void Driver::note_precommits_counted() {
    // timeout_commit has ended: the precommits of the last height's deciding round this node
    // holds now, late ones included (CometBFT's consensus_precommits_counted).
    if (!m_prev_sm || m_last_commit.height != m_prev_sm->height()) return;
    const VoteSet* set = m_prev_sm->votes().find(m_last_commit.round, VoteType::precommit);
    std::int64_t count = 0, power = 0;
    for (std::size_t i = 0; set && i < m_validators.size(); ++i) {
        if (!set->has(i)) continue;
        ++count;
        power += m_validators.at(i).voting_power;
    }
    m_metrics.precommits_counted = count;
    const std::int64_t total = m_validators.total_power();
    m_metrics.precommits_power_percent =
        total > 0 ? 100.0 * static_cast<double>(power) / static_cast<double>(total) : 0;
}

void Driver::note_progress() {
    if (!m_sm) return;
    const std::int64_t now = m_scheduler.now_ms();
    const std::int64_t h = m_sm->height();
    const std::int32_t r = m_sm_started ? std::max(m_sm->round(), 0) : -1;
    const std::size_t step = m_sm_started ? static_cast<std::size_t>(m_sm->step()) : 0;
    Progress& p = m_progress;
    const bool measured = !m_replaying && p.height != 0;  // replay and start-up: no durations
    if (h != p.height || step != p.step) {
        if (measured && p.step < m_metrics.step_seconds.size())
            m_metrics.step_seconds[p.step]->observe(static_cast<double>(now - p.step_since_ms) / 1e3);
        p.step = step;
        p.step_since_ms = now;
    }
    if (h != p.height || r != p.round) {
        if (measured && p.round >= 0) {
            m_metrics.round_seconds.observe(static_cast<double>(now - p.round_since_ms) / 1e3);
            m_metrics.rounds = p.round;
        }
        p.round = r;
        p.round_since_ms = now;
    }
    p.height = h;
}

}  // namespace seer::consensus
