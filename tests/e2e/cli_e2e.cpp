// The CLI as a user meets it, on a live 4-validator network of real processes (issue 12):
//   - back-to-back txs from one key: the sequence comes from the node's check state;
//   - add-future prints the future's ID (it waits for the block), --no-follow the hash only;
//     a tx hash copied from REST (base64) or from the CLI (hex) is taken by `seer query tx`;
//   - --wait shows each step: included, result on chain, votes with their share of the power,
//     the verdict;
//   - --wait notices a node killed under it at once, not at the end of --timeout;
//   - offline signing: --generate-only, `seer tx sign` with no node, `seer tx broadcast`;
//   - an input too large for a tx is refused by name before it is sent;
//   - futures are filtered by handler (CLI --handler, REST ?handler=);
//   - handlers are listed with descriptions and input examples;
//   - -o json on keys list, keys show and version;
//   - `seer localnet --reset` refuses while a node of the network runs, or while another
//     localnet holds the network's lock, and leaves the directory alone.

#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "network.hpp"
#include "process.hpp"

namespace seer::e2e {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

constexpr int k_nodes = 4;

std::string line_value(const std::string& out, const std::string& key) {
    const auto at = out.find(key);
    if (at == std::string::npos) return "";
    auto from = at + key.size();
    while (from < out.size() && out[from] == ' ') ++from;
    return out.substr(from, out.find('\n', from) - from);
}

}  // namespace

