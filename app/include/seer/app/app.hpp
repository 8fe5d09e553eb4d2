#pragma once
// The application: the Cosmos-style composition of modules behind consensus::Application.
// app/ decodes txs and runs the ante chain (signatures, sequence, fees, gas), routes messages to
// the bank and to x/async, routes queries, and owns the state that chains the app hash.
// Called from the consensus thread only.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "seer/async/module.hpp"
#include "seer/async/params.hpp"
#include "seer/bank/coins.hpp"
#include "seer/bank/keeper.hpp"
#include "seer/common/result.hpp"
#include "seer/consensus/application.hpp"
#include "seer/crypto/account_key.hpp"
#include "seer/store/kv.hpp"

namespace seer::app {

/// How gas is metered (ADR 0006): genesis "app_state.auth.params".
struct AuthParams {
    std::uint64_t max_memo_characters = 256;
    std::uint64_t tx_size_cost_per_byte = 10;
    std::uint64_t sig_verify_cost_secp256k1 = 1000;
    std::uint64_t sig_verify_cost_ed25519 = 590;
    std::uint64_t gas_per_msg = 10000;
    std::uint64_t max_gas_per_tx = 100'000'000;
    Status validate() const;
    bool operator==(const AuthParams&) const = default;
};

struct GenesisAccount {
    std::string address;                          // bech32 "seer1..."
    std::optional<crypto::AccountPubKey> pub_key;  // set by the first tx when absent
};

struct Genesis {
    AuthParams auth;
    std::vector<GenesisAccount> accounts;
    std::vector<bank::GenesisBalance> balances;  // every holder gets an account
    async::AppGenesis async;
};

/// genesis.json "app_state": {"auth": {"params", "accounts"}, "bank": {"balances", "supply"},
/// "async": {"params", "handlers"}}. Checks addresses, keys, coins, duplicates, and a given
/// supply against the balances.
Result<Genesis> parse_app_state(std::string_view json);
std::string app_state_json(const Genesis& genesis);
Status validate_genesis(const Genesis& genesis);

struct AppOptions {
    std::string chain_id;
    async::ModuleOptions async;
    /// Node-local (config.toml min_gas_prices): check_tx refuses txs whose fee is below it.
    std::vector<bank::GasPrice> min_gas_prices;
    /// consensus_params.block.max_gas (-1: none). A proposal's user txs want at most this much
    /// gas together (prepare_proposal stops before it, process_proposal rejects a block over
    /// it), and check_tx refuses a tx whose gas limit alone is above it, as the SDK's ante does.
    std::int64_t max_block_gas = -1;
};

std::unique_ptr<consensus::Application> make_app(AppOptions options, const Genesis& genesis,
                                                 store::KvStore& kv);

/// The fee collector's account (SHA-256("fee_collector")[:20]); its balance goes to the block's
/// proposer at the end of each block.
crypto::Address fee_collector_address();

}  // namespace seer::app
