#include "recorded_app.hpp"

#include <utility>

#include "seer/common/check.hpp"

namespace seer::sim {

RecordedApp::RecordedApp(std::unique_ptr<consensus::Application> inner, NodeRecord& record)
    : m_inner(std::move(inner)), m_record(record) {
    SEER_CHECK(m_inner != nullptr);
    m_committed = m_inner->info().last_block_height;
}

consensus::InfoResponse RecordedApp::info() {
    return m_inner->info();
}

consensus::CheckTxResponse RecordedApp::check_tx(ByteView tx, consensus::CheckTxKind kind) {
    return m_inner->check_tx(tx, kind);
}

consensus::PrepareProposalResponse RecordedApp::prepare_proposal(
    const consensus::PrepareProposalRequest& request) {
    return m_inner->prepare_proposal(request);
}

consensus::ProposalStatus RecordedApp::process_proposal(
    const consensus::ProcessProposalRequest& request) {
    const auto status = m_inner->process_proposal(request);
    if (status == consensus::ProposalStatus::accept)
        m_record.accepted_proposals.insert(request.hash);
    else
        m_record.rejected_proposals.insert(request.hash);
    return status;
}

Bytes RecordedApp::extend_vote(const consensus::ExtendVoteRequest& request) {
    return m_inner->extend_vote(request);
}

consensus::VerifyStatus RecordedApp::verify_vote_extension(
    const consensus::VerifyVoteExtensionRequest& request) {
    const auto status = m_inner->verify_vote_extension(request);
    if (status == consensus::VerifyStatus::accept)
        ++m_record.extensions_accepted;
    else
        ++m_record.extensions_rejected;
    return status;
}

consensus::FinalizeBlockResponse RecordedApp::finalize_block(
    const consensus::FinalizeBlockRequest& request) {
    SEER_CHECK(request.txs != nullptr);
    if (request.height != m_committed + 1)
        m_record.errors.push_back("finalize_block at height " + std::to_string(request.height) +
                                  " after commit of " + std::to_string(m_committed));
    auto out = m_inner->finalize_block(request);
    if (out.tx_results.size() != request.txs->size())
        m_record.errors.push_back("finalize_block at height " + std::to_string(request.height) +
                                  " returned " + std::to_string(out.tx_results.size()) +
                                  " tx results for " + std::to_string(request.txs->size()) +
                                  " txs");
    FinalizedBlock record;
    record.height = request.height;
    record.hash = request.hash;
    record.app_hash = out.app_hash;
    record.txs = *request.txs;
    record.decided_last_commit = request.decided_last_commit;
    m_record.finalized[request.height] = std::move(record);
    ++m_record.finalize_calls;
    m_record.finalize_log.push_back(request.height);
    m_finalized = request.height;
    return out;
}

consensus::CommitResponse RecordedApp::commit() {
    if (!m_finalized) {
        m_record.errors.push_back("commit without finalize_block after height " +
                                  std::to_string(m_committed));
        return consensus::CommitResponse{0};
    }
    if (m_record.crash_at_next_commit) {
        // Power fails before the application's batch is durable: the commit is not passed on.
        m_record.crash_at_next_commit = false;
        m_record.crashed_in_commit = true;
        if (m_record.on_crash_point) m_record.on_crash_point();
        m_finalized.reset();
        return consensus::CommitResponse{0};
    }
    auto out = m_inner->commit();
    m_committed = *m_finalized;
    m_finalized.reset();
    return out;
}

consensus::QueryResponse RecordedApp::query(const consensus::QueryRequest& request) {
    return m_inner->query(request);
}

}  // namespace seer::sim
