#pragma once
// Signed txs for the e2e tests, built here rather than by the node: a TxRaw with one
// MsgAddFuture in canonical protobuf encoding (fields in order, proto3 defaults left out),
// signed SIGN_MODE_DIRECT with a bench account's secp256k1 key (`seer bench genesis`).

#include <cstdint>
#include <string>
#include <string_view>

#include "seer/common/bytes.hpp"
#include "seer/crypto/account_key.hpp"
#include "seer/crypto/hash.hpp"

namespace seer::e2e {

inline void pb_varint(std::string& out, std::uint64_t v) {
    while (v >= 0x80) {
        out.push_back(static_cast<char>(v | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<char>(v));
}
inline void pb_len(std::string& out, int field, std::string_view bytes) {  // always written
    pb_varint(out, static_cast<std::uint64_t>(field) << 3 | 2);
    pb_varint(out, bytes.size());
    out.append(bytes);
}
inline void pb_str(std::string& out, int field, std::string_view bytes) {
    if (!bytes.empty()) pb_len(out, field, bytes);
}
inline void pb_u64(std::string& out, int field, std::uint64_t v) {
    if (v == 0) return;
    pb_varint(out, static_cast<std::uint64_t>(field) << 3);
    pb_varint(out, v);
}
inline std::string str_of(ByteView b) {
    return std::string(b.begin(), b.end());
}

/// A signed TxRaw with one MsgAddFuture, as app::build_add_future_tx builds it: gas 200000 and
/// a fee of 200useer (the testnet's 0.001useer per gas).
inline std::string add_future_tx(const crypto::AccountKey& key, const std::string& creator,
                          const std::string& chain_id, std::uint64_t account_number,
                          std::uint64_t sequence, const std::string& handler,
                          const std::string& input) {
    std::string msg, any, body, pubkey, pk_any, single, mode, signer, coin, fee, auth, doc, raw;
    pb_str(msg, 1, creator);
    pb_str(msg, 2, handler);
    pb_str(msg, 3, input);
    pb_str(any, 1, "/seer.async.v1.MsgAddFuture");
    pb_str(any, 2, msg);
    pb_len(body, 1, any);
    pb_str(pubkey, 1, str_of(key.public_key().key));
    pb_str(pk_any, 1, crypto::k_secp256k1_pubkey_type_url);
    pb_str(pk_any, 2, pubkey);
    pb_u64(single, 1, 1);  // SIGN_MODE_DIRECT
    pb_len(mode, 1, single);
    pb_len(signer, 1, pk_any);
    pb_len(signer, 2, mode);
    pb_u64(signer, 3, sequence);
    pb_str(coin, 1, "useer");
    pb_str(coin, 2, "200");
    pb_len(fee, 1, coin);
    pb_u64(fee, 2, 200000);
    pb_len(auth, 1, signer);
    pb_len(auth, 2, fee);
    pb_str(doc, 1, body);
    pb_str(doc, 2, auth);
    pb_str(doc, 3, chain_id);
    pb_u64(doc, 4, account_number);
    const Bytes sig = key.sign(as_bytes(doc));
    pb_str(raw, 1, body);
    pb_str(raw, 2, auth);
    pb_len(raw, 3, str_of(sig));
    return raw;
}

inline crypto::AccountKey bench_key(int i) {  // cli/bench_cmd.cpp's accounts
    const auto secret = crypto::sha256(as_bytes("seer-bench-account-" + std::to_string(i)));
    return std::move(*crypto::AccountKey::from_secret(crypto::KeyType::secp256k1, secret));
}

}  // namespace seer::e2e
