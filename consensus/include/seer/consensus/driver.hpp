#pragma once
// The consensus driver: runs one StateMachine per height and gives it what the pure core
// lacks: message decoding and signature checks, the privval, the WAL, the block store, the
// application, timers, gossip and block sync. Deterministic for a given input sequence, so the
// simulation drives the same code as the node. Owned by the consensus thread; every input
// (message, timer, tx) is a call on this object from that thread.

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "seer/common/flat_map.hpp"
#include "seer/common/histogram.hpp"
#include "seer/consensus/application.hpp"
#include "seer/consensus/codec.hpp"
#include "seer/consensus/mempool.hpp"
#include "seer/consensus/state_machine.hpp"
#include "seer/consensus/types.hpp"
#include "seer/consensus/validator_set.hpp"
#include "seer/store/durable_value.hpp"
#include "seer/store/kv.hpp"
#include "seer/store/wal.hpp"

namespace seer::store {
class BlockStore;
}

namespace seer::consensus {

class PrivValidator;

using PeerId = std::uint64_t;
/// The "peer" of inputs that come from this node itself (WAL replay).
inline constexpr PeerId k_self_peer = ~PeerId{0};

/// Where the driver's messages go: an in-memory network in the simulation, p2p in the node.
class Outbound {
public:
    virtual ~Outbound() = default;
    virtual void broadcast(ByteView message) = 0;
    virtual void send(PeerId peer, ByteView message) = 0;
};

struct TimerEvent {
    enum class Kind : std::uint8_t { timeout, gossip, commit };
    Kind kind = Kind::timeout;
    TimeoutInfo timeout;  // for Kind::timeout; height for Kind::commit
};

/// Time and timers: a virtual clock in the simulation, Asio timers in the node.
class Scheduler {
public:
    virtual ~Scheduler() = default;
    virtual std::int64_t now_ms() = 0;
    /// Calls Driver::on_timer(event) on the consensus thread after `delay_ms`.
    virtual void schedule(std::int64_t delay_ms, const TimerEvent& event) = 0;
};

/// Ids (SHA-256 of key, message and signature) of signatures that verified: votes arrive again
/// inside commits and blocks, and are checked once. Bounded: cleared when above `capacity`.
class VerifiedSignatures {
public:
    explicit VerifiedSignatures(std::size_t capacity = std::size_t{1} << 14);
    bool verify(const crypto::PublicKey& key, ByteView message, ByteView signature);
    /// Called once per height: clears the set when it grew above its capacity.
    void trim() {
        if (m_entries.size() > m_capacity) m_entries.clear();
    }

private:
    // Keyed by the signature; a hit compares the key and the whole message, so a cached
    // answer is exactly the verification it stands for (no digest to collide).
    struct Entry {
        crypto::PublicKey key;
        Bytes message;
    };
    struct SignatureHash {
        crypto::ShortHashKey seed;
        std::size_t operator()(const crypto::Signature& s) const;
    };
    std::unordered_map<crypto::Signature, Entry, SignatureHash> m_entries;
    std::size_t m_capacity;
};

struct DriverOptions {
    std::string chain_id;
    std::int64_t initial_height = 1;
    std::vector<Validator> genesis_validators;
    Timestamp genesis_time = 0;
    TimeoutParams timeouts;
    std::int64_t max_block_bytes = 4 << 20;
    std::int64_t max_message_bytes = 8 << 20;
    /// The gossip tick: a status goes out when it changed since the last one, and peers that
    /// announced a status get what they lack (docs/architecture.md, "Gossip").
    std::int64_t gossip_interval_ms = 100;
    /// A status goes out at least this often, changed or not.
    std::int64_t status_heartbeat_ms = 1000;
    /// What a peer lacks by its status is sent only when this node has held it this long: a
    /// younger vote is most likely still on its way to the peer from its author.
    std::int64_t repair_delay_ms = 100;
    /// A vote or proposal sent to a peer that still does not announce it is sent again after
    /// this long (the peer was at another height, or restarted).
    std::int64_t resend_after_ms = 2000;
    /// Signatures already verified; empty: the driver's own. The simulation shares one over
    /// every node, since every node checks the same signatures.
    std::shared_ptr<VerifiedSignatures> verified;
    std::int64_t max_blocks_per_response = 8;
    MempoolOptions mempool;
    std::optional<crypto::PrivateKey> validator_key;  // none: a full node that only follows
    /// Called on the consensus thread after finalize_block and before the application's
    /// commit, for every block applied (also when the start-up handshake replays one), so a
    /// node can store results and tx indexes that a crash can never leave behind the app.
    std::function<void(const Block&, const FinalizeBlockResponse&)> on_block_finalized;
    /// Called on the consensus thread after a block is committed (not during the handshake).
    std::function<void(const Block&, const FinalizeBlockResponse&)> on_block_committed;
};

struct DriverStorage {
    store::KvStore& kv;  // columns "blocks" and "state"
    store::WalMedium& wal;
    store::DurableValue& sign_state;
};

/// Counted reasons for dropped input and notable events ("drop.bad_signature", ...).
using Counters = std::map<std::string, std::uint64_t, std::less<>>;

/// The figures behind CometBFT's consensus, state and blocksync metrics (docs/metrics.md), as
/// the driver measures them. Written and read on the consensus thread (the node reads them
/// through a post); the histograms are atomic besides. Counters count since the process
/// started, as CometBFT's do. WAL replay and the start-up handshake count nothing.
struct DriverMetrics {
    // The last committed block (consensus_num_txs, _block_size_bytes, _missing_validators).
    std::int64_t block_txs = 0;
    std::int64_t block_bytes = 0;
    std::int64_t missing_validators = 0;  // absent from the commit the block carries
    std::int64_t missing_power = 0;
    std::uint64_t chain_bytes = 0;  // encoded blocks committed
    std::uint64_t total_txs = 0;    // txs committed
    // This node's validator, when it is one: in the commit each block carries.
    std::int64_t own_last_signed_height = 0;
    std::uint64_t own_missed_blocks = 0;

