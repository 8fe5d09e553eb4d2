#pragma once
// The application fuzz_tx runs user txs against (check_tx), and the keys its seed txs are signed
// with: a small genesis of three accounts, so a seed passes decoding, the ante chain (account,
// key, sequence, signature, fee) and the messages, and a mutation can fail at any step.
//
//   account 0: ed25519, public key in genesis, 10^9 useer and 1000 uatom
//   account 1: secp256k1, no public key yet (a tx's signer info sets it), 10^6 useer
//   account 2: ed25519, no funds

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "seer/app/app.hpp"
#include "seer/app/tx.hpp"
#include "seer/async/module.hpp"
#include "seer/async/outputs.hpp"
#include "seer/async/params.hpp"
#include "seer/crypto/account_key.hpp"
#include "seer/store/kv.hpp"

namespace seer::fuzz {

inline constexpr std::string_view k_tx_chain_id = "seer-fuzz";
inline constexpr int k_tx_accounts = 3;

inline crypto::AccountKey tx_key(int i) {
    Bytes secret(32, static_cast<std::uint8_t>(0x41 + i));
    auto k = crypto::AccountKey::from_secret(
        i == 1 ? crypto::KeyType::secp256k1 : crypto::KeyType::ed25519, secret);
    return *k;
}

inline std::string tx_address(int i) {
    return crypto::to_bech32_address(tx_key(i).address());
}

inline app::Genesis tx_genesis() {
    app::Genesis g;
    for (int i = 0; i < k_tx_accounts; ++i) {
        app::GenesisAccount a;
        a.address = tx_address(i);
        if (i == 0) a.pub_key = tx_key(0).public_key();
        g.accounts.push_back(a);
    }
    g.balances.push_back({tx_address(0), {{"uatom", 1000}, {"useer", 1'000'000'000}}});
    g.balances.push_back({tx_address(1), {{"useer", 1'000'000}}});
    g.async.handlers = async::builtin_handlers();
    return g;
}

/// The app and its in-memory store; built once per process (check_tx with dry_run leaves it as
/// it was, so every input meets the same state).
struct TxFixture {
    std::shared_ptr<store::KvStore> kv;
    std::unique_ptr<consensus::Application> app;

    TxFixture() {
        kv = store::make_memory_store(
            {std::string(async::k_app_column), std::string(async::k_outputs_column)});
        app::AppOptions o;
        o.chain_id = std::string(k_tx_chain_id);
        app = app::make_app(o, tx_genesis(), *kv);
    }
};

inline app::TxOptions tx_options(int account, std::uint64_t sequence) {
    app::TxOptions o;
    o.chain_id = std::string(k_tx_chain_id);
    o.account_number = static_cast<std::uint64_t>(account);
    o.sequence = sequence;
    return o;
}

/// Signed txs check_tx accepts on the fixture's genesis (and a few it refuses late: a wrong
/// sequence, a fee above the balance), small enough for a seed corpus.
inline std::vector<Bytes> tx_seeds() {
    std::vector<Bytes> out;
    const auto send = [](int from, int to, std::uint64_t amount, std::string denom = "useer") {
        return app::msg_send(tx_address(from), tx_address(to), {{std::move(denom), amount}});
    };
    const auto future = [](int from, std::string handler, std::string_view input) {
        return app::msg_add_future(tx_address(from), handler, as_bytes(input));
    };
    out.push_back(app::build_tx(tx_key(0), tx_options(0, 0), {send(0, 1, 5)}));
    out.push_back(app::build_tx(tx_key(0), tx_options(0, 0), {future(0, "echo", "hello")}));
    out.push_back(app::build_tx(tx_key(0), tx_options(0, 0), {future(0, "math", "2+4*3")}));
    out.push_back(app::build_tx(tx_key(1), tx_options(1, 0), {send(1, 0, 1)}));
    out.push_back(app::build_tx(tx_key(1), tx_options(1, 0), {future(1, "hashchain", "x")}));
    {
        auto o = tx_options(0, 0);
        o.memo = "fuzz memo";
        o.fee = {{"useer", 200}};
        o.gas_limit = 300000;
        out.push_back(app::build_tx(tx_key(0), o, {send(0, 2, 7), send(0, 1, 3, "uatom")}));
    }
    {
        auto o = tx_options(0, 0);
        o.timeout_height = 10;
        out.push_back(
            app::build_tx(tx_key(0), o, {future(0, "echo", "a"), future(0, "echo", "b")}));
    }
    // Refused after decoding: a wrong sequence, a fee above the balance, an unknown handler, a
    // signer without funds, a gas limit too low.
    out.push_back(app::build_tx(tx_key(0), tx_options(0, 3), {send(0, 1, 5)}));
    {
        auto o = tx_options(1, 0);
        o.fee = {{"useer", 2'000'000}};
        out.push_back(app::build_tx(tx_key(1), o, {send(1, 0, 1)}));
    }
    out.push_back(app::build_tx(tx_key(0), tx_options(0, 0), {future(0, "nope", "x")}));
    out.push_back(app::build_tx(tx_key(2), tx_options(2, 0), {send(2, 0, 1)}));
    {
        auto o = tx_options(0, 0);
        o.gas_limit = 1000;
        out.push_back(app::build_tx(tx_key(0), o, {send(0, 1, 1)}));
    }
    // Two signers (accounts 0 and 1 each sign nothing here: the signature count is wrong).
    out.push_back(app::build_tx(tx_key(0), tx_options(0, 0), {send(0, 1, 1), send(1, 0, 1)}));
    // Unsigned, as cosmjs sends to Simulate.
    out.push_back(app::build_unsigned_tx(tx_key(0).public_key(), tx_options(0, 0), {send(0, 1, 2)}));
    return out;
}

}  // namespace seer::fuzz
