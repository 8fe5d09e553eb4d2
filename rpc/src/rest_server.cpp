// Cosmos-gateway-style REST routes over NodeApi::abci_query and the tx methods.

#include "seer/rpc/rest_server.hpp"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/type_resolver_util.h>

#include <boost/json.hpp>
#include <charconv>
#include <mutex>
#include <unordered_map>

#include "cosmos/auth/v1beta1/auth.pb.h"
#include "cosmos/bank/v1beta1/bank.pb.h"
#include "cosmos/crypto/ed25519/keys.pb.h"
#include "cosmos/crypto/secp256k1/keys.pb.h"
#include "cosmos/tx/v1beta1/service.pb.h"
#include "seer/rpc/cosmos_service.hpp"
#include "cometbft_json.hpp"
#include "cosmos/tx/v1beta1/tx.pb.h"
#include "dashboard_assets.hpp"
#include "http_core.hpp"
#include "node_views.hpp"
#include "rest_routes.hpp"
#include "seer/async/status.hpp"
#include "seer/async/v1/async.pb.h"
#include "seer/common/base64.hpp"
#include "seer/common/time.hpp"
#include "seer/consensus/codec.hpp"
#include "seer/crypto/hash.hpp"
#include "uri.hpp"

namespace seer::rpc {

using namespace detail;
namespace json = boost::json;
namespace v1 = seer::async::v1;

namespace {

// gRPC status codes, as the gateway reports them.
constexpr int k_grpc_invalid_argument = 3;
constexpr int k_grpc_not_found = 5;
constexpr int k_grpc_unimplemented = 12;
constexpr int k_grpc_internal = 13;
// x/async query codes (docs/async.md).
constexpr std::uint32_t k_query_invalid_request = 18;
constexpr std::uint32_t k_query_not_found = 38;
// Cosmos SDK codes (codespace "sdk").
constexpr std::uint32_t k_sdk_key_not_found = 22;
constexpr std::uint32_t k_sdk_tx_in_mempool_cache = 19;
constexpr std::uint32_t k_sdk_mempool_is_full = 20;
constexpr std::uint32_t k_sdk_tx_too_large = 21;

struct Reply {
    Reply() = default;
    Reply(http::status s, std::string b) : status(s), body(std::move(b)) {}

    http::status status = http::status::ok;
    std::string body;
    std::string content_type = "application/json";
    std::string etag;  // set: an ETag header (the output route)
    std::string cache_control;  // set: a Cache-Control header (the dashboard's files)
};

Reply error_reply(http::status status, int code, std::string message) {
    return {status,
            json::serialize(json::object{
                {"code", code}, {"message", std::move(message)}, {"details", json::array{}}})};
}
Reply bad_request(std::string message) {
    return error_reply(http::status::bad_request, k_grpc_invalid_argument, std::move(message));
}
Reply not_found(std::string message) {
    return error_reply(http::status::not_found, k_grpc_not_found, std::move(message));
}

std::optional<std::uint64_t> parse_u64(std::string_view s) {
    std::uint64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
    return v;
}

/// grpc-gateway reads bytes in a query as standard or URL-safe base64, padding optional.
std::optional<Bytes> lenient_base64(std::string s) {
    for (auto& c : s) {
        if (c == '-') c = '+';
        if (c == '_') c = '/';
        if (c == ' ') c = '+';  // an unescaped '+' decoded as a space
    }
    if (s.size() % 4 == 1) return std::nullopt;
    while (s.size() % 4 != 0)
        s.push_back('=');
    return from_base64(s);
}

using Query = std::map<std::string, std::string, std::less<>>;

std::optional<Query> parse_query_string(std::string_view q) {
    Query out;
    std::size_t count = 0;
    while (!q.empty()) {
        const auto amp = q.find('&');
        auto pair = q.substr(0, amp);
        q = amp == std::string_view::npos ? std::string_view{} : q.substr(amp + 1);
        if (pair.empty()) continue;
        if (++count > 32) return std::nullopt;
        const auto eq = pair.find('=');
        auto k = url_decode(pair.substr(0, eq));
        auto v =
            url_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
        if (!k || !v || !valid_utf8(*k) || !valid_utf8(*v)) return std::nullopt;
        out[*k] = *v;
    }
    return out;
}

class Routes {
public:
    explicit Routes(NodeApi& node) : m_node(node), m_views(node) {
        // Make sure the generated descriptors are linked and registered (Any resolution).
        (void)cosmos::tx::v1beta1::Tx::descriptor();
        (void)cosmos::crypto::ed25519::PubKey::descriptor();
        (void)v1::MsgAddFuture::descriptor();
        (void)cosmos::auth::v1beta1::BaseAccount::descriptor();
        (void)cosmos::crypto::secp256k1::PubKey::descriptor();
        (void)cosmos::crypto::ed25519::PubKey::descriptor();
        (void)cosmos::bank::v1beta1::MsgSend::descriptor();
        m_resolver.reset(google::protobuf::util::NewTypeResolverForDescriptorPool(
            "", google::protobuf::DescriptorPool::generated_pool()));
    }

