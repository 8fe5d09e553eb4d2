#pragma once
// The x/async Application. Private to async/; make_module() is the public door.

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "seer/async/module.hpp"
#include "seer/async/tx.hpp"
#include "state.hpp"
#include "seer/async/codes.hpp"

namespace seer::prophet {
struct Outcome;
}

namespace seer::async::detail {

using namespace seer::consensus;

class Module final : public async::Module {
public:
    Module(ModuleOptions options, store::StateOverlay& state, Bank& bank);

    const Params& params() const override { return m_state.params(); }
    const HandlerInfo* handler(const std::string& name) const override;
    AddFutureCheck check_add_future(const std::string& creator, const std::string& handler,
                                    ByteView input, const Admission& admitted) const override;
    std::uint64_t create_future(const std::string& creator, const std::string& handler,
                                ByteView input, std::uint64_t fee, const Hash& tx_hash,
                                std::int64_t height, std::vector<Event>& events) override;
    std::optional<Bytes> prepare_results(const PrepareProposalRequest& req) override;
    bool process_results(const ProcessProposalRequest& req) override;
    Bytes extend_vote(const ExtendVoteRequest& req) override;
    VerifyStatus verify_vote_extension(const VerifyVoteExtensionRequest& req) override;
    void begin_block(const FinalizeBlockRequest& req, std::vector<Event>& events) override;
    void deliver_results(ByteView tx, const Address& proposer, std::int64_t height,
                         std::vector<Event>& events) override;
    void end_block(std::int64_t height, const Hash& block_hash,
                   std::vector<Event>& events) override;
    void commit() override;
    QueryResponse query(const QueryRequest& req) const override;

private:
    struct Claim {
        std::uint64_t future_id = 0;
        std::uint32_t attempt = 0;
        Hash digest{};
    };

    // Deterministic pieces.
    Status check_results_tx(const ResultsTx& tx, const Address& proposer) const;
    static Status check_entry(const ResultEntry& entry, const Params& params);
    void record_votes(const ExtendedCommitInfo& commit, std::int64_t height,
                      std::vector<Event>& events);
    void record_results(const ResultsTx& tx, const Address& proposer, std::int64_t height,
                        std::vector<Event>& events);
    void tally(v1::Future& f, std::int64_t height, std::vector<Event>& events);
    void finish(v1::Future& f, v1::FutureStatus status, std::string reason, std::int64_t height,
                std::vector<Event>& events);
    /// The handler fee in escrow: to the result's submitter for an answer (VERIFIED, or a
    /// verified handler error), back to the creator otherwise (TIMED_OUT, rejected results).
    void settle_fee(const v1::Future& f, std::vector<EventAttribute>& attrs);
    void expire_and_prune(std::int64_t height, std::vector<Event>& events);

    // Node-local prophet plumbing.
    void offer_execution(const v1::Future& f);
    std::chrono::steady_clock::time_point deadline_of(const v1::Future& f) const;
    void offer_verification(const v1::Future& f);
    void offer_claim(const v1::Future& f, std::uint32_t attempt, const std::string& output,
                     const std::string& error, const std::string& output_sha256,
                     std::uint64_t output_size);
    /// The bytes of an off-chain output, if this node holds them or produced them itself.
    std::optional<Bytes> resolve_output(const v1::Future& f, const std::string& output_sha256);
    void forget(std::uint64_t id);
    static Hash claim_digest(std::uint64_t id, std::uint32_t attempt, const std::string& output,
                             const std::string& error, const std::string& output_sha256);
    static Hash result_digest(const v1::Future& f);

    QueryResponse query_future(std::uint64_t id) const;
    QueryResponse query_futures(const v1::QueryFuturesRequest& req) const;

    ModuleOptions m_options;
    State m_state;
    Bank& m_bank;
    std::map<Address, std::int64_t> m_powers;  // from the latest decided_last_commit
    std::int64_t m_total_power = 0;
    std::vector<std::uint64_t> m_created;   // futures created by the block being finalized
    std::vector<std::uint64_t> m_finished;  // futures made final by the block being finalized
    std::map<Hash, std::vector<Claim>> m_block_claims;  // results of proposals seen this height
    std::map<std::uint64_t, Hash> m_offered_claim;      // last claim offered for verification
    struct Cast {
        Hash digest{};
        std::int64_t height = 0;  // of the block whose precommit carried the vote
    };
    std::map<std::uint64_t, Cast> m_cast;          // our votes on block claims, until forget
    std::map<std::uint64_t, Cast> m_cast_pending;  // within one extend_vote
    std::uint64_t m_late_vote_cursor = 0;
    struct Unresolved {
        std::uint32_t attempt = 0;
        std::int64_t since = 0;  // finalized height when first seen without its bytes
    };
    // Off-chain outputs this node could not get yet; after k_output_fetch_blocks it votes
    // REJECTED: a withheld output is no answer (the future goes back to PENDING).
    std::map<std::uint64_t, Unresolved> m_unresolved;
    std::set<Hash> m_carries_our_votes;  // proposals of this height whose last commit has ours
    std::uint64_t m_offer_cursor = 0;
    // Block interval as seen by this node's commits (estimate_deadlines only).
    std::optional<std::chrono::steady_clock::time_point> m_last_commit_at;
    double m_interval_us = 0;
    std::uint64_t m_intervals_seen = 0;
    std::int64_t m_finalized_height = 0;
    Hash m_finalized_hash{};
};

}  // namespace seer::async::detail
