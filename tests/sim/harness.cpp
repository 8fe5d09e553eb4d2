#include "harness.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <utility>

#include "byzantine.hpp"
#include "recorded_app.hpp"
#include "seer/common/check.hpp"
#include "seer/consensus/sign_bytes.hpp"
#include "seer/crypto/address.hpp"
#include "seer/crypto/hash.hpp"

namespace seer::sim {
namespace {

constexpr std::int64_t k_start_ms = 1'000;

std::string short_hex(const consensus::Hash& hash) {
    return to_hex(ByteView(hash.data(), 4));
}

class NetOutbound final : public consensus::Outbound {
public:
    NetOutbound(Simulation& sim, std::size_t self) : m_sim(sim), m_self(self) {}
    void broadcast(ByteView message) override { m_sim.broadcast_from(m_self, message); }
    void send(consensus::PeerId peer, ByteView message) override {
        if (peer < m_sim.size() && peer != m_self)
            m_sim.send_from(m_self, static_cast<std::size_t>(peer), message);
    }

private:
    Simulation& m_sim;
    std::size_t m_self;
};

class NodeScheduler final : public consensus::Scheduler {
public:
    NodeScheduler(Simulation& sim, std::size_t self) : m_sim(sim), m_self(self) {}
    std::int64_t now_ms() override { return m_sim.now_ms(); }
    void schedule(std::int64_t delay_ms, const consensus::TimerEvent& event) override {
        m_sim.schedule_timer(m_self, delay_ms, event);
    }

private:
    Simulation& m_sim;
    std::size_t m_self;
};

// Driver logs are off unless SEER_SIM_LOG names a level ("debug", "info", ...): 200 seeds of
// "committed block" lines help nobody, one replayed seed with logs does.
void configure_logging() {
    static const bool done = [] {
        const char* level = std::getenv("SEER_SIM_LOG");
        spdlog::set_level(level && *level ? spdlog::level::from_str(level)
                                          : spdlog::level::off);
        return true;
    }();
    (void)done;
}

crypto::Seed validator_seed(std::uint64_t seed, std::size_t index) {
    return crypto::sha256(
        as_bytes("seer-sim/validator/" + std::to_string(seed) + "/" + std::to_string(index)));
}

}  // namespace

struct Simulation::Node {
    Node(Simulation& sim, std::size_t i, crypto::PrivateKey k)
        : index(i), key(std::move(k)), address(crypto::address_of(key.public_key())),
          kv(store::make_memory_store({"blocks", "state", "app"})),
          sign_state(store::make_memory_value()), net(sim, i), scheduler(sim, i) {
        record.on_crash_point = [this] {
            wal_at_crash_point = wal;
            sign_state_at_crash_point = sign_state->load();
        };
    }

