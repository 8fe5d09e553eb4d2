// `make bench`: futures finished per second at saturation, on a 4-validator network of real
// `seer` processes on 127.0.0.1 (issue 8's benchmark row; issue 10 adds the other rows).
//
// The load: N signed MsgAddFuture(echo) txs from the 4 funded users, pre-signed, sent as fast as
// the node takes them (JSON-RPC batches of 100 broadcast_tx_sync to node 0). The figures:
//   - committed tx/s: accepted txs / time until the last one is in a block;
//   - futures finished/s: accepted futures / time until the last one is final;
//   - the ratio of the two (target: the results path keeps up with the txs, >= 0.9);
//   - refused at check_tx with code 14 (backlog full), and futures not VERIFIED (must be 0).
// Prints a table and writes bench/results.json. QUICK=1 sends fewer txs.
// Usage: seer_bench <seer binary> <results.json path>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>

#include "../tests/e2e/process.hpp"
#include "seer/app/tx.hpp"
#include "seer/common/base64.hpp"
#include "seer/crypto/address.hpp"
#include "seer/node/keyring.hpp"

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace seer;
using namespace seer::e2e;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int k_nodes = 4;

std::string s(const json::value& v) {
    return v.is_string() ? std::string(v.as_string()) : json::serialize(v);
}

std::map<std::string, std::uint64_t> counts(std::uint16_t rpc) {
    std::map<std::string, std::uint64_t> out;
    auto q = rpc_get(rpc, "/abci_query?path=%22async/counts%22");
    if (!q) return out;
    auto v = from_base64(s(q->at("response").at("value")));
    if (!v) return out;
    std::istringstream lines(to_string(*v));
    std::string line;
    while (std::getline(lines, line)) {
        const auto eq = line.find('=');
        if (eq != std::string::npos) out[line.substr(0, eq)] = std::stoull(line.substr(eq + 1));
    }
    return out;
}

