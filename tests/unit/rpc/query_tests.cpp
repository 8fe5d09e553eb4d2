// The event query language (rpc/src/query.hpp): CometBFT v0.38 libs/pubsub/query semantics.

#include <doctest/doctest.h>

#include <map>
#include <string>

// query.hpp is private to seer_rpc (rpc/src), so it is included by its path.
#include "../../../rpc/src/query.hpp"

namespace seer::rpc::detail {
namespace {

using Attrs = std::multimap<std::string, std::string>;
using Op = Condition::Op;
using Kind = Condition::Kind;

Query parse_ok(std::string_view text) {
    auto r = parse_query(text);
    INFO("query: " << text);
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? std::string() : r.error().message));
    return *r;
}

/// The parse error message, or "" when `text` parses.
std::string parse_error(std::string_view text) {
    auto r = parse_query(text);
    if (r.ok()) return "";
    CHECK(r.error().reason == "bad_query");
    return r.error().message;
}

bool fails(std::string_view text) {
    return !parse_query(text).ok();
}

bool matches(std::string_view text, const Attrs& attrs) {
    return parse_ok(text).matches(attrs);
}

/// One condition against one value.
bool value_matches(std::string_view text, std::string_view value) {
    auto q = parse_ok(text);
    REQUIRE(q.conditions.size() == 1);
    return q.conditions[0].matches_value(value);
}

TEST_CASE("query: parses every operator and operand kind") {
    auto q = parse_ok("tm.event = 'Tx'");
    REQUIRE(q.conditions.size() == 1);
    CHECK(q.conditions[0].key == "tm.event");
    CHECK(q.conditions[0].op == Op::eq);
    CHECK(q.conditions[0].kind == Kind::string);
    CHECK_FALSE(q.conditions[0].is_number);
    CHECK(q.conditions[0].text == "Tx");

    q = parse_ok("tx.height=5");
    CHECK(q.conditions[0].op == Op::eq);
    CHECK(q.conditions[0].kind == Kind::number);
    CHECK(q.conditions[0].is_number);
    CHECK(q.conditions[0].text == "5");
    CHECK(q.conditions[0].number == 5.0);
    CHECK(q.conditions[0].as_int64() == 5);

    CHECK(parse_ok("a.b < 1").conditions[0].op == Op::lt);
    CHECK(parse_ok("a.b <= 1").conditions[0].op == Op::le);
    CHECK(parse_ok("a.b > 1").conditions[0].op == Op::gt);
    CHECK(parse_ok("a.b >= 1").conditions[0].op == Op::ge);
    CHECK(parse_ok("a.b>=1").conditions[0].op == Op::ge);

    q = parse_ok("a.b CONTAINS 'xy z'");
    CHECK(q.conditions[0].op == Op::contains);
    CHECK(q.conditions[0].kind == Kind::string);
    CHECK(q.conditions[0].text == "xy z");

    q = parse_ok("a.b EXISTS");
    CHECK(q.conditions[0].op == Op::exists);
    CHECK(q.conditions[0].kind == Kind::none);
    CHECK(q.conditions[0].text.empty());

    q = parse_ok("a.b = 12.50");
    CHECK(q.conditions[0].text == "12.50");
    CHECK(q.conditions[0].number == 12.5);
    CHECK_FALSE(q.conditions[0].as_int64().has_value());
    CHECK(parse_ok("a.b = 7.000").conditions[0].as_int64() == 7);
    CHECK(parse_ok("a.b = 9007199254740993").conditions[0].as_int64() == 9007199254740993);
    CHECK_FALSE(parse_ok("a.b = 99999999999999999999").conditions[0].as_int64().has_value());

    q = parse_ok("block.time >= TIME 2021-11-23T22:04:19-09:00");
    CHECK(q.conditions[0].kind == Kind::time);
    CHECK_FALSE(q.conditions[0].is_number);
    CHECK(q.conditions[0].text == "2021-11-23T22:04:19-09:00");
    CHECK(q.conditions[0].unix_seconds == 1637737459);  // 2021-11-24T07:04:19Z

    q = parse_ok("block.day < DATE 2021-11-24");
    CHECK(q.conditions[0].kind == Kind::date);
    CHECK(q.conditions[0].unix_seconds == 1637712000);
    CHECK(q.conditions[0].nanos == 0);

    // Empty strings, quotes of the other kind and keywords inside strings are plain text.
    CHECK(parse_ok("a.b = ''").conditions[0].text.empty());
    CHECK(parse_ok("a.b = 'say \"AND\" EXISTS'").conditions[0].text == "say \"AND\" EXISTS");
    // Keys: letters, digits, '.', '_', '-', '/'; a leading '_' too.
    CHECK(parse_ok("_my-app/v1.some_key.x2 EXISTS").conditions[0].key == "_my-app/v1.some_key.x2");
    // TIME and DATE not followed by a space are ordinary keys.
    CHECK(parse_ok("TIME=1").conditions[0].key == "TIME");
    CHECK(parse_ok("DATE_x EXISTS").conditions[0].key == "DATE_x");
    // ... but followed by a space they introduce a value, as in CometBFT.
    CHECK(fails("DATE EXISTS"));
}

