#pragma once
// The deterministic simulation: N consensus drivers in one process, over an in-memory network
// with one virtual clock, one event queue and one seeded RNG. Same seed, same run.
//
// - Nodes: a consensus::Driver each, with a KvApp (or what SimOptions::app_factory builds, under
//   a RecordedApp), a memory KvStore ("blocks", "state", "app"), a MemoryWalMedium and a memory
//   DurableValue for the privval. The stores outlive a crash; the driver, the app (and whatever
//   it owns, e.g. a prophet), the node's timers and the messages in flight to it do not.
// - Network: every message is one event at now + a random delay; drops, delays, partitions and
//   heal can change at any time. A partition is checked when a message is sent and again when
//   it would be delivered.
// - A byzantine node's Outbound is wrapped by ByzantineOutbound (byzantine.hpp).
// - Invariants are checked on every delivered event (agreement, validity, app-hash agreement)
//   and on every message put on the wire (no honest validator signs two different votes or
//   proposals for one height/round/type); a violation stops the run and is kept in violations().
//
// One thread. Not copyable.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "byzantine.hpp"
#include "kv_app.hpp"
#include "seer/consensus/codec.hpp"
#include "seer/consensus/driver.hpp"
#include "seer/store/durable_value.hpp"
#include "seer/store/kv.hpp"
#include "seer/store/wal.hpp"

namespace seer::sim {

struct NetworkFaults {
    double drop = 0.0;               // probability that a message is lost
    std::int64_t min_delay_ms = 1;   // delays are uniform in [min, max]; random delays reorder
    std::int64_t max_delay_ms = 10;
    double duplicate = 0.0;          // probability that a message is delivered twice
};

/// Small timeouts in virtual time.
consensus::TimeoutParams sim_timeouts();

/// What an application factory gets for one incarnation of a node.
struct AppContext {
    std::size_t node = 0;
    store::KvStore& kv;  // columns "blocks", "state", "app"; outlives crashes
    consensus::Address address;
};

/// A node's application for one incarnation, built by SimOptions::app_factory.
struct SimApplication {
    std::unique_ptr<consensus::Application> app;
    /// Called after every processed event (and start) on every up node: waits for the node's
    /// background work (a prophet's worker threads) so that the next event sees it finished and
    /// a seed replays. Returns false when the work did not finish (a violation). May be empty.
    std::function<bool()> settle;
};
using AppFactory = std::function<SimApplication(const AppContext&)>;

struct SimOptions {
    std::string scenario;
    std::uint64_t seed = 1;
    std::vector<std::int64_t> powers;            // one validator per entry
    std::optional<std::size_t> byzantine;        // index of the equivocating validator
    std::optional<std::size_t> reject_extensions_of;  // every app rejects this one's extensions
    consensus::TimeoutParams timeouts = sim_timeouts();
    std::int64_t gossip_interval_ms = 50;
    NetworkFaults faults;
    /// A run that needs more events is a failure; 0: max(500,000, 5,000 n^2), since honest
    /// gossip costs O(n^2) messages per height.
    std::uint64_t max_events = 0;
    /// Who is a direct peer of whom (symmetric); empty: a full mesh. See random_topology().
    std::vector<std::vector<std::size_t>> topology;
    /// WAN-like links: every link gets a fixed one-way latency, uniform in [min, max], drawn
    /// once; the faults' delay comes on top as jitter. 0 / 0: none.
    std::int64_t link_min_ms = 0;
    std::int64_t link_max_ms = 0;
    /// Builds each node's application (again after every restart); empty: KvApp. The result is
    /// wrapped in a RecordedApp, so the invariants hold for it as for KvApp.
    AppFactory app_factory;
    /// Overrides the drivers' mempool options (the default holds 5000 txs).
    std::optional<consensus::MempoolOptions> mempool;
};

class Simulation {
public:
    static constexpr std::string_view k_chain_id = "seer-sim";

    explicit Simulation(SimOptions options);
    ~Simulation();
    Simulation(const Simulation&) = delete;
    Simulation& operator=(const Simulation&) = delete;

    /// "SEER_SIM_SEED=<seed> scenario=<name>": what a failure prints so it can be replayed.
    std::string replay() const;
    std::size_t size() const { return m_nodes.size(); }
    std::mt19937_64& rng() { return m_rng; }
    std::int64_t now_ms() const { return m_now; }
    std::uint64_t events() const { return m_events; }
    /// A running hash of every processed event: equal for two runs of the same seed.
    std::uint64_t trace_hash() const { return m_trace; }

