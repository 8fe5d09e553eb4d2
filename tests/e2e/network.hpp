#pragma once
// A network of real `seer` nodes written by `seer testnet` into <dir>/net, for the e2e tests:
// ports from `base` (p2p base + 10 i, RPC base + 1 + 10 i) and `api_base` (REST api_base + 10 i).
// Every node is stopped by PID and the directory removed when the Network goes.

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "process.hpp"

namespace seer::e2e {

template <int N>
struct Network {
    static constexpr int k_nodes = N;
    std::string dir;
    std::uint16_t base = 0;
    std::uint16_t api_base = 0;
    Process nodes[N];

    std::string home(int i) const { return dir + "/net/node" + std::to_string(i); }
    std::uint16_t rpc(int i) const { return static_cast<std::uint16_t>(base + 1 + 10 * i); }
    std::uint16_t p2p(int i) const { return static_cast<std::uint16_t>(base + 10 * i); }
    std::uint16_t api(int i) const { return static_cast<std::uint16_t>(api_base + 10 * i); }
    /// A fresh temporary directory named after `prefix`, free ports, and `seer testnet` of N
    /// validators in <dir>/net (extra arguments appended). False when any step failed.
    bool write(const std::string& prefix, const std::vector<std::string>& extra = {}) {
        std::string templ = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
        if (mkdtemp(templ.data()) == nullptr) return false;
        dir = templ;
        base = free_port_range(10 * N + 5);
        if (base == 0) return false;
        api_base = static_cast<std::uint16_t>(base + 10 * N + 1);  // N ports, every 10th
        std::vector<std::string> argv{SEER_BINARY,        "testnet",
                                      "--validators",     std::to_string(N),
                                      "--output",         dir + "/net",
                                      "--starting-port",  std::to_string(base),
                                      "--api-starting-port", std::to_string(api_base)};
        argv.insert(argv.end(), extra.begin(), extra.end());
        Process gen;
        gen.start(argv, dir + "/testnet.log");
        return gen.wait_exit(std::chrono::seconds(30)) == 0;
    }
    void start(int i) {
        nodes[i].start({SEER_BINARY, "start", "--home", home(i)}, home(i) + "/seer.log");
    }
    std::int64_t height(int i) const {
        auto s = rpc_get(rpc(i), "/status");
        if (!s) return -1;
        return std::stoll(std::string(s->at("sync_info").at("latest_block_height").as_string()));
    }
    ~Network() {
        for (auto& n : nodes)
            n.stop();
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
};

/// The testnet's funded keys (the test-backend keyring <net dir>/net/keys/keyring-test) copied
/// into `cli_home`'s keyring-test, with a client.toml that makes "test" its keyring backend.
inline void copy_testnet_keys(const std::string& net_dir, const std::string& cli_home) {
    std::filesystem::create_directories(cli_home + "/keyring-test");
    std::filesystem::create_directories(cli_home + "/config");
    for (const auto& e : std::filesystem::directory_iterator(net_dir + "/net/keys/keyring-test"))
        std::filesystem::copy_file(e.path(),
                                   cli_home + "/keyring-test/" + e.path().filename().string());
    std::ofstream(cli_home + "/config/client.toml") << "keyring-backend = \"test\"\n";
}

/// The CLI with the testnet's funded keys copied into its own keyring (copy_testnet_keys).
class Cli {
public:
    explicit Cli(const std::string& net_dir) : m_dir(net_dir), m_home(net_dir + "/cli") {
        copy_testnet_keys(net_dir, m_home);
    }
    /// `seer --home <cli> --node http://127.0.0.1:<rpc> args...`: what it printed (stdout and
    /// stderr); its exit code in `*code` (-1 when it was killed at `limit`). Thread-safe.
    std::string run(std::uint16_t rpc, const std::vector<std::string>& args, int* code = nullptr,
                    std::chrono::seconds limit = std::chrono::seconds(180)) {
        const std::string out = m_dir + "/cli-" + std::to_string(m_runs++) + ".log";
        std::vector<std::string> argv{SEER_BINARY, "--home", m_home, "--node",
                                      "http://127.0.0.1:" + std::to_string(rpc)};
        argv.insert(argv.end(), args.begin(), args.end());
        Process p;
        p.start(argv, out);
        const int c = p.wait_exit(limit);
        if (code) *code = c;
        return read_file(out);
    }
    /// The bech32 address of a key in the keyring.
    std::string address(std::uint16_t rpc, const std::string& name) {
        const std::string out = run(rpc, {"keys", "show", name});
        const auto at = out.find("address: ");
        if (at == std::string::npos) return "";
        return out.substr(at + 9, out.find('\n', at) - at - 9);
    }

private:
    std::string m_dir;
    std::string m_home;
    std::atomic<int> m_runs{0};
};

}  // namespace seer::e2e
