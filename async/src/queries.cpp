#include <charconv>

#include "module_impl.hpp"
#include "params_pb.hpp"
#include "pb_util.hpp"
#include "seer/common/paging.hpp"

namespace seer::async::detail {

// abci_query paths (docs/async.md):
//   async/future/<id>          -> QueryFutureResponse
//   async/futures              data: QueryFuturesRequest -> QueryFuturesResponse
//   async/pending_futures      data: QueryPendingFuturesRequest -> QueryFuturesResponse
//   async/params               -> QueryParamsResponse
//   async/handlers             -> QueryHandlersResponse
//   async/counts               -> "STATUS=count" lines (metrics)
//   /seer.async.v1.Query/{Future,Futures,PendingFutures,Params,Handlers}: the gRPC service
// Codes: 0 ok, 18 invalid request, 38 not found (the Cosmos SDK's numbers).

namespace {

constexpr std::uint32_t k_invalid_request = 18;
constexpr std::uint32_t k_not_found = 38;
constexpr std::uint64_t k_default_limit = 100;
constexpr std::uint64_t k_max_limit = 1000;

QueryResponse fail(std::uint32_t code, std::string log) {
    QueryResponse r;
    r.code = code;
    r.codespace = std::string(k_codespace);
    r.log = std::move(log);
    return r;
}

QueryResponse ok(const google::protobuf::MessageLite& m, std::int64_t height) {
    QueryResponse r;
    r.value = serialize(m);
    r.height = height;
    return r;
}

std::optional<std::uint64_t> parse_u64(std::string_view s) {
    std::uint64_t v = 0;
    if (s.empty()) return std::nullopt;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
    return v;
}

Bytes key_of(std::uint64_t id) {
    Bytes k;
    append_be(k, id);
    return k;
}

std::optional<std::uint64_t> id_of_key(const std::string& key) {
    if (key.size() != 8) return std::nullopt;
    return read_be(view(key));
}

}  // namespace

QueryResponse Module::query(const QueryRequest& req) const {
    std::string_view path = req.path;
    // The gRPC-style paths: /seer.async.v1.Query/<Method> with the request message as data.
    constexpr std::string_view service = "/seer.async.v1.Query/";
    if (path.rfind(service, 0) == 0) {
        const std::string_view method = path.substr(service.size());
        if (method == "Future") {
            v1::QueryFutureRequest r;
            if (!parse(r, req.data)) return fail(k_invalid_request, "data is not a QueryFutureRequest");
            return query_future(r.id());
        }
        if (method == "Futures") {
            v1::QueryFuturesRequest r;
            if (!parse(r, req.data))
                return fail(k_invalid_request, "data is not a QueryFuturesRequest");
            return query_futures(r);
        }
        if (method == "PendingFutures") {
            v1::QueryPendingFuturesRequest p;
            if (!parse(p, req.data))
                return fail(k_invalid_request, "data is not a QueryPendingFuturesRequest");
            v1::QueryFuturesRequest r;
            *r.mutable_pagination() = p.pagination();
            r.set_status(v1::FUTURE_STATUS_PENDING);
            return query_futures(r);
        }
        if (method == "Params") path = "async/params";
        else if (method == "Handlers") path = "async/handlers";
        else return fail(k_invalid_request, "unknown query path " + req.path);
    }
    while (!path.empty() && path.front() == '/')
        path.remove_prefix(1);
    if (path.rfind("async/", 0) != 0) return fail(k_invalid_request, "unknown query path");
    path.remove_prefix(6);
    if (path.rfind("future/", 0) == 0) {
        auto id = parse_u64(path.substr(7));
        if (!id) return fail(k_invalid_request, "future id must be an unsigned integer");
        return query_future(*id);
    }
    if (path == "futures" || path == "pending_futures") {
        v1::QueryFuturesRequest r;
        if (path == "pending_futures") {
            v1::QueryPendingFuturesRequest p;
            if (!parse(p, req.data))
                return fail(k_invalid_request, "data is not a QueryPendingFuturesRequest");
            *r.mutable_pagination() = p.pagination();
            r.set_status(v1::FUTURE_STATUS_PENDING);
        } else if (!parse(r, req.data)) {
            return fail(k_invalid_request, "data is not a QueryFuturesRequest");
        }
        return query_futures(r);
    }
    if (path == "params") {
        v1::QueryParamsResponse r;
        to_pb(m_state.params(), r.mutable_params());
        return ok(r, m_state.height());
    }
    if (path == "counts") {
        // Futures in state by status, one "STATUS=count" line each (metrics).
        std::string text;
        for (auto status :
             {v1::FUTURE_STATUS_PENDING, v1::FUTURE_STATUS_EXECUTED, v1::FUTURE_STATUS_VERIFIED,
              v1::FUTURE_STATUS_FAILED, v1::FUTURE_STATUS_TIMED_OUT}) {
            std::string name = v1::FutureStatus_Name(status).substr(14);  // FUTURE_STATUS_
            text += name + "=" + std::to_string(m_state.with_status(status).size()) + "\n";
        }
        QueryResponse r;
        r.value = to_bytes(text);
        r.height = m_state.height();
        return r;
    }
    if (path == "handlers") {
        v1::QueryHandlersResponse r;
        for (const auto& h : m_state.handlers()) {
            auto* hh = r.add_handlers();
            hh->set_name(h.name);
            hh->set_description(h.description);
            hh->set_fee(h.fee);
            hh->set_gas(h.gas);
        }
        return ok(r, m_state.height());
    }
    return fail(k_invalid_request, "unknown query path");
}

QueryResponse Module::query_future(std::uint64_t id) const {
    auto f = m_state.future(id);
    if (!f) return fail(k_not_found, "future " + std::to_string(id) + " not found");
    v1::QueryFutureResponse r;
    *r.mutable_future() = std::move(*f);
    return ok(r, m_state.height());
}

QueryResponse Module::query_futures(const v1::QueryFuturesRequest& req) const {
    const auto& pr = req.pagination();
    if (pr.limit() > k_max_limit) return fail(k_invalid_request, "pagination.limit is at most 1000");
    if (!pr.key().empty() && !id_of_key(pr.key()))
        return fail(k_invalid_request, "pagination.key is not a key this node issued");
    // The matching IDs in ascending order, as 8-byte keys: the SDK's pagination walks them.
    const auto status = req.status();
    // The handler filter reads the in-memory index, like the status one: no future is loaded
    // to be dropped.
    const std::string& handler = req.handler();
    auto handler_ok = [&](std::uint64_t id) {
        return handler.empty() || m_state.index().at(id).handler == handler;
    };
    std::vector<Bytes> keys;
    if (!req.creator().empty()) {
        for (auto it = m_state.by_creator().lower_bound({req.creator(), 0});
             it != m_state.by_creator().end() && it->first == req.creator(); ++it)
            if ((status == v1::FUTURE_STATUS_UNSPECIFIED ||
                 m_state.index().at(it->second).status == status) &&
                handler_ok(it->second))
                keys.push_back(key_of(it->second));
    } else if (status != v1::FUTURE_STATUS_UNSPECIFIED) {
        for (std::uint64_t id : m_state.with_status(status))
            if (handler_ok(id)) keys.push_back(key_of(id));
    } else {
        for (const auto& [id, entry] : m_state.index())
            if (handler.empty() || entry.handler == handler) keys.push_back(key_of(id));
    }
    PageSpec spec;
    spec.key = bytes_of(pr.key());
    spec.offset = pr.offset();
    spec.limit = pr.limit();
    spec.count_total = pr.count_total();
    spec.reverse = pr.reverse();
    auto page = paginate(keys, spec, k_default_limit, k_max_limit);
    if (!page) return fail(k_invalid_request, page.error().message);
    v1::QueryFuturesResponse r;
    for (std::size_t i : page->positions)
        if (auto f = m_state.future(read_be(keys[i]))) *r.add_futures() = std::move(*f);
    if (!page->next_key.empty()) r.mutable_pagination()->set_next_key(pb_bytes(page->next_key));
    if (page->total) r.mutable_pagination()->set_total(*page->total);
    return ok(r, m_state.height());
}

}  // namespace seer::async::detail
