#pragma once
// The gRPC-style query surface shared by the RPC's abci_query, the REST server and the gRPC
// server: a path "/<package>.<Service>/<Method>" with a protobuf request gets a protobuf answer.
// The tx service's GetTx and BroadcastTx are answered by the node (its tx index and mempool);
// every other path goes to the application's query router (abci_query).

#include "seer/consensus/application.hpp"
#include "seer/rpc/node_api.hpp"

namespace seer::rpc {

consensus::QueryResponse cosmos_query(NodeApi& node, const consensus::QueryRequest& request);

}  // namespace seer::rpc
