#include <google/protobuf/message.h>
#include <spdlog/spdlog.h>

#include "app_impl.hpp"
#include "cosmos/base/abci/v1beta1/abci.pb.h"
#include "cosmos/crypto/ed25519/keys.pb.h"
#include "cosmos/crypto/secp256k1/keys.pb.h"
#include "cosmos/tx/v1beta1/service.pb.h"
#include "decode_cache.hpp"
#include "pb.hpp"
#include "sig_cache.hpp"
#include "seer/app/tx.hpp"
#include "seer/async/tx.hpp"
#include "seer/common/base64.hpp"
#include "seer/common/check.hpp"
#include "seer/common/paging.hpp"
#include "seer/crypto/hash.hpp"
#include "seer/app/v1/app.pb.h"

namespace seer::app {

namespace detail {

namespace {

constexpr std::uint8_t k_account_prefix = 'a';
const Bytes k_next_account_key{'n'};
const Bytes k_params_key{'p'};
// Simulate runs without a signature; the real tx is longer by one and by its fee coin.
constexpr std::uint64_t k_simulated_signature_bytes = 64 + 32;

Bytes account_key(const Address& a) {
    Bytes k(1 + a.size());
    k[0] = k_account_prefix;
    std::copy(a.begin(), a.end(), k.begin() + 1);
    return k;
}

std::shared_ptr<spdlog::logger> log() {
    static std::shared_ptr<spdlog::logger> logger = [] {
        if (auto l = spdlog::get("app")) return l;
        auto l = spdlog::default_logger()->clone("app");
        spdlog::register_logger(l);
        return l;
    }();
    return logger;
}

EventAttribute attr(std::string key, std::string value) {
    return EventAttribute{std::move(key), std::move(value), true};
}

Outcome fail(SdkCode code, std::string log_text) {
    Outcome o;
    o.code = static_cast<std::uint32_t>(code);
    o.codespace = std::string(k_sdk_codespace);
    o.log = std::move(log_text);
    return o;
}

Outcome fail_async(async::Code code, std::string log_text) {
    Outcome o;
    o.code = static_cast<std::uint32_t>(code);
    o.codespace = std::string(async::k_codespace);
    o.log = std::move(log_text);
    return o;
}

Result<bank::Coins> coins_of(const google::protobuf::RepeatedPtrField<cosmos::base::v1beta1::Coin>&
                                 list) {
    bank::Coins out;
    for (const auto& c : list) {
        auto amount = bank::parse_amount(c.amount());
        if (!amount) return amount.error();
        out.push_back({c.denom(), *amount});
    }
    if (auto s = bank::validate_coins(out); !s) return s.error();
    return out;
}

// `checked`: the key is one an account already stores, so it was checked when stored; only its
// curve check (a square root, as costly as a fifth of a signature check) is skipped.
std::optional<crypto::AccountPubKey> pubkey_from_any(const google::protobuf::Any& any,
                                                     std::string& error, bool checked = false) {
    auto type = crypto::key_type_from_url(any.type_url());
    if (!type) {
        error = "unsupported public key type " + any.type_url();
        return std::nullopt;
    }
    std::string key;
    if (*type == crypto::KeyType::secp256k1) {
        cosmos::crypto::secp256k1::PubKey m;
        if (!parse(m, view(any.value()))) {
            error = "secp256k1 public key does not decode";
            return std::nullopt;
        }
        key = m.key();
    } else {
        cosmos::crypto::ed25519::PubKey m;
        if (!parse(m, view(any.value()))) {
            error = "ed25519 public key does not decode";
            return std::nullopt;
        }
        key = m.key();
    }
    if (checked) return crypto::AccountPubKey{*type, Bytes(key.begin(), key.end())};
    auto pk = crypto::AccountPubKey::make(*type, view(key));
    if (!pk) {
        error = pk.error().message;
        return std::nullopt;
    }
    return *pk;
}

}  // namespace

std::optional<cosmos::auth::v1beta1::BaseAccount> Accounts::get(const store::KvView& v,
                                                                const Address& a) const {
    auto b = v.get(account_key(a));
    if (!b) return std::nullopt;
    cosmos::auth::v1beta1::BaseAccount acc;
    if (!parse(acc, *b)) SEER_FATAL("account record does not decode");
    return acc;
}

void Accounts::put(store::KvView& v, const Address& a,
                   const cosmos::auth::v1beta1::BaseAccount& acc) const {
    v.put(account_key(a), serialize(acc));
}

void Accounts::ensure(store::KvView& v, const Address& a) const {
    if (v.get(account_key(a))) return;
    auto next = v.get(k_next_account_key);
    const std::uint64_t number = next ? read_be(*next) : 0;
    Bytes n;
    append_be(n, number + 1);
    v.put(k_next_account_key, n);
    cosmos::auth::v1beta1::BaseAccount acc;
    acc.set_address(crypto::to_bech32_address(a));
    acc.set_account_number(number);
    put(v, a, acc);
}

AuthParams load_params(const store::KvView& v) {
    auto b = v.get(k_params_key);
    SEER_CHECK(b.has_value());
    seer::app::v1::Params m;
    if (!parse(m, *b)) SEER_FATAL("app params do not decode");
    AuthParams p;
    p.max_memo_characters = m.max_memo_characters();
    p.tx_size_cost_per_byte = m.tx_size_cost_per_byte();
    p.sig_verify_cost_secp256k1 = m.sig_verify_cost_secp256k1();
    p.sig_verify_cost_ed25519 = m.sig_verify_cost_ed25519();
    p.gas_per_msg = m.gas_per_msg();
    p.max_gas_per_tx = m.max_gas_per_tx();
    return p;
}

void store_params(store::KvView& v, const AuthParams& p) {
    seer::app::v1::Params m;
    m.set_max_memo_characters(p.max_memo_characters);
    m.set_tx_size_cost_per_byte(p.tx_size_cost_per_byte);
    m.set_sig_verify_cost_secp256k1(p.sig_verify_cost_secp256k1);
    m.set_sig_verify_cost_ed25519(p.sig_verify_cost_ed25519);
    m.set_gas_per_msg(p.gas_per_msg);
    m.set_max_gas_per_tx(p.max_gas_per_tx);
    v.put(k_params_key, serialize(m));
}

namespace {

bool has_unknown_fields(const google::protobuf::Message& m) {
    const auto* r = m.GetReflection();
    if (!r->GetUnknownFields(m).empty()) return true;
    std::vector<const google::protobuf::FieldDescriptor*> fields;
    r->ListFields(m, &fields);
    for (const auto* f : fields) {
        if (f->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) continue;
        if (f->is_repeated()) {
            for (int i = 0; i < r->FieldSize(m, f); ++i)
                if (has_unknown_fields(r->GetRepeatedMessage(m, f, i))) return true;
        } else if (has_unknown_fields(r->GetMessage(m, f))) {
            return true;
        }
    }
    return false;
}

/// The bytes are the one encoding of what they decode to: no unknown fields, every field once
/// (a repeated one in one run), in field order, with minimal varints and lengths. Re-encoding
/// the decoded message gives exactly the bytes then (the Cosmos SDK's unknown-field rejection,
/// plus what makes a tx hash unique: a TxRaw re-encoded in another way would be committed
/// under a new hash while its first hash reads "not found").
bool canonical(const google::protobuf::Message& m, ByteView bytes) {
    if (has_unknown_fields(m)) return false;
    const Bytes again = serialize(m);
    return std::equal(again.begin(), again.end(), bytes.begin(), bytes.end());
}

constexpr const char* k_not_canonical =
    " is not in canonical encoding (unknown, repeated or out-of-order fields, or non-minimal "
    "varints): tx parse error";

/// Decodes the envelope and the messages; no state is read.
Result<DecodedTx> decode_tx(ByteView bytes, Outcome& err) {
    auto bad = [&](SdkCode code, std::string text) {
        err = fail(code, std::move(text));
        return make_error("bad_tx", err.log);
    };
    if (bytes.size() > k_max_tx_bytes)
        return bad(SdkCode::tx_too_large, "tx is " + std::to_string(bytes.size()) +
                                              " bytes; the limit is " +
                                              std::to_string(k_max_tx_bytes) + ": tx too large");
    DecodedTx t;
    if (bytes.empty() || !parse(t.raw, bytes))
        return bad(SdkCode::tx_decode, "tx is not a cosmos.tx.v1beta1.TxRaw: tx parse error");
    if (!parse(t.body, view(t.raw.body_bytes())))
        return bad(SdkCode::tx_decode, "body_bytes is not a TxBody: tx parse error");
    if (!parse(t.auth, view(t.raw.auth_info_bytes())))
        return bad(SdkCode::tx_decode, "auth_info_bytes is not an AuthInfo: tx parse error");
    if (!canonical(t.raw, bytes)) return bad(SdkCode::tx_decode, std::string("TxRaw") + k_not_canonical);
    if (!canonical(t.body, view(t.raw.body_bytes())))
        return bad(SdkCode::tx_decode, std::string("TxBody") + k_not_canonical);
    if (!canonical(t.auth, view(t.raw.auth_info_bytes())))
        return bad(SdkCode::tx_decode, std::string("AuthInfo") + k_not_canonical);
    if (t.body.messages_size() == 0)
        return bad(SdkCode::invalid_request, "must contain at least one message: invalid request");
    if (t.body.extension_options_size() != 0 || t.body.non_critical_extension_options_size() != 0)
        return bad(SdkCode::unknown_extension_options,
                   "unknown extension options: extension options are not supported");
    for (const auto& any : t.body.messages()) {
        Message m;
        m.type_url = any.type_url();
        if (any.type_url() == k_msg_send_type_url) {
            cosmos::bank::v1beta1::MsgSend s;
            if (!parse(s, view(any.value())))
                return bad(SdkCode::tx_decode, "message is not a MsgSend: tx parse error");
            if (!canonical(s, view(any.value())))
                return bad(SdkCode::tx_decode, std::string("MsgSend") + k_not_canonical);
            auto from = crypto::from_bech32_address(s.from_address());
            if (!from)
                return bad(SdkCode::invalid_address, "invalid from address: " + from.error().message);
            if (!crypto::from_bech32_address(s.to_address()))
                return bad(SdkCode::invalid_address, "invalid to address " + s.to_address());
            auto amount = coins_of(s.amount());
            if (!amount) return bad(SdkCode::invalid_coins, amount.error().message);
            if (amount->empty()) return bad(SdkCode::invalid_coins, "amount is empty");
            m.signer = *from;
            m.signer_text = s.from_address();
            m.amount = std::move(*amount);
            m.send = std::move(s);
        } else if (any.type_url() == async::k_msg_add_future_type_url) {
            seer::async::v1::MsgAddFuture f;
            if (!parse(f, view(any.value())))
                return bad(SdkCode::tx_decode, "message is not a MsgAddFuture: tx parse error");
            if (!canonical(f, view(any.value())))
                return bad(SdkCode::tx_decode, std::string("MsgAddFuture") + k_not_canonical);
            auto creator = crypto::from_bech32_address(f.creator());
            if (!creator)
                return bad(SdkCode::invalid_address, "invalid creator: " + creator.error().message);
            m.signer = *creator;
            m.signer_text = f.creator();
            m.add_future = std::move(f);
        } else {
            return bad(SdkCode::unknown_request,
                       "unrecognized message type " + any.type_url() + ": unknown request");
        }
        if (std::find(t.signers.begin(), t.signers.end(), m.signer) == t.signers.end())
            t.signers.push_back(m.signer);
        t.messages.push_back(std::move(m));
    }
    if (t.auth.signer_infos_size() != static_cast<int>(t.signers.size()) ||
        t.raw.signatures_size() != static_cast<int>(t.signers.size()))
        return bad(SdkCode::unauthorized,
                   "wrong number of signers; expected " + std::to_string(t.signers.size()) +
                       ", got " + std::to_string(t.auth.signer_infos_size()) +
                       " signer infos and " + std::to_string(t.raw.signatures_size()) +
                       " signatures: unauthorized");
    const auto& fee = t.auth.fee();
    if (!fee.payer().empty() || !fee.granter().empty())
        return bad(SdkCode::not_supported, "fee payer and granter are not supported");
    auto coins = coins_of(fee.amount());
    if (!coins) return bad(SdkCode::insufficient_fee, "invalid fee: " + coins.error().message);
    t.fee = std::move(*coins);
    return t;
}

}  // namespace

class App final : public Application {
public:
    App(AppOptions options, const Genesis& genesis, store::KvStore& kv);

