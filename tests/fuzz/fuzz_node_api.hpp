#pragma once
// The NodeApi behind fuzz_jsonrpc and fuzz_rest: a cut-down copy of tests/unit/rpc/support.hpp's
// FakeNodeApi (that one needs doctest and threads). Deterministic and stateless across inputs: a
// chain of three blocks with real MsgAddFuture txs, results and events, a mempool that does not
// grow, query answers that echo their requests (so what a client sends reaches the JSON
// printers), and a bus whose Tx event fires inside broadcast_tx for txs of even length (so
// broadcast_tx_commit completes within one io_context run).

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "cosmos/auth/v1beta1/auth.pb.h"
#include "cosmos/bank/v1beta1/bank.pb.h"
#include "cosmos/base/query/v1beta1/pagination.pb.h"
#include "cosmos/crypto/ed25519/keys.pb.h"
#include "cosmos/tx/v1beta1/service.pb.h"
#include "seer/app/tx.hpp"
#include "seer/async/v1/async.pb.h"
#include "seer/crypto/address.hpp"
#include "seer/crypto/ed25519.hpp"
#include "seer/crypto/hash.hpp"
#include "seer/rpc/node_api.hpp"

namespace seer::fuzz {

namespace av1 = seer::async::v1;

inline crypto::PrivateKey rpc_key(std::uint8_t n) {
    crypto::Seed s{};
    s.fill(n);
    return crypto::PrivateKey::from_seed(s);
}

class FuzzNodeApi final : public rpc::NodeApi {
public:
    static constexpr consensus::Timestamp k_t0 = 1'700'000'000'123'456'789;
    std::string chain_id = "seer-fuzz";
    std::vector<rpc::BlockView> blocks;  // heights 1..3
    std::vector<rpc::BlockResultsView> results;
    std::vector<std::vector<rpc::TxView>> txs;  // by height - 1
    consensus::ValidatorSet vset;
    std::string account_address;
    std::map<rpc::SubscriptionId, std::function<void(const rpc::BusEvent&)>> subscribers;
    rpc::SubscriptionId next_sub = 1;
    std::map<rpc::Hash, Bytes> outputs;  // off-chain outputs held (future 4's)

    FuzzNodeApi() {
        std::vector<consensus::Validator> vals;
        for (std::uint8_t i = 1; i <= 2; ++i) {
            consensus::Validator v;
            v.pub_key = rpc_key(i).public_key();
            v.address = crypto::address_of(v.pub_key);
            v.voting_power = 10 * i;
            vals.push_back(v);
        }
        vset = consensus::ValidatorSet::from_genesis(vals);
        account_address = crypto::to_bech32_address(crypto::address_of(rpc_key(9).public_key()));
        for (std::int64_t h = 1; h <= 3; ++h) {
            std::vector<Bytes> block_txs;
            const int n = h == 2 ? 2 : (h == 3 ? 1 : 0);
            for (int i = 0; i < n; ++i)
                block_txs.push_back(add_future_tx(static_cast<std::uint64_t>(h * 10 + i)));
            add_block(block_txs);
        }
        const Bytes out = to_bytes("an off-chain output");
        outputs[crypto::sha256(out)] = out;
    }

    Bytes add_future_tx(std::uint64_t sequence) const {
        app::AddFutureTx t;
        t.chain_id = chain_id;
        t.account_number = 1;
        t.sequence = sequence;
        t.handler = "echo";
        t.input = to_bytes("hello");
        return app::build_add_future_tx(rpc_key(9), t);
    }

    static consensus::ExecTxResult result_for(std::uint64_t future_id) {
        consensus::ExecTxResult r;
        r.gas_wanted = 1000;
        r.gas_used = 420;
        r.data = to_bytes("ok");
        r.log = "log \"quoted\" \xc3\xa9";
        r.events.push_back({"message", {{"action", "/seer.async.v1.MsgAddFuture", true}}});
        r.events.push_back({"future_created", {{"id", std::to_string(future_id), true}}});
        r.events.push_back({"transfer", {{"amount", "12useer", true}, {"sender", "seer1x", true}}});
        return r;
    }

