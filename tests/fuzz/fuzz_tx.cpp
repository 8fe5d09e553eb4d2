// libFuzzer target: a user tx (cosmos.tx.v1beta1.TxRaw) through the application's check_tx
// (decode_tx, the canonical-encoding check, the ante chain and the messages), as a client or a
// peer's mempool gossip sends it. The app is the fixture of tx_fixture.hpp; check_tx runs as a
// dry run, so every input meets the same state.
// Invariants:
//  - a refusal carries a code, a codespace and a log;
//  - the answer is a function of the bytes (a second check gives the same answer);
//  - a tx that got past decoding (any answer but tx_decode, tx_too_large and the results-tx
//    marker) is canonical, checked here without the app's code: the TxRaw, TxBody and AuthInfo
//    (and, for an accepted tx, every message) re-encode to exactly the bytes received, with no
//    unknown field (a tx committed under one hash can't be re-encoded into another);
//  - a tx whose every level is canonical is not refused as non-canonical;
//  - an accepted tx has messages, one signer info and one signature per distinct signer, each
//    signature verifies over the SIGN_MODE_DIRECT sign doc of the signer's account, and its
//    gas_wanted is the fee's gas limit.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "cosmos/bank/v1beta1/bank.pb.h"
#include "cosmos/crypto/ed25519/keys.pb.h"
#include "cosmos/crypto/secp256k1/keys.pb.h"
#include "cosmos/tx/v1beta1/tx.pb.h"
#include "fuzz_common.hpp"
#include "seer/app/codes.hpp"
#include "seer/async/codes.hpp"
#include "seer/async/tx.hpp"
#include "seer/async/v1/async.pb.h"
#include "tx_fixture.hpp"

