#pragma once
// Helpers of the app/ tests: the x/async test driver (tests/unit/async/support.hpp) with funded
// genesis accounts, bank txs and the Cosmos query paths.

#include "../async/support.hpp"
#include "cosmos/auth/v1beta1/auth.pb.h"
#include "cosmos/bank/v1beta1/bank.pb.h"
#include "cosmos/crypto/secp256k1/keys.pb.h"
#include "cosmos/tx/v1beta1/service.pb.h"
#include "seer/bank/coins.hpp"

namespace seer::app::test {

using namespace seer::async::test;
namespace av1 = seer::async::v1;

inline std::uint32_t code(SdkCode c) {
    return static_cast<std::uint32_t>(c);
}

inline bank::Coins useer(std::uint64_t amount) {
    return {{std::string(bank::k_native_denom), amount}};
}

/// Users 0..k_users-1 (ed25519, account numbers 0..), user 0 funded with `funds` useer and
/// user 1 with 500useer.
inline Genesis funded_genesis(std::uint64_t funds = 1'000'000,
                              const async::AppGenesis& module = genesis()) {
    Genesis g = app_genesis(module);
    g.balances.push_back({user_bech32(0), useer(funds)});
    g.balances.push_back({user_bech32(1), useer(500)});
    REQUIRE(validate_genesis(g).ok());
    return g;
}

inline crypto::AccountKey account_key(int i) {
    return crypto::AccountKey(user(i));
}

inline TxOptions options(int i, std::uint64_t sequence, std::uint64_t fee = 0,
                         std::uint64_t gas_limit = k_default_gas_limit) {
    TxOptions o;
    o.chain_id = std::string(k_chain_id);
    o.account_number = static_cast<std::uint64_t>(i);
    o.sequence = sequence;
    if (fee > 0) o.fee = useer(fee);
    o.gas_limit = gas_limit;
    return o;
}

inline Bytes send_tx(int from, std::uint64_t sequence, const std::string& to, std::uint64_t amount,
                     std::uint64_t fee = 0, std::uint64_t gas_limit = k_default_gas_limit) {
    return build_tx(account_key(from), options(from, sequence, fee, gas_limit),
                    {msg_send(user_bech32(from), to, useer(amount))});
}

inline Bytes future_tx(int from, std::uint64_t sequence, std::uint64_t fee = 0,
                       std::uint64_t gas_limit = k_default_gas_limit,
                       const std::string& handler = "echo") {
    return build_tx(account_key(from), options(from, sequence, fee, gas_limit),
                    {msg_add_future(user_bech32(from), handler, as_bytes("hello"))});
}

inline consensus::CheckTxResponse check(consensus::Application& app, const Bytes& tx) {
    return app.check_tx(tx, consensus::CheckTxKind::new_tx);
}

template <class Request>
Bytes request_bytes(const Request& r) {
    return to_bytes(r.SerializeAsString());
}

inline std::uint64_t balance(consensus::Application& app, const std::string& address,
                             const std::string& denom = std::string(bank::k_native_denom)) {
    cosmos::bank::v1beta1::QueryBalanceRequest r;
    r.set_address(address);
    r.set_denom(denom);
    auto resp = parse_as<cosmos::bank::v1beta1::QueryBalanceResponse>(
        query(app, "/cosmos.bank.v1beta1.Query/Balance", request_bytes(r)));
    CHECK(resp.balance().denom() == denom);
    return std::stoull(resp.balance().amount());
}

inline std::uint64_t balance(consensus::Application& app, const Address& address) {
    return balance(app, crypto::to_bech32_address(address));
}

inline std::optional<cosmos::auth::v1beta1::BaseAccount> account(consensus::Application& app,
                                                                 const std::string& address) {
    cosmos::auth::v1beta1::QueryAccountRequest r;
    r.set_address(address);
    auto q = query(app, "/cosmos.auth.v1beta1.Query/Account", request_bytes(r));
    if (q.code != 0) return std::nullopt;
    auto resp = parse_as<cosmos::auth::v1beta1::QueryAccountResponse>(q);
    REQUIRE(resp.account().type_url() == k_base_account_type_url);
    cosmos::auth::v1beta1::BaseAccount acc;
    REQUIRE(acc.ParseFromString(resp.account().value()));
    return acc;
}

/// A bech32 address with no account in any genesis here.
inline std::string stranger(std::uint8_t n = 200) {
    return crypto::to_bech32_address(crypto::address_of(key(n).public_key()));
}

}  // namespace seer::app::test
