// seer_fuzz_app_smoke: the user-tx fuzz entry point (fuzz_tx.cpp: check_tx on the fixture app of
// tx_fixture.hpp) over a deterministic corpus on every build. Same scheme as seer_fuzz_smoke
// (smoke_main.cpp): signed txs mutated by bit flips, byte overwrites, insertions, deletions,
// truncations, duplicated chunks, splices and large varints, plus random inputs, from a fixed
// seed. A violated invariant aborts after printing the input index; `--dump <index>` writes that
// input to stdout. `--replay` and `--write-corpus` are smoke_driver.hpp's.

#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "seer/app/codes.hpp"
#include "smoke_driver.hpp"
#include "smoke_mutator.hpp"
#include "tx_fixture.hpp"

extern "C" int seer_fuzz_tx(const std::uint8_t* data, std::size_t size);

namespace seer::fuzz {
namespace {

constexpr std::uint64_t k_seed = 0x5eed'7e11;
constexpr std::size_t k_inputs = 20000;
constexpr std::size_t k_random_inputs = 2000;  // of k_inputs

// Field tags of TxRaw and TxBody/AuthInfo (1..4 length-delimited), and varint edges.
constexpr std::uint8_t k_interesting[] = {0x00, 0x01, 0x0a, 0x12, 0x1a, 0x22, 0x7f, 0x80, 0xff};

Bytes input(std::size_t index, const std::vector<Bytes>& pool) {
    return smoke_input(index, pool, k_seed, k_random_inputs, {k_interesting, true});
}

volatile std::sig_atomic_t g_current = -1;

extern "C" void on_abort(int) {
    char buf[64];
    const int n = std::snprintf(buf, sizeof(buf), "seer_fuzz_app_smoke: failing input %ld\n",
                                static_cast<long>(g_current));
    if (n > 0) std::fwrite(buf, 1, static_cast<std::size_t>(n), stderr);
}

bool past_decoding(const consensus::CheckTxResponse& r) {
    if (r.code == 0) return true;
    if (r.codespace != app::k_sdk_codespace) return true;
    return r.code != static_cast<std::uint32_t>(app::SdkCode::tx_decode) &&
           r.code != static_cast<std::uint32_t>(app::SdkCode::tx_too_large);
}

}  // namespace
}  // namespace seer::fuzz

int main(int argc, char** argv) {
    using namespace seer::fuzz;
    const std::vector<seer::Bytes> pool = tx_seeds();
    const Target targets[] = {{"tx", seer_fuzz_tx}};
    if (auto rc = run_modes(argc, argv, targets, [&](std::string_view) { return pool; }))
        return *rc;
    if (argc == 3 && std::string(argv[1]) == "--dump") {
        const seer::Bytes b = input(std::strtoull(argv[2], nullptr, 10), pool);
        std::fwrite(b.data(), 1, b.size(), stdout);
        return 0;
    }
    TxFixture fixture;
    // The first seven seeds are accepted; the rest are refused after decoding.
    for (std::size_t i = 0; i < pool.size(); ++i) {
        const auto r = fixture.app->check_tx(pool[i], seer::consensus::CheckTxKind::dry_run);
        if ((i < 7) != (r.code == 0) || !past_decoding(r)) {
            std::fprintf(stderr, "seer_fuzz_app_smoke: seed %zu: code %u %s\n", i, r.code,
                         r.log.c_str());
            return 1;
        }
    }
    std::signal(SIGABRT, on_abort);
    std::size_t past = 0;
    std::size_t accepted = 0;
    for (std::size_t i = 0; i < k_inputs; ++i) {
        const seer::Bytes b = input(i, pool);
        g_current = static_cast<std::sig_atomic_t>(i);
        seer_fuzz_tx(b.data(), b.size());
        const auto r = fixture.app->check_tx(b, seer::consensus::CheckTxKind::dry_run);
        if (past_decoding(r)) ++past;
        if (r.code == 0) ++accepted;
    }
    std::fprintf(stderr,
                 "seer_fuzz_app_smoke: %zu inputs, no invariant violated; %zu got past decoding, "
                 "%zu accepted\n",
                 k_inputs, past, accepted);
    if (past < 500) {
        std::fprintf(stderr, "seer_fuzz_app_smoke: too few mutated inputs get past decoding\n");
        return 1;
    }
    return 0;
}
