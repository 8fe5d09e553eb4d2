// The x/async module on 4 validators (docs/async-simulation.md): real modules over each node's
// store, real prophets with fast handlers, futures submitted as signed txs. Each scenario checks
// the harness's invariants (agreement, validity, app hashes, no double signs) and what the
// module promises: futures end in the right state with the same record on every node.

#include <cstdio>
#include <set>

#include "async_harness.hpp"
#include "scenario.hpp"
#include "seer/async/tx.hpp"

namespace seer::sim {
namespace {

constexpr std::size_t k_validators = 4;

bool stats_enabled() {
    const char* s = std::getenv("SEER_SIM_STATS");
    return s && *s == '1';
}

/// Inclusion -> VERIFIED distances (final_height - created_height) over a scenario's seeds.
struct Latencies {
    std::map<std::int64_t, std::uint64_t> histogram;
    void add(const av1::Future& f) { ++histogram[f.final_height() - f.created_height()]; }
    void print(const std::string& scenario) const {
        if (!stats_enabled()) return;
        std::string line;
        std::uint64_t n = 0;
        for (const auto& [d, c] : histogram) {
            line += " +" + std::to_string(d) + ":" + std::to_string(c);
            n += c;
        }
        std::fprintf(stderr, "async-stats %s verified=%llu created->final heights%s\n",
                     scenario.c_str(), static_cast<unsigned long long>(n), line.c_str());
    }
};

/// Powers of 4 validators where `special` has less than half of the others' power (so the
/// others hold more than 2/3), but not much less, so it still proposes often.
std::vector<std::int64_t> powers_with_minor(std::mt19937_64& setup, std::size_t special) {
    auto powers = random_powers(setup, k_validators, 10, 30);
    std::int64_t others = 0;
    for (std::size_t i = 0; i < k_validators; ++i)
        if (i != special) others += powers[i];
    powers[special] = std::max<std::int64_t>(1, (others - 1) / 2 - uniform(setup, 0, 3));
    return powers;
}

/// One scenario run: the simulation with the module on every node, the clients and what they
/// submitted.
class AsyncRun {
public:
    AsyncRun(const std::string& scenario, std::uint64_t seed, std::vector<std::int64_t> powers,
             std::shared_ptr<AsyncSetup> setup, std::size_t clients,
             const std::function<void(SimOptions&)>& tweak = {})
        : m_setup(std::move(setup)) {
        SimOptions options;
        options.scenario = scenario;
        options.seed = seed;
        options.powers = std::move(powers);
        options.app_factory = async_app_factory(m_setup, options.powers.size());
        if (tweak) tweak(options);
        for (std::size_t i = 0; i < clients; ++i) m_clients.emplace_back(i);
        m_sim = std::make_unique<Simulation>(std::move(options));
    }

    Simulation& sim() { return *m_sim; }
    AsyncSetup& setup() { return *m_setup; }
    const std::vector<std::string>& txs() const { return m_txs; }

    /// Signs a MsgAddFuture with the client's next sequence and sends it to every node.
    void submit(std::size_t client, const std::string& handler, const std::string& input) {
        m_txs.push_back(m_clients.at(client).add_future(handler, input));
        submit_everywhere(*m_sim, m_txs.back());
    }

    /// A mix of echo, math and hashchain futures, `count` of them, round-robin over clients.
    void submit_mix(int count, std::vector<std::string> handlers = {"echo", "math", "hashchain"}) {
        auto& rng = m_sim->rng();
        for (int i = 0; i < count; ++i) {
            const auto& handler = handlers[m_txs.size() % handlers.size()];
            const std::size_t client = m_txs.size() % m_clients.size();
            const auto r = rng() % 1000;
            std::string input;
            if (handler == "echo") input = "hello-" + std::to_string(m_txs.size()) + "-" + std::to_string(r);
            else if (handler == "math") input = m_txs.size() % 2 ? "2+4" : std::to_string(r) + "*(3-7)^2";
            else input = hashchain_input("d" + std::to_string(r), 1 + r);
            submit(client, handler, input);
        }
    }

