// seer_fuzz_rpc_smoke: the RPC fuzz entry points (fuzz_jsonrpc.cpp, fuzz_rest.cpp) over
// deterministic corpora on every build. Same scheme as seer_fuzz_smoke (smoke_main.cpp): valid
// requests (every JSON-RPC method, batches and notifications; every REST route with its query
// arguments; event queries) mutated by bit flips, byte overwrites with JSON and URL
// punctuation, insertions, deletions, truncations, duplicated chunks and splices, plus random
// inputs, from a fixed seed. A violated invariant aborts after printing the input index;
// `--dump <index>` / `--dump-rest <index>` write that input to stdout. `--replay` and
// `--write-corpus` are smoke_driver.hpp's.

#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "query.hpp"
#include "rest_routes.hpp"
#include "rpc_fixture.hpp"
#include "seer/common/base64.hpp"
#include "smoke_driver.hpp"
#include "smoke_mutator.hpp"

extern "C" int seer_fuzz_jsonrpc(const std::uint8_t* data, std::size_t size);
extern "C" int seer_fuzz_rest(const std::uint8_t* data, std::size_t size);

namespace seer::fuzz {
namespace {

constexpr std::uint64_t k_seed = 0x5eed'29c0;
constexpr std::size_t k_inputs = 10000;  // per target
constexpr std::size_t k_random_inputs = 1000;

constexpr std::size_t k_jsonrpc_results = 26;

constexpr std::uint8_t k_interesting[] = {'"', '{', '}', '[', ']', ',', ':', '0', '1', '-',
                                          ' ', '\\', 'n', '=', '&', '%', '?', '/', 0xc3, 0xff};

Bytes text(std::string_view s) {
    return Bytes(s.begin(), s.end());
}

std::string request(std::string_view method, std::string_view params, std::string_view id = "1") {
    std::string out = R"({"jsonrpc":"2.0","id":)" + std::string(id) + R"(,"method":")" +
                      std::string(method) + "\"";
    if (!params.empty()) out += ",\"params\":" + std::string(params);
    return out + "}";
}

std::vector<Bytes> jsonrpc_seeds() {
    FuzzNodeApi node;
    const std::string tx = to_base64(node.add_future_tx(5));
    const std::string hash = to_hex(node.txs[1][0].hash, true);
    const std::string block = to_hex(node.blocks[1].hash);
    std::vector<std::string> bodies{
        request("status", ""),
        request("health", "{}", "\"a\""),
        request("net_info", "[]"),
        request("blockchain", R"({"minHeight":"1","maxHeight":"3"})"),
        request("block", R"({"height":"2"})"),
        request("block_by_hash", "[\"" + block + "\"]"),
        request("header", "[2]"),
        request("header_by_hash", R"({"hash":"0x)" + block + "\"}"),
        request("block_results", R"({"height":3})"),
        request("commit", R"({"height":"2"})"),
        request("validators", R"({"height":"3","page":"1","per_page":"1"})"),
        request("genesis", ""),
        request("consensus_params", "{}"),
        request("unconfirmed_txs", R"({"limit":"1"})"),
        request("num_unconfirmed_txs", ""),
        request("broadcast_tx_async", R"({"tx":")" + tx + "\"}"),
        request("broadcast_tx_sync", R"({"tx":"YmFk"})"),
        request("broadcast_tx_commit", R"({"tx":"AAAAAA=="})"),
        request("check_tx", R"({"tx":")" + tx + "\"}"),
        request("tx", R"({"hash":")" + hash + "\",\"prove\":false}"),
        request("tx_search", R"({"query":"future_created.id >= 20 AND tx.height <= 3","order_by":"desc"})"),
        request("tx_search", R"(["transfer.amount > 5 AND message.action = '/seer.async.v1.MsgAddFuture'", true, "1", "30"])"),
        request("block_search", R"({"query":"future_verified.id EXISTS AND block.height > 1"})"),
        request("abci_info", ""),
        request("abci_query", R"({"path":"async/future/3","data":"","height":"0","prove":false})"),
        request("abci_query", R"({"path":"/cosmos.bank.v1beta1.Query/SupplyOf","data":"0a057573656572"})"),
        // Two errors (k_jsonrpc_results: the seeds before these are answered with a result).
        request("no_such_method", "[]", "7.5"),
        request("broadcast_tx_commit", R"({"tx":"0x616263"})"),  // never committed: times out
        R"({"jsonrpc":"2.0","method":"health"})",  // a notification
        "[" + request("health", "", "1") + "," + request("status", "", "\"two\"") + "," +
            R"({"jsonrpc":"2.0","method":"health"})" + ",5]",
        R"([{"jsonrpc":"2.0","method":"status"},{"jsonrpc":"2.0","method":"genesis","id":null}])",
        R"({"jsonrpc":"1.0","id":1,"method":"status"})",
    };
    std::vector<Bytes> out;
    for (const auto& b : bodies)
        out.push_back(text(b));
    return out;
}