    std::size_t index;
    crypto::PrivateKey key;
    consensus::Address address;
    std::shared_ptr<store::KvStore> kv;
    store::MemoryWalMedium wal;
    std::optional<store::MemoryWalMedium> wal_at_crash_point;
    std::shared_ptr<store::DurableValue> sign_state;
    // What the privval had stored at the crash point: whatever it signs after the power failed
    // (in the same event) is lost with the messages, so it must be lost from its state too.
    std::optional<std::optional<Bytes>> sign_state_at_crash_point;
    NodeRecord record;
    NetOutbound net;
    std::unique_ptr<ByzantineOutbound> byzantine;
    NodeScheduler scheduler;
    // Declared last: destroyed first (the driver refers to the app, outbound and scheduler).
    std::unique_ptr<consensus::Application> app;
    KvApp* kv_app = nullptr;        // app, when it is the default KvApp
    std::function<bool()> settle;   // from the app factory; refers to the app
    std::unique_ptr<consensus::Driver> driver;
    std::uint64_t incarnation = 0;
    std::size_t checked_finalized = 0;
    std::size_t checked_errors = 0;
};

consensus::TimeoutParams sim_timeouts() {
    consensus::TimeoutParams t;
    t.propose_ms = 300;
    t.propose_delta_ms = 100;
    t.prevote_ms = 100;
    t.prevote_delta_ms = 50;
    t.precommit_ms = 100;
    t.precommit_delta_ms = 50;
    t.commit_ms = 50;
    return t;
}

Simulation::Simulation(SimOptions options)
    : m_options(std::move(options)), m_rng(m_options.seed), m_faults(m_options.faults),
      m_now(k_start_ms) {
    SEER_CHECK(!m_options.powers.empty());
    configure_logging();
    const std::size_t n = m_options.powers.size();
    m_group.assign(n, 0);
    for (std::size_t i = 0; i < n; ++i) {
        m_nodes.push_back(std::make_unique<Node>(
            *this, i, crypto::PrivateKey::from_seed(validator_seed(m_options.seed, i))));
        m_by_address.emplace(m_nodes.back()->address, i);
    }
    if (m_options.byzantine) {
        Node& b = *m_nodes.at(*m_options.byzantine);
        b.byzantine = std::make_unique<ByzantineOutbound>(b.net, b.key, std::string(k_chain_id),
                                                          b.index, n, m_rng);
    }
    if (m_options.max_events == 0)
        m_options.max_events = std::max<std::uint64_t>(500'000, 5'000ull * n * n);
    // The topology: who may talk to whom at all (partitions come on top), and the links' fixed
    // latency.
    m_adjacent.assign(n, std::vector<bool>(n, m_options.topology.empty()));
    if (!m_options.topology.empty()) {
        SEER_CHECK(m_options.topology.size() == n);
        for (std::size_t a = 0; a < n; ++a)
            for (auto b : m_options.topology[a]) {
                SEER_CHECK(b < n && b != a);
                m_adjacent[a][b] = m_adjacent[b][a] = true;
            }
    }
    m_peers.assign(n, {});
    for (std::size_t a = 0; a < n; ++a) {
        m_adjacent[a][a] = false;
        for (std::size_t b = 0; b < n; ++b)
            if (m_adjacent[a][b]) m_peers[a].push_back(b);
    }
    m_link_ms.assign(n, std::vector<std::int64_t>(n, 0));
    if (m_options.link_max_ms > 0)
        for (std::size_t a = 0; a < n; ++a)
            for (std::size_t b = a + 1; b < n; ++b)
                m_link_ms[a][b] = m_link_ms[b][a] =
                    uniform(m_rng, m_options.link_min_ms, m_options.link_max_ms);
    // Every node exists before any starts, so the first proposal reaches everyone.
    for (std::size_t i = 0; i < n; ++i) create(i);
    for (std::size_t i = 0; i < n; ++i) start(i);
}

Simulation::~Simulation() {
    if (const char* stats = std::getenv("SEER_SIM_STATS"); stats && *stats == '1') {
        std::int32_t max_round = 0;
        for (const auto& node : m_nodes)
            if (node->driver && node->driver->state_machine())
                max_round = std::max(max_round, node->driver->state_machine()->round());
        std::fprintf(stderr, "sim-stats %s events=%llu virtual_ms=%lld heights=%lld..%lld round=%d\n",
                     replay().c_str(), static_cast<unsigned long long>(m_events),
                     static_cast<long long>(m_now - k_start_ms),
                     static_cast<long long>(min_height()), static_cast<long long>(max_height()),
                     max_round);
    }
    for (auto& node : m_nodes) {
        node->driver.reset();
        node->app.reset();
    }
}

std::string Simulation::replay() const {
    return "SEER_SIM_SEED=" + std::to_string(m_options.seed) + " scenario=" + m_options.scenario;
}

// ---- network ----

void Simulation::partition(const std::vector<std::vector<std::size_t>>& groups) {
    const auto old_group = m_group;
    for (std::size_t i = 0; i < m_group.size(); ++i) m_group[i] = -1 - static_cast<int>(i);
    for (std::size_t g = 0; g < groups.size(); ++g)
        for (auto node : groups[g]) m_group.at(node) = static_cast<int>(g);
    set_links(old_group);
}

void Simulation::heal() {
    const auto old_group = m_group;
    std::fill(m_group.begin(), m_group.end(), 0);
    set_links(old_group);
}

void Simulation::set_links(const std::vector<int>& old_group) {
    // Connections break across a partition and come back when it heals, as TCP's would: the
    // drivers learn of it (their peer state starts afresh).
    for (std::size_t a = 0; a < m_nodes.size(); ++a)
        for (auto b : m_peers[a]) {
            const bool was = old_group[a] == old_group[b];
            const bool is = connected(a, b);
            if (was == is || !is_up(a) || !is_up(b)) continue;
            if (is)
                m_nodes[a]->driver->add_peer(b);
            else
                m_nodes[a]->driver->remove_peer(b);
        }
}

void Simulation::connect_peers(std::size_t node) {
    for (auto peer : m_peers[node]) {
        if (!is_up(peer) || !connected(node, peer)) continue;
        m_nodes[node]->driver->add_peer(peer);
        m_nodes[peer]->driver->add_peer(node);
    }
}

bool Simulation::connected(std::size_t a, std::size_t b) const {
    return m_group.at(a) == m_group.at(b);
}

void Simulation::broadcast_from(std::size_t from, ByteView message) {
    observe(from, message);
    auto bytes = std::make_shared<const Bytes>(message.begin(), message.end());
    for (auto to : m_peers[from]) transmit(from, to, bytes);
}

void Simulation::send_from(std::size_t from, std::size_t to, ByteView message) {
    observe(from, message);
    transmit(from, to, std::make_shared<const Bytes>(message.begin(), message.end()));
}

void Simulation::transmit(std::size_t from, std::size_t to,
                          const std::shared_ptr<const Bytes>& bytes) {
    if (!m_adjacent[from][to] || !connected(from, to) || !is_up(to)) return;
    if (m_nodes[from]->record.crashed_in_commit) return;  // sent after its power failed
    ++m_traffic.messages;
    m_traffic.bytes += bytes->size();
    if (!bytes->empty()) {
        const std::uint8_t tag = (*bytes)[0];  // the ConsensusMessage field
        if (tag == 0x0A) ++m_traffic.proposals;
        if (tag == 0x12) ++m_traffic.votes;
        if (tag == 0x1A) ++m_traffic.statuses;
    }
    if (m_faults.drop > 0 && chance(m_rng, m_faults.drop)) return;
    const int copies = m_faults.duplicate > 0 && chance(m_rng, m_faults.duplicate) ? 2 : 1;
    for (int c = 0; c < copies; ++c) {
        Event ev;
        ev.kind = Event::Kind::deliver;
        ev.time = m_now + m_link_ms[from][to] +
                  uniform(m_rng, m_faults.min_delay_ms, m_faults.max_delay_ms);
        ev.node = to;
        ev.incarnation = m_nodes[to]->incarnation;
        ev.from = from;
        ev.bytes = bytes;
        push(std::move(ev));
    }
}

void Simulation::schedule_timer(std::size_t node, std::int64_t delay_ms,
                                const consensus::TimerEvent& timer) {
    Event ev;
    ev.kind = Event::Kind::timer;
    ev.time = m_now + std::max<std::int64_t>(delay_ms, 0);
    ev.node = node;
    ev.incarnation = m_nodes.at(node)->incarnation;
    ev.timer = timer;
    push(std::move(ev));
}

void Simulation::push(Event event) {
    event.seq = m_seq++;
    m_queue[event.time].push_back(std::move(event));
}

// ---- nodes ----

void Simulation::crash(std::size_t node, std::uint64_t torn_bytes) {
    Node& n = *m_nodes.at(node);
    if (!n.driver) return;
    for (auto peer : m_peers[node])
        if (is_up(peer)) m_nodes[peer]->driver->remove_peer(node);
    n.driver.reset();
    n.settle = nullptr;
    n.kv_app = nullptr;
    n.app.reset();
    if (n.wal_at_crash_point) {
        n.wal = *n.wal_at_crash_point;  // what the driver wrote after the crash point is lost
        n.wal_at_crash_point.reset();
    }
    if (n.sign_state_at_crash_point) {
        n.sign_state = store::make_memory_value();
        if (*n.sign_state_at_crash_point) n.sign_state->store(**n.sign_state_at_crash_point);
        n.sign_state_at_crash_point.reset();
    }
    n.record.crash_at_next_commit = false;
    n.record.crashed_in_commit = false;
    n.wal.crash(torn_bytes);
    ++n.incarnation;  // drops its timers and the messages in flight to it
    mix_trace(0xc0ffee ^ node);
}

void Simulation::restart(std::size_t node) {
    if (is_up(node)) return;
    create(node);
    start(node);
    if (m_nodes[node]->record.crashed_in_commit)  // armed crash hit in the handshake's replay
        crash(node, 0);
}

void Simulation::create(std::size_t node) {
    Node& n = *m_nodes.at(node);
    ++n.incarnation;
    KvAppOptions app_options;
    if (m_options.reject_extensions_of)
        app_options.reject_extensions_from = m_nodes.at(*m_options.reject_extensions_of)->address;
    if (m_options.app_factory) {
        SimApplication made = m_options.app_factory(AppContext{node, *n.kv, n.address});
        n.app = std::make_unique<RecordedApp>(std::move(made.app), n.record);
        n.kv_app = nullptr;
        n.settle = std::move(made.settle);
    } else {
        auto kv_app = std::make_unique<KvApp>(n.kv, n.address, app_options, n.record);
        n.kv_app = kv_app.get();
        n.app = std::move(kv_app);
        n.settle = nullptr;
    }

    consensus::DriverOptions opts;
    opts.chain_id = std::string(k_chain_id);
    opts.initial_height = 1;
    for (std::size_t i = 0; i < m_nodes.size(); ++i) {
        const auto& v = *m_nodes[i];
        opts.genesis_validators.push_back(
            consensus::Validator{v.address, v.key.public_key(), m_options.powers[i], 0});
    }
    opts.genesis_time = 0;
    opts.timeouts = m_options.timeouts;
    opts.gossip_interval_ms = m_options.gossip_interval_ms;
    opts.validator_key = n.key;
    if (m_options.mempool) opts.mempool = *m_options.mempool;
    // Every node checks the same signatures; in one process one check serves them all.
    opts.verified = m_verified;
    consensus::Outbound& out =
        n.byzantine ? static_cast<consensus::Outbound&>(*n.byzantine) : n.net;
    n.driver = std::make_unique<consensus::Driver>(
        std::move(opts), *n.app, consensus::DriverStorage{*n.kv, n.wal, *n.sign_state}, out,
        n.scheduler);
}

void Simulation::start(std::size_t node) {
    m_nodes.at(node)->driver->start();
    connect_peers(node);
    settle();
    mix_trace(0x5ca1ab1e ^ node);
    check_node(node);
}

void Simulation::forget_signatures(std::size_t node) {
    Node& n = *m_nodes.at(node);
    SEER_CHECK(!n.driver);
    n.wal = store::MemoryWalMedium{};
    n.sign_state = store::make_memory_value();
}

void Simulation::crash_at_next_commit(std::size_t node) {
    m_nodes.at(node)->record.crash_at_next_commit = true;
}

bool Simulation::is_up(std::size_t node) const {
    return m_nodes.at(node)->driver != nullptr;
}

consensus::Driver& Simulation::driver(std::size_t node) {
    SEER_CHECK(is_up(node));
    return *m_nodes.at(node)->driver;
}

const KvApp& Simulation::app(std::size_t node) const {
    SEER_CHECK(is_up(node));
    SEER_CHECK(m_nodes.at(node)->kv_app != nullptr);
    return *m_nodes.at(node)->kv_app;
}

consensus::Application& Simulation::application(std::size_t node) {
    SEER_CHECK(is_up(node));
    return *m_nodes.at(node)->app;
}

const NodeRecord& Simulation::record(std::size_t node) const {
    return m_nodes.at(node)->record;
}

const consensus::Address& Simulation::address(std::size_t node) const {
    return m_nodes.at(node)->address;
}

const crypto::PublicKey& Simulation::public_key(std::size_t node) const {
    return m_nodes.at(node)->key.public_key();
}

std::int64_t Simulation::total_power() const {
    std::int64_t total = 0;
    for (auto p : m_options.powers) total += p;
    return total;
}

std::int64_t Simulation::height(std::size_t node) const {
    const Node& n = *m_nodes.at(node);
    if (n.driver) return n.driver->height();
    return n.record.finalized.empty() ? 0 : n.record.finalized.rbegin()->first;
}

std::int64_t Simulation::min_height() const {
    std::int64_t h = height(0);
    for (std::size_t i = 1; i < m_nodes.size(); ++i) h = std::min(h, height(i));
    return h;
}

std::int64_t Simulation::max_height() const {
    std::int64_t h = height(0);
    for (std::size_t i = 1; i < m_nodes.size(); ++i) h = std::max(h, height(i));
    return h;
}

std::int64_t Simulation::min_honest_height() const {
    std::optional<std::int64_t> h;
    for (std::size_t i = 0; i < m_nodes.size(); ++i)
        if (is_honest(i)) h = std::min(h.value_or(height(i)), height(i));
    return h.value_or(0);
}

bool Simulation::submit_tx(std::size_t node, const std::string& tx) {
    if (!is_up(node)) return false;
    return m_nodes[node]->driver->submit_tx(to_bytes(tx)) == consensus::MempoolAddResult::added;
}

// ---- running ----

bool Simulation::run_until(const std::function<bool()>& done, std::int64_t duration_ms) {
    const std::int64_t deadline = m_now + duration_ms;
    while (true) {
        if (done()) return true;
        if (!ok()) return false;
        if (m_events >= m_options.max_events) {
            fail("event cap of " + std::to_string(m_options.max_events) + " reached");
            return false;
        }
        if (m_queue.empty() || m_queue.begin()->first > deadline) {
            m_now = std::max(m_now, deadline);
            return done();
        }
        auto first = m_queue.begin();
        Event ev = std::move(first->second[m_cursor++]);
        if (m_cursor == first->second.size()) {
            m_queue.erase(first);
            m_cursor = 0;
        }
        m_now = ev.time;
        process(ev);
    }
}

void Simulation::run_for(std::int64_t duration_ms) {
    run_until([] { return false; }, duration_ms);
}

void Simulation::process(const Event& ev) {
    Node& n = *m_nodes[ev.node];
    if (!n.driver || ev.incarnation != n.incarnation) return;  // died meanwhile
    ++m_events;
    mix_trace(static_cast<std::uint64_t>(ev.time));
    mix_trace(ev.node);
    switch (ev.kind) {
        case Event::Kind::deliver:
            if (!connected(ev.from, ev.node)) return;  // partitioned while in flight
            mix_trace(ev.from);
            mix_trace(ev.bytes->size());
            if (m_options.byzantine && ev.from == *m_options.byzantine && is_honest(ev.node))
                if (const auto* sm = n.driver->state_machine())
                    m_nodes[ev.from]->byzantine->arrived(ev.node, *ev.bytes, sm->height());
            (void)n.driver->on_message(ev.from, *ev.bytes);  // a drop is counted by the driver
            break;
        case Event::Kind::timer:
            mix_trace(static_cast<std::uint64_t>(ev.timer.kind) + 100);
            n.driver->on_timer(ev.timer);
            break;
    }
    settle();
    check_node(ev.node);
    if (n.record.crashed_in_commit)
        crash(ev.node, static_cast<std::uint64_t>(uniform(m_rng, 0, 64)));
}

void Simulation::settle() {
    if (!m_options.app_factory) return;  // only a factory's apps have background work
    for (std::size_t i = 0; i < m_nodes.size(); ++i) {
        Node& n = *m_nodes[i];
        if (n.driver && n.settle && !n.settle())
            fail("node " + std::to_string(i) + ": background work did not settle");
    }
}

void Simulation::mix_trace(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) {
        m_trace ^= (v >> (i * 8)) & 0xff;
        m_trace *= 1099511628211ull;
    }
}