TEST_CASE("query: AND chains, white space, to_string") {
    auto q =
        parse_ok("tm.event='Tx' AND tx.height>=5 AND transfer.memo CONTAINS 'hi' AND x.y EXISTS");
    REQUIRE(q.conditions.size() == 4);
    CHECK(q.conditions[0].key == "tm.event");
    CHECK(q.conditions[1].key == "tx.height");
    CHECK(q.conditions[1].op == Op::ge);
    CHECK(q.conditions[2].op == Op::contains);
    CHECK(q.conditions[3].op == Op::exists);
    CHECK(q.to_string() ==
          "tm.event = 'Tx' AND tx.height >= 5 AND transfer.memo CONTAINS 'hi' AND x.y EXISTS");

    // Tokens need no separating space where they can't run together, as in CometBFT.
    CHECK(parse_ok("a.b='x'AND c.d=1").conditions.size() == 2);
    CHECK(parse_ok("a.b=1AND c.d=2").conditions.size() == 2);
    CHECK(parse_ok("  a.b\t=\n'x'\r\nAND  c.d  EXISTS  ").conditions.size() == 2);

    q = parse_ok("t.a > TIME 2020-01-01T00:00:00Z AND t.b = DATE 2020-02-29 AND t.c <= 0.5");
    CHECK(q.to_string() ==
          "t.a > TIME 2020-01-01T00:00:00Z AND t.b = DATE 2020-02-29 AND t.c <= 0.5");
    // The canonical text parses back to the same query.
    CHECK(parse_ok(q.to_string()).to_string() == q.to_string());

    // find() returns the first `=` condition of a key, whatever other operators use it.
    q = parse_ok("tx.height > 3 AND tx.height = 7 AND tx.hash = 'AB'");
    const auto* h = q.find("tx.height");
    REQUIRE(h != nullptr);
    CHECK(h->op == Op::eq);
    CHECK(h->as_int64() == 7);
    REQUIRE(q.find("tx.hash") != nullptr);
    CHECK(q.find("tx.hash")->text == "AB");
    CHECK(q.find("tm.event") == nullptr);
    CHECK(parse_ok("a.b CONTAINS 'x'").find("a.b") == nullptr);
}

