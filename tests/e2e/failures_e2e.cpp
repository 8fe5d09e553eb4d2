// Loud, safe failures on a real process (issue 11): each expected failure ends in one clear
// line and exit code 1 (never SIGABRT), and nothing starts signing blind.
//   - a second `seer start` on a running home: "already running (pid N)";
//   - `log_level = "verbose"`: a config error, not silently no logging;
//   - a missing data/priv_validator_state.json: refused unless --unsafe-reset-sign-state;
//   - data/ that is a file: "is not a directory";
//   - a validator key file readable by others: refused, with the chmod that fixes it;
//   - genesis.json changed over an existing database: refused, naming both hashes;
//   - a JSON-RPC id JSON cannot carry back (1e99999 is infinity): -32600, not "Infinity";
//   - a tx near the app's 1 MiB limit fits the JSON-RPC body limit (it was 1,000,000 bytes).
//   - a CLI usage error (a missing flag, `--timeout -5`) is one `Error:` line and exit code 1,
//     not CLI11's two lines and exit codes 105/106; --help still exits 0; `seer start` on a
//     home that was never initialized names the `seer init` that makes one (issue 12);
//   - `seer start --rpc.laddr/--api.address` move the listeners for one run, a bad
//     `--log_level` is named as the flag, and the start log prints where the node listens.

#include <doctest/doctest.h>

#include <filesystem>
#include <regex>

#include "process.hpp"

