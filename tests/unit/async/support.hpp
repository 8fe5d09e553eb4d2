#pragma once
// Helpers shared by the x/async module tests: deterministic keys for users and validators, a
// genesis, signed txs, results txs and vote extensions, and a small driver that calls the
// module in the order consensus does (finalize_block then commit for each height).

#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cosmos/base/abci/v1beta1/abci.pb.h"
#include "cosmos/tx/v1beta1/tx.pb.h"
#include "seer/app/app.hpp"
#include "seer/app/codes.hpp"
#include "seer/app/tx.hpp"
#include "seer/async/codes.hpp"
#include "seer/async/module.hpp"
#include "seer/async/params.hpp"
#include "seer/async/tx.hpp"
#include "seer/async/v1/async.pb.h"
#include "seer/consensus/application.hpp"
#include "seer/crypto/address.hpp"
#include "seer/crypto/ed25519.hpp"
#include "seer/crypto/hash.hpp"
#include "seer/prophet/prophet.hpp"
#include "seer/store/kv.hpp"

namespace seer::async::test {

namespace v1 = seer::async::v1;
using consensus::Application;
using consensus::Event;
using consensus::ExtendedCommitInfo;
using consensus::FinalizeBlockResponse;
using consensus::ProposalStatus;
using consensus::VerifyStatus;
using crypto::Address;
using Hash = crypto::Hash256;

inline constexpr std::string_view k_chain_id = "seer-test";
inline constexpr int k_users = 4;

inline crypto::PrivateKey key(std::uint8_t n) {
    crypto::Seed seed{};
    for (std::size_t i = 0; i < seed.size(); ++i)
        seed[i] = static_cast<std::uint8_t>(n * 31u + i * 7u + 1u);
    return crypto::PrivateKey::from_seed(seed);
}

/// Users 0..k_users-1 have genesis accounts with account numbers 0..k_users-1.
inline crypto::PrivateKey user(int i) {
    return key(static_cast<std::uint8_t>(10 + i));
}
inline Address user_address(int i) {
    return crypto::address_of(user(i).public_key());
}
inline std::string user_bech32(int i) {
    return crypto::to_bech32_address(user_address(i));
}

inline Address validator(int i) {
    return crypto::address_of(key(static_cast<std::uint8_t>(100 + i)).public_key());
}

inline bool contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

inline AppGenesis genesis(Params params = {}) {
    AppGenesis g;
    g.params = params;
    g.handlers = {{"echo", "output = input"},
                  {"math", "integer arithmetic"},
                  {"hashchain", "iterated SHA-256"}};
    REQUIRE(validate_genesis(g).ok());
    return g;
}

/// The application genesis around the module's: users 0..k_users-1 get accounts (numbers
/// 0..k_users-1, keys set by their first tx) and no balances.
inline app::Genesis app_genesis(const AppGenesis& g) {
    app::Genesis out;
    for (int i = 0; i < k_users; ++i)
        out.accounts.push_back({user_bech32(i), std::nullopt});
    out.async = g;
    REQUIRE(app::validate_genesis(out).ok());
    return out;
}

using app::AddFutureTx;
using app::build_add_future_tx;

inline AddFutureTx add_future(int user_index, std::uint64_t sequence, std::string handler,
                              std::string_view input) {
    AddFutureTx t;
    t.chain_id = std::string(k_chain_id);
    t.account_number = static_cast<std::uint64_t>(user_index);
    t.sequence = sequence;
    t.handler = std::move(handler);
    t.input = to_bytes(input);
    return t;
}

inline Bytes signed_tx(int user_index, std::uint64_t sequence, std::string handler = "echo",
                       std::string_view input = "hello") {
    return build_add_future_tx(user(user_index),
                               add_future(user_index, sequence, std::move(handler), input));
}

/// Decodes a built tx, lets `edit` change its body (and the MsgAddFuture inside), and signs it
/// again with `signer` for `account_number`, so only the edited property is wrong.
inline Bytes edited_tx(const Bytes& built, const crypto::PrivateKey& signer,
                       std::uint64_t account_number,
                       const std::function<void(cosmos::tx::v1beta1::TxBody&)>& edit) {
    cosmos::tx::v1beta1::TxRaw raw;
    REQUIRE(raw.ParseFromArray(built.data(), static_cast<int>(built.size())));
    cosmos::tx::v1beta1::TxBody body;
    REQUIRE(body.ParseFromString(raw.body_bytes()));
    edit(body);
    raw.set_body_bytes(body.SerializeAsString());
    cosmos::tx::v1beta1::SignDoc doc;
    doc.set_body_bytes(raw.body_bytes());
    doc.set_auth_info_bytes(raw.auth_info_bytes());
    doc.set_chain_id(std::string(k_chain_id));
    doc.set_account_number(account_number);
    const std::string doc_bytes = doc.SerializeAsString();
    const auto sig = signer.sign(as_bytes(doc_bytes));
    raw.set_signatures(0, std::string(sig.begin(), sig.end()));
    const std::string out = raw.SerializeAsString();
    return to_bytes(out);
}

// ---- results txs and vote extensions ------------------------------------------------------

inline ResultEntry output(std::uint64_t id, std::string_view out, std::uint32_t attempt = 0) {
    ResultEntry e;
    e.future_id = id;
    e.attempt = attempt;
    e.output = to_bytes(out);
    return e;
}

inline ResultEntry failure(std::uint64_t id, std::string error, std::uint32_t attempt = 0) {
    ResultEntry e;
    e.future_id = id;
    e.attempt = attempt;
    e.error = std::move(error);
    return e;
}

inline Bytes results_tx(const Address& proposer, std::vector<ResultEntry> entries) {
    ResultsTx tx;
    tx.proposer = proposer;
    tx.results = std::move(entries);
    return encode_results_tx(tx);
}

inline ExtensionVote verified(std::uint64_t id, std::uint32_t attempt = 0) {
    return {id, attempt, VoteValue::verified};
}
inline ExtensionVote rejected(std::uint64_t id, std::uint32_t attempt = 0) {
    return {id, attempt, VoteValue::rejected};
}
inline Bytes extension(const std::vector<ExtensionVote>& votes) {
    return encode_vote_extension(votes);
}

// ---- validators, commits, blocks -----------------------------------------------------------

struct ValidatorSet {
    std::vector<Address> addresses;
    std::vector<std::int64_t> powers;
    std::size_t size() const { return addresses.size(); }
};

inline ValidatorSet validators(int n, std::int64_t power = 10) {
    ValidatorSet vs;
    for (int i = 0; i < n; ++i) {
        vs.addresses.push_back(validator(i));
        vs.powers.push_back(power);
    }
    return vs;
}

/// Every validator precommitted (flag commit); `extensions` by validator index.
inline ExtendedCommitInfo last_commit(const ValidatorSet& vs,
                                      const std::map<std::size_t, Bytes>& extensions = {}) {
    ExtendedCommitInfo c;
    for (std::size_t i = 0; i < vs.size(); ++i) {
        consensus::ExtendedVoteInfo v;
        v.validator_address = vs.addresses[i];
        v.power = vs.powers[i];
        v.flag = consensus::BlockIdFlag::commit;
        if (auto it = extensions.find(i); it != extensions.end()) v.extension = it->second;
        c.votes.push_back(std::move(v));
    }
    return c;
}

inline Hash block_hash(std::int64_t height, std::string_view salt = "") {
    const std::string text = "block/" + std::to_string(height) + "/" + std::string(salt);
    return crypto::sha256(as_bytes(text));
}

inline ProposalStatus process(Application& app, std::int64_t height, const std::vector<Bytes>& txs,
                              const Address& proposer, const Hash& hash) {
    consensus::ProcessProposalRequest r;
    r.height = height;
    r.time = height * 1'000'000'000;
    r.hash = hash;
    r.proposer_address = proposer;
    r.txs = &txs;
    return app.process_proposal(r);
}

inline ProposalStatus process(Application& app, std::int64_t height, const std::vector<Bytes>& txs,
                              const Address& proposer) {
    return process(app, height, txs, proposer, block_hash(height));
}

inline VerifyStatus verify_extension(Application& app, std::int64_t height, ByteView ext,
                                     const Address& from, const Hash& hash) {
    consensus::VerifyVoteExtensionRequest r;
    r.height = height;
    r.hash = hash;
    r.validator_address = from;
    r.extension = ext;
    return app.verify_vote_extension(r);
}

inline FinalizeBlockResponse finalize(Application& app, std::int64_t height,
                                      const std::vector<Bytes>& txs, const Address& proposer,
                                      ExtendedCommitInfo commit) {
    consensus::FinalizeBlockRequest r;
    r.height = height;
    r.time = height * 1'000'000'000;
    r.hash = block_hash(height);
    r.proposer_address = proposer;
    r.txs = &txs;
    r.decided_last_commit = std::move(commit);
    return app.finalize_block(r);
}

// ---- nodes -----------------------------------------------------------------------------------

inline std::unique_ptr<prophet::Prophet> make_test_prophet() {
    prophet::Options o;
    o.workers = 1;
    o.enabled = {"echo", "math"};
    auto p = prophet::make_prophet(std::move(o));
    REQUIRE(p.ok());
    return std::move(p).value();
}

/// Waits (bounded) until the prophet finished everything offered so far.
inline void settle(prophet::Prophet& p) {
    REQUIRE(p.wait_idle(std::chrono::seconds(10)));
}

struct Node {
    std::shared_ptr<store::KvStore> kv;
    std::unique_ptr<OutputStore> outputs;  // this node's off-chain outputs
    /// Off-chain outputs the module asked the node to fetch, in order.
    std::shared_ptr<std::vector<crypto::Hash256>> fetches =
        std::make_shared<std::vector<crypto::Hash256>>();
    std::unique_ptr<prophet::Prophet> prophet;  // declared before app: outlives it
    std::unique_ptr<Application> app;
    std::optional<Address> self;
    app::Genesis genesis;
    std::vector<bank::GasPrice> min_gas_prices;
    std::int64_t max_block_gas = -1;

