#include <charconv>

#include "module_impl.hpp"
#include "params_pb.hpp"
#include "pb_util.hpp"

namespace seer::async::detail {

// abci_query paths (docs/async.md):
//   async/future/<id>          -> QueryFutureResponse
//   async/futures              data: QueryFuturesRequest -> QueryFuturesResponse
//   async/pending_futures      data: PageRequest         -> QueryFuturesResponse
//   async/params               -> QueryParamsResponse
//   async/handlers             -> QueryHandlersResponse
//   async/account/<bech32>     -> QueryAccountResponse
//   async/counts               -> "STATUS=count" lines (metrics)
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

QueryResponse Module::query(const QueryRequest& req) {
    std::string_view path = req.path;
    while (!path.empty() && path.front() == '/')
        path.remove_prefix(1);
    if (path.rfind("async/", 0) != 0) return fail(k_invalid_request, "unknown query path");
    path.remove_prefix(6);
    if (path.rfind("future/", 0) == 0) return query_future(std::string(path.substr(7)));
    if (path == "futures") return query_futures(req.data, false);
    if (path == "pending_futures") return query_futures(req.data, true);
    if (path.rfind("account/", 0) == 0) return query_account(std::string(path.substr(8)));
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
        }
        return ok(r, m_state.height());
    }
    return fail(k_invalid_request, "unknown query path");
}

QueryResponse Module::query_future(const std::string& arg) const {
    auto id = parse_u64(arg);
    if (!id) return fail(k_invalid_request, "future id must be an unsigned integer");
    auto f = m_state.future(*id);
    if (!f) return fail(k_not_found, "future " + arg + " not found");
    v1::QueryFutureResponse r;
    *r.mutable_future() = std::move(*f);
    return ok(r, m_state.height());
}

QueryResponse Module::query_futures(ByteView data, bool pending_only) const {
    v1::QueryFuturesRequest req;
    if (pending_only) {
        v1::PageRequest page;
        if (!parse(page, data)) return fail(k_invalid_request, "data is not a PageRequest");
        *req.mutable_pagination() = page;
        req.set_status(v1::FUTURE_STATUS_PENDING);
    } else if (!parse(req, data)) {
        return fail(k_invalid_request, "data is not a QueryFuturesRequest");
    }
    std::uint64_t limit =
        req.pagination().limit() == 0 ? k_default_limit : req.pagination().limit();
    if (limit > k_max_limit) return fail(k_invalid_request, "pagination.limit is at most 1000");
    std::uint64_t start = 0;
    if (!req.pagination().key().empty()) {
        auto k = id_of_key(req.pagination().key());
        if (!k) return fail(k_invalid_request, "pagination.key is not a key this node issued");
        start = *k;
    }
    const auto status = req.status();
    std::vector<std::uint64_t> ids;
    std::optional<std::uint64_t> next;
    auto consider = [&](std::uint64_t id) {
        if (ids.size() >= limit) {
            if (!next) next = id;
            return false;
        }
        ids.push_back(id);
        return true;
    };
    if (!req.creator().empty()) {
        for (auto it = m_state.by_creator().lower_bound({req.creator(), start});
             it != m_state.by_creator().end() && it->first == req.creator(); ++it) {
            if (status != v1::FUTURE_STATUS_UNSPECIFIED &&
                m_state.index().at(it->second).status != status)
                continue;
            if (!consider(it->second)) break;
        }
    } else if (status != v1::FUTURE_STATUS_UNSPECIFIED) {
        const auto& set = m_state.with_status(status);
        for (auto it = set.lower_bound(start); it != set.end(); ++it)
            if (!consider(*it)) break;
    } else {
        for (auto it = m_state.index().lower_bound(start); it != m_state.index().end(); ++it)
            if (!consider(it->first)) break;
    }
    v1::QueryFuturesResponse r;
    for (std::uint64_t id : ids)
        if (auto f = m_state.future(id)) *r.add_futures() = std::move(*f);
    if (next) r.mutable_pagination()->set_next_key(pb_bytes(key_of(*next)));
    return ok(r, m_state.height());
}

QueryResponse Module::query_account(const std::string& arg) const {
    auto address = crypto::from_bech32_address(arg);
    if (!address) return fail(k_invalid_request, "address: " + address.error().message);
    auto account = m_state.account(*address);
    if (!account) return fail(k_not_found, "account " + arg + " not found");
    v1::QueryAccountResponse r;
    *r.mutable_account() = std::move(*account);
    return ok(r, m_state.height());
}

}  // namespace seer::async::detail
