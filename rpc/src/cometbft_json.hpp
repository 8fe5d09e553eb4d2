#pragma once
// CometBFT v0.38 JSON shapes of seer's types (rpc/core/types in CometBFT): int64 as strings,
// hashes and addresses upper-case hex, bytes base64, times RFC 3339 with nanoseconds.

#include <boost/json.hpp>
#include <string>

#include "seer/rpc/node_api.hpp"

namespace seer::rpc::detail {

namespace json = boost::json;

json::string i64(std::int64_t v);
json::string hex_upper(ByteView b);
json::string b64(ByteView b);
json::value pub_key_json(const crypto::PublicKey& key);

json::object block_id_json(const consensus::BlockId& id);
json::object header_json(const consensus::Header& header);
json::object commit_json(const consensus::ExtendedCommit& commit);
json::object block_json(const consensus::Block& block);
json::array events_json(const std::vector<consensus::Event>& events);
json::object exec_tx_result_json(const consensus::ExecTxResult& r);
json::object check_tx_json(const consensus::CheckTxResponse& r);
json::object tx_json(const TxView& tx);  // ResultTx

json::object status_json(const StatusInfo& s);
json::object net_info_json(const NetInfo& n);
json::object block_meta_json(const BlockView& b);
json::object block_result_json(const BlockView& b);  // {block_id, block}
json::object block_results_json(const BlockResultsView& r);
json::object validator_json(const consensus::Validator& v);

/// The "events" map of an event message: composite key → every value.
json::object event_map_json(const std::multimap<std::string, std::string>& attributes);
/// {"type":"tendermint/event/...","value":{...}}
json::object event_data_json(const BusEvent& event);

}  // namespace seer::rpc::detail
