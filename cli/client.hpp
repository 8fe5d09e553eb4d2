#pragma once
// The CLI's client side: JSON-RPC calls to a node, and the tx / query commands built on them.

#include <cstdint>
#include <string>

#include <vector>

#include "seer/app/tx.hpp"
#include "seer/common/result.hpp"
#include "seer/crypto/account_key.hpp"

namespace boost::json {
class value;
}

namespace seer::cli {

struct ClientOptions {
    std::string node = "http://127.0.0.1:26657";
    std::string output = "text";  // text | json
    std::string home;             // the CLI's home: its keyring and client.toml
    std::string keyring_backend;  // "" = client.toml's, else "file"
    int timeout_s = 15;           // per request: connect, send and each receive
};

/// How a tx is signed and paid: the SDK CLI's flags.
struct TxOptionsCli {
    std::string chain_id;  // empty: read from the node's status
    /// Sign with this sequence instead of the account's committed one (several txs from one
    /// key before they commit). Negative: the account's.
    std::int64_t sequence = -1;
    /// Sign with this account number instead of the node's; with --sequence and --chain-id
    /// (and a numeric --gas) the tx is made without any node. Negative: the node's.
    std::int64_t account_number = -1;
    /// Print the tx unsigned, as JSON, instead of signing and broadcasting it (`seer tx sign`
    /// and `seer tx broadcast` take it from there).
    bool generate_only = false;
    std::string memo;
    std::string fees;                      // e.g. "200useer"; empty: gas x gas_prices
    std::string gas = "auto";              // "auto" (simulate) or a limit
    double gas_adjustment = 1.3;           // with --gas auto
    std::string gas_prices = "0.001useer";  // with no --fees
};

struct SignedTx {
    Bytes tx;                   // empty with --generate-only
    std::string unsigned_json;  // with --generate-only: the unsigned tx, as JSON
    std::string hash;  // hex, upper case
    std::uint64_t gas_limit = 0;
    std::string fee;
};

/// Reads the account, estimates gas (--gas auto), prices the fee and signs.
Result<SignedTx> sign_tx(const ClientOptions& c, const crypto::AccountKey& key,
                         const std::vector<app::Msg>& msgs, const TxOptionsCli& o);
/// `seer tx sign FILE --from KEY`: signs the JSON tx --generate-only wrote; prints (or writes to
/// `output_document`) the signed tx as JSON.
int cmd_tx_sign(const ClientOptions& c, const std::string& file, const std::string& from,
                const TxOptionsCli& o, const std::string& output_document);
/// `seer tx broadcast FILE`: sends a signed tx's JSON; prints its hash.
int cmd_tx_broadcast(const ClientOptions& c, const std::string& file);
/// A bech32 address as is, or the address of a key in the CLI's keyring.
Result<std::string> resolve_address(const ClientOptions& c, const std::string& who);

struct BankSendOptions {
    std::string from;
    std::string to;  // address or key name
    std::string amount;
    bool wait = false;
    int timeout_s = 60;
    TxOptionsCli tx;
};

struct AddFutureOptions {
    std::string handler;
    std::string input;
    std::string input_file;
    std::string from;
    bool wait = false;
    /// Return once the node accepted the tx, with its hash only: no future ID yet (it is
    /// assigned in the block). Without it the command waits for the block and prints the ID.
    bool no_follow = false;
    int timeout_s = 60;
    TxOptionsCli tx;
    /// With --wait: write the verified output here (checked against its SHA-256 on chain).
    std::string output_file;
};

/// The latest height a node's /status reports (localnet's display).
Result<std::int64_t> rpc_height(const std::string& rpc_url, int timeout_s);

/// Each returns the process exit code, printing results to stdout and one error line to stderr.
int cmd_status(const ClientOptions& c);
int cmd_add_future(const ClientOptions& c, const AddFutureOptions& o);
int cmd_bank_send(const ClientOptions& c, const BankSendOptions& o);
/// `who`: an address or a key name; `denom` empty: every balance.
int cmd_query_balances(const ClientOptions& c, const std::string& who, const std::string& denom);
/// `output_file` non-empty: also fetch the output (off chain or inline), check it against the
/// SHA-256 on chain and write it there.
int cmd_query_future(const ClientOptions& c, const std::string& id, const std::string& output_file);
int cmd_query_futures(const ClientOptions& c, const std::string& creator, const std::string& status,
                      const std::string& handler, std::uint64_t limit, const std::string& page_key,
                      bool pending_only);
int cmd_query_simple(const ClientOptions& c, const std::string& what);  // params | handlers
int cmd_query_tx(const ClientOptions& c, const std::string& hash);
/// tx_search with CometBFT's query language, e.g. "future_created.creator='seer1...'".
int cmd_query_txs(const ClientOptions& c, const std::string& query, std::int64_t page,
                  std::int64_t per_page, const std::string& order);

}  // namespace seer::cli