    Reply handle(const Request& req) {
        const std::string_view target = req.target();
        const auto qpos = target.find('?');
        const std::string_view path = target.substr(0, qpos);
        auto query = parse_query_string(qpos == std::string_view::npos ? std::string_view{}
                                                                       : target.substr(qpos + 1));
        if (!query) return bad_request("bad query string");
        const bool get = req.method() == http::verb::get;
        const bool post = req.method() == http::verb::post;

        if (path == "/" || path == "/index.html" || path.starts_with(k_dashboard_prefix))
            return get ? dashboard(path, req) : not_allowed();
        if (path.starts_with(k_node_prefix)) {
            auto body = m_views.answer(path.substr(k_node_prefix.size()));
            if (!body) return not_found("Not Found");
            return get ? Reply{http::status::ok, std::move(*body)} : not_allowed();
        }
        constexpr std::string_view futures = "/seer/async/v1/futures";
        constexpr std::string_view txs = "/cosmos/tx/v1beta1/txs";
        constexpr std::string_view accounts = "/cosmos/auth/v1beta1/accounts/";
        if (path == futures) return get ? list_futures(*query, false) : not_allowed();
        if (path == "/seer/async/v1/pending_futures")
            return get ? list_futures(*query, true) : not_allowed();
        if (path == "/seer/async/v1/params") {
            return get ? simple_query<v1::QueryParamsResponse>("async/params") : not_allowed();
        }
        if (path == "/seer/async/v1/handlers") {
            return get ? simple_query<v1::QueryHandlersResponse>("async/handlers") : not_allowed();
        }
        if (path.starts_with(std::string(futures) + "/")) {
            std::string_view rest = path.substr(futures.size() + 1);
            constexpr std::string_view output_suffix = "/output";
            if (rest.ends_with(output_suffix)) {
                rest.remove_suffix(output_suffix.size());
                return get ? future_output(rest, req) : not_allowed();
            }
            return get ? future(rest) : not_allowed();
        }
        if (path == txs) return post ? broadcast(req.body()) : not_allowed();
        if (path.starts_with(std::string(txs) + "/"))
            return get ? get_tx(path.substr(txs.size() + 1)) : not_allowed();
        if (path.starts_with(accounts))
            return get ? account(path.substr(accounts.size())) : not_allowed();
        constexpr std::string_view balances = "/cosmos/bank/v1beta1/balances/";
        if (path.starts_with(balances)) {
            std::string_view rest = path.substr(balances.size());
            constexpr std::string_view by_denom = "/by_denom";
            if (rest.ends_with(by_denom)) {
                rest.remove_suffix(by_denom.size());
                return get ? balance(rest, *query) : not_allowed();
            }
            return get ? all_balances(rest, *query) : not_allowed();
        }
        if (path == "/cosmos/bank/v1beta1/supply") return get ? supply(*query) : not_allowed();
        if (path == "/cosmos/bank/v1beta1/supply/by_denom")
            return get ? supply_of(*query) : not_allowed();
        if (path == "/cosmos/tx/v1beta1/simulate") return post ? simulate(req.body()) : not_allowed();
        constexpr std::string_view tm = "/cosmos/base/tendermint/v1beta1/";
        if (path.starts_with(tm)) return get ? tendermint(path.substr(tm.size())) : not_allowed();
        return not_found("Not Found");
    }

