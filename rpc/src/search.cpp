#include "search.hpp"

#include <algorithm>
#include <limits>
#include <optional>
#include <set>

#include "seer/common/bytes.hpp"

namespace seer::rpc::detail {

namespace {

struct HeightRange {
    std::int64_t lo = 1;
    std::int64_t hi = std::numeric_limits<std::int64_t>::max();
    bool contains(std::int64_t h) const { return h >= lo && h <= hi; }
    bool empty() const { return lo > hi; }
};

/// Narrows `range` by a height condition; false when the condition is not a range one.
bool narrow(HeightRange& range, const Condition& c) {
    if (c.op == Condition::Op::exists) return true;
    if (c.kind != Condition::Kind::number) return false;
    auto v = c.as_int64();
    if (!v) return false;  // heights are integers
    switch (c.op) {
        case Condition::Op::eq:
            range.lo = std::max(range.lo, *v);
            range.hi = std::min(range.hi, *v);
            return true;
        case Condition::Op::lt:
            range.hi = std::min(range.hi, *v - 1);
            return true;
        case Condition::Op::le:
            range.hi = std::min(range.hi, *v);
            return true;
        case Condition::Op::gt:
            // range.hi is the latest height, so v + 1 cannot overflow where it is used.
            if (*v >= range.hi)
                range.hi = range.lo - 1;
            else
                range.lo = std::max(range.lo, *v + 1);
            return true;
        case Condition::Op::ge:
            range.lo = std::max(range.lo, *v);
            return true;
        case Condition::Op::contains:
        case Condition::Op::exists:
            break;
    }
    return false;
}

Error too_many(const std::string& what) {
    return make_error("too_many",
                      what + " matches more than " + std::to_string(k_max_search_entries) +
                          " index entries; narrow the query (e.g. with a height range)");
}

}  // namespace

Result<std::vector<SearchHit>> search(NodeApi& node, const Query& query, EventScope scope) {
    const bool txs = scope == EventScope::tx;
    const std::string height_key = txs ? "tx.height" : "block.height";
    HeightRange range;
    range.lo = std::max<std::int64_t>(1, node.base_height());
    range.hi = node.latest_height();
    std::optional<std::set<SearchHit>> result;  // nullopt: not narrowed yet
    auto intersect = [&](std::set<SearchHit> hits) {
        if (!result) {
            result = std::move(hits);
            return;
        }
        std::set<SearchHit> both;
        std::set_intersection(result->begin(), result->end(), hits.begin(), hits.end(),
                              std::inserter(both, both.end()));
        result = std::move(both);
    };
    std::vector<const Condition*> indexed;
    for (const auto& c : query.conditions) {
        if (c.key == height_key) {
            if (!narrow(range, c))
                return make_error("bad_query",
                                  height_key + " takes =, <, <=, >, >= with an integer");
            continue;
        }
        if (c.key == "tm.event") {
            if (c.op != Condition::Op::eq || c.kind != Condition::Kind::string)
                return make_error("bad_query", "tm.event takes = with a string");
            const bool ok =
                txs ? c.text == "Tx" : (c.text == "NewBlock" || c.text == "NewBlockEvents");
            if (!ok) return std::vector<SearchHit>{};
            continue;
        }
        if (txs && c.key == "tx.hash") {
            if (c.op != Condition::Op::eq || c.kind != Condition::Kind::string)
                return make_error("bad_query", "tx.hash takes = with a hex string");
            std::string_view hex = c.text;
            if (hex.size() >= 2 && hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X'))
                hex.remove_prefix(2);
            auto bytes = from_hex(hex);
            if (!bytes || bytes->size() != 32)
                return make_error("bad_query", "tx.hash must be 32 bytes of hex");
            std::set<SearchHit> hits;
            if (auto t = node.tx(*to_array<32>(*bytes))) hits.insert({t->height, t->index});
            intersect(std::move(hits));
            continue;
        }
        indexed.push_back(&c);
    }
    if (range.empty()) return std::vector<SearchHit>{};
    for (const Condition* c : indexed) {
        const std::string prefix =
            c->op == Condition::Op::eq && c->kind == Condition::Kind::string && c->key != "tx.hash"
                ? c->text
                : std::string();
        std::set<SearchHit> hits;
        std::size_t seen = 0;
        bool overflow = false;
        node.scan_events(scope, c->key, prefix,
                         [&](std::string_view value, std::int64_t height, std::uint32_t index) {
                             if (++seen > k_max_search_entries) {
                                 overflow = true;
                                 return false;
                             }
                             if (range.contains(height) && c->matches_value(value))
                                 hits.insert({height, index});
                             return true;
                         });
        if (overflow) return too_many(c->to_string());
        intersect(std::move(hits));
        if (result->empty()) return std::vector<SearchHit>{};
    }
    if (!result) {
        // Only heights (or nothing): every tx / block in the range.
        if (range.hi - range.lo + 1 > static_cast<std::int64_t>(k_max_search_entries))
            return too_many(height_key + " range");
        std::set<SearchHit> hits;
        for (std::int64_t h = range.lo; h <= range.hi; ++h) {
            if (!txs) {
                hits.insert({h, 0});
                continue;
            }
            auto b = node.block(h);
            if (!b) continue;
            for (std::size_t i = 0; i < b->block.txs.size(); ++i)
                hits.insert({h, static_cast<std::uint32_t>(i)});
            if (hits.size() > k_max_search_entries) return too_many(height_key + " range");
        }
        result = std::move(hits);
    }
    std::vector<SearchHit> out;
    out.reserve(result->size());
    for (const auto& hit : *result)
        if (range.contains(hit.height)) out.push_back(hit);
    return out;
}

}  // namespace seer::rpc::detail
