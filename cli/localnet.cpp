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
#include <thread>
#include <vector>

#include "seer/node/config.hpp"
#include "seer/node/keyring.hpp"
#include "seer/node/testnet.hpp"

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

int run_localnet(const LocalnetOptions& opt) {
    if (opt.validators < 1 || opt.validators > 16) {
        std::cerr << "seer localnet: --validators must be in 1..16\n";
        return 2;
    }
    if (opt.reset && fs::exists(opt.home)) fs::remove_all(opt.home);
    const bool exists = fs::exists(opt.home + "/node0/config/genesis.json");
    if (!exists) {
        node::TestnetOptions t;
        t.validators = opt.validators;
        t.output = opt.home;
        t.grpc_base_port = 9090;  // node0 where grpcurl and SDK tools look first
        auto nodes = node::write_testnet(t);
        if (!nodes) {
            std::cerr << "seer localnet: " << nodes.error().message << "\n";
            return 1;
        }
        std::cout << "Generated a " << opt.validators << "-validator network in " << opt.home << "\n";
    }
    std::vector<Child> children;
    for (int i = 0; i < opt.validators; ++i) {
        Child c;
        c.home = opt.home + "/node" + std::to_string(i);
        if (!fs::exists(c.home)) {
            std::cerr << "seer localnet: " << c.home << " is missing (use --reset)\n";
            return 1;
        }
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
    for (auto& c : children) {
        auto cfg = node::load_config(c.home + "/config/config.toml");
        if (!cfg) {
            std::cerr << "seer localnet: " << cfg.error().message << "\n";
            return 1;
        }
        auto http = [](const std::string& laddr) {
            auto hp = node::parse_laddr(laddr);
            return hp ? "http://" + hp->host + ":" + std::to_string(hp->port) : laddr;
        };
        const std::string grpc = cfg->grpc_enable ? cfg->grpc_address : "off";
        std::printf("%-6s %-26s %-26s %-26s %-20s %-26s %s\n", c.moniker.c_str(),
                    cfg->p2p_laddr.c_str(), http(cfg->rpc_laddr).c_str(),
                    http(cfg->api_laddr).c_str(), grpc.c_str(),
                    (http(cfg->prometheus_laddr) + "/metrics").c_str(), c.log.c_str());
        c.pid = spawn(opt.self_exe, c.home, c.log);
        c.alive = c.pid > 0;
    }
    if (!opt.user_home.empty()) {
        const std::string user_ring_dir =
            node::keyring_dir(opt.user_home, node::KeyringBackend::test);
        int copied = 0;
        auto net_ring = node::Keyring::open(opt.home + "/keys", node::KeyringBackend::test);
        auto user_ring = node::Keyring::open(opt.user_home, node::KeyringBackend::test);
        auto keys = net_ring ? net_ring->list()
                             : Result<std::vector<node::KeyRecord>>(net_ring.error());
        if (!keys || !user_ring) {
            std::printf("note: cannot copy the network's keys: %s\n",
                        (!keys ? keys.error() : user_ring.error()).message.c_str());
        }
        std::string names;
        for (const auto& k : keys && user_ring ? *keys : std::vector<node::KeyRecord>{}) {
            names += (names.empty() ? "" : ", ") + k.name;
            if (auto mine = user_ring->show(k.name); mine) {
                if (mine->address != k.address)
                    std::printf("note: %s/%s.json is another key than this network's %s; use\n"
                                "      --home with a home whose keyring-test holds it (%s/keys)\n",
                                user_ring_dir.c_str(), k.name.c_str(), k.name.c_str(),
                                opt.home.c_str());
                continue;
            }
            auto text = net_ring->export_unsafe(k.name);
            if (text && user_ring->import_key(k.name, *text, node::PassphraseProvider{}).ok())
                ++copied;
        }
        std::printf("\nFunded keys (%s): in %s/keys/keyring-test", names.c_str(),
                    opt.home.c_str());
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
        std::printf("\nTry: seer tx async add-future --handler math --input \"2+4\" --from alice --wait\n");
        std::printf("A new key of your own, funded by the faucet with one command:\n"
                    "  seer keys add me\n"
                    "  seer tx bank send faucet me 10000000useer --wait\n"
                    "Fees: the nodes take min_gas_prices = 0.001useer; `--gas auto` (the default) "
                    "simulates.\n");
    }
    std::printf("Ctrl-C stops every node.\n\n");
    std::fflush(stdout);

    int exit_code = 0;
    auto last_print = std::chrono::steady_clock::now() - std::chrono::seconds(10);
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
            for (const auto& c : children)
                std::printf("  %s=%ld%s", c.moniker.c_str(), last_height(c.log), c.alive ? "" : "(dead)");
            std::printf("\n");
            std::fflush(stdout);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    std::printf("\nStopping %zu nodes...\n", children.size());
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
    std::printf("All nodes stopped.\n");
    return exit_code;
}

}  // namespace seer::cli