    void add_block(const std::vector<Bytes>& block_txs) {
        const auto h = static_cast<std::int64_t>(blocks.size()) + 1;
        rpc::BlockView b;
        b.block.header.chain_id = chain_id;
        b.block.header.height = h;
        b.block.header.time = k_t0 + h * 1'000'000'000;
        if (h > 1) b.block.header.last_block_id = consensus::BlockId{blocks.back().hash};
        b.block.header.app_hash.fill(static_cast<std::uint8_t>(h));
        b.block.header.validators_hash = vset.hash();
        b.block.header.proposer_address = vset.at(0).address;
        b.block.txs = block_txs;
        b.block.header.data_hash = consensus::data_hash(block_txs);
        if (h > 1) b.block.last_commit = commit_for(h - 1);
        b.hash = consensus::block_hash(b.block.header);
        b.size_bytes = 1000 + h;
        rpc::BlockResultsView r;
        r.height = h;
        r.app_hash = b.block.header.app_hash;
        r.finalize_block_events.push_back({"future_verified", {{"id", std::to_string(h), true}}});
        std::vector<rpc::TxView> tv;
        for (std::size_t i = 0; i < block_txs.size(); ++i) {
            rpc::TxView t;
            t.hash = crypto::sha256(block_txs[i]);
            t.height = h;
            t.index = static_cast<std::uint32_t>(i);
            t.tx = block_txs[i];
            t.result = result_for(static_cast<std::uint64_t>(h * 10) + i);
            r.txs_results.push_back(t.result);
            tv.push_back(t);
        }
        blocks.push_back(b);
        results.push_back(r);
        txs.push_back(tv);
    }

    consensus::ExtendedCommit commit_for(std::int64_t h) const {
        consensus::ExtendedCommit c;
        c.height = h;
        c.block_id = consensus::BlockId{blocks.at(static_cast<std::size_t>(h - 1)).hash};
        for (std::size_t i = 0; i < vset.size(); ++i) {
            consensus::ExtendedCommitSig s;
            s.flag = consensus::BlockIdFlag::commit;
            s.validator_address = vset.at(i).address;
            s.signature.assign(64, static_cast<std::uint8_t>(i + 1));
            c.signatures.push_back(s);
        }
        return c;
    }