    InfoResponse info() override;
    CheckTxResponse check_tx(ByteView tx, CheckTxKind kind) override;
    PrepareProposalResponse prepare_proposal(const PrepareProposalRequest& req) override;
    ProposalStatus process_proposal(const ProcessProposalRequest& req) override;
    Bytes extend_vote(const ExtendVoteRequest& req) override { return m_async->extend_vote(req); }
    VerifyStatus verify_vote_extension(const VerifyVoteExtensionRequest& req) override {
        return m_async->verify_vote_extension(req);
    }
    FinalizeBlockResponse finalize_block(const FinalizeBlockRequest& req) override;
    CommitResponse commit() override;
    QueryResponse query(const QueryRequest& req) override;

private:
    /// The whole life of a user tx on `view`. Check modes write only when every step passes;
    /// deliver keeps the ante's writes (fee, sequence) when a message fails, as the SDK does.
    Outcome run_tx(store::KvView& view, ByteView bytes, Mode mode, std::int64_t height,
                   async::Admission& admitted);
    /// The decoded tx, from the cache or decoded now; null with `err` set when it does not.
    std::shared_ptr<const DecodedTx> decoded(ByteView bytes, Outcome& err);
    Outcome ante(store::KvView& view, const DecodedTx& tx, ByteView bytes, Mode mode,
                 std::int64_t height, std::uint64_t gas);
    Outcome run_messages(store::KvView& view, const DecodedTx& tx, Mode mode,
                         const async::Admission& admitted, std::vector<std::uint64_t>& fees);
    std::uint64_t gas_of(const store::KvView& view, const DecodedTx& tx, std::size_t bytes,
                         Mode mode) const;
    std::vector<Event> transfer_events(const Address& from, const Address& to,
                                       const bank::Coins& coins) const;
    void pay_proposer(const Address& proposer, std::vector<Event>& events);