namespace {

using namespace seer;

/// Parses `bytes` as M; true when they are its one encoding: no unknown field anywhere (dropped
/// by DiscardUnknownFields, so the re-encoding would differ) and the re-encoding is the bytes.
template <class M>
bool canonical(const std::string& bytes, M& m) {
    if (!m.ParseFromString(bytes)) return false;
    M known = m;
    known.DiscardUnknownFields();
    return known.SerializeAsString() == bytes && m.SerializeAsString() == bytes;
}

struct Decoded {
    cosmos::tx::v1beta1::TxRaw raw;
    cosmos::tx::v1beta1::TxBody body;
    cosmos::tx::v1beta1::AuthInfo auth;
    bool messages_canonical = true;    // every message of a known type
    std::vector<std::string> signers;  // bech32, distinct, in order of first appearance
};

/// The envelope (TxRaw, TxBody, AuthInfo) when each level is canonical; nullopt otherwise. The
/// messages (of the two known types) are checked too, into `messages_canonical`.
std::optional<Decoded> decode_canonical(const std::string& bytes) {
    Decoded d;
    if (!canonical(bytes, d.raw) || !canonical(d.raw.body_bytes(), d.body) ||
        !canonical(d.raw.auth_info_bytes(), d.auth))
        return std::nullopt;
    for (const auto& any : d.body.messages()) {
        std::string signer;
        if (any.type_url() == app::k_msg_send_type_url) {
            cosmos::bank::v1beta1::MsgSend m;
            if (!canonical(any.value(), m)) d.messages_canonical = false;
            signer = m.from_address();
        } else if (any.type_url() == async::k_msg_add_future_type_url) {
            async::v1::MsgAddFuture m;
            if (!canonical(any.value(), m)) d.messages_canonical = false;
            signer = m.creator();
        } else {
            continue;  // refused as an unknown message, after the envelope's checks
        }
        if (std::find(d.signers.begin(), d.signers.end(), signer) == d.signers.end())
            d.signers.push_back(signer);
    }
    return d;
}

bool contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

/// The signer's key: from its signer info, else the one genesis stored (account 0).
std::optional<crypto::AccountPubKey> signer_key(const cosmos::tx::v1beta1::SignerInfo& info,
                                                int account) {
    if (!info.has_public_key()) {
        if (account == 0) return fuzz::tx_key(0).public_key();
        return std::nullopt;
    }
    const auto& any = info.public_key();
    std::string key;
    crypto::KeyType type{};
    if (any.type_url() == crypto::k_ed25519_pubkey_type_url) {
        cosmos::crypto::ed25519::PubKey m;
        if (!m.ParseFromString(any.value())) return std::nullopt;
        key = m.key();
        type = crypto::KeyType::ed25519;
    } else if (any.type_url() == crypto::k_secp256k1_pubkey_type_url) {
        cosmos::crypto::secp256k1::PubKey m;
        if (!m.ParseFromString(any.value())) return std::nullopt;
        key = m.key();
        type = crypto::KeyType::secp256k1;
    } else {
        return std::nullopt;
    }
    auto pk = crypto::AccountPubKey::make(type, as_bytes(key));
    if (!pk) return std::nullopt;
    return *pk;
}

void check_accepted(const Decoded& d, const consensus::CheckTxResponse& r) {
    if (d.body.messages_size() == 0) fuzz::fail("accepted a tx without messages");
    if (d.signers.empty()) fuzz::fail("accepted a tx without a signer");
    if (d.auth.signer_infos_size() != static_cast<int>(d.signers.size()) ||
        d.raw.signatures_size() != static_cast<int>(d.signers.size()))
        fuzz::fail("accepted a tx with the wrong number of signatures");
    if (r.gas_wanted != static_cast<std::int64_t>(d.auth.fee().gas_limit()))
        fuzz::fail("gas_wanted is not the fee's gas limit");
    for (std::size_t i = 0; i < d.signers.size(); ++i) {
        int account = -1;
        for (int a = 0; a < fuzz::k_tx_accounts; ++a)
            if (fuzz::tx_address(a) == d.signers[i]) account = a;
        if (account < 0) fuzz::fail("accepted a tx signed by an account genesis does not hold");
        const auto& info = d.auth.signer_infos(static_cast<int>(i));
        if (info.sequence() != 0) fuzz::fail("accepted a sequence the account is not at");
        auto key = signer_key(info, account);
        if (!key || key->address() != fuzz::tx_key(account).address())
            fuzz::fail("accepted a tx whose key is not the signer's");
        cosmos::tx::v1beta1::SignDoc doc;
        doc.set_body_bytes(d.raw.body_bytes());
        doc.set_auth_info_bytes(d.raw.auth_info_bytes());
        doc.set_chain_id(std::string(fuzz::k_tx_chain_id));
        doc.set_account_number(static_cast<std::uint64_t>(account));
        const std::string doc_bytes = doc.SerializeAsString();
        if (!key->verify(as_bytes(doc_bytes), as_bytes(d.raw.signatures(static_cast<int>(i)))))
            fuzz::fail("accepted a tx whose signature does not verify");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace seer;
    fuzz::silence_protobuf();
    static fuzz::TxFixture* fixture = new fuzz::TxFixture;  // lives for the process
    const ByteView input(data, size);
    const auto r = fixture->app->check_tx(input, consensus::CheckTxKind::dry_run);
    if (r.code != 0 && (r.log.empty() || r.codespace.empty()))
        fuzz::fail("a refused tx without a codespace or a log");
    const auto again = fixture->app->check_tx(input, consensus::CheckTxKind::dry_run);
    if (again.code != r.code || again.codespace != r.codespace || again.log != r.log ||
        again.gas_wanted != r.gas_wanted)
        fuzz::fail("check_tx is not a function of the tx bytes");

    const bool sdk = r.codespace == app::k_sdk_codespace;
    const bool decode_error =
        (sdk && (r.code == static_cast<std::uint32_t>(app::SdkCode::tx_decode) ||
                 r.code == static_cast<std::uint32_t>(app::SdkCode::tx_too_large))) ||
        (r.codespace == async::k_codespace &&
         r.code == static_cast<std::uint32_t>(async::Code::reserved_marker));
    const std::string bytes(reinterpret_cast<const char*>(data), size);
    const auto decoded = decode_canonical(bytes);
    // Refused after decoding: the envelope was the tx's one encoding (the messages are checked
    // in order, so one after a refused message may be anything).
    if (r.code != 0 && !decode_error && !decoded) fuzz::fail("a non-canonical tx got past decoding");
    // (A refusal of another kind may quote the tx, e.g. an unknown type URL: only tx_decode
    // answers say "not in canonical encoding" of their own.)
    if (decoded && decoded->messages_canonical && size <= app::k_max_tx_bytes && sdk &&
        r.code == static_cast<std::uint32_t>(app::SdkCode::tx_decode) &&
        contains(r.log, "not in canonical encoding"))
        fuzz::fail("a canonical tx was refused as non-canonical");
    if (r.code == 0) {
        if (!decoded || !decoded->messages_canonical) fuzz::fail("a non-canonical tx was accepted");
        check_accepted(*decoded, r);
    }
    return 0;
}
