#include <doctest/doctest.h>

#include <stop_token>

#include "seer/crypto/hash.hpp"
#include "seer/prophet/handler.hpp"
#include "support.hpp"

using namespace seer;
using namespace seer::prophet;

namespace {

std::string run(const Handler& h, std::string_view input, const Context& ctx = {}) {
    auto r = h.execute(as_bytes(input), ctx);
    REQUIRE(r.ok());
    return seer::to_string(*r);
}

std::string reason(const Handler& h, std::string_view input, const Context& ctx = {}) {
    auto r = h.execute(as_bytes(input), ctx);
    REQUIRE_FALSE(r.ok());
    return r.error().reason;
}

}  // namespace

TEST_CASE("echo: output is the input, verify compares") {
    auto echo = make_echo_handler();
    CHECK(echo->name() == "echo");
    CHECK(run(*echo, "hello") == "hello");
    CHECK(run(*echo, "").empty());
    const Context ctx;
    CHECK(echo->verify(as_bytes("x"), Outcome::success(to_bytes("x")), ctx) == Verdict::verified);
    CHECK(echo->verify(as_bytes("x"), Outcome::success(to_bytes("y")), ctx) == Verdict::rejected);
    CHECK(echo->verify(as_bytes("x"), Outcome::failure(make_error("e", "m")), ctx) ==
          Verdict::rejected);
}

TEST_CASE("hashchain: iterations 1 and 2 match SHA-256 computed here") {
    auto h = make_hashchain_handler();
    CHECK(h->name() == "hashchain");
    const auto once = crypto::sha256(as_bytes("abc"));
    CHECK(to_hex(once) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const auto twice = crypto::sha256(once);
    CHECK(run(*h, R"({"data": "abc", "iterations": 1})") == to_hex(once));
    CHECK(run(*h, R"({"iterations": 2, "data": "abc"})") == to_hex(twice));
    auto third = crypto::sha256(twice);
    CHECK(run(*h, R"({"data":"abc","iterations":3})") == to_hex(third));
}

TEST_CASE("hashchain: bounds and bad input") {
    HashchainOptions options;
    options.max_iterations = 100;
    auto h = make_hashchain_handler(options);
    CHECK_FALSE(run(*h, R"({"data": "", "iterations": 100})").empty());
    CHECK(reason(*h, R"({"data": "a", "iterations": 101})") == "local_limit");
    CHECK(reason(*h, R"({"data": "a", "iterations": 0})") == "bad_input");
    CHECK(reason(*h, R"({"data": "a", "iterations": -5})") == "bad_input");
    CHECK(reason(*h, R"({"data": "a", "iterations": 1.5})") == "bad_input");
    CHECK(reason(*h, R"({"data": "a", "iterations": "3"})") == "bad_input");
    CHECK(reason(*h, R"({"data": 7, "iterations": 3})") == "bad_input");
    CHECK(reason(*h, R"({"iterations": 3})") == "bad_input");
    CHECK(reason(*h, R"({"data": "a"})") == "bad_input");
    CHECK(reason(*h, R"({"data": "a", "iterations": 1, "extra": 1})") == "bad_input");
    CHECK(reason(*h, R"({"data": "a", "iterations": 1)") == "bad_input");
    CHECK(reason(*h, R"(["data", 1])") == "bad_input");
    CHECK(reason(*h, "not json") == "bad_input");
    CHECK(reason(*h, R"({"data": "a", "iterations": 99999999999999999999999})") == "bad_input");

    // A verifier whose limit is lower than the work claimed cannot judge: abstain.
    auto big = make_hashchain_handler();
    const std::string input = R"({"data": "a", "iterations": 500})";
    const Outcome claimed = Outcome::from(big->execute(as_bytes(input), {}));
    REQUIRE(claimed.ok);
    CHECK(big->verify(as_bytes(input), claimed, {}) == Verdict::verified);
    CHECK(h->verify(as_bytes(input), claimed, {}) == Verdict::abstain);
}

TEST_CASE("hashchain: stops on cancel and on the deadline") {
    auto h = make_hashchain_handler();
    const std::string input = R"({"data": "a", "iterations": 1000000})";
    std::stop_source source;
    source.request_stop();
    Context cancelled;
    cancelled.stop = source.get_token();
    CHECK(reason(*h, input, cancelled) == "cancelled");
    Context late;
    late.deadline = std::chrono::steady_clock::now() - std::chrono::seconds(1);
    CHECK(reason(*h, input, late) == "timeout");
    // A verification that times out abstains.
    CHECK(h->verify(as_bytes(input), Outcome::success(to_bytes("00")), late) == Verdict::abstain);
}

TEST_CASE("verify_by_execution reuses this node's own execution") {
    test::GateHandler gate;
    gate.open = true;
    Context ctx;
    const Outcome own = Outcome::success(to_bytes("in"));
    ctx.own_execution = &own;
    CHECK(gate.verify(as_bytes("in"), Outcome::success(to_bytes("in")), ctx) == Verdict::verified);
    CHECK(gate.verify(as_bytes("in"), Outcome::success(to_bytes("xx")), ctx) == Verdict::rejected);
    CHECK(gate.executions == 0);
    const Outcome timed_out = Outcome::failure(make_error("timeout", "slow"));
    ctx.own_execution = &timed_out;
    CHECK(gate.verify(as_bytes("in"), Outcome::success(to_bytes("in")), ctx) == Verdict::abstain);
    ctx.own_execution = nullptr;
    CHECK(gate.verify(as_bytes("in"), Outcome::success(to_bytes("in")), ctx) == Verdict::verified);
    CHECK(gate.executions == 1);
}

TEST_CASE("outcome: error text carries the reason; on-chain comparison ignores local fields") {
    const Outcome a = Outcome::failure(make_error("overflow", "too big"));
    CHECK_FALSE(a.ok);
    CHECK(a.error == "overflow: too big");
    CHECK(a.reason == "overflow");
    Outcome from_chain;
    from_chain.error = "overflow: too big";
    CHECK(same_result(a, from_chain));
    CHECK_FALSE(same_result(a, Outcome::success({})));
    CHECK(is_local_failure("timeout"));
    CHECK(is_local_failure("local_limit"));
    CHECK_FALSE(is_local_failure("overflow"));
}
