// libFuzzer target: a JSON-RPC POST body (a single request or a batch) through the RPC's request
// handling (rpc/src/jsonrpc.cpp handle_jsonrpc_text and every method of methods.cpp) against the
// deterministic FuzzNodeApi (fuzz_node_api.hpp), on an io_context run to completion per input
// (broadcast_tx_commit waits on the connection's strand).
// Invariants:
//  - the answer comes exactly once, and nothing is left behind: no subscription, no pending
//    broadcast_tx_commit wait;
//  - an empty answer only when every request is a well-formed notification;
//  - otherwise the answer is valid JSON (strict UTF-8): for a batch an array of at most one
//    response per request, else one response; each response is an object of exactly "jsonrpc"
//    ("2.0"), "id" and one of "result" and "error"; an error is {code, message[, data]} with a
//    JSON-RPC code and its message; an id is null, -1 (parse error) or the id of a request, and
//    a single request with an id is answered with that id (a non-integer number to within
//    Boost.JSON's parsing precision, see same_id).

#include <boost/json.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_common.hpp"
#include "rpc_fixture.hpp"

namespace {

namespace json = boost::json;
namespace rd = seer::rpc::detail;
using seer::fuzz::fail;

bool known_code(std::int64_t code) {
    return code == rd::k_parse_error || code == rd::k_invalid_request ||
           code == rd::k_method_not_found || code == rd::k_invalid_params ||
           code == rd::k_internal_error;
}

/// A request that gets no answer: an object with no id (or a null one), jsonrpc "2.0", a known
/// method and params absent, null, an object or a short enough array.
bool silent(const json::value& v) {
    const auto* o = v.if_object();
    if (!o) return false;
    if (const auto* id = o->if_contains("id"); id && !id->is_null()) return false;
    const auto* version = o->if_contains("jsonrpc");
    const auto* method = o->if_contains("method");
    return version && version->is_string() && version->get_string() == "2.0" && method &&
           method->is_string() && rd::is_method(method->get_string());
}

/// The same id. A number that is not an integer goes through a double, which Boost.JSON 1.81
/// parses to within an ulp or two (it has no correctly rounded mode before 1.83), so a serialized
/// double may read back a hair off: equal to 1e-15 relative.
bool same_id(const json::value& a, const json::value& b) {
    if (a.is_double() && b.is_double()) {
        const double x = a.get_double();
        const double y = b.get_double();
        return x == y || std::fabs(x - y) <= 1e-15 * std::fabs(y);
    }
    return a == b;
}

void check_response(const json::value& v, const json::value& request) {
    const auto* o = v.if_object();
    if (!o) fail("a response is not an object");
    const auto* version = o->if_contains("jsonrpc");
    if (!version || !version->is_string() || version->get_string() != "2.0")
        fail("a response without jsonrpc 2.0");
    const auto* id = o->if_contains("id");
    if (!id) fail("a response without id");
    const bool result = o->contains("result");
    const auto* error = o->if_contains("error");
    if (result == (error != nullptr)) fail("a response needs exactly one of result and error");
    if (o->size() != 3) fail("a response with other members");
    if (error) {
        const auto* e = error->if_object();
        if (!e) fail("error is not an object");
        const auto* code = e->if_contains("code");
        const auto* message = e->if_contains("message");
        if (!code || !code->is_int64() || !known_code(code->get_int64()))
            fail("error without a JSON-RPC code");
        if (!message || !message->is_string() ||
            message->get_string() != rd::error_message(static_cast<int>(code->get_int64())))
            fail("error message is not the code's");
        const auto* data = e->if_contains("data");
        if (data && !data->is_string()) fail("error data is not a string");
        if (e->size() != (data ? 3u : 2u)) fail("error with other members");
    }
    // The id: null, -1 for a parse error, or one the request carried.
    if (id->is_null()) return;
    if (id->is_int64() && id->get_int64() == -1 && error &&
        error->at("code").get_int64() == rd::k_parse_error)
        return;
    auto carried = [&](const json::value& r) {
        const auto* ro = r.if_object();
        const auto* rid = ro ? ro->if_contains("id") : nullptr;
        return rid && same_id(*id, *rid);
    };
    if (const auto* batch = request.if_array()) {
        for (const auto& r : *batch)
            if (carried(r)) return;
        fail("a batch response with an id no request carried");
    }
    if (!carried(request)) fail("a response with another id than the request's");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    seer::fuzz::silence_protobuf();
    static auto* f = new seer::fuzz::JsonRpcFixture;  // lives for the process
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    const auto [calls, answer] = f->call(body);
    if (calls != 1) fail("the answer did not come exactly once");
    if (!f->node.subscribers.empty()) fail("a subscription was left behind");
    if (f->ctx.commit_waits->load() != 0) fail("a broadcast_tx_commit wait was left behind");

    std::string error;
    const auto request = rd::parse_json(body, error);
    if (answer.empty()) {
        if (!request) fail("no answer to a body that does not parse");
        if (const auto* batch = request->if_array()) {
            if (batch->empty()) fail("no answer to an empty batch");
            for (const auto& r : *batch)
                if (!silent(r)) fail("no answer to a batch with a request that needs one");
        } else if (!silent(*request)) {
            fail("no answer to a request that needs one");
        }
        return 0;
    }
    boost::system::error_code ec;
    const json::value v = json::parse(answer, ec);  // strict: no invalid UTF-8, no comments
    if (ec) fail("the answer is not valid JSON");
    const json::value req = request ? *request : json::value(nullptr);
    if (const auto* out = v.if_array()) {
        const auto* batch = req.if_array();
        if (!batch || batch->empty() || batch->size() > f->options.max_batch_requests)
            fail("an array answer to a request that is not a batch");
        if (out->empty() || out->size() > batch->size())
            fail("a batch answer of the wrong size");
        for (const auto& r : *out)
            check_response(r, req);
    } else {
        check_response(v, req);
        if (const auto* o = req.if_object()) {
            const auto* id = o->if_contains("id");
            if (id && !id->is_null() && rd::valid_id(*id) && !same_id(v.at("id"), *id))
                fail("a request answered under another id");
        }
    }
    return 0;
}