    /// Every submitted tx committed and, on every up node, futures 1..N exist and are final.
    /// Queries only when some node's height changed.
    bool all_final() {
        std::int64_t key = 0;
        for (std::size_t i = 0; i < m_sim->size(); ++i) key = key * 1000 + m_sim->height(i);
        if (key == m_checked_key) return m_checked_result;
        m_checked_key = key;
        m_checked_result = false;
        if (!all_committed(*m_sim, m_txs)) return false;
        for (std::size_t n = 0; n < m_sim->size(); ++n) {
            if (!m_sim->is_up(n)) continue;
            for (std::uint64_t id = 1; id <= m_txs.size(); ++id) {
                auto f = query_future(m_sim->application(n), id);
                if (!f || !is_final(*f)) return false;
            }
        }
        m_checked_result = true;
        return true;
    }

    bool run_until_final(std::int64_t duration_ms) {
        return m_sim->run_until([this] { return all_final(); }, duration_ms);
    }

    /// Node 0's futures; every up node holds exactly the same records; one future per
    /// submitted tx.
    std::vector<av1::Future> agreed_futures(Verdict& v) {
        auto mine = query_all_futures(m_sim->application(0));
        for (std::size_t n = 1; n < m_sim->size(); ++n) {
            if (!m_sim->is_up(n) || m_sim->height(n) != m_sim->height(0)) continue;
            auto theirs = query_all_futures(m_sim->application(n));
            bool same = theirs.size() == mine.size();
            for (std::size_t i = 0; same && i < mine.size(); ++i)
                same = theirs[i].SerializeAsString() == mine[i].SerializeAsString();
            v.expect(same, "node " + std::to_string(n) + " future records differ from node 0's");
        }
        std::set<std::string> hashes;
        for (const auto& tx : m_txs) {
            const auto h = async::tx_hash(as_bytes(tx));
            hashes.insert(std::string(h.begin(), h.end()));
        }
        std::set<std::string> on_chain;
        for (const auto& f : mine) on_chain.insert(f.tx_hash());
        v.expect(on_chain == hashes, "one future per submitted tx: " +
                                         std::to_string(on_chain.size()) + " futures for " +
                                         std::to_string(hashes.size()) + " txs");
        return mine;
    }