    // ---- NodeApi ----
    rpc::StatusInfo status() override {
        rpc::StatusInfo s;
        s.node_id = "0123456789abcdef0123456789abcdef01234567";
        s.listen_addr = "tcp://0.0.0.0:26656";
        s.network = chain_id;
        s.version = "0.38.0";
        s.app_version = "0.1.0";
        s.channels = "202122233031";
        s.moniker = "fuzz";
        s.rpc_address = "tcp://127.0.0.1:26657";
        s.latest_block_hash = blocks.back().hash;
        s.latest_app_hash = blocks.back().block.header.app_hash;
        s.latest_block_height = latest_height();
        s.latest_block_time = blocks.back().block.header.time;
        s.earliest_block_hash = blocks.front().hash;
        s.earliest_block_height = 1;
        s.earliest_block_time = blocks.front().block.header.time;
        s.validator_address = vset.at(0).address;
        s.validator_pub_key = vset.at(0).pub_key;
        s.voting_power = vset.at(0).voting_power;
        return s;
    }
    rpc::NetInfo net_info() override {
        rpc::NetInfo n;
        n.listeners = {"Listener(@tcp://0.0.0.0:26656)"};
        n.peers.push_back({"peer1", "other", "tcp://10.0.0.2:26656", "10.0.0.2", true});
        return n;
    }
    std::int64_t latest_height() override { return 3; }
    std::int64_t base_height() override { return 1; }
    std::optional<rpc::BlockView> block(std::int64_t h) override {
        if (h < 1 || h > static_cast<std::int64_t>(blocks.size())) return std::nullopt;
        return blocks[static_cast<std::size_t>(h - 1)];
    }
    std::optional<rpc::BlockView> block_by_hash(const rpc::Hash& hash) override {
        for (const auto& b : blocks)
            if (b.hash == hash) return b;
        return std::nullopt;
    }
    std::optional<consensus::ExtendedCommit> commit(std::int64_t h) override {
        if (h < 1 || h > 3) return std::nullopt;
        return commit_for(h);
    }
    std::optional<rpc::BlockResultsView> block_results(std::int64_t h) override {
        if (h < 1 || h > static_cast<std::int64_t>(results.size())) return std::nullopt;
        return results[static_cast<std::size_t>(h - 1)];
    }
    consensus::ValidatorSet validators(std::int64_t) override { return vset; }
    std::string genesis_json() override {
        return R"({"genesis_time":"2023-11-14T22:13:20Z","chain_id":"seer-fuzz","initial_height":"1","app_state":{}})";
    }
    rpc::ConsensusParamsView consensus_params() override { return {4194304, -1, 1}; }
    rpc::MempoolView unconfirmed_txs(std::size_t limit) override {
        rpc::MempoolView m;
        const std::vector<Bytes> pool{to_bytes("mempool tx 1"), add_future_tx(77)};
        m.n_txs = static_cast<std::int64_t>(pool.size());
        for (const auto& t : pool) {
            m.total_bytes += static_cast<std::int64_t>(t.size());
            if (m.txs.size() < limit) m.txs.push_back(t);
        }
        return m;
    }
    /// By the tx's first byte: 'd' duplicate, 'f' full, 'l' too large, 'b' refused by check_tx;
    /// else added. An added tx of even length is committed at once (its Tx event fires here).
    rpc::BroadcastResult broadcast_tx(Bytes tx) override {
        rpc::BroadcastResult r;
        r.hash = crypto::sha256(tx);
        r.check = check_tx(tx);
        const std::uint8_t first = tx.empty() ? 0 : tx[0];
        if (first == 'd') {
            r.outcome = rpc::BroadcastOutcome::duplicate;
        } else if (first == 'f') {
            r.outcome = rpc::BroadcastOutcome::full;
        } else if (first == 'l') {
            r.outcome = rpc::BroadcastOutcome::too_large;
        } else if (r.check.code != 0) {
            r.outcome = rpc::BroadcastOutcome::rejected;
        } else if (tx.size() % 2 == 0) {
            rpc::TxView t;
            t.hash = r.hash;
            t.height = 4;
            t.tx = tx;
            t.result = result_for(99);
            rpc::BusEvent ev;
            ev.kind = rpc::BusEvent::Kind::tx;
            ev.tx = std::make_shared<rpc::TxView>(t);
            ev.attributes = {{"tm.event", "Tx"}, {"tx.height", "4"}};
            const auto subs = subscribers;  // a callback may unsubscribe
            for (const auto& [id, cb] : subs)
                cb(ev);
        }
        return r;
    }
    consensus::CheckTxResponse check_tx(Bytes tx) override {
        consensus::CheckTxResponse c;
        if (!tx.empty() && tx[0] == 'b') {
            c.code = 4;
            c.codespace = "sdk";
            c.log = "signature verification failed (" + std::to_string(tx.size()) + " bytes)";
        }
        c.gas_wanted = 1000;
        return c;
    }
    std::optional<rpc::TxView> tx(const rpc::Hash& hash) override {
        for (const auto& h : txs)
            for (const auto& t : h)
                if (t.hash == hash) return t;
        return std::nullopt;
    }
    std::vector<rpc::TxView> txs_at_height(std::int64_t h) override {
        if (h < 1 || h > static_cast<std::int64_t>(txs.size())) return {};
        return txs[static_cast<std::size_t>(h - 1)];
    }
    std::optional<Bytes> future_output(const rpc::Hash& sha256) override {
        auto it = outputs.find(sha256);
        if (it == outputs.end()) return std::nullopt;
        return it->second;
    }
    void scan_events(rpc::EventScope scope, std::string_view key, std::string_view value_prefix,
                     const rpc::EventIndexVisitor& visit) override {
        std::vector<std::tuple<std::string, std::int64_t, std::uint32_t>> entries;
        auto add = [&](const std::vector<consensus::Event>& events, std::int64_t h,
                       std::uint32_t i) {
            for (const auto& e : events)
                for (const auto& a : e.attributes)
                    if (a.index && e.type + "." + a.key == key && a.value.starts_with(value_prefix))
                        entries.emplace_back(a.value, h, i);
        };
        if (scope == rpc::EventScope::tx) {
            for (const auto& height : txs)
                for (const auto& t : height)
                    add(t.result.events, t.height, t.index);
        } else {
            for (const auto& r : results)
                add(r.finalize_block_events, r.height, 0);
        }
        std::sort(entries.begin(), entries.end());
        entries.erase(std::unique(entries.begin(), entries.end()), entries.end());
        for (const auto& [v, h, i] : entries)
            if (!visit(v, h, i)) return;
    }
    consensus::InfoResponse abci_info() override {
        return {"0.1.0", 3, blocks.back().block.header.app_hash};
    }