// ---- invariants ----

void Simulation::fail(const std::string& what) {
    std::ostringstream out;
    out << replay() << " t=" << m_now << "ms events=" << m_events << ": " << what;
    m_violations.push_back(out.str());
}

std::optional<std::size_t> Simulation::node_of(const consensus::Address& address) const {
    auto it = m_by_address.find(address);
    if (it == m_by_address.end()) return std::nullopt;
    return it->second;
}

void Simulation::observe(std::size_t from, ByteView message) {
    if (m_nodes[from]->record.crashed_in_commit) return;  // its power failed: nothing goes out
    auto decoded = consensus::decode_message(message, consensus::k_max_block_bytes_hard);
    if (!decoded) return;  // garbage (the byzantine node's)
    if (const auto* p = std::get_if<consensus::ProposalMessage>(&*decoded)) {
        m_proposed.insert(consensus::block_id_of(p->block).hash);
        const auto signer = node_of(p->block.header.proposer_address);
        if (signer && is_honest(*signer))
            observe_signed(from, SignedKey{*signer, p->proposal.height, p->proposal.round, 0},
                           consensus::proposal_sign_bytes(k_chain_id, p->proposal),
                           p->proposal.signature, "proposal");
    } else if (const auto* v = std::get_if<consensus::VoteMessage>(&*decoded)) {
        const auto signer = node_of(v->vote.validator_address);
        if (signer && is_honest(*signer))
            observe_signed(from,
                           SignedKey{*signer, v->vote.height, v->vote.round,
                                     static_cast<int>(v->vote.type)},
                           consensus::vote_sign_bytes(k_chain_id, v->vote), v->vote.signature,
                           consensus::to_string(v->vote.type));
    }
}