TEST_CASE("query: parse errors") {
    // Unterminated string.
    CHECK(parse_error("tx.hash='AB").find("unterminated string") != std::string::npos);
    CHECK(fails("a.b CONTAINS 'x"));
    // Bad numbers: no sign, no exponent, no trailing dot, one fraction, no inf/nan, <= 32 chars.
    CHECK(parse_error("a.b = 5.").find("bad number") != std::string::npos);
    CHECK(parse_error("a.b = 1.2.3").find("bad number") != std::string::npos);
    CHECK(fails("a.b = -5"));
    CHECK(fails("a.b = +5"));
    CHECK(fails("a.b = 1e5"));
    CHECK(fails("a.b = .5"));
    CHECK(fails("a.b = 0x10"));
    CHECK(fails("a.b = 5abc"));
    CHECK(fails("a.b > inf"));
    CHECK(fails("a.b > nan"));
    CHECK(fails("a.b = NaN"));
    CHECK(parse_ok("a.b = " + std::string(32, '9')).conditions.size() == 1);
    CHECK(parse_error("a.b = " + std::string(33, '9')).find("longer than 32") != std::string::npos);
    CHECK(fails("a.b = 1." + std::string(31, '0')));
    // Missing operand / operator / key.
    CHECK(parse_error("a.b =").find("expected a value") != std::string::npos);
    CHECK(parse_error("a.b <= ").find("expected a value") != std::string::npos);
    CHECK(fails("a.b CONTAINS"));
    CHECK(fails("a.b = AND c.d = 1"));
    CHECK(parse_error("a.b").find("expected an operator") != std::string::npos);
    CHECK(parse_error("").find("expected a key") != std::string::npos);
    CHECK(fails("   "));
    CHECK(fails("= 'x'"));
    CHECK(fails("'x' = 'x'"));
    CHECK(fails("5 = 5"));
    CHECK(fails("1abc = 5"));  // keys start with a letter or '_'
    // Unknown operators.
    CHECK(fails("a.b != 5"));
    CHECK(fails("a.b == 5"));
    CHECK(fails("tx.height>>"));
    CHECK(fails("a.b => 5"));
    CHECK(fails("a.b LIKE 'x'"));
    CHECK(fails("a.b MATCHES 'x'"));
    CHECK(parse_error("a.b ~ 'x'").find("unexpected character '~'") != std::string::npos);
    // Keywords are upper-case only.
    CHECK(parse_error("a.b = 1 and c.d = 2").find("expected AND") != std::string::npos);
    CHECK(fails("a.b = 1 And c.d = 2"));
    CHECK(fails("a.b contains 'x'"));
    CHECK(fails("a.b exists"));
    CHECK(fails("a.b = time 2020-01-01T00:00:00Z"));
    // Keywords aren't keys.
    CHECK(fails("AND = 1"));
    CHECK(fails("EXISTS EXISTS"));
    CHECK(fails("CONTAINS = 'x'"));
    // AND placement.
    CHECK(fails("a.b = 1 AND"));
    CHECK(fails("AND a.b = 1"));
    CHECK(fails("a.b = 1 AND AND c.d = 1"));
    CHECK(fails("a.b = 1 c.d = 1"));
    CHECK(fails("a.b = 1 OR c.d = 1"));
    CHECK(fails("a.b EXISTS 5"));
    CHECK(fails("a.b = 'x' 'y'"));
    // Operand types: strings with < > are an error (CometBFT orders numbers/times/dates only),
    // CONTAINS takes a string.
    CHECK(parse_error("a.b < 'x'").find("strings compare with =") != std::string::npos);
    CHECK(fails("a.b >= 'x'"));
    CHECK(parse_error("a.b CONTAINS 5").find("CONTAINS takes a string") != std::string::npos);
    CHECK(fails("a.b CONTAINS TIME 2020-01-01T00:00:00Z"));
    // TIME and DATE values.
    CHECK(fails("a.b > TIME 2020-01-01"));
    CHECK(fails("a.b > TIME 2020-01-01T00:00:00"));     // no zone
    CHECK(fails("a.b > TIME 2020-01-01T00:00:00.5Z"));  // no fraction in the operand
    CHECK(fails("a.b > TIME 2020-13-01T00:00:00Z"));    // month
    CHECK(fails("a.b > TIME 2020-01-01T24:00:00Z"));    // hour
    CHECK(fails("a.b > TIME  2020-01-01T00:00:00Z"));   // exactly one space after TIME
    CHECK(fails("a.b > DATE 2021-02-29"));              // not a leap year
    CHECK(fails("a.b > DATE 2020-1-01"));
    CHECK(fails("a.b > DATE 2020-01-01T00:00:00Z"));
    CHECK(parse_error("a.b > DATE 1899-12-31").find("year out of range") != std::string::npos);
    CHECK(fails("a.b > TIME 3000-01-01T00:00:00Z"));
    CHECK(parse_ok("a.b > DATE 1900-01-01").conditions.size() == 1);
    CHECK(parse_ok("a.b > TIME 2999-12-31T23:59:59+23:59").conditions.size() == 1);
    // Bytes outside the grammar.
    CHECK(fails("a.b = 1;"));
    CHECK(fails("a.b = \"x\""));
    CHECK(fails("a.b = 1 AND c\xc3\xa9.d = 1"));
    CHECK(fails(std::string_view("a.b = 1\0", 8)));
}

