// GET /seer/node/v1/{endpoints,validators,prophet,peers}: the dashboard's data that the Cosmos
// routes lack, as JSON (heights and powers as strings, as the gateway prints int64; small
// counters as numbers).

#include "node_views.hpp"

#include <algorithm>
#include <boost/json.hpp>

#include "cometbft_json.hpp"
#include "seer/common/time.hpp"

namespace seer::rpc::detail {

namespace {

/// The upper bound of the bucket holding the q-quantile of a non-cumulative histogram, or null
/// when it lies above every bound (or there is nothing counted).
json::value quantile_ms(const ProphetHandlerView& h, const std::vector<double>& bounds, double q) {
    if (h.latency_count == 0) return nullptr;
    const auto rank = static_cast<std::uint64_t>(q * static_cast<double>(h.latency_count) + 0.5);
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < h.latency_buckets.size(); ++i) {
        seen += h.latency_buckets[i];
        if (seen >= std::max<std::uint64_t>(rank, 1))
            return i < bounds.size() ? json::value(bounds[i]) : json::value(nullptr);
    }
    return nullptr;
}

}  // namespace

void NodeViews::set_rest_address(std::string address) {
    std::lock_guard lock(m_mutex);
    m_rest_address = std::move(address);
}

std::optional<std::string> NodeViews::answer(std::string_view what) {
    if (what == "endpoints") return endpoints();
    if (what == "validators") return validators();
    if (what == "prophet") return prophet();
    if (what == "peers") return peers();
    return std::nullopt;
}

std::string NodeViews::endpoints() {
    const auto st = m_node.status();
    std::string rest;
    {
        std::lock_guard lock(m_mutex);
        rest = m_rest_address;
    }
    // The page is served by REST but the websocket lives on the RPC listener: this is how the
    // page learns where to connect (docs/dashboard.md).
    return json::serialize(json::object{
        {"node_id", st.node_id},
        {"moniker", st.moniker},
        {"network", st.network},
        {"version", st.app_version},
        {"rpc", json::object{{"listen_addr", st.rpc_address}, {"websocket_path", "/websocket"}}},
        {"rest", json::object{{"listen_addr", rest}}}});
}

std::string NodeViews::validators() {
    const std::int64_t latest = m_node.latest_height();
    const std::int64_t from =
        std::max<std::int64_t>({m_node.base_height(), latest - k_validator_window_blocks + 1, 1});
    const auto set = m_node.validators(std::max<std::int64_t>(latest, 1));

    std::lock_guard lock(m_mutex);
    m_heights.erase(m_heights.begin(), m_heights.lower_bound(from));
    for (std::int64_t h = from; h <= latest; ++h) {
        if (m_heights.contains(h)) continue;
        auto block = m_node.block(h);
        auto commit = m_node.commit(h);
        if (!block || !commit) continue;  // not stored (yet): tried again at the next request
        HeightInfo info;
        info.proposer = block->block.header.proposer_address;
        info.time = block->block.header.time;
        // As the SDK's x/slashing: a nil precommit still counts as signed; only absent misses.
        for (const auto& s : commit->signatures)
            if (s.flag == consensus::BlockIdFlag::absent) info.absent.push_back(s.validator_address);
        // An absent entry may carry no address: then it is the validator at that index.
        for (std::size_t i = 0; i < commit->signatures.size() && i < set.size(); ++i)
            if (commit->signatures[i].flag == consensus::BlockIdFlag::absent &&
                commit->signatures[i].validator_address == consensus::Address{})
                info.absent.push_back(set.at(i).address);
        m_heights.emplace(h, std::move(info));
    }

    const auto counted = static_cast<std::int64_t>(m_heights.size());
    json::array vals;
    std::int64_t total_power = 0;
    for (std::size_t i = 0; i < set.size(); ++i) {
        const auto& v = set.at(i);
        total_power += v.voting_power;
        std::int64_t missed = 0, proposed = 0;
        for (const auto& [h, info] : m_heights) {
            missed += std::count(info.absent.begin(), info.absent.end(), v.address);
            proposed += info.proposer == v.address ? 1 : 0;
        }
        vals.push_back(json::object{{"address", hex_upper(v.address)},
                                    {"pub_key", pub_key_json(v.pub_key)},
                                    {"voting_power", i64(v.voting_power)},
                                    {"proposer_priority", i64(v.proposer_priority)},
                                    {"signed", counted - missed},
                                    {"missed", missed},
                                    {"proposed", proposed}});
    }
    json::object window{{"from_height", i64(m_heights.empty() ? 0 : m_heights.begin()->first)},
                        {"to_height", i64(m_heights.empty() ? 0 : m_heights.rbegin()->first)},
                        {"blocks", counted},
                        {"max_blocks", k_validator_window_blocks}};
    // The mean block interval over the window, from the first and last block times.
    if (counted >= 2) {
        const auto span_ns = m_heights.rbegin()->second.time - m_heights.begin()->second.time;
        window["avg_block_interval_ms"] =
            static_cast<double>(span_ns) / 1e6 / static_cast<double>(counted - 1);
    } else {
        window["avg_block_interval_ms"] = nullptr;
    }
    json::value proposer = nullptr;
    json::value latest_time = nullptr;
    if (!m_heights.empty() && m_heights.rbegin()->first == latest) {
        proposer = hex_upper(m_heights.rbegin()->second.proposer);
        latest_time = json::string(to_rfc3339(m_heights.rbegin()->second.time));
    }
    return json::serialize(json::object{{"height", i64(latest)},
                                        {"time", std::move(latest_time)},
                                        {"proposer", std::move(proposer)},
                                        {"total_voting_power", i64(total_power)},
                                        {"window", std::move(window)},
                                        {"validators", std::move(vals)}});
}

