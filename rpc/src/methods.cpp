// The CometBFT v0.38 methods over NodeApi. Argument problems are -32602 (CometBFT itself
// answers -32603 for out-of-range heights; seer uses -32602, the JSON-RPC code for them).

#include <algorithm>
#include <charconv>

#include "cometbft_json.hpp"
#include "seer/rpc/cosmos_service.hpp"
#include "jsonrpc.hpp"
#include "query.hpp"
#include "search.hpp"
#include "seer/common/base64.hpp"
#include "seer/crypto/hash.hpp"

namespace seer::rpc::detail {

namespace {

constexpr std::int64_t k_default_per_page = 30;
constexpr std::int64_t k_max_per_page = 100;
constexpr std::int64_t k_max_blockchain_metas = 20;
constexpr std::size_t k_max_commit_waits = 100;

/// Argument errors inside this file: thrown by the Args helpers, caught in call_method and
/// turned into a -32602 reply. Never leaves this file.
struct BadArgs {
    std::string message;
};
struct NotFound {
    std::string message;
};

[[noreturn]] void bad(std::string message) {
    throw BadArgs{std::move(message)};
}

std::optional<std::int64_t> parse_i64(std::string_view s) {
    if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || p != s.data() + s.size() || s.empty()) return std::nullopt;
    return v;
}

std::string_view strip_0x(std::string_view s) {
    if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s.remove_prefix(2);
    return s;
}

class Args {
public:
    Args(const Params& p, const CallContext& ctx) : m_p(p), m_ctx(ctx) {}

    const json::value* get(std::string_view name) const {
        const auto* v = m_p.named.if_contains(name);
        if (!v || v->is_null()) return nullptr;
        return v;
    }

    std::optional<std::int64_t> opt_int(std::string_view name) const {
        const auto* v = get(name);
        if (!v) return std::nullopt;
        if (v->is_int64()) return v->get_int64();
        if (v->is_uint64()) {
            if (v->get_uint64() > static_cast<std::uint64_t>(INT64_MAX))
                bad(std::string(name) + " out of range");
            return static_cast<std::int64_t>(v->get_uint64());
        }
        if (v->is_string()) {
            const auto& s = v->get_string();
            if (s.empty() && m_p.from_uri) return std::nullopt;
            if (auto n = parse_i64(s)) return n;
        }
        bad(std::string(name) + " must be an integer (a number or a decimal string)");
    }

    bool opt_bool(std::string_view name) const {
        const auto* v = get(name);
        if (!v) return false;
        if (v->is_bool()) return v->get_bool();
        if (v->is_string() && (v->get_string() == "true" || v->get_string() == "false")) {
            return v->get_string() == "true";
        }
        bad(std::string(name) + " must be a boolean");
    }

    std::optional<std::string> opt_string(std::string_view name) const {
        const auto* v = get(name);
        if (!v) return std::nullopt;
        if (!v->is_string()) bad(std::string(name) + " must be a string");
        return std::string(v->get_string());
    }

    std::string req_string(std::string_view name) const {
        auto s = opt_string(name);
        if (!s) bad("missing " + std::string(name));
        return *s;
    }

    /// A tx: base64 in JSON (or 0x-hex); in a URI 0x-hex or a "quoted" raw string.
    Bytes req_tx(std::string_view name) const {
        auto s = opt_string(name);
        if (!s) bad("missing " + std::string(name));
        std::string_view text = *s;
        if (text.size() >= 2 && (text.substr(0, 2) == "0x" || text.substr(0, 2) == "0X")) {
            if (auto b = from_hex(strip_0x(text))) return *b;
            bad(std::string(name) + ": bad hex");
        }
        if (m_p.from_uri) {
            if (m_p.uri_quoted.count(name) != 0) return to_bytes(text);
            bad(std::string(name) + " must be 0x-hex or a \"quoted\" string");
        }
        if (auto b = from_base64(text)) return *b;
        bad(std::string(name) + ": bad base64");
    }