    void set_rest_address(std::string address) { m_views.set_rest_address(std::move(address)); }

private:
    static constexpr std::string_view k_dashboard_prefix = "/dashboard/";
    static constexpr std::string_view k_node_prefix = "/seer/node/v1/";

    /// The dashboard's embedded files: `/` is index.html, `/dashboard/<name>` the others
    /// (no directories). Browsers revalidate every load (no-cache) and get a 304 while the
    /// file's SHA-256, its ETag, is unchanged.
    static Reply dashboard(std::string_view path, const Request& req) {
        const std::string_view name =
            path.starts_with(k_dashboard_prefix) ? path.substr(k_dashboard_prefix.size())
                                                 : std::string_view("index.html");
        const DashboardAsset* asset = find_dashboard_asset(name);
        if (!asset) return not_found("no dashboard file " + quote_client_text(name, 64));
        Reply out;
        out.content_type = asset->content_type;
        out.etag = asset->etag;
        out.cache_control = "no-cache";
        if (req[http::field::if_none_match] == asset->etag)
            out.status = http::status::not_modified;
        else
            out.body = asset->bytes;
        return out;
    }

    static Reply not_allowed() {
        return error_reply(http::status::method_not_allowed, k_grpc_unimplemented,
                           "Method Not Allowed");
    }

    /// abci_query, then the gateway's status mapping; nullopt means `out` was set to an error.
    std::optional<consensus::QueryResponse> query(std::string path, Bytes data, Reply& out,
                                                  const std::string& what) {
        consensus::QueryRequest q;
        q.path = std::move(path);
        q.data = std::move(data);
        auto r = cosmos_query(m_node, q);
        if (r.code == 0) return r;
        if (r.code == k_query_not_found || (r.codespace == "sdk" && r.code == k_sdk_key_not_found))
            out = not_found(what + " not found");
        else
            out = bad_request(r.log.empty() ? "invalid request" : r.log);
        return std::nullopt;
    }

    template <class Proto>
    Reply proto_reply(const consensus::QueryResponse& r) {
        // The JSON is a pure function of the message type and the answer's bytes, and printing
        // it was half of a REST request's cost: repeated answers (the same query within a
        // height) are printed once.
        std::string key = Proto::descriptor()->full_name();
        key.push_back('\0');
        key.append(reinterpret_cast<const char*>(r.value.data()), r.value.size());
        {
            std::lock_guard lock(m_json_mutex);
            if (auto it = m_json_cache.find(key); it != m_json_cache.end())
                return {http::status::ok, it->second};
        }
        Proto m;
        if (!m.ParseFromArray(r.value.data(), static_cast<int>(r.value.size()))) {
            return error_reply(http::status::internal_server_error, k_grpc_internal,
                               "bad query response");
        }
        // Through the resolver of this pool: an Any inside (an account, a public key) has the
        // SDK's type URLs ("/cosmos.auth.v1beta1.BaseAccount"), without a host prefix.
        google::protobuf::util::JsonPrintOptions opts;
        opts.preserve_proto_field_names = true;
        opts.always_print_primitive_fields = true;
        std::string text;
        if (!google::protobuf::util::BinaryToJsonString(
                 m_resolver.get(), "/" + Proto::descriptor()->full_name(), m.SerializeAsString(),
                 &text, opts)
                 .ok())
            return error_reply(http::status::internal_server_error, k_grpc_internal, "json");
        const std::size_t cost = key.size() + text.size();
        if (cost <= k_max_json_cache_bytes / 16) {
            std::lock_guard lock(m_json_mutex);
            if (m_json_cache_bytes + cost > k_max_json_cache_bytes ||
                m_json_cache.size() >= k_max_json_cache_entries) {
                m_json_cache.clear();
                m_json_cache_bytes = 0;
            }
            if (m_json_cache.emplace(std::move(key), text).second) m_json_cache_bytes += cost;
        }
        return {http::status::ok, std::move(text)};
    }

