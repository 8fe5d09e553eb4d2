#pragma once
// The gRPC server (default 127.0.0.1:9090, as a Cosmos SDK node's app.toml [grpc] has it, but
// on loopback like seer's other servers) with server reflection. Services:
// cosmos.auth.v1beta1.Query, cosmos.bank.v1beta1.Query, cosmos.tx.v1beta1.Service and
// seer.async.v1.Query. Every method is answered by rpc::cosmos_query with the method's path
// ("/cosmos.bank.v1beta1.Query/Balance"); docs/rpc.md "gRPC" has the height metadata and the
// error mapping. gRPC's headers stay in grpc/src: this header is all the node sees.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "seer/common/result.hpp"
#include "seer/consensus/application.hpp"
#include "seer/rpc/node_api.hpp"

namespace seer::grpc {

/// Answers one query: a path "/<package>.<Service>/<Method>" and a protobuf request.
using QueryFn = std::function<consensus::QueryResponse(const consensus::QueryRequest&)>;

struct GrpcOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 9090;  // 0 = ephemeral (port() tells which)
    std::size_t max_receive_bytes = 4 << 20;
    std::size_t max_send_bytes = 64 << 20;
    /// Threads gRPC may create for the server (its resource quota), pollers included.
    int max_threads = 8;
    /// stop(): calls still running this long after it was called are cancelled.
    std::chrono::milliseconds shutdown_grace{2000};
    /// Empty = rpc::cosmos_query(node, request). Tests inject a fake.
    QueryFn query;
};

class GrpcServer {
public:
    GrpcServer(rpc::NodeApi& node, GrpcOptions options);
    ~GrpcServer();  // stop()
    GrpcServer(const GrpcServer&) = delete;
    GrpcServer& operator=(const GrpcServer&) = delete;

    /// Binds and starts serving; an error if the address cannot be bound. Once only.
    Status start();
    /// Stops accepting calls, cancels those still running after shutdown_grace and waits for
    /// the server's threads. Idempotent; returns within about shutdown_grace plus the longest
    /// NodeApi call in progress.
    void stop();
    /// The bound port (after start()).
    std::uint16_t port() const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace seer::grpc
