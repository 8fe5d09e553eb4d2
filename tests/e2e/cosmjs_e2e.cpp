// The reference CometBFT client, @cosmjs/tendermint-rpc (installed from npm by this test),
// against a real seer node: Comet38Client reads status and blocks, broadcasts a tx and receives
// NewBlock events over the websocket (cosmjs/comet38_client.mjs).

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "process.hpp"

namespace seer::e2e {
namespace {

namespace fs = std::filesystem;

TEST_CASE("e2e: @cosmjs/tendermint-rpc Comet38Client against a seer node") {
    std::string templ = (fs::temp_directory_path() / "seer-cosmjs-XXXXXX").string();
    REQUIRE(mkdtemp(templ.data()) != nullptr);
    const std::string dir = templ;
    struct Cleanup {
        std::string dir;
        ~Cleanup() {
            std::error_code ec;
            fs::remove_all(dir, ec);
        }
    } cleanup{dir};

    // npm install first (the network part), bounded.
    fs::copy_file(std::string(SEER_COSMJS_DIR) + "/package.json", dir + "/package.json");
    fs::copy_file(std::string(SEER_COSMJS_DIR) + "/comet38_client.mjs", dir + "/comet38_client.mjs");
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
    {
        Process gen;
        gen.start({SEER_BINARY, "testnet", "--validators", "1", "--output", dir + "/net",
                   "--starting-port", std::to_string(base), "--api-starting-port",
                   std::to_string(base + 10)},
                  dir + "/testnet.log");
        REQUIRE(gen.wait_exit(std::chrono::seconds(30)) == 0);
    }
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

    Process client;
    client.start({"/usr/bin/env", "node", dir + "/comet38_client.mjs", std::to_string(rpc)},
                 dir + "/client.log");
    const int code = client.wait_exit(std::chrono::seconds(120));
    std::ifstream log(dir + "/client.log");
    std::stringstream out;
    out << log.rdbuf();
    INFO("client output:\n" << out.str());
    CHECK(code == 0);
    CHECK(out.str().find("OK") != std::string::npos);
    node.stop();
}

}  // namespace
}  // namespace seer::e2e
