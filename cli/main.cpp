// seer: one binary that is a whole validator node, its local-network supervisor and its CLI.

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <tuple>
#include <sstream>

#include "bench_cmd.hpp"
#include "client.hpp"
#include "keys_cmd.hpp"
#include "localnet.hpp"
#include "seer/app/app.hpp"
#include "seer/async/params.hpp"
#include "seer/bank/coins.hpp"
#include "seer/common/base64.hpp"
#include "seer/crypto/address.hpp"
#include "seer/node/config.hpp"
#include "seer/node/genesis.hpp"
#include "seer/node/keyring.hpp"
#include "seer/node/node.hpp"
#include "seer/node/testnet.hpp"
#include "seer/store/durable_value.hpp"

namespace fs = std::filesystem;
using namespace seer;

namespace {

constexpr const char* k_version = "0.1.0";

/// A --timeout: a positive, finite number of seconds, with a message a user can read.
const CLI::Validator positive_seconds(
    [](std::string& v) -> std::string {
        try {
            std::size_t used = 0;
            const double d = std::stod(v, &used);
            if (used == v.size() && d > 0 && std::isfinite(d)) return {};
        } catch (const std::exception&) {
        }
        return "must be a positive number of seconds, not '" + v + "'";
    },
    "SECONDS > 0");

int fail(const std::string& message) {
    std::cerr << "Error: " << message << "\n";
    return 1;
}

std::string default_home() {
    const char* h = std::getenv("HOME");
    return std::string(h ? h : ".") + "/.seer";
}

std::string self_exe(const char* argv0) {
    std::error_code ec;
    auto p = fs::read_symlink("/proc/self/exe", ec);
    return ec ? std::string(argv0) : p.string();
}

int cmd_init(const std::string& home, const std::string& moniker, const std::string& chain_id) {
    if (fs::exists(home + "/config/genesis.json")) return fail(home + " is already initialized");
    try {
        fs::create_directories(home + "/config");
        fs::create_directories(home + "/data");
        auto node_key = crypto::PrivateKey::generate();
        auto val_key = crypto::PrivateKey::generate();
        node::save_node_key(home + "/config/node_key.json", node_key);
        node::save_priv_validator_key(home + "/config/priv_validator_key.json", val_key);
        node::Config c;
        c.moniker = moniker;
        store::write_file_atomic(home + "/config/config.toml", as_bytes(node::render_config(c)),
                                 0644);
        node::GenesisDoc g;
        g.chain_id = chain_id;
        g.max_block_gas = node::k_default_max_block_gas;
        g.genesis_time = std::chrono::duration_cast<std::chrono::nanoseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
        g.validators.push_back(
            {crypto::address_of(val_key.public_key()), val_key.public_key(), 10, moniker});
        app::Genesis app;
        app.async.handlers = async::builtin_handlers();
        g.app_state_json = app::app_state_json(app);
        store::write_file_atomic(home + "/config/genesis.json", as_bytes(node::render_genesis(g)),
                                 0644);
        store::write_file_atomic(
            home + "/data/priv_validator_state.json",
            as_bytes("{\n  \"height\": \"0\",\n  \"round\": 0,\n  \"step\": 0\n}\n"), 0600);
        std::cout << "Initialized " << home << " (moniker " << moniker << ", chain " << chain_id
                  << ", node ID " << node::node_id(node_key.public_key()) << ")\n"
                  << "No account holds funds yet. Before the first `seer start`, fund some:\n"
                  << "  seer keys add alice --home " << home << "\n"
                  << "  seer genesis add-account alice 1000000000useer --home " << home << "\n";
    } catch (const std::exception& e) {
        return fail(e.what());
    }
    return 0;
}

/// `seer genesis add-account`: a funded account in genesis.json, before the first start.
int cmd_genesis_add_account(const cli::ClientOptions& c, const std::string& who,
                            const std::string& coins_text) {
    const std::string path = c.home + "/config/genesis.json";
    if (fs::exists(c.home + "/data/seer.db"))
        return fail("the chain in " + c.home +
                    " has already started: a node reads genesis.json only at its first start, so "
                    "this edit would be ignored. Fund the account with `seer tx bank send`.");
    auto address = cli::resolve_address(c, who);
    if (!address) return fail(address.error().message);
    auto coins = bank::parse_coins(coins_text);
    if (!coins) return fail("coins: " + coins.error().message);
    std::ifstream in(path);
    if (!in) return fail("cannot read " + path + "; run `seer init` first");
    std::stringstream ss;
    ss << in.rdbuf();
    auto doc = node::parse_genesis(ss.str());
    if (!doc) return fail(path + ": " + doc.error().message);
    auto state = app::parse_app_state(doc->app_state_json);
    if (!state) return fail(path + ": " + state.error().message);
    for (const auto& a : state->accounts)
        if (a.address == *address) return fail(*address + " is already in " + path);
    state->accounts.push_back({*address, std::nullopt});
    state->balances.push_back({*address, *coins});
    if (auto s = app::validate_genesis(*state); !s) return fail(s.error().message);
    doc->app_state_json = app::app_state_json(*state);
    store::write_file_atomic(path, as_bytes(node::render_genesis(*doc)), 0644);
    std::cout << "added " << *address << " with " << bank::to_string(*coins) << " to " << path
              << "\n";
    return 0;
}

}  // namespace

