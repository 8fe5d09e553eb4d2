#include "async_harness.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <utility>

#include "seer/app/tx.hpp"
#include "seer/common/check.hpp"
#include "seer/crypto/address.hpp"
#include "seer/crypto/hash.hpp"

namespace seer::sim {
namespace {

// A prophet that is not idle after this much real time is stuck: a violation, not a wait.
constexpr std::chrono::seconds k_settle_timeout{30};

void add_metrics(prophet::Metrics& sum, const prophet::Metrics& m) {
    sum.offered += m.offered;
    sum.duplicates += m.duplicates;
    sum.dropped_queue_full += m.dropped_queue_full;
    sum.dropped_store_full += m.dropped_store_full;
    sum.disabled += m.disabled;
    sum.executed += m.executed;
    sum.failed += m.failed;
    sum.verified += m.verified;
    sum.rejected += m.rejected;
    sum.abstained += m.abstained;
    for (const auto& h : m.handlers) {
        auto it = std::find_if(sum.handlers.begin(), sum.handlers.end(),
                               [&](const prophet::HandlerMetrics& x) { return x.name == h.name; });
        if (it == sum.handlers.end()) {
            sum.handlers.push_back(h);
            continue;
        }
        it->executed += h.executed;
        it->failed += h.failed;
        it->verified += h.verified;
        it->rejected += h.rejected;
        it->abstained += h.abstained;
    }
}

constexpr std::string_view k_gate_handler = "exec:sim-gate";
constexpr std::uint64_t k_first_gate_id = std::uint64_t{1} << 62;  // far beyond future IDs

// The job that parks a prophet's worker between events (see async_harness.hpp).
class GateHandler final : public prophet::Handler {
public:
    std::string_view name() const override { return k_gate_handler; }
    Result<Bytes> execute(ByteView input, const prophet::Context& ctx) const override {
        (void)input;
        entered.store(true);
        while (!open.load()) {
            if (auto stop = ctx.interrupted()) return *stop;
            std::this_thread::sleep_for(std::chrono::microseconds(20));
        }
        return Bytes{};
    }
    prophet::Verdict verify(ByteView input, const prophet::Outcome& claimed,
                            const prophet::Context& ctx) const override {
        (void)input;
        (void)claimed;
        (void)ctx;
        return prophet::Verdict::abstain;
    }
    mutable std::atomic<bool> open{false};
    mutable std::atomic<bool> entered{false};
};

// One incarnation of a node: its prophet (if any) and the module using it. The module is
// destroyed before the prophet, whose destructor stops and joins the workers.
class AsyncNodeApp final : public consensus::Application {
public:
    AsyncNodeApp(std::unique_ptr<prophet::Prophet> p, AsyncNodeRecord& record)
        : m_prophet(std::move(p)), m_record(record) {
        m_record.prophet = m_prophet.get();
    }
    ~AsyncNodeApp() override {
        m_app.reset();
        if (m_prophet) {
            m_prophet->stop();
            add_metrics(m_record.retired, m_prophet->metrics());
        }
        m_record.prophet = nullptr;
    }
    AsyncNodeApp(const AsyncNodeApp&) = delete;
    AsyncNodeApp& operator=(const AsyncNodeApp&) = delete;

    void set_app(std::unique_ptr<consensus::Application> app) { m_app = std::move(app); }
    prophet::Prophet* prophet() { return m_prophet.get(); }

    /// Parks the single worker in a gate job (see async_harness.hpp).
    bool park(std::shared_ptr<GateHandler> gate) {
        m_gate = std::move(gate);
        return plug();
    }

    /// After an event: if the module offered work, run all of it now (see the header).
    bool settle() {
        if (!m_prophet) return true;
        if (m_prophet->metrics().offered == m_offered) return true;  // parked, queues empty
        m_gate->open.store(true);
        const bool idle = m_prophet->wait_idle(k_settle_timeout);
        m_prophet->forget(m_gate_id);
        return idle && plug();
    }

