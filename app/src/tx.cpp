#include "seer/app/tx.hpp"

#include "cosmos/bank/v1beta1/bank.pb.h"
#include "cosmos/crypto/ed25519/keys.pb.h"
#include "cosmos/crypto/secp256k1/keys.pb.h"
#include "cosmos/tx/v1beta1/tx.pb.h"
#include "pb.hpp"
#include "seer/async/tx.hpp"
#include "seer/async/v1/async.pb.h"

namespace seer::app {

using detail::pb_bytes;
using detail::serialize;

namespace {

std::string pubkey_any_value(const crypto::AccountPubKey& pk) {
    if (pk.type == crypto::KeyType::secp256k1) {
        cosmos::crypto::secp256k1::PubKey m;
        m.set_key(pb_bytes(pk.key));
        return m.SerializeAsString();
    }
    cosmos::crypto::ed25519::PubKey m;
    m.set_key(pb_bytes(pk.key));
    return m.SerializeAsString();
}

std::string auth_info_bytes(const crypto::AccountPubKey& pk, const TxOptions& o) {
    cosmos::tx::v1beta1::AuthInfo auth;
    auto* signer = auth.add_signer_infos();
    signer->mutable_public_key()->set_type_url(std::string(crypto::pubkey_type_url(pk.type)));
    signer->mutable_public_key()->set_value(pubkey_any_value(pk));
    signer->mutable_mode_info()->mutable_single()->set_mode(
        cosmos::tx::signing::v1beta1::SIGN_MODE_DIRECT);
    signer->set_sequence(o.sequence);
    auto* fee = auth.mutable_fee();
    fee->set_gas_limit(o.gas_limit);
    for (const auto& c : o.fee) {
        auto* coin = fee->add_amount();
        coin->set_denom(c.denom);
        coin->set_amount(std::to_string(c.amount));
    }
    return auth.SerializeAsString();
}

cosmos::tx::v1beta1::TxRaw unsigned_raw(const crypto::AccountPubKey& pk, const TxOptions& o,
                                        const std::vector<Msg>& messages) {
    cosmos::tx::v1beta1::TxBody body;
    for (const auto& m : messages) {
        auto* any = body.add_messages();
        any->set_type_url(m.type_url);
        any->set_value(pb_bytes(m.value));
    }
    body.set_memo(o.memo);
    body.set_timeout_height(o.timeout_height);
    cosmos::tx::v1beta1::TxRaw raw;
    raw.set_body_bytes(body.SerializeAsString());
    raw.set_auth_info_bytes(auth_info_bytes(pk, o));
    return raw;
}

Bytes sign_raw(const crypto::AccountKey& key, const TxOptions& o,
               cosmos::tx::v1beta1::TxRaw raw) {
    cosmos::tx::v1beta1::SignDoc doc;
    doc.set_body_bytes(raw.body_bytes());
    doc.set_auth_info_bytes(raw.auth_info_bytes());
    doc.set_chain_id(o.chain_id);
    doc.set_account_number(o.account_number);
    raw.clear_signatures();
    raw.add_signatures(pb_bytes(key.sign(serialize(doc))));
    return serialize(raw);
}

}  // namespace

Msg msg_add_future(const std::string& creator, const std::string& handler, ByteView input) {
    seer::async::v1::MsgAddFuture m;
    m.set_creator(creator);
    m.set_handler(handler);
    m.set_input(pb_bytes(input));
    return {std::string(async::k_msg_add_future_type_url), serialize(m)};
}

Msg msg_send(const std::string& from, const std::string& to, const bank::Coins& amount) {
    cosmos::bank::v1beta1::MsgSend m;
    m.set_from_address(from);
    m.set_to_address(to);
    for (const auto& c : amount) {
        auto* coin = m.add_amount();
        coin->set_denom(c.denom);
        coin->set_amount(std::to_string(c.amount));
    }
    return {std::string(k_msg_send_type_url), serialize(m)};
}

Bytes build_tx(const crypto::AccountKey& key, const TxOptions& o,
               const std::vector<Msg>& messages) {
    return sign_raw(key, o, unsigned_raw(key.public_key(), o, messages));
}

Bytes sign_body(const crypto::AccountKey& key, const TxOptions& o, ByteView body_bytes) {
    cosmos::tx::v1beta1::TxRaw raw;
    raw.set_body_bytes(pb_bytes(body_bytes));
    raw.set_auth_info_bytes(auth_info_bytes(key.public_key(), o));
    return sign_raw(key, o, std::move(raw));
}

Bytes build_unsigned_tx(const crypto::AccountPubKey& pub_key, const TxOptions& o,
                        const std::vector<Msg>& messages) {
    auto raw = unsigned_raw(pub_key, o, messages);
    raw.add_signatures("");
    return serialize(raw);
}

Bytes build_add_future_tx(const crypto::AccountKey& key, const AddFutureTx& tx) {
    TxOptions o;
    o.chain_id = tx.chain_id;
    o.account_number = tx.account_number;
    o.sequence = tx.sequence;
    o.memo = tx.memo;
    o.timeout_height = tx.timeout_height;
    o.fee = tx.fee;
    o.gas_limit = tx.gas_limit;
    const std::string creator = crypto::to_bech32_address(key.address());
    return build_tx(key, o, {msg_add_future(creator, tx.handler, tx.input)});
}

Bytes build_add_future_tx(const crypto::PrivateKey& key, const AddFutureTx& tx) {
    return build_add_future_tx(crypto::AccountKey(key), tx);
}

}  // namespace seer::app