TEST_CASE("query: size limits") {
    std::string q = "a.b = '" + std::string(k_max_query_bytes - 8, 'x') + "'";
    REQUIRE(q.size() == k_max_query_bytes);
    CHECK(parse_ok(q).conditions.size() == 1);
    q.insert(7, "x");
    CHECK(parse_error(q).find("too long") != std::string::npos);

    std::string many = "k0 EXISTS";
    for (std::size_t i = 1; i < k_max_query_conditions; ++i)
        many += " AND k" + std::to_string(i) + " EXISTS";
    CHECK(parse_ok(many).conditions.size() == k_max_query_conditions);
    many += " AND kx EXISTS";
    CHECK(parse_error(many).find("too many conditions") != std::string::npos);
}

TEST_CASE("query: string = and CONTAINS, multi-valued keys") {
    const Attrs attrs{{"tm.event", "Tx"},
                      {"transfer.recipient", "alice"},
                      {"transfer.recipient", "bob"},
                      {"transfer.amount", "100stake"},
                      {"message.action", "/cosmos.bank.v1beta1.MsgSend"}};
    CHECK(matches("tm.event = 'Tx'", attrs));
    CHECK_FALSE(matches("tm.event = 'tx'", attrs));  // only tx.hash ignores case
    CHECK_FALSE(matches("tm.event = 'NewBlock'", attrs));
    CHECK_FALSE(matches("tm.event = 'T'", attrs));
    // Any value of a key may satisfy the condition.
    CHECK(matches("transfer.recipient = 'alice'", attrs));
    CHECK(matches("transfer.recipient = 'bob'", attrs));
    CHECK_FALSE(matches("transfer.recipient = 'carol'", attrs));
    // Each condition separately: alice and bob are both recipients.
    CHECK(matches("transfer.recipient = 'alice' AND transfer.recipient = 'bob'", attrs));
    CHECK_FALSE(matches("transfer.recipient = 'alice' AND tm.event = 'NewBlock'", attrs));
    // A missing key never matches.
    CHECK_FALSE(matches("missing.key = ''", attrs));
    CHECK_FALSE(matches("missing.key CONTAINS ''", attrs));

    CHECK(matches("message.action CONTAINS 'MsgSend'", attrs));
    CHECK(matches("message.action CONTAINS 'bank.v1beta1'", attrs));
    CHECK_FALSE(matches("message.action CONTAINS 'msgsend'", attrs));
    CHECK(matches("transfer.recipient CONTAINS 'ob'", attrs));  // the second value
    CHECK(matches("transfer.recipient CONTAINS ''", attrs));
    CHECK_FALSE(matches("transfer.recipient CONTAINS 'alicebob'", attrs));
    CHECK(matches("transfer.amount CONTAINS 'stake'", attrs));
    CHECK(matches("transfer.amount = '100stake'", attrs));

    CHECK(value_matches("a.b = 'x y'", "x y"));
    CHECK_FALSE(value_matches("a.b = 'x y'", "x  y"));
    CHECK(value_matches("a.b = ''", ""));
    CHECK_FALSE(value_matches("a.b = ''", " "));
    CHECK(value_matches("a.b CONTAINS 'lo w'", "hello world"));
    CHECK_FALSE(value_matches("a.b CONTAINS 'world!'", "hello world"));
    // A string operand that looks like a number compares as a string.
    CHECK(value_matches("a.b = '5'", "5"));
    CHECK_FALSE(value_matches("a.b = '5'", "5.0"));
    CHECK_FALSE(value_matches("a.b = '5'", "05"));
}

