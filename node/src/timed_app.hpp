#pragma once
// The application as the node calls it, timed per ABCI method: CometBFT's
// cometbft_abci_connection_method_timing_seconds (docs/metrics.md). seer's application runs in
// process, so every call is of CometBFT's type "sync". Two clock reads per call; the
// histograms are atomic, so /metrics reads them from its own thread.

#include <array>
#include <chrono>
#include <memory>
#include <utility>

#include "seer/common/histogram.hpp"
#include "seer/consensus/application.hpp"

namespace seer::node::detail {

class TimedApplication final : public consensus::Application {
public:
    enum Method : std::size_t {
        info_method,
        check_tx_method,
        prepare_proposal_method,
        process_proposal_method,
        extend_vote_method,
        verify_vote_extension_method,
        finalize_block_method,
        commit_method,
        query_method,
        method_count
    };
    /// CometBFT's method label values, by Method.
    static constexpr std::array<const char*, method_count> k_method_names{
        "info",        "check_tx",       "prepare_proposal", "process_proposal",
        "extend_vote", "verify_vote_extension", "finalize_block", "commit", "query"};

    explicit TimedApplication(std::unique_ptr<consensus::Application> inner)
        : m_inner(std::move(inner)) {
        for (auto& h : m_timing)
            // CometBFT's buckets for this metric (proxy/metrics.go).
            h = std::make_unique<Histogram>(
                std::vector<double>{.0001, .0004, .002, .009, .02, .1, .65, 2, 6, 25});
    }

    const Histogram& timing(Method m) const { return *m_timing[m]; }

private:
    template <class F>
    auto timed(Method m, F&& f) {
        const auto start = std::chrono::steady_clock::now();
        auto result = f();
        m_timing[m]->observe(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
        return result;
    }

public:

    consensus::InfoResponse info() override {
        return timed(info_method, [&] { return m_inner->info(); });
    }
    consensus::CheckTxResponse check_tx(ByteView tx, consensus::CheckTxKind kind) override {
        return timed(check_tx_method, [&] { return m_inner->check_tx(tx, kind); });
    }
    consensus::PrepareProposalResponse prepare_proposal(
        const consensus::PrepareProposalRequest& r) override {
        return timed(prepare_proposal_method, [&] { return m_inner->prepare_proposal(r); });
    }
    consensus::ProposalStatus process_proposal(const consensus::ProcessProposalRequest& r) override {
        return timed(process_proposal_method, [&] { return m_inner->process_proposal(r); });
    }
    Bytes extend_vote(const consensus::ExtendVoteRequest& r) override {
        return timed(extend_vote_method, [&] { return m_inner->extend_vote(r); });
    }
    consensus::VerifyStatus verify_vote_extension(
        const consensus::VerifyVoteExtensionRequest& r) override {
        return timed(verify_vote_extension_method, [&] { return m_inner->verify_vote_extension(r); });
    }
    consensus::FinalizeBlockResponse finalize_block(const consensus::FinalizeBlockRequest& r) override {
        return timed(finalize_block_method, [&] { return m_inner->finalize_block(r); });
    }
    consensus::CommitResponse commit() override {
        return timed(commit_method, [&] { return m_inner->commit(); });
    }
    consensus::QueryResponse query(const consensus::QueryRequest& r) override {
        return timed(query_method, [&] { return m_inner->query(r); });
    }

private:
    std::unique_ptr<consensus::Application> m_inner;
    std::array<std::unique_ptr<Histogram>, method_count> m_timing;
};

}  // namespace seer::node::detail