void Simulation::observe_signed(std::size_t from, const SignedKey& key, Bytes sign_bytes,
                                const crypto::Signature& signature, const std::string& what) {
    auto it = m_signed.find(key);
    if (it == m_signed.end()) {
        // Only what honest nodes send is recorded unchecked (they relay verified messages);
        // the byzantine node's copies are only compared below.
        if (is_honest(from)) m_signed.emplace(key, Signed{std::move(sign_bytes), signature, from});
        return;
    }
    if (it->second.sign_bytes == sign_bytes) return;
    const std::size_t signer = std::get<0>(key);
    const auto& pk = public_key(signer);
    if (!crypto::verify(pk, sign_bytes, signature)) {
        if (is_honest(from))
            fail("honest node " + std::to_string(from) + " sent a " + what + " of validator " +
                 std::to_string(signer) + " with a bad signature");
        return;
    }
    if (!crypto::verify(pk, it->second.sign_bytes, it->second.signature)) {
        fail("honest node " + std::to_string(it->second.seen_from) + " sent a " + what +
             " of validator " + std::to_string(signer) + " with a bad signature");
        return;
    }
    fail("double sign: honest validator " + std::to_string(signer) + " signed two different " +
         what + "s at height " + std::to_string(std::get<1>(key)) + " round " +
         std::to_string(std::get<2>(key)) + " (seen from nodes " +
         std::to_string(it->second.seen_from) + " and " + std::to_string(from) + ")");
}