std::string NodeViews::prophet() {
    const auto p = m_node.prophet_status();
    if (!p) return json::serialize(json::object{{"enabled", false}});
    json::array bounds;
    for (double b : p->latency_bounds_ms)
        bounds.push_back(b);
    json::array handlers;
    for (const auto& h : p->handlers) {
        json::array buckets;
        for (auto c : h.latency_buckets)
            buckets.push_back(c);
        handlers.push_back(json::object{
            {"name", h.name},
            {"external", h.external},
            {"concurrency", h.concurrency},
            {"running", h.running},
            {"queued", h.queued},
            {"executed", h.executed},
            {"failed", h.failed},
            {"verified", h.verified},
            {"rejected", h.rejected},
            {"abstained", h.abstained},
            {"latency_count", h.latency_count},
            {"latency_mean_ms",
             h.latency_count == 0
                 ? json::value(nullptr)
                 : json::value(h.latency_sum_ms / static_cast<double>(h.latency_count))},
            {"latency_p50_ms", quantile_ms(h, p->latency_bounds_ms, 0.5)},
            {"latency_p95_ms", quantile_ms(h, p->latency_bounds_ms, 0.95)},
            {"latency_buckets", std::move(buckets)}});
    }
    return json::serialize(json::object{
        {"enabled", true},
        {"queue_capacity", p->queue_capacity},
        {"execution_queue_depth", p->execution_queue_depth},
        {"verification_queue_depth", p->verification_queue_depth},
        {"running", p->running},
        {"dropped",
         json::object{{"queue_full", p->dropped_queue_full},
                      {"store_full", p->dropped_store_full},
                      {"expired", p->expired}}},
        {"latency_bounds_ms", std::move(bounds)},
        {"handlers", std::move(handlers)}});
}

std::string NodeViews::peers() {
    const auto n = m_node.net_info();
    json::array peers;
    for (const auto& p : n.peers)
        peers.push_back(json::object{{"node_id", p.node_id},
                                     {"moniker", p.moniker},
                                     {"listen_addr", p.listen_addr},
                                     {"remote_ip", p.remote_ip},
                                     {"outbound", p.outbound}});
    json::array listeners;
    for (const auto& l : n.listeners)
        listeners.push_back(json::string(l));
    return json::serialize(json::object{{"listening", n.listening},
                                        {"listeners", std::move(listeners)},
                                        {"n_peers", i64(static_cast<std::int64_t>(n.peers.size()))},
                                        {"peers", std::move(peers)}});
}

}  // namespace seer::rpc::detail
