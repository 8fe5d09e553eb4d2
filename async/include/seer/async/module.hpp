#pragma once
// The x/async module (DESIGN §4): futures, the proposer's results tx, vote extensions and the
// tally. The application (app/) composes it with the ante chain and the bank; it calls these
// from the consensus thread only. The prophet is node-local and reached only through
// non-blocking calls, so consensus never waits for a computation.

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "seer/async/codes.hpp"
#include "seer/async/outputs.hpp"
#include "seer/async/params.hpp"
#include "seer/consensus/application.hpp"
#include "seer/crypto/address.hpp"
#include "seer/store/state_overlay.hpp"

namespace seer::prophet {
class Prophet;
}

namespace seer::async {

/// Column family holding the application state (every module's keys, by prefix).
inline constexpr std::string_view k_app_column = "app";

struct ModuleOptions {
    /// This node's executor; null for a validator that runs no prophet (it still validates,
    /// finalizes and answers queries, but proposes no results and casts no votes).
    prophet::Prophet* prophet = nullptr;
    /// This node's validator address: its own votes and results are recognised on chain.
    std::optional<crypto::Address> validator_address;
    /// Unfinished futures re-offered to the prophet per block (dropped requests come back).
    std::size_t max_offers_per_block = 4096;
    /// Node-local: called at the end of each block with the serialized seer.async.v1.Future
    /// records that became final in it (the node archives them, see archive.hpp).
    std::function<void(std::int64_t height, std::vector<Bytes> final_futures)> on_final = {};
    /// Node-local bytes of off-chain outputs (proposed, fetched or produced here); null: this
    /// node keeps none (it still verifies a deterministic handler's output by its own run).
    OutputStore* outputs = nullptr;
    /// Node-local: ask peers for the bytes of an off-chain output (the node puts them into
    /// `outputs` once their hash checks). Called again at each commit while they are missing.
    std::function<void(const crypto::Hash256& sha256, std::uint64_t size)> fetch_output = {};
    /// Node-local: pass the prophet each future's deadline as a steady-clock time, estimated
    /// from the blocks left and this node's measured block interval, so work that cannot
    /// finish in time is not started. Off in the simulation, whose clock is virtual.
    bool estimate_deadlines = false;
};

/// What x/async needs of the bank (the SDK's "expected keeper"): moves of the native denom on
/// the block's state. Handler fees wait in escrow at the module's account until the future is
/// final (ADR 0006).
class Bank {
public:
    virtual ~Bank() = default;
    virtual Status transfer(const crypto::Address& from, const crypto::Address& to,
                            std::uint64_t amount) = 0;
};

/// The module's account (the SDK's module address: SHA-256("async")[:20]).
crypto::Address module_address();

/// Futures admitted ahead of a tx that are not in state yet: the mempool's, or a proposal's.
struct Admission {
    std::map<std::string, std::uint64_t> per_creator;
    std::uint64_t total = 0;
    void admit(const std::string& creator) {
        ++per_creator[creator];
        ++total;
    }
    void clear() { *this = {}; }
};

struct AddFutureCheck {
    Code code = Code::ok;
    std::string log;
    std::uint64_t fee = 0;  // the handler's fee
    std::uint64_t gas = 0;  // the handler's gas
};

class Module {
public:
    virtual ~Module() = default;

    virtual const Params& params() const = 0;
    /// null when `name` is not in the registry.
    virtual const HandlerInfo* handler(const std::string& name) const = 0;

    // Messages. `creator` is the bech32 signer; `admitted` counts futures ahead of this one.
    /// Deterministic: handler, input and caps. Writes nothing.
    virtual AddFutureCheck check_add_future(const std::string& creator, const std::string& handler,
                                            ByteView input, const Admission& admitted) const = 0;
    /// Creates the future (after its tx passed every check); the handler fee is already in
    /// escrow. Returns its ID.
    virtual std::uint64_t create_future(const std::string& creator, const std::string& handler,
                                        ByteView input, std::uint64_t fee,
                                        const crypto::Hash256& tx_hash, std::int64_t height,
                                        std::vector<consensus::Event>& events) = 0;

    // Proposals and votes.
    /// The proposer's results tx, if this node has results to propose (node-local).
    virtual std::optional<Bytes> prepare_results(const consensus::PrepareProposalRequest& req) = 0;
    /// Deterministic: checks a results tx at index 0 (`txs[0]` when it carries the marker);
    /// false = reject the proposal. Records the claims for this node's votes.
    virtual bool process_results(const consensus::ProcessProposalRequest& req) = 0;
    virtual Bytes extend_vote(const consensus::ExtendVoteRequest& req) = 0;
    virtual consensus::VerifyStatus verify_vote_extension(
        const consensus::VerifyVoteExtensionRequest& req) = 0;

    // Blocks (deterministic).
    /// Votes of the previous height's precommits, and their tally.
    virtual void begin_block(const consensus::FinalizeBlockRequest& req,
                             std::vector<consensus::Event>& events) = 0;
    /// The results tx at index 0.
    virtual void deliver_results(ByteView tx, const crypto::Address& proposer, std::int64_t height,
                                 std::vector<consensus::Event>& events) = 0;
    /// Deadlines, pruning, and the node-local on_final call.
    virtual void end_block(std::int64_t height, const crypto::Hash256& block_hash,
                           std::vector<consensus::Event>& events) = 0;
    /// After the state is durable: node-local prophet offers.
    virtual void commit() = 0;

    /// Paths "async/..." and "/seer.async.v1.Query/<Method>" (docs/async.md).
    virtual consensus::QueryResponse query(const consensus::QueryRequest& req) const = 0;
};

/// Writes the module's genesis records into `state` (the caller seals height 0).
void init_genesis(store::KvView& state, const AppGenesis& genesis);

/// The module over the application state; `bank` settles handler fees.
std::unique_ptr<Module> make_module(ModuleOptions options, store::StateOverlay& state, Bank& bank);

}  // namespace seer::async