    // ---- network ----
    void set_faults(const NetworkFaults& faults) { m_faults = faults; }
    const NetworkFaults& faults() const { return m_faults; }
    /// Nodes in different groups cannot talk; a node in no group is alone.
    void partition(const std::vector<std::vector<std::size_t>>& groups);
    void heal();
    bool connected(std::size_t a, std::size_t b) const;
    /// Direct peers by the topology (all other nodes in a full mesh).
    const std::vector<std::size_t>& neighbours(std::size_t node) const { return m_peers.at(node); }
    /// Messages put on the wire and their bytes, by kind (proposal, vote, status, other).
    struct Traffic {
        std::uint64_t messages = 0;
        std::uint64_t bytes = 0;
        std::uint64_t votes = 0;
        std::uint64_t statuses = 0;
        std::uint64_t proposals = 0;
    };
    const Traffic& traffic() const { return m_traffic; }
    void reset_traffic() { m_traffic = Traffic{}; }

    // ---- nodes ----
    /// Simulated power loss: the driver and app die, their timers and the messages in flight to
    /// the node are dropped, the WAL keeps `torn_bytes` of its unsynced tail.
    void crash(std::size_t node, std::uint64_t torn_bytes);
    /// Arms a crash inside the node's next app commit(): that commit is lost, and the node dies
    /// with its WAL as it was at that instant (so the start-up handshake must replay the block).
    void crash_at_next_commit(std::size_t node);
    /// For testing the invariants themselves: a crashed node loses its WAL and privval state
    /// (as if restored from an old backup), so after restart it may sign again what it signed.
    void forget_signatures(std::size_t node);
    /// A new app and driver over the same stores; start() replays the WAL.
    void restart(std::size_t node);
    bool is_up(std::size_t node) const;
    bool is_honest(std::size_t node) const { return node != m_options.byzantine; }
    consensus::Driver& driver(std::size_t node);
    /// The node's KvApp; only without SimOptions::app_factory.
    const KvApp& app(std::size_t node) const;
    /// The node's application as the driver sees it (for queries), when up.
    consensus::Application& application(std::size_t node);
    const NodeRecord& record(std::size_t node) const;
    const consensus::Address& address(std::size_t node) const;
    const crypto::PublicKey& public_key(std::size_t node) const;
    std::int64_t power(std::size_t node) const { return m_options.powers.at(node); }
    std::int64_t total_power() const;
    /// Last committed height: the driver's when up, the app's last finalize when down.
    std::int64_t height(std::size_t node) const;
    std::int64_t min_height() const;  // over every node
    std::int64_t max_height() const;
    std::int64_t min_honest_height() const;

    /// Submits a tx to one node (if up); returns whether its mempool took it.
    bool submit_tx(std::size_t node, const std::string& tx);

    // ---- running ----
    /// Processes events until `done()` holds, `duration_ms` of virtual time passed, a
    /// violation occurred or the event cap was hit. Returns done().
    bool run_until(const std::function<bool()>& done, std::int64_t duration_ms);
    void run_for(std::int64_t duration_ms);

    // ---- invariants ----
    const std::vector<std::string>& violations() const { return m_violations; }
    bool ok() const { return m_violations.empty(); }
    /// End-of-run checks: every up node's stored blocks match the decided ones, and every node
    /// that reached height h has the same app hash at h.
    void check_final();
    /// Decided block hash by height (the first node to finalize it).
    const std::map<std::int64_t, consensus::Hash>& decided() const { return m_decided; }
    /// Sum over honest up nodes of the driver counters whose name contains `part`.
    std::uint64_t honest_counter(std::string_view part) const;
    /// What the byzantine decorator did; nullptr without a byzantine node.
    const ByzantineOutbound::Stats* byzantine_stats() const;
    /// Every committed tx (by any node), as text.
    const std::set<std::string>& committed_txs() const { return m_committed_txs; }
    void fail(const std::string& what);
    /// Every node's consensus position (height, round, step, lock, votes of the last rounds):
    /// printed with liveness failures.
    std::string dump() const;

