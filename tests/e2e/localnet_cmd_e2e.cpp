// `seer localnet` itself, as a new user runs it (issue 12): the supervisor of real `seer start`
// processes, on free ports (--starting-port), with the user's home given by --home.
//   - it prints the dashboard and commands that work as typed (the binary's full path), and
//     copies the funded keys into the user's keyring;
//   - every built-in handler works out of the box: http against node0's REST origin, exec:wc;
//   - a second localnet on the same network refuses with the supervisor's PID;
//   - a node killed and restarted by hand is shown as down, then followed again, and is left
//     running (and named) when the supervisor stops;
//   - --reset makes new keys, and the user's copies of the old ones are replaced by them.

#include <doctest/doctest.h>

#include <signal.h>

#include <filesystem>
#include <fstream>

#include "process.hpp"

namespace seer::e2e {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

/// The last "heights:" line the supervisor printed.
std::string last_heights(const std::string& out) {
    const auto at = out.rfind("heights:");
    if (at == std::string::npos) return "";
    return out.substr(at, out.find('\n', at) - at);
}

}  // namespace

TEST_CASE("e2e: seer localnet runs a network a user can use as printed") {
    TempDir tmp("seer-localnet-cmd");
    const std::string net = tmp.path() + "/net";
    const std::string user = tmp.path() + "/user";
    const std::uint16_t base = free_port_range(30);
    REQUIRE(base != 0);
    const std::uint16_t api = static_cast<std::uint16_t>(base + 27);  // node0 only needs one
    const std::string out_path = tmp.path() + "/localnet.out";
    auto start_localnet = [&](std::vector<std::string> extra, const std::string& log) {
        std::vector<std::string> argv{SEER_BINARY, "--home",  user,  "localnet",  "--home",
                                      net,         "--validators", "2"};
        argv.insert(argv.end(), extra.begin(), extra.end());
        auto p = std::make_unique<Process>();
        p->start(argv, log);
        return p;
    };
    auto cli = [&](std::vector<std::string> args, int* code = nullptr) {
        std::vector<std::string> argv{SEER_BINARY, "--home", user, "--node",
                                      "http://127.0.0.1:" + std::to_string(base + 1)};
        argv.insert(argv.end(), args.begin(), args.end());
        Process p;
        static int runs = 0;
        const std::string log = tmp.path() + "/cli-" + std::to_string(runs++) + ".log";
        p.start(argv, log);
        const int c = p.wait_exit(std::chrono::seconds(120));
        if (code) *code = c;
        return read_file(log);
    };
    auto committed = [&](const std::string& log) {
        return wait_until(std::chrono::seconds(90), [&] {
            const std::string h = last_heights(read_file(log));
            return h.find("node0=") != std::string::npos && h.find("(") == std::string::npos &&
                   h.find("node0=0 ") == std::string::npos && h.find("node1=0") == std::string::npos;
        });
    };

    auto supervisor = start_localnet({"--starting-port", std::to_string(base),
                                      "--api-starting-port", std::to_string(api)},
                                     out_path);
    REQUIRE_MESSAGE(committed(out_path), read_file(out_path));
    const std::string printed = read_file(out_path);
    CHECK_MESSAGE(printed.find("Dashboard: http://127.0.0.1:" + std::to_string(api) + "/") !=
                      std::string::npos,
                  printed);
    // The commands are printed with the binary's full path, so they work as typed.
    CHECK_MESSAGE(printed.find(std::string("  ") + SEER_BINARY +
                               " tx async add-future --handler math") != std::string::npos,
                  printed);
    CHECK_MESSAGE(printed.find("copied to " + user + "/keyring-test") != std::string::npos,
                  printed);
    CHECK(fs::exists(user + "/keyring-test/alice.json"));

    {
        INFO("every built-in handler works out of the box");
        int code = -2;
        const std::string math = cli({"tx", "async", "add-future", "--handler", "math", "--input",
                                      "2+4", "--from", "alice", "--wait"},
                                     &code);
        CHECK_MESSAGE(code == 0, math);
        const std::string http = cli(
            {"tx", "async", "add-future", "--handler", "http", "--input",
             "http://127.0.0.1:" + std::to_string(api) + "/cosmos/base/tendermint/v1beta1/blocks/1",
             "--from", "bob", "--wait"},
            &code);
        CHECK_MESSAGE(code == 0, http);
        CHECK_MESSAGE(http.find("verdict: VERIFIED") != std::string::npos, http);
        const std::string words = tmp.path() + "/words.txt";
        std::ofstream(words) << "one two three\n";
        const std::string wc = cli({"tx", "async", "add-future", "--handler", "exec:wc",
                                    "--input-file", words, "--from", "carol", "--wait"},
                                   &code);
        CHECK_MESSAGE(code == 0, wc);
        CHECK_MESSAGE(wc.find("output:    3") != std::string::npos, wc);
    }
    {
        INFO("a second localnet on the same network refuses with the supervisor's PID");
        Process second;
        const std::string log = tmp.path() + "/second.out";
        second.start({SEER_BINARY, "--home", user, "localnet", "--home", net}, log);
        CHECK(second.wait_exit(std::chrono::seconds(30)) == 1);
        CHECK_MESSAGE(read_file(log).find("already running on " + net + " (pid " +
                                          std::to_string(supervisor->pid()) + ")") !=
                          std::string::npos,
                      read_file(log));
    }
    Process by_hand;
    {
        INFO("a node killed, then restarted by hand, is followed again");
        const long pid = std::stol(read_file(net + "/node1/data/node.lock"));
        REQUIRE(pid > 0);
        ::kill(static_cast<pid_t>(pid), SIGKILL);
        CHECK(wait_until(std::chrono::seconds(30), [&] {
            return last_heights(read_file(out_path)).find("node1=") != std::string::npos &&
                   last_heights(read_file(out_path)).find("(down)") != std::string::npos;
        }));
        by_hand.start({SEER_BINARY, "start", "--home", net + "/node1"}, tmp.path() + "/node1.out");
        CHECK(wait_until(std::chrono::seconds(60), [&] {
            const std::string h = last_heights(read_file(out_path));
            return h.find("(") == std::string::npos && h.find("node1=") != std::string::npos;
        }));
    }
    {
        INFO("stopping the supervisor leaves the node it did not start, and names it");
        ::kill(supervisor->pid(), SIGINT);
        CHECK(supervisor->wait_exit(std::chrono::seconds(60)) >= 0);
        CHECK_MESSAGE(read_file(out_path).find("node1 (pid " + std::to_string(by_hand.pid()) +
                                               ") was not started by this localnet") !=
                          std::string::npos,
                      read_file(out_path));
        CHECK(by_hand.running());
        by_hand.stop();
    }
    {
        INFO("--reset: new keys, and the user's copies of the old ones replaced");
        int code = -2;
        const std::string before = cli({"keys", "show", "alice", "-a"}, &code);
        const std::string reset_out = tmp.path() + "/reset.out";
        auto again = start_localnet({"--reset", "--starting-port", std::to_string(base),
                                     "--api-starting-port", std::to_string(api)},
                                    reset_out);
        REQUIRE_MESSAGE(committed(reset_out), read_file(reset_out));
        const std::string after = cli({"keys", "show", "alice", "-a"}, &code);
        CHECK(code == 0);
        CHECK(after != before);
        CHECK_MESSAGE(read_file(reset_out).find("is another key") == std::string::npos,
                      read_file(reset_out));
        // The replaced key is the new network's own: it is funded there.
        const std::string sent = cli({"tx", "bank", "send", "alice", "bob", "1useer", "--wait"},
                                     &code);
        CHECK_MESSAGE(code == 0, sent);
        ::kill(again->pid(), SIGINT);
        CHECK(again->wait_exit(std::chrono::seconds(60)) >= 0);
    }
}

}  // namespace seer::e2e
