#pragma once
// The CLI's client side: JSON-RPC calls to a node, and the tx / query commands built on them.

#include <cstdint>
#include <string>

#include "seer/common/result.hpp"

namespace boost::json {
class value;
}

namespace seer::cli {

struct ClientOptions {
    std::string node = "http://127.0.0.1:26657";
    std::string output = "text";  // text | json
    std::string keyring;          // directory of `seer keys`
};

struct AddFutureOptions {
    std::string handler;
    std::string input;
    std::string input_file;
    std::string from;
    bool wait = false;
    int timeout_s = 60;
    std::string chain_id;  // empty: read from the node's status
    /// Sign with this sequence instead of the account's committed one (several txs from one
    /// key before they commit). Negative: the account's.
    std::int64_t sequence = -1;
    /// With --wait: write the verified output here (checked against its SHA-256 on chain).
    std::string output_file;
};

/// Each returns the process exit code, printing results to stdout and one error line to stderr.
int cmd_status(const ClientOptions& c);
int cmd_add_future(const ClientOptions& c, const AddFutureOptions& o);
/// `output_file` non-empty: also fetch the output (off chain or inline), check it against the
/// SHA-256 on chain and write it there.
int cmd_query_future(const ClientOptions& c, const std::string& id, const std::string& output_file);
int cmd_query_futures(const ClientOptions& c, const std::string& creator, const std::string& status,
                      std::uint64_t limit, bool pending_only);
int cmd_query_simple(const ClientOptions& c, const std::string& what);  // params | handlers
int cmd_query_tx(const ClientOptions& c, const std::string& hash);
/// tx_search with CometBFT's query language, e.g. "future_created.creator='seer1...'".
int cmd_query_txs(const ClientOptions& c, const std::string& query, std::int64_t page,
                  std::int64_t per_page, const std::string& order);

}  // namespace seer::cli
