// The reference CometBFT client, @cosmjs/tendermint-rpc (installed from npm by this test),
// against a real seer node: Comet38Client reads status and blocks, broadcasts a tx, receives
// NewBlock events over the websocket, finds a future with txSearch and blockSearch, and gets the
// creator's next future through subscribeTx (cosmjs/comet38_client.mjs).

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "network.hpp"
#include "process.hpp"

namespace seer::e2e {
namespace {

namespace fs = std::filesystem;

TEST_CASE("e2e: @cosmjs/tendermint-rpc Comet38Client against a seer node") {
    TempDir tmp("seer-cosmjs");
    REQUIRE(tmp.ok());
    const std::string dir = tmp.path();

    // npm install first (the network part), bounded.
    fs::copy_file(std::string(SEER_COSMJS_DIR) + "/package.json", dir + "/package.json");
    fs::copy_file(std::string(SEER_COSMJS_DIR) + "/comet38_client.mjs",
                  dir + "/comet38_client.mjs");
    {
        Process npm;
        npm.start({"/usr/bin/env", "npm", "install", "--prefix", dir, "--no-audit", "--no-fund",
                   "--loglevel=error"},
                  dir + "/npm.log");
        REQUIRE_MESSAGE(npm.wait_exit(std::chrono::seconds(300)) == 0,
                        "npm install @cosmjs/tendermint-rpc failed; see the npm log");
    }

    const std::uint16_t base = free_port_range(20);
    REQUIRE(base != 0);
    REQUIRE(write_one_validator_testnet(dir, base));
    Process node;
    node.start({SEER_BINARY, "start", "--home", dir + "/net/node0"}, dir + "/node.log");
    const std::uint16_t rpc = static_cast<std::uint16_t>(base + 1);
    bool ready = false;
    for (int i = 0; i < 300 && !ready; ++i) {
        auto s = rpc_get(rpc, "/status");
        ready = s && s->at("sync_info").at("latest_block_height").as_string() != "0";
        if (!ready) std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    REQUIRE(ready);

    // A future of alice's, final before the client starts (the CLI, with the testnet's keys).
    Cli cli(dir);
    auto run_cli = [&](const std::vector<std::string>& args) {
        int code = 0;
        std::string out = cli.run(rpc, args, &code, std::chrono::seconds(90));
        CHECK_MESSAGE(code == 0, out);
        return out;
    };
    const std::string alice = cli.address(rpc, "alice");
    REQUIRE_FALSE(alice.empty());
    const std::string first = run_cli({"tx", "async", "add-future", "--handler", "echo", "--input",
                                       "one", "--from", "alice", "--wait", "--output", "json"});
    const auto brace = first.find('{');
    REQUIRE(brace != std::string::npos);
    const auto f = boost::json::parse(first.substr(brace)).as_object();
    REQUIRE(f.at("status").as_string() == "FUTURE_STATUS_VERIFIED");
    const std::string id(f.at("id").as_string());

    Process client;
    client.start(
        {"/usr/bin/env", "node", dir + "/comet38_client.mjs", std::to_string(rpc), alice, id},
        dir + "/client.log");
    // When the client has subscribed, alice's next future.
    const bool subscribed = wait_until(std::chrono::seconds(120), [&] {
        return read_file(dir + "/client.log").find("SUBSCRIBED") != std::string::npos ||
               !client.running();
    });
    CHECK(subscribed);
    if (client.running())
        run_cli({"tx", "async", "add-future", "--handler", "echo", "--input", "two", "--from",
                 "alice"});
    const int code = client.wait_exit(std::chrono::seconds(120));
    const std::string out = read_file(dir + "/client.log");
    INFO("client output:\n" << out);
    CHECK(code == 0);
    CHECK(out.find("subscribeTx: future") != std::string::npos);
    CHECK(out.find("OK") != std::string::npos);
    node.stop();
}

}  // namespace
}  // namespace seer::e2e