    template <class Proto>
    Reply simple_query(std::string path) {
        Reply err;
        auto r = query(path, {}, err, path);
        if (!r) return err;
        return proto_reply<Proto>(*r);
    }

    Reply future(std::string_view id_text) {
        auto decoded = url_decode(id_text);
        auto id = decoded ? parse_u64(*decoded) : std::nullopt;
        if (!id) return bad_request("invalid future id: must be an unsigned integer");
        Reply err;
        auto r =
            query("async/future/" + std::to_string(*id), {}, err, "future " + std::to_string(*id));
        if (!r) return err;
        return proto_reply<v1::QueryFutureResponse>(*r);
    }

    /// The output bytes of a future that has a result, from state or the node's archive:
    /// application/octet-stream with its SHA-256 (hex, quoted) as the ETag.
    Reply future_output(std::string_view id_text, const Request& req) {
        auto decoded = url_decode(id_text);
        auto id = decoded ? parse_u64(*decoded) : std::nullopt;
        if (!id) return bad_request("invalid future id: must be an unsigned integer");
        Reply err;
        const std::string what = "future " + std::to_string(*id);
        auto r = query("async/future/" + std::to_string(*id), {}, err, what);
        if (!r) return err;
        v1::QueryFutureResponse m;
        if (!m.ParseFromArray(r->value.data(), static_cast<int>(r->value.size())))
            return error_reply(http::status::internal_server_error, k_grpc_internal,
                               "bad query response");
        const auto& f = m.future();
        const std::string status = v1::FutureStatus_Name(f.status());
        if (!f.has_result()) return not_found(what + " has no output yet (" + status + ")");
        if (!f.result().error().empty())
            return not_found(what + " has no output: the handler failed (" + status +
                             "): " + f.result().error());
        Reply out;
        out.content_type = "application/octet-stream";
        if (f.result().output_sha256().size() == 32) {
            // Off chain: the bytes this node keeps, checked against the hash on chain.
            Hash h{};
            std::copy(f.result().output_sha256().begin(), f.result().output_sha256().end(),
                      h.begin());
            auto bytes = m_node.future_output(h);
            if (!bytes || crypto::sha256(*bytes) != h)
                return not_found(what + ": this node does not hold its off-chain output (" +
                                 std::to_string(f.result().output_size()) + " bytes, sha256 " +
                                 to_hex(h) + ")");
            out.body.assign(bytes->begin(), bytes->end());
        } else {
            out.body = f.result().output();
        }
        out.etag = "\"" + to_hex(crypto::sha256(as_bytes(out.body))) + "\"";
        if (req[http::field::if_none_match] == out.etag) {
            out.status = http::status::not_modified;
            out.body.clear();
        }
        return out;
    }

    /// The SDK's pagination query parameters: key (base64), offset, limit, count_total, reverse.
    static std::optional<Reply> page_request(const Query& q,
                                             cosmos::base::query::v1beta1::PageRequest& page) {
        if (auto it = q.find("pagination.key"); it != q.end() && !it->second.empty()) {
            auto key = lenient_base64(it->second);
            if (!key) return bad_request("invalid pagination.key: not base64");
            page.set_key(std::string(key->begin(), key->end()));
        }
        for (auto [name, setter] :
             std::initializer_list<std::pair<const char*, void (cosmos::base::query::v1beta1::
                                                                    PageRequest::*)(std::uint64_t)>>{
                 {"pagination.offset", &cosmos::base::query::v1beta1::PageRequest::set_offset},
                 {"pagination.limit", &cosmos::base::query::v1beta1::PageRequest::set_limit}}) {
            if (auto it = q.find(name); it != q.end() && !it->second.empty()) {
                auto v = parse_u64(it->second);
                if (!v)
                    return bad_request(std::string("invalid ") + name +
                                       ": must be an unsigned integer");
                (page.*setter)(*v);
            }
        }
        for (auto [name, setter] :
             std::initializer_list<
                 std::pair<const char*, void (cosmos::base::query::v1beta1::PageRequest::*)(bool)>>{
                 {"pagination.count_total",
                  &cosmos::base::query::v1beta1::PageRequest::set_count_total},
                 {"pagination.reverse", &cosmos::base::query::v1beta1::PageRequest::set_reverse}}) {
            if (auto it = q.find(name); it != q.end() && !it->second.empty()) {
                if (it->second != "true" && it->second != "false")
                    return bad_request(std::string("invalid ") + name + ": must be true or false");
                (page.*setter)(it->second == "true");
            }
        }
        return std::nullopt;
    }