    consensus::InfoResponse info() override { return m_app->info(); }
    consensus::CheckTxResponse check_tx(ByteView tx, consensus::CheckTxKind kind) override {
        return m_app->check_tx(tx, kind);
    }
    consensus::PrepareProposalResponse prepare_proposal(
        const consensus::PrepareProposalRequest& request) override {
        return m_app->prepare_proposal(request);
    }
    consensus::ProposalStatus process_proposal(
        const consensus::ProcessProposalRequest& request) override {
        return m_app->process_proposal(request);
    }
    Bytes extend_vote(const consensus::ExtendVoteRequest& request) override {
        return m_app->extend_vote(request);
    }
    consensus::VerifyStatus verify_vote_extension(
        const consensus::VerifyVoteExtensionRequest& request) override {
        return m_app->verify_vote_extension(request);
    }
    consensus::FinalizeBlockResponse finalize_block(
        const consensus::FinalizeBlockRequest& request) override {
        auto out = m_app->finalize_block(request);
        for (const auto& e : out.events)
            ++m_record.events[e.type];
        for (const auto& r : out.tx_results)
            for (const auto& e : r.events)
                ++m_record.events[e.type];
        return out;
    }
    consensus::CommitResponse commit() override { return m_app->commit(); }
    consensus::QueryResponse query(const consensus::QueryRequest& request) override {
        return m_app->query(request);
    }

private:
    bool plug() {
        m_gate->open.store(false);
        m_gate->entered.store(false);
        m_gate_id = m_gate_id == 0 ? k_first_gate_id : m_gate_id + 1;
        const auto offer =
            m_prophet->offer_execution({m_gate_id, std::string(k_gate_handler), Bytes{}});
        if (offer != prophet::Offer::accepted) return false;
        const auto until = std::chrono::steady_clock::now() + k_settle_timeout;
        while (!m_gate->entered.load()) {
            if (std::chrono::steady_clock::now() >= until) return false;
            std::this_thread::yield();
        }
        m_offered = m_prophet->metrics().offered;
        return true;
    }

