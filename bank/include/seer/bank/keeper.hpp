#pragma once
// The bank: balances per (address, denom) and the supply per denom, in the application state.
//
// Keys:  'b' | address (20) | denom -> amount (u64 BE)
//        's' | denom                -> supply (u64 BE)
//
// Every function works on a store::KvView, so a caller decides which layer it writes: one tx's
// cache, a mempool check or the block. Deterministic.

#include <functional>
#include <optional>

#include "seer/bank/coins.hpp"
#include "seer/crypto/address.hpp"
#include "seer/store/state_overlay.hpp"

namespace seer::bank {

using crypto::Address;

struct GenesisBalance {
    std::string address;  // bech32
    Coins coins;
};

class Keeper {
public:
    /// `on_receive` runs when an address receives coins (the SDK creates its account then).
    explicit Keeper(std::function<void(store::KvView&, const Address&)> on_receive = {})
        : m_on_receive(std::move(on_receive)) {}

    std::uint64_t balance(const store::KvView& view, const Address& address,
                          std::string_view denom) const;
    /// Every non-zero balance of an address, by denom.
    Coins balances(const store::KvView& view, const Address& address) const;
    std::uint64_t supply_of(const store::KvView& view, std::string_view denom) const;
    Coins total_supply(const store::KvView& view) const;

    /// Moves coins; fails without writing when `from` lacks any of them ("insufficient_funds").
    Status send(store::KvView& view, const Address& from, const Address& to,
                const Coins& coins) const;
    /// New coins (genesis): raises the supply. Fails on overflow.
    Status mint(store::KvView& view, const Address& to, const Coins& coins) const;

private:
    void set_balance(store::KvView& view, const Address& address, std::string_view denom,
                     std::uint64_t amount) const;
    std::function<void(store::KvView&, const Address&)> m_on_receive;
};

}  // namespace seer::bank
