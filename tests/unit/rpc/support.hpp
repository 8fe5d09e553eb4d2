#pragma once
// Test support for the RPC servers: a FakeNodeApi with a small chain (blocks with real
// MsgAddFuture txs and results), a mempool and an event bus the test fires; and Beast HTTP and
// websocket clients with bounded waits (every operation has a deadline).

#include <doctest/doctest.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <cctype>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "cosmos/auth/v1beta1/auth.pb.h"
#include "cosmos/base/query/v1beta1/pagination.pb.h"
#include "cosmos/crypto/ed25519/keys.pb.h"
#include "seer/app/tx.hpp"
#include "seer/async/tx.hpp"
#include "seer/async/v1/async.pb.h"
#include "seer/common/base64.hpp"
#include "seer/crypto/address.hpp"
#include "seer/crypto/ed25519.hpp"
#include "seer/crypto/hash.hpp"
#include "seer/rpc/node_api.hpp"

namespace seer::rpc::test {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace asio = boost::asio;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
namespace v1 = seer::async::v1;

inline crypto::PrivateKey key(std::uint8_t n) {
    crypto::Seed s{};
    s.fill(n);
    return crypto::PrivateKey::from_seed(s);
}

inline std::string hex_up(ByteView b) {
    return to_hex(b, true);
}

class FakeNodeApi final : public NodeApi {
public:
    static constexpr consensus::Timestamp k_t0 = 1'700'000'000'123'456'789;
    std::string chain_id = "seer-test";
    std::vector<BlockView> blocks;  // heights 1..n
    std::vector<BlockResultsView> results;
    std::vector<std::vector<TxView>> txs;  // by height - 1
    consensus::ValidatorSet vset;
    std::string account_address;
    std::mutex mutex;  // guards mempool and subscribers
    std::vector<Bytes> mempool;
    std::map<SubscriptionId, std::function<void(const BusEvent&)>> subscribers;
    SubscriptionId next_sub = 1;
    /// Fires the tx's Tx event from another thread shortly after broadcast_tx (commit tests).
    std::atomic<bool> auto_commit{false};
    std::vector<std::thread> threads;
    /// The attempts every future reports: a test changes an answer by changing this.
    std::atomic<std::uint32_t> future_attempts{0};
    /// The commit of this height lacks the second validator's precommit (missed blocks).
    std::int64_t absent_height = 0;
    /// prophet_status() answers (one handler, "echo"); false: the node runs no prophet.
    bool has_prophet = true;

    FakeNodeApi() {
        std::vector<consensus::Validator> vals;
        for (std::uint8_t i = 1; i <= 2; ++i) {
            consensus::Validator v;
            v.pub_key = key(i).public_key();
            v.address = crypto::address_of(v.pub_key);
            v.voting_power = 10 * i;
            vals.push_back(v);
        }
        vset = consensus::ValidatorSet::from_genesis(vals);
        account_address = crypto::to_bech32_address(crypto::address_of(key(9).public_key()));
        for (std::int64_t h = 1; h <= 3; ++h) {
            std::vector<Bytes> block_txs;
            const int n = h == 2 ? 2 : (h == 3 ? 1 : 0);
            for (int i = 0; i < n; ++i)
                block_txs.push_back(add_future_tx(static_cast<std::uint64_t>(h * 10 + i)));
            add_block(block_txs);
        }
    }

    ~FakeNodeApi() override {
        for (auto& t : threads)
            t.join();
    }

    Bytes add_future_tx(std::uint64_t sequence) {
        app::AddFutureTx t;
        t.chain_id = chain_id;
        t.account_number = 1;
        t.sequence = sequence;
        t.handler = "echo";
        t.input = to_bytes("hello");
        return app::build_add_future_tx(key(9), t);
    }