TEST_CASE("e2e: the CLI shows every step, takes back-to-back txs and names its refusals") {
    Network<k_nodes> net;
    REQUIRE(net.write("seer-cli"));
    for (int i = 0; i < k_nodes; ++i)
        net.start(i);
    REQUIRE(wait_until(std::chrono::seconds(90), [&] { return net.height(0) >= 2; }));
    Cli cli(net.dir);
    const std::uint16_t rpc = net.rpc(0);

    {
        INFO("back-to-back txs from one key, each without --wait");
        int c1 = -2, c2 = -2, c3 = -2;
        const std::string a = cli.run(rpc, {"tx", "bank", "send", "alice", "bob", "1useer"}, &c1);
        const std::string b = cli.run(rpc, {"tx", "bank", "send", "alice", "bob", "2useer"}, &c2);
        const std::string c =
            cli.run(rpc, {"tx", "bank", "send", "alice", "bob", "3useer", "--wait"}, &c3);
        CHECK_MESSAGE(c1 == 0, a);
        CHECK_MESSAGE(c2 == 0, b);  // was "account sequence mismatch, expected 2, got 1"
        CHECK_MESSAGE(c3 == 0, c);
        for (const std::string& out : {a, b}) {
            const std::string hash = line_value(out, "txhash:");
            REQUIRE_MESSAGE(hash.size() == 64, out);
            CHECK(wait_until(std::chrono::seconds(30), [&] {
                int code = -2;
                const std::string q = cli.run(rpc, {"query", "tx", hash}, &code);
                return code == 0 && line_value(q, "code:") == "0";
            }));
        }
    }

    {
        INFO("add-future prints the future ID; --no-follow the hash only");
        int code = -2;
        const std::string out = cli.run(
            rpc, {"tx", "async", "add-future", "--handler", "echo", "--input", "hi", "--from",
                  "alice"},
            &code);
        CHECK_MESSAGE(code == 0, out);
        const std::string id = line_value(out, "future_id:");
        REQUIRE_MESSAGE(!id.empty(), out);
        CHECK(std::regex_match(id, std::regex("[0-9]+")));
        CHECK(line_value(out, "txhash:").size() == 64);
        int qc = -2;
        const std::string q = cli.run(rpc, {"query", "async", "future", id}, &qc);
        CHECK_MESSAGE(qc == 0, q);
        CHECK_MESSAGE(q.find("echo") != std::string::npos, q);
        // The same hash, as REST's JSON carries it (proto3 JSON: bytes in base64), is taken by
        // `seer query tx` as well as the hex the CLI prints.
        const std::string txhash = line_value(out, "txhash:");
        CHECK(line_value(q, "txhash:") == txhash);
        auto rest = http_get(net.api(0), "/seer/async/v1/futures/" + id);
        REQUIRE(rest);
        const std::string b64(
            json::parse(*rest).at("future").at("tx_hash").as_string());
        const std::string by_b64 = cli.run(rpc, {"query", "tx", b64}, &qc);
        CHECK_MESSAGE(qc == 0, by_b64);
        CHECK_MESSAGE(by_b64.find(txhash) != std::string::npos, by_b64);

        const std::string quick = cli.run(
            rpc, {"tx", "async", "add-future", "--handler", "echo", "--input", "hi", "--from",
                  "bob", "--no-follow"},
            &code);
        CHECK_MESSAGE(code == 0, quick);
        CHECK(line_value(quick, "txhash:").size() == 64);
        CHECK_MESSAGE(quick.find("future_id:") == std::string::npos, quick);

        const std::string as_json = cli.run(
            rpc, {"tx", "async", "add-future", "--handler", "echo", "--input", "hi", "--from",
                  "carol", "-o", "json"},
            &code);
        CHECK_MESSAGE(code == 0, as_json);
        auto v = json::parse(as_json);
        CHECK(!std::string(v.at("future_id").as_string()).empty());
        CHECK(v.at("txhash").as_string().size() == 64);
    }

    {
        INFO("--wait shows inclusion, the result, the votes with their power, the verdict");
        int code = -2;
        const std::string out = cli.run(
            rpc, {"tx", "async", "add-future", "--handler", "math", "--input", "(2+3)*7", "--from",
                  "alice", "--wait"},
            &code);
        CHECK_MESSAGE(code == 0, out);
        const auto included = out.find("included at height");
        const auto result = out.find("result on chain at height");
        const auto votes = out.find("% of the power verified");
        const auto verdict = out.find("verdict: VERIFIED at height");
        CHECK_MESSAGE(included != std::string::npos, out);
        CHECK_MESSAGE(result != std::string::npos, out);
        CHECK_MESSAGE(votes != std::string::npos, out);
        CHECK_MESSAGE(verdict != std::string::npos, out);
        CHECK(included < result);
        CHECK(result < verdict);
        CHECK(votes < verdict);
        // 4 equal validators: any share the line shows is a multiple of 25 %, above 66.7 %.
        CHECK_MESSAGE(std::regex_search(out, std::regex("(75\\.0|100\\.0)% of the power verified")),
                      out);
    }

    {
        INFO("futures by handler: the CLI's --handler and REST's ?handler= filter in the query");
        int code = -2;
        const std::string math = cli.run(rpc, {"query", "async", "futures", "--handler", "math"},
                                         &code);
        CHECK_MESSAGE(code == 0, math);
        CHECK_MESSAGE(math.find("math") != std::string::npos, math);
        CHECK_MESSAGE(math.find("echo") == std::string::npos, math);  // echo futures exist too
        auto rest = http_get(net.api(0), "/seer/async/v1/futures?handler=echo");
        REQUIRE(rest);
        const auto futures = json::parse(*rest).at("futures").as_array();
        CHECK(futures.size() >= 3);  // the three echo futures above
        for (const auto& f : futures) CHECK(f.at("handler").as_string() == "echo");
    }
    {
        INFO("offline signing: --generate-only, then sign without any node, then broadcast");
        const std::string unsigned_path = net.dir + "/unsigned.json";
        const std::string signed_path = net.dir + "/signed.json";
        int code = -2;
        const std::string gen = cli.run(rpc, {"tx", "bank", "send", "dave", "carol", "9useer",
                                              "--generate-only", "--gas", "100000"},
                                        &code);
        REQUIRE_MESSAGE(code == 0, gen);
        std::ofstream(unsigned_path) << gen;
        auto unsigned_tx = json::parse(gen);
        CHECK(unsigned_tx.at("signatures").as_array().empty());
        CHECK(unsigned_tx.at("body").at("messages").at(0).at("@type").as_string() ==
              "/cosmos.bank.v1beta1.MsgSend");
        // The account's number and sequence from REST; the signer then needs no node at all
        // (--node points at a closed port).
        const std::string dave = cli.address(rpc, "dave");
        auto acc = http_get(net.api(0), "/cosmos/auth/v1beta1/accounts/" + dave);
        REQUIRE(acc);
        const json::value acc_json = json::parse(*acc);
        const auto& a = acc_json.at("account");
        const std::string chain_id(
            rpc_get(rpc, "/status")->at("node_info").at("network").as_string());
        const std::string signed_out = cli.run(
            1, {"tx", "sign", unsigned_path, "--from", "dave", "--chain-id", chain_id,
                "--account-number", std::string(a.at("account_number").as_string()),
                "--sequence", std::string(a.at("sequence").as_string()), "--output-document",
                signed_path},
            &code);
        REQUIRE_MESSAGE(code == 0, signed_out);
        CHECK(json::parse(read_file(signed_path)).at("signatures").as_array().size() == 1);
        const std::string sent = cli.run(rpc, {"tx", "broadcast", signed_path}, &code);
        REQUIRE_MESSAGE(code == 0, sent);
        const std::string hash = line_value(sent, "txhash:");
        CHECK(wait_until(std::chrono::seconds(30), [&] {
            int qc = -2;
            const std::string q = cli.run(rpc, {"query", "tx", hash}, &qc);
            return qc == 0 && line_value(q, "code:") == "0";
        }));
        // An unsigned file is refused by broadcast with the step that is missing.
        const std::string refused = cli.run(rpc, {"tx", "broadcast", unsigned_path}, &code);
        CHECK(code == 1);
        CHECK_MESSAGE(refused.find("run `seer tx sign` first") != std::string::npos, refused);
    }
    {
        INFO("--wait notices a killed node at once");
        // Followed through node 3, which dies after the tx is in a block: the verdict needs two
        // more blocks, so the CLI is still waiting when the node goes.
        const std::string log = net.dir + "/cli-dead-node.log";
        Process p;
        p.start({SEER_BINARY, "--home", net.dir + "/cli", "--node",
                 "http://127.0.0.1:" + std::to_string(net.rpc(3)), "tx", "async", "add-future",
                 "--handler", "hashchain", "--input", R"({"data":"x","iterations":1000000})",
                 "--from", "bob", "--wait", "--timeout", "300"},
                log);
        REQUIRE(wait_until(std::chrono::seconds(60), [&] {
            return read_file(log).find("included at height") != std::string::npos;
        }));
        net.nodes[3].kill9();
        const auto killed = Clock::now();
        const int code = p.wait_exit(std::chrono::seconds(120));
        const std::string out = read_file(log);
        CHECK_MESSAGE(code == 1, out);
        CHECK_MESSAGE(out.find("lost the node") != std::string::npos, out);
        // Long before its --timeout of 300 s (it used to wait all of it in silence).
        CHECK(Clock::now() - killed < std::chrono::seconds(60));
    }

    {
        INFO("an input too large for any tx is refused by name, before it is sent");
        const std::string big = net.dir + "/big.bin";
        std::ofstream(big) << std::string(1100 * 1000, 'x');
        int code = -2;
        const std::string out = cli.run(
            rpc, {"tx", "async", "add-future", "--handler", "echo", "--input-file", big, "--from",
                  "alice", "--gas", "2000000"},
            &code);
        CHECK(code == 1);
        CHECK_MESSAGE(out.find("k_max_tx_bytes") != std::string::npos, out);
        CHECK_MESSAGE(out.find("invalid JSON") == std::string::npos, out);
    }

    {
        INFO("handlers come with descriptions and input examples");
        int code = -2;
        const std::string out = cli.run(rpc, {"query", "async", "handlers"}, &code);
        CHECK_MESSAGE(code == 0, out);
        for (const char* h : {"echo", "math", "hashchain", "http"})
            CHECK_MESSAGE(out.find(h) != std::string::npos, out);
        CHECK_MESSAGE(out.find("iterations") != std::string::npos, out);  // hashchain's example
        CHECK_MESSAGE(out.find("(no description)") == std::string::npos, out);
    }

    {
        INFO("-o json on keys list, keys show and version");
        int code = -2;
        auto list = json::parse(cli.run(rpc, {"keys", "list", "-o", "json"}, &code));
        CHECK(code == 0);
        REQUIRE(list.is_array());
        CHECK(list.as_array().size() >= 2);
        auto show = json::parse(cli.run(rpc, {"keys", "show", "alice", "-o", "json"}, &code));
        CHECK(code == 0);
        CHECK(std::string(show.at("address").as_string()).rfind("seer1", 0) == 0);
        auto version = json::parse(cli.run(rpc, {"version", "-o", "json"}, &code));
        CHECK(code == 0);
        CHECK(!std::string(version.at("version").as_string()).empty());
    }

    {
        INFO("localnet --reset refuses under a running node or another localnet");
        // node 0 of this network runs: --reset must not delete its directory.
        int code = -2;
        const std::string out =
            cli.run(rpc, {"localnet", "--home", net.dir + "/net", "--reset", "--validators", "4"},
                    &code, std::chrono::seconds(30));
        CHECK(code == 1);
        CHECK_MESSAGE(out.find("is running (pid ") != std::string::npos, out);
        CHECK(fs::exists(net.home(0) + "/config/genesis.json"));
        CHECK(net.height(0) > 0);
        // Another localnet holds the network's lock (this test, with its PID in the file).
        const std::string lock = net.dir + "/other.lock";
        const int fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        REQUIRE(fd >= 0);
        REQUIRE(::flock(fd, LOCK_EX | LOCK_NB) == 0);
        const std::string pid = std::to_string(::getpid()) + "\n";
        REQUIRE(::write(fd, pid.data(), pid.size()) == static_cast<ssize_t>(pid.size()));
        fs::create_directories(net.dir + "/other");
        const std::string second =
            cli.run(rpc, {"localnet", "--home", net.dir + "/other", "--reset"}, &code,
                    std::chrono::seconds(30));
        ::close(fd);
        CHECK(code == 1);
        CHECK_MESSAGE(second.find("already running on " + net.dir + "/other (pid " +
                                  std::to_string(::getpid()) + ")") != std::string::npos,
                      second);
        CHECK(fs::exists(net.dir + "/other"));
    }
}

}  // namespace seer::e2e
