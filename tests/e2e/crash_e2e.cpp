// kill -9 at random instants: a node always restarts consistent (same blocks, still committing,
// never a fatal error at start-up). A single validator, so every kill lands mid-height.

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "process.hpp"

namespace seer::e2e {
namespace {

namespace fs = std::filesystem;

TEST_CASE("e2e: kill -9 at random instants, restart consistent") {
    OneValidatorNet net("seer-crash");
    REQUIRE(net.ok());
    const std::string& home = net.home;
    const std::uint16_t rpc = net.rpc;
    auto height = [&] { return rpc_height(rpc); };
    auto block_hash = [&](std::int64_t h) -> std::string {
        auto r = rpc_get(rpc, "/block?height=" + std::to_string(h));
        return r ? std::string(r->at("block_id").at("hash").as_string()) : "";
    };

    std::mt19937 rng(20261121);
    std::map<std::int64_t, std::string> seen;  // height -> hash observed before some kill
    std::int64_t last = 0;
    Process node;
    for (int cycle = 0; cycle < 8; ++cycle) {
        node.start({SEER_BINARY, "start", "--home", home}, home + "/seer.log");
        bool up = false;
        for (int i = 0; i < 150 && !up; ++i) {
            up = height() >= last;
            if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        REQUIRE_MESSAGE(up, "the node did not come back after kill -9 in cycle " << cycle);
        const std::int64_t h = height();
        CHECK(h >= last);  // nothing committed was lost
        for (const auto& [height_seen, hash] : seen)
            CHECK(block_hash(height_seen) == hash);
        if (h > 0) seen[h] = block_hash(h);
        last = h;
        std::this_thread::sleep_for(std::chrono::milliseconds(200 + rng() % 1300));
        node.kill9();
    }
    node.start({SEER_BINARY, "start", "--home", home}, home + "/seer.log");
    bool progressed = false;
    for (int i = 0; i < 300 && !progressed; ++i) {
        progressed = height() >= last + 3;
        if (!progressed) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    CHECK(progressed);
    for (const auto& [h, hash] : seen)
        CHECK(block_hash(h) == hash);
    node.stop();
    std::ifstream log(home + "/seer.log");
    std::stringstream ss;
    ss << log.rdbuf();
    CHECK(ss.str().find("fatal") == std::string::npos);
    CHECK(ss.str().find("invariant failed") == std::string::npos);
}

}  // namespace
}  // namespace seer::e2e