    // Used by the node's Outbound and Scheduler.
    void broadcast_from(std::size_t from, ByteView message);
    void send_from(std::size_t from, std::size_t to, ByteView message);
    void schedule_timer(std::size_t node, std::int64_t delay_ms, const consensus::TimerEvent& ev);

private:
    struct Node;
    struct Event {
        enum class Kind : std::uint8_t { deliver, timer };
        std::int64_t time = 0;
        std::uint64_t seq = 0;
        Kind kind = Kind::deliver;
        std::size_t node = 0;
        std::uint64_t incarnation = 0;
        std::size_t from = 0;
        std::shared_ptr<const Bytes> bytes;
        consensus::TimerEvent timer;
    };

    void create(std::size_t node);
    void start(std::size_t node);
    void transmit(std::size_t from, std::size_t to, const std::shared_ptr<const Bytes>& bytes);
    void push(Event event);
    void process(const Event& event);
    void observe(std::size_t from, ByteView message);
    void check_node(std::size_t node);
    void settle();
    std::optional<std::size_t> node_of(const consensus::Address& address) const;
    void mix_trace(std::uint64_t v);

    SimOptions m_options;
    std::mt19937_64 m_rng;
    NetworkFaults m_faults;
    std::int64_t m_now = 0;
    std::uint64_t m_seq = 0;
    std::uint64_t m_events = 0;
    std::uint64_t m_trace = 1469598103934665603ull;
    // Pending events by virtual millisecond, each bucket in push (seq) order: the order of a
    // (time, seq) heap without its sifting (about 200k events are in flight at 200
    // validators, and the heap was a fifth of the run). m_cursor: the next of the first bucket.
    std::map<std::int64_t, std::vector<Event>> m_queue;
    std::size_t m_cursor = 0;
    std::vector<std::unique_ptr<Node>> m_nodes;
    std::vector<int> m_group;  // partition group per node; all 0 when healed
    std::vector<std::vector<std::size_t>> m_peers;        // by node
    std::vector<std::vector<bool>> m_adjacent;            // by node pair
    std::vector<std::vector<std::int64_t>> m_link_ms;     // fixed latency by node pair
    std::shared_ptr<consensus::VerifiedSignatures> m_verified =
        std::make_shared<consensus::VerifiedSignatures>(std::size_t{1} << 20);
    Traffic m_traffic;
    void connect_peers(std::size_t node);
    void set_links(const std::vector<int>& old_group);
    std::map<consensus::Address, std::size_t> m_by_address;

    // Invariant state.
    std::vector<std::string> m_violations;
    std::map<std::int64_t, consensus::Hash> m_decided;
    std::map<std::int64_t, consensus::Hash> m_decided_app_hash;
    std::set<consensus::Hash> m_proposed;  // block hashes seen in proposals on the wire
    // What honest validators signed, by (validator, height, round, type); type 0 = proposal.
    struct Signed {
        Bytes sign_bytes;
        crypto::Signature signature{};
        std::size_t seen_from = 0;
    };
    using SignedKey = std::tuple<std::size_t, std::int64_t, std::int32_t, int>;
    void observe_signed(std::size_t from, const SignedKey& key, Bytes sign_bytes,
                        const crypto::Signature& signature, const std::string& what);
    std::map<SignedKey, Signed> m_signed;
    std::set<std::string> m_committed_txs;
};

/// The seeds a scenario runs: SEER_SIM_SEED=<n> runs only n; otherwise seeds 1..N with
/// N = SEER_SIM_SEEDS (default `default_count`, 200 unless a long scenario asks for fewer).
std::vector<std::uint64_t> sim_seeds(std::uint64_t default_count = 200);

/// Validator powers for tests: `n` random powers in [lo, hi].
std::vector<std::int64_t> random_powers(std::mt19937_64& rng, std::size_t n, std::int64_t lo,
                                        std::int64_t hi);

/// A random connected topology of n nodes: a ring, then random links until every node has at
/// least `degree` peers (so degrees are about `degree`, a few more).
std::vector<std::vector<std::size_t>> random_topology(std::mt19937_64& rng, std::size_t n,
                                                      std::size_t degree);

/// Uniform integer in [lo, hi] (std::uniform_int_distribution is not the same on every standard
/// library; this is, so a seed replays anywhere).
std::int64_t uniform(std::mt19937_64& rng, std::int64_t lo, std::int64_t hi);
/// True with probability p.
bool chance(std::mt19937_64& rng, double p);

}  // namespace seer::sim