    Reply list_futures(const Query& q, bool pending) {
        Bytes data;
        if (pending) {
            v1::QueryPendingFuturesRequest request;
            if (auto e = page_request(q, *request.mutable_pagination())) return *e;
            const auto s = request.SerializeAsString();
            data.assign(s.begin(), s.end());
        } else {
            v1::QueryFuturesRequest request;
            if (auto it = q.find("creator"); it != q.end()) request.set_creator(it->second);
            if (auto it = q.find("handler"); it != q.end()) {
                if (it->second.size() > 128) return bad_request("handler is at most 128 bytes");
                request.set_handler(it->second);
            }
            if (auto it = q.find("status"); it != q.end() && !it->second.empty()) {
                const auto status = async::parse_future_status(it->second);
                if (!status)
                    return bad_request("invalid status: " + quote_client_text(it->second, 64) +
                                       " (" + std::string(async::k_future_status_names) + ")");
                request.set_status(*status);
            }
            if (auto e = page_request(q, *request.mutable_pagination())) return *e;
            const auto s = request.SerializeAsString();
            data.assign(s.begin(), s.end());
        }
        Reply err;
        auto r = query(pending ? "async/pending_futures" : "async/futures", std::move(data), err,
                       "futures");
        if (!r) return err;
        return proto_reply<v1::QueryFuturesResponse>(*r);
    }

    Reply account(std::string_view address_text) {
        auto address = url_decode(address_text);
        if (!address || address->empty() || address->size() > 128 ||
            address->find('/') != std::string::npos) {
            return bad_request("invalid address");
        }
        cosmos::auth::v1beta1::QueryAccountRequest request;
        request.set_address(*address);
        return proto_query<cosmos::auth::v1beta1::QueryAccountResponse>(
            "/cosmos.auth.v1beta1.Query/Account", request, "account " + *address);
    }

    template <class Response>
    Reply proto_query(std::string path, const google::protobuf::MessageLite& request,
                      const std::string& what) {
        const auto s = request.SerializeAsString();
        Reply err;
        auto r = query(std::move(path), Bytes(s.begin(), s.end()), err, what);
        if (!r) return err;
        return proto_reply<Response>(*r);
    }

    static std::optional<std::string> address_param(std::string_view text) {
        auto address = url_decode(text);
        if (!address || address->empty() || address->size() > 128 ||
            address->find('/') != std::string::npos)
            return std::nullopt;
        return address;
    }

    Reply balance(std::string_view address_text, const Query& q) {
        auto address = address_param(address_text);
        if (!address) return bad_request("invalid address");
        cosmos::bank::v1beta1::QueryBalanceRequest request;
        request.set_address(*address);
        auto denom = q.find("denom");
        if (denom == q.end() || denom->second.empty()) return bad_request("denom is required");
        request.set_denom(denom->second);
        return proto_query<cosmos::bank::v1beta1::QueryBalanceResponse>(
            "/cosmos.bank.v1beta1.Query/Balance", request, "balance");
    }

    Reply all_balances(std::string_view address_text, const Query& q) {
        auto address = address_param(address_text);
        if (!address) return bad_request("invalid address");
        cosmos::bank::v1beta1::QueryAllBalancesRequest request;
        request.set_address(*address);
        if (auto e = page_request(q, *request.mutable_pagination())) return *e;
        return proto_query<cosmos::bank::v1beta1::QueryAllBalancesResponse>(
            "/cosmos.bank.v1beta1.Query/AllBalances", request, "balances");
    }

    Reply supply(const Query& q) {
        cosmos::bank::v1beta1::QueryTotalSupplyRequest request;
        if (auto e = page_request(q, *request.mutable_pagination())) return *e;
        return proto_query<cosmos::bank::v1beta1::QueryTotalSupplyResponse>(
            "/cosmos.bank.v1beta1.Query/TotalSupply", request, "supply");
    }

