#pragma once
// The x/async Application. Private to async/; make_module() is the public door.

#include <map>
#include <optional>
#include <set>
#include <vector>

#include "seer/async/module.hpp"
#include "seer/async/tx.hpp"
#include "state.hpp"
#include "tx_check.hpp"

namespace seer::prophet {
struct Outcome;
}

namespace seer::async::detail {

using namespace seer::consensus;

class Module final : public Application {
public:
    Module(ModuleOptions options, const AppGenesis& genesis, store::KvStore& kv);

    InfoResponse info() override;
    CheckTxResponse check_tx(ByteView tx, CheckTxKind kind) override;
    PrepareProposalResponse prepare_proposal(const PrepareProposalRequest& req) override;
    ProposalStatus process_proposal(const ProcessProposalRequest& req) override;
    Bytes extend_vote(const ExtendVoteRequest& req) override;
    VerifyStatus verify_vote_extension(const VerifyVoteExtensionRequest& req) override;
    FinalizeBlockResponse finalize_block(const FinalizeBlockRequest& req) override;
    CommitResponse commit() override;
    QueryResponse query(const QueryRequest& req) override;

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
    ExecTxResult deliver_user_tx(ByteView tx, std::int64_t height);
    void tally(v1::Future& f, std::int64_t height, std::vector<Event>& events);
    void finish(v1::Future& f, v1::FutureStatus status, std::string reason, std::int64_t height,
                std::vector<Event>& events);
    void expire_and_prune(std::int64_t height, std::vector<Event>& events);

    // Node-local prophet plumbing.
    void offer_execution(const v1::Future& f);
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

    QueryResponse query_future(const std::string& arg) const;
    QueryResponse query_futures(ByteView data, bool pending_only) const;
    QueryResponse query_account(const std::string& arg) const;

    ModuleOptions m_options;
    State m_state;
    std::map<Address, std::int64_t> m_powers;  // from the latest decided_last_commit
    std::int64_t m_total_power = 0;
    CheckOverlay m_check_overlay;           // mempool check state, reset at commit
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
    std::int64_t m_finalized_height = 0;
    Hash m_finalized_hash{};
};

}  // namespace seer::async::detail
