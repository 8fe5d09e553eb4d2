#pragma once
// JSON-RPC 2.0 dispatch of the CometBFT methods (methods.cpp) and request framing
// (jsonrpc.cpp): single requests, batches, URI arguments.

#include <atomic>
#include <boost/json.hpp>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "http_core.hpp"
#include "seer/rpc/node_api.hpp"
#include "seer/rpc/server.hpp"

namespace seer::rpc::detail {

namespace json = boost::json;

inline constexpr int k_parse_error = -32700;
inline constexpr int k_invalid_request = -32600;
inline constexpr int k_method_not_found = -32601;
inline constexpr int k_invalid_params = -32602;
inline constexpr int k_internal_error = -32603;

struct RpcError {
    int code = k_internal_error;
    std::string data;
};
std::string_view error_message(int code);

using Outcome = std::variant<json::value, RpcError>;
/// Called once, on the connection's strand.
using Reply = std::function<void(Outcome)>;

struct CallContext {
    NodeApi* node = nullptr;
    const ServerOptions* options = nullptr;
    std::shared_ptr<Hub> hub;
    asio::any_io_executor strand;
    std::shared_ptr<std::atomic<std::size_t>> commit_waits;
};

/// Named arguments of one call. From URI GET, values are the raw query strings and
/// `uri_quoted` names those that were written "quoted".
struct Params {
    json::object named;
    bool from_uri = false;
    std::set<std::string, std::less<>> uri_quoted;
};

bool is_method(std::string_view name);
/// Argument names in CometBFT's order (positional params and URI arguments).
const std::vector<std::string>* method_args(std::string_view name);
std::vector<std::string> method_names();

void call_method(std::string_view name, const Params& params, const CallContext& ctx, Reply reply);

json::value response_json(const json::value& id, const Outcome& outcome);

/// A request id JSON can carry back: a string, an integer, or a finite number (`1e99999`
/// parses as infinity, which has no JSON form and is refused with -32600).
bool valid_id(const json::value& id);

/// A JSON-RPC POST body (single request or batch). `done` gets the response body; empty when
/// every request was a notification.
void handle_jsonrpc_text(std::string_view body, const CallContext& ctx,
                         std::function<void(std::string)> done);

/// Parses with seer's limits (depth 32, strict UTF-8, no comments).
std::optional<json::value> parse_json(std::string_view text, std::string& error);

}  // namespace seer::rpc::detail