TEST_CASE("query: numeric comparisons") {
    CHECK(value_matches("a.b = 5", "5"));
    CHECK(value_matches("a.b = 5", "5.0"));
    CHECK(value_matches("a.b = 5", "005"));
    CHECK(value_matches("a.b = 5.0", "5"));
    CHECK(value_matches("a.b = 0", "0"));
    CHECK(value_matches("a.b = 0", "0.000"));
    CHECK_FALSE(value_matches("a.b = 5", "6"));
    CHECK_FALSE(value_matches("a.b = 5", "50"));
    CHECK_FALSE(value_matches("a.b = 5", "5.01"));

    CHECK(value_matches("a.b < 5", "4"));
    CHECK(value_matches("a.b < 5", "4.999"));
    CHECK_FALSE(value_matches("a.b < 5", "5"));
    CHECK_FALSE(value_matches("a.b < 5", "10"));  // numeric, not lexicographic
    CHECK(value_matches("a.b <= 5", "5"));
    CHECK(value_matches("a.b <= 5", "0"));
    CHECK_FALSE(value_matches("a.b <= 5", "5.0001"));
    CHECK(value_matches("a.b > 5", "10"));
    CHECK(value_matches("a.b > 5", "5.1"));
    CHECK_FALSE(value_matches("a.b > 5", "5"));
    CHECK_FALSE(value_matches("a.b > 10", "9"));
    CHECK(value_matches("a.b >= 5", "5"));
    CHECK(value_matches("a.b >= 5", "123456"));
    CHECK_FALSE(value_matches("a.b >= 5", "4.9"));
    // Decimals compare digit by digit: 0.1 + 0.2 style rounding doesn't enter.
    CHECK(value_matches("a.b = 0.3", "0.30"));
    CHECK(value_matches("a.b > 0.5", "0.51"));
    CHECK_FALSE(value_matches("a.b > 0.6", "0.51"));
    CHECK(value_matches("a.b < 0.05", "0.049999999999999999999"));

    // As CometBFT: the value's leading digits are its number; anything else isn't a number.
    CHECK(value_matches("a.b = 8", "8atom"));
    CHECK(value_matches("a.b > 6", "6.5stake"));
    CHECK(value_matches("a.b = 1.5", "1.5.2"));
    CHECK(value_matches("a.b = 5", "5."));
    CHECK_FALSE(value_matches("a.b = 5", "abc"));
    CHECK_FALSE(value_matches("a.b < 5", "abc"));
    CHECK_FALSE(value_matches("a.b >= 0", ""));
    CHECK_FALSE(value_matches("a.b < 5", "-1"));  // no sign: not a number
    CHECK_FALSE(value_matches("a.b < 5", " 1"));
    CHECK_FALSE(value_matches("a.b < 5", ".5"));
    CHECK_FALSE(value_matches("a.b > 0", "inf"));
    CHECK_FALSE(value_matches("a.b > 0", "NaN"));
    CHECK(value_matches("a.b = 1", "1e9"));  // "1", then junk

    // int64 heights beyond 2^53 compare exactly (as doubles these three would be equal).
    CHECK(value_matches("tx.height = 9007199254740993", "9007199254740993"));
    CHECK_FALSE(value_matches("tx.height = 9007199254740993", "9007199254740992"));
    CHECK_FALSE(value_matches("tx.height = 9007199254740993", "9007199254740994"));
    CHECK(value_matches("tx.height > 9007199254740992", "9007199254740993"));
    CHECK_FALSE(value_matches("tx.height > 9007199254740993", "9007199254740993"));
    CHECK(value_matches("tx.height < 9007199254740993", "9007199254740992"));
    CHECK(value_matches("tx.height >= 9223372036854775807", "9223372036854775807"));
    CHECK_FALSE(value_matches("tx.height > 9223372036854775806", "9223372036854775806"));
    // Beyond int64 as well, and integer vs decimal.
    const std::string ten_pow_31 = "1" + std::string(31, '0');  // 32 digits, beyond int64
    CHECK(value_matches("a.b < " + ten_pow_31.substr(0, 31) + "1", ten_pow_31));
    CHECK(value_matches("a.b > " + ten_pow_31.substr(0, 31) + "1", ten_pow_31 + "0"));
    CHECK(value_matches("a.b = " + ten_pow_31, ten_pow_31 + ".000"));
    CHECK(value_matches("a.b > 9007199254740993", "9007199254740993.5"));
    CHECK_FALSE(value_matches("a.b = 9007199254740993", "9007199254740993.5"));

    // A multi-valued key: any value in range will do; non-numbers are skipped.
    const Attrs attrs{
        {"tx.height", "12"}, {"coin.amount", "abc"}, {"coin.amount", "7"}, {"coin.amount", "300"}};
    CHECK(matches("coin.amount > 100", attrs));
    CHECK(matches("coin.amount < 10", attrs));
    CHECK(matches("coin.amount = 7", attrs));
    CHECK_FALSE(matches("coin.amount > 300", attrs));
    CHECK_FALSE(matches("coin.amount = 8", attrs));
    CHECK(matches("coin.amount = 'abc'", attrs));
    CHECK(matches("tx.height >= 12 AND tx.height <= 12 AND coin.amount >= 300", attrs));
    CHECK_FALSE(matches("tx.height > 12 AND coin.amount >= 300", attrs));
}

