#pragma once
// CometBFT's event query language, the part seer supports: conditions joined by AND, each
// `key = 'string'` or `key = number` (also <, <=, >, >= against numbers), e.g.
// "tm.event='Tx' AND tx.hash='AB12...'". Matched against BusEvent::attributes.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "seer/common/result.hpp"

namespace seer::rpc::detail {

inline constexpr std::size_t k_max_query_bytes = 512;
inline constexpr std::size_t k_max_query_conditions = 16;

struct Condition {
    enum class Op { eq, lt, le, gt, ge };
    std::string key;
    Op op = Op::eq;
    bool is_number = false;
    std::string text;     // string operand
    double number = 0.0;  // numeric operand
};

struct Query {
    std::vector<Condition> conditions;
    bool matches(const std::multimap<std::string, std::string>& attributes) const;
    /// The value of `key = '...'` when the query has one (tx_search, broadcast_tx_commit).
    const Condition* find(std::string_view key) const;
};

Result<Query> parse_query(std::string_view text);

}  // namespace seer::rpc::detail
