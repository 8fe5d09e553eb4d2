#pragma once
// CometBFT's event query language (v0.38 libs/pubsub/query), matched against the flattened
// "type.key" -> value attributes of an event (BusEvent::attributes, a tx's events).
//
// Grammar (tokens may be separated by ASCII white space):
//
//   query      = condition { "AND" condition }
//   condition  = key ( "=" operand | cmp order | "CONTAINS" string | "EXISTS" )
//   operand    = string | number | time | date
//   order      = number | time | date
//   cmp        = "<" | "<=" | ">" | ">="
//   key        = [A-Za-z_] [A-Za-z0-9._/-]*     ('/' is a seer extension)
//   string     = "'" { any byte but "'" } "'"    (no escapes, as in CometBFT)
//   number     = digit+ [ "." digit+ ]            (no sign, no exponent, at most 32 characters)
//   time       = "TIME " yyyy-mm-ddThh:mm:ss ( "Z" | ("+"|"-") hh:mm )   (RFC 3339)
//   date       = "DATE " yyyy-mm-dd
//
// AND, CONTAINS, EXISTS, TIME and DATE are upper-case keywords (`and` is a key, hence an error
// where AND is expected). A string operand with <, <=, >, >= is a parse error, as in CometBFT
// (which orders numbers, times and dates only). TIME and DATE years must be in 1900..2999.
//
// Matching: a condition holds when at least one value of its key matches; every condition must
// hold. As in CometBFT, a key that names an event type rather than a full "type.attr" key (e.g.
// `transfer EXISTS` when the event has transfer.sender) is tested against the empty string, so
// EXISTS on a type is true when an event of that type is present.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "seer/common/result.hpp"

namespace seer::rpc::detail {

inline constexpr std::size_t k_max_query_bytes = 512;
inline constexpr std::size_t k_max_query_conditions = 16;
inline constexpr std::size_t k_max_query_number_chars = 32;

struct Condition {
    enum class Op { eq, lt, le, gt, ge, contains, exists };
    enum class Kind { none, string, number, time, date };  // the operand's type; none for EXISTS

    std::string key;
    Op op = Op::eq;
    Kind kind = Kind::none;
    bool is_number = false;  // kind == Kind::number (kept for existing callers)
    /// string: the string; number: the literal digits ("12.50"); time/date: the literal after
    /// TIME/DATE. Empty for EXISTS.
    std::string text;
    double number = 0.0;  // numeric operand, approximate (matching compares `text` exactly)
    /// time/date operand as a Unix instant (a date is its 00:00:00 UTC).
    std::int64_t unix_seconds = 0;
    std::int32_t nanos = 0;

    /// Whether one attribute value satisfies this condition:
    ///  - string `=`: equal bytes; CONTAINS: the value contains the string. `tx.hash` (hex) is
    ///    compared without regard to case for both.
    ///  - number: as CometBFT, the value's leading digits ("\d+(\.\d+)?", so "8atom" is 8) are
    ///    its number; a value without leading digits (including "-5") does not match. The
    ///    comparison is exact decimal arithmetic, whatever the lengths (heights above 2^53 too).
    ///  - time: the value must be RFC 3339 (fractional seconds allowed); date: yyyy-mm-dd.
    ///  - EXISTS: always true.
    bool matches_value(std::string_view value) const;
    /// The numeric operand when it is an integer that fits int64_t.
    std::optional<std::int64_t> as_int64() const;
    /// CometBFT's canonical spelling: "key op operand", e.g. "tx.height >= 5", "a CONTAINS 'x'".
    std::string to_string() const;
};

struct Query {
    std::vector<Condition> conditions;
    /// Every condition is satisfied by at least one value of its key (see the file comment).
    bool matches(const std::multimap<std::string, std::string>& attributes) const;
    /// The first `key = ...` condition, if any (tx_search, broadcast_tx_commit).
    const Condition* find(std::string_view key) const;
    /// The conditions' to_string() joined by " AND ".
    std::string to_string() const;
};

/// Parses `text`; errors have reason "bad_query" and a message naming the offending position.
Result<Query> parse_query(std::string_view text);

}  // namespace seer::rpc::detail