    /// `view`: the committed state (auth's Account query) or the mempool's check state
    /// (seer's PendingAccount query, whose sequence counts the txs this node has accepted).
    QueryResponse query_account(const store::KvView& view, ByteView data) const;
    QueryResponse query_bank(std::string_view method, ByteView data) const;
    QueryResponse simulate(ByteView data);

    class BankAdapter final : public async::Bank {
    public:
        explicit BankAdapter(App& app) : m_app(app) {}
        Status transfer(const Address& from, const Address& to, std::uint64_t amount) override {
            return m_app.m_bank.send(m_app.m_state, from, to,
                                     {{std::string(bank::k_native_denom), amount}});
        }

    private:
        App& m_app;
    };

    AppOptions m_options;
    store::StateOverlay m_state;
    Accounts m_accounts;
    bank::Keeper m_bank;
    AuthParams m_params;
    BankAdapter m_bank_adapter{*this};
    std::unique_ptr<async::Module> m_async;
    store::CacheView m_check{m_state};  // the mempool's view: committed state + checked txs
    async::Admission m_check_admitted;
    SigCache m_sig_cache;  // consensus thread, like every call of this class
    DecodeCache m_decoded;
};

App::App(AppOptions options, const Genesis& genesis, store::KvStore& kv)
    : m_options(std::move(options)),
      m_state(kv, std::string(async::k_app_column)),
      m_bank([this](store::KvView& v, const Address& a) { m_accounts.ensure(v, a); }) {
    if (!m_state.initialized()) {
        store_params(m_state, genesis.auth);
        for (const auto& a : genesis.accounts) {
            auto address = crypto::from_bech32_address(a.address);
            SEER_CHECK(address.ok());  // validated with the genesis
            m_accounts.ensure(m_state, *address);
            if (a.pub_key) {
                auto acc = *m_accounts.get(m_state, *address);
                auto* any = acc.mutable_pub_key();
                any->set_type_url(std::string(crypto::pubkey_type_url(a.pub_key->type)));
                if (a.pub_key->type == crypto::KeyType::secp256k1) {
                    cosmos::crypto::secp256k1::PubKey m;
                    m.set_key(pb_bytes(a.pub_key->key));
                    any->set_value(m.SerializeAsString());
                } else {
                    cosmos::crypto::ed25519::PubKey m;
                    m.set_key(pb_bytes(a.pub_key->key));
                    any->set_value(m.SerializeAsString());
                }
                m_accounts.put(m_state, *address, acc);
            }
        }
        for (const auto& b : genesis.balances) {
            auto address = crypto::from_bech32_address(b.address);
            SEER_CHECK(address.ok());
            auto s = m_bank.mint(m_state, *address, b.coins);
            SEER_CHECK(s.ok());  // validated with the genesis
        }
        async::init_genesis(m_state, genesis.async);
        m_state.seal(0);
        m_state.persist();
    }
    m_params = load_params(m_state);
    m_async = async::make_module(m_options.async, m_state, m_bank_adapter);
}

InfoResponse App::info() {
    InfoResponse r;
    r.version = "seer/1";
    r.last_block_height = m_state.height();
    r.last_block_app_hash = m_state.app_hash();
    return r;
}

std::uint64_t App::gas_of(const store::KvView& v, const DecodedTx& tx, std::size_t bytes,
                          Mode mode) const {
    std::uint64_t size = bytes;
    if (mode == Mode::simulate) size += k_simulated_signature_bytes * tx.signers.size();
    std::uint64_t gas = m_params.tx_size_cost_per_byte * size;
    for (std::size_t i = 0; i < tx.signers.size(); ++i) {
        // The key type named by the signer info, else the account's; secp256k1 when unknown.
        std::string type_url = tx.auth.signer_infos(static_cast<int>(i)).public_key().type_url();
        if (type_url.empty())
            if (auto acc = m_accounts.get(v, tx.signers[i])) type_url = acc->pub_key().type_url();
        gas += type_url == crypto::k_ed25519_pubkey_type_url ? m_params.sig_verify_cost_ed25519
                                                             : m_params.sig_verify_cost_secp256k1;
    }
    for (const auto& m : tx.messages) {
        gas += m_params.gas_per_msg;
        if (m.add_future)
            if (const auto* h = m_async->handler(m.add_future->handler())) gas += h->gas;
    }
    return gas;
}

Outcome App::ante(store::KvView& v, const DecodedTx& tx, ByteView bytes, Mode mode,
                  std::int64_t height, std::uint64_t gas) {
    const auto& body = tx.body;
    if (body.memo().size() > m_params.max_memo_characters)
        return fail(SdkCode::memo_too_large,
                    "maximum number of characters is " +
                        std::to_string(m_params.max_memo_characters) + " but received " +
                        std::to_string(body.memo().size()) + " characters: memo too large");
    if (body.timeout_height() != 0 && static_cast<std::int64_t>(body.timeout_height()) < height)
        return fail(SdkCode::tx_timeout_height,
                    "block height: " + std::to_string(height) +
                        ", timeout height: " + std::to_string(body.timeout_height()) +
                        ": tx timeout height");
    const std::uint64_t gas_limit = tx.auth.fee().gas_limit();
    if (mode != Mode::simulate) {
        if (gas_limit > m_params.max_gas_per_tx)
            return fail(SdkCode::invalid_gas_limit,
                        "gas limit " + std::to_string(gas_limit) + " exceeds max_gas_per_tx " +
                            std::to_string(m_params.max_gas_per_tx) + ": invalid gas limit");
        if (m_options.max_block_gas > 0 &&
            gas_limit > static_cast<std::uint64_t>(m_options.max_block_gas))
            return fail(SdkCode::invalid_gas_limit,
                        "tx gas limit " + std::to_string(gas_limit) + " exceeds block max gas " +
                            std::to_string(m_options.max_block_gas) + ": invalid gas limit");
        if (gas_limit < gas)
            return fail(SdkCode::out_of_gas, "out of gas; gasWanted: " +
                                                 std::to_string(gas_limit) +
                                                 ", gasUsed: " + std::to_string(gas) +
                                                 ": out of gas");
    }
    if (mode == Mode::mempool && !m_options.min_gas_prices.empty()) {
        // The node's floor (config.toml min_gas_prices): any one listed denom pays, as in the SDK.
        bool paid = false;
        std::string required;
        for (const auto& price : m_options.min_gas_prices) {
            const std::uint64_t need = price.fee_for(gas_limit);
            if (need == 0 || bank::amount_of(tx.fee, price.denom) >= need) paid = true;
            if (!required.empty()) required += ",";
            required += std::to_string(need) + price.denom;
        }
        if (!paid)
            return fail(SdkCode::insufficient_fee, "insufficient fees; got: " +
                                                       (tx.fee.empty() ? std::string("0useer")
                                                                       : bank::to_string(tx.fee)) +
                                                       " required: " + required +
                                                       ": insufficient fee");
    }
    Outcome ok;
    const bool events = builds_events(mode);
    // Signers: account, key, sequence, signature.
    std::vector<cosmos::auth::v1beta1::BaseAccount> accounts;
    for (std::size_t i = 0; i < tx.signers.size(); ++i) {
        const Address& signer = tx.signers[i];
        auto text = [&] { return crypto::to_bech32_address(signer); };  // for errors and events
        auto acc = m_accounts.get(v, signer);
        if (!acc) return fail(SdkCode::unknown_address, "account " + text() + " not found: unknown address");
        const auto& info = tx.auth.signer_infos(static_cast<int>(i));
        std::optional<crypto::AccountPubKey> pk;
        std::string error;
        if (info.has_public_key()) {
            if (acc->has_pub_key() && acc->pub_key().value() != info.public_key().value())
                return fail(SdkCode::invalid_pubkey,
                            "public key does not match the account's: invalid pubkey");
            const bool stored = acc->has_pub_key() &&
                                acc->pub_key().type_url() == info.public_key().type_url();
            pk = pubkey_from_any(info.public_key(), error, stored);
            if (!pk) return fail(SdkCode::invalid_pubkey, error + ": invalid pubkey");
        } else if (acc->has_pub_key()) {
            pk = pubkey_from_any(acc->pub_key(), error, true);
            SEER_CHECK(pk.has_value());  // stored only after it was checked
        } else {
            return fail(SdkCode::invalid_pubkey,
                        "pubkey on account " + text() + " is not set: invalid pubkey");
        }
        if (pk->address() != signer)
            return fail(SdkCode::invalid_pubkey,
                        "pubKey does not match signer address " + text() + ": invalid pubkey");
        if (info.sequence() != acc->sequence())
            return fail(SdkCode::wrong_sequence,
                        "account sequence mismatch, expected " + std::to_string(acc->sequence()) +
                            ", got " + std::to_string(info.sequence()) +
                            ": incorrect account sequence");
        if (mode != Mode::simulate) {
            if (!info.has_mode_info() || !info.mode_info().has_single() ||
                info.mode_info().single().mode() != cosmos::tx::signing::v1beta1::SIGN_MODE_DIRECT)
                return fail(SdkCode::not_supported, "only SIGN_MODE_DIRECT is supported");
            cosmos::tx::v1beta1::SignDoc doc;
            doc.set_body_bytes(tx.raw.body_bytes());
            doc.set_auth_info_bytes(tx.raw.auth_info_bytes());
            doc.set_chain_id(m_options.chain_id);
            doc.set_account_number(acc->account_number());
            if (!m_sig_cache.verify(*pk, serialize(doc),
                                    view(tx.raw.signatures(static_cast<int>(i)))))
                return fail(SdkCode::unauthorized,
                            "signature verification failed; please verify account number (" +
                                std::to_string(acc->account_number()) + ") and chain-id (" +
                                m_options.chain_id + "): unauthorized");
        }
        if (!acc->has_pub_key()) *acc->mutable_pub_key() = info.public_key();
        acc->set_sequence(acc->sequence() + 1);
        m_accounts.put(v, signer, *acc);
        if (!events) continue;
        ok.events.push_back(
            {"tx", {attr("acc_seq", text() + "/" + std::to_string(info.sequence()))}});
        ok.events.push_back(
            {"tx", {attr("signature", to_base64(view(tx.raw.signatures(static_cast<int>(i)))))}});
    }
    (void)bytes;
    // The fee, from the first signer to the fee collector (paid to the proposer at the block's
    // end; ADR 0006).
    if (!tx.fee.empty()) {
        auto s = m_bank.send(v, tx.signers[0], fee_collector_address(), tx.fee);
        if (!s)
            return fail(SdkCode::insufficient_funds,
                        s.error().message + ": insufficient funds to pay the fee " +
                            bank::to_string(tx.fee));
        if (events) {
            auto e = transfer_events(tx.signers[0], fee_collector_address(), tx.fee);
            ok.events.insert(ok.events.end(), e.begin(), e.end());
        }
    }
    if (events)
        ok.events.insert(ok.events.begin(),
                     Event{"tx",
                           {attr("fee", bank::to_string(tx.fee)),
                            attr("fee_payer", crypto::to_bech32_address(tx.signers[0]))}});
    return ok;
}

std::vector<Event> App::transfer_events(const Address& from, const Address& to,
                                        const bank::Coins& coins) const {
    const std::string amount = bank::to_string(coins);
    const std::string f = crypto::to_bech32_address(from);
    const std::string t = crypto::to_bech32_address(to);
    return {Event{"coin_spent", {attr("spender", f), attr("amount", amount)}},
            Event{"coin_received", {attr("receiver", t), attr("amount", amount)}},
            Event{"transfer", {attr("recipient", t), attr("sender", f), attr("amount", amount)}}};
}

Outcome App::run_messages(store::KvView& v, const DecodedTx& tx, Mode mode,
                          const async::Admission& admitted, std::vector<std::uint64_t>& fees) {
    Outcome out;
    const bool events = builds_events(mode);
    async::Admission in_tx = admitted;  // futures earlier in this tx count too
    for (std::size_t i = 0; i < tx.messages.size(); ++i) {
        const Message& m = tx.messages[i];
        const std::string index = std::to_string(i);
        if (m.send) {
            auto to = crypto::from_bech32_address(m.send->to_address());
            auto s = m_bank.send(v, m.signer, *to, m.amount);
            if (!s)
                return fail(s.error().reason == "insufficient_funds" ? SdkCode::insufficient_funds
                                                                     : SdkCode::invalid_coins,
                            "failed to execute message; message index: " + index + ": " +
                                s.error().message);
            if (events) {
                out.events.push_back(Event{"message", {attr("action", m.type_url),
                                                       attr("sender", m.signer_text),
                                                       attr("module", "bank"),
                                                       attr("msg_index", index)}});
                auto e = transfer_events(m.signer, *to, m.amount);
                out.events.insert(out.events.end(), e.begin(), e.end());
            }
            out.responses.emplace_back(std::string(k_msg_send_response_type_url), Bytes{});
            fees.push_back(0);
            continue;
        }
        const auto& f = *m.add_future;
        auto c = m_async->check_add_future(f.creator(), f.handler(), view(f.input()), in_tx);
        if (c.code != async::Code::ok) return fail_async(c.code, c.log);
        if (c.fee > 0) {
            // The handler fee waits in the module's escrow until the future is final.
            auto s = m_bank.send(v, m.signer, async::module_address(),
                                 {{std::string(bank::k_native_denom), c.fee}});
            if (!s)
                return fail(SdkCode::insufficient_funds,
                            "failed to execute message; message index: " + index +
                                ": handler fee " + std::to_string(c.fee) + "useer: " +
                                s.error().message);
        }
        in_tx.admit(f.creator());
        fees.push_back(c.fee);
        if (events)
            out.events.push_back(Event{"message", {attr("action", m.type_url),
                                                   attr("sender", m.signer_text),
                                                   attr("module", "async"),
                                                   attr("msg_index", index)}});
        out.responses.emplace_back(std::string(async::k_msg_add_future_response_type_url),
                                   Bytes{});
    }
    return out;
}

std::shared_ptr<const DecodedTx> App::decoded(ByteView bytes, Outcome& err) {
    if (auto tx = m_decoded.find(bytes)) return tx;
    auto tx = decode_tx(bytes, err);
    if (!tx) return nullptr;
    auto shared = std::make_shared<const DecodedTx>(std::move(*tx));
    m_decoded.insert(bytes, shared);
    return shared;
}

Outcome App::run_tx(store::KvView& base, ByteView bytes, Mode mode, std::int64_t height,
                    async::Admission& admitted) {
    if (!bytes.empty() && bytes[0] == async::k_results_tx_marker)
        return fail_async(async::Code::reserved_marker,
                          std::string(async::describe(async::Code::reserved_marker)));
    Outcome err;
    const std::shared_ptr<const DecodedTx> tx = decoded(bytes, err);
    if (!tx) return err;
    const std::uint64_t gas = gas_of(base, *tx, bytes.size(), mode);
    const std::uint64_t gas_wanted = tx->auth.fee().gas_limit();
    auto with_gas = [&](Outcome o) {
        o.gas_wanted = gas_wanted;
        o.gas_used = gas;
        return o;
    };
    const bool deliver = mode == Mode::deliver;
    store::CacheView ante_view(base);
    Outcome a = ante(ante_view, *tx, bytes, mode, height, gas);
    if (!a.ok()) return with_gas(std::move(a));
    // Deliver keeps the ante's writes even when a message fails; the checks keep nothing then.
    if (deliver) ante_view.write();
    store::CacheView msg_view(ante_view);
    std::vector<std::uint64_t> fees;
    Outcome m = run_messages(msg_view, *tx, mode, admitted, fees);
    if (!m.ok()) {
        if (deliver) m.events = a.events;  // the fee was paid
        return with_gas(std::move(m));
    }
    msg_view.write();
    if (deliver) {
        ante_view.write();
    } else if (mode != Mode::simulate) {
        ante_view.write();  // into the check view of the mempool or the proposal
    }
    Outcome out = std::move(a);
    out.events.insert(out.events.end(), m.events.begin(), m.events.end());
    out.responses = std::move(m.responses);
    const Hash txh = deliver ? crypto::sha256(bytes) : Hash{};
    for (std::size_t i = 0; i < tx->messages.size(); ++i) {
        const auto& msg = tx->messages[i];
        if (!msg.add_future) continue;
        if (deliver) {
            const std::uint64_t id = m_async->create_future(
                msg.add_future->creator(), msg.add_future->handler(),
                view(msg.add_future->input()), fees[i], txh, height, out.events);
            seer::async::v1::MsgAddFutureResponse r;
            r.set_id(id);
            out.responses[i].second = serialize(r);
        } else {
            admitted.admit(msg.add_future->creator());
        }
    }
    return with_gas(std::move(out));
}

CheckTxResponse App::check_tx(ByteView tx, CheckTxKind kind) {
    Outcome o;
    if (kind == CheckTxKind::dry_run) {
        store::CacheView scratch(m_check);
        async::Admission admitted = m_check_admitted;
        o = run_tx(scratch, tx, Mode::mempool, m_state.height() + 1, admitted);
    } else {
        o = run_tx(m_check, tx, Mode::mempool, m_state.height() + 1, m_check_admitted);
    }
    if (!o.ok()) log()->debug("check_tx rejected code={} reason={}", o.code, o.log);
    CheckTxResponse r;
    r.code = o.code;
    r.codespace = o.codespace;
    r.log = o.log;
    r.gas_wanted = static_cast<std::int64_t>(o.gas_wanted);
    return r;
}

PrepareProposalResponse App::prepare_proposal(const PrepareProposalRequest& req) {
    PrepareProposalResponse out;
    std::int64_t budget = req.max_tx_bytes;
    if (auto results = m_async->prepare_results(req)) {
        budget -= static_cast<std::int64_t>(results->size()) + 8;
        out.txs.push_back(std::move(*results));
    }
    // User txs in mempool order, re-checked against the state this block will run on.
    store::CacheView view(m_state);
    async::Admission admitted;
    std::uint64_t gas = 0;
    for (const auto& tx : req.txs) {
        const auto cost = static_cast<std::int64_t>(tx.size()) + 8;
        if (cost > budget) break;
        // A tx that would take the block past max_gas ends it, as CometBFT's reap does: the
        // txs behind it wait for the next block, in order.
        if (m_options.max_block_gas > 0) {
            Outcome err;
            auto d = decoded(tx, err);
            if (d && gas + d->auth.fee().gas_limit() >
                         static_cast<std::uint64_t>(m_options.max_block_gas))
                break;
        }
        const Outcome o = run_tx(view, tx, Mode::proposal, req.height, admitted);
        if (!o.ok()) continue;
        gas += o.gas_wanted;
        budget -= cost;
        out.txs.push_back(tx);
    }
    return out;
}

ProposalStatus App::process_proposal(const ProcessProposalRequest& req) {
    const auto& txs = *req.txs;
    store::CacheView view(m_state);
    async::Admission admitted;
    std::uint64_t gas = 0;
    for (std::size_t i = 0; i < txs.size(); ++i) {
        const Bytes& tx = txs[i];
        const bool results = !tx.empty() && tx[0] == async::k_results_tx_marker;
        if (results && i == 0) continue;
        if (results) {
            log()->debug("reject proposal height={}: results tx at index {}", req.height, i);
            return ProposalStatus::reject;
        }
        auto o = run_tx(view, tx, Mode::proposal, req.height, admitted);
        if (!o.ok()) {
            log()->debug("reject proposal height={}: tx {} code={} {}", req.height, i, o.code,
                         o.log);
            return ProposalStatus::reject;
        }
        gas += o.gas_wanted;
        if (m_options.max_block_gas > 0 && gas > static_cast<std::uint64_t>(m_options.max_block_gas)) {
            log()->debug("reject proposal height={}: its txs want {} gas, block max_gas is {}",
                         req.height, gas, m_options.max_block_gas);
            return ProposalStatus::reject;
        }
    }
    return m_async->process_results(req) ? ProposalStatus::accept : ProposalStatus::reject;
}

FinalizeBlockResponse App::finalize_block(const FinalizeBlockRequest& req) {
    FinalizeBlockResponse resp;
    const std::int64_t h = req.height;
    m_async->begin_block(req, resp.events);
    const auto& txs = *req.txs;
    resp.tx_results.resize(txs.size());
    async::Admission none;
    for (std::size_t i = 0; i < txs.size(); ++i) {
        const Bytes& tx = txs[i];
        if (i == 0 && !tx.empty() && tx[0] == async::k_results_tx_marker) {
            m_async->deliver_results(tx, req.proposer_address, h, resp.events);
            resp.tx_results[i].log = "results";
            continue;
        }
        Outcome o = run_tx(m_state, tx, Mode::deliver, h, none);
        ExecTxResult& r = resp.tx_results[i];
        r.code = o.code;
        r.codespace = o.codespace;
        r.log = o.log;
        r.gas_wanted = static_cast<std::int64_t>(o.gas_wanted);
        r.gas_used = static_cast<std::int64_t>(o.gas_used);
        r.events = std::move(o.events);
        if (o.ok()) {
            cosmos::base::abci::v1beta1::TxMsgData data;
            for (auto& [type_url, bytes] : o.responses) {
                auto* any = data.add_msg_responses();
                any->set_type_url(type_url);
                any->set_value(pb_bytes(bytes));
            }
            r.data = serialize(data);
        }
    }
    m_async->end_block(h, req.hash, resp.events);
    pay_proposer(req.proposer_address, resp.events);
    resp.app_hash = m_state.seal(h);
    return resp;
}

void App::pay_proposer(const Address& proposer, std::vector<Event>& events) {
    const bank::Coins collected = m_bank.balances(m_state, fee_collector_address());
    if (collected.empty()) return;
    auto s = m_bank.send(m_state, fee_collector_address(), proposer, collected);
    SEER_CHECK(s.ok());
    auto e = transfer_events(fee_collector_address(), proposer, collected);
    events.insert(events.end(), e.begin(), e.end());
}

CommitResponse App::commit() {
    m_state.persist();
    m_check.clear();  // the mempool re-checks its txs against the new state
    m_check_admitted.clear();
    m_async->commit();
    return {};
}

// ---------------------------------------------------------------------------------------------
// Queries: the SDK's gRPC paths with protobuf requests and answers, and x/async's own paths.

namespace {

QueryResponse query_fail(SdkCode code, std::string text) {
    QueryResponse r;
    r.code = static_cast<std::uint32_t>(code);
    r.codespace = std::string(k_sdk_codespace);
    r.log = std::move(text);
    return r;
}

constexpr std::uint64_t k_default_page = 100;
constexpr std::uint64_t k_max_page = 1000;

void to_coin(const bank::Coin& c, cosmos::base::v1beta1::Coin* out) {
    out->set_denom(c.denom);
    out->set_amount(std::to_string(c.amount));
}

template <class Response>
QueryResponse page_coins(const bank::Coins& all,
                         const cosmos::base::query::v1beta1::PageRequest& pr, Response& r,
                         google::protobuf::RepeatedPtrField<cosmos::base::v1beta1::Coin>* list,
                         std::int64_t height) {
    std::vector<Bytes> keys;
    for (const auto& c : all)
        keys.push_back(to_bytes(c.denom));
    PageSpec spec{bytes_of(pr.key()), pr.offset(), pr.limit(), pr.count_total(), pr.reverse()};
    auto page = paginate(keys, spec, k_default_page, k_max_page);
    if (!page) return query_fail(SdkCode::invalid_request, page.error().message);
    for (std::size_t i : page->positions)
        to_coin(all[i], list->Add());
    if (!page->next_key.empty()) r.mutable_pagination()->set_next_key(pb_bytes(page->next_key));
    if (page->total) r.mutable_pagination()->set_total(*page->total);
    QueryResponse out;
    out.value = serialize(r);
    out.height = height;
    return out;
}

}  // namespace

QueryResponse App::query(const QueryRequest& req) {
    const std::string& path = req.path;
    // Only the latest state is kept (no historical versions): a query at another height is
    // refused, never answered from the wrong state.
    if (req.height != 0 && req.height != m_state.height())
        return query_fail(SdkCode::invalid_request,
                          "failed to load state at height " + std::to_string(req.height) +
                              "; seer keeps only the latest state (height " +
                              std::to_string(m_state.height()) +
                              "): query without a height: invalid request");
    QueryResponse r;
    if (path == "/cosmos.auth.v1beta1.Query/Account") {
        r = query_account(m_state, req.data);
    } else if (path == k_pending_account_path) {
        r = query_account(m_check, req.data);
    } else if (path.rfind("/cosmos.bank.v1beta1.Query/", 0) == 0) {
        r = query_bank(std::string_view(path).substr(27), req.data);
    } else if (path == "/cosmos.tx.v1beta1.Service/Simulate") {
        r = simulate(req.data);
    } else if (path.rfind("/seer.async.v1.Query/", 0) == 0 || path.rfind("async/", 0) == 0 ||
               path.rfind("/async/", 0) == 0) {
        return m_async->query(req);
    } else {
        return query_fail(SdkCode::unknown_request, "unknown query path " + path);
    }
    if (r.code == 0) r.height = m_state.height();
    return r;
}

QueryResponse App::query_account(const store::KvView& view, ByteView data) const {
    cosmos::auth::v1beta1::QueryAccountRequest req;
    if (!parse(req, data)) return query_fail(SdkCode::invalid_request, "data is not a QueryAccountRequest");
    auto address = crypto::from_bech32_address(req.address());
    if (!address) return query_fail(SdkCode::invalid_address, "invalid address: " + address.error().message);
    auto acc = m_accounts.get(view, *address);
    // cosmjs reads "rpc error: code = NotFound" as "no such account" (StargateClient.getAccount).
    if (!acc)
        return query_fail(SdkCode::key_not_found, "rpc error: code = NotFound desc = account " +
                                                      req.address() + " not found: key not found");
    cosmos::auth::v1beta1::QueryAccountResponse resp;
    resp.mutable_account()->set_type_url(std::string(k_base_account_type_url));
    resp.mutable_account()->set_value(acc->SerializeAsString());
    QueryResponse r;
    r.value = serialize(resp);
    return r;
}

QueryResponse App::query_bank(std::string_view method, ByteView data) const {
    const std::int64_t height = m_state.height();
    auto address_of = [](const std::string& text) { return crypto::from_bech32_address(text); };
    if (method == "Balance") {
        cosmos::bank::v1beta1::QueryBalanceRequest req;
        if (!parse(req, data)) return query_fail(SdkCode::invalid_request, "data is not a QueryBalanceRequest");
        auto a = address_of(req.address());
        if (!a) return query_fail(SdkCode::invalid_address, "invalid address: " + a.error().message);
        if (!bank::valid_denom(req.denom()))
            return query_fail(SdkCode::invalid_coins, "invalid denom " + req.denom());
        cosmos::bank::v1beta1::QueryBalanceResponse resp;
        to_coin({req.denom(), m_bank.balance(m_state, *a, req.denom())}, resp.mutable_balance());
        QueryResponse r;
        r.value = serialize(resp);
        r.height = height;
        return r;
    }
    if (method == "AllBalances") {
        cosmos::bank::v1beta1::QueryAllBalancesRequest req;
        if (!parse(req, data)) return query_fail(SdkCode::invalid_request, "data is not a QueryAllBalancesRequest");
        auto a = address_of(req.address());
        if (!a) return query_fail(SdkCode::invalid_address, "invalid address: " + a.error().message);
        cosmos::bank::v1beta1::QueryAllBalancesResponse resp;
        return page_coins(m_bank.balances(m_state, *a), req.pagination(), resp,
                          resp.mutable_balances(), height);
    }
    if (method == "TotalSupply") {
        cosmos::bank::v1beta1::QueryTotalSupplyRequest req;
        if (!parse(req, data)) return query_fail(SdkCode::invalid_request, "data is not a QueryTotalSupplyRequest");
        cosmos::bank::v1beta1::QueryTotalSupplyResponse resp;
        return page_coins(m_bank.total_supply(m_state), req.pagination(), resp,
                          resp.mutable_supply(), height);
    }
    if (method == "SupplyOf") {
        cosmos::bank::v1beta1::QuerySupplyOfRequest req;
        if (!parse(req, data)) return query_fail(SdkCode::invalid_request, "data is not a QuerySupplyOfRequest");
        cosmos::bank::v1beta1::QuerySupplyOfResponse resp;
        to_coin({req.denom(), m_bank.supply_of(m_state, req.denom())}, resp.mutable_amount());
        QueryResponse r;
        r.value = serialize(resp);
        r.height = height;
        return r;
    }
    return query_fail(SdkCode::unknown_request, "unknown query path /cosmos.bank.v1beta1.Query/" +
                                                    std::string(method));
}

QueryResponse App::simulate(ByteView data) {
    cosmos::tx::v1beta1::SimulateRequest req;
    if (!parse(req, data)) return query_fail(SdkCode::invalid_request, "data is not a SimulateRequest");
    Bytes tx = bytes_of(req.tx_bytes());
    if (tx.empty() && req.has_tx()) tx = serialize(req.tx());
    if (tx.empty()) return query_fail(SdkCode::invalid_request, "empty txBytes is not allowed");
    // Against the mempool's check state, as the SDK simulates: a tx signed with a sequence ahead
    // of the committed one (txs still in the mempool) simulates as it will be checked.
    store::CacheView scratch(m_check);
    async::Admission admitted = m_check_admitted;
    Outcome o = run_tx(scratch, tx, Mode::simulate, m_state.height() + 1, admitted);
    if (!o.ok()) {
        QueryResponse r;
        r.code = o.code;
        r.codespace = o.codespace;
        r.log = o.log;
        return r;
    }
    cosmos::tx::v1beta1::SimulateResponse resp;
    resp.mutable_gas_info()->set_gas_wanted(o.gas_wanted);
    resp.mutable_gas_info()->set_gas_used(o.gas_used);
    auto* result = resp.mutable_result();
    for (const auto& e : o.events) {
        auto* ev = result->add_events();
        ev->set_type(e.type);
        for (const auto& a : e.attributes) {
            auto* at = ev->add_attributes();
            at->set_key(a.key);
            at->set_value(a.value);
            at->set_index(a.index);
        }
    }
    for (const auto& [type_url, bytes] : o.responses) {
        auto* any = result->add_msg_responses();
        any->set_type_url(type_url);
        any->set_value(pb_bytes(bytes));
    }
    QueryResponse r;
    r.value = serialize(resp);
    return r;
}

}  // namespace detail

crypto::Address fee_collector_address() {
    const auto h = crypto::sha256(as_bytes("fee_collector"));
    crypto::Address a{};
    std::copy_n(h.begin(), a.size(), a.begin());
    return a;
}

std::unique_ptr<consensus::Application> make_app(AppOptions options, const Genesis& genesis,
                                                 store::KvStore& kv) {
    return std::make_unique<detail::App>(std::move(options), genesis, kv);
}

}  // namespace seer::app
