// `make bench`: seer measured against this machine's limits, measured in the same run
// (docs/performance.md). Usage: seer_bench <seer binary> <results.json> (QUICK=1: shorter).
//
//   1. limits: ed25519 and secp256k1 verifications/s on one core, SHA-256 MB/s, fdatasync on the
//      data directory's file system;
//   2. in process: the prophet's scaling from 1 to 2 workers;
//   3. a 4-validator network of real `seer` processes on 127.0.0.1 with timeout_commit = 0 and
//      64 funded bench accounts, loaded by `seer bench load`: empty blocks, light load,
//      saturation, half of saturation; RSS and disk after saturation; REST against nginx serving
//      the same bytes (wrk), RPC /status;
//   4. the same network with `proxy_app = "noop"` and 8-byte unsigned payloads (consensus only);
//   5. a network whose futures are pruned 20 blocks after they are final, loaded in 4 chunks
//      (BENCH_STATE_FUTURES futures in all; 1,000,000 for the figure): state after each.
// Prints one row per figure and writes results.json (name, value, unit, target, ratio, pass).

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <deque>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "../tests/e2e/process.hpp"
#include "http_bench.hpp"
#include "limits.hpp"
#include "report.hpp"

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace seer;
using namespace seer::bench;
using namespace seer::e2e;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int k_nodes = 4;
constexpr int k_accounts = 64;

std::string s(const json::value& v) {
    return v.is_string() ? std::string(v.as_string()) : json::serialize(v);
}

double num(const json::value& v, std::initializer_list<const char*> path) {
    const json::value* p = &v;
    for (const char* k : path) {
        if (!p->is_object() || !p->as_object().contains(k)) return 0;
        p = &p->as_object().at(k);
    }
    return p->is_number() ? p->to_number<double>() : 0;
}

std::uint64_t dir_bytes(const std::string& dir) {
    std::uint64_t n = 0;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
         it.increment(ec))
        if (it->is_regular_file(ec)) n += it->file_size(ec);
    return n;
}

double rss_mb(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
    return 0;
}

/// A network of `count` validators (4 unless set) in `dir`, its nodes started. `noop`:
/// proxy_app = "noop".
struct Network {
    std::string seer;
    std::string dir;
    int count = k_nodes;
    std::uint16_t base = 0;
    std::uint16_t api_base = 0;
    std::deque<Process> nodes;
    /// config.toml keys to set on every node, besides timeout_commit_ms = 0.
    std::vector<std::pair<std::string, std::string>> config;

    std::string home(int i) const { return dir + "/node" + std::to_string(i); }
    std::uint16_t rpc(int i) const { return static_cast<std::uint16_t>(base + 10 * i + 1); }
    std::uint16_t rest(int i) const { return static_cast<std::uint16_t>(api_base + 10 * i); }
    std::string urls() const {
        std::string u;
        for (int i = 0; i < count; ++i)
            u += (i ? "," : "") + std::string("http://127.0.0.1:") + std::to_string(rpc(i));
        return u;
    }

    /// `prune_after_blocks` > 0: x/async prunes final futures after that many blocks (the
    /// default per-block cap, max_prune_per_block, is kept).
    bool start(bool noop, std::uint64_t prune_after_blocks = 0) {
        // One free range for every port: p2p/RPC blocks, then REST, then gRPC.
        base = free_port_range(30 * count);
        api_base = static_cast<std::uint16_t>(base + 10 * count);
        Process gen;
        gen.start({seer, "testnet", "--validators", std::to_string(count), "--output", dir,
                   "--starting-port", std::to_string(base), "--api-starting-port",
                   std::to_string(api_base), "--grpc-starting-port",
                   std::to_string(base + 20 * count)},
                  dir + ".testnet.log");
        if (gen.wait_exit(std::chrono::seconds(30)) != 0) return false;
        for (int i = 0; i < count; ++i) {
            const std::string path = home(i) + "/config/config.toml";
            std::string text = read_file(path);
            auto set = [&](const std::string& key, const std::string& value) {
                const auto at = text.find("\n" + key + " = ");
                if (at == std::string::npos) return;
                const auto end = text.find('\n', at + 1);
                text.replace(at + 1, end - at - 1, key + " = " + value);
            };
            set("timeout_commit_ms", "0");
            if (noop) set("proxy_app", "\"noop\"");
            for (const auto& [key, value] : config) set(key, value);
            std::ofstream(path) << text;
            std::vector<std::string> gargs = {seer,   "bench", "genesis", "--accounts",
                                              std::to_string(k_accounts), "--home", home(i)};
            if (prune_after_blocks > 0)
                gargs.insert(gargs.end(),
                             {"--prune-after-blocks", std::to_string(prune_after_blocks)});
            Process g;
            g.start(gargs, dir + ".genesis.log");
            if (g.wait_exit(std::chrono::seconds(30)) != 0) return false;
        }
        nodes.clear();
        for (int i = 0; i < count; ++i)
            nodes.emplace_back().start({seer, "start", "--home", home(i)}, home(i) + "/seer.log");
        return wait_until(std::chrono::seconds(60), [&] { return height(0) >= 2; });
    }
    void stop() {
        for (auto& n : nodes)
            n.stop();
    }