    Reply supply_of(const Query& q) {
        cosmos::bank::v1beta1::QuerySupplyOfRequest request;
        auto denom = q.find("denom");
        if (denom == q.end() || denom->second.empty()) return bad_request("denom is required");
        request.set_denom(denom->second);
        return proto_query<cosmos::bank::v1beta1::QuerySupplyOfResponse>(
            "/cosmos.bank.v1beta1.Query/SupplyOf", request, "supply");
    }

    Reply simulate(const std::string& body) {
        json::parse_options opts;
        opts.max_depth = 16;
        boost::system::error_code ec;
        auto v = json::parse(body, ec, {}, opts);
        if (ec || !v.is_object()) return bad_request("body must be a JSON object");
        const auto* tx = v.get_object().if_contains("tx_bytes");
        if (!tx || !tx->is_string()) return bad_request("tx_bytes must be a base64 string");
        auto bytes = from_base64(tx->get_string());
        if (!bytes || bytes->empty()) return bad_request("tx_bytes: invalid base64");
        cosmos::tx::v1beta1::SimulateRequest request;
        request.set_tx_bytes(std::string(bytes->begin(), bytes->end()));
        return proto_query<cosmos::tx::v1beta1::SimulateResponse>(
            "/cosmos.tx.v1beta1.Service/Simulate", request, "simulation");
    }

    /// cosmos.base.tendermint.v1beta1: node_info, syncing, blocks/latest, blocks/{height}.
    Reply tendermint(std::string_view what) {
        if (what == "node_info") {
            const auto st = m_node.status();
            json::object info = status_json(st).at("node_info").as_object();
            json::object node{{"protocol_version", info.at("protocol_version")},
                              {"default_node_id", st.node_id},
                              {"listen_addr", st.listen_addr},
                              {"network", st.network},
                              {"version", st.version},
                              {"channels", to_base64(*from_hex(st.channels))},
                              {"moniker", st.moniker},
                              {"other", info.at("other")}};
            json::object app{{"name", "seer"},
                             {"app_name", "seer"},
                             {"version", st.app_version},
                             {"git_commit", ""},
                             {"build_tags", ""},
                             {"go_version", ""},
                             {"build_deps", json::array{}},
                             {"cosmos_sdk_version", ""}};
            return {http::status::ok,
                    json::serialize(json::object{{"default_node_info", std::move(node)},
                                                 {"application_version", std::move(app)}})};
        }
        if (what == "syncing") {
            return {http::status::ok,
                    json::serialize(json::object{{"syncing", m_node.status().catching_up}})};
        }
        constexpr std::string_view blocks = "blocks/";
        if (what.starts_with(blocks)) {
            const std::string_view h = what.substr(blocks.size());
            std::optional<std::uint64_t> height;
            if (h == "latest") {
                height = static_cast<std::uint64_t>(m_node.latest_height());
            } else {
                height = parse_u64(h);
                if (!height || *height == 0)
                    return bad_request("invalid height: " + quote_client_text(h, 32));
            }
            auto b = m_node.block(static_cast<std::int64_t>(*height));
            if (!b) return not_found("block " + std::to_string(*height) + " not found");
            json::object r = block_result_json(*b);  // {block_id, block}, as CometBFT's RPC
            r["sdk_block"] = r.at("block");
            return {http::status::ok, json::serialize(r)};
        }
        return not_found("Not Found");
    }

    static json::object tx_response(std::int64_t height, const Hash& hash, std::uint32_t code,
                                    const std::string& codespace, const std::string& log) {
        return json::object{{"height", std::to_string(height)},
                            {"txhash", to_hex(hash, true)},
                            {"codespace", codespace},
                            {"code", code},
                            {"data", ""},
                            {"raw_log", log},
                            {"logs", json::array{}},
                            {"info", ""},
                            {"gas_wanted", "0"},
                            {"gas_used", "0"},
                            {"tx", nullptr},
                            {"timestamp", ""},
                            {"events", json::array{}}};
    }

