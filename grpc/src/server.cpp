#include "seer/grpc/server.hpp"

#include <grpc/support/log.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/codegen/method_handler.h>
#include <grpcpp/impl/codegen/rpc_service_method.h>
#include <grpcpp/resource_quota.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <exception>
#include <mutex>
#include <string_view>

#include "cosmos/auth/v1beta1/auth.grpc.pb.h"
#include "cosmos/bank/v1beta1/bank.grpc.pb.h"
#include "cosmos/tx/v1beta1/service.pb.h"
#include "seer/async/v1/async.grpc.pb.h"
#include "seer/rpc/cosmos_service.hpp"

// Inside seer::grpc, "grpc::" names this namespace: gRPC's own is always spelled "::grpc::".
namespace seer::grpc {

namespace {

// The SDK's metadata key for the height a query reads (request) and was answered at (response).
constexpr std::string_view k_height_key = "x-cosmos-block-height";
// The SDK's codespace "sdk" codes that have their own gRPC status.
constexpr std::uint32_t k_invalid_request = 18;
constexpr std::uint32_t k_not_found = 38;
constexpr std::uint32_t k_key_not_found = 22;
constexpr std::uint32_t k_invalid_address = 7;
constexpr std::uint32_t k_invalid_coins = 10;

std::shared_ptr<spdlog::logger> log() {
    static std::shared_ptr<spdlog::logger> logger = [] {
        if (auto l = spdlog::get("grpc")) return l;
        auto l = spdlog::default_logger()->clone("grpc");
        spdlog::register_logger(l);
        return l;
    }();
    return logger;
}

/// gRPC core's own messages (bind failures, ...) go to the node's log instead of stderr.
void route_grpc_logs() {
    static std::once_flag once;
    std::call_once(once, [] {
        gpr_set_log_function([](gpr_log_func_args* args) {
            const auto level = args->severity == GPR_LOG_SEVERITY_ERROR  ? spdlog::level::err
                               : args->severity == GPR_LOG_SEVERITY_INFO ? spdlog::level::info
                                                                         : spdlog::level::debug;
            log()->log(level, "{}:{}: {}", args->file, args->line, args->message);
        });
    });
}

Result<std::int64_t> request_height(const ::grpc::ServerContext& context) {
    const auto& md = context.client_metadata();
    const auto it = md.find(::grpc::string_ref(k_height_key.data(), k_height_key.size()));
    if (it == md.end()) return std::int64_t{0};
    const char* begin = it->second.data();
    const char* end = begin + it->second.size();
    std::int64_t height = 0;
    const auto [ptr, ec] = std::from_chars(begin, end, height);
    if (ec != std::errc() || ptr != end || begin == end || height < 0)
        return make_error("bad_height", std::string(k_height_key) +
                                            " must be a height >= 0, got '" +
                                            std::string(begin, end) + "'");
    return height;
}

::grpc::Status status_of(const consensus::QueryResponse& answer) {
    // The SDK's codes (codespace "sdk"), mapped as its gRPC gateway maps them.
    switch (answer.code) {
        case k_not_found:
        case k_key_not_found:
            return {::grpc::StatusCode::NOT_FOUND, answer.log};
        case k_invalid_request:
        case k_invalid_address:
        case k_invalid_coins:
            return {::grpc::StatusCode::INVALID_ARGUMENT, answer.log};
        default:
            return {::grpc::StatusCode::UNKNOWN, answer.log};
    }
}

/// Answers every method: the request goes to the query function under the method's path, and
/// the answer comes back as the response message or a status.
class Forwarder {
public:
    explicit Forwarder(QueryFn query) : m_query(std::move(query)) {}