void Simulation::check_node(std::size_t node) {
    Node& n = *m_nodes[node];
    while (n.checked_errors < n.record.errors.size())
        fail("node " + std::to_string(node) + " app: " + n.record.errors[n.checked_errors++]);
    while (n.checked_finalized < n.record.finalize_log.size()) {
        const std::int64_t h = n.record.finalize_log[n.checked_finalized++];
        const FinalizedBlock& fb = n.record.finalized.at(h);
        const std::string where = "node " + std::to_string(node) + " height " + std::to_string(h);
        auto [it, fresh] = m_decided.emplace(h, fb.hash);
        if (!fresh && it->second != fb.hash)
            fail("agreement: " + where + " finalized block " + short_hex(fb.hash) +
                 " but another node finalized " + short_hex(it->second));
        auto [ait, afresh] = m_decided_app_hash.emplace(h, fb.app_hash);
        if (!afresh && ait->second != fb.app_hash)
            fail("app hash: " + where + " computed " + short_hex(fb.app_hash) +
                 " but another node computed " + short_hex(ait->second));
        if (!m_proposed.contains(fb.hash))
            fail("validity: " + where + " finalized block " + short_hex(fb.hash) +
                 " that was never proposed");
        bool accepted = false;
        for (std::size_t i = 0; i < m_nodes.size() && !accepted; ++i)
            accepted = is_honest(i) && m_nodes[i]->record.accepted_proposals.contains(fb.hash);
        if (!accepted)
            fail("validity: " + where + " finalized block " + short_hex(fb.hash) +
                 " that no honest node accepted in process_proposal");
        for (const auto& tx : fb.txs) m_committed_txs.insert(to_string(tx));
    }
}

