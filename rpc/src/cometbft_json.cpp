#include "cometbft_json.hpp"

#include "seer/crypto/hash.hpp"

#include "seer/common/base64.hpp"
#include "seer/common/bytes.hpp"
#include "seer/common/time.hpp"

namespace seer::rpc::detail {

namespace {

// CometBFT's protocol versions (p2p 8, block 11) so clients that check them are content.
constexpr const char* k_block_protocol = "11";
constexpr const char* k_p2p_protocol = "8";
// A Go zero time, as CometBFT prints an absent commit signature's timestamp.
constexpr const char* k_zero_time = "0001-01-01T00:00:00Z";

json::string hash_or_empty(const Hash& h) {
    for (auto b : h)
        if (b != 0) return hex_upper(h);
    return "";
}

}  // namespace

json::string i64(std::int64_t v) {
    return json::string(std::to_string(v));
}
json::string hex_upper(ByteView b) {
    return json::string(to_hex(b, true));
}
json::string b64(ByteView b) {
    return json::string(to_base64(b));
}

json::value pub_key_json(const crypto::PublicKey& key) {
    return json::object{{"type", "tendermint/PubKeyEd25519"}, {"value", b64(key)}};
}

json::object block_id_json(const consensus::BlockId& id) {
    // seer has no part sets (the proposal carries the whole block). Clients such as cosmjs
    // require a non-empty part set header, so a block shows as one part whose hash is
    // SHA-256("seer/part-set/v1" || block hash) (docs/adr/0003-rpc-part-set-header.md).
    if (id.is_nil())
        return json::object{{"hash", ""}, {"parts", json::object{{"total", 0}, {"hash", ""}}}};
    crypto::Sha256 h;
    h.update(as_bytes("seer/part-set/v1")).update(id.hash);
    return json::object{{"hash", hex_upper(id.hash)},
                        {"parts", json::object{{"total", 1}, {"hash", hex_upper(h.finish())}}}};
}

json::object header_json(const consensus::Header& h) {
    return json::object{
        {"version", json::object{{"block", k_block_protocol}, {"app", "0"}}},
        {"chain_id", h.chain_id},
        {"height", i64(h.height)},
        {"time", to_rfc3339(h.time)},
        {"last_block_id", block_id_json(h.last_block_id)},
        {"last_commit_hash", hash_or_empty(h.last_commit_hash)},
        {"data_hash", hash_or_empty(h.data_hash)},
        {"validators_hash", hash_or_empty(h.validators_hash)},
        // seer's header has no such fields; CometBFT prints empty hashes as "".
        {"next_validators_hash", ""},
        {"consensus_hash", ""},
        {"app_hash", hash_or_empty(h.app_hash)},
        {"last_results_hash", ""},
        {"evidence_hash", ""},
        {"proposer_address", hex_upper(h.proposer_address)},
    };
}

json::object commit_json(const consensus::ExtendedCommit& c) {
    json::array sigs;
    for (const auto& s : c.signatures) {
        const bool absent = s.flag == consensus::BlockIdFlag::absent;
        sigs.push_back(json::object{
            {"block_id_flag", static_cast<int>(s.flag)},
            {"validator_address", absent ? json::string() : hex_upper(s.validator_address)},
            {"timestamp", k_zero_time},
            {"signature",
             absent || s.signature.empty() ? json::value(nullptr) : json::value(b64(s.signature))},
        });
    }
    return json::object{{"height", i64(c.height)},
                        {"round", c.round},
                        {"block_id", block_id_json(c.block_id)},
                        {"signatures", std::move(sigs)}};
}

json::object block_json(const consensus::Block& b) {
    json::array txs;
    for (const auto& tx : b.txs)
        txs.push_back(b64(tx));
    return json::object{{"header", header_json(b.header)},
                        {"data", json::object{{"txs", std::move(txs)}}},
                        {"evidence", json::object{{"evidence", json::array{}}}},
                        {"last_commit", commit_json(b.last_commit)}};
}

json::array events_json(const std::vector<consensus::Event>& events) {
    json::array out;
    for (const auto& e : events) {
        json::array attrs;
        for (const auto& a : e.attributes) {
            attrs.push_back(json::object{{"key", a.key}, {"value", a.value}, {"index", a.index}});
        }
        out.push_back(json::object{{"type", e.type}, {"attributes", std::move(attrs)}});
    }
    return out;
}

json::object exec_tx_result_json(const consensus::ExecTxResult& r) {
    return json::object{{"code", r.code},
                        {"data", r.data.empty() ? json::value(nullptr) : json::value(b64(r.data))},
                        {"log", r.log},
                        {"info", ""},
                        {"gas_wanted", i64(r.gas_wanted)},
                        {"gas_used", i64(r.gas_used)},
                        {"events", events_json(r.events)},
                        {"codespace", r.codespace}};
}

json::object check_tx_json(const consensus::CheckTxResponse& r) {
    return json::object{{"code", r.code},
                        {"data", nullptr},
                        {"log", r.log},
                        {"info", ""},
                        {"gas_wanted", i64(r.gas_wanted)},
                        {"gas_used", "0"},
                        {"events", json::array{}},
                        {"codespace", r.codespace}};
}

json::object tx_json(const TxView& tx) {
    return json::object{{"hash", hex_upper(tx.hash)},
                        {"height", i64(tx.height)},
                        {"index", tx.index},
                        {"tx_result", exec_tx_result_json(tx.result)},
                        {"tx", b64(tx.tx)}};
}

json::object status_json(const StatusInfo& s) {
    return json::object{
        {"node_info",
         json::object{
             {"protocol_version",
              json::object{{"p2p", k_p2p_protocol}, {"block", k_block_protocol}, {"app", "0"}}},
             {"id", s.node_id},
             {"listen_addr", s.listen_addr},
             {"network", s.network},
             {"version", s.version},
             {"channels", s.channels},
             {"moniker", s.moniker},
             {"other", json::object{{"tx_index", "on"},
                                    {"rpc_address", s.rpc_address},
                                    {"seer_version", s.app_version}}}}},
        {"sync_info", json::object{{"latest_block_hash", hash_or_empty(s.latest_block_hash)},
                                   {"latest_app_hash", hash_or_empty(s.latest_app_hash)},
                                   {"latest_block_height", i64(s.latest_block_height)},
                                   {"latest_block_time", to_rfc3339(s.latest_block_time)},
                                   {"earliest_block_hash", hash_or_empty(s.earliest_block_hash)},
                                   {"earliest_app_hash", hash_or_empty(s.earliest_app_hash)},
                                   {"earliest_block_height", i64(s.earliest_block_height)},
                                   {"earliest_block_time", to_rfc3339(s.earliest_block_time)},
                                   {"catching_up", s.catching_up}}},
        {"validator_info", json::object{{"address", hex_upper(s.validator_address)},
                                        {"pub_key", pub_key_json(s.validator_pub_key)},
                                        {"voting_power", i64(s.voting_power)}}},
    };
}

json::object net_info_json(const NetInfo& n) {
    json::array listeners;
    for (const auto& l : n.listeners)
        listeners.push_back(json::string(l));
    json::array peers;
    for (const auto& p : n.peers) {
        peers.push_back(json::object{
            {"node_info",
             json::object{
                 {"id", p.node_id}, {"listen_addr", p.listen_addr}, {"moniker", p.moniker}}},
            {"is_outbound", p.outbound},
            {"connection_status", json::object{}},
            {"remote_ip", p.remote_ip},
        });
    }
    return json::object{{"listening", n.listening},
                        {"listeners", std::move(listeners)},
                        {"n_peers", i64(static_cast<std::int64_t>(n.peers.size()))},
                        {"peers", std::move(peers)}};
}

json::object block_meta_json(const BlockView& b) {
    return json::object{{"block_id", block_id_json(consensus::BlockId{b.hash})},
                        {"block_size", i64(b.size_bytes)},
                        {"header", header_json(b.block.header)},
                        {"num_txs", i64(static_cast<std::int64_t>(b.block.txs.size()))}};
}

json::object block_result_json(const BlockView& b) {
    return json::object{{"block_id", block_id_json(consensus::BlockId{b.hash})},
                        {"block", block_json(b.block)}};
}

json::object block_results_json(const BlockResultsView& r) {
    json::value txs = nullptr;
    if (!r.txs_results.empty()) {
        json::array a;
        for (const auto& t : r.txs_results)
            a.push_back(exec_tx_result_json(t));
        txs = std::move(a);
    }
    return json::object{{"height", i64(r.height)},
                        {"txs_results", std::move(txs)},
                        {"finalize_block_events", events_json(r.finalize_block_events)},
                        {"validator_updates", json::array{}},
                        {"consensus_param_updates", nullptr},
                        {"app_hash", b64(r.app_hash)}};
}

json::object validator_json(const consensus::Validator& v) {
    return json::object{{"address", hex_upper(v.address)},
                        {"pub_key", pub_key_json(v.pub_key)},
                        {"voting_power", i64(v.voting_power)},
                        {"proposer_priority", i64(v.proposer_priority)}};
}

json::object event_map_json(const std::multimap<std::string, std::string>& attributes) {
    json::object out;
    for (const auto& [k, v] : attributes) {
        auto it = out.find(k);
        if (it == out.end()) it = out.emplace(k, json::array{}).first;
        it->value().as_array().push_back(json::string(v));
    }
    return out;
}

json::object event_data_json(const BusEvent& event) {
    switch (event.kind) {
        case BusEvent::Kind::new_block: {
            json::object value;
            if (event.block) {
                value["block"] = block_json(event.block->block);
                value["block_id"] = block_id_json(consensus::BlockId{event.block->hash});
            }
            json::object fb{{"events", json::array{}},
                            {"tx_results", json::array{}},
                            {"validator_updates", json::array{}},
                            {"consensus_param_updates", nullptr},
                            {"app_hash", ""}};
            if (event.results) {
                fb["events"] = events_json(event.results->finalize_block_events);
                json::array txs;
                for (const auto& t : event.results->txs_results)
                    txs.push_back(exec_tx_result_json(t));
                fb["tx_results"] = std::move(txs);
                fb["app_hash"] = b64(event.results->app_hash);
            }
            value["result_finalize_block"] = std::move(fb);
            return json::object{{"type", "tendermint/event/NewBlock"}, {"value", std::move(value)}};
        }
        case BusEvent::Kind::tx: {
            json::object tx_result;
            if (event.tx) {
                tx_result = json::object{{"height", i64(event.tx->height)},
                                         {"index", event.tx->index},
                                         {"tx", b64(event.tx->tx)},
                                         {"result", exec_tx_result_json(event.tx->result)}};
            }
            return json::object{{"type", "tendermint/event/Tx"},
                                {"value", json::object{{"TxResult", std::move(tx_result)}}}};
        }
        case BusEvent::Kind::new_block_events: {
            json::object value{{"height", "0"}, {"events", json::array{}}, {"num_txs", "0"}};
            if (event.results) {
                value["height"] = i64(event.results->height);
                value["events"] = events_json(event.results->finalize_block_events);
                value["num_txs"] =
                    i64(static_cast<std::int64_t>(event.results->txs_results.size()));
            }
            return json::object{{"type", "tendermint/event/NewBlockEvents"},
                                {"value", std::move(value)}};
        }
    }
    return {};
}

}  // namespace seer::rpc::detail
