// One byzantine validator with less than 1/3 of the power: it equivocates on its proposals,
// prevotes and precommits, sends garbage vote extensions and garbage messages. Honest nodes never
// commit different blocks, they detect the equivocation, and the chain goes on.

#include "scenario.hpp"

namespace seer::sim {
namespace {

constexpr std::int64_t k_target_height = 6;
constexpr std::int64_t k_max_height = 30;

void run_byzantine(std::uint64_t seed, Verdict& v) {
    auto setup = setup_rng(seed);
    SimOptions options;
    options.scenario = "byzantine";
    options.seed = seed;
    const auto n = static_cast<std::size_t>(chance(setup, 0.5) ? 4 : 7);
    options.powers = random_powers(setup, n, 10, 30);
    const auto byz = static_cast<std::size_t>(uniform(setup, 0, static_cast<std::int64_t>(n) - 1));
    std::int64_t others = 0;
    for (std::size_t i = 0; i < n; ++i)
        if (i != byz) others += options.powers[i];
    // Strictly less than 1/3 of the total: byz * 3 < byz + others, i.e. byz < others / 2.
    options.powers[byz] = uniform(setup, 1, (others - 1) / 2);
    options.byzantine = byz;
    // Some loss and reordering too, so the byzantine messages race the honest ones.
    options.faults = NetworkFaults{static_cast<double>(uniform(setup, 0, 10)) / 100.0, 1,
                                   uniform(setup, 10, 200), 0.0};
    Simulation sim(options);
    auto txs = submit_batch(sim, "z", 4);

    // The byzantine node acts on a share of what it sends, and a small one sends little (its
    // peers seldom need repairs from it): the run goes on, up to k_max_height, until it has
    // done each kind of misbehaviour once.
    const auto* stats = sim.byzantine_stats();
    const bool live = sim.run_until(
        [&] {
            if (sim.min_honest_height() < k_target_height || !all_committed(sim, txs)) return false;
            return sim.min_honest_height() >= k_max_height ||
                   (stats->conflicting_votes + stats->conflicting_proposals > 0 &&
                    stats->garbage_extensions > 0 && stats->garbage_messages > 0);
        },
        120'000);
    v.expect_safe(sim);
    v.expect_live(sim, live, "honest nodes reach height " + std::to_string(k_target_height) +
                       " within 120 s; heights " + heights(sim));
    sim.check_final();
    v.expect_safe(sim);

    v.expect(stats->conflicting_votes + stats->conflicting_proposals > 0,
             "the byzantine node equivocated at least once");
    v.expect(stats->garbage_extensions > 0 && stats->garbage_messages > 0,
             "the byzantine node sent garbage extensions (" +
                 std::to_string(stats->garbage_extensions) + ") and messages (" +
                 std::to_string(stats->garbage_messages) + ")");
    // An equivocation is sure to be seen when both versions reached one honest node still
    // deciding that height (a lagging byzantine node's votes for finished heights are dropped
    // unread; versions split over different nodes are seen only if a repair crosses them).
    if (stats->live_conflicting_votes > 0)
        v.expect_live(sim, sim.honest_counter("equivocation.vote") > 0,
                      "an honest node detected the equivocation (counter \"equivocation.vote\"), " +
                          std::to_string(stats->live_conflicting_votes) +
                          " of the byzantine votes had both versions delivered live to one node");
    v.expect(sim.honest_counter("drop.") > 0, "honest nodes dropped the garbage they received");
}

}  // namespace

TEST_CASE("sim: one byzantine validator equivocating with garbage extensions") {
    for_each_seed("byzantine", run_byzantine);
}

}  // namespace seer::sim
