// Scale (issue 15): many validators over full meshes and partial random topologies, with LAN
// or WAN-like links (50-300 ms one way, jitter, 1 % loss), and one with a byzantine validator
// holding just under a third of the power. Every run checks safety, liveness, and that gossip
// costs at most O(n^2) messages per height: each node sends its own votes to its peers once,
// relays only to peers that do not hear a vote's author directly, and repairs from statuses.
//
// `make test` runs the 64-validator scenarios; `make sim-scale` runs the 100- and 200-validator
// ones (label sim-scale) and prints the messages per height by size (SEER_SIM_SCALE_REPORT
// writes them as JSON for `make bench`).

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>

#include "scenario.hpp"

namespace seer::sim {
namespace {

struct ScaleRun {
    std::size_t validators = 0;
    std::size_t degree = 0;  // 0: full mesh
    bool wan = false;        // links of 50-300 ms one way, 1-20 ms jitter, 1 % loss
    bool byzantine = false;
    std::int64_t heights = 10;
    std::int64_t link_ms = 0;  // not wan: every link this one way, 0-10 ms jitter, no loss
};

struct ScaleResult {
    std::int64_t heights = 0;  // committed by every honest node
    double messages_per_height = 0;
    double bytes_per_height_per_node = 0;
    double block_interval_ms = 0;  // virtual time per height
    double wall_s = 0;
};

std::string describe(const ScaleRun& r) {
    const std::string links = r.wan            ? ", WAN links"
                              : r.link_ms > 0 ? ", " + std::to_string(r.link_ms) + " ms links"
                                              : ", LAN links";
    return std::to_string(r.validators) + " validators, " +
           (r.degree ? "degree " + std::to_string(r.degree) : std::string("full mesh")) + links +
           (r.byzantine ? ", byzantine 1/3-" : "");
}

ScaleResult run_scale(const ScaleRun& run, std::uint64_t seed, Verdict& v) {
    auto setup = setup_rng(seed);
    SimOptions options;
    options.scenario = "scale";
    options.seed = seed;
    const std::size_t n = run.validators;
    options.powers = random_powers(setup, n, 10, 30);
    if (run.byzantine) {
        // One byzantine validator with just under 1/3 of the total power: byz < others / 2.
        const auto byz = static_cast<std::size_t>(uniform(setup, 0, static_cast<std::int64_t>(n) - 1));
        std::int64_t others = 0;
        for (std::size_t i = 0; i < n; ++i)
            if (i != byz) others += options.powers[i];
        options.powers[byz] = (others - 1) / 2;
        options.byzantine = byz;
    }
    if (run.degree) options.topology = random_topology(setup, n, run.degree);
    if (run.wan || run.link_ms > 0) {
        if (run.wan) {
            options.link_min_ms = 50;
            options.link_max_ms = 300;
            options.faults = NetworkFaults{0.01, 0, 20, 0.0};
        } else {
            options.link_min_ms = options.link_max_ms = run.link_ms;
            options.faults = NetworkFaults{0.0, 0, 10, 0.0};
        }
        // Timeouts for a WAN: a round must fit a few link latencies.
        options.timeouts.propose_ms = 3000;
        options.timeouts.prevote_ms = 1000;
        options.timeouts.precommit_ms = 1000;
        options.timeouts.commit_ms = 0;
        options.gossip_interval_ms = 100;
    } else {
        options.faults = NetworkFaults{0.0, 1, 10, 0.0};
        options.timeouts.commit_ms = 0;
    }
    const auto wall_start = std::chrono::steady_clock::now();
    Simulation sim(options);
    auto txs = submit_batch(sim, "s", 4);
    // Traffic is counted once every node has heard every peer's status (a few gossip ticks):
    // the start, with every node dialing every other, is not what a height costs.
    const std::int64_t warm_until = sim.now_ms() + 10 * options.gossip_interval_ms;
    bool live = sim.run_until([&] { return sim.now_ms() >= warm_until; }, 60'000);
    const std::int64_t warm = sim.min_honest_height();
    sim.reset_traffic();
    const std::int64_t start_ms = sim.now_ms();
    const std::int64_t start_height = sim.max_height();
    // Looked at once per virtual millisecond: at 200 validators a scan of every node's height
    // before each event was a tenth of the run.
    std::int64_t looked_at = -1;
    live = live && sim.run_until(
                       [&] {
                           if (sim.now_ms() == looked_at) return false;
                           looked_at = sim.now_ms();
                           return sim.min_honest_height() >= warm + run.heights &&
                                  all_committed(sim, txs);
                       },
                       run.heights * 30'000);
    ScaleResult r;
    r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
    r.heights = sim.min_honest_height();
    v.expect_safe(sim);
    v.expect_live(sim, live, describe(run) + ": every honest node reaches height " +
                                 std::to_string(warm + run.heights) + "; heights " + heights(sim));
    sim.check_final();
    v.expect_safe(sim);
    const double h =
        static_cast<double>(std::max<std::int64_t>(1, sim.max_height() - start_height));
    r.messages_per_height = static_cast<double>(sim.traffic().messages) / h;
    r.bytes_per_height_per_node =
        static_cast<double>(sim.traffic().bytes) / h / static_cast<double>(n);
    r.block_interval_ms = static_cast<double>(sim.now_ms() - start_ms) / h;
    if (run.byzantine && sim.byzantine_stats()->conflicting_votes > 0)
        v.expect(sim.honest_counter("equivocation.vote") > 0,
                 "an honest node detected the byzantine validator's equivocation");
    // The gossip bound: own votes (2 per validator per round, to each peer), statuses and the
    // proposal are O(n * peers); a full mesh of n nodes has n (n - 1) links. The constant covers
    // a few rounds and repairs; relays of a partial topology are O(n * degree) per vote author.
    const double links = run.degree ? static_cast<double>(n * run.degree)
                                    : static_cast<double>(n * (n - 1));
    const double per_link = r.messages_per_height / links;
    std::fprintf(stderr,
                 "sim-scale %s seed=%llu heights=%lld messages/height=%.0f (%.1f per link) "
                 "bytes/height/node=%.0f interval=%.0f ms wall=%.1f s (votes %.0f, statuses "
                 "%.0f, proposals %.0f per height; repaired votes %llu, relayed %llu)\n",
                 describe(run).c_str(), static_cast<unsigned long long>(seed),
                 static_cast<long long>(r.heights), r.messages_per_height, per_link,
                 r.bytes_per_height_per_node, r.block_interval_ms, r.wall_s,
                 static_cast<double>(sim.traffic().votes) / h,
                 static_cast<double>(sim.traffic().statuses) / h,
                 static_cast<double>(sim.traffic().proposals) / h,
                 static_cast<unsigned long long>(sim.honest_counter("gossip.repaired_votes")),
                 static_cast<unsigned long long>(sim.honest_counter("gossip.relayed_votes")));
    if (!run.degree && !run.wan && !run.link_ms && !run.byzantine)
        v.expect(per_link <= 12.0, describe(run) + ": at most 12 messages per link per height (" +
                                       std::to_string(per_link) + ")");
    return r;
}

void scale_case(const ScaleRun& run, std::uint64_t default_seeds) {
    for_each_seed(
        "scale", [&](std::uint64_t seed, Verdict& v) { (void)run_scale(run, seed, v); },
        default_seeds);
}

}  // namespace

TEST_CASE("sim: scale 64 validators full mesh") {
    scale_case(ScaleRun{64, 0, false, false, 10}, 2);
}

TEST_CASE("sim: scale 64 validators degree 10 WAN links") {
    scale_case(ScaleRun{64, 10, true, false, 5}, 1);
}

// ---- make sim-scale ----

TEST_CASE("sim-scale: 100 validators full mesh WAN links") {
    scale_case(ScaleRun{100, 0, true, false, 10}, 2);
}

TEST_CASE("sim-scale: 100 validators degree 16 WAN links") {
    scale_case(ScaleRun{100, 16, true, false, 10}, 2);
}

TEST_CASE("sim-scale: 100 validators with a byzantine third") {
    scale_case(ScaleRun{100, 0, false, true, 10}, 2);
}

TEST_CASE("sim-scale: 200 validators degree 20 WAN links") {
    scale_case(ScaleRun{200, 20, true, false, 5}, 1);
}

TEST_CASE("sim-scale: 200 validators full mesh 100 heights") {
    scale_case(ScaleRun{200, 0, false, false, 100}, 1);
}

TEST_CASE("sim-scale: messages per height by validator count") {
    // The report `make bench` reads (SEER_SIM_SCALE_REPORT): messages per height on honest full
    // meshes with LAN links at 4 to 200 validators (10 heights each) and their growth exponent; the wall time of
    // 100 heights at 200 validators; the block interval at 100 validators over 100 ms links, full
    // mesh and degree 16. SEER_SIM_SCALE_QUICK=1 (make bench QUICK=1): 4 to 64 validators only.
    const char* quick_env = std::getenv("SEER_SIM_SCALE_QUICK");
    const bool quick = quick_env && std::string(quick_env) == "1";
    std::vector<std::pair<double, double>> points;  // (n, messages per height)
    std::string json = "[";
    std::vector<std::size_t> sizes{4, 8, 16, 32, 64};
    if (!quick) sizes.insert(sizes.end(), {100, 200});
    for (std::size_t n : sizes) {
        Verdict v;
        const auto r = run_scale(ScaleRun{n, 0, false, false, 10}, 1, v);
        CHECK(v.ok());
        points.emplace_back(static_cast<double>(n), r.messages_per_height);
        char line[256];
        std::snprintf(line, sizeof line,
                      "%s{\"validators\":%zu,\"messages_per_height\":%.1f,"
                      "\"bytes_per_height_per_node\":%.1f,\"wall_s\":%.2f}",
                      json.size() > 1 ? "," : "", n, r.messages_per_height,
                      r.bytes_per_height_per_node, r.wall_s);
        json += line;
    }
    json += "]";
    // Least-squares slope of log(messages) over log(n): the growth exponent.
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (auto [n, m] : points) {
        const double x = std::log(n), y = std::log(m);
        sx += x, sy += y, sxx += x * x, sxy += x * y;
    }
    const double k = static_cast<double>(points.size());
    const double exponent = (k * sxy - sx * sy) / (k * sxx - sx * sx);
    std::fprintf(stderr, "sim-scale messages per height grow as n^%.2f\n", exponent);
    CHECK_MESSAGE(exponent <= 2.1, "messages per height grow at most as n^2: n^" << exponent);

    // 100 heights at 200 validators, and the intervals over 100 ms links (0 when quick).
    double wall_200 = 0, interval_full = 0, interval_degree16 = 0;
    if (!quick) {
        Verdict v200, vfull, vdeg;
        wall_200 = run_scale(ScaleRun{200, 0, false, false, 100}, 1, v200).wall_s;
        CHECK(v200.ok());
        interval_full = run_scale(ScaleRun{100, 0, false, false, 10, 100}, 1, vfull).block_interval_ms;
        CHECK(vfull.ok());
        interval_degree16 =
            run_scale(ScaleRun{100, 16, false, false, 10, 100}, 1, vdeg).block_interval_ms;
        CHECK(vdeg.ok());
    }
    if (const char* path = std::getenv("SEER_SIM_SCALE_REPORT"); path && *path) {
        std::ofstream out(path);
        out << "{\"exponent\":" << exponent << ",\"points\":" << json
            << ",\"wall_s_200_validators_100_heights\":" << wall_200
            << ",\"interval_ms_100_validators_full_mesh_100ms\":" << interval_full
            << ",\"interval_ms_100_validators_degree16_100ms\":" << interval_degree16
            << ",\"link_ms\":100,\"timeout_commit_ms\":0}\n";
    }
}

}  // namespace seer::sim
