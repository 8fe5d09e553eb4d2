#pragma once
// The Application interface (DESIGN §3), mirroring ABCI 2.0. Called only from the consensus
// thread. Methods marked deterministic must give the same answer on every node for the same
// chain; the others may use node-local state (mempool view, prophet results).

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "seer/consensus/types.hpp"

namespace seer::consensus {

struct EventAttribute {
    std::string key;
    std::string value;
    bool index = true;
    bool operator==(const EventAttribute&) const = default;
};

struct Event {
    std::string type;
    std::vector<EventAttribute> attributes;
    bool operator==(const Event&) const = default;
};

struct InfoResponse {
    std::string version;
    std::int64_t last_block_height = 0;
    Hash last_block_app_hash{};
};

/// new_tx and recheck as in ABCI; dry_run answers the same question without changing the
/// application's check state (the `check_tx` RPC method).
enum class CheckTxKind { new_tx, recheck, dry_run };

struct CheckTxResponse {
    std::uint32_t code = 0;  // 0 = OK
    std::string codespace;
    std::string log;
    std::int64_t gas_wanted = 0;
};

/// One validator's precommit as seen by the application (ABCI ExtendedVoteInfo).
struct ExtendedVoteInfo {
    Address validator_address{};
    std::int64_t power = 0;
    BlockIdFlag flag = BlockIdFlag::absent;
    Bytes extension;  // empty unless flag == commit
};

struct ExtendedCommitInfo {
    std::int32_t round = 0;
    std::vector<ExtendedVoteInfo> votes;  // every validator of the set, in set order
};

struct PrepareProposalRequest {
    std::int64_t height = 0;
    Timestamp time = 0;
    Address proposer_address{};
    std::int64_t max_tx_bytes = 0;
    std::vector<Bytes> txs;  // from the mempool, in order
    ExtendedCommitInfo local_last_commit;
};

struct PrepareProposalResponse {
    std::vector<Bytes> txs;
};

struct ProcessProposalRequest {
    std::int64_t height = 0;
    Timestamp time = 0;
    Hash hash{};
    Address proposer_address{};
    const std::vector<Bytes>* txs = nullptr;
    ExtendedCommitInfo proposed_last_commit;
};

enum class ProposalStatus { accept, reject };

struct ExtendVoteRequest {
    std::int64_t height = 0;
    std::int32_t round = 0;
    Hash hash{};
};

struct VerifyVoteExtensionRequest {
    std::int64_t height = 0;
    std::int32_t round = 0;
    Hash hash{};
    Address validator_address{};
    ByteView extension;
};

enum class VerifyStatus { accept, reject };

struct FinalizeBlockRequest {
    std::int64_t height = 0;
    Timestamp time = 0;
    Hash hash{};
    Address proposer_address{};
    const std::vector<Bytes>* txs = nullptr;
    ExtendedCommitInfo decided_last_commit;
};

struct ExecTxResult {
    std::uint32_t code = 0;
    std::string codespace;
    Bytes data;
    std::string log;
    std::int64_t gas_wanted = 0;
    std::int64_t gas_used = 0;
    std::vector<Event> events;
};

struct FinalizeBlockResponse {
    std::vector<Event> events;
    std::vector<ExecTxResult> tx_results;  // one per tx, in order
    Hash app_hash{};
};

struct CommitResponse {
    std::int64_t retain_height = 0;
};

struct QueryRequest {
    std::string path;
    Bytes data;
    std::int64_t height = 0;
    bool prove = false;
};

struct QueryResponse {
    std::uint32_t code = 0;
    std::string log;
    std::string codespace;
    Bytes key;
    Bytes value;
    std::int64_t height = 0;
};

class Application {
public:
    virtual ~Application() = default;
    virtual InfoResponse info() = 0;
    virtual CheckTxResponse check_tx(ByteView tx, CheckTxKind kind) = 0;
    virtual PrepareProposalResponse prepare_proposal(const PrepareProposalRequest& request) = 0;
    /// Deterministic.
    virtual ProposalStatus process_proposal(const ProcessProposalRequest& request) = 0;
    virtual Bytes extend_vote(const ExtendVoteRequest& request) = 0;
    /// Deterministic.
    virtual VerifyStatus verify_vote_extension(const VerifyVoteExtensionRequest& request) = 0;
    /// Deterministic; never fails on a block that passed process_proposal on 2/3+ of power.
    virtual FinalizeBlockResponse finalize_block(const FinalizeBlockRequest& request) = 0;
    /// Persists the state produced by the last finalize_block.
    virtual CommitResponse commit() = 0;
    virtual QueryResponse query(const QueryRequest& request) = 0;
};

}  // namespace seer::consensus
