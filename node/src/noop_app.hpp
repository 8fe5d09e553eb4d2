#pragma once
// `proxy_app = "noop"`: an application that accepts every tx and keeps no state, for measuring
// consensus alone (`make bench`'s consensus-only row), as CometBFT's built-in noop app does.
// Its height lives in memory, so a restarted node replays its stored blocks into it.

#include "seer/consensus/application.hpp"

namespace seer::node::detail {

class NoopApp final : public consensus::Application {
public:
    consensus::InfoResponse info() override {
        consensus::InfoResponse r;
        r.version = "noop";
        r.last_block_height = m_height;
        return r;
    }
    consensus::CheckTxResponse check_tx(ByteView, consensus::CheckTxKind) override { return {}; }
    consensus::PrepareProposalResponse prepare_proposal(
        const consensus::PrepareProposalRequest& req) override {
        consensus::PrepareProposalResponse out;
        std::int64_t budget = req.max_tx_bytes;
        for (const auto& tx : req.txs) {
            const auto cost = static_cast<std::int64_t>(tx.size()) + 8;
            if (cost > budget) break;
            budget -= cost;
            out.txs.push_back(tx);
        }
        return out;
    }
    consensus::ProposalStatus process_proposal(const consensus::ProcessProposalRequest&) override {
        return consensus::ProposalStatus::accept;
    }
    Bytes extend_vote(const consensus::ExtendVoteRequest&) override { return {}; }
    consensus::VerifyStatus verify_vote_extension(
        const consensus::VerifyVoteExtensionRequest&) override {
        return consensus::VerifyStatus::accept;
    }
    consensus::FinalizeBlockResponse finalize_block(
        const consensus::FinalizeBlockRequest& req) override {
        consensus::FinalizeBlockResponse r;
        r.tx_results.resize(req.txs ? req.txs->size() : 0);
        m_height = req.height;
        return r;
    }
    consensus::CommitResponse commit() override { return {}; }
    consensus::QueryResponse query(const consensus::QueryRequest&) override {
        consensus::QueryResponse r;
        r.code = 1;
        r.log = "proxy_app = \"noop\" answers no queries";
        return r;
    }

private:
    std::int64_t m_height = 0;
};

}  // namespace seer::node::detail