TEST_CASE("query: TIME and DATE comparisons") {
    // Instants compare whatever the zone; fractional seconds in values are honoured.
    CHECK(value_matches("b.t = TIME 2021-11-23T22:04:19-09:00", "2021-11-24T07:04:19Z"));
    CHECK(value_matches("b.t = TIME 2021-11-24T07:04:19Z", "2021-11-24T08:04:19+01:00"));
    CHECK_FALSE(value_matches("b.t = TIME 2021-11-24T07:04:19Z", "2021-11-24T07:04:19.5Z"));
    CHECK(value_matches("b.t > TIME 2021-11-24T07:04:19Z", "2021-11-24T07:04:19.000000001Z"));
    CHECK(value_matches("b.t = TIME 2021-11-24T07:04:19Z", "2021-11-24T07:04:19.000Z"));
    CHECK_FALSE(value_matches("b.t = TIME 2021-11-24T07:04:19Z", "2021-11-24T07:04:19.Z"));
    CHECK(value_matches("b.t < TIME 2021-11-24T07:04:19Z", "2021-11-24T07:04:18.999999999999Z"));
    CHECK(value_matches("b.t >= TIME 2021-11-24T07:04:19Z", "2022-01-01T00:00:00Z"));
    CHECK_FALSE(value_matches("b.t >= TIME 2021-11-24T07:04:19Z", "2020-01-01T00:00:00Z"));
    CHECK(value_matches("b.t <= TIME 2021-11-24T07:04:19Z", "1999-12-31T23:59:59Z"));
    CHECK(value_matches("b.t > TIME 1969-12-31T23:59:59Z", "1970-01-01T00:00:00Z"));
    // TIME needs an RFC 3339 value, DATE a yyyy-mm-dd one.
    CHECK_FALSE(value_matches("b.t > TIME 2000-01-01T00:00:00Z", "2021-11-24"));
    CHECK_FALSE(value_matches("b.t > TIME 2000-01-01T00:00:00Z", "2021-11-24T07:04:19"));
    CHECK_FALSE(value_matches("b.t > TIME 2000-01-01T00:00:00Z", "2021-11-24 07:04:19Z"));
    CHECK_FALSE(value_matches("b.t > TIME 2000-01-01T00:00:00Z", "2021-02-30T00:00:00Z"));
    CHECK_FALSE(value_matches("b.t > TIME 2000-01-01T00:00:00Z", "1637741059"));
    CHECK(value_matches("b.d = DATE 2020-02-29", "2020-02-29"));
    CHECK(value_matches("b.d > DATE 2020-02-29", "2020-03-01"));
    CHECK(value_matches("b.d < DATE 2020-02-29", "2019-12-31"));
    CHECK(value_matches("b.d <= DATE 2020-02-29", "2020-02-29"));
    CHECK_FALSE(value_matches("b.d >= DATE 2020-02-29", "2020-02-28"));
    CHECK_FALSE(value_matches("b.d = DATE 2020-02-29", "2020-02-29T00:00:00Z"));
    CHECK_FALSE(value_matches("b.d > DATE 2000-01-01", "2020-2-29"));
    CHECK_FALSE(value_matches("b.d > DATE 2000-01-01", "2021-02-29"));

    const Attrs attrs{{"block.time", "garbage"}, {"block.time", "2024-05-01T12:00:00Z"}};
    CHECK(matches("block.time > TIME 2024-01-01T00:00:00Z", attrs));
    CHECK_FALSE(matches("block.time > TIME 2024-05-01T12:00:00Z", attrs));
}

