#pragma once
// Helpers shared by the *_sim.cpp scenarios: the seed loop with its replay line, checks that
// remember whether the seed failed, and tx helpers.

#include <doctest/doctest.h>

#include <cstdint>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "harness.hpp"

namespace seer::sim {

/// A scenario stops after this many failing seeds (SEER_SIM_MAX_FAILING, default 3), so one
/// bug does not print 200 reports.
inline int max_failing_seeds() {
    const char* env = std::getenv("SEER_SIM_MAX_FAILING");
    return env && *env ? std::atoi(env) : 3;
}

/// One seed's verdict: every check goes through it, so the loop knows whether the seed failed.
class Verdict {
public:
    bool expect(bool condition, const std::string& what) {
        CHECK_MESSAGE(condition, what);
        m_ok = m_ok && condition;
        return condition;
    }
    /// Every invariant violation the simulation recorded becomes a failed check.
    bool expect_safe(const Simulation& sim) {
        for (const auto& v : sim.violations()) expect(false, v);
        return sim.ok();
    }
    /// A liveness check: on failure the message carries every node's consensus position.
    bool expect_live(const Simulation& sim, bool condition, const std::string& what) {
        return expect(condition, condition ? what : what + sim.dump());
    }
    bool ok() const { return m_ok; }

private:
    bool m_ok = true;
};

/// Runs `run(seed, verdict)` for every seed of sim_seeds(default_seeds), with the replay line
/// in every failure message.
inline void for_each_seed(const std::string& scenario,
                          const std::function<void(std::uint64_t, Verdict&)>& run,
                          std::uint64_t default_seeds = 200) {
    int failing = 0;
    for (const auto seed : sim_seeds(default_seeds)) {
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

/// The RNG a scenario uses for its own choices made before the Simulation exists (powers,
/// roles), independent of the simulation's RNG stream but fixed by the same seed.
inline std::mt19937_64 setup_rng(std::uint64_t seed) {
    return std::mt19937_64(seed * 0x9E3779B97F4A7C15ull + 0x5EEDull);
}

/// A client that sends its tx to every node that is up.
inline void submit_everywhere(Simulation& sim, const std::string& tx) {
    for (std::size_t i = 0; i < sim.size(); ++i)
        if (sim.is_up(i)) (void)sim.submit_tx(i, tx);
}

inline bool all_committed(const Simulation& sim, const std::vector<std::string>& txs) {
    for (const auto& tx : txs)
        if (!sim.committed_txs().contains(tx)) return false;
    return true;
}

/// "3,3,2,3": every node's height, for failure messages.
inline std::string heights(const Simulation& sim) {
    std::string out;
    for (std::size_t i = 0; i < sim.size(); ++i)
        out += (i ? "," : "") + std::to_string(sim.height(i)) + (sim.is_up(i) ? "" : "(down)");
    return out;
}

/// Submits `count` fresh txs "k<tag>-<i>=v<random>" everywhere and returns them.
inline std::vector<std::string> submit_batch(Simulation& sim, const std::string& tag, int count) {
    std::vector<std::string> txs;
    for (int i = 0; i < count; ++i) {
        txs.push_back("k" + tag + "-" + std::to_string(i) + "=v" +
                      std::to_string(sim.rng()() % 100000));
        submit_everywhere(sim, txs.back());
    }
    return txs;
}

}  // namespace seer::sim