    static consensus::ExecTxResult result_for(std::uint64_t future_id) {
        consensus::ExecTxResult r;
        r.gas_wanted = 1000;
        r.gas_used = 420;
        r.data = to_bytes("ok");
        r.events.push_back({"message", {{"action", "/seer.async.v1.MsgAddFuture", true}}});
        r.events.push_back({"future_created", {{"id", std::to_string(future_id), true}}});
        return r;
    }

    /// Appends a block (height = size + 1) and returns its new_block event.
    BusEvent add_block(const std::vector<Bytes>& block_txs) {
        const auto h = static_cast<std::int64_t>(blocks.size()) + 1;
        BlockView b;
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
        BlockResultsView r;
        r.height = h;
        r.app_hash = b.block.header.app_hash;
        r.finalize_block_events.push_back({"future_verified", {{"id", "7", true}}});
        std::vector<TxView> tv;
        for (std::size_t i = 0; i < block_txs.size(); ++i) {
            TxView t;
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
        BusEvent ev;
        ev.kind = BusEvent::Kind::new_block;
        ev.block = std::make_shared<BlockView>(b);
        ev.results = std::make_shared<BlockResultsView>(r);
        ev.attributes = {{"tm.event", "NewBlock"}, {"block.height", std::to_string(h)}};
        return ev;
    }

    consensus::ExtendedCommit commit_for(std::int64_t h) {
        consensus::ExtendedCommit c;
        c.height = h;
        c.block_id = consensus::BlockId{blocks.at(static_cast<std::size_t>(h - 1)).hash};
        for (std::size_t i = 0; i < vset.size(); ++i) {
            consensus::ExtendedCommitSig s;
            s.flag = consensus::BlockIdFlag::commit;
            s.validator_address = vset.at(i).address;
            s.signature.assign(64, static_cast<std::uint8_t>(i + 1));
            if (h == absent_height && i == 1) s = {};  // absent: no address, no signature
            c.signatures.push_back(s);
        }
        return c;
    }

    static BusEvent tx_event(const TxView& t) {
        BusEvent ev;
        ev.kind = BusEvent::Kind::tx;
        ev.tx = std::make_shared<TxView>(t);
        ev.attributes = {{"tm.event", "Tx"},
                         {"tx.hash", hex_up(t.hash)},
                         {"tx.height", std::to_string(t.height)}};
        for (const auto& e : t.result.events)
            for (const auto& a : e.attributes)
                ev.attributes.emplace(e.type + "." + a.key, a.value);
        return ev;
    }

    void fire(const BusEvent& ev) {
        std::vector<std::function<void(const BusEvent&)>> cbs;
        {
            std::lock_guard lock(mutex);
            for (auto& [id, cb] : subscribers)
                cbs.push_back(cb);
        }
        for (auto& cb : cbs)
            cb(ev);
    }

    std::size_t subscriber_count() {
        std::lock_guard lock(mutex);
        return subscribers.size();
    }

    // ---- NodeApi ----
    StatusInfo status() override {
        StatusInfo s;
        s.node_id = "0123456789abcdef0123456789abcdef01234567";
        s.listen_addr = "tcp://0.0.0.0:26656";
        s.network = chain_id;
        s.version = "0.1.0";
        s.moniker = "fake";
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
    NetInfo net_info() override {
        NetInfo n;
        n.listeners = {"Listener(@tcp://0.0.0.0:26656)"};
        n.peers.push_back({"peer1", "other", "tcp://10.0.0.2:26656", "10.0.0.2", true});
        return n;
    }
    std::int64_t latest_height() override { return 3; }
    std::int64_t base_height() override { return 1; }
    std::optional<BlockView> block(std::int64_t h) override {
        if (h < 1 || h > static_cast<std::int64_t>(blocks.size())) return std::nullopt;
        return blocks[static_cast<std::size_t>(h - 1)];
    }
    std::optional<BlockView> block_by_hash(const Hash& hash) override {
        for (const auto& b : blocks)
            if (b.hash == hash) return b;
        return std::nullopt;
    }
    std::optional<consensus::ExtendedCommit> commit(std::int64_t h) override {
        if (h < 1 || h > 3) return std::nullopt;
        return commit_for(h);
    }
    std::optional<BlockResultsView> block_results(std::int64_t h) override {
        if (h < 1 || h > static_cast<std::int64_t>(results.size())) return std::nullopt;
        return results[static_cast<std::size_t>(h - 1)];
    }
    consensus::ValidatorSet validators(std::int64_t) override { return vset; }
    std::string genesis_json() override {
        return R"({"genesis_time":"2023-11-14T22:13:20Z","chain_id":"seer-test","initial_height":"1","app_state":{}})";
    }
    ConsensusParamsView consensus_params() override { return {4194304, -1, 1}; }
    MempoolView unconfirmed_txs(std::size_t limit) override {
        std::lock_guard lock(mutex);
        MempoolView m;
        m.n_txs = static_cast<std::int64_t>(mempool.size());
        for (const auto& t : mempool) {
            m.total_bytes += static_cast<std::int64_t>(t.size());
            if (m.txs.size() < limit) m.txs.push_back(t);
        }
        return m;
    }
    BroadcastResult broadcast_tx(Bytes tx) override {
        BroadcastResult r;
        r.hash = crypto::sha256(tx);
        r.check = check_tx(tx);
        if (r.check.code != 0) {
            r.outcome = BroadcastOutcome::rejected;
            return r;
        }
        {
            std::lock_guard lock(mutex);
            for (const auto& t : mempool)
                if (t == tx) {
                    r.outcome = BroadcastOutcome::duplicate;
                    return r;
                }
            mempool.push_back(tx);
        }
        if (auto_commit) {
            TxView t;
            t.hash = r.hash;
            t.height = 4;
            t.tx = tx;
            t.result = result_for(99);
            threads.emplace_back([this, t] {
                std::this_thread::sleep_for(100ms);
                fire(tx_event(t));
            });
        }
        return r;
    }
    consensus::CheckTxResponse check_tx(Bytes tx) override {
        consensus::CheckTxResponse c;
        if (!tx.empty() && tx[0] == 'b') {
            c.code = 4;
            c.codespace = "async";
            c.log = "signature verification failed";
        }
        c.gas_wanted = 1000;
        return c;
    }
    std::optional<TxView> tx(const Hash& hash) override {
        for (const auto& h : txs)
            for (const auto& t : h)
                if (t.hash == hash) return t;
        return std::nullopt;
    }
    std::vector<TxView> txs_at_height(std::int64_t h) override {
        if (h < 1 || h > static_cast<std::int64_t>(txs.size())) return {};
        return txs[static_cast<std::size_t>(h - 1)];
    }
    /// The node's event index over this fake's blocks: every indexed attribute, ordered by
    /// (value, height, index) as the RocksDB index orders them.
    std::map<Hash, Bytes> outputs;  // off-chain outputs this fake holds
    std::optional<Bytes> future_output(const Hash& sha256) override {
        auto it = outputs.find(sha256);
        if (it == outputs.end()) return std::nullopt;
        return it->second;
    }
    void scan_events(EventScope scope, std::string_view key, std::string_view value_prefix,
                     const EventIndexVisitor& visit) override {
        std::vector<std::tuple<std::string, std::int64_t, std::uint32_t>> entries;
        auto add = [&](const std::vector<consensus::Event>& events, std::int64_t h,
                       std::uint32_t i) {
            for (const auto& e : events)
                for (const auto& a : e.attributes)
                    if (a.index && e.type + "." + a.key == key && a.value.starts_with(value_prefix))
                        entries.emplace_back(a.value, h, i);
        };
        if (scope == EventScope::tx) {
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

    static v1::Future future(std::uint64_t id) {
        v1::Future f;
        f.set_id(id);
        f.set_creator("seer1creator");
        f.set_handler("echo");
        f.set_input("hi");
        f.set_status(id % 2 == 1 ? v1::FUTURE_STATUS_VERIFIED : v1::FUTURE_STATUS_PENDING);
        f.set_created_height(2);
        f.set_deadline_height(102);
        f.mutable_result()->set_output("hi");
        f.mutable_tally()->set_verified_power(30);
        f.mutable_tally()->set_total_power(30);
        return f;
    }

    static consensus::QueryResponse ok(const google::protobuf::Message& m) {
        consensus::QueryResponse r;
        r.value = to_bytes(m.SerializeAsString());
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

    /// 25 futures (ids 1..25), odd verified, even pending; keys are 8-byte big-endian ids.
    consensus::QueryResponse page(const cosmos::base::query::v1beta1::PageRequest& p, int status,
                                  const std::string& creator) {
        if (!creator.empty() && creator != "seer1creator") return fail(18, "invalid creator");
        std::uint64_t start = 1;
        if (!p.key().empty()) {
            if (p.key().size() != 8) return fail(18, "bad key");
            start = 0;
            for (char c : p.key())
                start = (start << 8) | static_cast<std::uint8_t>(c);
        }
        const std::uint64_t limit = p.limit() == 0 ? 100 : p.limit();
        if (limit > 1000) return fail(18, "limit over 1000");
        v1::QueryFuturesResponse out;
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
        return ok(out);
    }

    consensus::QueryResponse abci_query(const consensus::QueryRequest& q) override {
        const std::string& path = q.path;
        if (path.rfind("async/future/", 0) == 0) {
            const auto id_text = path.substr(13);
            if (id_text.empty() || id_text.find_first_not_of("0123456789") != std::string::npos) {
                return fail(18, "bad id");
            }
            const auto id = std::stoull(id_text);
            if (id < 1 || id > 25) return fail(38, "future not found");
            v1::QueryFutureResponse r;
            *r.mutable_future() = future(id);
            r.mutable_future()->set_attempts(future_attempts.load());
            return ok(r);
        }
        if (path == "async/futures") {
            v1::QueryFuturesRequest r;
            if (!r.ParseFromArray(q.data.data(), static_cast<int>(q.data.size())))
                return fail(18, "bad request");
            return page(r.pagination(), r.status(), r.creator());
        }
        if (path == "async/pending_futures") {
            v1::QueryPendingFuturesRequest p;
            if (!p.ParseFromArray(q.data.data(), static_cast<int>(q.data.size())))
                return fail(18, "bad request");
            return page(p.pagination(), v1::FUTURE_STATUS_PENDING, "");
        }
        if (path == "async/params") {
            v1::QueryParamsResponse r;
            r.mutable_params()->set_max_input_bytes(4096);
            r.mutable_params()->set_timeout_blocks(100);
            return ok(r);
        }
        if (path == "async/handlers") {
            v1::QueryHandlersResponse r;
            auto* h = r.add_handlers();
            h->set_name("echo");
            h->set_description("returns its input");
            return ok(r);
        }
        if (path == "/cosmos.auth.v1beta1.Query/Account") {
            // As app/ answers: a BaseAccount in an Any; code 22 "NotFound"; code 7 bad address.
            cosmos::auth::v1beta1::QueryAccountRequest req;
            if (!req.ParseFromArray(q.data.data(), static_cast<int>(q.data.size())))
                return fail(18, "bad request", "sdk");
            const std::string& addr = req.address();
            if (!crypto::from_bech32_address(addr)) return fail(7, "invalid address", "sdk");
            if (addr != account_address)
                return fail(22,
                            "rpc error: code = NotFound desc = account " + addr +
                                " not found: key not found",
                            "sdk");
            cosmos::auth::v1beta1::BaseAccount acc;
            acc.set_address(addr);
            const auto pk = key(9).public_key();
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
        return fail(18, "unknown query path");
    }

    SubscriptionId subscribe(std::function<void(const BusEvent&)> cb) override {
        std::lock_guard lock(mutex);
        const auto id = next_sub++;
        subscribers.emplace(id, std::move(cb));
        return id;
    }
    void unsubscribe(SubscriptionId id) override {
        std::lock_guard lock(mutex);
        subscribers.erase(id);
    }
    std::optional<ProphetView> prophet_status() override {
        if (!has_prophet) return std::nullopt;
        ProphetView p;
        p.queue_capacity = 1000;
        p.execution_queue_depth = 3;
        p.verification_queue_depth = 1;
        p.running = 2;
        p.dropped_queue_full = 4;
        p.latency_bounds_ms = {1, 10, 100};
        ProphetHandlerView h;
        h.name = "echo";
        h.concurrency = 4;
        h.queued = 3;
        h.executed = 10;
        h.latency_count = 10;
        h.latency_sum_ms = 50;
        h.latency_buckets = {2, 7, 1, 0};  // p50 within 10 ms, p95 within 100 ms
        p.handlers.push_back(h);
        return p;
    }
};

// ---- clients ------------------------------------------------------------------------------

struct HttpReply {
    bool ok = false;  // false: no response (closed, timed out)
    int status = 0;
    std::string body;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string header(const std::string& name) const {
        auto it = headers.find(name);
        return it == headers.end() ? std::string() : it->second;
    }
    json::value json() const {
        boost::system::error_code ec;
        auto v = json::parse(body, ec);
        return ec ? json::value(nullptr) : v;
    }
};

/// One TCP connection to a server, every operation with a deadline.
class Conn {
public:
    explicit Conn(std::uint16_t port, std::chrono::milliseconds timeout = 5s) : m_stream(m_io) {
        m_stream.expires_after(timeout);
        beast::error_code ec;
        m_stream.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
                               [&](beast::error_code e) { ec = e; });
        run();
        m_connected = !ec;
    }
    bool connected() const { return m_connected; }

    bool send_raw(std::string_view bytes, std::chrono::milliseconds timeout = 5s) {
        m_stream.expires_after(timeout);
        beast::error_code ec;
        asio::async_write(m_stream, asio::buffer(bytes),
                          [&](beast::error_code e, std::size_t) { ec = e; });
        run();
        return !ec;
    }

    HttpReply request(http::verb verb, std::string target, std::string body = {},
                      std::chrono::milliseconds timeout = 5s) {
        http::request<http::string_body> req{verb, target, 11};
        req.set(http::field::host, "127.0.0.1");
        if (verb == http::verb::post) req.set(http::field::content_type, "application/json");
        req.body() = std::move(body);
        req.prepare_payload();
        m_stream.expires_after(timeout);
        beast::error_code ec;
        http::async_write(m_stream, req, [&](beast::error_code e, std::size_t) { ec = e; });
        run();
        if (ec) return {};
        return read_response(timeout);
    }

    HttpReply read_response(std::chrono::milliseconds timeout = 5s) {
        m_stream.expires_after(timeout);
        http::response_parser<http::string_body> parser;
        parser.body_limit(64 * 1024 * 1024);
        beast::error_code ec;
        http::async_read(m_stream, m_buffer, parser,
                         [&](beast::error_code e, std::size_t) { ec = e; });
        run();
        if (ec) return {};
        auto res = parser.release();
        HttpReply out{true, static_cast<int>(res.result_int()), res.body(), {}};
        for (const auto& f : res) {
            std::string name(f.name_string());
            for (auto& ch : name)
                ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
            out.headers[name] = std::string(f.value());
        }
        return out;
    }

    /// True when the server closes the connection within `timeout`.
    bool closed_within(std::chrono::milliseconds timeout) {
        m_stream.expires_after(timeout);
        beast::error_code ec;
        std::array<char, 4096> buf{};
        for (;;) {
            m_stream.async_read_some(asio::buffer(buf),
                                     [&](beast::error_code e, std::size_t) { ec = e; });
            run();
            if (ec) return ec != beast::error::timeout;
        }
    }

private:
    void run() {
        m_io.restart();
        m_io.run();
    }
    asio::io_context m_io;
    beast::tcp_stream m_stream;
    beast::flat_buffer m_buffer;
    bool m_connected = false;
};

inline HttpReply get(std::uint16_t port, std::string target) {
    Conn c(port);
    return c.request(http::verb::get, std::move(target));
}
inline HttpReply post(std::uint16_t port, std::string target, std::string body) {
    Conn c(port);
    return c.request(http::verb::post, std::move(target), std::move(body));
}
/// POST a JSON-RPC body to "/" and parse the reply.
inline json::value rpc(std::uint16_t port, const std::string& body) {
    return post(port, "/", body).json();
}
inline json::value call(std::uint16_t port, std::string_view method, json::object params = {}) {
    json::object req{
        {"jsonrpc", "2.0"}, {"id", 1}, {"method", method}, {"params", std::move(params)}};
    return rpc(port, json::serialize(req));
}
inline std::int64_t error_code_of(const json::value& v) {
    if (!v.is_object() || !v.as_object().contains("error")) return 0;
    return v.at("error").at("code").as_int64();
}
inline std::string str(const json::value& v) {
    return std::string(v.as_string());
}

class WsClient {
public:
    explicit WsClient(std::uint16_t port, std::string path = "/websocket") : m_ws(m_io) {
        auto& s = beast::get_lowest_layer(m_ws);
        s.expires_after(5s);
        beast::error_code ec;
        s.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
                        [&](beast::error_code e) { ec = e; });
        run();
        if (ec) return;
        s.expires_after(5s);
        m_ws.async_handshake("127.0.0.1", path, [&](beast::error_code e) { ec = e; });
        run();
        m_open = !ec;
    }
    bool open() const { return m_open; }

    bool send(const std::string& text) {
        beast::get_lowest_layer(m_ws).expires_after(5s);
        beast::error_code ec;
        m_ws.async_write(asio::buffer(text), [&](beast::error_code e, std::size_t) { ec = e; });
        run();
        return !ec;
    }
    bool send(const json::value& v) { return send(json::serialize(v)); }

    /// Next message, or nullopt on timeout or close (closed() tells which).
    std::optional<json::value> read(std::chrono::milliseconds timeout = 5s) {
        beast::get_lowest_layer(m_ws).expires_after(timeout);
        beast::error_code ec;
        m_ws.async_read(m_buffer, [&](beast::error_code e, std::size_t) { ec = e; });
        run();
        if (ec) {
            m_closed = ec != beast::error::timeout;
            if (ec == beast::error::timeout) {
                // The stream is unusable after a timeout; reconnecting is the caller's business.
                m_open = false;
            }
            return std::nullopt;
        }
        auto text = beast::buffers_to_string(m_buffer.data());
        m_buffer.consume(m_buffer.size());
        boost::system::error_code pec;
        auto v = json::parse(text, pec);
        if (pec) return json::value(json::string(text));
        return v;
    }
    bool closed() const { return m_closed; }

    json::value call(std::string_view method, json::value params, json::value id) {
        send(json::object{
            {"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}});
        auto r = read();
        return r ? *r : json::value(nullptr);
    }

private:
    void run() {
        m_io.restart();
        m_io.run();
    }
    asio::io_context m_io;
    websocket::stream<beast::tcp_stream> m_ws;
    beast::flat_buffer m_buffer;
    bool m_open = false;
    bool m_closed = false;
};

/// Waits up to `timeout` for `pred`.
inline bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (pred()) return true;
        std::this_thread::sleep_for(10ms);
    }
    return pred();
}

}  // namespace seer::rpc::test
