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
             std::shared_ptr<AsyncSetup> setup, std::size_t clients)
        : m_setup(std::move(setup)) {
        SimOptions options;
        options.scenario = scenario;
        options.seed = seed;
        options.powers = std::move(powers);
        options.app_factory = async_app_factory(m_setup, options.powers.size());
        for (std::size_t i = 0; i < clients; ++i)
            m_clients.emplace_back(i);
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
            if (handler == "echo")
                input = "hello-" + std::to_string(m_txs.size()) + "-" + std::to_string(r);
            else if (handler == "math")
                input = m_txs.size() % 2 ? "2+4" : std::to_string(r) + "*(3-7)^2";
            else
                input = hashchain_input("d" + std::to_string(r), 1 + r);
            submit(client, handler, input);
        }
    }

    /// Every submitted tx committed and, on every up node, futures 1..N exist and are final.
    /// Queries only when some node's height changed.
    bool all_final() {
        std::int64_t key = 0;
        for (std::size_t i = 0; i < m_sim->size(); ++i)  // heights and up/down of every node
            key = key * 100'000 + m_sim->height(i) * 2 + (m_sim->is_up(i) ? 1 : 0);
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
        for (const auto& f : mine)
            on_chain.insert(f.tx_hash());
        v.expect(on_chain == hashes,
                 "one future per submitted tx: " + std::to_string(on_chain.size()) +
                     " futures for " + std::to_string(hashes.size()) + " txs");
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
           status_name(f.status()) + " created " + std::to_string(f.created_height()) + " result " +
           std::to_string(f.result().height()) + " final " + std::to_string(f.final_height()) +
           " attempts " + std::to_string(f.attempts()) + " votes " +
           std::to_string(f.votes_size()) + " reason '" + f.final_reason() + "'";
}

/// VERIFIED with the output a correct execution gives.
bool expect_verified(Verdict& v, const av1::Future& f) {
    const auto want = expected_output(f.handler(), f.input());
    return v.expect(f.status() == av1::FUTURE_STATUS_VERIFIED && want &&
                        f.result().output() == *want && f.result().error().empty(),
                    describe(f) + " is not VERIFIED with the right output '" + want.value_or("?") +
                        "', has '" + f.result().output() + "'");
}