    /// Node i's latest height, -1 when it does not answer.
    long long height(int i) const {
        auto st = rpc_get(rpc(i), "/status");
        return st ? std::stoll(s(st->at("sync_info").at("latest_block_height"))) : -1;
    }

    /// Node i's Prometheus text (testnet turns instrumentation on), empty when unreachable.
    std::string metrics(int i) const {
        const std::string text = read_file(home(i) + "/config/config.toml");
        const auto at = text.find("prometheus_listen_addr = \"");
        if (at == std::string::npos) return {};
        const auto colon = text.find(':', text.find("127.0.0.1", at));
        const auto port = static_cast<std::uint16_t>(std::stoi(text.substr(colon + 1)));
        return http_get(port, "/metrics").value_or("");
    }

    /// `seer bench load` with these arguments; its JSON figures (null when it failed).
    json::value load(const std::vector<std::string>& args, const std::string& name) {
        std::vector<std::string> argv = {seer, "bench", "load", "--nodes", urls(), "--accounts",
                                         std::to_string(k_accounts)};
        argv.insert(argv.end(), args.begin(), args.end());
        const std::string log = dir + "." + name + ".log";
        Process p;
        p.start(argv, log);
        p.wait_exit(std::chrono::seconds(900));
        std::istringstream lines(read_file(log));
        std::string line;
        json::value out;
        while (std::getline(lines, line))
            if (!line.empty() && line[0] == '{') {
                boost::system::error_code ec;
                out = json::parse(line, ec);
            }
        if (out.is_null()) std::cerr << "bench: `seer bench load` " << name << " failed, see " << log << "\n";
        return out;
    }
};

Row reported(std::string name, std::string label, double value, std::string unit,
             std::string note = "") {
    Row r;
    r.name = std::move(name);
    r.label = std::move(label);
    r.value = value;
    r.unit = std::move(unit);
    r.note = std::move(note);
    return r;
}

/// A row whose target is value >= `bound` (ratio = value / bound).
Row at_least(Row r, double bound, std::string target) {
    r.target = std::move(target);
    r.ratio = bound > 0 ? r.value / bound : 0;
    r.pass = r.value >= bound;
    return r;
}
/// A row whose target is `measured` <= `bound` (ratio = bound / measured, so >= 1 passes).
Row at_most(Row r, double measured, double bound, std::string target) {
    r.target = std::move(target);
    r.ratio = measured > 0 ? bound / measured : 0;
    r.pass = measured <= bound;
    return r;
}

std::string fmt(double v) {
    char b[32];
    if (v != 0 && std::abs(v) < 10)
        std::snprintf(b, sizeof b, "%.2f", v);
    else
        std::snprintf(b, sizeof b, "%.0f", v);
    return b;
}

