// seer_fuzz_node_smoke: the start-up files' fuzz entry point (fuzz_config.cpp: config.toml and
// genesis.json) over a deterministic corpus on every build. Same scheme as seer_fuzz_smoke
// (smoke_main.cpp): valid config.toml sections and genesis.json documents (seer's own rendering
// and CometBFT's spelling) mutated by bit flips, byte overwrites with TOML and JSON punctuation,
// insertions, deletions, truncations, duplicated chunks and splices, plus random inputs, from a
// fixed seed. A violated invariant aborts after printing the input index; `--dump <index>`
// writes that input to stdout. `--replay` and `--write-corpus` are smoke_driver.hpp's.

#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "seer/app/app.hpp"
#include "seer/async/params.hpp"
#include "seer/common/base64.hpp"
#include "seer/crypto/address.hpp"
#include "seer/node/config.hpp"
#include "seer/node/genesis.hpp"
#include "smoke_driver.hpp"
#include "smoke_mutator.hpp"

extern "C" int seer_fuzz_config(const std::uint8_t* data, std::size_t size);

namespace seer::fuzz {
namespace {

constexpr std::uint64_t k_seed = 0x5eed'c0f6;
constexpr std::size_t k_inputs = 20000;
constexpr std::size_t k_random_inputs = 1000;  // of k_inputs
constexpr std::size_t k_config_seeds = 10;      // then genesis documents

constexpr std::uint8_t k_interesting[] = {'"', '\'', '=', '[', ']', '{', '}', ',', '\n', '#', '.',
                                          '0', '9', '-', 't', '\\', ' ', 0x00, 0x7f, 0xc3};

Bytes text(std::string_view s) {
    return Bytes(s.begin(), s.end());
}

crypto::PrivateKey key(std::uint8_t v) {
    crypto::Seed s{};
    s.fill(v);
    return crypto::PrivateKey::from_seed(s);
}

std::vector<Bytes> seeds() {
    std::vector<Bytes> out;
    // config.toml: the full rendering of the defaults, then one section at a time.
    out.push_back(text(node::render_config(node::Config{})));
    out.push_back(text("moniker = \"v0\"\nlog_level = \"debug\"\nproxy_app = \"noop\"\n"
                       "min_gas_prices = \"0.001useer\"\n"));
    out.push_back(text("[p2p]\nladdr = \"tcp://0.0.0.0:26656\"\n"
                       "persistent_peers = \"aa@10.0.0.1:26656,bb@10.0.0.2:26656\"\n"
                       "seeds = []\npex = false\nmax_num_inbound_peers = 3\n"
                       "handshake_timeout_ms = 500\n"));
    out.push_back(text("[rpc]\nladdr = \"127.0.0.1:26657\"\nmax_open_connections = 10\n"
                       "cors_allowed_origins = [\"*\"]\n[api]\nenable = false\n"
                       "address = \"tcp://[::1]:1317\"\n[grpc]\naddress = \"127.0.0.1:0\"\n"));
    out.push_back(text("[consensus]\ntimeout_propose_ms = 100\ntimeout_commit_ms = 0\n"
                       "[mempool]\nsize = 10\nmax_tx_bytes = 64\n"));
    out.push_back(text("[prophet]\nworkers = 2\nhandlers = [\"echo\", \"http\"]\n"
                       "http_allowlist = [\"https://example.com/\"]\nhttp_tolerance = 0.25\n"
                       "concurrency = { http = 2, \"exec:x\" = 1 }\n"));
    out.push_back(text("[[prophet.exec]]\nname = \"sum\"\nargv = [\"/bin/sh\", \"-c\", \"echo 1\"]\n"
                       "timeout_ms = 1000\nmax_memory_bytes = 0\n"
                       "[[prophet.exec]]\nname = \"b\"\nargv = [\"/bin/true\"]\n"
                       "verify_argv = [\"/bin/true\", \"--verify\"]\n"));
    out.push_back(text("[async]\narchive = 1000\nserve_outputs = false\n"
                       "[instrumentation]\nprometheus = false\n"
                       "prometheus_listen_addr = \"tcp://127.0.0.1:0\"\n"));
    out.push_back(text("moniker = 'lit\"eral'\n[prophet]\nhttp_tolerance = 1e-3\n"
                       "default_timeout_ms = 0x10\n"));
    out.push_back(text("moniker = \"\\u00e9t\\u00e9 \\\"q\\\"\"\n[async]\narchive = \"all\"\n"));

    // genesis.json: seer's rendering with an application state, then CometBFT's spelling.
    node::GenesisDoc g;
    g.chain_id = "seer-fuzz";
    g.genesis_time = 1'700'000'000'123'456'789;
    for (std::uint8_t i = 1; i <= 2; ++i) {
        const auto k = key(i);
        g.validators.push_back({crypto::address_of(k.public_key()), k.public_key(), 10 * i,
                                "val" + std::to_string(i)});
    }
    app::Genesis a;
    const std::string holder = crypto::to_bech32_address(crypto::address_of(key(9).public_key()));
    a.accounts.push_back({holder, std::nullopt});
    a.balances.push_back({holder, {{"useer", 1000}}});
    a.async.handlers = {{"echo", "output = input"}};
    g.app_state_json = app::app_state_json(a);
    out.push_back(text(node::render_genesis(g)));
    node::GenesisDoc small = g;
    small.validators.resize(1);
    small.app_state_json = "{}";
    small.initial_height = 7;
    small.vote_extensions_enable_height = 7;
    out.push_back(text(node::render_genesis(small)));
    const auto k3 = key(3);
    out.push_back(text(
        R"({"genesis_time":"2024-02-29T12:00:00.5+02:00","chain_id":"c","initial_height":1,)"
        R"("consensus_params":{"block":{"max_bytes":"1048576"},"abci":{}},)"
        R"("validators":[{"pub_key":{"type":"tendermint/PubKeyEd25519","value":")" +
        to_base64(k3.public_key()) + R"("},"power":5}],"app_state":{"auth":{"params":)"
        R"({"max_memo_characters":"100"}},"bank":{"balances":[]},"async":{}}})"));
    out.push_back(text(
        R"({"genesis_time":"1970-01-01T00:00:00Z","chain_id":"x","validators":[{"address":")" +
        to_hex(crypto::address_of(k3.public_key()), true) +
        R"(","pub_key":{"type":"tendermint/PubKeyEd25519","value":")" +
        to_base64(k3.public_key()) + R"("},"power":"1","name":"n"}]})"));
    return out;
}

