#include "seer/node/testnet.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <random>
#include <set>
#include <sstream>

#include "seer/app/app.hpp"
#include "seer/async/params.hpp"
#include "seer/bank/coins.hpp"
#include "seer/crypto/address.hpp"
#include "seer/node/config.hpp"
#include "seer/node/genesis.hpp"
#include "seer/node/keyring.hpp"
#include "seer/store/durable_value.hpp"

namespace seer::node {

namespace fs = std::filesystem;

namespace {
std::string laddr(const std::string& host, int port) {
    return "tcp://" + host + ":" + std::to_string(port);
}
}  // namespace

Result<std::vector<TestnetNode>> write_testnet(const TestnetOptions& opt) {
    if (opt.validators < 1 || opt.validators > 200)
        return make_error("bad_option", "--validators must be in 1..200");
    if (opt.output.empty()) return make_error("bad_option", "--output is required");
    if (!opt.hostnames.empty() && opt.hostnames.size() != static_cast<std::size_t>(opt.validators))
        return make_error("bad_option", "--hostnames needs one name per validator");
    if (opt.base_port + 10 * opt.validators > 65535 ||
        opt.api_base_port + 10 * opt.validators > 65535 ||
        opt.grpc_base_port + 10 * opt.validators > 65535)
        return make_error("bad_option", "ports out of range");
    const auto n = static_cast<std::size_t>(opt.validators);
    auto peers = testnet_topology(opt.topology, n, std::random_device{}());
    if (!peers) return peers.error();

    std::vector<TestnetNode> nodes(n);
    std::vector<crypto::PrivateKey> node_keys;
    std::vector<crypto::PrivateKey> val_keys;
    GenesisDoc genesis;
    genesis.chain_id = opt.chain_id;
    genesis.max_block_gas = k_default_max_block_gas;
    genesis.genesis_time =
        opt.genesis_time_ns != 0
            ? opt.genesis_time_ns
            : std::chrono::duration_cast<std::chrono::nanoseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
    for (std::size_t i = 0; i < n; ++i) {
        auto& node = nodes[i];
        node.home = opt.output + "/node" + std::to_string(i);
        if (fs::exists(node.home))
            return make_error("exists", node.home + " already exists; use a fresh --output");
        node.moniker = "node" + std::to_string(i);
        const std::string host = opt.hostnames.empty() ? opt.host : opt.hostnames[i];
        const int base = opt.base_port + static_cast<int>(10 * i);
        // Listen addresses are per node; with --hostnames each node listens on all interfaces.
        const std::string listen_host = opt.hostnames.empty() ? opt.host : "0.0.0.0";
        node.p2p_laddr = laddr(listen_host, base);
        node.rpc_laddr = laddr(listen_host, base + 1);
        node.prometheus_laddr = laddr(listen_host, base + 4);
        node.api_laddr = laddr(listen_host, opt.api_base_port + static_cast<int>(10 * i));
        node.grpc_address =
            listen_host + ":" +
            std::to_string(opt.grpc_base_port != 0 ? opt.grpc_base_port + static_cast<int>(10 * i)
                                                   : base + 5);
        node_keys.push_back(crypto::PrivateKey::generate());
        val_keys.push_back(crypto::PrivateKey::generate());
        node.node_id = node_id(node_keys.back().public_key());
        genesis.validators.push_back(GenesisValidator{crypto::address_of(val_keys.back().public_key()),
                                                      val_keys.back().public_key(), 10,
                                                      node.moniker});
    }

    app::Genesis genesis_app;
    async::AppGenesis& app = genesis_app.async;
    app.handlers = async::builtin_handlers();
    std::vector<ExecHandlerConfig> exec;
    for (const auto& spec : opt.exec) {
        const auto eq = spec.find('=');
        if (eq == std::string::npos || eq == 0 || eq + 1 >= spec.size() || spec[eq + 1] != '/')
            return make_error("bad_option", "--exec must be name=/absolute/path[,arg...], got " + spec);
        ExecHandlerConfig e;
        e.name = spec.substr(0, eq);
        std::stringstream argv(spec.substr(eq + 1));
        std::string arg;
        while (std::getline(argv, arg, ',')) e.argv.push_back(arg);
        app.handlers.push_back({"exec:" + e.name, "external program " + e.argv[0] +
                                                      ": its stdin is the input, its stdout the output",
                                1000, 50000});
        exec.push_back(std::move(e));
    }
    // Funded users and a faucet, secp256k1 keys from fresh mnemonics in a test-backend keyring
    // at <output>/keys (what `seer localnet` copies into the user's keyring).
    auto ring = Keyring::open(opt.output + "/keys", KeyringBackend::test);
    if (!ring) return ring.error();
    std::vector<std::string> funded = opt.users;
    funded.push_back("faucet");
    for (const auto& user : funded) {
        auto key = ring->create(user);
        if (!key) return key.error();
        genesis_app.accounts.push_back({key->record.address, key->record.pub_key});
        const std::uint64_t amount = user == "faucet" ? opt.faucet_amount : opt.user_amount;
        genesis_app.balances.push_back(
            {key->record.address, {{std::string(bank::k_native_denom), amount}}});
    }
    if (auto s = app::validate_genesis(genesis_app); !s) return s.error();
    genesis.app_state_json = app::app_state_json(genesis_app);
    const std::string genesis_json = render_genesis(genesis);

    try {
        for (std::size_t i = 0; i < n; ++i) {
            const auto& node = nodes[i];
            fs::create_directories(node.home + "/config");
            fs::create_directories(node.home + "/data");
            Config c;
            c.moniker = node.moniker;
            c.p2p_laddr = node.p2p_laddr;
            c.rpc_laddr = node.rpc_laddr;
            c.api_laddr = node.api_laddr;
            c.grpc_address = node.grpc_address;
            c.prometheus_laddr = node.prometheus_laddr;
            for (std::size_t j : (*peers)[i]) {
                const std::string host = opt.hostnames.empty() ? opt.host : opt.hostnames[j];
                c.persistent_peers.push_back(nodes[j].node_id + "@" + host + ":" +
                                             std::to_string(opt.base_port + 10 * j));
            }
            // The network is the topology written here: every peer is persistent, and may dial
            // in (inbound connections count against max_num_inbound_peers); no peer exchange
            // adds links beyond the topology (docs/operator.md, "Sizing a network").
            c.max_inbound_peers = std::max(c.max_inbound_peers, static_cast<int>((*peers)[i].size()));
            c.pex = opt.topology == "full";
            // Local-network timeouts: blocks every ~1 s.
            c.timeout_propose_ms = 1000;
            c.timeout_propose_delta_ms = 200;
            c.timeout_prevote_ms = 500;
            c.timeout_prevote_delta_ms = 200;
            c.timeout_precommit_ms = 500;
            c.timeout_precommit_delta_ms = 200;
            c.timeout_commit_ms = 500;
            c.prophet_handlers = {"echo", "math", "hashchain", "http"};
            c.min_gas_prices = opt.min_gas_prices;
            // A local network: browser clients (cosmjs in a page) may call it from anywhere.
            c.rpc_cors_allowed_origins = {"*"};
            c.api_cors_allowed_origins = {"*"};
            c.http_allowlist = opt.http_allowlist;
            c.exec = exec;
            store::write_file_atomic(node.home + "/config/config.toml", as_bytes(render_config(c)),
                                     0644);
            store::write_file_atomic(node.home + "/config/genesis.json", as_bytes(genesis_json),
                                     0644);
            save_node_key(node.home + "/config/node_key.json", node_keys[i]);
            save_priv_validator_key(node.home + "/config/priv_validator_key.json", val_keys[i]);
            store::write_file_atomic(
                node.home + "/data/priv_validator_state.json",
                as_bytes("{\n  \"height\": \"0\",\n  \"round\": 0,\n  \"step\": 0\n}\n"), 0600);
        }
    } catch (const std::exception& e) {
        return make_error("io", std::string("writing the testnet: ") + e.what());
    }
    return nodes;
}

Result<std::vector<std::vector<std::size_t>>> testnet_topology(const std::string& topology,
                                                               std::size_t n, std::uint64_t seed) {
    std::vector<std::set<std::size_t>> peers(n);
    auto link = [&](std::size_t a, std::size_t b) {
        if (a == b) return;
        peers[a].insert(b);
        peers[b].insert(a);
    };
    if (topology == "full") {
        for (std::size_t a = 0; a < n; ++a)
            for (std::size_t b = a + 1; b < n; ++b) link(a, b);
    } else if (topology.rfind("random:", 0) == 0) {
        std::size_t degree = 0;
        const std::string d = topology.substr(7);
        const auto [end, ec] = std::from_chars(d.data(), d.data() + d.size(), degree);
        if (ec != std::errc{} || end != d.data() + d.size() || degree < 1)
            return make_error("bad_option",
                              "--topology random:D needs a degree D >= 1, got " + topology);
        degree = std::min(degree, n - 1);
        // A ring keeps the graph connected; random links then raise every degree to D.
        for (std::size_t i = 0; i + 1 < n; ++i) link(i, i + 1);
        if (n > 2) link(n - 1, 0);
        std::mt19937_64 rng(seed);
        for (std::size_t a = 0; a < n; ++a)
            while (peers[a].size() < degree) link(a, static_cast<std::size_t>(rng() % n));
    } else {
        return make_error("bad_option",
                          "--topology must be full or random:D, got " + topology);
    }
    std::vector<std::vector<std::size_t>> out(n);
    for (std::size_t a = 0; a < n; ++a) out[a].assign(peers[a].begin(), peers[a].end());
    return out;
}

}  // namespace seer::node