    /// A 32-byte hash: hex (optionally 0x) or base64.
    Hash req_hash(std::string_view name) const {
        auto s = opt_string(name);
        if (!s) bad("missing " + std::string(name));
        std::string_view text = strip_0x(*s);
        std::optional<Bytes> b;
        if (text.size() == 64) b = from_hex(text);
        if (!b && text.size() == 44) b = from_base64(text);
        if (!b) bad(std::string(name) + " must be a 32-byte hash in hex or base64");
        auto h = to_array<32>(*b);
        return *h;
    }

    Bytes opt_hex(std::string_view name) const {
        auto s = opt_string(name);
        if (!s) return {};
        auto b = from_hex(strip_0x(*s));
        if (!b) bad(std::string(name) + ": bad hex");
        return *b;
    }

    /// CometBFT's getHeight: absent = latest; else 1..latest and not below the base.
    std::int64_t height(std::string_view name = "height") const {
        const std::int64_t latest = m_ctx.node->latest_height();
        auto h = opt_int(name);
        if (!h) return latest;
        if (*h <= 0) bad("height must be greater than 0, but got " + std::to_string(*h));
        if (*h > latest) {
            bad("height " + std::to_string(*h) +
                " must be less than or equal to the current blockchain height " +
                std::to_string(latest));
        }
        const std::int64_t base = m_ctx.node->base_height();
        if (*h < base) {
            bad("height " + std::to_string(*h) + " is not available, lowest height is " +
                std::to_string(base));
        }
        return *h;
    }

    std::int64_t per_page() const {
        auto n = opt_int("per_page");
        if (!n || *n < 1) return k_default_per_page;
        return std::min(*n, k_max_per_page);
    }