    /// The round that ended last (CometBFT's consensus_rounds).
    std::int32_t rounds = 0;
    Histogram round_seconds{Histogram::exponential_range(0.1, 100, 8)};
    Histogram block_interval_seconds{Histogram::default_seconds()};
    /// Time in each step, by k_step_names: a new height waits for timeout_commit in NewHeight.
    static constexpr std::array<const char*, 4> k_step_names{"NewHeight", "Propose", "Prevote",
                                                              "Precommit"};
    std::array<std::unique_ptr<Histogram>, k_step_names.size()> step_seconds;

    // Proposals: a proposal carries its whole block, so it is the block's one part (ADR 0003).
    std::map<PeerId, std::uint64_t> peer_proposals;  // received from each connected peer
    std::uint64_t proposals_current = 0;  // for the height being decided
    std::uint64_t proposals_other = 0;    // another height, or too many rounds ahead
    std::uint64_t duplicate_proposals = 0;
    std::uint64_t duplicate_votes = 0;
    std::uint64_t late_prevotes = 0;  // an earlier height, or an earlier round of this one
    std::uint64_t late_precommits = 0;
    std::uint64_t extensions_accepted = 0;  // verify_vote_extension on received precommits
    std::uint64_t extensions_rejected = 0;
    std::uint64_t proposals_accepted = 0;  // process_proposal
    std::uint64_t proposals_rejected = 0;
    std::uint64_t proposals_created = 0;

    /// From the decided block's time (the proposer's clock) to when this node held the vote
    /// that made +2/3 (quorum) or the last of all validators' (full); seer's votes carry no
    /// timestamp of their own. Set at each decision this node voted through (not block sync).
    struct VoteDelay {
        bool set = false;
        double seconds = 0;
        std::string proposer;  // upper-case hex address
    };
    VoteDelay quorum_prevote;
    VoteDelay quorum_precommit;
    VoteDelay full_prevote;
    /// Precommits of the last height's deciding round held when timeout_commit ended.
    std::int64_t precommits_counted = 0;
    double precommits_power_percent = 0;

    /// finalize_block's run time in milliseconds (CometBFT's state_block_processing_time).
    Histogram block_processing_ms{Histogram::linear(1, 10, 10)};

