#include "jsonrpc.hpp"

#include <cmath>

#include "uri.hpp"

namespace seer::rpc::detail {

std::string_view error_message(int code) {
    switch (code) {
        case k_parse_error:
            return "Parse error";
        case k_invalid_request:
            return "Invalid Request";
        case k_method_not_found:
            return "Method not found";
        case k_invalid_params:
            return "Invalid params";
        default:
            return "Internal error";
    }
}

json::value response_json(const json::value& id, const Outcome& outcome) {
    json::object out{{"jsonrpc", "2.0"}, {"id", id}};
    if (const auto* v = std::get_if<json::value>(&outcome)) {
        out["result"] = *v;
    } else {
        const auto& e = std::get<RpcError>(outcome);
        json::object err{{"code", e.code}, {"message", error_message(e.code)}};
        if (!e.data.empty()) err["data"] = e.data;
        out["error"] = std::move(err);
    }
    return out;
}

std::optional<json::value> parse_json(std::string_view text, std::string& error) {
    json::parse_options opts;
    opts.max_depth = 32;
    opts.allow_comments = false;
    opts.allow_trailing_commas = false;
    opts.allow_invalid_utf8 = false;
    boost::system::error_code ec;
    json::value v = json::parse(text, ec, {}, opts);
    if (ec) {
        error = ec.message();
        return std::nullopt;
    }
    return v;
}

bool valid_id(const json::value& id) {
    return id.is_string() || id.is_int64() || id.is_uint64() ||
           (id.is_double() && std::isfinite(id.get_double()));
}

namespace {


struct Prepared {
    bool notification = false;
    json::value id = nullptr;
    std::optional<RpcError> error;
    std::string method;
    Params params;
};

Prepared prepare(const json::value& v) {
    Prepared p;
    const auto* obj = v.if_object();
    if (!obj) {
        p.error = RpcError{k_invalid_request, "request must be an object"};
        return p;
    }
    if (const auto* id = obj->if_contains("id"); id && !id->is_null()) {
        if (!valid_id(*id)) {
            p.error = RpcError{k_invalid_request, "id must be a string or a finite number"};
            return p;
        }
        p.id = *id;
    } else {
        p.notification = true;
    }
    const auto* version = obj->if_contains("jsonrpc");
    if (!version || !version->is_string() || version->get_string() != "2.0") {
        p.error = RpcError{k_invalid_request, "jsonrpc must be \"2.0\""};
        return p;
    }
    const auto* method = obj->if_contains("method");
    if (!method || !method->is_string()) {
        p.error = RpcError{k_invalid_request, "method must be a string"};
        return p;
    }
    p.method = std::string(method->get_string());
    if (!is_method(p.method)) {
        p.error = RpcError{k_method_not_found,
                           "method " + quote_client_text(p.method, 64) + " not found"};
        return p;
    }
    const auto* params = obj->if_contains("params");
    if (!params || params->is_null()) return p;
    if (const auto* o = params->if_object()) {
        p.params.named = *o;
    } else if (const auto* a = params->if_array()) {
        const auto* names = method_args(p.method);
        if (a->size() > names->size()) {
            p.error = RpcError{k_invalid_params, "too many positional params"};
            return p;
        }
        for (std::size_t i = 0; i < a->size(); ++i)
            p.params.named[(*names)[i]] = (*a)[i];
    } else {
        p.error = RpcError{k_invalid_params, "params must be an object or an array"};
    }
    return p;
}

/// Runs one prepared request; `done` gets the response (nullopt for a notification).
void run_one(Prepared p, const CallContext& ctx,
             std::function<void(std::optional<json::value>)> done) {
    if (p.error) {
        done(response_json(p.id, *p.error));
        return;
    }
    const bool notification = p.notification;
    json::value id = p.id;
    call_method(p.method, p.params, ctx,
                [notification, id, done = std::move(done)](Outcome outcome) {
                    if (notification) return done(std::nullopt);
                    done(response_json(id, outcome));
                });
}

}  // namespace

void handle_jsonrpc_text(std::string_view body, const CallContext& ctx,
                         std::function<void(std::string)> done) {
    std::string error;
    auto parsed = parse_json(body, error);
    if (!parsed) {
        done(json::serialize(
            response_json(-1, RpcError{k_parse_error, "error unmarshaling request: " + error})));
        return;
    }
    if (const auto* batch = parsed->if_array()) {
        if (batch->empty()) {
            done(json::serialize(
                response_json(nullptr, RpcError{k_invalid_request, "empty batch"})));
            return;
        }
        if (batch->size() > ctx.options->max_batch_requests) {
            done(json::serialize(response_json(
                nullptr,
                RpcError{k_invalid_request, "batch of " + std::to_string(batch->size()) +
                                                " requests is over the limit of " +
                                                std::to_string(ctx.options->max_batch_requests)})));
            return;
        }
        struct BatchState {
            std::vector<std::optional<json::value>> slots;
            std::size_t remaining = 0;
            std::function<void(std::string)> done;
        };
        auto state = std::make_shared<BatchState>();
        state->slots.resize(batch->size());
        state->remaining = batch->size();
        state->done = std::move(done);
        for (std::size_t i = 0; i < batch->size(); ++i) {
            run_one(prepare((*batch)[i]), ctx, [state, i](std::optional<json::value> r) {
                state->slots[i] = std::move(r);
                if (--state->remaining != 0) return;
                json::array out;
                for (auto& s : state->slots)
                    if (s) out.push_back(std::move(*s));
                state->done(out.empty() ? std::string() : json::serialize(out));
            });
        }
        return;
    }
    run_one(prepare(*parsed), ctx, [done = std::move(done)](std::optional<json::value> r) {
        done(r ? json::serialize(*r) : std::string());
    });
}

}  // namespace seer::rpc::detail
