#include "seer/rpc/cosmos_service.hpp"

#include "cosmos/tx/v1beta1/service.pb.h"
#include "seer/common/bytes.hpp"
#include "seer/consensus/codec.hpp"

namespace seer::rpc {

namespace {

constexpr std::uint32_t k_invalid_request = 18;
constexpr std::uint32_t k_not_found = 38;

consensus::QueryResponse fail(std::uint32_t code, std::string log) {
    consensus::QueryResponse r;
    r.code = code;
    r.codespace = "sdk";
    r.log = std::move(log);
    return r;
}

template <class M>
bool parse(M& m, ByteView b) {
    consensus::route_protobuf_logs();
    return m.ParseFromArray(b.data(), static_cast<int>(b.size()));
}

consensus::QueryResponse answer(const google::protobuf::MessageLite& m, std::int64_t height) {
    consensus::QueryResponse r;
    const std::string bytes = m.SerializeAsString();
    r.value = Bytes(bytes.begin(), bytes.end());
    r.height = height;
    return r;
}

void fill_response(const TxView& t, cosmos::base::abci::v1beta1::TxResponse& out) {
    out.set_height(t.height);
    out.set_txhash(to_hex(t.hash, true));
    out.set_codespace(t.result.codespace);
    out.set_code(t.result.code);
    out.set_data(to_hex(t.result.data, true));
    out.set_raw_log(t.result.log);
    out.set_gas_wanted(t.result.gas_wanted);
    out.set_gas_used(t.result.gas_used);
    out.mutable_tx()->set_type_url("/cosmos.tx.v1beta1.Tx");
    out.mutable_tx()->set_value(std::string(t.tx.begin(), t.tx.end()));
    for (const auto& e : t.result.events) {
        auto* ev = out.add_events();
        ev->set_type(e.type);
        for (const auto& a : e.attributes) {
            auto* at = ev->add_attributes();
            at->set_key(a.key);
            at->set_value(a.value);
            at->set_index(a.index);
        }
    }
}

}  // namespace

consensus::QueryResponse cosmos_query(NodeApi& node, const consensus::QueryRequest& request) {
    if (request.path == "/cosmos.tx.v1beta1.Service/GetTx") {
        cosmos::tx::v1beta1::GetTxRequest req;
        if (!parse(req, request.data)) return fail(k_invalid_request, "data is not a GetTxRequest");
        auto hash = from_hex(req.hash());
        if (!hash || hash->size() != 32)
            return fail(k_invalid_request, "hash must be 64 hex digits: invalid request");
        auto t = node.tx(*to_array<32>(*hash));
        if (!t) return fail(k_not_found, "tx not found: " + req.hash() + ": not found");
        cosmos::tx::v1beta1::GetTxResponse resp;
        if (!parse(*resp.mutable_tx(), t->tx)) resp.clear_tx();
        fill_response(*t, *resp.mutable_tx_response());
        return answer(resp, node.latest_height());
    }
    if (request.path == "/cosmos.tx.v1beta1.Service/BroadcastTx") {
        cosmos::tx::v1beta1::BroadcastTxRequest req;
        if (!parse(req, request.data))
            return fail(k_invalid_request, "data is not a BroadcastTxRequest");
        if (req.tx_bytes().empty()) return fail(k_invalid_request, "invalid empty tx");
        auto r = node.broadcast_tx(Bytes(req.tx_bytes().begin(), req.tx_bytes().end()));
        cosmos::tx::v1beta1::BroadcastTxResponse resp;
        auto* out = resp.mutable_tx_response();
        out->set_txhash(to_hex(r.hash, true));
        switch (r.outcome) {
            case BroadcastOutcome::added:
            case BroadcastOutcome::rejected:
                out->set_code(r.check.code);
                out->set_codespace(r.check.codespace);
                out->set_raw_log(r.check.log);
                out->set_gas_wanted(r.check.gas_wanted);
                break;
            case BroadcastOutcome::duplicate:
                out->set_code(19);
                out->set_codespace("sdk");
                out->set_raw_log("tx already exists in cache");
                break;
            case BroadcastOutcome::full:
                out->set_code(20);
                out->set_codespace("sdk");
                out->set_raw_log("mempool is full");
                break;
            case BroadcastOutcome::too_large:
                out->set_code(21);
                out->set_codespace("sdk");
                out->set_raw_log("tx too large");
                break;
        }
        return answer(resp, node.latest_height());
    }
    return node.abci_query(request);
}

}  // namespace seer::rpc
