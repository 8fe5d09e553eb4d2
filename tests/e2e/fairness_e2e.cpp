// End-to-end (issue 11, part 1): one account's slow futures delay only that account, and an
// exec program cannot outlive its run, on a 4-validator network of real `seer` processes.
//  - alice submits 30 `exec:hang` futures that hang (each holds a run for its 10 s timeout, and
//    leaves an escaped `setsid` child behind) on 2-worker prophets;
//  - then bob submits 10 math futures and carol a mixed batch: echo, http (to node 0's own
//    REST, on every node's allowlist) and `exec:escape`, whose program exits at once but leaves
//    a `setsid sleep` holding its stdout (the 40 s hold, and the nodes disagreed);
//  - every one of bob's and carol's futures ends VERIFIED;
//  - every process the programs started is gone once alice's futures are final, and the runs
//    of a node killed with SIGKILL die with it.
// Every loop is bounded, every process is stopped by PID, ports are picked free.

#include <doctest/doctest.h>

#include <signal.h>

#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "network.hpp"
#include "process.hpp"

namespace seer::e2e {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

constexpr int k_nodes = 4;
using Network = e2e::Network<k_nodes>;

std::string s(const json::value& v) {
    if (v.is_string()) return std::string(v.as_string());
    return json::serialize(v);
}

// Lines "<pid> <node pid> <what>" that the test's programs append to one file.
struct Spawned {
    long pid = 0;
    long node = 0;
    std::string what;
};

std::vector<Spawned> spawned(const std::string& path) {
    std::vector<Spawned> out;
    std::istringstream in(read_file(path));
    Spawned p;
    while (in >> p.pid >> p.node >> p.what)
        out.push_back(p);
    return out;
}

bool alive(long pid) { return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH; }

std::string write_script(const std::string& path, const std::string& body) {
    std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
    fs::permissions(path, fs::perms::owner_all | fs::perms::group_read | fs::perms::others_read);
    return path;
}

TEST_CASE("e2e: slow futures of one account delay only that account; exec runs leave nothing") {
    Network net;
    std::string templ = (fs::temp_directory_path() / "seer-fair-XXXXXX").string();
    REQUIRE(mkdtemp(templ.data()) != nullptr);
    net.dir = templ;
    net.base = free_port_range(10 * k_nodes + 5);
    REQUIRE(net.base != 0);
    net.api_base = static_cast<std::uint16_t>(net.base + 10 * k_nodes + 1);
    const std::string log = net.dir + "/spawned.txt";
    // The node's pid: the program's parent is its run's supervisor, a child of the node.
    const std::string node_pid = "node=$(cut -d' ' -f4 /proc/$PPID/stat)\n";
    const std::string escapee = "setsid sh -c 'echo $$ '$node' escapee >> " + log +
                                "; exec sleep 300' &\n";
    const std::string hang =
        write_script(net.dir + "/hang.sh", node_pid + "echo $$ $node main >> " + log + "\n" +
                                               escapee + "sleep 300");
    const std::string escape = write_script(
        net.dir + "/escape.sh",
        node_pid + "setsid sh -c 'echo $$ '$node' escape-child >> " + log +
            "; exec sleep 300' &\nwhile ! grep -q \"$node escape-child\" " + log +
            "; do sleep 0.01; done\necho escaped");
    const std::string origin = "http://127.0.0.1:" + std::to_string(net.api(0));
    {
        Process gen;
        gen.start({SEER_BINARY, "testnet", "--validators", std::to_string(k_nodes), "--output",
                   net.dir + "/net", "--starting-port", std::to_string(net.base),
                   "--api-starting-port", std::to_string(net.api_base), "--exec",
                   "hang=" + hang, "--exec", "escape=" + escape, "--http-allowlist", origin},
                  net.dir + "/testnet.log");
        REQUIRE(gen.wait_exit(std::chrono::seconds(30)) == 0);
    }
    // Alice's futures stay pending long enough for the checks below (100 blocks).
    {
        auto g = json::parse(read_file(net.home(0) + "/config/genesis.json")).as_object();
        auto& params =
            g.at("app_state").as_object().at("async").as_object().at("params").as_object();
        params["timeout_blocks"] = "100";
        const std::string text = json::serialize(g);
        for (int i = 0; i < k_nodes; ++i)
            std::ofstream(net.home(i) + "/config/genesis.json") << text;
    }
    // The prophets: 2 workers.
    for (int i = 0; i < k_nodes; ++i) {
        const std::string path = net.home(i) + "/config/config.toml";
        std::string cfg = read_file(path);
        const auto pos = cfg.find("\nworkers = 0");
        REQUIRE(pos != std::string::npos);
        cfg.replace(pos, 12, "\nworkers = 2");
        std::ofstream(path) << cfg;
    }
    for (int i = 0; i < k_nodes; ++i)
        net.start(i);
    REQUIRE(wait_until(std::chrono::seconds(90), [&] { return net.height(0) >= 3; }));
    const std::string chain_id = s(rpc_get(net.rpc(0), "/status")->at("node_info").at("network"));

    Cli cli(net.dir);
    // Submits without waiting; the future's ID from the tx's events once it is committed.
    auto submit = [&](const std::string& user, int sequence, const std::string& handler,
                      const std::string& input) {
        int code = 0;
        const std::string out =
            cli.run(net.rpc(1), {"tx", "async", "add-future", "--handler", handler, "--input",
                                 input, "--from", user, "--sequence", std::to_string(sequence),
                                 "--chain-id", chain_id, "--no-follow", "--output", "json"},
                    &code, std::chrono::seconds(60));
        REQUIRE_MESSAGE(code == 0, out);
        const auto b = out.find('{');
        REQUIRE_MESSAGE(b != std::string::npos, out);
        return s(json::parse(out.substr(b)).at("txhash"));
    };
    auto future_id = [&](const std::string& hash) -> std::string {
        auto t = rpc_get(net.rpc(0), "/tx?hash=0x" + hash);
        if (!t || !t->as_object().contains("tx_result")) return "";
        for (const auto& e : t->at("tx_result").at("events").as_array())
            for (const auto& a : e.at("attributes").as_array())
                if (s(a.at("key")) == "future_id") return s(a.at("value"));
        return "";
    };
    auto status = [&](const std::string& id) -> json::object {
        auto body = http_get(net.api(0), "/seer/async/v1/futures/" + id);
        if (!body) return {};
        return json::parse(*body).at("future").as_object();
    };

    std::vector<std::string> alice;
    for (int n = 0; n < 30; ++n)
        alice.push_back(submit("alice", n, "exec:hang", "hang-" + std::to_string(n)));
    // The hanging runs hold their runs on every node before the others submit.
    REQUIRE(wait_until(std::chrono::seconds(60), [&] {
        std::set<long> nodes;
        for (const auto& p : spawned(log))
            if (p.what == "main") nodes.insert(p.node);
        return nodes.size() == k_nodes;
    }));
    struct Want {
        std::string hash;
        std::string handler;
        std::string output;  // base64 of the expected output
    };
    std::vector<Want> others;
    for (int n = 0; n < 10; ++n)
        others.push_back({submit("bob", n, "math", std::to_string(n) + "*7"), "math",
                          ""});
    int seq = 0;
    for (int n = 0; n < 5; ++n)
        others.push_back({submit("carol", seq++, "echo", "carol-" + std::to_string(n)), "echo",
                          ""});
    for (int n = 0; n < 3; ++n)
        others.push_back({submit("carol", seq++, "http",
                                 "{\"url\":\"" + origin +
                                     "/seer/async/v1/params\",\"pointer\":\"/params/timeout_blocks\"}"),
                          "http", ""});
    others.push_back({submit("carol", seq++, "exec:escape", "x"), "exec:escape", ""});

    // Every one of them ends VERIFIED, while alice's runs still hang.
    std::map<std::string, json::object> final_of;
    const bool done = wait_until(std::chrono::seconds(120), [&] {
        for (const auto& w : others) {
            if (final_of.count(w.hash)) continue;
            const std::string id = future_id(w.hash);
            if (id.empty()) return false;
            auto f = status(id);
            if (f.empty()) return false;
            const std::string st = s(f.at("status"));
            if (st == "FUTURE_STATUS_PENDING" || st == "FUTURE_STATUS_EXECUTED") return false;
            final_of[w.hash] = f;
        }
        return true;
    });
    CHECK(done);
    int verified = 0;
    for (const auto& w : others) {
        INFO(w.handler << " tx " << w.hash);
        REQUIRE(final_of.count(w.hash));
        const auto& f = final_of[w.hash];
        CHECK(s(f.at("status")) == "FUTURE_STATUS_VERIFIED");
        verified += s(f.at("status")) == "FUTURE_STATUS_VERIFIED";
        if (w.handler == "http") CHECK(s(f.at("result").at("output")) == "MTAw");  // "100"
        if (w.handler == "exec:escape")
            CHECK(s(f.at("result").at("output")) == "ZXNjYXBlZAo=");  // "escaped\n"
    }
    MESSAGE(verified << " of " << others.size()
                     << " futures of bob and carol VERIFIED behind alice's 30 hanging ones");
    // exec:escape finished although its child held stdout, and the child was killed then.
    for (const auto& p : spawned(log)) {
        if (p.what != "escape-child") continue;
        INFO("escape-child " << p.pid << " of node " << p.node);
        CHECK(wait_until(std::chrono::seconds(5), [&] { return !alive(p.pid); }));
    }
    // Kill node 3 while its runs of alice's futures hang: they die with it.
    const long node3 = net.nodes[3].pid();
    std::vector<long> of_node3;
    for (const auto& p : spawned(log))
        if (p.node == node3 && p.what != "escape-child" && alive(p.pid)) of_node3.push_back(p.pid);
    CHECK_FALSE(of_node3.empty());  // alice's runs hang there now
    ::kill(static_cast<pid_t>(node3), SIGKILL);
    CHECK(wait_until(std::chrono::seconds(5), [&] {
        for (long pid : of_node3)
            if (alive(pid)) return false;
        return true;
    }));
    net.nodes[3].stop();  // reaps it
    MESSAGE("node 3 killed with " << of_node3.size() << " processes of its runs alive: all gone");

    // Alice's futures end TIMED_OUT (the runs hit their timeout: a local failure, not proposed).
    const bool alice_final = wait_until(std::chrono::seconds(240), [&] {
        for (const auto& h : alice) {
            const std::string id = future_id(h);
            if (id.empty()) return false;
            auto f = status(id);
            if (f.empty()) return false;
            const std::string st = s(f.at("status"));
            if (st == "FUTURE_STATUS_PENDING" || st == "FUTURE_STATUS_EXECUTED") return false;
        }
        return true;
    });
    CHECK(alice_final);
    // Nothing any run started is alive (runs stop at their 10 s timeout).
    const auto all = spawned(log);
    CHECK(wait_until(std::chrono::seconds(30), [&] {
        for (const auto& p : all)
            if (alive(p.pid)) return false;
        return true;
    }));
    for (const auto& p : all) {
        INFO("pid " << p.pid << " of node " << p.node << " (" << p.what << ")");
        CHECK_FALSE(alive(p.pid));
    }
    MESSAGE(all.size() << " processes started by the programs, none left alive");
}

}  // namespace
}  // namespace seer::e2e
