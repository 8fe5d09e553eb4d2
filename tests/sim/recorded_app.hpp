#pragma once
// A decorator over a scenario's own consensus::Application (SimOptions::app_factory) that fills
// the node's NodeRecord the way KvApp does for itself: accepted and rejected proposals, every
// finalize_block (hash, app hash, txs, decided_last_commit), verified extensions, ABCI misuse
// (finalize at a height other than committed + 1, commit without finalize) and the crash armed
// by Simulation::crash_at_next_commit (the commit is not passed on: nothing of it survives).
// So the harness's invariants hold for any application. One thread (the simulation's).

#include <cstdint>
#include <memory>
#include <optional>

#include "kv_app.hpp"
#include "seer/consensus/application.hpp"

namespace seer::sim {

class RecordedApp final : public consensus::Application {
public:
    RecordedApp(std::unique_ptr<consensus::Application> inner, NodeRecord& record);

    consensus::InfoResponse info() override;
    consensus::CheckTxResponse check_tx(ByteView tx, consensus::CheckTxKind kind) override;
    consensus::PrepareProposalResponse prepare_proposal(
        const consensus::PrepareProposalRequest& request) override;
    consensus::ProposalStatus process_proposal(
        const consensus::ProcessProposalRequest& request) override;
    Bytes extend_vote(const consensus::ExtendVoteRequest& request) override;
    consensus::VerifyStatus verify_vote_extension(
        const consensus::VerifyVoteExtensionRequest& request) override;
    consensus::FinalizeBlockResponse finalize_block(
        const consensus::FinalizeBlockRequest& request) override;
    consensus::CommitResponse commit() override;
    consensus::QueryResponse query(const consensus::QueryRequest& request) override;

    consensus::Application& inner() { return *m_inner; }

private:
    std::unique_ptr<consensus::Application> m_inner;
    NodeRecord& m_record;
    std::int64_t m_committed = 0;
    std::optional<std::int64_t> m_finalized;  // finalized, not yet committed
};

}  // namespace seer::sim
