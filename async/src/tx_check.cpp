#include "tx_check.hpp"

#include "cosmos/crypto/ed25519/keys.pb.h"
#include "cosmos/tx/v1beta1/tx.pb.h"
#include "pb_util.hpp"
#include "seer/async/tx.hpp"

namespace seer::async::detail {

namespace {
TxCheck fail(Code code, std::string log) {
    TxCheck c;
    c.code = code;
    c.log = std::move(log);
    return c;
}
}  // namespace

TxCheck check_user_tx(const State& state, const std::string& chain_id, ByteView bytes,
                      std::int64_t height, const CheckOverlay& overlay) {
    if (bytes.size() > k_max_tx_bytes)
        return fail(Code::tx_too_large, "tx is " + std::to_string(bytes.size()) +
                                            " bytes; the limit is " +
                                            std::to_string(k_max_tx_bytes));
    if (bytes.empty()) return fail(Code::tx_decode, "empty tx");
    if (bytes[0] == k_results_tx_marker)
        return fail(Code::reserved_marker, std::string(describe(Code::reserved_marker)));

    cosmos::tx::v1beta1::TxRaw raw;
    cosmos::tx::v1beta1::TxBody body;
    cosmos::tx::v1beta1::AuthInfo auth;
    if (!parse(raw, bytes)) return fail(Code::tx_decode, "tx is not a cosmos.tx.v1beta1.TxRaw");
    if (!parse(body, view(raw.body_bytes())))
        return fail(Code::tx_decode, "body_bytes is not a TxBody");
    if (!parse(auth, view(raw.auth_info_bytes())))
        return fail(Code::tx_decode, "auth_info_bytes is not an AuthInfo");

    if (body.messages_size() != 1)
        return fail(Code::invalid_message, "tx must hold exactly one message");
    if (body.extension_options_size() != 0)
        return fail(Code::invalid_message, "extension options are not supported");
    const auto& any = body.messages(0);
    if (any.type_url() != k_msg_add_future_type_url)
        return fail(Code::invalid_message, "unsupported message type " + any.type_url());
    v1::MsgAddFuture msg;
    if (!parse(msg, view(any.value())))
        return fail(Code::tx_decode, "message is not a MsgAddFuture");
    if (auth.signer_infos_size() != 1 || raw.signatures_size() != 1)
        return fail(Code::invalid_message, "tx must have exactly one signer and one signature");

    const auto& signer = auth.signer_infos(0);
    if (!signer.has_mode_info() || !signer.mode_info().has_single() ||
        signer.mode_info().single().mode() != cosmos::tx::signing::v1beta1::SIGN_MODE_DIRECT)
        return fail(Code::invalid_message, "only SIGN_MODE_DIRECT is supported");

    auto creator = crypto::from_bech32_address(msg.creator());
    if (!creator) return fail(Code::invalid_message, "creator: " + creator.error().message);
    auto account = state.account(*creator);
    if (!account) return fail(Code::unknown_account, "account " + msg.creator() + " not found");

    crypto::PublicKey pk{};
    if (signer.has_public_key()) {
        if (signer.public_key().type_url() != k_ed25519_pubkey_type_url)
            return fail(Code::invalid_message,
                        "unsupported public key type " + signer.public_key().type_url());
        cosmos::crypto::ed25519::PubKey key;
        if (!parse(key, view(signer.public_key().value())) || key.key().size() != 32)
            return fail(Code::invalid_message, "ed25519 public key must be 32 bytes");
        std::copy(key.key().begin(), key.key().end(), pk.begin());
        if (!account->pub_key().empty() && account->pub_key() != key.key())
            return fail(Code::unauthorized, "public key does not match the account's");
    } else if (account->pub_key().size() == 32) {
        std::copy(account->pub_key().begin(), account->pub_key().end(), pk.begin());
    } else {
        return fail(Code::invalid_message, "public key missing and unknown to the account");
    }
    if (crypto::address_of(pk) != *creator)
        return fail(Code::invalid_message, "the signer is not the creator " + msg.creator());

    if (body.timeout_height() != 0 && static_cast<std::int64_t>(body.timeout_height()) < height)
        return fail(Code::tx_timeout, "timeout_height " + std::to_string(body.timeout_height()) +
                                          " is below the block height " + std::to_string(height));

    auto over = overlay.sequences.find(*creator);
    const std::uint64_t expected =
        over == overlay.sequences.end() ? account->sequence() : over->second;
    if (signer.sequence() != expected)
        return fail(Code::wrong_sequence, "account sequence mismatch, expected " +
                                              std::to_string(expected) + ", got " +
                                              std::to_string(signer.sequence()));

    cosmos::tx::v1beta1::SignDoc doc;
    doc.set_body_bytes(raw.body_bytes());
    doc.set_auth_info_bytes(raw.auth_info_bytes());
    doc.set_chain_id(chain_id);
    doc.set_account_number(account->account_number());
    if (!crypto::verify(pk, serialize(doc), view(raw.signatures(0))))
        return fail(Code::unauthorized,
                    "signature verification failed; please verify account number (" +
                        std::to_string(account->account_number()) + ") and chain-id (" + chain_id +
                        ")");

    const auto& params = state.params();
    if (!state.has_handler(msg.handler()))
        return fail(Code::unknown_handler, "handler '" + msg.handler() + "' is not registered");
    if (msg.input().empty()) return fail(Code::empty_input, "input is empty");
    if (msg.input().size() > params.max_input_bytes)
        return fail(Code::input_too_large, "input is " + std::to_string(msg.input().size()) +
                                               " bytes; max_input_bytes is " +
                                               std::to_string(params.max_input_bytes));
    const std::uint64_t in_flight = expected - account->sequence();  // txs ahead of this one
    if (state.unfinished_of(msg.creator()) + in_flight >= params.max_pending_per_account)
        return fail(Code::pending_cap, msg.creator() + " has " +
                                           std::to_string(params.max_pending_per_account) +
                                           " unfinished futures (max_pending_per_account)");
    // Admission control: a future is accepted only if the results path can finish it before its
    // deadline (ADR 0005). Counts the futures already in state and those admitted ahead of it.
    const std::uint64_t backlog = state.unfinished_total() + overlay.futures;
    if (backlog >= params.unfinished_capacity())
        return fail(Code::backlog_full, "backlog full, retry later: " + std::to_string(backlog) +
                                            " unfinished futures, capacity " +
                                            std::to_string(params.unfinished_capacity()) +
                                            " (max_unfinished_futures " +
                                            std::to_string(params.max_unfinished_futures) +
                                            ", max_results_per_block x (timeout_blocks - 2))");

    TxCheck ok;
    UserTx tx;
    tx.signer = *creator;
    tx.creator = msg.creator();
    tx.pub_key = pk;
    tx.sequence = signer.sequence();
    tx.handler = msg.handler();
    tx.input = bytes_of(msg.input());
    ok.tx = std::move(tx);
    return ok;
}

}  // namespace seer::async::detail
