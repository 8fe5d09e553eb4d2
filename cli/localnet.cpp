#include "localnet.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <thread>
#include <vector>

#include "client.hpp"
#include "seer/node/config.hpp"
#include "seer/node/home_lock.hpp"
#include "seer/node/keyring.hpp"
#include "seer/node/testnet.hpp"
#include "seer/store/durable_value.hpp"

namespace seer::cli {

namespace fs = std::filesystem;

namespace {

volatile sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

struct Child {
    std::string home;
    std::string moniker;
    std::string log;
    pid_t pid = -1;
    bool alive = false;
};

pid_t spawn(const std::string& exe, const std::string& home, const std::string& log) {
    const pid_t pid = fork();
    if (pid != 0) return pid;
    // Child: die with the supervisor, log to a file.
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd >= 0) {
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
    }
    const int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (devnull >= 0) dup2(devnull, STDIN_FILENO);
    execl(exe.c_str(), exe.c_str(), "start", "--home", home.c_str(), static_cast<char*>(nullptr));
    _exit(127);
}

// The latest committed height a node logged ("committed block height=N").
long last_height(const std::string& log) {
    std::ifstream in(log, std::ios::binary);
    if (!in) return 0;
    in.seekg(0, std::ios::end);
    const auto size = static_cast<long>(in.tellg());
    const long from = size > 16384 ? size - 16384 : 0;
    in.seekg(from);
    std::string tail(static_cast<std::size_t>(size - from), '\0');
    in.read(tail.data(), static_cast<std::streamsize>(tail.size()));
    const std::string key = "committed block height=";
    const auto pos = tail.rfind(key);
    if (pos == std::string::npos) return 0;
    return std::strtol(tail.c_str() + pos + key.size(), nullptr, 10);
}

}  // namespace

namespace {

/// The network's funded keys in the user's test keyring, so the printed commands work at once.
/// A key of the same name that an earlier localnet copied (its address is in
/// <keyring>/localnet-keys.txt) is replaced, as after `--reset`; any other key of that name is
/// the user's own and is never touched.
void copy_keys(const LocalnetOptions& opt) {
    const std::string user_ring_dir = node::keyring_dir(opt.user_home, node::KeyringBackend::test);
    auto net_ring = node::Keyring::open(opt.home + "/keys", node::KeyringBackend::test);
    auto user_ring = node::Keyring::open(opt.user_home, node::KeyringBackend::test);
    auto keys = net_ring ? net_ring->list() : Result<std::vector<node::KeyRecord>>(net_ring.error());
    if (!keys || !user_ring) {
        std::printf("note: cannot copy the network's keys: %s\n",
                    (!keys ? keys.error() : user_ring.error()).message.c_str());
        return;
    }
    const std::string record_path = user_ring_dir + "/localnet-keys.txt";
    std::set<std::string> copied_before;  // "name address" lines
    {
        std::ifstream in(record_path);
        for (std::string line; std::getline(in, line);) copied_before.insert(line);
    }
    std::set<std::string> record = copied_before;
    int copied = 0;
    std::string names;
    for (const auto& k : *keys) {
        names += (names.empty() ? "" : ", ") + k.name;
        if (auto mine = user_ring->show(k.name); mine) {
            if (mine->address == k.address) continue;
            if (!copied_before.count(k.name + " " + mine->address)) {
                std::printf("note: %s/%s.json is another key than this network's %s; use\n"
                            "      --home with a home whose keyring-test holds it (%s/keys)\n",
                            user_ring_dir.c_str(), k.name.c_str(), k.name.c_str(),
                            opt.home.c_str());
                continue;
            }
            // An earlier localnet's copy: this network's key replaces it.
            record.erase(k.name + " " + mine->address);
            if (!user_ring->remove(k.name)) continue;
        }
        auto text = net_ring->export_unsafe(k.name);
        if (text && user_ring->import_key(k.name, *text, node::PassphraseProvider{}).ok()) {
            ++copied;
            record.insert(k.name + " " + k.address);
        }
    }
    if (record != copied_before) {
        std::string text;
        for (const auto& line : record) text += line + "\n";
        try {
            store::write_file_atomic(record_path, as_bytes(text), 0600);
        } catch (const std::exception& e) {
            std::printf("note: %s\n", e.what());
        }
    }
    std::printf("\nFunded keys (%s): in %s/keys/keyring-test", names.c_str(), opt.home.c_str());
    if (copied > 0) std::printf(", copied to %s", user_ring_dir.c_str());
    std::printf("\n");
    auto wrote = node::write_client_toml_if_missing(opt.user_home, node::KeyringBackend::test);
    if (wrote && *wrote) {
        std::printf("Wrote %s/config/client.toml with keyring-backend = \"test\"\n",
                    opt.user_home.c_str());
    } else if (wrote && node::default_keyring_backend(opt.user_home) != "test") {
        std::printf("note: %s/config/client.toml names another keyring backend; add\n"
                    "      --keyring-backend test to use the copied keys\n",
                    opt.user_home.c_str());
    }
}

/// Where each validator listens, from its config.toml.
struct Endpoints {
    std::string p2p, rpc, rest, grpc, metrics;
};

Result<Endpoints> endpoints_of(const std::string& home) {
    auto cfg = node::load_config(home + "/config/config.toml");
    if (!cfg) return cfg.error();
    auto http = [](const std::string& laddr) {
        auto hp = node::parse_laddr(laddr);
        return hp ? "http://" + hp->host + ":" + std::to_string(hp->port) : laddr;
    };
    return Endpoints{cfg->p2p_laddr, http(cfg->rpc_laddr), http(cfg->api_laddr),
                     cfg->grpc_enable ? cfg->grpc_address : "off",
                     http(cfg->prometheus_laddr) + "/metrics"};
}

std::string node_lock_path(const std::string& node_home) { return node_home + "/data/node.lock"; }

}  // namespace

