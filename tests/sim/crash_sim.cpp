// Crashes: validators lose power at random instants (with a torn WAL tail) or inside the app's
// commit, and restart from their WAL, block store, app store and privval state only. They must
// rejoin and never sign two different votes for one (height, round, type) — the harness checks
// the latter on every message put on the wire, across incarnations.

#include "scenario.hpp"

namespace seer::sim {
namespace {

void run_crash(std::uint64_t seed, Verdict& v) {
    auto setup = setup_rng(seed);
    SimOptions options;
    options.scenario = "crash";
    options.seed = seed;
    options.powers = random_powers(setup, static_cast<std::size_t>(uniform(setup, 4, 5)), 10, 20);
    // A slower chain (timeout_commit 150 ms): crashes land in every step of a height without
    // the run deciding dozens of blocks, which is where the time goes (signature checks).
    options.timeouts.commit_ms = 150;
    Simulation sim(options);
    auto& rng = sim.rng();
    auto txs = submit_batch(sim, "c", 4);

    const int crashes = static_cast<int>(uniform(rng, 3, 6));
    for (int c = 0; c < crashes && sim.ok(); ++c) {
        sim.run_for(uniform(rng, 20, 600));
        // One node (sometimes two) goes down, at a random instant or inside its next commit.
        std::vector<std::size_t> victims{static_cast<std::size_t>(
            uniform(rng, 0, static_cast<std::int64_t>(sim.size()) - 1))};
        if (chance(rng, 0.2)) victims.push_back((victims[0] + 1) % sim.size());
        for (auto node : victims) {
            if (chance(rng, 0.3)) {
                sim.crash_at_next_commit(node);
            } else {
                sim.crash(node, static_cast<std::uint64_t>(uniform(rng, 0, 300)));
            }
        }
        sim.run_for(uniform(rng, 0, 800));
        for (auto node : victims) sim.crash(node, 0);  // an armed crash that did not fire yet
        if (chance(rng, 0.5)) submit_batch(sim, "c" + std::to_string(c), 1);
        for (auto node : victims) sim.restart(node);
        // Sometimes crash right after the restart, before it caught up.
        if (chance(rng, 0.2)) {
            sim.run_for(uniform(rng, 0, 100));
            sim.crash(victims[0], static_cast<std::uint64_t>(uniform(rng, 0, 300)));
            sim.run_for(uniform(rng, 0, 300));
            sim.restart(victims[0]);
        }
    }
    v.expect_safe(sim);

    // Everyone is up: the restarted nodes rejoin and the chain goes on.
    const std::int64_t target = sim.max_height() + 2;
    const bool live = sim.run_until(
        [&] { return sim.min_height() >= target && all_committed(sim, txs); }, 60'000);
    v.expect_safe(sim);
    v.expect_live(sim, live, "after the crashes every node reaches height " + std::to_string(target) +
                       " within 60 s; heights " + heights(sim));
    sim.check_final();
    v.expect_safe(sim);
}

}  // namespace

TEST_CASE("sim: the invariants catch a validator that forgets what it signed") {
    // The harness checking itself: a validator restarted without its WAL and privval state
    // re-enters the height at round 0 and, in some runs, signs a vote different from one it
    // signed before. The double-sign invariant must see it. Fixed seeds 1..30 whatever
    // SEER_SIM_SEED(S) say: the claim is about the set, not one run.
    std::uint64_t caught = 0;
    std::uint64_t runs = 0;
    for (std::uint64_t seed = 1; seed <= 30; ++seed) {
        ++runs;
        SimOptions options;
        options.scenario = "amnesia";
        options.seed = seed;
        options.powers = {10, 10, 10, 10};
        options.faults = NetworkFaults{0.1, 1, 150, 0.0};
        Simulation sim(options);
        sim.run_for(uniform(sim.rng(), 100, 1'500));
        const auto node = static_cast<std::size_t>(uniform(sim.rng(), 0, 3));
        sim.crash(node, 0);
        sim.forget_signatures(node);
        sim.restart(node);
        sim.run_for(3'000);
        for (const auto& v : sim.violations())
            if (v.find("double sign") != std::string::npos) ++caught;
    }
    INFO("runs " << runs << ", caught " << caught);
    CHECK(caught > 0);
    if (std::getenv("SEER_SIM_STATS")) MESSAGE("amnesia: caught " << caught << " of " << runs);
}

TEST_CASE("sim: validators crash and restart from their WAL and stores and privval") {
    for_each_seed("crash", run_crash);
}

}  // namespace seer::sim