    static av1::Future future(std::uint64_t id) {
        av1::Future f;
        f.set_id(id);
        f.set_creator("seer1creator");
        f.set_handler("echo");
        f.set_input("hi");
        f.set_status(id % 2 == 1 ? av1::FUTURE_STATUS_VERIFIED : av1::FUTURE_STATUS_PENDING);
        f.set_created_height(2);
        f.set_deadline_height(102);
        if (id == 4) {  // off chain, held
            const std::string out = "an off-chain output";
            const auto h = crypto::sha256(as_bytes(out));
            f.mutable_result()->set_output_sha256(std::string(h.begin(), h.end()));
            f.mutable_result()->set_output_size(out.size());
        } else if (id == 6) {  // off chain, not held
            f.mutable_result()->set_output_sha256(std::string(32, '\x07'));
            f.mutable_result()->set_output_size(1 << 20);
        } else if (id == 8) {
            f.mutable_result()->set_error("timeout: \"30s\"");
        } else if (id != 10) {  // 10: no result yet
            f.mutable_result()->set_output("hi");
        }
        f.mutable_tally()->set_verified_power(30);
        f.mutable_tally()->set_total_power(30);
        return f;
    }

    static consensus::QueryResponse ok(const google::protobuf::Message& m) {
        consensus::QueryResponse r;
        const std::string s = m.SerializeAsString();
        r.value = Bytes(s.begin(), s.end());
        r.height = 3;
        return r;
    }
    static consensus::QueryResponse fail(std::uint32_t code, std::string log,
                                         std::string codespace = "async") {
        consensus::QueryResponse r;
        r.code = code;
        r.codespace = std::move(codespace);
        r.log = std::move(log);
        return r;
    }

    /// 25 futures (ids 1..25); keys are 8-byte big-endian ids.
    static consensus::QueryResponse page(const cosmos::base::query::v1beta1::PageRequest& p,
                                         int status, const std::string& creator) {
        if (!creator.empty() && creator != "seer1creator")
            return fail(18, "invalid creator " + creator);
        std::uint64_t start = 1;
        if (!p.key().empty()) {
            if (p.key().size() != 8) return fail(18, "bad key");
            start = 0;
            for (char c : p.key())
                start = (start << 8) | static_cast<std::uint8_t>(c);
        }
        const std::uint64_t limit = p.limit() == 0 ? 100 : p.limit();
        if (limit > 1000) return fail(18, "limit over 1000");
        av1::QueryFuturesResponse out;
        std::uint64_t id = start;
        for (; id <= 25 && static_cast<std::uint64_t>(out.futures_size()) < limit; ++id) {
            auto f = future(id);
            if (status != 0 && f.status() != status) continue;
            *out.add_futures() = f;
        }
        if (id <= 25) {
            std::string k(8, '\0');
            for (int i = 7; i >= 0; --i, id >>= 8)
                k[static_cast<std::size_t>(i)] = static_cast<char>(id & 0xff);
            out.mutable_pagination()->set_next_key(k);
        }
        if (p.count_total()) out.mutable_pagination()->set_total(25);
        return ok(out);
    }

    template <class M>
    static bool parse(M& m, const Bytes& data) {
        return m.ParseFromArray(data.data(), static_cast<int>(data.size()));
    }