namespace seer::e2e {
namespace {

namespace fs = std::filesystem;

}  // namespace

TEST_CASE("e2e: expected failures exit 1 with one clear line") {
    OneValidatorNet net("seer-failures");
    REQUIRE(net.ok());
    const std::string& dir = net.dir;
    const std::string& home = net.home;
    const std::uint16_t rpc = net.rpc;
    auto height = [&] { return rpc_height(rpc); };
    // Runs `seer start` with extra arguments and expects it to fail: its exit code and output.
    auto start_failing = [&](const std::string& name, std::vector<std::string> extra = {}) {
        std::vector<std::string> argv{SEER_BINARY, "start", "--home", home};
        argv.insert(argv.end(), extra.begin(), extra.end());
        Process p;
        const std::string log = dir + "/" + name + ".log";
        p.start(argv, log);
        const int code = p.wait_exit(std::chrono::seconds(30));
        return std::make_pair(code, read_file(log));
    };

    {
        INFO("CLI usage errors");
        auto run = [&](const std::string& name, std::vector<std::string> argv) {
            argv.insert(argv.begin(), SEER_BINARY);
            Process p;
            const std::string log = dir + "/" + name + ".log";
            p.start(argv, log);
            const int code = p.wait_exit(std::chrono::seconds(30));  // before the log is read
            return std::make_pair(code, read_file(log));
        };
        auto one_error_line = [](const std::string& out) {
            return out.rfind("Error: ", 0) == 0 && out.find('\n') == out.size() - 1;
        };
        auto [c1, missing] = run("usage-missing", {"tx", "async", "add-future", "--home", home,
                                                   "--from", "validator"});
        CHECK(c1 == 1);
        CHECK_MESSAGE(one_error_line(missing), missing);
        CHECK_MESSAGE(missing.find("--handler is required") != std::string::npos, missing);
        auto [c2, negative] = run("usage-timeout", {"tx", "async", "add-future", "--home", home,
                                                    "--handler", "echo", "--from", "validator",
                                                    "--input", "x", "--timeout", "-5"});
        CHECK(c2 == 1);
        CHECK_MESSAGE(one_error_line(negative), negative);
        CHECK_MESSAGE(negative.find("--timeout: must be a positive number of seconds") !=
                          std::string::npos,
                      negative);
        auto [c4, nohome] = run("no-home", {"start", "--home", dir + "/never-initialized"});
        CHECK(c4 == 1);
        CHECK_MESSAGE(one_error_line(nohome), nohome);
        CHECK_MESSAGE(nohome.find("seer init --home " + dir + "/never-initialized") !=
                          std::string::npos,
                      nohome);
        auto [c3, help] = run("usage-help", {"tx", "async", "add-future", "--help"});
        CHECK(c3 == 0);
        CHECK(help.find("--timeout") != std::string::npos);
    }

    Process node;
    node.start({SEER_BINARY, "start", "--home", home}, home + "/seer.log");
    REQUIRE(wait_until(std::chrono::seconds(60), [&] { return height() >= 2; }));

    {
        INFO("a second node on a running home");
        auto [code, out] = start_failing("second");
        CHECK(code == 1);
        CHECK_MESSAGE(out.find("already running") != std::string::npos, out);
        CHECK_MESSAGE(out.find("pid " + std::to_string(node.pid())) != std::string::npos, out);
        CHECK(height() >= 2);  // the first one goes on
    }
    {
        INFO("a request id of 1e99999 (infinity)");
        auto body = http_post(rpc, R"({"jsonrpc":"2.0","id":1e99999,"method":"status"})");
        REQUIRE(body);
        CHECK_MESSAGE(body->find("-32600") != std::string::npos, *body);
        CHECK(body->find("Infinity") == std::string::npos);
        boost::system::error_code ec;
        (void)boost::json::parse(*body, ec);
        CHECK_MESSAGE(!ec, "the answer is valid JSON: " << *body);
        // A large but finite number is an id like any other.
        auto ok = http_post(rpc, R"({"jsonrpc":"2.0","id":1e300,"method":"health"})");
        REQUIRE(ok);
        CHECK(ok->find("\"result\"") != std::string::npos);
    }
    {
        INFO("a tx near the app's 1 MiB limit over JSON-RPC (its base64 is ~1.33 MB)");
        std::string tx_b64;
        const std::string chunk = "CgAKAAoACgAKAAoACgAKAAoACgAKAAoA";  // 24 bytes of 0a00..
        while (tx_b64.size() < 1'300'000) tx_b64 += chunk;
        const std::string request =
            R"({"jsonrpc":"2.0","id":7,"method":"broadcast_tx_sync","params":{"tx":")" + tx_b64 +
            R"("}})";
        REQUIRE(request.size() > 1'000'000);  // over the old 1,000,000-byte body limit
        auto body = http_post(rpc, request);
        REQUIRE(body);
        // It reaches check_tx (and is refused there as no TxRaw), not the body limit (413).
        CHECK_MESSAGE(body->find("\"result\"") != std::string::npos, body->substr(0, 300));
        CHECK_MESSAGE(body->find("\"code\":2") != std::string::npos, body->substr(0, 300));
    }
    node.stop();

    {
        INFO("seer start's CometBFT-style flags replace config.toml's keys for one run");
        auto [code, out] = start_failing("flag-bad-level", {"--log_level", "loud"});
        CHECK(code == 1);
        CHECK_MESSAGE(out.rfind("Error: --log_level: unknown level \"loud\"", 0) == 0, out);
        const std::uint16_t moved = free_port_range(2);
        REQUIRE(moved != 0);
        Process flagged;
        const std::string log = dir + "/flagged.log";
        flagged.start({SEER_BINARY, "start", "--home", home, "--rpc.laddr",
                       "tcp://127.0.0.1:" + std::to_string(moved), "--api.address",
                       "tcp://127.0.0.1:" + std::to_string(moved + 1)},
                      log);
        CHECK(wait_until(std::chrono::seconds(60), [&] { return rpc_height(moved) >= 1; }));
        flagged.stop();
        const std::string text = read_file(log);
        // The start log names where the node listens.
        CHECK_MESSAGE(text.find("listening rpc=http://127.0.0.1:" + std::to_string(moved) +
                                " rest=http://127.0.0.1:" + std::to_string(moved + 1)) !=
                          std::string::npos,
                      text);
    }
    {
        INFO("log_level = \"verbose\"");
        const std::string config = home + "/config/config.toml";
        const std::string saved = read_file(config);
        set_toml(config, "log_level", "log_level = \"verbose\"");
        REQUIRE(read_file(config).find("log_level = \"verbose\"") != std::string::npos);
        auto [code, out] = start_failing("log_level");
        CHECK(code == 1);
        CHECK_MESSAGE(out.find("log_level: unknown level \"verbose\"") != std::string::npos, out);
        std::ofstream(config, std::ios::trunc) << saved;
    }
    {
        INFO("data/ is a file");
        const std::string data = home + "/data";
        fs::rename(data, home + "/data.real");
        std::ofstream(data) << "not a directory\n";
        auto [code, out] = start_failing("data_file");
        CHECK(code == 1);
        CHECK_MESSAGE(out.find("is not a directory") != std::string::npos, out);
        fs::remove(data);
        fs::rename(home + "/data.real", data);
    }
    {
        INFO("a validator key readable by others");
        const std::string key = home + "/config/priv_validator_key.json";
        fs::permissions(key, fs::perms::others_read, fs::perm_options::add);
        auto [code, out] = start_failing("key_mode");
        CHECK(code == 1);
        CHECK_MESSAGE(out.find("permissions 0604 are too open") != std::string::npos, out);
        fs::permissions(key, fs::perms::owner_read | fs::perms::owner_write);
    }
    {
        INFO("a missing sign state");
        const std::string state = home + "/data/priv_validator_state.json";
        REQUIRE(fs::exists(state));
        fs::remove(state);
        auto [code, out] = start_failing("no_sign_state");
        CHECK(code == 1);
        CHECK_MESSAGE(out.find("priv_validator_state.json is missing") != std::string::npos, out);
        CHECK_FALSE(fs::exists(state));  // not re-created behind the operator's back

        // With the explicit flag it starts, re-creates the state at the stored height (never
        // 0), and commits on.
        node.start({SEER_BINARY, "start", "--home", home, "--unsafe-reset-sign-state"},
                   home + "/seer.log");
        REQUIRE(wait_until(std::chrono::seconds(60), [&] { return height() >= 1; }));
        const std::int64_t resumed = height();
        CHECK(resumed >= 2);
        CHECK(wait_until(std::chrono::seconds(60), [&] { return height() >= resumed + 2; }));
        node.stop();
        REQUIRE(fs::exists(state));
        const std::string text = read_file(state);
        std::smatch m;
        REQUIRE(std::regex_search(text, m, std::regex("\"height\": \"([0-9]+)\"")));
        CHECK(std::stoll(m[1].str()) >= resumed);
    }
    {
        INFO("genesis.json edited over an existing database");
        const std::string genesis = home + "/config/genesis.json";
        const std::string saved = read_file(genesis);
        std::string edited = saved;
        const std::string field = "\"chain_id\":\"";
        const auto at = edited.find(field);
        REQUIRE(at != std::string::npos);
        edited.insert(at + field.size(), "edited-");
        std::ofstream(genesis, std::ios::trunc) << edited;
        auto [code, out] = start_failing("genesis_edited");
        CHECK(code == 1);
        CHECK_MESSAGE(out.find("is not the genesis this data directory was started with") !=
                          std::string::npos,
                      out);
        std::ofstream(genesis, std::ios::trunc) << saved;
        // Restored, the node starts on its chain again.
        node.start({SEER_BINARY, "start", "--home", home}, home + "/seer.log");
        CHECK(wait_until(std::chrono::seconds(60), [&] { return height() >= 2; }));
        node.stop();
    }
    const std::string log = read_file(home + "/seer.log");
    CHECK(log.find("invariant failed") == std::string::npos);
}

}  // namespace seer::e2e