std::vector<Bytes> rest_seeds() {
    FuzzNodeApi node;
    const std::string tx = to_base64(node.add_future_tx(6));
    const std::string hash = to_hex(node.txs[1][1].hash, true);
    const std::string account = node.account_address;
    // Byte 0 is the method (fuzz_rest.cpp): GET, POST, DELETE, conditional GET.
    const auto get = [](const std::string& t) { return std::string(1, '\0') + t; };
    const auto post = [](const std::string& t) { return std::string(1, '\1') + t; };
    const auto del = [](const std::string& t) { return std::string(1, '\2') + t; };
    const auto cond = [](const std::string& t) { return std::string(1, '\3') + t; };
    const std::vector<std::string> requests{
        get("/seer/async/v1/futures/7"),
        cond("/seer/async/v1/futures/3/output"),
        cond("/seer/async/v1/futures/4/output"),
        get("/seer/async/v1/futures/8/output"),
        get("/seer/async/v1/futures/10/output"),
        get("/seer/async/v1/futures?status=FUTURE_STATUS_VERIFIED&pagination.limit=2&"
            "pagination.count_total=true"),
        get("/seer/async/v1/futures?creator=seer1creator&status=1&pagination.key=AAAAAAAAAAU"),
        get("/seer/async/v1/pending_futures?pagination.limit=3&pagination.reverse=false"),
        get("/seer/async/v1/params"),
        get("/seer/async/v1/handlers"),
        post("/cosmos/tx/v1beta1/txs\n{\"tx_bytes\":\"" + tx + "\",\"mode\":\"BROADCAST_MODE_SYNC\"}"),
        post("/cosmos/tx/v1beta1/txs\n{\"tx_bytes\":\"ZHVw\",\"mode\":\"BROADCAST_MODE_ASYNC\"}"),
        get("/cosmos/tx/v1beta1/txs/" + hash),
        get("/cosmos/auth/v1beta1/accounts/" + account),
        get("/cosmos/bank/v1beta1/balances/" + account + "/by_denom?denom=useer"),
        get("/cosmos/bank/v1beta1/balances/" + account + "?pagination.limit=5&pagination.key=YQ%3D%3D"),
        get("/cosmos/bank/v1beta1/supply?pagination.offset=2"),
        get("/cosmos/bank/v1beta1/supply/by_denom?denom=u%C3%A9"),
        post("/cosmos/tx/v1beta1/simulate\n{\"tx_bytes\":\"" + tx + "\"}"),
        get("/cosmos/base/tendermint/v1beta1/node_info"),
        get("/cosmos/base/tendermint/v1beta1/syncing"),
        get("/cosmos/base/tendermint/v1beta1/blocks/latest"),
        get("/cosmos/base/tendermint/v1beta1/blocks/2"),
        del("/seer/async/v1/params"),
        get("/nowhere?query=tx.height%3E%3D2+AND+transfer.sender+CONTAINS+%27seer%27"),
        // Event queries (the whole input is parsed as one too).
        "tx.height >= 2 AND message.action = '/seer.async.v1.MsgAddFuture'",
        "block.time > TIME 2023-11-14T22:13:20+01:00 AND x.date <= DATE 2024-02-29",
        "transfer.amount < 12.50 AND transfer EXISTS AND tx.hash CONTAINS 'ab'",
    };
    std::vector<Bytes> out;
    for (const auto& r : requests)
        out.push_back(text(r));
    return out;
}

Bytes input(std::size_t index, const std::vector<Bytes>& pool, std::uint64_t salt) {
    return smoke_input(index, pool, k_seed ^ salt, k_random_inputs, {k_interesting, false});
}