    std::unique_ptr<prophet::Prophet> m_prophet;  // outlives m_app (see the destructor)
    AsyncNodeRecord& m_record;
    std::unique_ptr<consensus::Application> m_app;
    std::shared_ptr<GateHandler> m_gate;
    std::uint64_t m_gate_id = 0;
    std::uint64_t m_offered = 0;  // the prophet's offer count when the worker was parked
};

crypto::PrivateKey client_key(std::size_t index) {
    return crypto::PrivateKey::from_seed(
        crypto::sha256(as_bytes("seer-sim/client/" + std::to_string(index))));
}

template <class M>
std::optional<M> parse_response(const consensus::QueryResponse& r) {
    if (r.code != 0) return std::nullopt;
    M m;
    if (!m.ParseFromArray(r.value.data(), static_cast<int>(r.value.size()))) return std::nullopt;
    return m;
}

}  // namespace

prophet::Options fast_prophet_options() {
    prophet::Options o;
    o.workers = 1;
    o.enabled = {"echo", "math", "hashchain"};
    o.default_timeout = std::chrono::milliseconds(10'000);
    return o;
}

AppFactory async_app_factory(std::shared_ptr<AsyncSetup> setup, std::size_t nodes) {
    setup->nodes.resize(nodes);
    return [setup](const AppContext& ctx) -> SimApplication {
        AsyncNodeRecord& record = setup->nodes.at(ctx.node);
        record.kv = &ctx.kv;
        std::unique_ptr<prophet::Prophet> p;
        std::shared_ptr<GateHandler> gate;
        if (setup->prophet_options) {
            if (auto options = setup->prophet_options(ctx.node)) {
                SEER_CHECK(options->workers == 1);  // one worker, parked between events
                gate = std::make_shared<GateHandler>();
                options->extra_handlers.push_back(gate);
                auto made = prophet::make_prophet(std::move(*options));
                SEER_CHECK(made.ok());
                p = std::move(made).value();
            }
        }
        auto node = std::make_unique<AsyncNodeApp>(std::move(p), record);
        if (gate) SEER_CHECK(node->park(gate));
        app::AppOptions mo;
        mo.chain_id = std::string(Simulation::k_chain_id);
        mo.async.prophet = node->prophet();
        mo.async.validator_address = ctx.address;
        auto module = app::make_app(std::move(mo), setup->genesis, ctx.kv);
        if (setup->decorate) module = setup->decorate(ctx.node, std::move(module));
        node->set_app(std::move(module));
        AsyncNodeApp* raw = node.get();
        SimApplication out;
        out.app = std::move(node);
        out.settle = [raw] { return raw->settle(); };
        return out;
    };
}

prophet::Metrics prophet_metrics(const AsyncSetup& setup, std::size_t node) {
    const AsyncNodeRecord& r = setup.nodes.at(node);
    prophet::Metrics sum = r.retired;
    if (r.prophet) add_metrics(sum, r.prophet->metrics());
    return sum;
}

// ---- clients ---------------------------------------------------------------------------------

FutureClient::FutureClient(std::size_t index) : m_key(client_key(index)), m_account_number(index) {}

std::string FutureClient::bech32() const {
    return crypto::to_bech32_address(crypto::address_of(m_key.public_key()));
}

std::string FutureClient::add_future(const std::string& handler, const std::string& input) {
    app::AddFutureTx t;
    t.chain_id = std::string(Simulation::k_chain_id);
    t.account_number = m_account_number;
    t.sequence = m_sequence++;
    t.handler = handler;
    t.input = to_bytes(input);
    return to_string(app::build_add_future_tx(m_key, t));
}

app::Genesis async_genesis(std::size_t accounts, const async::Params& params,
                           const std::vector<std::string>& extra_handlers) {
    app::Genesis g;
    g.async.params = params;
    for (std::size_t i = 0; i < accounts; ++i)
        g.accounts.push_back({FutureClient(i).bech32(), std::nullopt});
    g.async.handlers = {{"echo", "output = input"},
                        {"math", "integer arithmetic"},
                        {"hashchain", "iterated SHA-256"}};
    for (const auto& name : extra_handlers)
        g.async.handlers.push_back({name, "simulation handler"});
    const auto valid = app::validate_genesis(g);
    SEER_CHECK(valid.ok());
    return g;
}

std::string hashchain_input(const std::string& data, std::uint64_t iterations) {
    return R"({"data": ")" + data + R"(", "iterations": )" + std::to_string(iterations) + "}";
}

std::optional<std::string> expected_output(const std::string& handler, const std::string& input) {
    if (handler == "echo") return input;
    if (handler == "math") {
        auto v = prophet::evaluate_math(input);
        if (!v) return std::nullopt;
        return std::to_string(*v);
    }
    if (handler == "hashchain") {
        // Inputs come from hashchain_input(): {"data": "<data>", "iterations": N}.
        const std::string head = R"({"data": ")";
        const auto end = input.find('"', head.size());
        const auto colon = input.rfind(':');
        if (input.rfind(head, 0) != 0 || end == std::string::npos || colon == std::string::npos)
            return std::nullopt;
        const std::string data = input.substr(head.size(), end - head.size());
        const std::uint64_t n = std::stoull(input.substr(colon + 1));
        auto digest = crypto::sha256(as_bytes(data));
        for (std::uint64_t i = 1; i < n; ++i)
            digest = crypto::sha256(digest);
        return to_hex(digest);
    }
    return std::nullopt;
}

// ---- queries ---------------------------------------------------------------------------------

std::optional<av1::Future> query_future(consensus::Application& app, std::uint64_t id) {
    consensus::QueryRequest q;
    q.path = "async/future/" + std::to_string(id);
    auto r = parse_response<av1::QueryFutureResponse>(app.query(q));
    if (!r) return std::nullopt;
    return r->future();
}

std::vector<av1::Future> query_all_futures(consensus::Application& app) {
    std::vector<av1::Future> out;
    std::string key;
    for (int page = 0; page < 100'000; ++page) {
        av1::QueryFuturesRequest req;
        req.mutable_pagination()->set_limit(1000);
        req.mutable_pagination()->set_key(key);
        consensus::QueryRequest q;
        q.path = "async/futures";
        q.data = to_bytes(req.SerializeAsString());
        auto r = parse_response<av1::QueryFuturesResponse>(app.query(q));
        SEER_CHECK(r.has_value());
        for (const auto& f : r->futures())
            out.push_back(f);
        key = r->pagination().next_key();
        if (key.empty()) break;
    }
    return out;
}

bool is_final(const av1::Future& f) {
    return f.status() == av1::FUTURE_STATUS_VERIFIED || f.status() == av1::FUTURE_STATUS_FAILED ||
           f.status() == av1::FUTURE_STATUS_TIMED_OUT;
}

std::string status_name(av1::FutureStatus status) {
    return av1::FutureStatus_Name(status);
}

ColumnSize app_column_size(const store::KvStore& kv) {
    ColumnSize s;
    kv.scan(async::k_app_column, {}, {}, [&](ByteView key, ByteView value) {
        ++s.keys;
        s.bytes += key.size() + value.size();
        return true;
    });
    return s;
}

}  // namespace seer::sim