int run_localnet(const LocalnetOptions& opt) {
    if (opt.validators < 1 || opt.validators > 16) {
        std::cerr << "Error: --validators must be in 1..16\n";
        return 1;
    }
    // One supervisor per network: <home>.lock beside the network directory, so it outlives
    // --reset, holds the supervisor's PID and is released by the kernel if it dies.
    const fs::path net_dir = fs::absolute(opt.home).lexically_normal();
    const std::string lock_dir = net_dir.parent_path().string();
    std::error_code mk;
    fs::create_directories(lock_dir, mk);
    const std::string lock_name = net_dir.filename().string() + ".lock";
    auto lock = node::HomeLock::acquire(lock_dir, lock_name);
    if (!lock) {
        const long pid = node::HomeLock::holder(lock_dir + "/" + lock_name);
        if (pid == 0) {
            std::cerr << "Error: " << lock.error().message << "\n";
        } else {
            std::cerr << "Error: a localnet is already running on " << opt.home;
            if (pid > 0) std::cerr << " (pid " << pid << ")";
            std::cerr << "; stop it first (Ctrl-C in its terminal)\n";
        }
        return 1;
    }
    // Nodes of this network started by hand (seer start --home <network>/nodeN).
    std::map<int, long> running;
    for (int i = 0; i < 16; ++i)
        if (const long pid = node::HomeLock::holder(node_lock_path(opt.home + "/node" + std::to_string(i))); pid != 0)
            running[i] = pid;
    if (opt.reset && fs::exists(opt.home)) {
        if (!running.empty()) {
            std::cerr << "Error: node" << running.begin()->first << " of " << opt.home
                      << " is running (pid " << running.begin()->second
                      << "); stop it before --reset deletes its directory\n";
            return 1;
        }
        fs::remove_all(opt.home);
    }
    const bool exists = fs::exists(opt.home + "/node0/config/genesis.json");
    if (!exists) {
        node::TestnetOptions t;
        t.validators = opt.validators;
        t.output = opt.home;
        t.grpc_base_port = 9090;  // node0 where grpcurl and SDK tools look first
        if (opt.base_port != 0) {
            t.base_port = static_cast<std::uint16_t>(opt.base_port);
            t.grpc_base_port = 0;  // each node's p2p port + 5
        }
        if (opt.api_base_port != 0) t.api_base_port = static_cast<std::uint16_t>(opt.api_base_port);
        // The http handler works out of the box: node0's REST answers every validator alike.
        t.http_allowlist = opt.http_allowlist;
        if (t.http_allowlist.empty())
            t.http_allowlist.push_back("http://" + t.host + ":" + std::to_string(t.api_base_port));
        t.exec = opt.exec;
        if (t.exec.empty() && fs::exists("/usr/bin/wc")) t.exec.push_back("wc=/usr/bin/wc,-w");
        auto nodes = node::write_testnet(t);
        if (!nodes) {
            std::cerr << "Error: " << nodes.error().message << "\n";
            return 1;
        }
        std::cout << "Generated a " << opt.validators << "-validator network in " << opt.home
                  << "\n  http handler origins: ";
        for (const auto& o : t.http_allowlist) std::cout << o << " ";
        std::cout << "\n  exec handlers: ";
        for (const auto& e : t.exec) std::cout << "exec:" << e.substr(0, e.find('=')) << " ";
        std::cout << "\n";
    } else if (!opt.http_allowlist.empty() || !opt.exec.empty() || opt.base_port != 0 ||
               opt.api_base_port != 0) {
        std::cerr << "Error: --http-allowlist, --exec and the port flags shape a new network; "
                  << opt.home << " exists (add --reset to generate it again)\n";
        return 1;
    }
    std::vector<Child> children;
    std::vector<Endpoints> endpoints;
    for (int i = 0; i < opt.validators; ++i) {
        Child c;
        c.home = opt.home + "/node" + std::to_string(i);
        if (!fs::exists(c.home)) {
            std::cerr << "Error: " << c.home << " is missing (use --reset)\n";
            return 1;
        }
        auto ep = endpoints_of(c.home);
        if (!ep) {
            std::cerr << "Error: " << ep.error().message << "\n";
            return 1;
        }
        endpoints.push_back(*ep);
        c.moniker = "node" + std::to_string(i);
        c.log = c.home + "/seer.log";
        children.push_back(c);
    }

    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);

    std::printf("\n%-6s %-26s %-26s %-26s %-20s %-26s %s\n", "node", "p2p", "rpc", "rest", "grpc",
                "metrics", "log");
    for (std::size_t i = 0; i < children.size(); ++i) {
        auto& c = children[i];
        const auto& e = endpoints[i];
        std::printf("%-6s %-26s %-26s %-26s %-20s %-26s %s\n", c.moniker.c_str(), e.p2p.c_str(),
                    e.rpc.c_str(), e.rest.c_str(), e.grpc.c_str(), e.metrics.c_str(),
                    c.log.c_str());
        if (auto r = running.find(static_cast<int>(i)); r != running.end()) {
            std::printf("       already running (pid %ld), not started again\n", r->second);
            continue;
        }
        c.pid = spawn(opt.self_exe, c.home, c.log);
        c.alive = c.pid > 0;
    }
    if (!opt.user_home.empty()) {
        copy_keys(opt);
        // The binary by its full path: the commands work as typed, with or without seer on PATH.
        const std::string seer = opt.self_exe;
        std::printf("\nDashboard: %s/\n", endpoints[0].rest.c_str());
        std::printf("Try:\n"
                    "  %s tx async add-future --handler math --input \"2+4\" --from alice --wait\n"
                    "  %s query async handlers\n"
                    "A new key of your own, funded by the faucet with one command:\n"
                    "  %s keys add me\n"
                    "  %s tx bank send faucet me 10000000useer --wait\n"
                    "(to type just `seer`: export PATH=\"%s:$PATH\")\n"
                    "Fees: the nodes take min_gas_prices = 0.001useer; `--gas auto` (the default) "
                    "simulates.\n",
                    seer.c_str(), seer.c_str(), seer.c_str(), seer.c_str(),
                    fs::path(seer).parent_path().c_str());
    }
    std::printf("Ctrl-C stops every node this localnet started.\n\n");
    std::fflush(stdout);

    int exit_code = 0;
    const auto started = std::chrono::steady_clock::now();
    auto last_print = started - std::chrono::seconds(10);
    while (!g_stop) {
        for (auto& c : children) {
            if (!c.alive) continue;
            int status = 0;
            if (waitpid(c.pid, &status, WNOHANG) == c.pid) {
                c.alive = false;
                exit_code = 1;
                std::fprintf(stderr, "seer localnet: %s (pid %d) DIED (%s %d); see %s\n",
                             c.moniker.c_str(), c.pid,
                             WIFSIGNALED(status) ? "signal" : "exit code",
                             WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status),
                             c.log.c_str());
            }
        }
        if (std::chrono::steady_clock::now() - last_print >= std::chrono::seconds(2)) {
            last_print = std::chrono::steady_clock::now();
            std::printf("heights:");
            for (std::size_t i = 0; i < children.size(); ++i) {
                const auto& c = children[i];
                // A node restarted by hand holds its home's lock: followed like the others.
                const bool up = c.alive || node::HomeLock::holder(node_lock_path(c.home)) != 0;
                auto h = up ? rpc_height(endpoints[i].rpc, 1) : Result<std::int64_t>(std::int64_t{0});
                if (up && h) {
                    std::printf("  %s=%lld", c.moniker.c_str(), static_cast<long long>(*h));
                } else {
                    // A node opens its RPC after its stores: silent at first is not a fault.
                    const bool young =
                        std::chrono::steady_clock::now() - started < std::chrono::seconds(20);
                    std::printf("  %s=%ld%s", c.moniker.c_str(), last_height(c.log),
                                !up ? "(down)" : young ? "(starting)" : "(not answering)");
                }
            }
            std::printf("\n");
            std::fflush(stdout);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    std::printf("\nStopping the nodes this localnet started...\n");
    for (auto& c : children)
        if (c.alive) kill(c.pid, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    for (auto& c : children) {
        while (c.alive) {
            int status = 0;
            const pid_t r = waitpid(c.pid, &status, WNOHANG);
            if (r == c.pid || r < 0) {
                c.alive = false;
                break;
            }
            if (std::chrono::steady_clock::now() > deadline) {
                kill(c.pid, SIGKILL);
                waitpid(c.pid, &status, 0);
                c.alive = false;
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }
    for (const auto& c : children)
        if (const long pid = node::HomeLock::holder(node_lock_path(c.home)); pid > 0)
            std::printf("%s (pid %ld) was not started by this localnet and still runs\n",
                        c.moniker.c_str(), pid);
    std::printf("All nodes stopped.\n");
    return exit_code;
}

}  // namespace seer::cli