volatile std::sig_atomic_t g_current = -1;
volatile std::sig_atomic_t g_rest = 0;

extern "C" void on_abort(int) {
    char buf[96];
    const int n = std::snprintf(buf, sizeof(buf), "seer_fuzz_rpc_smoke: failing input %ld (%s)\n",
                                static_cast<long>(g_current), g_rest ? "--dump-rest" : "--dump");
    if (n > 0) std::fwrite(buf, 1, static_cast<std::size_t>(n), stderr);
}

bool has_result(const std::string& answer) {
    return answer.find("\"result\":") != std::string::npos;
}

}  // namespace
}  // namespace seer::fuzz

int main(int argc, char** argv) {
    using namespace seer::fuzz;
    namespace rd = seer::rpc::detail;
    const std::vector<seer::Bytes> jsonrpc = jsonrpc_seeds();
    const std::vector<seer::Bytes> rest = rest_seeds();
    const Target targets[] = {{"jsonrpc", seer_fuzz_jsonrpc}, {"rest", seer_fuzz_rest}};
    if (auto rc = run_modes(argc, argv, targets, [&](std::string_view t) {
            return t == "jsonrpc" ? jsonrpc : rest;
        }))
        return *rc;
    if (argc == 3 && (std::string(argv[1]) == "--dump" || std::string(argv[1]) == "--dump-rest")) {
        const bool r = std::string(argv[1]) == "--dump-rest";
        const seer::Bytes b = input(std::strtoull(argv[2], nullptr, 10), r ? rest : jsonrpc, r);
        std::fwrite(b.data(), 1, b.size(), stdout);
        return 0;
    }
    JsonRpcFixture rpc;
    for (std::size_t i = 0; i < jsonrpc.size(); ++i) {
        const auto a = rpc.call(std::string_view(reinterpret_cast<const char*>(jsonrpc[i].data()),
                                                 jsonrpc[i].size()));
        if (i < k_jsonrpc_results + 2 && (i < k_jsonrpc_results) != has_result(a.body)) {
            std::fprintf(stderr, "seer_fuzz_rpc_smoke: jsonrpc seed %zu: %s\n", i, a.body.c_str());
            return 1;
        }
    }
    std::signal(SIGABRT, on_abort);
    std::size_t parsed = 0;
    std::size_t results = 0;
    for (std::size_t i = 0; i < k_inputs; ++i) {
        const seer::Bytes b = input(i, jsonrpc, 0);
        g_current = static_cast<std::sig_atomic_t>(i);
        seer_fuzz_jsonrpc(b.data(), b.size());
        const auto a =
            rpc.call(std::string_view(reinterpret_cast<const char*>(b.data()), b.size()));
        if (a.body.find("\"code\":-32700") == std::string::npos) ++parsed;
        if (has_result(a.body)) ++results;
    }
    FuzzNodeApi node;
    rd::RestRoutes routes(node);
    std::size_t ok = 0;
    std::size_t queries = 0;
    g_rest = 1;
    for (std::size_t i = 0; i < k_inputs; ++i) {
        const seer::Bytes b = input(i, rest, 1);
        g_current = static_cast<std::sig_atomic_t>(i);
        seer_fuzz_rest(b.data(), b.size());
        const std::string s(b.begin(), b.end());
        if (rd::parse_query(s).ok()) ++queries;
        if (s.empty()) continue;
        const auto nl = s.find('\n', 1);
        rd::Request req;
        const int mode = s[0] & 3;
        req.method(mode == 1 ? rd::http::verb::post
                             : (mode == 2 ? rd::http::verb::delete_ : rd::http::verb::get));
        req.target(s.substr(1, nl == std::string::npos ? std::string::npos : nl - 1));
        if (routes.handle(req).status == rd::http::status::ok) ++ok;
    }
    std::fprintf(stderr,
                 "seer_fuzz_rpc_smoke: %zu inputs x 2 targets, no invariant violated; JSON-RPC: "
                 "%zu bodies parsed, %zu answers with a result; REST: %zu 200s; %zu event "
                 "queries parsed\n",
                 k_inputs, parsed, results, ok, queries);
    if (parsed < 500 || results < 100 || ok < 200 || queries < 50) {
        std::fprintf(stderr, "seer_fuzz_rpc_smoke: too few mutated inputs get past the parser\n");
        return 1;
    }
    return 0;
}