    // Blocks applied from block responses (catching up through the gossip).
    std::int64_t synced_height = 0;
    std::int64_t synced_block_txs = 0;
    std::int64_t synced_block_bytes = 0;
    std::uint64_t synced_total_txs = 0;

    DriverMetrics() {
        for (auto& h : step_seconds)
            h = std::make_unique<Histogram>(Histogram::exponential_range(0.1, 100, 8));
    }
};

class Driver {
public:
    Driver(DriverOptions options, Application& app, DriverStorage storage, Outbound& out,
           Scheduler& scheduler);
    ~Driver();
    Driver(const Driver&) = delete;
    Driver& operator=(const Driver&) = delete;

    /// Handshake (replays stored blocks the application has not committed), WAL replay, then
    /// joins consensus at the next height.
    void start();
    /// An error when the bytes are not a consensus message at all (the peer is faulty and may
    /// be banned); every other drop is counted and is not the sender's fault by itself.
    Status on_message(PeerId from, ByteView bytes);
    void on_timer(const TimerEvent& event);
    MempoolAddResult submit_tx(Bytes tx, CheckTxResponse* response = nullptr);
    /// A peer connected / disconnected: the driver keeps what it knows the peer has, so it sends
    /// each vote and proposal to a peer at most once (docs/architecture.md, "Gossip").
    void add_peer(PeerId peer);
    void remove_peer(PeerId peer);

    /// Last committed height (0 before the first block).
    std::int64_t height() const;
    Hash app_hash() const { return m_app_hash; }
    const ValidatorSet& validators() const { return m_validators; }
    const store::BlockStore& blocks() const { return *m_blocks; }
    std::optional<Block> block(std::int64_t height) const;
    const Counters& counters() const { return m_counters; }
    const DriverMetrics& metrics() const { return m_metrics; }
    /// This node's index in the validator set, when it is a validator.
    std::optional<std::size_t> self_index() const { return m_self; }
    /// A peer announced a height more than one above the one in progress: this node is
    /// fetching blocks by block requests (a peer one height ahead most likely just committed).
    bool syncing() const;
    /// Share (0 to 1) of the voting power whose votes of `type` this node holds for the
    /// round in progress (CometBFT's consensus_round_voting_power_percent).
    double round_power_fraction(VoteType type) const;
    const StateMachine* state_machine() const { return m_sm.get(); }
    const Mempool& mempool() const { return m_mempool; }
    std::size_t peer_count() const { return m_peers.size(); }
    /// Why the height in progress has not been decided, as far as this node can tell: its sign
    /// state ahead of the stored chain, no peers, too little voting power heard from (naming
    /// the silent validators), no proposal, or no majority. One line, for the stall log.
    std::string stall_cause() const;

private:
    class Host;
    friend class Host;