int fail(const std::string& what) {
    std::cerr << "bench: " << what << "\n";
    return 1;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) return fail("usage: seer_bench <seer binary> <results.json>");
    const std::string seer_bin = argv[1];
    const bool quick = std::getenv("QUICK") && std::string(std::getenv("QUICK")) == "1";
    const int per_user = quick ? 500 : 2500;
    TempDir tmp("seer-bench");
    if (!tmp.ok()) return fail("cannot make a temp directory");
    const std::string dir = tmp.path();

    const std::uint16_t base = free_port_range(10 * k_nodes + 5);
    const auto api_base = static_cast<std::uint16_t>(base + 10 * k_nodes + 1);
    {
        Process gen;
        gen.start({seer_bin, "testnet", "--validators", std::to_string(k_nodes), "--output",
                   dir + "/net", "--starting-port", std::to_string(base), "--api-starting-port",
                   std::to_string(api_base)},
                  dir + "/testnet.log");
        if (gen.wait_exit(std::chrono::seconds(30)) != 0) return fail("seer testnet failed");
    }
    auto home = [&](int i) { return dir + "/net/node" + std::to_string(i); };
    // The per-account cap would bind first (4 senders); the bench measures the chain's paths.
    {
        auto g = json::parse(read_file(home(0) + "/config/genesis.json")).as_object();
        g.at("app_state")
            .as_object()
            .at("async")
            .as_object()
            .at("params")
            .as_object()["max_pending_per_account"] = "1000000";
        const std::string text = json::serialize(g);
        for (int i = 0; i < k_nodes; ++i)
            std::ofstream(home(i) + "/config/genesis.json") << text;
    }
    Process nodes[k_nodes];
    for (int i = 0; i < k_nodes; ++i)
        nodes[i].start({seer_bin, "start", "--home", home(i)}, home(i) + "/seer.log");
    const auto rpc = static_cast<std::uint16_t>(base + 1);
    auto height = [&] {
        auto st = rpc_get(rpc, "/status");
        return st ? std::stoll(s(st->at("sync_info").at("latest_block_height"))) : -1;
    };
    if (!wait_until(std::chrono::seconds(90), [&] { return height() >= 2; }))
        return fail("no blocks");
    const std::string chain_id = s(rpc_get(rpc, "/status")->at("node_info").at("network"));

    // Pre-signed txs, interleaved across users so every batch carries all four.
    std::vector<std::vector<Bytes>> by_user;
    for (const std::string user : {"alice", "bob", "carol", "dave"}) {
        auto key = node::load_account_key(dir + "/net/keys", "test", user);
        if (!key) return fail("key " + user + ": " + key.error().message);
        const std::string addr = crypto::to_bech32_address(key->address());
        auto acc = http_get(api_base, "/cosmos/auth/v1beta1/accounts/" + addr);
        if (!acc) return fail("account " + addr);
        const auto number = std::stoull(s(json::parse(*acc).at("account").at("account_number")));
        std::vector<Bytes> txs;
        for (int i = 0; i < per_user; ++i) {
            app::AddFutureTx t;
            t.chain_id = chain_id;
            t.account_number = number;
            t.sequence = static_cast<std::uint64_t>(i);
            t.handler = "echo";
            t.input = to_bytes(user + "-" + std::to_string(i) + "-bench-input-of-some-length");
            // `seer testnet` nodes have min_gas_prices 0.001useer: 200000 gas x 0.001 = 200.
            t.gas_limit = 200000;
            t.fee = {{std::string(bank::k_native_denom), 200}};
            txs.push_back(app::build_add_future_tx(*key, t));
        }
        by_user.push_back(std::move(txs));
    }
    std::vector<Bytes> all;
    for (int i = 0; i < per_user; ++i)
        for (auto& u : by_user)
            all.push_back(std::move(u[static_cast<std::size_t>(i)]));

    const auto t0 = Clock::now();
    // The chain's counts, sampled every 100 ms from the first tx on (its own thread).
    struct Sample {
        double t = 0;
        std::uint64_t in_state = 0;
        std::uint64_t unfinished = 0;
        std::uint64_t verified = 0;
        std::uint64_t failed = 0;
    };
    std::mutex samples_mutex;
    std::vector<Sample> samples;
    std::atomic<bool> stop_sampling{false};
    std::thread sampler([&] {
        while (!stop_sampling) {
            auto c = counts(rpc);
            Sample x;
            x.t = std::chrono::duration<double>(Clock::now() - t0).count();
            x.in_state =
                c["PENDING"] + c["EXECUTED"] + c["VERIFIED"] + c["FAILED"] + c["TIMED_OUT"];
            x.unfinished = c["PENDING"] + c["EXECUTED"];
            x.verified = c["VERIFIED"];
            x.failed = c["FAILED"] + c["TIMED_OUT"];
            {
                std::lock_guard lock(samples_mutex);
                samples.push_back(x);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    });
    std::uint64_t accepted = 0;
    std::map<std::string, int> refused;
    // Saturation without overflowing the mempool (5,000 txs): a refused tx would make every later
    // tx of its sender fail on its sequence. Bounded wait per batch.
    auto mempool_txs = [&] {
        auto n = rpc_get(rpc, "/num_unconfirmed_txs");
        return n ? std::stoll(s(n->at("n_txs"))) : 0;
    };
    for (std::size_t i = 0; i < all.size(); i += 100) {
        for (int w = 0; w < 500 && mempool_txs() > 3000; ++w)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        json::array batch;
        for (std::size_t j = i; j < std::min(all.size(), i + 100); ++j)
            batch.push_back(json::object{{"jsonrpc", "2.0"},
                                         {"id", j},
                                         {"method", "broadcast_tx_sync"},
                                         {"params", json::object{{"tx", to_base64(all[j])}}}});
        auto body = http_post(rpc, json::serialize(batch));
        if (!body) return fail("broadcast batch failed");
        const json::value answers = json::parse(*body);
        if (!answers.is_array()) return fail("broadcast batch: " + body->substr(0, 200));
        for (const auto& r : answers.as_array()) {
            if (!r.as_object().contains("result")) {
                ++refused["rpc error: " + s(r.at("error").at("data"))];
                continue;
            }
            const auto code = s(r.at("result").at("code"));
            if (code == "0")
                ++accepted;
            else
                ++refused["code " + code];
        }
    }
    const double sent_s = std::chrono::duration<double>(Clock::now() - t0).count();
    // Committed: none left in the mempool; final: none PENDING or EXECUTED. Bounded.
    // Rates are over the window from the first to the last event of each kind, so the fixed
    // latency of a future (about two blocks) does not count as lost throughput.
    std::optional<double> first_committed_s;
    std::optional<double> first_final_s;
    std::optional<double> committed_s;
    std::optional<double> final_s;
    Sample last;
    const auto deadline = t0 + std::chrono::seconds(quick ? 120 : 400);
    while (Clock::now() < deadline && !final_s) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        std::lock_guard lock(samples_mutex);
        for (const auto& x : samples) {
            if (!first_committed_s && x.in_state > 0) first_committed_s = x.t;
            if (!first_final_s && x.verified > 0) first_final_s = x.t;
            if (!committed_s && x.in_state >= accepted) committed_s = x.t;
            if (committed_s && !final_s && x.unfinished == 0 && x.in_state >= accepted)
                final_s = x.t;
            last = x;
        }
        samples.clear();
    }
    stop_sampling = true;
    sampler.join();
    for (auto& n : nodes)
        n.stop();
    if (!committed_s || !final_s) return fail("the load did not finish in time");

    const double tx_rate =
        static_cast<double>(accepted) / std::max(0.1, *committed_s - *first_committed_s);
    const double fut_rate =
        static_cast<double>(last.verified) / std::max(0.1, *final_s - *first_final_s);
    const double ratio = fut_rate / tx_rate;
    const std::uint64_t not_verified = last.failed;
    std::printf(
        "seer bench: %zu signed MsgAddFuture(echo) txs to node 0 of 4 validators, sent in %.1f s; "
        "first commit %.1f s, all committed %.1f s, first final %.1f s, all final %.1f s\n",
        all.size(), sent_s, *first_committed_s, *committed_s, *first_final_s, *final_s);
    std::printf("%-36s %12s %8s %10s %8s %s\n", "figure", "value", "unit", "target", "ratio",
                "result");
    std::printf("%-36s %12.0f %8s %10s %8s %s\n", "committed tx/s (the limit here)", tx_rate,
                "tx/s", "", "", "");
    std::printf("%-36s %12.0f %8s %10s %8.2f %s\n", "futures finished/s at saturation", fut_rate,
                "/s", ">=0.9 tx", ratio, ratio >= 0.9 ? "pass" : "falls short");
    std::printf("%-36s %12llu %8s %10s %8s %s\n", "futures not VERIFIED",
                static_cast<unsigned long long>(not_verified), "", "0", "",
                not_verified == 0 ? "pass" : "falls short");
    for (const auto& [why, n] : refused)
        std::printf("refused at check_tx: %s x%d\n", why.c_str(), n);

    json::array rows;
    rows.push_back(json::object{{"name", "committed_tx_per_s"},
                                {"value", tx_rate},
                                {"unit", "tx/s"},
                                {"target", nullptr},
                                {"ratio", nullptr},
                                {"pass", nullptr}});
    rows.push_back(json::object{{"name", "futures_finished_per_s_at_saturation"},
                                {"value", fut_rate},
                                {"unit", "1/s"},
                                {"target", "0.9 x committed_tx_per_s"},
                                {"ratio", ratio},
                                {"pass", ratio >= 0.9}});
    rows.push_back(json::object{{"name", "futures_not_verified"},
                                {"value", not_verified},
                                {"unit", "futures"},
                                {"target", 0},
                                {"ratio", nullptr},
                                {"pass", not_verified == 0}});
    fs::create_directories(fs::path(argv[2]).parent_path());
    std::ofstream(argv[2]) << json::serialize(rows) << "\n";
    return 0;
}
