#include "seer/async/params.hpp"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <set>

#include "params_pb.hpp"
#include "pb_util.hpp"
#include "seer/async/codes.hpp"
#include "seer/async/v1/async.pb.h"
#include "seer/crypto/address.hpp"

namespace seer::async {

namespace {
// Hard bounds: params beyond these could make a block or an extension unreasonably large.
constexpr std::uint64_t k_max_io_bytes = 4 * 1024 * 1024;
constexpr std::uint64_t k_max_output_bytes_bound = 64 * 1024 * 1024;  // off chain above inline
constexpr std::uint64_t k_max_results_bytes_bound = 16 * 1024 * 1024;
constexpr std::uint64_t k_max_extension_bytes_bound = 512 * 1024;  // < consensus hard limit
constexpr std::size_t k_max_handler_name = 64;

Status fail(const std::string& what) {
    return make_error("invalid_params", what);
}
}  // namespace

Status Params::validate() const {
    if (max_input_bytes == 0 || max_input_bytes > k_max_io_bytes)
        return fail("max_input_bytes must be in 1..4194304");
    if (max_output_bytes == 0 || max_output_bytes > k_max_output_bytes_bound)
        return fail("max_output_bytes must be in 1..67108864");
    if (max_inline_output_bytes == 0 || max_inline_output_bytes > k_max_io_bytes)
        return fail("max_inline_output_bytes must be in 1..4194304");
    if (max_results_per_block == 0 || max_results_per_block > 100000)
        return fail("max_results_per_block must be in 1..100000");
    // One largest inline output must fit a results tx.
    const std::uint64_t inline_max = std::min(max_inline_output_bytes, max_output_bytes);
    if (max_results_bytes < inline_max || max_results_bytes > k_max_results_bytes_bound)
        return fail(
            "max_results_bytes must be in min(max_inline_output_bytes, "
            "max_output_bytes)..16777216");
    if (max_votes_per_extension == 0 || max_votes_per_extension > 10000)
        return fail("max_votes_per_extension must be in 1..10000");
    // Each encoded vote takes at most 20 bytes (3 tags, varints of id, attempt and value).
    if (max_extension_bytes < 64 || max_extension_bytes > k_max_extension_bytes_bound)
        return fail("max_extension_bytes must be in 64..524288");
    if (timeout_blocks < 3 || timeout_blocks > 1'000'000)
        return fail("timeout_blocks must be in 3..1000000");
    if (max_attempts == 0 || max_attempts > 100) return fail("max_attempts must be in 1..100");
    if (prune_after_blocks == 0 || prune_after_blocks > 100'000'000)
        return fail("prune_after_blocks must be in 1..100000000");
    if (max_pending_per_account == 0 || max_pending_per_account > 1'000'000)
        return fail("max_pending_per_account must be in 1..1000000");
    if (max_prune_per_block == 0 || max_prune_per_block > 100'000)
        return fail("max_prune_per_block must be in 1..100000");
    if (max_unfinished_futures == 0 || max_unfinished_futures > 100'000'000)
        return fail("max_unfinished_futures must be in 1..100000000");
    return {};
}

std::uint64_t Params::unfinished_capacity() const {
    // timeout_blocks >= 3 (validated). A future admitted now has timeout_blocks - 2 blocks in
    // which a proposer can carry its result (it executes after the commit of its own block and
    // needs one more block for the votes).
    const std::uint64_t clearable = max_results_per_block * (timeout_blocks - 2);
    return std::min(max_unfinished_futures, clearable);
}

std::vector<HandlerInfo> builtin_handlers() {
    return {
        {"echo", "returns its input unchanged (any bytes); input e.g. \"hello\"", 100, 10000},
        {"math",
         "evaluates an int64 expression of + - * / % ^ and parentheses; input e.g. "
         "\"(2+3)*7\", output \"35\"",
         100, 10000},
        {"hashchain",
         "SHA-256 applied N times; input JSON e.g. {\"data\": \"seer\", \"iterations\": "
         "1000}, output the final hash in hex",
         1000, 50000},
        {"http",
         "an HTTP GET (http:// only) of a URL whose origin is in every validator's [prophet] "
         "http_allowlist; input e.g. \"http://127.0.0.1:1317/cosmos/base/tendermint/v1beta1/"
         "blocks/1\", or JSON {\"url\": \"...\", \"pointer\": \"/block/header/height\"}; "
         "output the body, or the value at the pointer",
         1000, 50000},
    };
}

Status validate_genesis(const AppGenesis& g) {
    if (auto s = g.params.validate(); !s) return s;
    std::set<std::string> names;
    for (const auto& h : g.handlers) {
        const bool builtin =
            h.name == "echo" || h.name == "math" || h.name == "hashchain" || h.name == "http";
        const bool exec = h.name.rfind("exec:", 0) == 0 && h.name.size() > 5;
        if (!(builtin || exec) || h.name.size() > k_max_handler_name)
            return make_error("invalid_genesis", "unknown handler kind: " + h.name);
        if (!names.insert(h.name).second)
            return make_error("invalid_genesis", "duplicate handler: " + h.name);
    }
    return {};
}

Result<AppGenesis> parse_genesis_json(std::string_view json) {
    seer::async::v1::GenesisState m;
    google::protobuf::util::JsonParseOptions options;
    auto status = google::protobuf::util::JsonStringToMessage(std::string(json), &m, options);
    if (!status.ok())
        return make_error("invalid_genesis", "app_state: " + std::string(status.message()));
    AppGenesis g;
    if (m.has_params()) g.params = detail::from_pb(m.params());
    for (const auto& h : m.handlers())
        g.handlers.push_back({h.name(), h.description(), h.fee(), h.gas()});
    if (auto s = validate_genesis(g); !s) return s.error();
    return g;
}

std::string genesis_to_json(const AppGenesis& g) {
    seer::async::v1::GenesisState m;
    detail::to_pb(g.params, m.mutable_params());
    for (const auto& h : g.handlers) {
        auto* hh = m.add_handlers();
        hh->set_name(h.name);
        hh->set_description(h.description);
        hh->set_fee(h.fee);
        hh->set_gas(h.gas);
    }
    google::protobuf::util::JsonPrintOptions options;
    options.preserve_proto_field_names = true;
    options.always_print_primitive_fields = true;
    options.add_whitespace = true;
    std::string out;
    (void)google::protobuf::util::MessageToJsonString(m, &out, options);
    return out;
}

std::string_view describe(Code code) {
    switch (code) {
        case Code::ok:
            return "ok";
        case Code::reserved_marker:
            return "tx starts with 0x00, reserved for the results tx";
        case Code::unknown_handler:
            return "handler is not in the registry";
        case Code::empty_input:
            return "input is empty";
        case Code::input_too_large:
            return "input exceeds params.max_input_bytes";
        case Code::pending_cap:
            return "creator has too many unfinished futures";
        case Code::invalid_message:
            return "MsgAddFuture creator is not a valid address";
        case Code::backlog_full:
            return "backlog full, retry later";
    }
    return "unknown";
}

}  // namespace seer::async
