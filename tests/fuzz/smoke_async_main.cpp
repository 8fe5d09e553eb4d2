// seer_fuzz_async_smoke: the x/async decoders' fuzz entry points (fuzz_results_tx,
// fuzz_vote_extension) over a deterministic corpus, on every build. Same scheme as
// seer_fuzz_smoke (smoke_main.cpp): mutated valid encodings (bit flips, byte overwrites,
// insertions, deletions, truncations, duplicated chunks, splices) plus plain random inputs,
// from a fixed seed; a violated invariant aborts after printing the input index, and
// `--dump <index>` writes that input to stdout for replay. `--replay` and `--write-corpus` are
// smoke_driver.hpp's.

#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>

#include <string>
#include <vector>

#include "smoke_driver.hpp"
#include "smoke_mutator.hpp"

#include "seer/app/tx.hpp"
#include "seer/async/tx.hpp"
#include "seer/crypto/address.hpp"
#include "seer/crypto/ed25519.hpp"

extern "C" int seer_fuzz_results_tx(const std::uint8_t* data, std::size_t size);
extern "C" int seer_fuzz_vote_extension(const std::uint8_t* data, std::size_t size);

namespace seer::async {
namespace {

constexpr std::uint64_t k_seed = 0x5eed'a51c;
constexpr std::size_t k_inputs = 20000;
constexpr std::size_t k_random_inputs = 4000;  // of k_inputs
constexpr std::size_t k_results_seeds = 5;     // the first seeds are results txs

crypto::Address address(std::uint8_t v) {
    crypto::Address a;
    a.fill(v);
    return a;
}

ResultEntry entry(std::uint64_t id, std::uint32_t attempt, std::string output, std::string error) {
    ResultEntry e;
    e.future_id = id;
    e.attempt = attempt;
    e.output = to_bytes(output);
    e.error = std::move(error);
    return e;
}

std::vector<Bytes> seeds() {
    std::vector<Bytes> out;
    out.push_back(encode_results_tx({address(0x0c), {entry(1, 0, "6", "")}}));
    out.push_back(
        encode_results_tx({address(0xa1),
                           {entry(7, 2, "", "division_by_zero: 1/0"), entry(300, 0, "hello", ""),
                            entry(1ull << 40, 99, std::string(40, 'x'), "")}}));
    out.push_back(encode_results_tx({address(0x00), {}}));
    {
        // An off-chain entry (hash and size, no bytes) beside an inline one.
        ResultEntry off = entry(11, 0, "", "");
        off.output_sha256 = Bytes(32, 0xab);
        off.output_size = 16u << 20;
        out.push_back(encode_results_tx({address(0x33), {off, entry(12, 1, "ok", "")}}));
    }
    out.push_back(encode_results_tx(
        {address(0x7f), {entry(2, 1, "{\"v\": 1.5}", ""), entry(3, 0, "", "timeout: 30s")}}));
    out.push_back(encode_vote_extension({{1, 0, VoteValue::verified}}));
    out.push_back(encode_vote_extension({{5, 1, VoteValue::rejected},
                                         {6, 0, VoteValue::verified},
                                         {1ull << 33, 7, VoteValue::verified}}));
    std::vector<ExtensionVote> many;
    for (std::uint64_t i = 0; i < 40; ++i)
        many.push_back({i * 131, static_cast<std::uint32_t>(i % 3),
                        i % 2 ? VoteValue::rejected : VoteValue::verified});
    out.push_back(encode_vote_extension(many));
    VoteExtension bits;
    bits.votes = {{9, 0, VoteValue::rejected}};
    for (std::size_t i : {0u, 3u, 8u, 17u})
        bits.set_bit(i);
    out.push_back(encode_extension(bits));
    app::AddFutureTx tx;
    tx.chain_id = "seer-fuzz";
    tx.handler = "math";
    tx.input = to_bytes("2+4");
    crypto::Seed seed{};
    seed.fill(0x42);
    out.push_back(app::build_add_future_tx(crypto::PrivateKey::from_seed(seed), tx));
    return out;
}

constexpr std::uint8_t k_interesting[] = {0x00, 0x01, 0x02, 0x03, 0x7f, 0x80, 0xff, 0x18};

Bytes input(std::size_t index, const std::vector<Bytes>& pool) {
    Bytes b = fuzz::smoke_input(index, pool, k_seed, k_random_inputs, {k_interesting, true});
    // Half of the random inputs carry the results-tx marker, so they reach the parser.
    if (index < k_random_inputs && !b.empty() && index % 2 == 0) b[0] = k_results_tx_marker;
    return b;
}

volatile std::sig_atomic_t g_current = -1;

extern "C" void on_abort(int) {
    char buf[64];
    const int n = std::snprintf(buf, sizeof(buf), "seer_fuzz_async_smoke: failing input %ld\n",
                                static_cast<long>(g_current));
    if (n > 0) std::fwrite(buf, 1, static_cast<std::size_t>(n), stderr);
}

}  // namespace
}  // namespace seer::async

int main(int argc, char** argv) {
    using namespace seer::async;
    const std::vector<seer::Bytes> pool = seeds();
    const seer::fuzz::Target targets[] = {{"results_tx", seer_fuzz_results_tx},
                                          {"vote_extension", seer_fuzz_vote_extension}};
    // A target's seed corpus: the seeds it decodes, then mutated inputs it decodes.
    auto corpus = [&](std::string_view t) {
        std::vector<seer::Bytes> candidates = pool;
        for (std::size_t i = k_random_inputs; i < k_random_inputs + 4000; ++i)
            candidates.push_back(input(i, pool));
        return seer::fuzz::pick(candidates, 20, [&](const seer::Bytes& b) {
            return t == "results_tx" ? decode_results_tx(b).ok() : decode_vote_extension(b).ok();
        });
    };
    if (auto rc = seer::fuzz::run_modes(argc, argv, targets, corpus)) return *rc;
    if (argc == 3 && std::string(argv[1]) == "--dump") {
        const seer::Bytes b = input(std::strtoull(argv[2], nullptr, 10), pool);
        std::fwrite(b.data(), 1, b.size(), stdout);
        return 0;
    }
    // The seeds are valid: results txs first, then vote extensions, then a user tx.
    for (std::size_t i = 0; i + 1 < pool.size(); ++i) {
        const bool ok = i < k_results_seeds ? decode_results_tx(pool[i]).ok()
                                            : decode_vote_extension(pool[i]).ok();
        if (!ok) {
            std::fprintf(stderr, "seer_fuzz_async_smoke: seed %zu does not decode\n", i);
            return 1;
        }
    }
    std::signal(SIGABRT, on_abort);
    std::size_t decoded[2] = {0, 0};
    for (std::size_t i = 0; i < k_inputs; ++i) {
        const seer::Bytes b = input(i, pool);
        g_current = static_cast<std::sig_atomic_t>(i);
        seer_fuzz_results_tx(b.data(), b.size());
        seer_fuzz_vote_extension(b.data(), b.size());
        if (decode_results_tx(b).ok()) ++decoded[0];
        if (decode_vote_extension(b).ok()) ++decoded[1];
    }
    std::fprintf(stderr,
                 "seer_fuzz_async_smoke: %zu inputs x 2 targets, no invariant violated; decoded: "
                 "%zu results txs, %zu vote extensions\n",
                 k_inputs, decoded[0], decoded[1]);
    if (decoded[0] < 100 || decoded[1] < 100) {
        std::fprintf(stderr, "seer_fuzz_async_smoke: too few mutated inputs decode\n");
        return 1;
    }
    return 0;
}