    std::int64_t page(std::int64_t per_page, std::int64_t total) const {
        auto p = opt_int("page").value_or(1);
        const std::int64_t pages = std::max<std::int64_t>(1, (total + per_page - 1) / per_page);
        if (p < 1 || p > pages) {
            bad("page should be within [1, " + std::to_string(pages) + "] range, given " +
                std::to_string(p));
        }
        return p;
    }

private:
    const Params& m_p;
    const CallContext& m_ctx;
};

using Handler = void (*)(const Args&, const CallContext&, Reply&);

void health(const Args&, const CallContext&, Reply& reply) {
    reply(json::value(json::object{}));
}

void status(const Args&, const CallContext& ctx, Reply& reply) {
    reply(json::value(status_json(ctx.node->status())));
}

void net_info(const Args&, const CallContext& ctx, Reply& reply) {
    reply(json::value(net_info_json(ctx.node->net_info())));
}

void blockchain(const Args& a, const CallContext& ctx, Reply& reply) {
    const std::int64_t latest = ctx.node->latest_height();
    const std::int64_t base = ctx.node->base_height();
    std::int64_t min = a.opt_int("minHeight").value_or(0);
    std::int64_t max = a.opt_int("maxHeight").value_or(0);
    if (min < 0 || max < 0) bad("heights must be non-negative");
    if (min == 0) min = 1;
    if (max == 0) max = latest;
    max = std::min(latest, max);
    min = std::max(base, min);
    min = std::max(min, max - k_max_blockchain_metas + 1);
    if (min > max) {
        bad("min height " + std::to_string(min) + " can't be greater than max height " +
            std::to_string(max));
    }
    json::array metas;
    for (std::int64_t h = max; h >= min; --h) {
        if (auto b = ctx.node->block(h)) metas.push_back(block_meta_json(*b));
    }
    reply(
        json::value(json::object{{"last_height", i64(latest)}, {"block_metas", std::move(metas)}}));
}

BlockView load_block(const CallContext& ctx, std::int64_t height) {
    auto b = ctx.node->block(height);
    if (!b) throw NotFound{"block at height " + std::to_string(height) + " not found"};
    return *b;
}

void block(const Args& a, const CallContext& ctx, Reply& reply) {
    reply(json::value(block_result_json(load_block(ctx, a.height()))));
}

void block_by_hash(const Args& a, const CallContext& ctx, Reply& reply) {
    auto b = ctx.node->block_by_hash(a.req_hash("hash"));
    if (!b) {
        // CometBFT answers an unknown hash with an empty result, not an error.
        reply(json::value(json::object{{"block_id", block_id_json({})}, {"block", nullptr}}));
        return;
    }
    reply(json::value(block_result_json(*b)));
}

void header(const Args& a, const CallContext& ctx, Reply& reply) {
    reply(json::value(
        json::object{{"header", header_json(load_block(ctx, a.height()).block.header)}}));
}

void header_by_hash(const Args& a, const CallContext& ctx, Reply& reply) {
    auto b = ctx.node->block_by_hash(a.req_hash("hash"));
    reply(json::value(json::object{
        {"header", b ? json::value(header_json(b->block.header)) : json::value(nullptr)}}));
}

void block_results(const Args& a, const CallContext& ctx, Reply& reply) {
    const auto h = a.height();
    auto r = ctx.node->block_results(h);
    if (!r) throw NotFound{"results for height " + std::to_string(h) + " not found"};
    reply(json::value(block_results_json(*r)));
}

void commit(const Args& a, const CallContext& ctx, Reply& reply) {
    const auto h = a.height();
    const auto b = load_block(ctx, h);
    auto c = ctx.node->commit(h);
    if (!c) throw NotFound{"commit for height " + std::to_string(h) + " not found"};
    reply(json::value(json::object{
        {"signed_header",
         json::object{{"header", header_json(b.block.header)}, {"commit", commit_json(*c)}}},
        {"canonical", h < ctx.node->latest_height()}}));
}

void validators(const Args& a, const CallContext& ctx, Reply& reply) {
    const auto h = a.height();
    const auto set = ctx.node->validators(h);
    const auto total = static_cast<std::int64_t>(set.size());
    const auto per_page = a.per_page();
    const auto page = a.page(per_page, total);
    json::array out;
    const auto first = (page - 1) * per_page;
    for (std::int64_t i = first; i < std::min(total, first + per_page); ++i) {
        out.push_back(validator_json(set.at(static_cast<std::size_t>(i))));
    }
    const auto count = static_cast<std::int64_t>(out.size());
    reply(json::value(json::object{{"block_height", i64(h)},
                                   {"validators", std::move(out)},
                                   {"count", i64(count)},
                                   {"total", i64(total)}}));
}

void genesis(const Args&, const CallContext& ctx, Reply& reply) {
    std::string error;
    auto g = parse_json(ctx.node->genesis_json(), error);
    if (!g) throw NotFound{"genesis is not valid JSON: " + error};
    reply(json::value(json::object{{"genesis", std::move(*g)}}));
}

void consensus_params(const Args& a, const CallContext& ctx, Reply& reply) {
    const auto h = a.height();
    const auto p = ctx.node->consensus_params();
    reply(json::value(json::object{
        {"block_height", i64(h)},
        {"consensus_params",
         json::object{
             {"block", json::object{{"max_bytes", i64(p.block_max_bytes)},
                                    {"max_gas", i64(p.block_max_gas)}}},
             // seer has no evidence handling: CometBFT's defaults, for clients that read them.
             {"evidence", json::object{{"max_age_num_blocks", "100000"},
                                       {"max_age_duration", "172800000000000"},
                                       {"max_bytes", "1048576"}}},
             {"validator", json::object{{"pub_key_types", json::array{"ed25519"}}}},
             {"version", json::object{{"app", "0"}}},
             {"abci", json::object{{"vote_extensions_enable_height",
                                    i64(p.vote_extensions_enable_height)}}}}}}));
}

void unconfirmed_txs(const Args& a, const CallContext& ctx, Reply& reply) {
    auto limit = a.opt_int("limit").value_or(k_default_per_page);
    if (limit < 1) limit = k_default_per_page;
    limit = std::min(limit, k_max_per_page);
    const auto m = ctx.node->unconfirmed_txs(static_cast<std::size_t>(limit));
    json::array txs;
    for (const auto& tx : m.txs) {
        if (static_cast<std::int64_t>(txs.size()) >= limit) break;
        txs.push_back(b64(tx));
    }
    const auto n = static_cast<std::int64_t>(txs.size());
    reply(json::value(json::object{{"n_txs", i64(n)},
                                   {"total", i64(m.n_txs)},
                                   {"total_bytes", i64(m.total_bytes)},
                                   {"txs", std::move(txs)}}));
}

void num_unconfirmed_txs(const Args&, const CallContext& ctx, Reply& reply) {
    const auto m = ctx.node->unconfirmed_txs(0);
    reply(json::value(json::object{{"n_txs", i64(m.n_txs)},
                                   {"total", i64(m.n_txs)},
                                   {"total_bytes", i64(m.total_bytes)},
                                   {"txs", nullptr}}));
}

/// CometBFT's mempool errors, which it returns as -32603.
std::optional<std::string> mempool_error(const BroadcastResult& r) {
    switch (r.outcome) {
        case BroadcastOutcome::added:
        case BroadcastOutcome::rejected:
            return std::nullopt;
        case BroadcastOutcome::duplicate:
            return "tx already exists in cache";
        case BroadcastOutcome::full:
            return "mempool is full";
        case BroadcastOutcome::too_large:
            return "tx too large";
    }
    return "mempool error";
}

void broadcast_tx_async(const Args& a, const CallContext& ctx, Reply& reply) {
    auto r = ctx.node->broadcast_tx(a.req_tx("tx"));
    if (auto e = mempool_error(r)) {
        reply(RpcError{k_internal_error, *e});
        return;
    }
    reply(json::value(json::object{
        {"code", 0}, {"data", ""}, {"log", ""}, {"codespace", ""}, {"hash", hex_upper(r.hash)}}));
}

void broadcast_tx_sync(const Args& a, const CallContext& ctx, Reply& reply) {
    auto r = ctx.node->broadcast_tx(a.req_tx("tx"));
    if (auto e = mempool_error(r)) {
        reply(RpcError{k_internal_error, *e});
        return;
    }
    reply(json::value(json::object{{"code", r.check.code},
                                   {"data", ""},
                                   {"log", r.check.log},
                                   {"codespace", r.check.codespace},
                                   {"hash", hex_upper(r.hash)}}));
}

/// broadcast_tx_commit's wait for its tx. State on the connection's strand.
struct CommitWait : std::enable_shared_from_this<CommitWait> {
    CommitWait(const CallContext& c, Reply r) : ctx(c), reply(std::move(r)), timer(c.strand) {}
    ~CommitWait() { ctx.commit_waits->fetch_sub(1); }
    CallContext ctx;
    Reply reply;
    asio::steady_timer timer;
    SubscriptionId sub = 0;
    bool subscribed = false;
    bool done = false;
    Hash hash{};
    consensus::CheckTxResponse check;