    app::AppOptions options() const {
        app::AppOptions o;
        o.chain_id = std::string(k_chain_id);
        o.async.prophet = prophet.get();
        o.async.validator_address = self;
        o.async.outputs = outputs.get();
        o.async.fetch_output = [f = fetches](const crypto::Hash256& h, std::uint64_t) {
            f->push_back(h);
        };
        o.min_gas_prices = min_gas_prices;
        o.max_block_gas = max_block_gas;
        return o;
    }
    /// A new application over the same store, as after a process restart.
    void restart() {
        app.reset();
        app = app::make_app(options(), genesis, *kv);
    }
};

inline Node make_node(const app::Genesis& g, std::optional<Address> self = std::nullopt,
                      bool with_prophet = false) {
    Node n;
    n.kv = store::make_memory_store({std::string(k_app_column), std::string(k_outputs_column)});
    n.outputs = make_output_store(*n.kv);
    if (with_prophet) n.prophet = make_test_prophet();
    n.self = self;
    n.genesis = g;
    n.app = app::make_app(n.options(), g, *n.kv);
    return n;
}

inline Node make_node(const AppGenesis& g, std::optional<Address> self = std::nullopt,
                      bool with_prophet = false) {
    return make_node(app_genesis(g), self, with_prophet);
}

/// A chain of `vs` driven block by block on one node: finalize_block, then commit.
struct Chain {
    ValidatorSet vs;
    Node node;
    std::int64_t height = 0;

