#include "query.hpp"

#include <cctype>
#include <charconv>
#include <cstdlib>

namespace seer::rpc::detail {

namespace {

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool key_first_char(char c) {
    return is_alpha(c) || c == '_';
}
bool key_char(char c) {
    return is_alpha(c) || is_digit(c) || c == '.' || c == '_' || c == '-' || c == '/';
}
bool time_char(char c) {
    return is_digit(c) || c == '-' || c == 'T' || c == ':' || c == '+' || c == 'Z';
}
bool date_char(char c) {
    return is_digit(c) || c == '-';
}

char lower(char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

bool iequal(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

bool icontains(std::string_view hay, std::string_view needle) {
    if (needle.size() > hay.size()) return false;
    for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i)
        if (iequal(hay.substr(i, needle.size()), needle)) return true;
    return false;
}

// ---- numbers: non-negative decimals, compared exactly as digit strings ----

struct Decimal {
    std::string_view int_digits;   // without leading zeros ("" for 0)
    std::string_view frac_digits;  // without trailing zeros
};

Decimal canonical(std::string_view int_digits, std::string_view frac_digits) {
    while (!int_digits.empty() && int_digits.front() == '0')
        int_digits.remove_prefix(1);
    while (!frac_digits.empty() && frac_digits.back() == '0')
        frac_digits.remove_suffix(1);
    return {int_digits, frac_digits};
}

/// CometBFT's reading of an attribute value as a number: its longest prefix matching
/// \d+(\.\d+)? ("8atom" is 8, "1.5.2" is 1.5, "5." is 5); no leading digit, no number.
std::optional<Decimal> leading_number(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size() && is_digit(s[i]))
        ++i;
    if (i == 0) return std::nullopt;
    const auto int_digits = s.substr(0, i);
    std::string_view frac;
    if (i + 1 < s.size() && s[i] == '.' && is_digit(s[i + 1])) {
        std::size_t j = i + 1;
        while (j < s.size() && is_digit(s[j]))
            ++j;
        frac = s.substr(i + 1, j - i - 1);
    }
    return canonical(int_digits, frac);
}

/// The operand literal (already validated as digit+ [. digit+]).
Decimal literal_number(std::string_view s) {
    const auto dot = s.find('.');
    if (dot == std::string_view::npos) return canonical(s, {});
    return canonical(s.substr(0, dot), s.substr(dot + 1));
}

int compare(const Decimal& a, const Decimal& b) {
    if (a.int_digits.size() != b.int_digits.size())
        return a.int_digits.size() < b.int_digits.size() ? -1 : 1;
    if (const int c = a.int_digits.compare(b.int_digits); c != 0) return c < 0 ? -1 : 1;
    const int c = a.frac_digits.compare(b.frac_digits);
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

// ---- TIME / DATE ----

struct Instant {
    std::int64_t seconds = 0;  // Unix seconds
    std::int32_t nanos = 0;
    int year = 0;
};

int compare(const Instant& a, const Instant& b) {
    if (a.seconds != b.seconds) return a.seconds < b.seconds ? -1 : 1;
    if (a.nanos != b.nanos) return a.nanos < b.nanos ? -1 : 1;
    return 0;
}

bool fixed_digits(std::string_view s, std::size_t at, std::size_t n, int& out) {
    if (at + n > s.size()) return false;
    out = 0;
    for (std::size_t i = at; i < at + n; ++i) {
        if (!is_digit(s[i])) return false;
        out = out * 10 + (s[i] - '0');
    }
    return true;
}

bool leap(int y) {
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int days_in_month(int y, int m) {
    static constexpr int k_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : k_days[m - 1];
}

/// Days from 1970-01-01 to the proleptic Gregorian date y-m-d (m in 1..12).
std::int64_t days_from_civil(int y, int m, int d) {
    const std::int64_t yy = y - (m <= 2 ? 1 : 0);
    const std::int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
    const std::int64_t year_of_era = yy - era * 400;
    const std::int64_t day_of_year = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const std::int64_t day_of_era =
        year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era - 719468;
}

/// yyyy-mm-dd at the start of `s`; the number of characters read (10) or 0.
std::size_t parse_ymd(std::string_view s, Instant& out) {
    int y = 0, m = 0, d = 0;
    if (!fixed_digits(s, 0, 4, y) || s.size() < 10 || s[4] != '-' || !fixed_digits(s, 5, 2, m) ||
        s[7] != '-' || !fixed_digits(s, 8, 2, d))
        return 0;
    if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m)) return 0;
    out.year = y;
    out.seconds = days_from_civil(y, m, d) * 86400;
    out.nanos = 0;
    return 10;
}

/// Exactly yyyy-mm-dd (Go's "2006-01-02").
std::optional<Instant> parse_date(std::string_view s) {
    Instant t;
    if (s.size() != 10 || parse_ymd(s, t) != 10) return std::nullopt;
    return t;
}

/// RFC 3339 as Go's time.Parse(time.RFC3339) reads it: yyyy-mm-ddThh:mm:ss, optional
/// fractional seconds, then Z or +hh:mm / -hh:mm.
std::optional<Instant> parse_time(std::string_view s) {
    Instant t;
    if (parse_ymd(s, t) != 10) return std::nullopt;
    int hh = 0, mm = 0, ss = 0;
    if (s.size() < 19 || s[10] != 'T' || !fixed_digits(s, 11, 2, hh) || s[13] != ':' ||
        !fixed_digits(s, 14, 2, mm) || s[16] != ':' || !fixed_digits(s, 17, 2, ss))
        return std::nullopt;
    if (hh > 23 || mm > 59 || ss > 59) return std::nullopt;
    std::size_t i = 19;
    if (i < s.size() && s[i] == '.') {
        ++i;
        const std::size_t f0 = i;
        std::int32_t nanos = 0;
        while (i < s.size() && is_digit(s[i])) {
            if (i - f0 < 9) nanos = nanos * 10 + (s[i] - '0');
            ++i;
        }
        if (i == f0) return std::nullopt;
        for (std::size_t k = i - f0; k < 9; ++k)
            nanos *= 10;
        t.nanos = nanos;
    }
    std::int64_t offset = 0;
    if (i < s.size() && s[i] == 'Z') {
        ++i;
    } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
        int oh = 0, om = 0;
        if (!fixed_digits(s, i + 1, 2, oh) || i + 3 >= s.size() || s[i + 3] != ':' ||
            !fixed_digits(s, i + 4, 2, om) || oh > 23 || om > 59)
            return std::nullopt;
        offset = (s[i] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
        i += 6;
    } else {
        return std::nullopt;
    }
    if (i != s.size()) return std::nullopt;
    t.seconds += hh * 3600 + mm * 60 + ss - offset;
    return t;
}

int compare_value(const Condition& c, std::string_view value, bool& ok) {
    ok = false;
    switch (c.kind) {
        case Condition::Kind::number: {
            const auto v = leading_number(value);
            if (!v) return 0;
            ok = true;
            return compare(*v, literal_number(c.text));
        }
        case Condition::Kind::time:
        case Condition::Kind::date: {
            const auto v = c.kind == Condition::Kind::time ? parse_time(value) : parse_date(value);
            if (!v) return 0;
            ok = true;
            return compare(*v, Instant{c.unix_seconds, c.nanos, 0});
        }
        case Condition::Kind::string:
        case Condition::Kind::none:
            return 0;
    }
    return 0;
}

// ---- tokens ----

enum class Tok {
    end,
    key,
    string,
    number,
    time,
    date,
    kw_and,
    kw_contains,
    kw_exists,
    eq,
    lt,
    le,
    gt,
    ge
};

struct Token {
    Tok type = Tok::end;
    std::string_view text;  // a string without its quotes; TIME/DATE without the keyword
    std::size_t pos = 0;
    Instant instant;  // time, date
};

std::string describe(const Token& t) {
    switch (t.type) {
        case Tok::end:
            return "end of query";
        case Tok::key:
            return "key '" + std::string(t.text) + "'";
        case Tok::string:
            return "string '" + std::string(t.text) + "'";
        case Tok::number:
            return "number " + std::string(t.text);
        case Tok::time:
            return "TIME " + std::string(t.text);
        case Tok::date:
            return "DATE " + std::string(t.text);
        case Tok::kw_and:
            return "AND";
        case Tok::kw_contains:
            return "CONTAINS";
        case Tok::kw_exists:
            return "EXISTS";
        case Tok::eq:
            return "=";
        case Tok::lt:
            return "<";
        case Tok::le:
            return "<=";
        case Tok::gt:
            return ">";
        case Tok::ge:
            return ">=";
    }
    return "token";
}

Error bad(std::string msg) {
    return make_error("bad_query", std::move(msg));
}
std::string at(std::size_t pos) {
    return " at position " + std::to_string(pos);
}

class Lexer {
public:
    explicit Lexer(std::string_view s) : m_s(s) {}