    void finish(Outcome outcome) {
        if (done) return;
        done = true;
        timer.cancel();
        if (subscribed) ctx.node->unsubscribe(sub);
        reply(std::move(outcome));
    }
};

void broadcast_tx_commit(const Args& a, const CallContext& ctx, Reply& reply) {
    Bytes tx = a.req_tx("tx");
    if (ctx.commit_waits->fetch_add(1) >= k_max_commit_waits) {
        ctx.commit_waits->fetch_sub(1);
        reply(RpcError{k_internal_error, "too many concurrent broadcast_tx_commit calls"});
        return;
    }
    auto wait = std::make_shared<CommitWait>(ctx, std::move(reply));
    wait->hash = crypto::sha256(tx);
    // Subscribe before broadcasting, so the Tx event can't be missed.
    std::weak_ptr<CommitWait> weak = wait;
    auto hub = ctx.hub;
    auto strand = ctx.strand;
    const Hash hash = wait->hash;
    wait->sub = ctx.node->subscribe([weak, hub, strand, hash](const BusEvent& ev) {
        if (ev.kind != BusEvent::Kind::tx || !ev.tx || ev.tx->hash != hash) return;
        auto txv = ev.tx;
        hub->post(strand, [weak, txv] {
            auto w = weak.lock();
            if (!w) return;
            w->finish(json::value(json::object{{"check_tx", check_tx_json(w->check)},
                                               {"tx_result", exec_tx_result_json(txv->result)},
                                               {"hash", hex_upper(txv->hash)},
                                               {"height", i64(txv->height)}}));
        });
    });
    wait->subscribed = true;
    auto r = ctx.node->broadcast_tx(std::move(tx));
    wait->check = r.check;
    if (auto e = mempool_error(r)) {
        wait->finish(RpcError{k_internal_error, *e});
        return;
    }
    if (r.outcome == BroadcastOutcome::rejected || r.check.code != 0) {
        wait->finish(json::value(json::object{{"check_tx", check_tx_json(r.check)},
                                              {"tx_result", exec_tx_result_json({})},
                                              {"hash", hex_upper(r.hash)},
                                              {"height", "0"}}));
        return;
    }
    wait->timer.expires_after(ctx.options->broadcast_commit_timeout);
    wait->timer.async_wait([wait](boost::system::error_code ec) {
        if (ec) return;
        wait->finish(
            RpcError{k_internal_error, "timed out waiting for tx to be included in a block"});
    });
}

void check_tx(const Args& a, const CallContext& ctx, Reply& reply) {
    reply(json::value(check_tx_json(ctx.node->check_tx(a.req_tx("tx")))));
}

void tx(const Args& a, const CallContext& ctx, Reply& reply) {
    const Hash h = a.req_hash("hash");
    (void)a.opt_bool("prove");
    auto t = ctx.node->tx(h);
    if (!t) throw NotFound{"tx (" + to_hex(h, true) + ") not found"};
    reply(json::value(tx_json(*t)));
}

/// tx_search and block_search: the query, then order_by, page and per_page as CometBFT.
struct SearchPage {
    std::vector<SearchHit> hits;  // this page's
    std::int64_t total = 0;       // all matches
};

SearchPage run_search(const Args& a, const CallContext& ctx, EventScope scope) {
    auto parsed = parse_query(a.req_string("query"));
    if (!parsed) bad(parsed.error().message);
    const auto order = a.opt_string("order_by").value_or("");
    if (order != "" && order != "asc" && order != "desc")
        bad("order_by must be \"asc\" or \"desc\"");
    auto hits = search(*ctx.node, *parsed, scope);
    if (!hits) bad(hits.error().message);
    if (order == "desc") std::reverse(hits->begin(), hits->end());
    SearchPage out;
    out.total = static_cast<std::int64_t>(hits->size());
    const auto per_page = a.per_page();
    const auto first = (a.page(per_page, out.total) - 1) * per_page;
    for (std::int64_t i = first; i < std::min(out.total, first + per_page); ++i)
        out.hits.push_back((*hits)[static_cast<std::size_t>(i)]);
    return out;
}

void tx_search(const Args& a, const CallContext& ctx, Reply& reply) {
    (void)a.opt_bool("prove");
    const SearchPage page = run_search(a, ctx, EventScope::tx);
    json::array out;
    std::int64_t loaded_height = -1;
    std::vector<TxView> block_txs;
    for (const SearchHit& hit : page.hits) {
        if (hit.height != loaded_height) {
            block_txs = ctx.node->txs_at_height(hit.height);
            loaded_height = hit.height;
        }
        if (hit.index < block_txs.size()) out.push_back(tx_json(block_txs[hit.index]));
    }
    reply(json::value(json::object{{"txs", std::move(out)}, {"total_count", i64(page.total)}}));
}

void block_search(const Args& a, const CallContext& ctx, Reply& reply) {
    const SearchPage page = run_search(a, ctx, EventScope::block);
    json::array out;
    for (const SearchHit& hit : page.hits)
        if (auto b = ctx.node->block(hit.height)) out.push_back(block_result_json(*b));
    reply(json::value(json::object{{"blocks", std::move(out)}, {"total_count", i64(page.total)}}));
}

void abci_info(const Args&, const CallContext& ctx, Reply& reply) {
    const auto info = ctx.node->abci_info();
    reply(json::value(json::object{
        {"response", json::object{{"data", "seer"},
                                  {"version", info.version},
                                  {"app_version", "0"},
                                  {"last_block_height", i64(info.last_block_height)},
                                  {"last_block_app_hash", b64(info.last_block_app_hash)}}}}));
}

void abci_query(const Args& a, const CallContext& ctx, Reply& reply) {
    consensus::QueryRequest q;
    q.path = a.opt_string("path").value_or("");
    if (q.path.size() > 512) bad("path too long");
    q.data = a.opt_hex("data");
    const auto h = a.opt_int("height").value_or(0);
    if (h < 0) bad("height must be non-negative");
    if (h > ctx.node->latest_height()) {
        bad("height " + std::to_string(h) +
            " must be less than or equal to the current blockchain height " +
            std::to_string(ctx.node->latest_height()));
    }
    q.height = h;
    q.prove = a.opt_bool("prove");
    const auto r = cosmos_query(*ctx.node, q);
    reply(json::value(json::object{
        {"response",
         json::object{{"code", r.code},
                      {"log", r.log},
                      {"info", ""},
                      {"index", "0"},
                      {"key", r.key.empty() ? json::value(nullptr) : json::value(b64(r.key))},
                      {"value", r.value.empty() ? json::value(nullptr) : json::value(b64(r.value))},
                      {"proof_ops", nullptr},
                      {"height", i64(r.height)},
                      {"codespace", r.codespace}}}}));
}

struct Method {
    Handler handler;
    std::vector<std::string> args;
};

const std::map<std::string, Method, std::less<>>& table() {
    static const std::map<std::string, Method, std::less<>> t{
        {"health", {health, {}}},
        {"status", {status, {}}},
        {"net_info", {net_info, {}}},
        {"blockchain", {blockchain, {"minHeight", "maxHeight"}}},
        {"block", {block, {"height"}}},
        {"block_by_hash", {block_by_hash, {"hash"}}},
        {"header", {header, {"height"}}},
        {"header_by_hash", {header_by_hash, {"hash"}}},
        {"block_results", {block_results, {"height"}}},
        {"commit", {commit, {"height"}}},
        {"validators", {validators, {"height", "page", "per_page"}}},
        {"genesis", {genesis, {}}},
        {"consensus_params", {consensus_params, {"height"}}},
        {"unconfirmed_txs", {unconfirmed_txs, {"limit"}}},
        {"num_unconfirmed_txs", {num_unconfirmed_txs, {}}},
        {"broadcast_tx_async", {broadcast_tx_async, {"tx"}}},
        {"broadcast_tx_sync", {broadcast_tx_sync, {"tx"}}},
        {"broadcast_tx_commit", {broadcast_tx_commit, {"tx"}}},
        {"check_tx", {check_tx, {"tx"}}},
        {"tx", {tx, {"hash", "prove"}}},
        {"tx_search", {tx_search, {"query", "prove", "page", "per_page", "order_by"}}},
        {"block_search", {block_search, {"query", "page", "per_page", "order_by"}}},
        {"abci_info", {abci_info, {}}},
        {"abci_query", {abci_query, {"path", "data", "height", "prove"}}},
    };
    return t;
}

}  // namespace