void Simulation::check_final() {
    for (std::size_t i = 0; i < m_nodes.size(); ++i) {
        if (!is_up(i)) continue;
        const auto& d = *m_nodes[i]->driver;
        for (std::int64_t h = 1; h <= d.height(); ++h) {
            auto block = d.block(h);
            if (!block) {
                fail("node " + std::to_string(i) + " has no stored block at height " +
                     std::to_string(h) + " <= its height " + std::to_string(d.height()));
                continue;
            }
            const auto hash = consensus::block_id_of(*block).hash;
            auto it = m_decided.find(h);
            if (it == m_decided.end())
                fail("node " + std::to_string(i) + " stores block " + std::to_string(h) +
                     " that no application finalized");
            else if (it->second != hash)
                fail("agreement: node " + std::to_string(i) + " stores block " + short_hex(hash) +
                     " at height " + std::to_string(h) + ", decided " + short_hex(it->second));
        }
        const auto info = m_nodes[i]->app->info();
        if (info.last_block_height > 0) {
            auto it = m_decided_app_hash.find(info.last_block_height);
            if (it == m_decided_app_hash.end() || it->second != info.last_block_app_hash)
                fail("node " + std::to_string(i) + " app hash at its height " +
                     std::to_string(info.last_block_height) + " differs from the others'");
        }
        if (info.last_block_height != d.height())
            fail("node " + std::to_string(i) + " app committed height " +
                 std::to_string(info.last_block_height) + " != driver height " +
                 std::to_string(d.height()));
    }
}