    /// The end of every scenario: safe, every node agrees with the decided chain.
    void check_end(Verdict& v) {
        v.expect_safe(*m_sim);
        m_sim->check_final();
        v.expect_safe(*m_sim);
    }

private:
    std::shared_ptr<AsyncSetup> m_setup;
    std::vector<FutureClient> m_clients;
    std::unique_ptr<Simulation> m_sim;
    std::vector<std::string> m_txs;
    std::int64_t m_checked_key = -1;
    bool m_checked_result = false;
};

std::string describe(const av1::Future& f) {
    return "future " + std::to_string(f.id()) + " (" + f.handler() + ") " +
           status_name(f.status()) + " created " + std::to_string(f.created_height()) +
           " result " + std::to_string(f.result().height()) + " final " +
           std::to_string(f.final_height()) + " attempts " + std::to_string(f.attempts()) +
           " votes " + std::to_string(f.votes_size()) + " reason '" + f.final_reason() + "'";
}

/// VERIFIED with the output a correct execution gives.
bool expect_verified(Verdict& v, const av1::Future& f) {
    const auto want = expected_output(f.handler(), f.input());
    return v.expect(f.status() == av1::FUTURE_STATUS_VERIFIED && want &&
                        f.result().output() == *want && f.result().error().empty(),
                    describe(f) + " is not VERIFIED with the right output '" +
                        want.value_or("?") + "', has '" + f.result().output() + "'");
}

std::shared_ptr<AsyncSetup> default_setup(const async::Params& params, std::size_t clients) {
    auto setup = std::make_shared<AsyncSetup>();
    setup->genesis = async_genesis(clients, params);
    setup->prophet_options = [](std::size_t) { return fast_prophet_options(); };
    return setup;
}

/// Seeds for the longer scenarios: SEER_SIM_SEED / SEER_SIM_SEEDS win, else 1..n.
std::vector<std::uint64_t> seeds_up_to(std::uint64_t n) {
    if (std::getenv("SEER_SIM_SEED") || std::getenv("SEER_SIM_SEEDS")) return sim_seeds();
    std::vector<std::uint64_t> out;
    for (std::uint64_t s = 1; s <= n; ++s) out.push_back(s);
    return out;
}

void for_seeds(const std::string& scenario, std::uint64_t n,
               const std::function<void(std::uint64_t, Verdict&)>& run) {
    int failing = 0;
    for (const auto seed : seeds_up_to(n)) {
        INFO("replay: SEER_SIM_SEED=" << seed << " scenario=" << scenario);
        Verdict verdict;
        run(seed, verdict);
        if (!verdict.ok() && ++failing >= max_failing_seeds()) {
            MESSAGE("scenario " << scenario << ": stopping after " << failing
                                << " failing seeds");
            break;
        }
    }
}

// ---- a) honest: futures reach VERIFIED by H+3 -----------------------------------------------

struct HonestResult {
    std::uint64_t trace = 0;
    std::uint64_t events = 0;
    std::map<std::int64_t, consensus::Hash> decided;
};

HonestResult run_honest(std::uint64_t seed, Verdict& v, Latencies& lat) {
    auto setup_rng_ = setup_rng(seed);
    async::Params params;
    AsyncRun run("async_honest", seed, random_powers(setup_rng_, k_validators, 10, 30),
                 default_setup(params, 2), 2);
    auto& sim = run.sim();
    // Three waves, one block or so apart, so futures are created at different heights.
    run.submit(0, "echo", "hello");
    run.submit(1, "math", "2+4");
    run.submit(0, "hashchain", hashchain_input("seer", 1000));
    for (int wave = 0; wave < 2; ++wave) {
        const auto h = sim.max_height();
        sim.run_until([&] { return sim.max_height() > h; }, 5'000);
        run.submit_mix(3);
    }
    const bool done = run.run_until_final(30'000);
    v.expect_safe(sim);
    v.expect_live(sim, done, "every future final on every node within 30 s; heights " +
                                 heights(sim));
    run.check_end(v);
    for (const auto& f : run.agreed_futures(v)) {
        if (!expect_verified(v, f)) continue;
        lat.add(f);
        v.expect(f.final_height() - f.created_height() <= 3,
                 describe(f) + ": VERIFIED later than H+3 without network faults");
        v.expect(f.attempts() == 0, describe(f) + ": an honest result was rejected");
    }
    return {sim.trace_hash(), sim.events(), sim.decided()};
}

TEST_CASE("sim: async futures from signed txs reach VERIFIED on every node by H+3") {
    Latencies lat;
    for_each_seed("async_honest", [&](std::uint64_t seed, Verdict& v) {
        const auto first = run_honest(seed, v, lat);
        // With real worker threads a seed still replays (the prophets settle after every event).
        if (seed <= 5) {
            Latencies ignored;
            const auto again = run_honest(seed, v, ignored);
            v.expect(again.trace == first.trace && again.events == first.events &&
                         again.decided == first.decided,
                     "the same seed gave a different run");
        }
    });
    lat.print("async_honest");
}

// ---- b) a byzantine proposer submits wrong results -------------------------------------------

struct ForgeStats {
    std::uint64_t forged_txs = 0;
    std::set<std::uint64_t> forged_ids;
};

/// Rewrites every output of its own results tx.
class ForgingProposer final : public ForwardingApp {
public:
    ForgingProposer(std::unique_ptr<consensus::Application> inner, std::shared_ptr<ForgeStats> s)
        : ForwardingApp(std::move(inner)), m_stats(std::move(s)) {}

    consensus::PrepareProposalResponse prepare_proposal(
        const consensus::PrepareProposalRequest& request) override {
        auto out = inner().prepare_proposal(request);
        if (out.txs.empty() || out.txs[0].empty() || out.txs[0][0] != async::k_results_tx_marker)
            return out;
        auto results = async::decode_results_tx(out.txs[0]);
        if (!results) return out;
        for (auto& r : results->results) {
            if (r.error.empty()) {
                r.output = to_bytes("forged:" + to_string(r.output));
            } else {
                r.error.clear();
                r.output = to_bytes("forged");
            }
            m_stats->forged_ids.insert(r.future_id);
        }
        out.txs[0] = async::encode_results_tx(*results);
        ++m_stats->forged_txs;
        return out;
    }

private:
    std::shared_ptr<ForgeStats> m_stats;
};

void run_forging(std::uint64_t seed, Verdict& v, Latencies& lat) {
    auto srng = setup_rng(seed);
    const auto byz = static_cast<std::size_t>(uniform(srng, 0, k_validators - 1));
    async::Params params;
    params.max_attempts = 20;  // the forger may propose several times in a row
    auto setup = default_setup(params, 2);
    auto stats = std::make_shared<ForgeStats>();
    setup->decorate = [byz, stats](std::size_t node, std::unique_ptr<consensus::Application> m)
        -> std::unique_ptr<consensus::Application> {
        if (node != byz) return m;
        return std::make_unique<ForgingProposer>(std::move(m), stats);
    };
    AsyncRun run("async_forged_results", seed, powers_with_minor(srng, byz), setup, 2);
    auto& sim = run.sim();
    // A future per block until the forger has forged a few times.
    for (int step = 0; step < 60 && (stats->forged_txs < 2 || step < 6); ++step) {
        run.submit_mix(1);
        const auto h = sim.max_height();
        if (!sim.run_until([&] { return sim.max_height() > h; }, 5'000)) break;
    }
    const bool done = run.run_until_final(60'000);
    v.expect_safe(sim);
    v.expect_live(sim, done, "every future final within 60 s; heights " + heights(sim));
    run.check_end(v);
    v.expect(stats->forged_txs > 0, "the byzantine node never proposed a results tx");
    for (std::size_t i = 0; i < k_validators; ++i)
        if (i != byz && stats->forged_txs > 0)
            v.expect(run.setup().nodes[i].events["future_rejected"] > 0,
                     "honest node " + std::to_string(i) + " saw no future_rejected event");
    for (const auto& f : run.agreed_futures(v)) {
        if (!expect_verified(v, f)) continue;
        lat.add(f);
        if (stats->forged_ids.contains(f.id()))
            v.expect(f.attempts() >= 1, describe(f) + ": a forged result was not rejected");
        v.expect(f.result().output().rfind("forged", 0) != 0, describe(f) + ": forged output");
    }
}

TEST_CASE("sim: async wrong results from a byzantine proposer are rejected and re-executed") {
    Latencies lat;
    for_each_seed("async_forged_results",
                  [&](std::uint64_t seed, Verdict& v) { run_forging(seed, v, lat); });
    lat.print("async_forged_results");
}

// ---- c) garbage, oversized and duplicate-ID vote extensions ---------------------------------

struct GarbageStats {
    std::array<std::uint64_t, 4> sent{};  // garbage, oversized, duplicate IDs, unknown ID
};

class GarbageExtensions final : public ForwardingApp {
public:
    GarbageExtensions(std::unique_ptr<consensus::Application> inner,
                      std::shared_ptr<GarbageStats> s, std::uint64_t seed,
                      std::uint64_t max_extension_bytes)
        : ForwardingApp(std::move(inner)), m_stats(std::move(s)), m_rng(seed),
          m_max_bytes(max_extension_bytes) {}

    Bytes extend_vote(const consensus::ExtendVoteRequest& request) override {
        const Bytes honest = inner().extend_vote(request);
        const std::size_t kind = m_next++ % m_stats->sent.size();
        ++m_stats->sent[kind];
        switch (kind) {
            case 0: {  // not a protobuf: wire type 7 is invalid
                Bytes out{0xff, 0xff};
                for (int i = 0; i < 30; ++i) out.push_back(static_cast<std::uint8_t>(m_rng()));
                return out;
            }
            case 1: {  // over max_extension_bytes
                Bytes out(m_max_bytes + 1 + m_rng() % 100, 0);
                for (auto& b : out) b = static_cast<std::uint8_t>(m_rng());
                return out;
            }
            case 2: {  // the same future twice
                auto votes = async::decode_vote_extension(honest);
                std::vector<async::ExtensionVote> dup =
                    votes && !votes->empty() ? *votes : std::vector<async::ExtensionVote>{{1, 0}};
                dup.push_back(dup.front());
                return async::encode_vote_extension(dup);
            }
            default:  // a future that does not exist
                return async::encode_vote_extension(
                    {{1'000'000 + m_rng() % 1000, 0, async::VoteValue::verified}});
        }
    }

private:
    std::shared_ptr<GarbageStats> m_stats;
    std::mt19937_64 m_rng;
    std::uint64_t m_max_bytes;
    std::size_t m_next = 0;
};

void run_garbage(std::uint64_t seed, Verdict& v, Latencies& lat) {
    auto srng = setup_rng(seed);
    const auto byz = static_cast<std::size_t>(uniform(srng, 0, k_validators - 1));
    async::Params params;
    auto setup = default_setup(params, 2);
    auto stats = std::make_shared<GarbageStats>();
    setup->decorate = [byz, stats, seed, params](std::size_t node,
                                                 std::unique_ptr<consensus::Application> m)
        -> std::unique_ptr<consensus::Application> {
        if (node != byz) return m;
        return std::make_unique<GarbageExtensions>(std::move(m), stats, seed,
                                                   params.max_extension_bytes);
    };
    AsyncRun run("async_garbage_extensions", seed, powers_with_minor(srng, byz), setup, 2);
    auto& sim = run.sim();
    run.submit_mix(3);
    for (int wave = 0; wave < 3; ++wave) {
        const auto h = sim.max_height();
        sim.run_until([&] { return sim.max_height() > h; }, 5'000);
        run.submit_mix(2);
    }
    const bool done = run.run_until_final(40'000) &&
                      sim.run_until([&] { return sim.min_height() >= 8; }, 20'000);
    v.expect_safe(sim);
    v.expect_live(sim, done, "every future final and height 8 within 60 s; heights " +
                                 heights(sim));
    run.check_end(v);
    for (std::size_t k = 0; k < stats->sent.size(); ++k)
        v.expect(stats->sent[k] > 0, "garbage extension kind " + std::to_string(k) + " never sent");
    std::uint64_t rejected_by_honest = 0;
    for (std::size_t i = 0; i < k_validators; ++i)
        if (i != byz && sim.is_up(i)) {
            const auto& c = sim.driver(i).counters();
            if (auto it = c.find("drop.extension_rejected"); it != c.end())
                rejected_by_honest += it->second;
        }
    v.expect(rejected_by_honest > 0, "honest drivers counted no drop.extension_rejected");
    for (const auto& f : run.agreed_futures(v))
        if (expect_verified(v, f)) lat.add(f);
}

TEST_CASE("sim: async garbage vote extensions are rejected and futures still verify") {
    Latencies lat;
    for_each_seed("async_garbage_extensions",
                  [&](std::uint64_t seed, Verdict& v) { run_garbage(seed, v, lat); });
    lat.print("async_garbage_extensions");
}

// ---- d) a slow handler ends TIMED_OUT ---------------------------------------------------------

constexpr std::string_view k_slow = "exec:slow";

/// Never answers before its deadline: returns the context's timeout (a local failure).
class SlowHandler final : public prophet::Handler {
public:
    std::string_view name() const override { return k_slow; }
    Result<Bytes> execute(ByteView input, const prophet::Context& ctx) const override {
        (void)input;
        for (;;) {
            if (auto stop = ctx.interrupted()) return *stop;
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    }
    prophet::Verdict verify(ByteView input, const prophet::Outcome& claimed,
                            const prophet::Context& ctx) const override {
        return prophet::verify_by_execution(*this, input, claimed, ctx);
    }
};

void run_slow(std::uint64_t seed, Verdict& v) {
    auto srng = setup_rng(seed);
    async::Params params;
    params.timeout_blocks = 5;
    auto setup = std::make_shared<AsyncSetup>();
    setup->genesis = async_genesis(2, params, {std::string(k_slow)});
    setup->prophet_options = [](std::size_t) {
        auto o = fast_prophet_options();
        o.extra_handlers.push_back(std::make_shared<SlowHandler>());
        o.timeouts[std::string(k_slow)] = std::chrono::milliseconds(20);
        return std::optional<prophet::Options>(std::move(o));
    };
    AsyncRun run("async_slow_handler", seed, random_powers(srng, k_validators, 10, 30), setup, 2);
    auto& sim = run.sim();
    const int slow = static_cast<int>(uniform(srng, 1, 2));
    for (int i = 0; i < slow; ++i) run.submit(0, std::string(k_slow), "spin-" + std::to_string(i));
    run.submit(1, "echo", "fast");
    const bool done = run.run_until_final(30'000);
    v.expect_safe(sim);
    v.expect_live(sim, done, "every future final within 30 s; heights " + heights(sim));
    run.check_end(v);
    for (const auto& f : run.agreed_futures(v)) {
        if (f.handler() != k_slow) {
            expect_verified(v, f);
            continue;
        }
        v.expect(f.status() == av1::FUTURE_STATUS_TIMED_OUT &&
                     f.final_height() == f.created_height() + 5 &&
                     f.deadline_height() == f.final_height(),
                 describe(f) + ": want TIMED_OUT at created_height + timeout_blocks (5)");
        v.expect(f.result().submitter().empty() && f.attempts() == 0,
                 describe(f) + ": a local timeout went on chain as a result");
    }
    std::uint64_t failed = 0;
    for (std::size_t i = 0; i < k_validators; ++i)
        for (const auto& h : prophet_metrics(run.setup(), i).handlers)
            if (h.name == k_slow) failed += h.failed;
    v.expect(failed >= static_cast<std::uint64_t>(slow),
             "the prophets report no failed (timed out) execution");
}

TEST_CASE("sim: async a handler slower than its timeout ends TIMED_OUT at the deadline") {
    for_seeds("async_slow_handler", 30, [](std::uint64_t seed, Verdict& v) { run_slow(seed, v); });
}

// ---- e) a proposer without a prophet (or without the handler) --------------------------------

void run_no_prophet(std::uint64_t seed, Verdict& v, Latencies& lat) {
    auto srng = setup_rng(seed);
    const auto lame = static_cast<std::size_t>(uniform(srng, 0, k_validators - 1));
    const bool no_prophet = seed % 2 == 1;  // else: a prophet without "hashchain"
    async::Params params;
    auto setup = default_setup(params, 2);
    setup->prophet_options = [lame, no_prophet](std::size_t node) -> std::optional<prophet::Options> {
        auto o = fast_prophet_options();
        if (node != lame) return o;
        if (no_prophet) return std::nullopt;
        o.enabled = {"echo", "math"};
        return o;
    };
    AsyncRun run("async_lame_proposer", seed, powers_with_minor(srng, lame), setup, 2);
    auto& sim = run.sim();
    const std::vector<std::string> handlers =
        no_prophet ? std::vector<std::string>{"echo", "math", "hashchain"}
                   : std::vector<std::string>{"hashchain"};
    // A future per block until the lame node has proposed a few blocks.
    auto lame_blocks = [&] {
        int n = 0;
        for (std::int64_t h = 1; h <= sim.height(0); ++h)
            if (auto b = sim.driver(0).block(h); b && b->header.proposer_address == sim.address(lame))
                ++n;
        return n;
    };
    for (int step = 0; step < 60 && (lame_blocks() < 3 || step < 6); ++step) {
        run.submit_mix(1, handlers);
        const auto h = sim.max_height();
        if (!sim.run_until([&] { return sim.max_height() > h; }, 5'000)) break;
    }
    const bool done = run.run_until_final(60'000);
    v.expect_safe(sim);
    v.expect_live(sim, done, "every future final within 60 s; heights " + heights(sim));
    run.check_end(v);
    const auto futures = run.agreed_futures(v);
    for (const auto& f : futures)
        if (expect_verified(v, f)) lat.add(f);
    // The lame node's blocks at heights where some future it cannot serve was pending.
    int with_pending = 0;
    for (std::int64_t h = 1; h <= sim.height(0); ++h) {
        auto b = sim.driver(0).block(h);
        if (!b || b->header.proposer_address != sim.address(lame)) continue;
        bool pending = false;
        for (const auto& f : futures)
            pending |= f.created_height() < h && f.result().height() >= h &&
                       (no_prophet || f.handler() == "hashchain");
        with_pending += pending ? 1 : 0;
        const bool has_results = !b->txs.empty() && !b->txs[0].empty() &&
                                 b->txs[0][0] == async::k_results_tx_marker;
        if (no_prophet) {
            v.expect(!has_results, "block " + std::to_string(h) +
                                       " of the node without a prophet carries a results tx");
        } else if (has_results) {
            auto results = async::decode_results_tx(b->txs[0]);
            if (v.expect(results.ok(), "block " + std::to_string(h) + ": bad results tx"))
                for (const auto& r : results->results)
                    for (const auto& f : futures)
                        if (f.id() == r.future_id)
                            v.expect(f.handler() != "hashchain",
                                     "block " + std::to_string(h) + " of the node without "
                                     "hashchain carries a hashchain result");
        }
    }
    v.expect(with_pending > 0, "the lame node never proposed while futures were pending");
}

TEST_CASE("sim: async a proposer whose prophet lacks the result leaves it to the next") {
    Latencies lat;
    for_seeds("async_lame_proposer", 50,
              [&](std::uint64_t seed, Verdict& v) { run_no_prophet(seed, v, lat); });
    lat.print("async_lame_proposer");
}

// ---- f) full prophet queues lose nothing -----------------------------------------------------

void run_full_queues(std::uint64_t seed, Verdict& v, Latencies& lat) {
    auto srng = setup_rng(seed);
    async::Params params;
    params.timeout_blocks = 500;
    const std::size_t capacity = static_cast<std::size_t>(uniform(srng, 1, 2));
    auto setup = default_setup(params, 4);
    setup->prophet_options = [capacity](std::size_t) {
        auto o = fast_prophet_options();
        o.queue_capacity = capacity;
        return std::optional<prophet::Options>(std::move(o));
    };
    AsyncRun run("async_full_queues", seed, random_powers(srng, k_validators, 10, 30), setup, 4);
    auto& sim = run.sim();
    run.submit_mix(40);
    const bool done = run.run_until_final(120'000);
    v.expect_safe(sim);
    v.expect_live(sim, done, "every future final within 120 s; heights " + heights(sim));
    run.check_end(v);
    for (const auto& f : run.agreed_futures(v))
        if (expect_verified(v, f)) lat.add(f);
    std::uint64_t dropped = 0;
    for (std::size_t i = 0; i < k_validators; ++i)
        dropped += prophet_metrics(run.setup(), i).dropped_queue_full;
    v.expect(dropped > 0, "no prophet dropped an offer: the queues were never full");
}

TEST_CASE("sim: async full prophet queues drop offers but lose no future") {
    Latencies lat;
    for_seeds("async_full_queues", 50,
              [&](std::uint64_t seed, Verdict& v) { run_full_queues(seed, v, lat); });
    lat.print("async_full_queues");
}

}  // namespace
}  // namespace seer::sim