    void handshake();
    void replay_wal();
    void enter_height(std::int64_t height);
    Block create_block(std::int64_t height, std::int32_t round);
    bool validate_block(const Block& block, bool run_app);
    bool verify_commit(const ExtendedCommit& commit, std::int64_t height, const BlockId& id,
                       bool check_extensions);
    bool verify_cached(const crypto::PublicKey& key, ByteView message, ByteView signature);
    FinalizeBlockResponse apply_block(const Block& block);
    void commit_block(const Block& block, const ExtendedCommit& commit);
    void after_sm();  // acts on a decision the state machine just made
    void handle_proposal(PeerId from, const Proposal& p, const Block& b);
    void handle_vote(PeerId from, const Vote& v);
    void handle_late_vote(PeerId from, const Vote& v);
    void handle_status(PeerId from, const StatusMessage& s);
    void send_blocks(PeerId to, std::int64_t from_height);
    void handle_block_response(const Block& b, const ExtendedCommit& c);
    ExtendedCommit filter_synced_extensions(const Block& b, const ExtendedCommit& c);
    void detect_commit_equivocation(const ExtendedCommit& c);
    void gossip_tick();
    // Peer state (gossip).
    struct VoteKey {
        std::int64_t height = 0;
        std::int32_t round = 0;
        VoteType type = VoteType::prevote;
        std::uint32_t index = 0;
        std::uint32_t tag = 0;
        auto operator<=>(const VoteKey&) const = default;
    };
    using ProposalKey = std::tuple<std::int64_t, std::int32_t, Hash>;  // height, round, block
    class VoteTimes;
    struct PeerState;
    static VoteKey key_of(const Vote& v);
    StatusMessage make_status() const;
    void send_vote(PeerId to, PeerState& peer, const Vote& v, const Bytes* encoded = nullptr);
    void send_proposal(PeerId to, PeerState& peer, const Proposal& p, const Block& b);
    void relay_vote(PeerId from, const Vote& v, bool conflicting);
    void relay_proposal(PeerId from, const Proposal& p, const Block& b);
    void repair(PeerId to, PeerState& peer);
    void catch_up(PeerId to, PeerState& peer);
    /// `polka_missing`: the peer's status lacks a polka this vote belongs to, so a vote sent
    /// before and since lost is sent again even when the peer is in a later round.
    bool peer_lacks(const PeerState& peer, const VoteKey& key, bool polka_missing = false) const;
    void note_received(PeerState& peer, const VoteKey& key);
    void track_peer(PeerId id);  // a new PeerState (see since_seq)
    const std::vector<PeerId>& relay_targets(std::size_t validator);
    void wal_write(const Bytes& record, bool sync);
    void count(std::string_view what);
    ExtendedCommitInfo commit_info(const ExtendedCommit& commit) const;
    // Metrics (DriverMetrics).
    void note_block_metrics(const Block& block, std::int64_t encoded_bytes);
    void note_vote_delays(const Block& block, std::int32_t round);
    void note_precommits_counted();
    void note_progress();  // after every state machine input: step and round durations

    DriverOptions m_options;
    Application& m_app;
    DriverStorage m_storage;
    Outbound& m_out;
    Scheduler& m_scheduler;

    ValidatorSet m_genesis_validators;
    ValidatorSet m_validators;  // for the height being decided
    std::unique_ptr<store::BlockStore> m_blocks;
    std::unique_ptr<store::Wal> m_wal;
    std::unique_ptr<PrivValidator> m_privval;
    std::optional<std::size_t> m_self;
    std::unique_ptr<Host> m_host;
    std::unique_ptr<StateMachine> m_sm;
    std::unique_ptr<StateMachine> m_prev_sm;  // the last finished height, read-only
    Mempool m_mempool;

    Hash m_app_hash{};
    BlockId m_last_block_id;
    Timestamp m_last_block_time = 0;
    ExtendedCommit m_last_commit;  // decided the last committed block
    std::optional<std::pair<Block, ExtendedCommit>> m_decision;
    std::shared_ptr<VerifiedSignatures> m_verified;
    FlatMap<PeerId, std::unique_ptr<PeerState>> m_peers;  // looked up on every message
    // Our own votes: when each went to every peer then connected (seq: see PeerState).
    struct OwnSend {
        std::int64_t time = 0;
        std::uint64_t seq = 0;
    };
    FlatMap<VoteKey, OwnSend> m_own_sent;
    std::uint64_t m_peer_seq = 0;  // counts peers added and own broadcasts
    std::unique_ptr<VoteTimes> m_vote_seen;               // when this node got each vote
    std::map<ProposalKey, std::int64_t> m_proposal_seen;  // when it got each proposal
    // Per validator, the peers to relay its votes to: those its node is not a direct peer of.
    std::vector<std::vector<PeerId>> m_relay_targets;
    bool m_relay_targets_dirty = true;
    std::optional<StatusMessage> m_last_status;
    std::int64_t m_last_status_ms = 0;
    std::int64_t m_height_since_ms = 0;  // when this node entered the height it decides
    bool m_sm_started = false;
    bool m_replaying = false;
    Counters m_counters;
    DriverMetrics m_metrics;
    // Where note_progress last saw the state machine (round -1: waiting for timeout_commit).
    struct Progress {
        std::int64_t height = 0;
        std::int32_t round = -1;
        std::size_t step = 0;  // index into DriverMetrics::k_step_names
        std::int64_t step_since_ms = 0;
        std::int64_t round_since_ms = 0;
    };
    Progress m_progress;
};

}  // namespace seer::consensus