// jemalloc's options, read at its start (ADR 0007): two arenas, as the node has few busy
// threads, and freed pages returned to the system within a second, so a burst (a large block's
// JSON, a saturation run) does not stay in the RSS. Ignored when jemalloc is not linked.
extern "C" {
extern const char* malloc_conf;
const char* malloc_conf = "narenas:2,dirty_decay_ms:1000,muzzy_decay_ms:0";
}

int main(int argc, char** argv) {
    CLI::App app{"seer: a validator node for offchain futures verified by vote extensions"};
    app.require_subcommand(1);
    app.fallthrough();  // "seer start --home X" as well as "seer --home X start"
    std::string home = default_home();
    app.add_option("--home", home, "home directory")->capture_default_str();

    auto* version = app.add_subcommand("version", "print the version");
    version->fallthrough();  // seer version -o json

    std::string moniker = "seer-node";
    std::string chain_id = "seer-1";
    auto* init = app.add_subcommand("init", "create a home directory for a single-validator chain");
    init->add_option("--moniker", moniker, "node name")->capture_default_str();
    init->add_option("--chain-id", chain_id, "chain ID")->capture_default_str();

    auto* start = app.add_subcommand("start", "run the node until SIGINT or SIGTERM");
    node::StartOptions start_options;
    start->add_flag("--unsafe-reset-sign-state", start_options.unsafe_reset_sign_state,
                    "start although data/priv_validator_state.json is missing (re-created at "
                    "the last stored block; the key must not have signed beyond it)");
    // CometBFT's and the Cosmos SDK's flag names for the config.toml keys a run most often
    // changes; each replaces its key for this run only.
    std::map<std::string, std::string> start_flags;
    for (const auto& [flag, key, what] : std::vector<std::tuple<std::string, std::string, std::string>>{
             {"--moniker", "moniker", "node name"},
             {"--log_level", "log_level", "trace, debug, info, warn, error, critical or off"},
             {"--p2p.laddr", "p2p.laddr", "p2p listen address, e.g. tcp://0.0.0.0:26656"},
             {"--p2p.persistent_peers", "p2p.persistent_peers", "comma-separated ID@host:port"},
             {"--p2p.seeds", "p2p.seeds", "comma-separated ID@host:port of seed nodes"},
             {"--rpc.laddr", "rpc.laddr", "JSON-RPC listen address, e.g. tcp://127.0.0.1:26657"},
             {"--api.address", "api.address", "REST (and dashboard) listen address"},
             {"--grpc.address", "grpc.address", "gRPC listen address, e.g. 127.0.0.1:9090"},
             {"--instrumentation.prometheus_listen_addr", "instrumentation.prometheus_listen_addr",
              "metrics listen address"},
             {"--min_gas_prices", "min_gas_prices", "e.g. 0.001useer"}})
        start->add_option(flag, start_flags[key], what + " (replaces config.toml's " + key + ")");
    auto* config_cmd = app.add_subcommand("config", "config.toml tools");
    config_cmd->require_subcommand(1);
    auto* config_default = config_cmd->add_subcommand(
        "default", "print config.toml with every key at its default (what seer init writes)");
    auto* show_node_id = app.add_subcommand(
        "show-node-id", "print this node's ID, the first part of its peer address ID@host:port");

    node::TestnetOptions testnet;
    std::string hostnames;
    auto* tn = app.add_subcommand("testnet", "write the files of an N-validator network");
    tn->add_option("--validators,-v", testnet.validators, "number of validators")
        ->capture_default_str();
    tn->add_option("--output,-o", testnet.output, "output directory")->required();
    tn->add_option("--chain-id", testnet.chain_id, "chain ID")->capture_default_str();
    tn->add_option("--hostnames", hostnames, "comma-separated host of each validator");
    tn->add_option("--starting-port", testnet.base_port, "first p2p port")->capture_default_str();
    tn->add_option("--api-starting-port", testnet.api_base_port, "first REST port")
        ->capture_default_str();
    tn->add_option("--grpc-starting-port", testnet.grpc_base_port,
                   "first gRPC port (default: each node's p2p port + 5)");
    tn->add_option("--http-allowlist", testnet.http_allowlist,
                   "origin for the http handler (repeatable)");
    tn->add_option("--exec", testnet.exec, "external handler name=/abs/path[,arg...] (repeatable)");
    tn->add_option("--topology", testnet.topology,
                   "full (every node peers with every other) or random:D (each node has >= D "
                   "random peers)")
        ->capture_default_str();

    cli::LocalnetOptions ln;
    ln.home = (fs::current_path() / "localnet").string();
    auto* localnet = app.add_subcommand("localnet", "run a local network of N validators");
    localnet->add_option("--validators,-v", ln.validators, "number of validators")
        ->capture_default_str();
    localnet->add_option("--home", ln.home, "network directory")->capture_default_str();
    localnet->add_flag("--reset", ln.reset,
                       "delete the network and generate a new one (refused while any of its "
                       "nodes runs)");
    localnet->add_option("--http-allowlist", ln.http_allowlist,
                         "origin the http handler may fetch, e.g. http://127.0.0.1:8080 "
                         "(repeatable; default: node0's REST origin; a new network only)");
    localnet->add_option("--starting-port", ln.base_port,
                         "first p2p port; node i uses +10 i, its RPC +1 (a new network only; "
                         "default 26656)")
        ->check(CLI::Range(1024, 65000));
    localnet->add_option("--api-starting-port", ln.api_base_port,
                         "first REST port, +10 per node (a new network only; default 1317)")
        ->check(CLI::Range(1024, 65000));
    localnet->add_option("--exec", ln.exec,
                         "exec handler name=/abs/path[,arg...] (repeatable; default: "
                         "wc=/usr/bin/wc,-w; a new network only)");

    cli::KeysCommand keys(app);

    cli::ClientOptions client;
    app.add_option("--node", client.node, "RPC address of the node")->capture_default_str();
    app.add_option("--keyring-backend", client.keyring_backend,
                   "test or file (default: <home>/config/client.toml's keyring-backend, else file)")
        ->check(CLI::IsMember({"test", "file"}));
    app.add_option("--output,-o", client.output, "text or json")
        ->check(CLI::IsMember({"text", "json"}))
        ->capture_default_str();

    auto* status = app.add_subcommand("status", "the node's status");

    auto* tx = app.add_subcommand("tx", "build, sign and broadcast transactions");
    tx->require_subcommand(1);
    tx->fallthrough();
    auto* tx_async = tx->add_subcommand("async", "x/async transactions");
    tx_async->require_subcommand(1);
    tx_async->fallthrough();
    cli::AddFutureOptions af;
    auto* add_future = tx_async->add_subcommand("add-future", "submit a future");
    add_future->fallthrough();
    add_future
        ->add_option("--handler", af.handler,
                     "handler ID (echo, math, hashchain, http, exec:<name>)")
        ->required();
    auto* in_text = add_future->add_option("--input", af.input, "input text");
    auto* in_file =
        add_future->add_option("--input-file", af.input_file, "read the input from a file");
    in_text->excludes(in_file);
    add_future->add_option("--from", af.from, "key name in the keyring")->required();
    auto* wait_flag = add_future->add_flag(
        "--wait", af.wait,
        "follow the future until it is final: inclusion, result on chain, votes, verdict");
    add_future
        ->add_flag("--no-follow", af.no_follow,
                   "return once the node accepted the tx, with its hash only (the future ID is "
                   "assigned in the block; default: wait for the block and print the ID)")
        ->excludes(wait_flag);
    add_future->add_option("--timeout", af.timeout_s,
                           "seconds to wait for the block, or with --wait for the verdict")
        ->check(positive_seconds)
        ->capture_default_str();
    auto add_tx_flags = [](CLI::App* cmd, cli::TxOptionsCli& t) {
        cmd->add_option("--chain-id", t.chain_id, "chain ID (default: the node's)");
        cmd->add_option("--sequence", t.sequence,
                        "sign with this account sequence (default: the node's, counting the txs "
                        "in its mempool)")
            ->check(CLI::NonNegativeNumber);
        cmd->add_option("--account-number", t.account_number,
                        "sign with this account number (default: the node's); with --sequence "
                        "and --chain-id no node is asked")
            ->check(CLI::NonNegativeNumber);
        cmd->add_flag("--generate-only", t.generate_only,
                      "print the tx unsigned, as JSON, for `seer tx sign` and `seer tx broadcast`");
        cmd->add_option("--memo", t.memo, "memo");
        cmd->add_option("--fees", t.fees, "fee to pay, e.g. 500useer (default: gas x gas-prices)");
        cmd->add_option("--gas", t.gas, "gas limit, or auto to simulate")->capture_default_str();
        cmd->add_option("--gas-adjustment", t.gas_adjustment, "with --gas auto: estimate x this")
            ->capture_default_str()
            ->check(CLI::Range(1.0, 10.0));
        cmd->add_option("--gas-prices", t.gas_prices, "price per gas unit, without --fees")
            ->capture_default_str();
    };
    add_tx_flags(add_future, af.tx);
    add_future->add_option("--output-file", af.output_file,
                           "with --wait: write the verified output here (its SHA-256 checked)");

    auto* tx_bank = tx->add_subcommand("bank", "x/bank transactions");
    tx_bank->require_subcommand(1);
    tx_bank->fallthrough();
    cli::BankSendOptions bs;
    auto* bank_send = tx_bank->add_subcommand("send", "send coins: seer tx bank send FROM TO AMOUNT");
    bank_send->fallthrough();
    bank_send->add_option("from", bs.from, "key name in the keyring")->required();
    bank_send->add_option("to", bs.to, "bech32 address or key name")->required();
    bank_send->add_option("amount", bs.amount, "coins, e.g. 1000000useer")->required();
    bank_send->add_flag("--wait", bs.wait, "wait until the tx is in a block");
    bank_send->add_option("--timeout", bs.timeout_s, "seconds to wait with --wait")
        ->check(positive_seconds)
        ->capture_default_str()
        ->check(positive_seconds);
    add_tx_flags(bank_send, bs.tx);

    std::string sign_file;
    std::string sign_from;
    std::string sign_output;
    cli::TxOptionsCli sign_opts;
    auto* tx_sign = tx->add_subcommand(
        "sign", "sign a tx that --generate-only wrote: seer tx sign FILE --from KEY");
    tx_sign->fallthrough();
    tx_sign->add_option("file", sign_file, "the unsigned tx's JSON")->required();
    tx_sign->add_option("--from", sign_from, "key name in the keyring")->required();
    tx_sign->add_option("--chain-id", sign_opts.chain_id, "chain ID (default: the node's)");
    tx_sign->add_option("--account-number", sign_opts.account_number,
                        "account number (default: the node's)")
        ->check(CLI::NonNegativeNumber);
    tx_sign->add_option("--sequence", sign_opts.sequence, "sequence (default: the node's)")
        ->check(CLI::NonNegativeNumber);
    tx_sign->add_option("--output-document", sign_output, "write the signed tx here, not to stdout");
    std::string broadcast_file;
    auto* tx_broadcast =
        tx->add_subcommand("broadcast", "send a signed tx's JSON: seer tx broadcast FILE");
    tx_broadcast->fallthrough();
    tx_broadcast->add_option("file", broadcast_file, "the signed tx's JSON")->required();

    auto* genesis_cmd = app.add_subcommand("genesis", "edit genesis.json before the first start");
    genesis_cmd->require_subcommand(1);
    genesis_cmd->fallthrough();
    std::string genesis_who;
    std::string genesis_coins;
    auto* add_account = genesis_cmd->add_subcommand(
        "add-account", "fund an account in genesis: seer genesis add-account ADDRESS|KEY COINS");
    add_account->fallthrough();
    add_account->add_option("address", genesis_who, "bech32 address or key name")->required();
    add_account->add_option("coins", genesis_coins, "e.g. 1000000000useer")->required();

    auto* query = app.add_subcommand("query", "query the chain");
    query->alias("q");
    query->require_subcommand(1);
    query->fallthrough();
    std::string tx_hash;
    auto* query_tx = query->add_subcommand("tx", "a transaction by hash");
    query_tx->add_option("hash", tx_hash)->required();
    std::string txs_query;
    std::string txs_order;
    std::int64_t txs_page = 1;
    std::int64_t txs_per_page = 30;
    auto* query_txs =
        query->add_subcommand("txs", "transactions matching an event query (tx_search)");
    query_txs
        ->add_option("--query", txs_query,
                     "CometBFT query, e.g. \"future_created.creator='seer1...' AND tx.height>5\"")
        ->required();
    query_txs->add_option("--page", txs_page, "page number")
        ->capture_default_str()
        ->check(positive_seconds);
    query_txs->add_option("--per-page", txs_per_page, "results per page (at most 100)")
        ->capture_default_str()
        ->check(CLI::Range(1, 100));
    query_txs->add_option("--order-by", txs_order, "asc or desc (by height)")
        ->check(CLI::IsMember({"asc", "desc"}));
    auto* q_async = query->add_subcommand("async", "x/async queries");
    q_async->require_subcommand(1);
    q_async->fallthrough();
    std::string future_id;
    auto* q_future = q_async->add_subcommand("future", "one future by ID");
    q_future->add_option("id", future_id)->required();
    std::string output_file;
    q_future->add_option("--output-file", output_file,
                         "write the output's bytes here (fetched from the node, checked against "
                         "the SHA-256 on chain)");
    std::string creator;
    std::string status_filter;
    std::uint64_t limit = 100;
    auto* q_futures = q_async->add_subcommand("futures", "futures, filtered");
    q_futures->add_option("--creator", creator, "bech32 address");
    std::string handler_filter;
    q_futures->add_option("--handler", handler_filter, "only this handler's futures, e.g. math");
    q_futures->add_option("--status", status_filter,
                          "pending, executed, verified, failed, timed_out");
    std::string page_key;
    q_futures->add_option("--limit", limit, "at most this many")->capture_default_str();
    q_futures->add_option("--page-key", page_key,
                          "start at this key (base64, as the previous page printed it)");
    auto* q_pending = q_async->add_subcommand("pending-futures", "futures waiting for a result");
    q_pending->add_option("--limit", limit, "at most this many")->capture_default_str();
    q_pending->add_option("--page-key", page_key,
                          "start at this key (base64, as the previous page printed it)");
    auto* q_bank = query->add_subcommand("bank", "x/bank queries");
    q_bank->require_subcommand(1);
    q_bank->fallthrough();
    std::string balance_who;
    std::string balance_denom;
    auto* q_balances = q_bank->add_subcommand("balances", "an account's balances");
    q_balances->fallthrough();
    q_balances->add_option("address", balance_who, "bech32 address or key name")->required();
    q_balances->add_option("--denom", balance_denom, "only this denom");
    auto* q_params = q_async->add_subcommand("params", "module parameters");
    auto* q_handlers = q_async->add_subcommand("handlers", "the handler registry");
    // seer bench: the load generator of `make bench` (docs/performance.md).
    auto* bench = app.add_subcommand("bench", "benchmark tools (make bench)");
    bench->require_subcommand(1);
    bench->fallthrough();
    cli::BenchGenesisOptions bg;
    auto* bench_genesis = bench->add_subcommand(
        "genesis", "fund deterministic bench accounts in genesis.json (before the first start)");
    bench_genesis->fallthrough();
    bench_genesis->add_option("--accounts", bg.accounts, "how many")->capture_default_str()->check(
        CLI::Range(1, 100000));
    bench_genesis
        ->add_option("--prune-after-blocks", bg.prune_after_blocks,
                     "x/async prune_after_blocks (0: keep the genesis value)")
        ->check(CLI::Range(0, 100000000));
    bench_genesis
        ->add_option("--max-prune-per-block", bg.max_prune_per_block,
                     "x/async max_prune_per_block (0: keep the genesis value)")
        ->check(CLI::Range(0, 100000));
    cli::BenchLoadOptions bl;
    std::string bench_nodes;
    auto* bench_load = bench->add_subcommand(
        "load", "send pre-signed txs to every node and print figures as JSON");
    bench_load->fallthrough();
    bench_load->add_option("--nodes", bench_nodes, "JSON-RPC URLs, comma-separated")->required();
    bench_load->add_option("--accounts", bl.accounts, "bench accounts that sign")
        ->capture_default_str()
        ->check(CLI::Range(1, 100000));
    bench_load->add_option("--txs", bl.txs, "txs to send (0: follow the chain only)")
        ->capture_default_str()
        ->check(CLI::NonNegativeNumber);
    bench_load->add_option("--rate", bl.rate, "tx/s over all connections (0: as fast as taken)")
        ->capture_default_str()
        ->check(CLI::NonNegativeNumber);
    bench_load->add_option("--duration", bl.duration_s, "seconds to send (with --rate) or follow")
        ->capture_default_str()
        ->check(CLI::NonNegativeNumber);
    bench_load->add_option("--connections", bl.connections, "keep-alive connections per node")
        ->capture_default_str()
        ->check(CLI::Range(1, 256));
    bench_load->add_option("--handler", bl.handler, "the futures' handler")->capture_default_str();
    bench_load->add_option("--input-bytes", bl.input_bytes, "size of each future's input")
        ->capture_default_str()
        ->check(CLI::Range(1, 65536));
    bench_load->add_option("--raw-bytes", bl.raw_bytes,
                           "send unsigned random payloads of this size (proxy_app = \"noop\")")
        ->check(CLI::Range(1, 65536));
    bench_load->add_option("--timeout", bl.timeout_s, "seconds for everything to commit")
        ->check(positive_seconds)
        ->capture_default_str()
        ->check(positive_seconds);
    bench_load->add_flag("!--no-wait-final", bl.wait_final, "do not wait for futures to be final");

    for (auto* sc :
         {q_future, q_futures, q_pending, q_params, q_handlers, query_tx, query_txs, status, q_balances, add_account})
        sc->fallthrough();

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        // --help and --help-all print and exit 0 as CLI11 does. A usage error is one line and
        // exit code 1, as every other error of seer (and cobra's "Error: ..." in the Cosmos
        // CLIs), not CLI11's two lines and codes 105-113.
        if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(e);
        return fail(std::string(e.what()) + " (run with --help for usage)");
    }
    // An expected failure (a file where a directory should be, a disk error) ends in one line
    // and exit code 1, never in an uncaught exception and SIGABRT.
    auto dispatch = [&]() -> int {
        client.home = home;
        if (show_node_id->parsed()) {
            auto key = node::load_node_key(home + "/config/node_key.json");
            if (!key) return fail(key.error().message + " (run `seer init` first?)");
            std::cout << node::node_id(key->public_key()) << "\n";
            return 0;
        }
        if (version->parsed()) {
            if (client.output == "json")
                std::cout << "{\"version\":\"" << k_version << "\"}\n";
            else
                std::cout << k_version << "\n";
            return 0;
        }
        if (config_default->parsed()) {
            std::cout << node::render_config(node::Config{});
            return 0;
        }
        if (status->parsed()) return cli::cmd_status(client);
        if (bench_genesis->parsed()) {
            bg.home = home;
            return cli::cmd_bench_genesis(bg);
        }
        if (bench_load->parsed()) {
            std::stringstream list(bench_nodes);
            for (std::string n; std::getline(list, n, ',');)
                if (!n.empty()) bl.nodes.push_back(n);
            return cli::cmd_bench_load(bl);
        }
        if (add_future->parsed()) {
            if (af.input.empty() && af.input_file.empty()) return fail("give --input or --input-file");
            if (!af.output_file.empty() && !af.wait) return fail("--output-file needs --wait");
            return cli::cmd_add_future(client, af);
        }
        if (bank_send->parsed()) return cli::cmd_bank_send(client, bs);
        if (tx_sign->parsed())
            return cli::cmd_tx_sign(client, sign_file, sign_from, sign_opts, sign_output);
        if (tx_broadcast->parsed()) return cli::cmd_tx_broadcast(client, broadcast_file);
        if (q_balances->parsed()) return cli::cmd_query_balances(client, balance_who, balance_denom);
        if (add_account->parsed()) return cmd_genesis_add_account(client, genesis_who, genesis_coins);
        if (query_tx->parsed()) return cli::cmd_query_tx(client, tx_hash);
        if (query_txs->parsed())
            return cli::cmd_query_txs(client, txs_query, txs_page, txs_per_page, txs_order);
        if (q_future->parsed()) return cli::cmd_query_future(client, future_id, output_file);
        if (q_futures->parsed())
            return cli::cmd_query_futures(client, creator, status_filter, handler_filter, limit,
                                          page_key, false);
        if (q_pending->parsed())
            return cli::cmd_query_futures(client, "", "", "", limit, page_key, true);
        if (q_params->parsed()) return cli::cmd_query_simple(client, "params");
        if (q_handlers->parsed()) return cli::cmd_query_simple(client, "handlers");
        if (init->parsed()) return cmd_init(home, moniker, chain_id);
        if (start->parsed()) {
            for (const auto& [key, value] : start_flags)
                if (!value.empty()) start_options.config_overrides.emplace_back(key, value);
            auto s = node::run_node(home, start_options);
            return s ? 0 : fail(s.error().message);
        }
        if (tn->parsed()) {
            if (!hostnames.empty()) {
                std::stringstream ss(hostnames);
                std::string h;
                while (std::getline(ss, h, ','))
                    testnet.hostnames.push_back(h);
            }
            auto nodes = node::write_testnet(testnet);
            if (!nodes) return fail(nodes.error().message);
            for (const auto& n : *nodes)
                std::cout << n.moniker << "  " << n.node_id << "  p2p " << n.p2p_laddr << "  rpc "
                          << n.rpc_laddr << "  home " << n.home << "\n";
            return 0;
        }
        if (localnet->parsed()) {
            ln.self_exe = self_exe(argv[0]);
            ln.user_home = home;
            return cli::run_localnet(ln);
        }
        if (keys.parsed()) return keys.run(home, client.keyring_backend, client.output);
        return 0;
    };
    try {
        return dispatch();
    } catch (const std::exception& e) {
        return fail(e.what());
    }
}
