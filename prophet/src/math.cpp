// The `math` handler: a recursive-descent evaluator of int64 expressions with checked overflow.
//
//   expr    := term (('+' | '-') term)*
//   term    := unary (('*' | '/' | '%') unary)*
//   unary   := ('-' | '+') unary | power
//   power   := primary ('^' unary)?          right-associative: 2^3^2 = 2^9
//   primary := digits | '(' expr ')'
//
// Recursion depth is bounded by MathLimits::max_depth (parentheses and unary operators), so a
// hostile input cannot overflow the stack.

#include <cstdint>
#include <limits>
#include <string>

#include "seer/prophet/handler.hpp"

namespace seer::prophet {
namespace {

class Parser {
public:
    Parser(std::string_view text, const MathLimits& limits) : m_text(text), m_limits(limits) {}

    Result<std::int64_t> parse() {
        auto value = expr();
        if (!value) return value;
        skip_space();
        if (m_pos != m_text.size()) return unexpected();
        return value;
    }

private:
    static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
    static bool is_digit(char c) { return c >= '0' && c <= '9'; }

    void skip_space() {
        while (m_pos < m_text.size() && is_space(m_text[m_pos]))
            ++m_pos;
    }

    // Next non-space character, or '\0' at the end.
    char peek() {
        skip_space();
        return m_pos < m_text.size() ? m_text[m_pos] : '\0';
    }

    Error syntax(const std::string& what) const {
        return make_error("syntax", what + " at position " + std::to_string(m_pos));
    }

    Error unexpected() {
        if (m_pos >= m_text.size()) return syntax("unexpected end of expression");
        const char c = m_text[m_pos];
        if (c >= 0x21 && c <= 0x7e) return syntax(std::string("unexpected '") + c + "'");
        return syntax("unexpected byte");
    }

    Error overflow(char op, std::size_t pos) const {
        return make_error("overflow", std::string("int64 overflow in '") + op + "' at position " +
                                          std::to_string(pos));
    }

    Result<std::int64_t> expr() {
        auto left = term();
        if (!left) return left;
        std::int64_t acc = *left;
        for (;;) {
            const char op = peek();
            if (op != '+' && op != '-') return acc;
            const std::size_t op_pos = m_pos++;
            auto right = term();
            if (!right) return right;
            std::int64_t out = 0;
            const bool over = op == '+' ? __builtin_add_overflow(acc, *right, &out)
                                        : __builtin_sub_overflow(acc, *right, &out);
            if (over) return overflow(op, op_pos);
            acc = out;
        }
    }

    Result<std::int64_t> term() {
        auto left = unary();
        if (!left) return left;
        std::int64_t acc = *left;
        for (;;) {
            const char op = peek();
            if (op != '*' && op != '/' && op != '%') return acc;
            const std::size_t op_pos = m_pos++;
            auto right = unary();
            if (!right) return right;
            const std::int64_t rhs = *right;
            if (op == '*') {
                std::int64_t out = 0;
                if (__builtin_mul_overflow(acc, rhs, &out)) return overflow(op, op_pos);
                acc = out;
                continue;
            }
            if (rhs == 0) {
                return make_error("division_by_zero",
                                  std::string(op == '/' ? "division" : "modulo") +
                                      " by zero at position " + std::to_string(op_pos));
            }
            const bool min_by_minus_one =
                acc == std::numeric_limits<std::int64_t>::min() && rhs == -1;
            if (op == '/') {
                if (min_by_minus_one) return overflow(op, op_pos);
                acc /= rhs;
            } else {
                acc = min_by_minus_one ? 0 : acc % rhs;  // INT64_MIN % -1 is 0, but UB in C++
            }
        }
    }

    Result<std::int64_t> unary() {
        const char c = peek();
        if (c != '-' && c != '+') return power();
        const std::size_t op_pos = m_pos++;
        if (++m_depth > m_limits.max_depth) return too_deep();
        auto operand = unary();
        --m_depth;
        if (!operand) return operand;
        if (c == '+') return operand;
        if (*operand == std::numeric_limits<std::int64_t>::min()) return overflow('-', op_pos);
        return -*operand;
    }

    Result<std::int64_t> power() {
        auto base = primary();
        if (!base) return base;
        if (peek() != '^') return base;
        const std::size_t op_pos = m_pos++;
        if (++m_depth > m_limits.max_depth) return too_deep();
        auto exponent = unary();
        --m_depth;
        if (!exponent) return exponent;
        if (*exponent < 0) {
            return make_error("negative_exponent",
                              "negative exponent at position " + std::to_string(op_pos));
        }
        std::int64_t result = 1;
        std::int64_t b = *base;
        auto e = static_cast<std::uint64_t>(*exponent);
        while (e > 0) {
            if ((e & 1U) != 0) {
                if (__builtin_mul_overflow(result, b, &result)) return overflow('^', op_pos);
            }
            e >>= 1U;
            if (e > 0 && __builtin_mul_overflow(b, b, &b)) return overflow('^', op_pos);
        }
        return result;
    }

    Result<std::int64_t> primary() {
        const char c = peek();
        if (c == '(') {
            ++m_pos;
            if (++m_depth > m_limits.max_depth) return too_deep();
            auto inner = expr();
            --m_depth;
            if (!inner) return inner;
            if (peek() != ')') return m_pos >= m_text.size() ? syntax("missing ')'") : unexpected();
            ++m_pos;
            return inner;
        }
        if (!is_digit(c)) return unexpected();
        const std::size_t start = m_pos;
        std::int64_t value = 0;
        while (m_pos < m_text.size() && is_digit(m_text[m_pos])) {
            const int digit = m_text[m_pos] - '0';
            if (__builtin_mul_overflow(value, 10, &value) ||
                __builtin_add_overflow(value, digit, &value)) {
                return make_error("overflow", "integer literal out of int64 range at position " +
                                                  std::to_string(start));
            }
            ++m_pos;
        }
        return value;
    }

    Error too_deep() const {
        return make_error("too_deep", "nesting deeper than " + std::to_string(m_limits.max_depth) +
                                          " at position " + std::to_string(m_pos));
    }

    std::string_view m_text;
    const MathLimits& m_limits;
    std::size_t m_pos = 0;
    std::size_t m_depth = 0;
};

class MathHandler final : public Handler {
public:
    explicit MathHandler(MathLimits limits) : m_limits(limits) {}

    std::string_view name() const override { return "math"; }

    Result<Bytes> execute(ByteView input, const Context&) const override {
        auto value = evaluate_math(
            std::string_view(reinterpret_cast<const char*>(input.data()), input.size()), m_limits);
        if (!value) return value.error();
        return to_bytes(std::to_string(*value));
    }

    Verdict verify(ByteView input, const Outcome& claimed, const Context& ctx) const override {
        return verify_by_execution(*this, input, claimed, ctx);
    }

private:
    MathLimits m_limits;
};

}  // namespace

Result<std::int64_t> evaluate_math(std::string_view expression, const MathLimits& limits) {
    if (expression.size() > limits.max_length) {
        return make_error("too_large",
                          "expression longer than " + std::to_string(limits.max_length) + " bytes");
    }
    return Parser(expression, limits).parse();
}

std::unique_ptr<Handler> make_math_handler(MathLimits limits) {
    return std::make_unique<MathHandler>(limits);
}

}  // namespace seer::prophet