    Result<Token> next() {
        while (m_i < m_s.size() && is_space(m_s[m_i]))
            ++m_i;
        Token t;
        t.pos = m_i;
        if (m_i == m_s.size()) return t;
        const char c = m_s[m_i];
        if (is_digit(c)) return number(t);
        if (key_first_char(c)) return word(t);
        switch (c) {
            case '\'': {
                const std::size_t close = m_s.find('\'', m_i + 1);
                if (close == std::string_view::npos) return bad("unterminated string" + at(m_i));
                t.type = Tok::string;
                t.text = m_s.substr(m_i + 1, close - m_i - 1);
                m_i = close + 1;
                return t;
            }
            case '=':
                ++m_i;
                t.type = Tok::eq;
                return t;
            case '<':
            case '>': {
                ++m_i;
                const bool eq = m_i < m_s.size() && m_s[m_i] == '=';
                if (eq) ++m_i;
                t.type = c == '<' ? (eq ? Tok::le : Tok::lt) : (eq ? Tok::ge : Tok::gt);
                return t;
            }
            default:
                break;
        }
        const auto u = static_cast<unsigned char>(c);
        if (std::isprint(u) != 0)
            return bad(std::string("unexpected character '") + c + "'" + at(m_i));
        return bad("unexpected byte " + std::to_string(u) + at(m_i));
    }

private:
    Result<Token> number(Token t) {
        const std::size_t p0 = m_i;
        while (m_i < m_s.size() && is_digit(m_s[m_i]))
            ++m_i;
        if (m_i < m_s.size() && m_s[m_i] == '.') {
            ++m_i;
            const std::size_t f0 = m_i;
            while (m_i < m_s.size() && is_digit(m_s[m_i]))
                ++m_i;
            if (m_i == f0 || (m_i < m_s.size() && m_s[m_i] == '.'))
                return bad("bad number" + at(p0));
        }
        if (m_i - p0 > k_max_query_number_chars)
            return bad("number longer than " + std::to_string(k_max_query_number_chars) +
                       " characters" + at(p0));
        t.type = Tok::number;
        t.text = m_s.substr(p0, m_i - p0);
        return t;
    }