    Reply broadcast(const std::string& body) {
        json::parse_options opts;
        opts.max_depth = 16;
        boost::system::error_code ec;
        auto v = json::parse(body, ec, {}, opts);
        if (ec || !v.is_object()) return bad_request("body must be a JSON object");
        const auto& o = v.get_object();
        const auto* tx = o.if_contains("tx_bytes");
        if (!tx || !tx->is_string()) return bad_request("tx_bytes must be a base64 string");
        auto bytes = from_base64(tx->get_string());
        if (!bytes || bytes->empty()) return bad_request("tx_bytes: invalid base64");
        const auto* mode = o.if_contains("mode");
        std::string_view m = mode && mode->is_string() ? std::string_view(mode->get_string()) : "";
        if (m != "BROADCAST_MODE_SYNC" && m != "BROADCAST_MODE_ASYNC") {
            return bad_request(
                "unsupported broadcast mode; supported: BROADCAST_MODE_SYNC, BROADCAST_MODE_ASYNC");
        }
        const auto r = m_node.broadcast_tx(std::move(*bytes));
        json::object resp;
        switch (r.outcome) {
            case BroadcastOutcome::added:
            case BroadcastOutcome::rejected:
                resp = m == "BROADCAST_MODE_ASYNC" && r.outcome == BroadcastOutcome::added
                           ? tx_response(0, r.hash, 0, "", "")
                           : tx_response(0, r.hash, r.check.code, r.check.codespace, r.check.log);
                break;
            case BroadcastOutcome::duplicate:
                resp = tx_response(0, r.hash, k_sdk_tx_in_mempool_cache, "sdk",
                                   "tx already exists in cache");
                break;
            case BroadcastOutcome::full:
                resp = tx_response(0, r.hash, k_sdk_mempool_is_full, "sdk", "mempool is full");
                break;
            case BroadcastOutcome::too_large:
                resp = tx_response(0, r.hash, k_sdk_tx_too_large, "sdk", "tx too large");
                break;
        }
        return {http::status::ok, json::serialize(json::object{{"tx_response", std::move(resp)}})};
    }

    /// The tx as cosmos.tx.v1beta1.Tx JSON, or null when it isn't one (the results tx).
    json::value decode_tx(const Bytes& raw) {
        cosmos::tx::v1beta1::TxRaw tx_raw;
        if (raw.empty() || raw[0] == 0 ||
            !tx_raw.ParseFromArray(raw.data(), static_cast<int>(raw.size()))) {
            return nullptr;
        }
        cosmos::tx::v1beta1::Tx tx;
        if (!tx.mutable_body()->ParseFromString(tx_raw.body_bytes()) ||
            !tx.mutable_auth_info()->ParseFromString(tx_raw.auth_info_bytes())) {
            return nullptr;
        }
        for (const auto& s : tx_raw.signatures())
            tx.add_signatures(s);
        google::protobuf::util::JsonPrintOptions opts;
        opts.preserve_proto_field_names = true;
        opts.always_print_primitive_fields = true;
        std::string out;
        if (!google::protobuf::util::BinaryToJsonString(m_resolver.get(), "/cosmos.tx.v1beta1.Tx",
                                                        tx.SerializeAsString(), &out, opts)
                 .ok()) {
            return nullptr;
        }
        boost::system::error_code ec;
        auto v = json::parse(out, ec);
        if (ec) return nullptr;
        return v;
    }

