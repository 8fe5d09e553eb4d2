#include <doctest/doctest.h>

#include <limits>
#include <string>

#include "seer/prophet/handler.hpp"

using seer::prophet::evaluate_math;

namespace {

std::int64_t value_of(std::string_view expr) {
    auto r = evaluate_math(expr);
    INFO("expression: " << expr << " error: " << (r ? "" : r.error().message));
    REQUIRE(r.ok());
    return *r;
}

std::string reason_of(std::string_view expr, const seer::prophet::MathLimits& limits = {}) {
    auto r = evaluate_math(expr, limits);
    INFO("expression: " << expr);
    REQUIRE_FALSE(r.ok());
    return r.error().reason;
}

}  // namespace

TEST_CASE("math: basic arithmetic and precedence") {
    CHECK(value_of("2+4") == 6);
    CHECK(value_of(" 2 +\t4\n") == 6);
    CHECK(value_of("2+3*4") == 14);
    CHECK(value_of("(2+3)*4") == 20);
    CHECK(value_of("10-4-3") == 3);  // left-associative
    CHECK(value_of("100/10/5") == 2);
    CHECK(value_of("7/2") == 3);
    CHECK(value_of("-7/2") == -3);  // truncation toward zero
    CHECK(value_of("7%3") == 1);
    CHECK(value_of("-7%3") == -1);
    CHECK(value_of("2*3%4") == 2);
    CHECK(value_of("((((1))))") == 1);
    CHECK(value_of("0") == 0);
}

TEST_CASE("math: unary minus and plus") {
    CHECK(value_of("-5") == -5);
    CHECK(value_of("--5") == 5);
    CHECK(value_of("3--2") == 5);
    CHECK(value_of("-(2+3)") == -5);
    CHECK(value_of("+4") == 4);
    CHECK(value_of("2*-3") == -6);
}

TEST_CASE("math: power") {
    CHECK(value_of("2^10") == 1024);
    CHECK(value_of("2^3^2") == 512);  // right-associative
    CHECK(value_of("-2^2") == -4);    // ^ binds tighter than unary minus
    CHECK(value_of("(-2)^3") == -8);
    CHECK(value_of("0^0") == 1);
    CHECK(value_of("1^999999999999") == 1);
    CHECK(value_of("(-1)^999999999999") == -1);
    CHECK(value_of("(-1)^1000000000000") == 1);
    CHECK(value_of("2^62") == (std::int64_t{1} << 62));
    CHECK(value_of("2*3^2") == 18);
    CHECK(reason_of("2^-1") == "negative_exponent");
    CHECK(reason_of("2^63") == "overflow");
    CHECK(reason_of("10^19") == "overflow");
}

TEST_CASE("math: checked overflow") {
    constexpr auto max = std::numeric_limits<std::int64_t>::max();
    constexpr auto min = std::numeric_limits<std::int64_t>::min();
    CHECK(value_of("9223372036854775807") == max);
    CHECK(value_of("-9223372036854775807-1") == min);
    CHECK(reason_of("9223372036854775808") == "overflow");  // literal out of range
    CHECK(reason_of("9223372036854775807+1") == "overflow");
    CHECK(reason_of("-9223372036854775807-2") == "overflow");
    CHECK(reason_of("4611686018427387904*2") == "overflow");
    CHECK(reason_of("(-9223372036854775807-1)/-1") == "overflow");
    CHECK(reason_of("-(-9223372036854775807-1)") == "overflow");
    CHECK(value_of("(-9223372036854775807-1)%-1") == 0);
    CHECK(value_of("(-9223372036854775807-1)/1") == min);
}

TEST_CASE("math: division and modulo by zero") {
    CHECK(reason_of("1/0") == "division_by_zero");
    CHECK(reason_of("1%0") == "division_by_zero");
    CHECK(reason_of("5/(3-3)") == "division_by_zero");
}

TEST_CASE("math: bad syntax names the position") {
    auto r = evaluate_math("2+*3");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().reason == "syntax");
    CHECK(r.error().message.find("position 2") != std::string::npos);
    CHECK(reason_of("") == "syntax");
    CHECK(reason_of("   ") == "syntax");
    CHECK(reason_of("2+") == "syntax");
    CHECK(reason_of("(2+3") == "syntax");
    CHECK(reason_of("2+3)") == "syntax");
    CHECK(reason_of("2 3") == "syntax");
    CHECK(reason_of("abc") == "syntax");
    CHECK(reason_of("1.5") == "syntax");
    CHECK(reason_of("()") == "syntax");
    CHECK(reason_of(std::string("1+\0", 3)) == "syntax");
}

TEST_CASE("math: length and depth limits") {
    seer::prophet::MathLimits limits;
    limits.max_depth = 10;
    CHECK(evaluate_math(std::string(10, '(') + "1" + std::string(10, ')'), limits).ok());
    CHECK(reason_of(std::string(11, '(') + "1" + std::string(11, ')'), limits) == "too_deep");
    CHECK(reason_of(std::string(11, '-') + "1", limits) == "too_deep");
    // The default limits stop a stack-smashing input long before the stack does.
    CHECK(reason_of(std::string(4000, '(')) == "too_deep");
    CHECK(reason_of(std::string(5000, '1')) == "too_large");
}

TEST_CASE("math handler: output is the decimal result, errors are results") {
    auto handler = seer::prophet::make_math_handler();
    CHECK(handler->name() == "math");
    seer::prophet::Context ctx;
    auto out = handler->execute(seer::as_bytes("2+4"), ctx);
    REQUIRE(out.ok());
    CHECK(seer::to_string(*out) == "6");
    auto err = handler->execute(seer::as_bytes("1/0"), ctx);
    REQUIRE_FALSE(err.ok());
    CHECK(err.error().reason == "division_by_zero");

    using seer::prophet::Outcome;
    using seer::prophet::Verdict;
    CHECK(handler->verify(seer::as_bytes("2+4"), Outcome::success(seer::to_bytes("6")), ctx) ==
          Verdict::verified);
    CHECK(handler->verify(seer::as_bytes("2+4"), Outcome::success(seer::to_bytes("7")), ctx) ==
          Verdict::rejected);
    CHECK(handler->verify(seer::as_bytes("1/0"),
                          Outcome::from(handler->execute(seer::as_bytes("1/0"), ctx)),
                          ctx) == Verdict::verified);
    CHECK(handler->verify(seer::as_bytes("1/0"), Outcome::success(seer::to_bytes("0")), ctx) ==
          Verdict::rejected);
}
