#include "seer/bank/coins.hpp"

#include <set>

namespace seer::bank {

namespace {
bool alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool digit(char c) {
    return c >= '0' && c <= '9';
}
constexpr std::uint64_t k_e18 = 1'000'000'000'000'000'000ull;
}  // namespace

bool valid_denom(std::string_view d) {
    if (d.size() < 3 || d.size() > 128 || !alpha(d[0])) return false;
    for (char c : d.substr(1))
        if (!alpha(c) && !digit(c) && c != '/' && c != ':' && c != '.' && c != '_' && c != '-')
            return false;
    return true;
}

Result<std::uint64_t> parse_amount(std::string_view text) {
    if (text.empty()) return make_error("invalid_coins", "empty amount");
    std::uint64_t v = 0;
    for (char c : text) {
        if (!digit(c)) return make_error("invalid_coins", "amount '" + std::string(text) +
                                                              "' is not an unsigned integer");
        const auto d = static_cast<std::uint64_t>(c - '0');
        if (v > (UINT64_MAX - d) / 10)
            return make_error("invalid_coins",
                              "amount " + std::string(text) + " exceeds 2^64-1 (ADR 0006)");
        v = v * 10 + d;
    }
    return v;
}

Status validate_coins(const Coins& coins) {
    std::set<std::string_view> seen;
    for (const auto& c : coins) {
        if (!valid_denom(c.denom)) return make_error("invalid_coins", "invalid denom: " + c.denom);
        if (c.amount == 0)
            return make_error("invalid_coins", "amount of " + c.denom + " must be positive");
        if (!seen.insert(c.denom).second)
            return make_error("invalid_coins", "duplicate denom " + c.denom);
    }
    return {};
}

Result<Coins> parse_coins(std::string_view text) {
    Coins out;
    while (!text.empty()) {
        const auto comma = text.find(',');
        std::string_view item = text.substr(0, comma);
        text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
        while (!item.empty() && item.front() == ' ')
            item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ')
            item.remove_suffix(1);
        std::size_t i = 0;
        while (i < item.size() && digit(item[i]))
            ++i;
        if (i == 0 || i == item.size())
            return make_error("invalid_coins",
                              "'" + std::string(item) + "' is not a coin like 1000useer");
        auto amount = parse_amount(item.substr(0, i));
        if (!amount) return amount.error();
        out.push_back({std::string(item.substr(i)), *amount});
        if (comma == std::string_view::npos) break;
    }
    if (out.empty()) return make_error("invalid_coins", "no coins given");
    if (auto s = validate_coins(out); !s) return s.error();
    return out;
}

std::string to_string(const Coins& coins) {
    std::string s;
    for (const auto& c : coins) {
        if (!s.empty()) s += ',';
        s += std::to_string(c.amount) + c.denom;
    }
    return s;
}

std::uint64_t amount_of(const Coins& coins, std::string_view denom) {
    for (const auto& c : coins)
        if (c.denom == denom) return c.amount;
    return 0;
}

std::uint64_t GasPrice::fee_for(std::uint64_t gas) const {
    __extension__ using u128 = unsigned __int128;  // g++ and clang; not in ISO C++
    const u128 product = static_cast<u128>(gas) * units;
    const u128 fee = (product + k_e18 - 1) / k_e18;
    return fee > UINT64_MAX ? UINT64_MAX : static_cast<std::uint64_t>(fee);
}

Result<std::vector<GasPrice>> parse_gas_prices(std::string_view text) {
    std::vector<GasPrice> out;
    while (!text.empty()) {
        const auto comma = text.find(',');
        std::string_view item = text.substr(0, comma);
        text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
        std::size_t i = 0;
        while (i < item.size() && (digit(item[i]) || item[i] == '.'))
            ++i;
        const std::string_view number = item.substr(0, i);
        const std::string_view denom = item.substr(i);
        auto bad = [&] {
            return make_error("invalid_gas_price",
                              "'" + std::string(item) + "' is not a gas price like 0.025useer");
        };
        if (number.empty() || !valid_denom(denom)) return bad();
        const auto dot = number.find('.');
        const std::string_view whole = number.substr(0, dot);
        const std::string_view frac =
            dot == std::string_view::npos ? std::string_view{} : number.substr(dot + 1);
        if (whole.empty() || frac.find('.') != std::string_view::npos || frac.size() > 18)
            return bad();
        auto w = parse_amount(whole);
        if (!w || *w > UINT64_MAX / k_e18) return bad();
        std::uint64_t f = 0;
        for (std::size_t k = 0; k < 18; ++k)
            f = f * 10 + (k < frac.size() ? static_cast<std::uint64_t>(frac[k] - '0') : 0);
        out.push_back({std::string(denom), *w * k_e18 + f});
        if (comma == std::string_view::npos) break;
    }
    return out;
}

}  // namespace seer::bank
