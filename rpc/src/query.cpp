#include "query.hpp"

#include <cctype>
#include <charconv>
#include <cstdlib>

namespace seer::rpc::detail {

namespace {

bool key_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_' || c == '-' ||
           c == '/';
}

bool iequal(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    }
    return true;
}

bool parse_number(std::string_view s, double& out) {
    if (s.empty() || s.size() > 32) return false;
    std::string copy(s);
    char* end = nullptr;
    out = std::strtod(copy.c_str(), &end);
    return end == copy.c_str() + copy.size();
}

bool match_one(const Condition& c, std::string_view value) {
    if (c.is_number) {
        double v = 0;
        if (!parse_number(value, v)) return false;
        switch (c.op) {
            case Condition::Op::eq:
                return v == c.number;
            case Condition::Op::lt:
                return v < c.number;
            case Condition::Op::le:
                return v <= c.number;
            case Condition::Op::gt:
                return v > c.number;
            case Condition::Op::ge:
                return v >= c.number;
        }
        return false;
    }
    // Hashes are hex: compare them without regard to case.
    if (c.key == "tx.hash") return iequal(c.text, value);
    return c.text == value;
}

}  // namespace

bool Query::matches(const std::multimap<std::string, std::string>& attributes) const {
    for (const auto& c : conditions) {
        auto [lo, hi] = attributes.equal_range(c.key);
        bool any = false;
        for (auto it = lo; it != hi && !any; ++it)
            any = match_one(c, it->second);
        if (!any) return false;
    }
    return true;
}

const Condition* Query::find(std::string_view key) const {
    for (const auto& c : conditions)
        if (c.key == key && c.op == Condition::Op::eq) return &c;
    return nullptr;
}

Result<Query> parse_query(std::string_view s) {
    auto bad = [](std::string msg) { return make_error("bad_query", std::move(msg)); };
    if (s.size() > k_max_query_bytes) return bad("query too long");
    Query q;
    std::size_t i = 0;
    auto skip_ws = [&] {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t'))
            ++i;
    };
    for (;;) {
        skip_ws();
        Condition c;
        const std::size_t k0 = i;
        while (i < s.size() && key_char(s[i]))
            ++i;
        if (i == k0) return bad("expected a key at position " + std::to_string(i));
        c.key = std::string(s.substr(k0, i - k0));
        skip_ws();
        if (i >= s.size()) return bad("expected an operator after " + c.key);
        if (s[i] == '=') {
            c.op = Condition::Op::eq;
            ++i;
        } else if (s[i] == '<' || s[i] == '>') {
            const bool less = s[i] == '<';
            ++i;
            const bool eq = i < s.size() && s[i] == '=';
            if (eq) ++i;
            c.op = less ? (eq ? Condition::Op::le : Condition::Op::lt)
                        : (eq ? Condition::Op::ge : Condition::Op::gt);
        } else {
            return bad("unsupported operator at position " + std::to_string(i));
        }
        skip_ws();
        if (i >= s.size()) return bad("expected a value after " + c.key);
        if (s[i] == '\'') {
            const std::size_t close = s.find('\'', i + 1);
            if (close == std::string_view::npos) return bad("unterminated string");
            c.text = std::string(s.substr(i + 1, close - i - 1));
            i = close + 1;
            if (c.op != Condition::Op::eq) return bad("strings compare with = only");
        } else {
            const std::size_t v0 = i;
            while (i < s.size() && s[i] != ' ' && s[i] != '\t')
                ++i;
            if (!parse_number(s.substr(v0, i - v0), c.number)) return bad("bad number");
            c.is_number = true;
        }
        q.conditions.push_back(std::move(c));
        if (q.conditions.size() > k_max_query_conditions) return bad("too many conditions");
        skip_ws();
        if (i == s.size()) break;
        if (s.substr(i, 3) != "AND" || (i + 3 < s.size() && s[i + 3] != ' ')) {
            return bad("expected AND at position " + std::to_string(i));
        }
        i += 3;
    }
    return q;
}

}  // namespace seer::rpc::detail