    Result<Token> word(Token t) {
        const std::size_t p0 = m_i;
        while (m_i < m_s.size() && key_char(m_s[m_i]))
            ++m_i;
        t.text = m_s.substr(p0, m_i - p0);
        t.type = Tok::key;
        if (t.text == "AND") {
            t.type = Tok::kw_and;
        } else if (t.text == "CONTAINS") {
            t.type = Tok::kw_contains;
        } else if (t.text == "EXISTS") {
            t.type = Tok::kw_exists;
        } else if ((t.text == "TIME" || t.text == "DATE") && m_i < m_s.size() && m_s[m_i] == ' ') {
            // As in CometBFT, TIME or DATE followed by one space introduces a timestamp;
            // otherwise the word is an ordinary key.
            const bool is_time = t.text == "TIME";
            ++m_i;
            const std::size_t v0 = m_i;
            while (m_i < m_s.size() && (is_time ? time_char(m_s[m_i]) : date_char(m_s[m_i])))
                ++m_i;
            t.text = m_s.substr(v0, m_i - v0);
            const auto v = is_time ? parse_time(t.text) : parse_date(t.text);
            if (!v) {
                return bad(std::string(is_time ? "bad TIME value (want RFC 3339, e.g. "
                                                 "2006-01-02T15:04:05Z)"
                                               : "bad DATE value (want 2006-01-02)") +
                           at(p0));
            }
            if (v->year < 1900 || v->year > 2999)
                return bad(std::string(is_time ? "TIME" : "DATE") + " year out of range" + at(p0));
            t.type = is_time ? Tok::time : Tok::date;
            t.instant = *v;
        }
        return t;
    }