    Reply get_tx(std::string_view hash_text) {
        auto text = url_decode(hash_text);
        std::optional<Bytes> b;
        if (text && text->size() == 64) b = from_hex(*text);
        if (!b) return bad_request("invalid tx hash: must be 32 bytes of hex");
        const Hash hash = *to_array<32>(*b);
        auto t = m_node.tx(hash);
        if (!t) return not_found("tx not found: " + to_hex(hash, true));
        json::object resp =
            tx_response(t->height, t->hash, t->result.code, t->result.codespace, t->result.log);
        resp["data"] = to_hex(t->result.data, true);
        resp["gas_wanted"] = std::to_string(t->result.gas_wanted);
        resp["gas_used"] = std::to_string(t->result.gas_used);
        json::array events;
        for (const auto& e : t->result.events) {
            json::array attrs;
            for (const auto& a : e.attributes) {
                attrs.push_back(
                    json::object{{"key", a.key}, {"value", a.value}, {"index", a.index}});
            }
            events.push_back(json::object{{"type", e.type}, {"attributes", std::move(attrs)}});
        }
        resp["events"] = std::move(events);
        if (auto blk = m_node.block(t->height)) {
            const auto secs = blk->block.header.time / 1'000'000'000 * 1'000'000'000;
            resp["timestamp"] = to_rfc3339(secs);
        }
        json::value tx = decode_tx(t->tx);
        if (tx.is_object()) {
            json::object any{{"@type", "/cosmos.tx.v1beta1.Tx"}};
            for (auto& kv : tx.as_object())
                any[kv.key()] = kv.value();
            resp["tx"] = std::move(any);
        }
        return {http::status::ok, json::serialize(json::object{{"tx", std::move(tx)},
                                                               {"tx_response", std::move(resp)}})};
    }

    NodeApi& m_node;
    NodeViews m_views;
    std::unique_ptr<google::protobuf::util::TypeResolver> m_resolver;
    // Printed answers by (message type, answer bytes); cleared whole when a bound is reached.
    static constexpr std::size_t k_max_json_cache_entries = 4096;
    static constexpr std::size_t k_max_json_cache_bytes = 32u << 20;
    std::mutex m_json_mutex;
    std::unordered_map<std::string, std::string> m_json_cache;
    std::size_t m_json_cache_bytes = 0;
};

}  // namespace

namespace detail {

struct RestRoutes::Impl {
    explicit Impl(NodeApi& node) : routes(node) {}
    Routes routes;
};

RestRoutes::RestRoutes(NodeApi& node) : m_impl(std::make_unique<Impl>(node)) {}
RestRoutes::~RestRoutes() = default;

RestAnswer RestRoutes::handle(const Request& request) {
    Reply r = m_impl->routes.handle(request);
    return {r.status, std::move(r.body), std::move(r.content_type), std::move(r.etag)};
}

}  // namespace detail

struct RestServer::Impl {
    Impl(NodeApi& node, RestOptions o) : options(std::move(o)), routes(node) {
        consensus::route_protobuf_logs();
        CoreOptions c;
        c.host = options.host;
        c.port = options.port;
        c.max_body_bytes = options.max_body_bytes;
        c.max_header_bytes = options.max_header_bytes;
        c.max_connections = options.max_connections;
        c.max_websocket_connections = 0;
        c.max_connections_per_ip = options.max_connections_per_ip;
        c.priority_paths = {"/cosmos/base/tendermint/v1beta1/node_info",
                            "/cosmos/base/tendermint/v1beta1/syncing"};
        c.idle_timeout = options.idle_timeout;
        c.cors_allowed_origins = options.cors_allowed_origins;
        c.read_timeout = options.read_timeout;
        c.write_timeout = options.write_timeout;
        c.io_threads = options.io_threads;
        core = std::make_unique<HttpCore>(
            c, [this](Request&& req, Respond respond, asio::any_io_executor) {
                Reply r = routes.handle(req);
                auto res = make_response(req, r.status, std::move(r.body), r.content_type);
                if (!r.etag.empty()) res.set(http::field::etag, r.etag);
                if (!r.cache_control.empty()) res.set(http::field::cache_control, r.cache_control);
                respond(std::move(res));
            });
    }

    RestOptions options;
    Routes routes;
    std::unique_ptr<HttpCore> core;
};

RestServer::RestServer(NodeApi& node, RestOptions options)
    : m_impl(std::make_unique<Impl>(node, std::move(options))) {}
RestServer::~RestServer() {
    stop();
}
void RestServer::start() {
    m_impl->core->start();
    m_impl->routes.set_rest_address("tcp://" + m_impl->options.host + ":" +
                                    std::to_string(m_impl->core->port()));
}
void RestServer::stop() {
    m_impl->core->stop();
}
std::uint16_t RestServer::port() const {
    return m_impl->core->port();
}
ConnectionStats RestServer::connections() const {
    return m_impl->core->counts();
}

}  // namespace seer::rpc