    consensus::QueryResponse abci_query(const consensus::QueryRequest& q) override {
        const std::string& path = q.path;
        if (path.rfind("async/future/", 0) == 0) {
            const auto id_text = path.substr(13);
            if (id_text.empty() || id_text.size() > 19 ||
                id_text.find_first_not_of("0123456789") != std::string::npos)
                return fail(18, "bad id");
            const auto id = std::stoull(id_text);
            if (id < 1 || id > 25) return fail(38, "future not found");
            av1::QueryFutureResponse r;
            *r.mutable_future() = future(id);
            return ok(r);
        }
        if (path == "async/futures") {
            av1::QueryFuturesRequest r;
            if (!parse(r, q.data)) return fail(18, "bad request");
            return page(r.pagination(), r.status(), r.creator());
        }
        if (path == "async/pending_futures") {
            av1::QueryPendingFuturesRequest p;
            if (!parse(p, q.data)) return fail(18, "bad request");
            return page(p.pagination(), av1::FUTURE_STATUS_PENDING, "");
        }
        if (path == "async/params") {
            av1::QueryParamsResponse r;
            r.mutable_params()->set_max_input_bytes(4096);
            r.mutable_params()->set_timeout_blocks(100);
            return ok(r);
        }
        if (path == "async/handlers") {
            av1::QueryHandlersResponse r;
            auto* h = r.add_handlers();
            h->set_name("echo");
            h->set_description("returns its input");
            return ok(r);
        }
        if (path == "/cosmos.auth.v1beta1.Query/Account") {
            cosmos::auth::v1beta1::QueryAccountRequest req;
            if (!parse(req, q.data)) return fail(18, "bad request", "sdk");
            const std::string& addr = req.address();
            if (!crypto::from_bech32_address(addr)) return fail(7, "invalid address", "sdk");
            if (addr != account_address)
                return fail(22, "account " + addr + " not found: key not found", "sdk");
            cosmos::auth::v1beta1::BaseAccount acc;
            acc.set_address(addr);
            const auto pk = rpc_key(9).public_key();
            cosmos::crypto::ed25519::PubKey pub;
            pub.set_key(std::string(pk.begin(), pk.end()));
            acc.mutable_pub_key()->set_type_url("/cosmos.crypto.ed25519.PubKey");
            acc.mutable_pub_key()->set_value(pub.SerializeAsString());
            acc.set_account_number(1);
            acc.set_sequence(31);
            cosmos::auth::v1beta1::QueryAccountResponse r;
            r.mutable_account()->set_type_url("/cosmos.auth.v1beta1.BaseAccount");
            r.mutable_account()->set_value(acc.SerializeAsString());
            return ok(r);
        }
        // The bank's answers echo the request's address and denom (to the JSON printer).
        if (path == "/cosmos.bank.v1beta1.Query/Balance") {
            cosmos::bank::v1beta1::QueryBalanceRequest req;
            if (!parse(req, q.data)) return fail(18, "bad request", "sdk");
            if (!crypto::from_bech32_address(req.address()))
                return fail(7, "invalid address " + req.address(), "sdk");
            cosmos::bank::v1beta1::QueryBalanceResponse r;
            r.mutable_balance()->set_denom(req.denom());
            r.mutable_balance()->set_amount("12");
            return ok(r);
        }
        if (path == "/cosmos.bank.v1beta1.Query/AllBalances") {
            cosmos::bank::v1beta1::QueryAllBalancesRequest req;
            if (!parse(req, q.data)) return fail(18, "bad request", "sdk");
            if (!crypto::from_bech32_address(req.address()))
                return fail(7, "invalid address " + req.address(), "sdk");
            cosmos::bank::v1beta1::QueryAllBalancesResponse r;
            auto* c = r.add_balances();
            c->set_denom("useer");
            c->set_amount(std::to_string(req.pagination().limit()));
            r.mutable_pagination()->set_next_key(req.pagination().key());
            return ok(r);
        }
        if (path == "/cosmos.bank.v1beta1.Query/TotalSupply") {
            cosmos::bank::v1beta1::QueryTotalSupplyRequest req;
            if (!parse(req, q.data)) return fail(18, "bad request", "sdk");
            cosmos::bank::v1beta1::QueryTotalSupplyResponse r;
            auto* c = r.add_supply();
            c->set_denom("useer");
            c->set_amount(std::to_string(req.pagination().offset()));
            return ok(r);
        }
        if (path == "/cosmos.bank.v1beta1.Query/SupplyOf") {
            cosmos::bank::v1beta1::QuerySupplyOfRequest req;
            if (!parse(req, q.data)) return fail(18, "bad request", "sdk");
            cosmos::bank::v1beta1::QuerySupplyOfResponse r;
            r.mutable_amount()->set_denom(req.denom());
            r.mutable_amount()->set_amount("1000");
            return ok(r);
        }
        if (path == "/cosmos.tx.v1beta1.Service/Simulate") {
            cosmos::tx::v1beta1::SimulateRequest req;
            if (!parse(req, q.data)) return fail(18, "bad request", "sdk");
            if (!req.tx_bytes().empty() && req.tx_bytes()[0] == 'b')
                return fail(4, "signature verification failed", "sdk");
            cosmos::tx::v1beta1::SimulateResponse r;
            r.mutable_gas_info()->set_gas_used(req.tx_bytes().size() * 10);
            r.mutable_result()->set_log("simulated");
            return ok(r);
        }
        return fail(18, "unknown query path " + path);
    }

    rpc::SubscriptionId subscribe(std::function<void(const rpc::BusEvent&)> cb) override {
        const auto id = next_sub++;
        subscribers.emplace(id, std::move(cb));
        return id;
    }
    void unsubscribe(rpc::SubscriptionId id) override { subscribers.erase(id); }
};

}  // namespace seer::fuzz