    std::string_view m_s;
    std::size_t m_i = 0;
};

Condition::Kind kind_of(Tok t) {
    switch (t) {
        case Tok::string:
            return Condition::Kind::string;
        case Tok::number:
            return Condition::Kind::number;
        case Tok::time:
            return Condition::Kind::time;
        case Tok::date:
            return Condition::Kind::date;
        case Tok::end:
        case Tok::key:
        case Tok::kw_and:
        case Tok::kw_contains:
        case Tok::kw_exists:
        case Tok::eq:
        case Tok::lt:
        case Tok::le:
        case Tok::gt:
        case Tok::ge:
            break;
    }
    return Condition::Kind::none;
}

const char* op_text(Condition::Op op) {
    switch (op) {
        case Condition::Op::eq:
            return "=";
        case Condition::Op::lt:
            return "<";
        case Condition::Op::le:
            return "<=";
        case Condition::Op::gt:
            return ">";
        case Condition::Op::ge:
            return ">=";
        case Condition::Op::contains:
            return "CONTAINS";
        case Condition::Op::exists:
            return "EXISTS";
    }
    return "?";
}

/// Whether some attribute key is `key` + "." + a name without dots: `key` is an event type.
bool names_event_type(const std::multimap<std::string, std::string>& attributes,
                      const std::string& key) {
    const std::string prefix = key + ".";
    for (auto it = attributes.lower_bound(prefix);
         it != attributes.end() && it->first.starts_with(prefix); ++it) {
        if (it->first.find('.', prefix.size()) == std::string::npos) return true;
    }
    return false;
}

}  // namespace

bool Condition::matches_value(std::string_view value) const {
    switch (op) {
        case Op::exists:
            return true;
        case Op::contains:
            if (kind != Kind::string) return false;
            // Hashes are hex: compare them without regard to case.
            if (key == "tx.hash") return icontains(value, text);
            return value.find(text) != std::string_view::npos;
        case Op::eq:
            if (kind == Kind::string) {
                if (key == "tx.hash") return iequal(text, value);
                return value == text;
            }
            [[fallthrough]];
        case Op::lt:
        case Op::le:
        case Op::gt:
        case Op::ge: {
            bool ok = false;
            const int c = compare_value(*this, value, ok);
            if (!ok) return false;
            switch (op) {
                case Op::eq:
                    return c == 0;
                case Op::lt:
                    return c < 0;
                case Op::le:
                    return c <= 0;
                case Op::gt:
                    return c > 0;
                case Op::ge:
                    return c >= 0;
                case Op::contains:
                case Op::exists:
                    break;
            }
            return false;
        }
    }
    return false;
}

std::optional<std::int64_t> Condition::as_int64() const {
    if (kind != Kind::number) return std::nullopt;
    const auto d = literal_number(text);
    if (!d.frac_digits.empty()) return std::nullopt;
    if (d.int_digits.empty()) return 0;
    std::int64_t v = 0;
    const auto* end = d.int_digits.data() + d.int_digits.size();
    const auto r = std::from_chars(d.int_digits.data(), end, v);
    if (r.ec != std::errc{} || r.ptr != end) return std::nullopt;
    return v;
}

std::string Condition::to_string() const {
    std::string out = key + " " + op_text(op);
    switch (kind) {
        case Kind::none:
            break;
        case Kind::string:
            out += " '" + text + "'";
            break;
        case Kind::number:
            out += " " + text;
            break;
        case Kind::time:
            out += " TIME " + text;
            break;
        case Kind::date:
            out += " DATE " + text;
            break;
    }
    return out;
}

bool Query::matches(const std::multimap<std::string, std::string>& attributes) const {
    for (const auto& c : conditions) {
        auto [lo, hi] = attributes.equal_range(c.key);
        bool any = false;
        for (auto it = lo; it != hi && !any; ++it)
            any = c.matches_value(it->second);
        // CometBFT: a key equal to an event type is tested against "" (type-only EXISTS).
        if (!any) any = names_event_type(attributes, c.key) && c.matches_value("");
        if (!any) return false;
    }
    return true;
}

const Condition* Query::find(std::string_view key) const {
    for (const auto& c : conditions)
        if (c.key == key && c.op == Condition::Op::eq) return &c;
    return nullptr;
}

std::string Query::to_string() const {
    std::string out;
    for (const auto& c : conditions) {
        if (!out.empty()) out += " AND ";
        out += c.to_string();
    }
    return out;
}

Result<Query> parse_query(std::string_view s) {
    if (s.size() > k_max_query_bytes)
        return bad("query too long (" + std::to_string(s.size()) + " bytes, max " +
                   std::to_string(k_max_query_bytes) + ")");
    Lexer lex(s);
    Query q;
    for (;;) {
        auto key = lex.next();
        if (!key) return key.error();
        if (key->type != Tok::key)
            return bad("expected a key" + at(key->pos) + ", got " + describe(*key));
        Condition c;
        c.key = std::string(key->text);

        auto op = lex.next();
        if (!op) return op.error();
        switch (op->type) {
            case Tok::eq:
                c.op = Condition::Op::eq;
                break;
            case Tok::lt:
                c.op = Condition::Op::lt;
                break;
            case Tok::le:
                c.op = Condition::Op::le;
                break;
            case Tok::gt:
                c.op = Condition::Op::gt;
                break;
            case Tok::ge:
                c.op = Condition::Op::ge;
                break;
            case Tok::kw_contains:
                c.op = Condition::Op::contains;
                break;
            case Tok::kw_exists:
                c.op = Condition::Op::exists;
                break;
            case Tok::end:
            case Tok::key:
            case Tok::string:
            case Tok::number:
            case Tok::time:
            case Tok::date:
            case Tok::kw_and:
                return bad("expected an operator (=, <, <=, >, >=, CONTAINS, EXISTS) after " +
                           c.key + at(op->pos) + ", got " + describe(*op));
        }

        if (c.op != Condition::Op::exists) {
            auto arg = lex.next();
            if (!arg) return arg.error();
            const auto kind = kind_of(arg->type);
            const std::string where = " after " + c.key + " " + op_text(c.op) + at(arg->pos);
            if (kind == Condition::Kind::none)
                return bad("expected a value" + where + ", got " + describe(*arg));
            if (c.op == Condition::Op::contains && kind != Condition::Kind::string)
                return bad("CONTAINS takes a string" + where);
            // Strings are equal or not: like CometBFT, <, <=, >, >= order numbers, TIME and
            // DATE only, so a string operand there is a parse error.
            if (c.op != Condition::Op::eq && c.op != Condition::Op::contains &&
                kind == Condition::Kind::string)
                return bad("strings compare with = and CONTAINS only" + where);
            c.kind = kind;
            c.is_number = kind == Condition::Kind::number;
            c.text = std::string(arg->text);
            if (c.is_number) c.number = std::strtod(c.text.c_str(), nullptr);
            c.unix_seconds = arg->instant.seconds;
            c.nanos = arg->instant.nanos;
        }

        q.conditions.push_back(std::move(c));
        if (q.conditions.size() > k_max_query_conditions)
            return bad("too many conditions (max " + std::to_string(k_max_query_conditions) + ")");

        auto sep = lex.next();
        if (!sep) return sep.error();
        if (sep->type == Tok::end) break;
        if (sep->type != Tok::kw_and)
            return bad("expected AND" + at(sep->pos) + ", got " + describe(*sep));
    }
    return q;
}

}  // namespace seer::rpc::detail