std::string Simulation::dump() const {
    std::ostringstream out;
    for (std::size_t i = 0; i < m_nodes.size(); ++i) {
        const Node& n = *m_nodes[i];
        out << "\n  node " << i << (is_honest(i) ? "" : " (byzantine)") << " power "
            << m_options.powers[i] << " addr " << to_hex(ByteView(n.address.data(), 3));
        if (!n.driver) {
            out << " down";
            continue;
        }
        out << " height " << n.driver->height() << " peers " << n.driver->peer_count();
        const auto* sm = n.driver->state_machine();
        if (!sm) continue;
        out << " | deciding " << sm->height() << " round " << sm->round() << " step "
            << consensus::to_string(sm->step()) << " locked_round " << sm->locked_round()
            << " valid_round " << sm->valid_round();
        const std::int32_t last = std::max(sm->round(), sm->votes().max_round());
        for (std::int32_t r = std::max(0, last - 2); r <= last; ++r) {
            out << "\n    r" << r << (sm->proposal(r) ? " proposal " : " no proposal ");
            if (const auto* p = sm->proposal(r))
                out << short_hex(p->first.block_id.hash) << " pol " << p->first.pol_round;
            for (auto type : {consensus::VoteType::prevote, consensus::VoteType::precommit}) {
                const auto* set = sm->votes().find(r, type);
                out << " | " << consensus::to_string(type) << "s ";
                if (!set) {
                    out << "-";
                    continue;
                }
                for (const auto& v : set->votes())
                    out << (v.block_id.is_nil() ? std::string("nil")
                                                : short_hex(v.block_id.hash))
                        << "@" << v.validator_index << " ";
                out << "(" << set->total_power() << ")";
            }
        }
        out << "\n    counters";
        for (const auto& [name, value] : n.driver->counters()) out << " " << name << "=" << value;
    }
    return out.str();
}