std::shared_ptr<AsyncSetup> default_setup(const async::Params& params, std::size_t clients) {
    auto setup = std::make_shared<AsyncSetup>();
    setup->genesis = async_genesis(clients, params);
    setup->prophet_options = [](std::size_t) { return fast_prophet_options(); };
    return setup;
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
    v.expect_live(sim, done,
                  "every future final on every node within 30 s; heights " + heights(sim));
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
    for_each_seed(
        "async_honest",
        [&](std::uint64_t seed, Verdict& v) {
            const auto first = run_honest(seed, v, lat);
            // With real worker threads a seed still replays (the prophets settle after every
            // event).
            if (seed <= 5) {
                Latencies ignored;
                const auto again = run_honest(seed, v, ignored);
                v.expect(again.trace == first.trace && again.events == first.events &&
                             again.decided == first.decided,
                         "the same seed gave a different run");
            }
        },
        100);
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
    for_each_seed(
        "async_forged_results", [&](std::uint64_t seed, Verdict& v) { run_forging(seed, v, lat); },
        100);
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
        : ForwardingApp(std::move(inner)),
          m_stats(std::move(s)),
          m_rng(seed),
          m_max_bytes(max_extension_bytes) {}

    Bytes extend_vote(const consensus::ExtendVoteRequest& request) override {
        const Bytes honest = inner().extend_vote(request);
        const std::size_t kind = m_next++ % m_stats->sent.size();
        ++m_stats->sent[kind];
        switch (kind) {
            case 0: {  // not a protobuf: wire type 7 is invalid
                Bytes out{0xff, 0xff};
                for (int i = 0; i < 30; ++i)
                    out.push_back(static_cast<std::uint8_t>(m_rng()));
                return out;
            }
            case 1: {  // over max_extension_bytes
                Bytes out(m_max_bytes + 1 + m_rng() % 100, 0);
                for (auto& b : out)
                    b = static_cast<std::uint8_t>(m_rng());
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
    setup->decorate =
        [byz, stats, seed, params](
            std::size_t node,
            std::unique_ptr<consensus::Application> m) -> std::unique_ptr<consensus::Application> {
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
    const bool done =
        run.run_until_final(40'000) && sim.run_until([&] { return sim.min_height() >= 8; }, 20'000);
    v.expect_safe(sim);
    v.expect_live(sim, done,
                  "every future final and height 8 within 60 s; heights " + heights(sim));
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
    for_each_seed(
        "async_garbage_extensions",
        [&](std::uint64_t seed, Verdict& v) { run_garbage(seed, v, lat); }, 100);
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
    for (int i = 0; i < slow; ++i)
        run.submit(0, std::string(k_slow), "spin-" + std::to_string(i));
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
    for_each_seed(
        "async_slow_handler", [](std::uint64_t seed, Verdict& v) { run_slow(seed, v); }, 30);
}

// ---- e) a proposer without a prophet (or without the handler) --------------------------------

void run_no_prophet(std::uint64_t seed, Verdict& v, Latencies& lat) {
    auto srng = setup_rng(seed);
    const auto lame = static_cast<std::size_t>(uniform(srng, 0, k_validators - 1));
    const bool no_prophet = seed % 2 == 1;  // else: a prophet without "hashchain"
    async::Params params;
    auto setup = default_setup(params, 2);
    setup->prophet_options = [lame,
                              no_prophet](std::size_t node) -> std::optional<prophet::Options> {
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
            if (auto b = sim.driver(0).block(h);
                b && b->header.proposer_address == sim.address(lame))
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
        const bool has_results =
            !b->txs.empty() && !b->txs[0].empty() && b->txs[0][0] == async::k_results_tx_marker;
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
                                     "block " + std::to_string(h) +
                                         " of the node without "
                                         "hashchain carries a hashchain result");
        }
    }
    v.expect(with_pending > 0, "the lame node never proposed while futures were pending");
}

TEST_CASE("sim: async a proposer whose prophet lacks the result leaves it to the next") {
    Latencies lat;
    for_each_seed(
        "async_lame_proposer",
        [&](std::uint64_t seed, Verdict& v) { run_no_prophet(seed, v, lat); }, 50);
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
    for_each_seed(
        "async_full_queues", [&](std::uint64_t seed, Verdict& v) { run_full_queues(seed, v, lat); },
        50);
    lat.print("async_full_queues");
}

// ---- h) crashes: modules and prophets die and come back -------------------------------------

void run_crash(std::uint64_t seed, Verdict& v, Latencies& lat) {
    auto srng = setup_rng(seed);
    async::Params params;
    AsyncRun run("async_crash", seed, random_powers(srng, k_validators, 10, 30),
                 default_setup(params, 2), 2);
    auto& sim = run.sim();
    auto& rng = sim.rng();
    run.submit_mix(3);
    const int crashes = static_cast<int>(uniform(rng, 2, 4));
    for (int c = 0; c < crashes; ++c) {
        sim.run_for(uniform(rng, 50, 400));
        const auto node = static_cast<std::size_t>(uniform(rng, 0, k_validators - 1));
        if (chance(rng, 0.5))
            sim.crash(node, static_cast<std::uint64_t>(uniform(rng, 0, 200)));
        else
            sim.crash_at_next_commit(node);
        run.submit_mix(2);
        sim.run_for(uniform(rng, 100, 600));
        if (sim.is_up(node)) sim.crash(node, 0);  // an armed crash that did not fire yet
        sim.restart(node);
        run.submit_mix(1);
    }
    const bool done = run.run_until_final(60'000);
    v.expect_safe(sim);
    v.expect_live(sim, done,
                  "every future final on every node within 60 s; heights " + heights(sim));
    run.check_end(v);
    for (const auto& f : run.agreed_futures(v))
        if (expect_verified(v, f)) lat.add(f);
}

TEST_CASE("sim: async validators crash and restart with new prophets and futures still verify") {
    Latencies lat;
    for_each_seed(
        "async_crash", [&](std::uint64_t seed, Verdict& v) { run_crash(seed, v, lat); }, 50);
    lat.print("async_crash");
}

// ---- g) 10,000 futures with pruning: state stays bounded ---------------------------------------

/// Futures with `status` in the node's state (paginated "async/futures" by status).
std::uint64_t count_with_status(consensus::Application& app, av1::FutureStatus status) {
    std::uint64_t n = 0;
    std::string key;
    for (int page = 0; page < 10'000; ++page) {
        av1::QueryFuturesRequest req;
        req.set_status(status);
        req.mutable_pagination()->set_limit(1000);
        req.mutable_pagination()->set_key(key);
        consensus::QueryRequest q;
        q.path = "async/futures";
        q.data = to_bytes(req.SerializeAsString());
        const auto r = app.query(q);
        av1::QueryFuturesResponse resp;
        if (r.code != 0 || !resp.ParseFromArray(r.value.data(), static_cast<int>(r.value.size())))
            return n;
        n += static_cast<std::uint64_t>(resp.futures_size());
        key = resp.pagination().next_key();
        if (key.empty()) break;
    }
    return n;
}

struct PruneRun {
    std::uint64_t peak_futures = 0;  // futures in node 0's state, sampled after every wave
    std::uint64_t peak_keys = 0;     // keys in node 0's "app" column, same samples
    std::uint64_t peak_bytes = 0;
    std::uint64_t peak_window = 0;  // the largest window bound met at a sample
    std::vector<std::pair<std::int64_t, std::uint64_t>> waves;  // (height seen committed, size)
};

// A future leaves the state prune_after_blocks after it is final, and is final a few heights
// after its creation (<= 3 without faults; 5 leaves room for a late proposer twice in a row):
// at height h only futures created after h - (prune_after_blocks + 5) can be in the state.
constexpr std::int64_t k_prune_slack = 5;

constexpr std::uint64_t k_prune_total = 10'000;
constexpr std::uint64_t k_prune_wave = 500;
constexpr std::size_t k_prune_clients = 10;

void run_pruning(std::uint64_t seed, Verdict& v) {
    auto srng = setup_rng(seed);
    async::Params params;
    params.timeout_blocks = 100;
    params.prune_after_blocks = 5;
    params.max_prune_per_block = 1000;
    params.max_results_per_block = 1000;
    params.max_votes_per_extension = 2000;
    params.max_extension_bytes = 64 * 1024;
    params.max_pending_per_account = 2000;
    AsyncRun run("async_pruning", seed, random_powers(srng, k_validators, 10, 30),
                 default_setup(params, k_prune_clients), k_prune_clients);
    auto& sim = run.sim();
    PruneRun stats;
    const auto window = static_cast<std::int64_t>(params.prune_after_blocks) + k_prune_slack;
    auto sample = [&] {
        const std::int64_t h = sim.height(0);
        const auto futures = count_with_status(sim.application(0), av1::FUTURE_STATUS_UNSPECIFIED);
        const auto column = app_column_size(*run.setup().nodes[0].kv);
        std::uint64_t recent = 0;  // submitted in waves committed within the window
        for (const auto& [height, size] : stats.waves)
            if (height > h - window) recent += size;
        v.expect(futures <= recent, "height " + std::to_string(h) + ": " + std::to_string(futures) +
                                        " futures in state, but only " + std::to_string(recent) +
                                        " created in the last " + std::to_string(window) +
                                        " heights");
        v.expect(column.keys <= recent + k_prune_clients + 8,
                 "height " + std::to_string(h) + ": app column holds " +
                     std::to_string(column.keys) + " keys for " + std::to_string(recent) +
                     " recent futures");
        stats.peak_futures = std::max(stats.peak_futures, futures);
        stats.peak_keys = std::max(stats.peak_keys, column.keys);
        stats.peak_bytes = std::max(stats.peak_bytes, column.bytes);
        stats.peak_window = std::max(stats.peak_window, recent);
    };
    // Waves of k_prune_wave echo futures, the next one once the previous is committed.
    std::uint64_t submitted = 0;
    bool live = true;
    while (submitted < k_prune_total && live) {
        const auto begin = run.txs().size();
        for (std::uint64_t i = 0; i < k_prune_wave; ++i, ++submitted)
            run.submit(submitted % k_prune_clients, "echo", "f" + std::to_string(submitted));
        const std::vector<std::string> wave(run.txs().begin() + static_cast<std::ptrdiff_t>(begin),
                                            run.txs().end());
        live = sim.run_until([&] { return all_committed(sim, wave); }, 20'000);
        stats.waves.emplace_back(sim.max_height(), k_prune_wave);
        sample();
    }
    v.expect_live(sim, live,
                  "wave committed within 20 s; submitted " + std::to_string(submitted) +
                      ", heights " + heights(sim));
    // Then every future final and pruned on every node.
    std::int64_t checked = -1;
    auto all_pruned = [&] {
        if (sim.min_height() == checked) return false;
        checked = sim.min_height();
        for (std::size_t n = 0; n < sim.size(); ++n)
            if (count_with_status(sim.application(n), av1::FUTURE_STATUS_UNSPECIFIED) != 0)
                return false;
        return true;
    };
    const bool pruned = live && sim.run_until(all_pruned, 60'000);
    v.expect_safe(sim);
    v.expect_live(sim, pruned,
                  "every future final and pruned within 60 s; heights " + heights(sim));
    run.check_end(v);
    for (std::size_t n = 0; n < k_validators; ++n) {
        auto& events = run.setup().nodes[n].events;
        v.expect(events["future_created"] == k_prune_total &&
                     events["future_verified"] == k_prune_total &&
                     events["future_pruned"] == k_prune_total,
                 "node " + std::to_string(n) + ": created " +
                     std::to_string(events["future_created"]) + " verified " +
                     std::to_string(events["future_verified"]) + " pruned " +
                     std::to_string(events["future_pruned"]) + ", want " +
                     std::to_string(k_prune_total) + " each");
    }
    // And at most a small part of the whole ever was in the state at once.
    v.expect(stats.peak_futures < k_prune_total / 2,
             "futures in state peaked at " + std::to_string(stats.peak_futures));
    const auto end = app_column_size(*run.setup().nodes[0].kv);
    v.expect(end.keys <= k_prune_clients + 8,
             "app column keeps " + std::to_string(end.keys) + " keys after pruning everything");
    if (stats_enabled())
        std::fprintf(
            stderr,
            "async-stats async_pruning seed=%s height=%s peak_futures=%s (window bound "
            "%s) peak_keys=%s peak_bytes=%s end_keys=%s end_bytes=%s\n",
            std::to_string(seed).c_str(), std::to_string(sim.height(0)).c_str(),
            std::to_string(stats.peak_futures).c_str(), std::to_string(stats.peak_window).c_str(),
            std::to_string(stats.peak_keys).c_str(), std::to_string(stats.peak_bytes).c_str(),
            std::to_string(end.keys).c_str(), std::to_string(end.bytes).c_str());
}

TEST_CASE("sim: async 10000 futures with pruning keep the state bounded") {
    for_each_seed(
        "async_pruning", [](std::uint64_t seed, Verdict& v) { run_pruning(seed, v); }, 2);
}

}  // namespace
}  // namespace seer::sim
