#include "seer/bank/keeper.hpp"

#include "seer/common/check.hpp"

namespace seer::bank {

namespace {

constexpr std::uint8_t k_balance_prefix = 'b';
constexpr std::uint8_t k_supply_prefix = 's';

Bytes balance_prefix(const Address& a) {
    Bytes k(1 + a.size());
    k[0] = k_balance_prefix;
    std::copy(a.begin(), a.end(), k.begin() + 1);
    return k;
}

Bytes balance_key(const Address& a, std::string_view denom) {
    Bytes k = balance_prefix(a);
    k.insert(k.end(), denom.begin(), denom.end());
    return k;
}

Bytes supply_key(std::string_view denom) {
    Bytes k(1, k_supply_prefix);
    k.insert(k.end(), denom.begin(), denom.end());
    return k;
}

std::uint64_t decode_amount(const std::optional<Bytes>& b) {
    if (!b) return 0;
    SEER_CHECK(b->size() == 8);
    return read_be(*b);
}

Bytes encode_amount(std::uint64_t v) {
    Bytes b;
    append_be(b, v);
    return b;
}

}  // namespace

std::uint64_t Keeper::balance(const store::KvView& view, const Address& address,
                              std::string_view denom) const {
    return decode_amount(view.get(balance_key(address, denom)));
}

Coins Keeper::balances(const store::KvView& view, const Address& address) const {
    const Bytes prefix = balance_prefix(address);
    Coins out;
    for (const auto& [key, value] : view.collect(prefix))
        out.push_back({std::string(key.begin() + static_cast<std::ptrdiff_t>(prefix.size()),
                                   key.end()),
                       decode_amount(value)});
    return out;
}

std::uint64_t Keeper::supply_of(const store::KvView& view, std::string_view denom) const {
    return decode_amount(view.get(supply_key(denom)));
}

Coins Keeper::total_supply(const store::KvView& view) const {
    Coins out;
    for (const auto& [key, value] : view.collect(Bytes(1, k_supply_prefix)))
        out.push_back({std::string(key.begin() + 1, key.end()), decode_amount(value)});
    return out;
}

void Keeper::set_balance(store::KvView& view, const Address& address, std::string_view denom,
                         std::uint64_t amount) const {
    if (amount == 0) {
        view.erase(balance_key(address, denom));
    } else {
        view.put(balance_key(address, denom), encode_amount(amount));
    }
}

Status Keeper::send(store::KvView& view, const Address& from, const Address& to,
                    const Coins& coins) const {
    if (auto s = validate_coins(coins); !s) return s;
    for (const auto& c : coins) {
        const std::uint64_t have = balance(view, from, c.denom);
        if (have < c.amount)
            return make_error("insufficient_funds",
                              "spendable balance " + std::to_string(have) + c.denom +
                                  " is smaller than " + std::to_string(c.amount) + c.denom +
                                  ": insufficient funds");
        if (from != to && balance(view, to, c.denom) > UINT64_MAX - c.amount)
            return make_error("invalid_coins", "the receiver's balance would overflow");
    }
    if (from == to) return {};
    for (const auto& c : coins) {
        set_balance(view, from, c.denom, balance(view, from, c.denom) - c.amount);
        set_balance(view, to, c.denom, balance(view, to, c.denom) + c.amount);
    }
    if (m_on_receive) m_on_receive(view, to);
    return {};
}

Status Keeper::mint(store::KvView& view, const Address& to, const Coins& coins) const {
    if (auto s = validate_coins(coins); !s) return s;
    for (const auto& c : coins) {
        const std::uint64_t supply = supply_of(view, c.denom);
        if (supply > UINT64_MAX - c.amount)
            return make_error("invalid_coins", "supply of " + c.denom + " would overflow");
        view.put(supply_key(c.denom), encode_amount(supply + c.amount));
        set_balance(view, to, c.denom, balance(view, to, c.denom) + c.amount);
    }
    if (m_on_receive) m_on_receive(view, to);
    return {};
}

}  // namespace seer::bank