std::uint64_t Simulation::honest_counter(std::string_view part) const {
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < m_nodes.size(); ++i) {
        if (!is_honest(i) || !m_nodes[i]->driver) continue;
        for (const auto& [name, value] : m_nodes[i]->driver->counters())
            if (name.find(part) != std::string::npos) sum += value;
    }
    return sum;
}

const ByzantineOutbound::Stats* Simulation::byzantine_stats() const {
    if (!m_options.byzantine) return nullptr;
    return &m_nodes.at(*m_options.byzantine)->byzantine->stats();
}

// ---- helpers ----

std::vector<std::uint64_t> sim_seeds(std::uint64_t default_count) {
    if (const char* one = std::getenv("SEER_SIM_SEED"); one && *one)
        return {std::strtoull(one, nullptr, 10)};
    std::uint64_t count = default_count;
    if (const char* n = std::getenv("SEER_SIM_SEEDS"); n && *n) count = std::strtoull(n, nullptr, 10);
    std::vector<std::uint64_t> seeds;
    for (std::uint64_t s = 1; s <= count; ++s) seeds.push_back(s);
    return seeds;
}

std::vector<std::int64_t> random_powers(std::mt19937_64& rng, std::size_t n, std::int64_t lo,
                                        std::int64_t hi) {
    std::vector<std::int64_t> powers;
    for (std::size_t i = 0; i < n; ++i) powers.push_back(uniform(rng, lo, hi));
    return powers;
}

std::int64_t uniform(std::mt19937_64& rng, std::int64_t lo, std::int64_t hi) {
    if (hi <= lo) return lo;
    const auto span = static_cast<std::uint64_t>(hi - lo) + 1;
    return lo + static_cast<std::int64_t>(rng() % span);
}

std::vector<std::vector<std::size_t>> random_topology(std::mt19937_64& rng, std::size_t n,
                                                      std::size_t degree) {
    std::vector<std::set<std::size_t>> peers(n);
    auto link = [&](std::size_t a, std::size_t b) {
        if (a == b) return;
        peers[a].insert(b);
        peers[b].insert(a);
    };
    for (std::size_t i = 0; i + 1 < n; ++i) link(i, i + 1);
    if (n > 2) link(n - 1, 0);
    degree = std::min(degree, n - 1);
    for (std::size_t a = 0; a < n; ++a)
        while (peers[a].size() < degree)
            link(a, static_cast<std::size_t>(uniform(rng, 0, static_cast<std::int64_t>(n) - 1)));
    std::vector<std::vector<std::size_t>> out(n);
    for (std::size_t a = 0; a < n; ++a) out[a].assign(peers[a].begin(), peers[a].end());
    return out;
}

bool chance(std::mt19937_64& rng, double p) {
    if (p <= 0) return false;
    if (p >= 1) return true;
    return static_cast<double>(rng() >> 11) * 0x1.0p-53 < p;
}

}  // namespace seer::sim
