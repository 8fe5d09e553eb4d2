// Network faults: loss, reordering and long delays (always safe, live again once they stop);
// a partition of more than 1/3 of the power (no progress anywhere while it lasts, progress
// after heal).

#include <algorithm>

#include "scenario.hpp"

namespace seer::sim {
namespace {

void run_lossy(std::uint64_t seed, Verdict& v) {
    auto setup = setup_rng(seed);
    SimOptions options;
    options.scenario = "lossy";
    options.seed = seed;
    options.powers = random_powers(setup, static_cast<std::size_t>(uniform(setup, 4, 7)), 1, 40);
    Simulation sim(options);
    auto txs = submit_batch(sim, "l", 4);
    sim.run_until([&] { return sim.min_height() >= 1; }, 5'000);

    // Faults for a while: up to 30% loss, delays up to several timeouts (so heavy reordering),
    // some duplicates; they change a few times.
    const int phases = static_cast<int>(uniform(sim.rng(), 2, 3));
    for (int p = 0; p < phases && sim.ok(); ++p) {
        NetworkFaults f;
        f.drop = static_cast<double>(uniform(sim.rng(), 5, 30)) / 100.0;
        f.min_delay_ms = uniform(sim.rng(), 0, 20);
        f.max_delay_ms = f.min_delay_ms + uniform(sim.rng(), 50, 1'500);
        f.duplicate = static_cast<double>(uniform(sim.rng(), 0, 10)) / 100.0;
        sim.set_faults(f);
        sim.run_for(uniform(sim.rng(), 500, 2'000));
    }
    v.expect_safe(sim);

    // Faults stop: the chain is live again.
    sim.set_faults(NetworkFaults{});
    const std::int64_t target = sim.max_height() + 3;
    const bool live = sim.run_until(
        [&] { return sim.min_height() >= target && all_committed(sim, txs); }, 60'000);
    v.expect_safe(sim);
    v.expect_live(sim, live, "after the faults stop every node reaches height " + std::to_string(target) +
                       " within 60 s; heights " + heights(sim));
    sim.check_final();
    v.expect_safe(sim);
}

/// A random set of validators with more than 1/3 and less than 2/3 of the power, so neither
/// side of the cut has a quorum. Empty if there is none.
std::vector<std::size_t> pick_minority_blocking(std::mt19937_64& rng,
                                                const std::vector<std::int64_t>& powers) {
    std::int64_t total = 0;
    for (auto p : powers) total += p;
    std::vector<std::uint32_t> eligible;
    for (std::uint32_t mask = 1; mask + 1 < (1u << powers.size()); ++mask) {
        std::int64_t power = 0;
        for (std::size_t i = 0; i < powers.size(); ++i)
            if (mask & (1u << i)) power += powers[i];
        if (power * 3 > total && power * 3 < 2 * total) eligible.push_back(mask);
    }
    std::vector<std::size_t> out;
    if (eligible.empty()) return out;
    const auto mask = eligible[static_cast<std::size_t>(
        uniform(rng, 0, static_cast<std::int64_t>(eligible.size()) - 1))];
    for (std::size_t i = 0; i < powers.size(); ++i)
        if (mask & (1u << i)) out.push_back(i);
    return out;
}

void run_partition(std::uint64_t seed, Verdict& v) {
    auto setup = setup_rng(seed);
    SimOptions options;
    options.scenario = "partition";
    options.seed = seed;
    options.powers = random_powers(setup, static_cast<std::size_t>(uniform(setup, 4, 7)), 10, 30);
    const auto isolated = pick_minority_blocking(setup, options.powers);
    if (!v.expect(!isolated.empty(), "powers admit a partition with no quorum")) return;
    Simulation sim(options);
    sim.run_until([&] { return sim.min_height() >= 2; }, 10'000);
    v.expect(sim.min_height() >= 2, "reaches height 2 before the partition");

    std::vector<std::size_t> rest;
    for (std::size_t i = 0; i < sim.size(); ++i)
        if (std::find(isolated.begin(), isolated.end(), i) == isolated.end()) rest.push_back(i);
    sim.partition({isolated, rest});
    const std::int64_t at_cut = sim.max_height();
    auto txs = submit_batch(sim, "p", 3);
    sim.run_for(uniform(sim.rng(), 2'000, 6'000));
    v.expect_safe(sim);
    // Only a height whose precommits were already delivered may still finish.
    v.expect(sim.max_height() <= at_cut + 1,
             "no progress while no side has a quorum: height " + std::to_string(at_cut) +
                 " at the cut, now " + heights(sim));

    sim.heal();
    const std::int64_t target = sim.max_height() + 2;
    const bool live = sim.run_until(
        [&] { return sim.min_height() >= target && all_committed(sim, txs); }, 60'000);
    v.expect_safe(sim);
    v.expect_live(sim, live, "after heal every node reaches height " + std::to_string(target) +
                       " within 60 s; heights " + heights(sim));
    sim.check_final();
    v.expect_safe(sim);
}

}  // namespace

TEST_CASE("sim: message loss reordering and long delays stay safe then live") {
    for_each_seed("lossy", run_lossy);
}

TEST_CASE("sim: a partition of more than 1/3 of the power halts and heal resumes") {
    for_each_seed("partition", run_partition);
}

}  // namespace seer::sim