    template <class Request, class Response>
    ::grpc::Status operator()(::grpc::ServerContext* context, const char* path,
                              const Request& request, Response* response) const {
        auto height = request_height(*context);
        if (!height) return {::grpc::StatusCode::INVALID_ARGUMENT, height.error().message};
        consensus::QueryRequest q;
        q.path = path;
        const std::string data = request.SerializeAsString();
        q.data.assign(data.begin(), data.end());
        q.height = *height;
        consensus::QueryResponse answer;
        try {
            answer = m_query(q);
        } catch (const std::exception& e) {
            log()->error("{}: {}", path, e.what());
            return {::grpc::StatusCode::INTERNAL, "internal error"};
        }
        if (answer.code != 0) return status_of(answer);
        if (!response->ParseFromArray(answer.value.data(), static_cast<int>(answer.value.size()))) {
            log()->error("{}: the answer is not a {}", path, Response::descriptor()->full_name());
            return {::grpc::StatusCode::INTERNAL, "the node's answer does not parse"};
        }
        context->AddInitialMetadata(std::string(k_height_key), std::to_string(answer.height));
        return ::grpc::Status::OK;
    }

private:
    QueryFn m_query;
};

namespace auth = ::cosmos::auth::v1beta1;
namespace bank = ::cosmos::bank::v1beta1;
namespace tx = ::cosmos::tx::v1beta1;
namespace async = ::seer::async::v1;
using Ctx = ::grpc::ServerContext;

class AuthQuery final : public auth::Query::Service {
public:
    explicit AuthQuery(const Forwarder& forward) : m_forward(forward) {}
    ::grpc::Status Account(Ctx* c, const auth::QueryAccountRequest* q,
                           auth::QueryAccountResponse* r) override {
        return m_forward(c, "/cosmos.auth.v1beta1.Query/Account", *q, r);
    }

private:
    const Forwarder& m_forward;
};

class BankQuery final : public bank::Query::Service {
public:
    explicit BankQuery(const Forwarder& forward) : m_forward(forward) {}
    ::grpc::Status Balance(Ctx* c, const bank::QueryBalanceRequest* q,
                           bank::QueryBalanceResponse* r) override {
        return m_forward(c, "/cosmos.bank.v1beta1.Query/Balance", *q, r);
    }
    ::grpc::Status AllBalances(Ctx* c, const bank::QueryAllBalancesRequest* q,
                               bank::QueryAllBalancesResponse* r) override {
        return m_forward(c, "/cosmos.bank.v1beta1.Query/AllBalances", *q, r);
    }
    ::grpc::Status TotalSupply(Ctx* c, const bank::QueryTotalSupplyRequest* q,
                               bank::QueryTotalSupplyResponse* r) override {
        return m_forward(c, "/cosmos.bank.v1beta1.Query/TotalSupply", *q, r);
    }
    ::grpc::Status SupplyOf(Ctx* c, const bank::QuerySupplyOfRequest* q,
                            bank::QuerySupplyOfResponse* r) override {
        return m_forward(c, "/cosmos.bank.v1beta1.Query/SupplyOf", *q, r);
    }

private:
    const Forwarder& m_forward;
};

/// cosmos.tx.v1beta1.Service, registered by hand: grpc_cpp_plugin's code for a service named
/// "Service" does not compile (grpc/grpc#29617). This is what that code would do.
class TxService final : public ::grpc::Service {
public:
    explicit TxService(const Forwarder& forward) : m_forward(forward) {
        add<tx::SimulateRequest, tx::SimulateResponse>("/cosmos.tx.v1beta1.Service/Simulate");
        add<tx::GetTxRequest, tx::GetTxResponse>("/cosmos.tx.v1beta1.Service/GetTx");
        add<tx::BroadcastTxRequest, tx::BroadcastTxResponse>(
            "/cosmos.tx.v1beta1.Service/BroadcastTx");
    }

private:
    template <class Request, class Response>
    void add(const char* path) {  // path: a literal (gRPC keeps the pointer)
        using Handler = ::grpc::internal::RpcMethodHandler<TxService, Request, Response,
                                                           ::grpc::protobuf::MessageLite,
                                                           ::grpc::protobuf::MessageLite>;
        AddMethod(new ::grpc::internal::RpcServiceMethod(
            path, ::grpc::internal::RpcMethod::NORMAL_RPC,
            new Handler([path](TxService* self, Ctx* c, const Request* q,
                               Response* r) { return self->m_forward(c, path, *q, r); },
                        this)));
    }