/// Gossip by validator count (issue 15): idle networks of 4, 8 and 16 real processes with
/// 0.5 s blocks; the bytes every node wrote to its peers per committed height, and the CPU of
/// all nodes.
void gossip_phase(const std::string& seer_bin, const std::string& tmp, bool quick,
                  std::vector<Row>& rows) {
    const long ticks = sysconf(_SC_CLK_TCK);
    auto cpu_s = [&](pid_t pid) {
        std::istringstream in(read_file("/proc/" + std::to_string(pid) + "/stat"));
        std::string f;
        double total = 0;
        for (int i = 1; in >> f && i <= 15; ++i)
            if (i == 14 || i == 15) total += std::stod(f);
        return total / static_cast<double>(ticks);
    };
    auto counter = [](const std::string& text, const std::string& name) {
        const auto at = text.find("\n" + name + " ");
        return at == std::string::npos ? -1.0 : std::stod(text.substr(at + name.size() + 2));
    };
    std::vector<std::pair<double, double>> points;  // (validators, bytes/height/node)
    double cpu16 = 0;
    for (int n : {4, 8, 16}) {
        Network g;
        g.seer = seer_bin;
        g.count = n;
        g.dir = tmp + "/gossip" + std::to_string(n);
        g.config = {{"timeout_commit_ms", "500"}};
        if (!g.start(false)) {
            std::cerr << "bench: the " << n << "-validator network did not start\n";
            continue;
        }
        // Wait until every node has its peers and a few heights behind it.
        wait_until(std::chrono::seconds(60), [&] { return g.height(n - 1) >= 4; });
        auto sample = [&](double& bytes, long long& height, double& cpu) {
            bytes = 0;
            cpu = 0;
            for (int i = 0; i < n; ++i) {
                bytes += std::max(0.0, counter(g.metrics(i), "seer_p2p_send_bytes_total"));
                cpu += cpu_s(g.nodes[i].pid());
            }
            height = g.height(0);
        };
        double b0 = 0, b1 = 0, c0 = 0, c1 = 0;
        long long h0 = 0, h1 = 0;
        sample(b0, h0, c0);
        const auto t0 = Clock::now();
        std::this_thread::sleep_for(std::chrono::seconds(quick ? 6 : 15));
        sample(b1, h1, c1);
        const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
        if (n == 16) {
            // The same network with futures: ~200 echo futures a second at ~2 blocks a second,
            // so each precommit's vote extension carries the votes of ~100 results.
            double fb0 = 0, fb1 = 0, fc0 = 0, fc1 = 0;
            long long fh0 = 0, fh1 = 0;
            sample(fb0, fh0, fc0);
            auto load = g.load({"--rate", "200", "--duration", quick ? "6" : "12", "--handler",
                                "echo", "--no-wait-final"},
                               "gossip16_futures");
            sample(fb1, fh1, fc1);
            if (load.is_object() && fh1 > fh0 && fb1 > fb0) {
                const double committed = load.at("committed").to_number<double>();
                const double per_height = committed / static_cast<double>(fh1 - fh0);
                rows.push_back(reported("gossip_bytes_per_height_16_futures",
                                        "gossip bytes per node per height, 16 val., futures", (fb1 - fb0) / static_cast<double>(fh1 - fh0) / n,
                                        "B",
                                        fmt(per_height) + " futures committed per height over " +
                                            std::to_string(fh1 - fh0) + " heights"));
            } else {
                std::cerr << "bench: the 16-validator futures load failed\n";
            }
        }
        g.stop();
        if (h1 <= h0 || b1 <= b0) {
            std::cerr << "bench: the " << n << "-validator network made no progress\n";
            continue;
        }
        const double per = (b1 - b0) / static_cast<double>(h1 - h0) / n;
        const double cores_used = (c1 - c0) / wall;
        if (n == 16) cpu16 = cores_used;
        points.emplace_back(n, per);
        rows.push_back(reported("gossip_bytes_per_height_" + std::to_string(n),
                                "gossip bytes per node per height, idle, " +
                                    std::to_string(n) + " validators",
                                per, "B",
                                std::to_string(h1 - h0) + " heights, CPU " +
                                    fmt(cores_used) + " cores (all nodes)"));
        if (n == 16)
            rows.push_back(at_most(reported("gossip_bytes_per_height_16_target",
                                            "gossip bytes per node per height, 16 validators",
                                            per / 1000, "KB"),
                                   per / 1000, 30, "<= 30 KB (issue: 122-127 KB)"));
    }
    if (points.size() == 3) {
        const double growth = points[2].second / points[1].second;
        const double exponent = std::log(points[2].second / points[0].second) / std::log(4.0);
        rows.push_back(at_most(reported("gossip_growth_8_to_16", "gossip growth, 8 -> 16 validators",
                                        growth, "x", "fitted exponent n^" + fmt(exponent) +
                                                         " over 4..16"),
                               growth, 2.3, "<= 2.3x (n^1.2; issue: 5.0x)"));
        rows.push_back(at_most(reported("idle_cpu_16_validators", "idle CPU, 16 validators",
                                        cpu16, "cores"),
                               cpu16, 0.2, "<= 0.2 cores (issue: 0.60)"));
    }
}

