// A stall with a known cause is logged, with the cause, every few seconds while it lasts
// (issue 11, part 4). Before, each of these stalled with no line at all:
//   - a validator whose peers are all down: "no peers connected";
//   - too little voting power online: the validators not heard from, by index and address;
//   - a block store that lost its tail behind the sign state (a restored backup): the sign
//     state's height, and that the node needs those blocks from peers.
// When the cause goes, "consensus resumed" is logged.

#include <doctest/doctest.h>

#include <filesystem>

#include "network.hpp"

namespace seer::e2e {
namespace {

namespace fs = std::filesystem;

std::size_t count_of(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
        ++n;
    return n;
}

}  // namespace

TEST_CASE("e2e: a stalled validator logs why, every few seconds, and when it resumes") {
    constexpr int k_nodes = 4;
    Network<k_nodes> net;
    REQUIRE(net.write("seer-stall"));
    const std::string log0 = net.home(0) + "/seer.log";
    auto log = [&] { return read_file(log0); };

    net.start(0);
    {
        INFO("alone: no peers");
        REQUIRE(wait_until(std::chrono::seconds(60), [&] {
            return count_of(log(), "no peers connected") >= 2;  // logged, then logged again
        }));
        const std::string text = log();
        CHECK(text.find("consensus stalled height=1") != std::string::npos);
        CHECK(text.find("check persistent_peers and seeds") != std::string::npos);
    }
    net.start(1);
    {
        INFO("two of four: the silent validators are named");
        REQUIRE(wait_until(std::chrono::seconds(60), [&] {
            return log().find("more than 2/3 needed; not heard from: #") != std::string::npos;
        }));
        const std::string text = log();
        const auto at = text.rfind("not heard from: ");
        REQUIRE(at != std::string::npos);
        const std::string named = text.substr(at, text.find('\n', at) - at);
        CHECK_MESSAGE(count_of(named, "(power ") == 2, named);
        CHECK_MESSAGE(named.find("1 peers connected") != std::string::npos, named);
        CHECK(net.height(0) == 0);
    }
    net.start(2);
    {
        INFO("three of four: it resumes");
        REQUIRE(wait_until(std::chrono::seconds(60), [&] { return net.height(0) >= 2; }));
        CHECK(wait_until(std::chrono::seconds(30), [&] {
            return log().find("consensus resumed height=") != std::string::npos;
        }));
    }
}

TEST_CASE("e2e: a block store behind the sign state is named as the stall's cause") {
    OneValidatorNet net("seer-stall-tail");
    REQUIRE(net.ok());
    const std::string& dir = net.dir;
    const std::string& home = net.home;
    const std::uint16_t rpc = net.rpc;
    const std::string log_path = home + "/seer.log";

    Process node;
    node.start({SEER_BINARY, "start", "--home", home}, log_path);
    REQUIRE(wait_until(std::chrono::seconds(60), [&] { return rpc_height(rpc) >= 3; }));
    node.stop();
    // A backup of the data directory at this height...
    fs::copy(home + "/data", dir + "/backup", fs::copy_options::recursive);
    const std::int64_t backup_height = [&] {
        node.start({SEER_BINARY, "start", "--home", home}, log_path);
        std::int64_t h = -1;
        wait_until(std::chrono::seconds(60), [&] { return (h = rpc_height(rpc)) >= 1; });
        return h;
    }();
    REQUIRE(backup_height >= 3);
    REQUIRE(wait_until(std::chrono::seconds(60),
                       [&] { return rpc_height(rpc) >= backup_height + 5; }));
    node.stop();
    // ...restored under the newer sign state, as an operator restoring a backup would.
    const std::string state = read_file(home + "/data/priv_validator_state.json");
    fs::remove_all(home + "/data");
    fs::rename(dir + "/backup", home + "/data");
    std::ofstream(home + "/data/priv_validator_state.json", std::ios::trunc) << state;
    std::error_code ec;
    fs::permissions(home + "/data/priv_validator_state.json", fs::perms::owner_read | fs::perms::owner_write,
                    ec);
    const std::size_t before = read_file(log_path).size();
    node.start({SEER_BINARY, "start", "--home", home}, log_path);
    auto fresh = [&] { return read_file(log_path).substr(before); };
    REQUIRE(wait_until(std::chrono::seconds(60), [&] {
        return fresh().find("beyond the stored chain") != std::string::npos;
    }));
    const std::string text = fresh();
    CHECK(text.find("sign state is at height") != std::string::npos);  // at start
    CHECK(text.find("will not sign below height") != std::string::npos);
    CHECK(text.find("no peer is connected") != std::string::npos);
    CHECK(text.find("consensus stalled height=") != std::string::npos);
    CHECK(rpc_height(rpc) < backup_height + 5);  // it has not signed its way past
    node.stop();
}

}  // namespace seer::e2e