    Chain(ValidatorSet validators_, const AppGenesis& g, std::optional<std::size_t> self = {},
          bool with_prophet = false)
        : Chain(std::move(validators_), app_genesis(g), self, with_prophet) {}
    Chain(ValidatorSet validators_, const app::Genesis& g, std::optional<std::size_t> self = {},
          bool with_prophet = false)
        : vs(std::move(validators_)),
          node(make_node(g, self ? std::optional<Address>(vs.addresses[*self]) : std::nullopt,
                         with_prophet)) {}

    Application& app() { return *node.app; }

    FinalizeBlockResponse next(const std::vector<Bytes>& txs, std::size_t proposer = 0,
                               const std::map<std::size_t, Bytes>& extensions = {}) {
        ++height;
        auto r =
            finalize(*node.app, height, txs, vs.addresses[proposer], last_commit(vs, extensions));
        REQUIRE(r.tx_results.size() == txs.size());
        node.app->commit();
        return r;
    }
};

// ---- queries and events ----------------------------------------------------------------------

inline consensus::QueryResponse query(Application& app, std::string path, Bytes data = {}) {
    consensus::QueryRequest q;
    q.path = std::move(path);
    q.data = std::move(data);
    return app.query(q);
}

template <class M>
M parse_as(const consensus::QueryResponse& r) {
    REQUIRE(r.code == 0);
    M m;
    REQUIRE(m.ParseFromArray(r.value.data(), static_cast<int>(r.value.size())));
    return m;
}

/// The future as the query returns it; fails the test when it is not found.
inline v1::Future future(Application& app, std::uint64_t id) {
    auto r = query(app, "async/future/" + std::to_string(id));
    INFO("future " << id << ": " << r.log);
    REQUIRE(r.code == 0);
    return parse_as<v1::QueryFutureResponse>(r).future();
}

inline std::uint32_t future_code(Application& app, std::uint64_t id) {
    return query(app, "async/future/" + std::to_string(id)).code;
}

/// The future ID a delivered MsgAddFuture tx returned (message `index` of its TxMsgData).
inline std::uint64_t created_id(const consensus::ExecTxResult& r, int index = 0) {
    REQUIRE(r.code == 0);
    cosmos::base::abci::v1beta1::TxMsgData data;
    REQUIRE(data.ParseFromArray(r.data.data(), static_cast<int>(r.data.size())));
    REQUIRE(data.msg_responses_size() > index);
    REQUIRE(data.msg_responses(index).type_url() == k_msg_add_future_response_type_url);
    v1::MsgAddFutureResponse m;
    REQUIRE(m.ParseFromString(data.msg_responses(index).value()));
    return m.id();
}

/// Events of the block and of its txs.
inline std::vector<Event> all_events(const FinalizeBlockResponse& r) {
    std::vector<Event> out = r.events;
    for (const auto& t : r.tx_results)
        out.insert(out.end(), t.events.begin(), t.events.end());
    return out;
}

inline std::string attribute(const Event& e, std::string_view key) {
    for (const auto& a : e.attributes)
        if (a.key == key) return a.value;
    return {};
}

/// Events of `type` whose "future_id" attribute is `id`.
inline std::vector<Event> events_of(const FinalizeBlockResponse& r, std::string_view type,
                                    std::uint64_t id) {
    std::vector<Event> out;
    for (const auto& e : all_events(r))
        if (e.type == type && attribute(e, "future_id") == std::to_string(id)) out.push_back(e);
    return out;
}

inline std::size_t count_events(const FinalizeBlockResponse& r, std::string_view type) {
    std::size_t n = 0;
    for (const auto& e : all_events(r))
        n += e.type == type ? 1 : 0;
    return n;
}

}  // namespace seer::async::test