TEST_CASE("query: EXISTS") {
    const Attrs attrs{{"tm.event", "Tx"}, {"transfer.sender", ""}, {"a.b.c", "1"}};
    CHECK(matches("tm.event EXISTS", attrs));
    CHECK(matches("transfer.sender EXISTS", attrs));  // an empty value is still a value
    CHECK_FALSE(matches("transfer.recipient EXISTS", attrs));
    CHECK_FALSE(matches("tm.even EXISTS", attrs));
    CHECK(matches("tm.event EXISTS AND transfer.sender EXISTS", attrs));
    CHECK_FALSE(matches("tm.event EXISTS AND nope.x EXISTS", attrs));
    // As CometBFT, an event type (the key up to its last '.') exists when one of its
    // attributes does, and is tested as the value "" by other operators.
    CHECK(matches("transfer EXISTS", attrs));
    CHECK(matches("tm EXISTS", attrs));
    CHECK(matches("a.b EXISTS", attrs));
    CHECK_FALSE(matches("a EXISTS", attrs));  // a.b.c has type a.b
    CHECK_FALSE(matches("trans EXISTS", attrs));
    CHECK(matches("transfer = ''", attrs));
    CHECK_FALSE(matches("transfer = 'x'", attrs));
    CHECK_FALSE(matches("transfer >= 0", attrs));
    CHECK_FALSE(matches("anything EXISTS", Attrs{}));
    CHECK(value_matches("a.b EXISTS", ""));
    CHECK(value_matches("a.b EXISTS", "whatever"));
}

TEST_CASE("query: tx.hash compares without regard to case") {
    const std::string hash = "AB12CD34EF";
    const Attrs attrs{{"tm.event", "Tx"}, {"tx.hash", hash}, {"other.hash", hash}};
    CHECK(matches("tx.hash = 'AB12CD34EF'", attrs));
    CHECK(matches("tx.hash = 'ab12cd34ef'", attrs));
    CHECK(matches("tx.hash = 'Ab12Cd34eF'", attrs));
    CHECK_FALSE(matches("tx.hash = 'ab12cd34e'", attrs));
    CHECK(matches("tx.hash CONTAINS 'cd34'", attrs));
    CHECK_FALSE(matches("tx.hash CONTAINS 'cd35'", attrs));
    // Only tx.hash.
    CHECK(matches("other.hash = 'AB12CD34EF'", attrs));
    CHECK_FALSE(matches("other.hash = 'ab12cd34ef'", attrs));
    CHECK_FALSE(matches("other.hash CONTAINS 'cd34'", attrs));
    CHECK(matches("tm.event = 'Tx' AND tx.hash = 'ab12cd34ef'", attrs));
}

}  // namespace
}  // namespace seer::rpc::detail