Bytes input(std::size_t index, const std::vector<Bytes>& pool) {
    return smoke_input(index, pool, k_seed, k_random_inputs, {k_interesting, false});
}

volatile std::sig_atomic_t g_current = -1;

extern "C" void on_abort(int) {
    char buf[64];
    const int n = std::snprintf(buf, sizeof(buf), "seer_fuzz_node_smoke: failing input %ld\n",
                                static_cast<long>(g_current));
    if (n > 0) std::fwrite(buf, 1, static_cast<std::size_t>(n), stderr);
}

std::string_view view(const Bytes& b) {
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}

}  // namespace
}  // namespace seer::fuzz

int main(int argc, char** argv) {
    using namespace seer::fuzz;
    const std::vector<seer::Bytes> pool = seeds();
    const Target targets[] = {{"config", seer_fuzz_config}};
    if (auto rc = run_modes(argc, argv, targets, [&](std::string_view) { return pool; }))
        return *rc;
    if (argc == 3 && std::string(argv[1]) == "--dump") {
        const seer::Bytes b = input(std::strtoull(argv[2], nullptr, 10), pool);
        std::fwrite(b.data(), 1, b.size(), stdout);
        return 0;
    }
    for (std::size_t i = 0; i < pool.size(); ++i) {
        const bool config = i < k_config_seeds;
        std::string error;
        if (config) {
            auto c = seer::node::parse_config(view(pool[i]));
            if (!c) error = c.error().message;
        } else {
            auto g = seer::node::parse_genesis(view(pool[i]));
            if (!g) error = g.error().message;
            else if (auto a = seer::app::parse_app_state(g->app_state_json); !a && i == k_config_seeds)
                error = a.error().message;
        }
        if (!error.empty()) {
            std::fprintf(stderr, "seer_fuzz_node_smoke: seed %zu: %s\n", i, error.c_str());
            return 1;
        }
    }
    std::signal(SIGABRT, on_abort);
    std::size_t configs = 0;
    std::size_t geneses = 0;
    for (std::size_t i = 0; i < k_inputs; ++i) {
        const seer::Bytes b = input(i, pool);
        g_current = static_cast<std::sig_atomic_t>(i);
        seer_fuzz_config(b.data(), b.size());
        if (seer::node::parse_config(view(b)).ok()) ++configs;
        if (seer::node::parse_genesis(view(b)).ok()) ++geneses;
    }
    std::fprintf(stderr,
                 "seer_fuzz_node_smoke: %zu inputs, no invariant violated; parsed: %zu configs, "
                 "%zu genesis documents\n",
                 k_inputs, configs, geneses);
    if (configs < 500 || geneses < 200) {
        std::fprintf(stderr, "seer_fuzz_node_smoke: too few mutated inputs parse\n");
        return 1;
    }
    return 0;
}
