// All validators honest, the network healthy: a block at every height, the same blocks and app
// hashes everywhere, every submitted tx committed. And: a seed replays exactly.

#include "scenario.hpp"

namespace seer::sim {
namespace {

constexpr std::int64_t k_target_height = 10;

void run_honest(const std::string& scenario, std::size_t n, std::uint64_t seed, Verdict& v) {
    auto setup = setup_rng(seed);
    SimOptions options;
    options.scenario = scenario;
    options.seed = seed;
    options.powers = random_powers(setup, n, 1, 50);
    Simulation sim(options);

    v.expect(!sim.submit_tx(0, "no-equals-sign"), "check_tx must reject a malformed tx");
    auto txs = submit_batch(sim, "a", 5);
    const bool early = sim.run_until([&] { return sim.min_height() >= 3; }, 10'000);
    v.expect(early, "honest network reaches height 3 within 10 s, at " +
                        std::to_string(sim.min_height()));
    auto more = submit_batch(sim, "b", 5);
    txs.insert(txs.end(), more.begin(), more.end());

    const bool done = sim.run_until(
        [&] { return sim.min_height() >= k_target_height && all_committed(sim, txs); }, 20'000);
    v.expect_safe(sim);
    v.expect(done, "every node at height " + std::to_string(k_target_height) +
                       " with every tx committed; min height " +
                       std::to_string(sim.min_height()) + ", committed txs " +
                       std::to_string(sim.committed_txs().size()) + "/" +
                       std::to_string(txs.size()));
    // A block at every height: the decided map has no gaps.
    for (std::int64_t h = 1; h <= sim.min_height(); ++h)
        if (!v.expect(sim.decided().contains(h), "no block decided at height " +
                                                     std::to_string(h)))
            break;
    sim.check_final();
    v.expect_safe(sim);
    // The same content everywhere (the app hash covers it, this says it in the app's words).
    for (std::size_t i = 1; i < sim.size(); ++i)
        if (sim.app(i).committed_height() == sim.app(0).committed_height())
            v.expect(sim.app(i).state() == sim.app(0).state(),
                     "node " + std::to_string(i) + " KV state differs from node 0's");
}

}  // namespace

TEST_CASE("sim: 4 honest validators with unequal powers commit every height") {
    for_each_seed("honest4",
                  [](std::uint64_t seed, Verdict& v) { run_honest("honest4", 4, seed, v); });
}

TEST_CASE("sim: 7 honest validators with unequal powers commit every height") {
    for_each_seed("honest7",
                  [](std::uint64_t seed, Verdict& v) { run_honest("honest7", 7, seed, v); });
}

TEST_CASE("sim: the same seed gives the same run") {
    // A lossy, delayed network with a crash: the trace hash covers every processed event.
    auto run = [](std::uint64_t seed) {
        SimOptions options;
        options.scenario = "determinism";
        options.seed = seed;
        options.powers = {10, 20, 30, 15, 25};
        options.faults = NetworkFaults{0.2, 1, 400, 0.05};
        Simulation sim(options);
        submit_batch(sim, "d", 4);
        sim.run_for(1'500);
        sim.crash(static_cast<std::size_t>(seed % 5), 17);
        sim.run_for(700);
        sim.restart(static_cast<std::size_t>(seed % 5));
        sim.run_for(2'000);
        return std::make_tuple(sim.trace_hash(), sim.events(), sim.decided(), sim.ok());
    };
    int runs = 0;
    for_each_seed("determinism", [&](std::uint64_t seed, Verdict& v) {
        if (++runs > 20) return;  // twice as expensive as other scenarios: 20 seeds suffice
        const auto first = run(seed);
        const auto second = run(seed);
        v.expect(std::get<3>(first), "the run itself must be safe");
        v.expect(std::get<0>(first) == std::get<0>(second) &&
                     std::get<1>(first) == std::get<1>(second),
                 "two runs of one seed processed different events (" +
                     std::to_string(std::get<1>(first)) + " vs " +
                     std::to_string(std::get<1>(second)) + ")");
        v.expect(std::get<2>(first) == std::get<2>(second),
                 "two runs of one seed decided different blocks");
    });
}

}  // namespace seer::sim