bool is_method(std::string_view name) {
    return table().count(name) != 0;
}

const std::vector<std::string>* method_args(std::string_view name) {
    auto it = table().find(name);
    return it == table().end() ? nullptr : &it->second.args;
}

std::vector<std::string> method_names() {
    std::vector<std::string> out;
    for (const auto& [name, m] : table())
        out.push_back(name);
    return out;
}

void call_method(std::string_view name, const Params& params, const CallContext& ctx, Reply reply) {
    auto it = table().find(name);
    if (it == table().end()) {
        reply(RpcError{k_method_not_found, "method not found"});
        return;
    }
    // `reply` may be consumed by an async method; guard so an error after that is dropped.
    auto replied = std::make_shared<bool>(false);
    Reply once = [replied, reply](Outcome o) {
        if (*replied) return;
        *replied = true;
        reply(std::move(o));
    };
    try {
        Args args(params, ctx);
        it->second.handler(args, ctx, once);
    } catch (const BadArgs& e) {
        once(RpcError{k_invalid_params, e.message});
    } catch (const NotFound& e) {
        once(RpcError{k_internal_error, e.message});
    } catch (const std::exception& e) {
        log()->debug("rpc method {} failed: {}", name, e.what());
        once(RpcError{k_internal_error, e.what()});
    }
}

}  // namespace seer::rpc::detail
