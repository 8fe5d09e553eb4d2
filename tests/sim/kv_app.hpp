#pragma once
// The simulation's Application: a tiny key-value store, with vote extensions that carry data.
//
// Txs are ASCII "key=value" (key and value non-empty, printable, no second '='); check_tx and
// process_proposal reject anything else. finalize_block applies the txs to a pending copy; the
// app hash is SHA-256 over the sorted content and the height, so it is the same on every node.
// commit() writes the pending state in one synced batch to the column "app" of the node's
// KvStore, which outlives a simulated crash: a restarted app resumes from its last commit.
//
// Extensions are "ext:<height>:<hex of the first 4 bytes of the block hash>:<payload>", with a
// per-validator payload; verify_vote_extension checks the height and hash parts and the size,
// and rejects everything from `reject_extensions_from` (a knob of the scenario).
//
// What the invariants need (accepted proposals, finalized blocks) goes to a NodeRecord owned by
// the simulation, so it survives the app object. One thread (the simulation's).

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "seer/consensus/application.hpp"
#include "seer/store/kv.hpp"

namespace seer::sim {

inline constexpr std::size_t k_max_extension_bytes = 256;

/// One finalize_block as the application saw it.
struct FinalizedBlock {
    std::int64_t height = 0;
    consensus::Hash hash{};
    consensus::Hash app_hash{};  // returned by finalize_block
    std::vector<Bytes> txs;
    consensus::ExtendedCommitInfo decided_last_commit;
};

/// Per node, across crashes: what its applications did.
struct NodeRecord {
    std::set<consensus::Hash> accepted_proposals;  // process_proposal said accept
    std::set<consensus::Hash> rejected_proposals;
    std::map<std::int64_t, FinalizedBlock> finalized;  // last finalize per height
    std::uint64_t finalize_calls = 0;
    std::vector<std::int64_t> finalize_log;  // heights in call order
    std::uint64_t extensions_rejected = 0;
    std::uint64_t extensions_accepted = 0;
    std::vector<std::string> errors;  // ABCI misuse by the driver, reported as violations
    // Crash injection: the next commit() is lost (power fails inside it) and the simulation
    // kills the node as soon as the current event returns.
    bool crash_at_next_commit = false;
    bool crashed_in_commit = false;
    std::function<void()> on_crash_point;  // the simulation snapshots the WAL medium here
};

struct KvAppOptions {
    std::optional<consensus::Address> reject_extensions_from;
};

/// True for a well-formed "key=value" tx.
bool is_valid_tx(ByteView tx);
/// The extension a validator with `address` makes for (height, block hash).
Bytes make_extension(std::int64_t height, const consensus::Hash& hash,
                     const consensus::Address& address);

class KvApp final : public consensus::Application {
public:
    KvApp(std::shared_ptr<store::KvStore> kv, consensus::Address self, KvAppOptions options,
          NodeRecord& record);

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

    std::int64_t committed_height() const { return m_height; }
    const consensus::Hash& committed_app_hash() const { return m_app_hash; }
    const std::map<std::string, std::string>& state() const { return m_state; }

private:
    static consensus::Hash compute_app_hash(const std::map<std::string, std::string>& state,
                                            std::int64_t height);

    std::shared_ptr<store::KvStore> m_kv;
    consensus::Address m_self{};
    KvAppOptions m_options;
    NodeRecord& m_record;

    // Committed state.
    std::map<std::string, std::string> m_state;
    std::int64_t m_height = 0;
    consensus::Hash m_app_hash{};
    // Produced by the last finalize_block, persisted by commit().
    struct Pending {
        std::int64_t height = 0;
        consensus::Hash app_hash{};
        std::map<std::string, std::string> writes;
    };
    std::optional<Pending> m_pending;
};

}  // namespace seer::sim