/// The simulation's scale report (issue 15): `seer_sim_tests` beside the seer binary runs the
/// "messages per height by validator count" case and writes its figures as JSON.
void sim_phase(const std::string& seer_bin, const std::string& tmp, bool quick,
               std::vector<Row>& rows) {
    const std::string sim_bin =
        (fs::path(seer_bin).parent_path() / "tests" / "sim" / "seer_sim_tests").string();
    if (!fs::exists(sim_bin)) {
        std::cerr << "bench: " << sim_bin << " is not built; no simulation rows\n";
        return;
    }
    const std::string report = tmp + "/sim-scale.json";
    const std::string log = tmp + "/sim-scale.log";
    const std::string cmd = "SEER_SIM_SCALE_REPORT='" + report + "' SEER_SIM_SCALE_QUICK=" +
                            (quick ? "1" : "0") + " '" + sim_bin +
                            "' '--test-case=sim-scale: messages per height by validator count' > '" +
                            log + "' 2>&1";
    const int rc = std::system(cmd.c_str());
    boost::system::error_code ec;
    const json::value r = json::parse(read_file(report), ec);
    if (ec || !r.is_object()) {
        std::cerr << "bench: the simulation report failed (exit " << rc << "), see " << log << "\n";
        return;
    }
    auto num = [&](const char* key) {
        const auto* v = r.as_object().if_contains(key);
        return v && v->is_number() ? v->to_number<double>() : 0.0;
    };
    std::string sizes;
    for (const auto& p : r.at("points").as_array()) {
        const auto& o = p.as_object();
        const auto n = o.at("validators").to_number<long long>();
        sizes += (sizes.empty() ? "" : ", ") + std::to_string(n);
        rows.push_back(reported("sim_messages_per_height_" + std::to_string(n),
                                "sim messages per height, " + std::to_string(n) +
                                    " validators, full mesh",
                                o.at("messages_per_height").to_number<double>(), "msgs",
                                fmt(o.at("bytes_per_height_per_node").to_number<double>()) +
                                    " B per node per height, " +
                                    fmt(o.at("wall_s").to_number<double>()) + " s wall"));
    }
    const double exponent = num("exponent");
    rows.push_back(at_most(reported("sim_messages_exponent", "sim messages per height, exponent",
                                    exponent, "n^k", "fitted over " + sizes + " validators"),
                           exponent, 2.0, "<= n^2"));
    if (rc != 0) rows.back().note += "; the simulation's own checks failed (exit " + std::to_string(rc) + ", " + log + ")";
    if (quick) return;  // 100 and 200 validators take minutes
    const double wall = num("wall_s_200_validators_100_heights");
    rows.push_back(at_most(reported("sim_wall_200_validators_100_heights",
                                    "sim wall time, 200 validators, 100 heights", wall, "s"),
                           wall, 60, "<= 60 s"));
    const double link = num("link_ms");
    const double commit = num("timeout_commit_ms");
    const double full = num("interval_ms_100_validators_full_mesh_100ms");
    rows.push_back(at_most(reported("sim_interval_100_validators_full_mesh",
                                    "sim block interval, 100 val., 100 ms links, full mesh", full,
                                    "ms"),
                           full, 4 * link + commit, "<= 4 x link + timeout_commit"));
    const double degree16 = num("interval_ms_100_validators_degree16_100ms");
    rows.push_back(at_most(reported("sim_interval_100_validators_degree16",
                                    "sim block interval, 100 val., 100 ms links, degree 16",
                                    degree16, "ms"),
                           degree16, 8 * link + commit, "<= 8 x link + timeout_commit"));
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::cerr << "usage: seer_bench <seer binary> <results.json>\n";
        return 1;
    }
    const std::string seer_bin = fs::absolute(argv[1]).string();
    const bool quick = std::getenv("QUICK") && std::string(std::getenv("QUICK")) == "1";
    const auto started = Clock::now();
    TempDir tmp("seer-bench");
    if (!tmp.ok()) return 1;
    // nginx's workers (user nobody) read the REST bytes from here.
    fs::permissions(tmp.path(), fs::perms::group_read | fs::perms::group_exec |
                                    fs::perms::others_read | fs::perms::others_exec,
                    fs::perm_options::add);
    std::vector<Row> rows;
    auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - started).count(); };
    auto phase = [&](const char* what) { std::fprintf(stderr, "[%5.0f s] %s\n", elapsed(), what); };

    // The end of every run: the table and results.json.
    auto finish = [&]() -> int {
        // A figure whose load failed was not measured: it cannot pass.
        for (auto& r : rows)
            if (r.pass && *r.pass && r.value == 0 && r.name != "futures_not_verified") {
                r.pass = false;
                r.note = "not measured (see the bench load log)";
            }

        // The table and results.json.
        std::printf("\n%-58s %10s %9s %-6s %-34s %7s %s\n", "figure", "value", "p99", "unit",
                    "target", "ratio", "result");
        json::array out;
        for (const auto& r : rows) {
            std::printf("%-58s %10s %9s %-6s %-34s %7s %s\n", r.label.c_str(), fmt(r.value).c_str(),
                        r.p99 ? fmt(*r.p99).c_str() : "", r.unit.c_str(),
                        r.target.empty() ? "(limit / reported)" : r.target.c_str(),
                        r.ratio ? fmt(*r.ratio).c_str() : "",
                        !r.pass ? "" : (*r.pass ? "pass" : "falls short"));
            if (!r.note.empty()) std::printf("%-58s   (%s)\n", "", r.note.c_str());
            json::object o{{"name", r.name}, {"value", r.value}, {"unit", r.unit}};
            o["target"] = r.target.empty() ? json::value(nullptr) : json::value(r.target);
            o["ratio"] = r.ratio ? json::value(*r.ratio) : json::value(nullptr);
            o["pass"] = r.pass ? json::value(*r.pass) : json::value(nullptr);
            if (r.p99) o["p99"] = *r.p99;
            if (!r.note.empty()) o["note"] = r.note;
            out.push_back(std::move(o));
        }
        std::printf("\n%s run in %.0f s on %u cores\n", quick ? "QUICK" : "full", elapsed(), bench::cores());
        fs::create_directories(fs::path(argv[2]).parent_path());
        std::ofstream(argv[2]) << json::serialize(out) << "\n";
        return 0;
    };
    if (const char* only = std::getenv("BENCH_ONLY"); only && std::string(only) == "gossip") {
        // Only the gossip rows (issue 15), for working on gossip.
        phase("gossip: idle networks of 4, 8 and 16 validators");
        gossip_phase(seer_bin, tmp.path(), quick, rows);
        phase("gossip: the simulation at 4 to 200 validators");
        sim_phase(seer_bin, tmp.path(), quick, rows);
        return finish();
    }

    // 1. The limits.
    phase("limits");
    const double secs = quick ? 0.3 : 1.0;
    const Row ed = ed25519_verify_per_core(secs);
    const Row secp = secp256k1_verify_per_core(secs);
    rows.push_back(ed);
    rows.push_back(secp);
    rows.push_back(sha256_mb_per_s(secs));
    const Row fsync = fdatasync_latency(tmp.path(), quick ? 200 : 1000);
    rows.push_back(fsync);
    const unsigned cores = bench::cores();
    // Each validator verifies each tx once; the 4 validators share this machine's cores.
    const double sig_limit = secp.value * cores / k_nodes;
    rows.push_back(reported("signature_limit_tx_per_s", "signature limit (secp256k1 x cores / 4)",
                            sig_limit, "tx/s",
                            std::to_string(cores) + " cores, " + std::to_string(k_nodes) +
                                " validators on one machine"));

    // 2. In process.
    phase("prophet scaling");
    for (auto& r : prophet_scaling(quick ? 1.0 : 3.0))
        rows.push_back(std::move(r));

    // 3. The 4-validator network.
    phase("4-validator network");
    Network net;
    net.seer = seer_bin;
    net.dir = tmp.path() + "/net";
    if (!net.start(false)) {
        std::cerr << "bench: the network did not start\n"
                  << read_file(net.dir + ".testnet.log") << read_file(net.dir + ".genesis.log")
                  << read_file(net.home(0) + "/seer.log").substr(0, 4000) << "\n";
        return 1;
    }
    auto empty = net.load({"--txs", "0", "--duration", quick ? "3" : "8"}, "empty");
    rows.push_back(at_most(reported("block_interval_empty_ms", "block interval, empty (p50)",
                                    num(empty, {"block_interval_ms", "p50"}), "ms"),
                           num(empty, {"block_interval_ms", "p50"}), 10, "p50 <= 10 ms"));
    rows.back().p99 = num(empty, {"block_interval_ms", "p99"});

    phase("light load (50 tx/s)");
    auto light = net.load({"--rate", "50", "--duration", quick ? "4" : "10"}, "light");
    {
        const double ms = num(light, {"future_latency_ms", "p50"});
        const double blocks = num(light, {"future_latency_blocks", "p50"});
        Row r = reported("future_latency_light_ms", "future latency, 50 tx/s (p50)", ms, "ms",
                         "p50 " + fmt(blocks) + " blocks");
        r.p99 = num(light, {"future_latency_ms", "p99"});
        r = at_most(r, ms, 100, "p50 <= 100 ms and <= 3 blocks");
        r.pass = ms <= 100 && blocks <= 3;
        rows.push_back(r);
    }

    phase("saturation");
    const std::uint64_t disk_before = dir_bytes(net.home(0) + "/data");
    auto sat = net.load({"--txs", quick ? "8000" : "40000", "--connections", "2"}, "saturation");
    const double tx_rate = num(sat, {"committed_tx_per_s"});
    {
        Row r = reported("committed_tx_per_s", "committed signed tx/s at saturation", tx_rate,
                         "tx/s", "MsgAddFuture(echo), secp256k1");
        rows.push_back(at_least(r, 0.7 * sig_limit, ">= 0.70 x signature limit"));
        rows.back().ratio = tx_rate / sig_limit;  // the ratio to the limit itself
        const double fut = num(sat, {"futures_per_s"});
        rows.push_back(at_least(reported("futures_per_s", "futures finished/s at saturation", fut,
                                         "1/s"),
                                0.5 * tx_rate, ">= 0.50 x committed tx/s"));
        rows.back().ratio = tx_rate > 0 ? fut / tx_rate : 0;
        const double p99 = num(sat, {"block_interval_ms", "p99"});
        Row bi = reported("block_interval_load_ms", "block interval under load (p50; p99)",
                          num(sat, {"block_interval_ms", "p50"}), "ms");
        bi.p99 = p99;
        rows.push_back(at_most(bi, p99, 100, "p99 <= 100 ms"));
        Row bl = reported("broadcast_tx_sync_ms", "broadcast_tx_sync latency under load (p50)",
                          num(sat, {"broadcast_ms", "p50"}), "ms");
        bl.p99 = num(sat, {"broadcast_ms", "p99"});
        rows.push_back(bl);
        const double verified = num(sat, {"verdicts", "future_verified"});
        const double committed = num(sat, {"committed"});
        Row nv = reported("futures_not_verified", "saturation futures not VERIFIED",
                          committed - verified, "futures");
        nv.target = "0";
        nv.pass = committed > 0 && committed == verified;
        rows.push_back(nv);
    }
    {
        double worst = 0;
        for (auto& n : net.nodes)
            worst = std::max(worst, rss_mb(n.pid()));
        rows.push_back(at_most(reported("rss_mb_after_saturation",
                                        "RSS per node after saturation (max)", worst, "MB"),
                               worst, 200, "<= 200 MB"));
        const double committed = num(sat, {"committed"});
        const std::uint64_t disk_after = dir_bytes(net.home(0) + "/data");
        rows.push_back(reported(
            "disk_bytes_per_future", "disk bytes per committed future (node 0)",
            committed > 0 ? static_cast<double>(disk_after - std::min(disk_after, disk_before)) /
                                committed
                          : 0,
            "B", "data/ before and after; RocksDB compacts lazily"));
    }

    phase("half of saturation");
    {
        const double rate = std::max(50.0, 0.5 * tx_rate);
        auto half = net.load({"--rate", fmt(rate), "--duration", quick ? "4" : "10"}, "half");
        const double ms = num(half, {"future_latency_ms", "p50"});
        Row r = reported("future_latency_half_ms", "future latency at 50 % of saturation (p50)",
                         ms, "ms", "at " + fmt(rate) + " tx/s");
        r.p99 = num(half, {"future_latency_ms", "p99"});
        rows.push_back(at_most(r, ms, 250, "p50 <= 250 ms"));
    }

    phase("REST against nginx");
    for (auto& r : rest_vs_nginx(net.rest(0), "/seer/async/v1/futures/1",
                                 tmp.path() + "/nginx", quick ? 3.0 : 8.0, 32, 2))
        rows.push_back(std::move(r));
    rows.push_back(rpc_status_req_per_s(net.rpc(0), quick ? 3.0 : 8.0, 32, 2));
    net.stop();

    // 4. Consensus only.
    phase("consensus only (proxy_app = noop)");
    {
        Network noop;
        noop.seer = seer_bin;
        noop.dir = tmp.path() + "/noop";
        if (noop.start(true)) {
            auto c = noop.load({"--txs", quick ? "20000" : "100000", "--raw-bytes", "8",
                                "--connections", "2"},
                               "noop");
            Row r = reported("consensus_only_tx_per_s",
                             "consensus only: 8-byte txs/s, no-op app (libhotstuff: 27k)",
                             num(c, {"committed_tx_per_s"}), "tx/s",
                             "commit latency p50 not measured; see docs/performance.md");
            rows.push_back(r);
            noop.stop();
        } else {
            std::cerr << "bench: the noop network did not start\n";
        }
    }

    // 5. State size with pruning: futures sent in chunks, the state read after each.
    phase("state size with pruning");
    {
        const char* env = std::getenv("BENCH_STATE_FUTURES");
        const long total = env ? std::atol(env) : (quick ? 16000 : 100000);
        constexpr int k_chunks = 4;
        constexpr std::uint64_t k_prune_after = 20;
        Network st;
        st.seer = seer_bin;
        st.dir = tmp.path() + "/state";
        if (total >= k_chunks && st.start(false, k_prune_after)) {
            struct Point {
                long sent = 0;
                double futures = 0;
                double app_bytes = 0;
            };
            std::vector<Point> points;
            bool ok = true;
            for (int c = 0; c < k_chunks && ok; ++c) {
                auto r = st.load({"--txs", std::to_string(total / k_chunks), "--connections", "2"},
                                 "state" + std::to_string(c));
                ok = num(r, {"committed"}) > 0;
                // The chunk's last futures are final; wait out the pruning window.
                const long long start_h = st.height(0);
                wait_until(std::chrono::seconds(30), [&] {
                    return st.height(0) >= start_h + static_cast<long long>(k_prune_after) + 3;
                });
                Point p;
                p.sent = (c + 1) * (total / k_chunks);
                std::istringstream lines(st.metrics(0));
                std::string line;
                while (std::getline(lines, line)) {
                    if (line.rfind("seer_async_futures{", 0) == 0)
                        p.futures += std::stod(line.substr(line.rfind(' ') + 1));
                    if (line.rfind("seer_store_column_bytes{column=\"app\"}", 0) == 0)
                        p.app_bytes = std::stod(line.substr(line.rfind(' ') + 1));
                }
                points.push_back(p);
            }
            std::string curve;
            for (const auto& p : points)
                curve += (curve.empty() ? "" : "; ") + fmt(static_cast<double>(p.sent)) +
                         " sent: " + fmt(p.futures) + " in state, " + fmt(p.app_bytes / 1e6) +
                         " MB";
            const Point last = points.empty() ? Point{} : points.back();
            Row r = reported("state_bytes_after_futures",
                             "state (app column) after " + fmt(static_cast<double>(total)) +
                                 " futures, pruned after " + std::to_string(k_prune_after) +
                                 " blocks",
                             last.app_bytes / 1e6, "MB", curve);
            // Bounded: the futures held in state do not grow with the futures sent.
            r.target = "futures in state flat across chunks";
            // (With a per-block cap below the rate futures become final, each chunk leaves
            // more unpruned futures behind than the one before.)
            r.pass = ok && points.size() == k_chunks &&
                     last.futures <= std::max(100.0, 1.5 * points[1].futures);
            rows.push_back(r);
            st.stop();
        } else {
            std::cerr << "bench: the state network did not start\n";
        }
    }

    // 6. Gossip by validator count (issue 15).
    phase("gossip: idle networks of 4, 8 and 16 validators");
    gossip_phase(seer_bin, tmp.path(), quick, rows);
    phase("gossip: the simulation at 4 to 200 validators");
    sim_phase(seer_bin, tmp.path(), quick, rows);

    return finish();
}
