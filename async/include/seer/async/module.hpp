#pragma once
// The x/async module: implements consensus::Application (DESIGN §4).
// Owned by the consensus thread: every method is called from it. The prophet is node-local and
// reached only through non-blocking calls, so consensus never waits for a computation.

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "seer/async/outputs.hpp"
#include "seer/async/params.hpp"
#include "seer/consensus/application.hpp"
#include "seer/crypto/address.hpp"
#include "seer/store/kv.hpp"

namespace seer::prophet {
class Prophet;
}

namespace seer::async {

/// Column family holding the module state.
inline constexpr std::string_view k_app_column = "app";

struct ModuleOptions {
    std::string chain_id;
    /// This node's executor; null for a validator that runs no prophet (it still validates,
    /// finalizes and answers queries, but proposes no results and casts no votes).
    prophet::Prophet* prophet = nullptr;
    /// This node's validator address: its own votes and results are recognised on chain.
    std::optional<crypto::Address> validator_address;
    /// Unfinished futures re-offered to the prophet per block (dropped requests come back).
    std::size_t max_offers_per_block = 4096;
    /// Node-local: called at the end of each finalize_block with the serialized
    /// seer.async.v1.Future records that became final in it (the node archives them with the
    /// block's results, see archive.hpp). Consensus thread.
    std::function<void(std::int64_t height, std::vector<Bytes> final_futures)> on_final = {};
    /// Node-local bytes of off-chain outputs (proposed, fetched or produced here); null: this
    /// node keeps none (it still verifies a deterministic handler's output by its own run).
    OutputStore* outputs = nullptr;
    /// Node-local: ask peers for the bytes of an off-chain output (the node puts them into
    /// `outputs` once their hash checks). Called again at each commit while they are missing.
    std::function<void(const crypto::Hash256& sha256, std::uint64_t size)> fetch_output = {};
};

std::unique_ptr<consensus::Application> make_module(ModuleOptions options, AppGenesis genesis,
                                                    store::KvStore& kv);

}  // namespace seer::async
