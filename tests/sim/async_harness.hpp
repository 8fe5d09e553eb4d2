#pragma once
// The x/async module in the simulation (docs/async-simulation.md): an AppFactory that gives
// every node the real module over its memory KvStore (column "app") and, per node, a real
// prophet with one worker thread, recreated with the module after every crash.
//
// Determinism with a real thread: waiting for the prophet to be idle after each event is not
// enough, because a driver may call prepare_proposal in the same event as the commit() that
// offered the work (a late proposer that gets f+1 votes of the next height), and whether the
// worker finished by then depends on the machine. So between events the worker is parked in a
// gate job: during an event nothing offered runs (a queue of capacity c takes exactly c
// offers), and the settle hook, after every event in which the node offered work, opens the
// gate, waits with Prophet::wait_idle until everything offered is done and parks the worker
// again. After an event without offers there is nothing to wait for. So a seed replays
// exactly, whatever the machine's speed, and a result is never visible in the event that
// offered it (as on a real node, where the computation takes time).
//
// Also: funded genesis clients that sign MsgAddFuture txs, queries that parse the module's
// answers, the expected output of each built-in handler, and a forwarding base for byzantine
// decorators over a node's module. One thread (the simulation's), except inside the prophets.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness.hpp"
#include "seer/app/app.hpp"
#include "seer/async/module.hpp"
#include "seer/async/params.hpp"
#include "seer/async/tx.hpp"
#include "seer/async/v1/async.pb.h"
#include "seer/prophet/options.hpp"
#include "seer/prophet/prophet.hpp"

namespace seer::sim {

namespace av1 = seer::async::v1;

/// Per node, across incarnations.
struct AsyncNodeRecord {
    std::map<std::string, std::uint64_t> events;  // module events by type (replays included)
    prophet::Prophet* prophet = nullptr;          // of the live incarnation, if it has one
    store::KvStore* kv = nullptr;                 // the node's store (outlives crashes)
    prophet::Metrics retired;  // summed metrics of the prophets of dead incarnations
};

struct AsyncSetup {
    app::Genesis genesis;
    /// A node's prophet options; nullopt: that node runs without a prophet.
    std::function<std::optional<prophet::Options>(std::size_t node)> prophet_options;
    /// Wraps a node's module (byzantine decorators); empty: the module as it is.
    std::function<std::unique_ptr<consensus::Application>(
        std::size_t node, std::unique_ptr<consensus::Application> module)>
        decorate;
    std::vector<AsyncNodeRecord> nodes;  // sized by async_app_factory
};

/// Fast prophet options for the simulation: one worker (required), echo/math/hashchain enabled.
prophet::Options fast_prophet_options();

/// The module on every node, each with the prophet of setup->prophet_options.
AppFactory async_app_factory(std::shared_ptr<AsyncSetup> setup, std::size_t nodes);

/// Prophet metrics of one node, dead incarnations included (counters summed, per handler too).
prophet::Metrics prophet_metrics(const AsyncSetup& setup, std::size_t node);

// ---- clients ---------------------------------------------------------------------------------

/// A funded genesis account signing MsgAddFuture txs with consecutive sequences.
class FutureClient {
public:
    explicit FutureClient(std::size_t index);
    std::string bech32() const;
    /// The next signed tx, as the harness's tx string.
    std::string add_future(const std::string& handler, const std::string& input);

private:
    crypto::PrivateKey m_key;
    std::uint64_t m_account_number;
    std::uint64_t m_sequence = 0;
};

/// Genesis with the accounts of FutureClient(0..accounts-1) (account numbers 0..) and the
/// handlers echo, math, hashchain plus `extra_handlers` (no fees: nothing is funded).
app::Genesis async_genesis(std::size_t accounts, const async::Params& params,
                           const std::vector<std::string>& extra_handlers = {});

/// The output a correct execution gives (echo, math, hashchain); nullopt for other handlers.
std::optional<std::string> expected_output(const std::string& handler, const std::string& input);
std::string hashchain_input(const std::string& data, std::uint64_t iterations);

// ---- queries ---------------------------------------------------------------------------------

std::optional<av1::Future> query_future(consensus::Application& app, std::uint64_t id);
/// Every future in the node's state (paginated "async/futures").
std::vector<av1::Future> query_all_futures(consensus::Application& app);
bool is_final(const av1::Future& f);
std::string status_name(av1::FutureStatus status);
/// Keys and bytes in the node's "app" column.
struct ColumnSize {
    std::uint64_t keys = 0;
    std::uint64_t bytes = 0;
};
ColumnSize app_column_size(const store::KvStore& kv);

// ---- decorators ------------------------------------------------------------------------------

/// Forwards every call to the wrapped application; decorators override what they change.
class ForwardingApp : public consensus::Application {
public:
    explicit ForwardingApp(std::unique_ptr<consensus::Application> inner)
        : m_inner(std::move(inner)) {}

    consensus::InfoResponse info() override { return m_inner->info(); }
    consensus::CheckTxResponse check_tx(ByteView tx, consensus::CheckTxKind kind) override {
        return m_inner->check_tx(tx, kind);
    }
    consensus::PrepareProposalResponse prepare_proposal(
        const consensus::PrepareProposalRequest& request) override {
        return m_inner->prepare_proposal(request);
    }
    consensus::ProposalStatus process_proposal(
        const consensus::ProcessProposalRequest& request) override {
        return m_inner->process_proposal(request);
    }
    Bytes extend_vote(const consensus::ExtendVoteRequest& request) override {
        return m_inner->extend_vote(request);
    }
    consensus::VerifyStatus verify_vote_extension(
        const consensus::VerifyVoteExtensionRequest& request) override {
        return m_inner->verify_vote_extension(request);
    }
    consensus::FinalizeBlockResponse finalize_block(
        const consensus::FinalizeBlockRequest& request) override {
        return m_inner->finalize_block(request);
    }
    consensus::CommitResponse commit() override { return m_inner->commit(); }
    consensus::QueryResponse query(const consensus::QueryRequest& request) override {
        return m_inner->query(request);
    }

protected:
    consensus::Application& inner() { return *m_inner; }

private:
    std::unique_ptr<consensus::Application> m_inner;
};

}  // namespace seer::sim
