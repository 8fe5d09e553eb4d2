#pragma once
// Building Cosmos txs (cosmos.tx.v1beta1, SIGN_MODE_DIRECT) for seer's messages: what the CLI,
// the bench and the tests sign. cosmjs builds the same bytes.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "seer/bank/coins.hpp"
#include "seer/common/bytes.hpp"
#include "seer/crypto/account_key.hpp"

namespace seer::app {

inline constexpr std::string_view k_msg_send_type_url = "/cosmos.bank.v1beta1.MsgSend";
inline constexpr std::string_view k_msg_send_response_type_url =
    "/cosmos.bank.v1beta1.MsgSendResponse";
inline constexpr std::string_view k_base_account_type_url = "/cosmos.auth.v1beta1.BaseAccount";
/// ABCI query path answering as auth's Account query does (QueryAccountRequest in,
/// QueryAccountResponse out), but from the mempool's check state: the sequence counts the txs
/// this node has already accepted, so a client can sign its next tx before the last is in a
/// block. Never cached by the node (the check state changes with every tx).
inline constexpr std::string_view k_pending_account_path = "/seer.auth.v1.Query/PendingAccount";

/// Hard limit on a user tx (the SDK's ErrTxTooLarge), before any param is consulted.
inline constexpr std::size_t k_max_tx_bytes = 1024 * 1024;
/// The gas limit a tx gets when its builder names none (cosmjs's and the SDK CLI's default).
inline constexpr std::uint64_t k_default_gas_limit = 200000;

struct Msg {
    std::string type_url;
    Bytes value;
};

Msg msg_add_future(const std::string& creator, const std::string& handler, ByteView input);
Msg msg_send(const std::string& from, const std::string& to, const bank::Coins& amount);

struct TxOptions {
    std::string chain_id;
    std::uint64_t account_number = 0;
    std::uint64_t sequence = 0;
    std::string memo;
    std::uint64_t timeout_height = 0;
    bank::Coins fee;
    std::uint64_t gas_limit = k_default_gas_limit;
};

/// A signed TxRaw with one signer.
Bytes build_tx(const crypto::AccountKey& key, const TxOptions& options,
               const std::vector<Msg>& messages);
/// Offline signing (`seer tx sign`): a signed TxRaw over a TxBody already encoded (its messages,
/// memo and timeout as generated), with the auth info made from `options` (fee, gas limit,
/// sequence) and the key's public key. `options.memo`/`timeout_height` are ignored: they are
/// in the body.
Bytes sign_body(const crypto::AccountKey& key, const TxOptions& options, ByteView body_bytes);
/// The same tx with an empty signature, as cosmjs sends it to Simulate.
Bytes build_unsigned_tx(const crypto::AccountPubKey& pub_key, const TxOptions& options,
                        const std::vector<Msg>& messages);

struct AddFutureTx {
    std::string chain_id;
    std::uint64_t account_number = 0;
    std::uint64_t sequence = 0;
    std::string handler;
    Bytes input;
    std::string memo;
    std::uint64_t timeout_height = 0;
    bank::Coins fee;
    std::uint64_t gas_limit = k_default_gas_limit;
};

/// A signed tx with one MsgAddFuture from the key's address.
Bytes build_add_future_tx(const crypto::AccountKey& key, const AddFutureTx& tx);
Bytes build_add_future_tx(const crypto::PrivateKey& key, const AddFutureTx& tx);

}  // namespace seer::app