    const Forwarder& m_forward;
};

class AsyncQuery final : public async::Query::Service {
public:
    explicit AsyncQuery(const Forwarder& forward) : m_forward(forward) {}
    ::grpc::Status Future(Ctx* c, const async::QueryFutureRequest* q,
                          async::QueryFutureResponse* r) override {
        return m_forward(c, "/seer.async.v1.Query/Future", *q, r);
    }
    ::grpc::Status Futures(Ctx* c, const async::QueryFuturesRequest* q,
                           async::QueryFuturesResponse* r) override {
        return m_forward(c, "/seer.async.v1.Query/Futures", *q, r);
    }
    ::grpc::Status PendingFutures(Ctx* c, const async::QueryPendingFuturesRequest* q,
                                  async::QueryFuturesResponse* r) override {
        return m_forward(c, "/seer.async.v1.Query/PendingFutures", *q, r);
    }
    ::grpc::Status Params(Ctx* c, const async::QueryParamsRequest* q,
                          async::QueryParamsResponse* r) override {
        return m_forward(c, "/seer.async.v1.Query/Params", *q, r);
    }
    ::grpc::Status Handlers(Ctx* c, const async::QueryHandlersRequest* q,
                            async::QueryHandlersResponse* r) override {
        return m_forward(c, "/seer.async.v1.Query/Handlers", *q, r);
    }

private:
    const Forwarder& m_forward;
};

QueryFn default_query(rpc::NodeApi& node) {
    return [&node](const consensus::QueryRequest& q) { return rpc::cosmos_query(node, q); };
}

}  // namespace

struct GrpcServer::Impl {
    Impl(rpc::NodeApi& node, GrpcOptions o)
        : options(std::move(o)),
          forward(options.query ? options.query : default_query(node)),
          auth_query(forward),
          bank_query(forward),
          tx_service(forward),
          async_query(forward) {}

    GrpcOptions options;
    Forwarder forward;
    AuthQuery auth_query;
    BankQuery bank_query;
    TxService tx_service;
    AsyncQuery async_query;
    std::mutex mutex;  // start/stop
    std::unique_ptr<::grpc::Server> server;
    int port = 0;
    bool started = false;
};

GrpcServer::GrpcServer(rpc::NodeApi& node, GrpcOptions options)
    : m_impl(std::make_unique<Impl>(node, std::move(options))) {}

GrpcServer::~GrpcServer() {
    stop();
}

Status GrpcServer::start() {
    std::lock_guard lock(m_impl->mutex);
    if (m_impl->started) return make_error("started", "grpc: the server was started already");
    m_impl->started = true;
    route_grpc_logs();
    const auto& o = m_impl->options;
    const std::string address = o.host + ":" + std::to_string(o.port);

    ::grpc::reflection::InitProtoReflectionServerBuilderPlugin();  // once per process
    ::grpc::ServerBuilder builder;
    builder.AddListeningPort(address, ::grpc::InsecureServerCredentials(), &m_impl->port);
    // gRPC sets SO_REUSEPORT by default: a second node on the same port would then share it
    // instead of failing to start.
    builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
    builder.SetMaxReceiveMessageSize(static_cast<int>(o.max_receive_bytes));
    builder.SetMaxSendMessageSize(static_cast<int>(o.max_send_bytes));
    ::grpc::ResourceQuota quota("seer-grpc");
    quota.SetMaxThreads(o.max_threads);
    builder.SetResourceQuota(quota);
    builder.SetSyncServerOption(::grpc::ServerBuilder::SyncServerOption::NUM_CQS, 1);
    builder.SetSyncServerOption(::grpc::ServerBuilder::SyncServerOption::MIN_POLLERS, 1);
    builder.SetSyncServerOption(::grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, 2);
    builder.RegisterService(&m_impl->auth_query);
    builder.RegisterService(&m_impl->bank_query);
    builder.RegisterService(&m_impl->tx_service);
    builder.RegisterService(&m_impl->async_query);
    m_impl->server = builder.BuildAndStart();
    if (!m_impl->server || m_impl->port == 0) {
        m_impl->server.reset();
        return make_error("listen", "grpc: cannot listen on " + address);
    }
    log()->info("grpc server listening on {}:{}", o.host, m_impl->port);
    return {};
}

void GrpcServer::stop() {
    std::lock_guard lock(m_impl->mutex);
    if (!m_impl->server) return;
    m_impl->server->Shutdown(std::chrono::system_clock::now() + m_impl->options.shutdown_grace);
    m_impl->server->Wait();
    m_impl->server.reset();
}

std::uint16_t GrpcServer::port() const {
    return static_cast<std::uint16_t>(m_impl->port);
}

}  // namespace seer::grpc
