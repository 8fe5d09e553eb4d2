// The gRPC server over a fake NodeApi: forwarding to cosmos_query (path, bytes, height
// metadata both ways), the status mapping, server reflection, and a prompt stop.

#include <doctest/doctest.h>
#include <google/protobuf/descriptor.pb.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "cosmos/auth/v1beta1/auth.grpc.pb.h"
#include "cosmos/bank/v1beta1/bank.grpc.pb.h"
#include "cosmos/tx/v1beta1/service.pb.h"
#include "seer/async/v1/async.grpc.pb.h"
#include "seer/grpc/server.hpp"
#include "unit/grpc/reflection_v1alpha.pb.h"

namespace {

using namespace std::chrono_literals;
using seer::Bytes;
using seer::consensus::QueryRequest;
using seer::consensus::QueryResponse;
namespace bank = cosmos::bank::v1beta1;
namespace refl = seer::test::reflection;

/// A NodeApi whose abci_query gives the test's answer and records every request; the rest is
/// empty (cosmos_query sends every path but the tx service's GetTx/BroadcastTx to abci_query).
class FakeNode final : public seer::rpc::NodeApi {
public:
    std::function<QueryResponse(const QueryRequest&)> answer = [](const QueryRequest&) {
        return QueryResponse{};
    };

    std::vector<QueryRequest> requests() {
        std::lock_guard lock(m_mutex);
        return m_requests;
    }

    seer::rpc::StatusInfo status() override { return {}; }
    seer::rpc::NetInfo net_info() override { return {}; }
    std::int64_t latest_height() override { return 0; }
    std::int64_t base_height() override { return 0; }
    std::optional<seer::rpc::BlockView> block(std::int64_t) override { return std::nullopt; }
    std::optional<seer::rpc::BlockView> block_by_hash(const seer::rpc::Hash&) override {
        return std::nullopt;
    }
    std::optional<seer::consensus::ExtendedCommit> commit(std::int64_t) override {
        return std::nullopt;
    }
    std::optional<seer::rpc::BlockResultsView> block_results(std::int64_t) override {
        return std::nullopt;
    }
    seer::consensus::ValidatorSet validators(std::int64_t) override { return {}; }
    std::string genesis_json() override { return "{}"; }
    seer::rpc::ConsensusParamsView consensus_params() override { return {}; }
    seer::rpc::MempoolView unconfirmed_txs(std::size_t) override { return {}; }
    seer::rpc::BroadcastResult broadcast_tx(Bytes) override { return {}; }
    seer::consensus::CheckTxResponse check_tx(Bytes) override { return {}; }
    std::optional<seer::rpc::TxView> tx(const seer::rpc::Hash&) override { return std::nullopt; }
    std::vector<seer::rpc::TxView> txs_at_height(std::int64_t) override { return {}; }
    std::optional<Bytes> future_output(const seer::rpc::Hash&) override { return std::nullopt; }
    void scan_events(seer::rpc::EventScope, std::string_view, std::string_view,
                     const seer::rpc::EventIndexVisitor&) override {}
    seer::consensus::InfoResponse abci_info() override { return {}; }
    QueryResponse abci_query(const QueryRequest& request) override {
        {
            std::lock_guard lock(m_mutex);
            m_requests.push_back(request);
        }
        return answer(request);
    }
    seer::rpc::SubscriptionId subscribe(std::function<void(const seer::rpc::BusEvent&)>) override {
        return 1;
    }
    void unsubscribe(seer::rpc::SubscriptionId) override {}

private:
    std::mutex m_mutex;
    std::vector<QueryRequest> m_requests;
};

Bytes bytes_of(const google::protobuf::MessageLite& m) {
    const std::string s = m.SerializeAsString();
    return Bytes(s.begin(), s.end());
}

QueryResponse failure(std::uint32_t code, std::string log) {
    QueryResponse r;
    r.code = code;
    r.codespace = "sdk";
    r.log = std::move(log);
    return r;
}

/// A server on an ephemeral loopback port and a channel to it.
struct Fixture {
    FakeNode node;
    std::unique_ptr<seer::grpc::GrpcServer> server;
    std::shared_ptr<::grpc::Channel> channel;

    explicit Fixture(seer::grpc::GrpcOptions options = {}) {
        options.host = "127.0.0.1";
        options.port = 0;
        server = std::make_unique<seer::grpc::GrpcServer>(node, std::move(options));
        const auto started = server->start();
        REQUIRE_MESSAGE(started.ok(), started.error().message);
        REQUIRE(server->port() != 0);
        channel = ::grpc::CreateChannel("127.0.0.1:" + std::to_string(server->port()),
                                        ::grpc::InsecureChannelCredentials());
    }
};

void bounded(::grpc::ClientContext& context) {
    context.set_deadline(std::chrono::system_clock::now() + 10s);
}

/// A unary call by path (cosmos.tx.v1beta1.Service has no generated stub: grpc/src/server.cpp).
template <class Request, class Response>
::grpc::Status unary_call(const std::shared_ptr<::grpc::Channel>& channel, const std::string& path,
                          ::grpc::ClientContext* context, const Request& request,
                          Response* response) {
    ::grpc::TemplatedGenericStub<Request, Response> stub(channel);
    std::promise<::grpc::Status> done;
    stub.UnaryCall(context, path, {}, &request, response,
                   [&done](::grpc::Status s) { done.set_value(std::move(s)); });
    return done.get_future().get();
}

std::optional<std::string> server_metadata(const ::grpc::ClientContext& context,
                                           const std::string& key) {
    const auto& md = context.GetServerInitialMetadata();
    auto it = md.find(key);
    if (it == md.end()) return std::nullopt;
    return std::string(it->second.data(), it->second.size());
}

/// A reflection client (grpcurl's `list` and `describe` ask the same): one ServerReflectionInfo
/// stream that sends `requests` one after another and collects the answers. With `hold_open` it
/// never half-closes, as a client that keeps its stream open.
class ReflectionCall final : public ::grpc::ClientBidiReactor<refl::ServerReflectionRequest,
                                                              refl::ServerReflectionResponse> {
public:
    ReflectionCall(const std::shared_ptr<::grpc::Channel>& channel,
                   std::vector<refl::ServerReflectionRequest> requests, bool hold_open = false)
        : m_requests(std::move(requests)), m_hold_open(hold_open) {
        ::grpc::TemplatedGenericStub<refl::ServerReflectionRequest, refl::ServerReflectionResponse>
            stub(channel);
        stub.PrepareBidiStreamingCall(
            &m_context, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", {}, this);
        StartRead(&m_read);
        if (!m_requests.empty())
            StartWrite(&m_requests[0]);
        else if (!m_hold_open)
            StartWritesDone();
        StartCall();
    }

    ~ReflectionCall() override {
        m_context.TryCancel();
        wait_done(10s);
    }

    void OnWriteDone(bool ok) override {
        if (!ok) return;
        if (++m_sent < m_requests.size())
            StartWrite(&m_requests[m_sent]);
        else if (!m_hold_open)
            StartWritesDone();
    }

    void OnReadDone(bool ok) override {
        if (!ok) return;
        {
            std::lock_guard lock(m_mutex);
            m_responses.push_back(m_read);
        }
        m_cv.notify_all();
        StartRead(&m_read);
    }

    void OnDone(const ::grpc::Status& status) override {
        {
            std::lock_guard lock(m_mutex);
            m_status = status;
        }
        m_cv.notify_all();
    }

    /// The first n responses, once they came (empty on timeout).
    std::vector<refl::ServerReflectionResponse> responses(std::size_t n,
                                                          std::chrono::milliseconds timeout) {
        std::unique_lock lock(m_mutex);
        if (!m_cv.wait_for(lock, timeout, [&] { return m_responses.size() >= n || m_status; }))
            return {};
        return m_responses.size() >= n ? m_responses
                                       : std::vector<refl::ServerReflectionResponse>{};
    }

    std::optional<::grpc::Status> wait_done(std::chrono::milliseconds timeout) {
        std::unique_lock lock(m_mutex);
        m_cv.wait_for(lock, timeout, [&] { return m_status.has_value(); });
        return m_status;
    }

private:
    ::grpc::ClientContext m_context;
    std::vector<refl::ServerReflectionRequest> m_requests;
    bool m_hold_open;
    std::size_t m_sent = 0;
    refl::ServerReflectionResponse m_read;
    std::mutex m_mutex;
    std::condition_variable m_cv;
    std::vector<refl::ServerReflectionResponse> m_responses;
    std::optional<::grpc::Status> m_status;
};

refl::ServerReflectionRequest list_services() {
    refl::ServerReflectionRequest r;
    r.set_list_services("");
    return r;
}

refl::ServerReflectionRequest file_containing(const std::string& symbol) {
    refl::ServerReflectionRequest r;
    r.set_file_containing_symbol(symbol);
    return r;
}

}  // namespace

TEST_CASE("gRPC: Balance reaches cosmos_query and returns the decoded answer") {
    Fixture f;
    bank::QueryBalanceResponse canned;
    canned.mutable_balance()->set_denom("useer");
    canned.mutable_balance()->set_amount("1234");
    f.node.answer = [&](const QueryRequest&) {
        QueryResponse r;
        r.value = bytes_of(canned);
        r.height = 42;
        return r;
    };

    auto stub = bank::Query::NewStub(f.channel);
    bank::QueryBalanceRequest req;
    req.set_address("seer1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq");
    req.set_denom("useer");
    bank::QueryBalanceResponse resp;
    ::grpc::ClientContext context;
    bounded(context);
    context.AddMetadata("x-cosmos-block-height", "17");
    const auto status = stub->Balance(&context, req, &resp);
    REQUIRE_MESSAGE(status.ok(), status.error_message());
    CHECK(resp.balance().denom() == "useer");
    CHECK(resp.balance().amount() == "1234");
    CHECK(server_metadata(context, "x-cosmos-block-height") == "42");

    const auto seen = f.node.requests();
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].path == "/cosmos.bank.v1beta1.Query/Balance");
    CHECK(seen[0].data == bytes_of(req));
    CHECK(seen[0].height == 17);
    CHECK_FALSE(seen[0].prove);

    SUBCASE("without the height metadata the query reads height 0 (the latest)") {
        ::grpc::ClientContext c2;
        bounded(c2);
        bank::QueryBalanceResponse r2;
        REQUIRE(stub->Balance(&c2, req, &r2).ok());
        REQUIRE(f.node.requests().size() == 2);
        CHECK(f.node.requests()[1].height == 0);
    }
    SUBCASE("a height that is not a number >= 0 is INVALID_ARGUMENT, and nothing is queried") {
        for (const char* bad : {"abc", "-1", "12x", ""}) {
            ::grpc::ClientContext c2;
            bounded(c2);
            c2.AddMetadata("x-cosmos-block-height", bad);
            bank::QueryBalanceResponse r2;
            const auto s = stub->Balance(&c2, req, &r2);
            CHECK_MESSAGE(s.error_code() == ::grpc::StatusCode::INVALID_ARGUMENT, bad);
            CHECK(s.error_message().find("x-cosmos-block-height") != std::string::npos);
        }
        CHECK(f.node.requests().size() == 1);
    }
}

TEST_CASE("gRPC: answer codes map to statuses") {
    Fixture f;
    std::uint32_t code = 0;
    f.node.answer = [&](const QueryRequest&) { return failure(code, "the log line"); };
    auto stub = bank::Query::NewStub(f.channel);
    bank::QuerySupplyOfRequest req;
    req.set_denom("nope");
    auto call = [&] {
        ::grpc::ClientContext context;
        bounded(context);
        bank::QuerySupplyOfResponse resp;
        auto s = stub->SupplyOf(&context, req, &resp);
        CHECK_FALSE(server_metadata(context, "x-cosmos-block-height").has_value());
        return s;
    };
    code = 38;  // not found
    auto s = call();
    CHECK(s.error_code() == ::grpc::StatusCode::NOT_FOUND);
    CHECK(s.error_message() == "the log line");
    code = 18;  // invalid request
    CHECK(call().error_code() == ::grpc::StatusCode::INVALID_ARGUMENT);
    code = 5;  // anything else
    s = call();
    CHECK(s.error_code() == ::grpc::StatusCode::UNKNOWN);
    CHECK(s.error_message() == "the log line");

    SUBCASE("an answer that does not parse as the response is INTERNAL") {
        f.node.answer = [](const QueryRequest&) {
            QueryResponse r;
            r.value = {0xff, 0xff, 0xff};
            return r;
        };
        CHECK(call().error_code() == ::grpc::StatusCode::INTERNAL);
    }
}

TEST_CASE("gRPC: every service's methods forward under their own path") {
    std::mutex mutex;
    std::vector<QueryRequest> seen;
    seer::grpc::GrpcOptions options;
    options.query = [&](const QueryRequest& q) {
        std::lock_guard lock(mutex);
        seen.push_back(q);
        return QueryResponse{};
    };
    Fixture f(options);
    auto ctx = [] {
        auto c = std::make_unique<::grpc::ClientContext>();
        bounded(*c);
        return c;
    };
    {
        auto stub = cosmos::auth::v1beta1::Query::NewStub(f.channel);
        cosmos::auth::v1beta1::QueryAccountResponse r;
        CHECK(stub->Account(ctx().get(), {}, &r).ok());
    }
    {
        namespace tx = cosmos::tx::v1beta1;
        tx::GetTxRequest q;
        q.set_hash("AB");
        tx::GetTxResponse r;
        CHECK(unary_call(f.channel, "/cosmos.tx.v1beta1.Service/GetTx", ctx().get(), q, &r).ok());
        tx::BroadcastTxResponse b;
        CHECK(unary_call(f.channel, "/cosmos.tx.v1beta1.Service/BroadcastTx", ctx().get(),
                         tx::BroadcastTxRequest{}, &b)
                  .ok());
        tx::SimulateResponse s;
        CHECK(unary_call(f.channel, "/cosmos.tx.v1beta1.Service/Simulate", ctx().get(),
                         tx::SimulateRequest{}, &s)
                  .ok());
    }
    {
        auto stub = seer::async::v1::Query::NewStub(f.channel);
        seer::async::v1::QueryParamsResponse p;
        CHECK(stub->Params(ctx().get(), {}, &p).ok());
        seer::async::v1::QueryFuturesResponse fs;
        CHECK(stub->PendingFutures(ctx().get(), {}, &fs).ok());
        seer::async::v1::QueryHandlersResponse h;
        CHECK(stub->Handlers(ctx().get(), {}, &h).ok());
    }
    std::lock_guard lock(mutex);
    std::vector<std::string> paths;
    for (const auto& q : seen)
        paths.push_back(q.path);
    CHECK(paths == std::vector<std::string>{
                       "/cosmos.auth.v1beta1.Query/Account", "/cosmos.tx.v1beta1.Service/GetTx",
                       "/cosmos.tx.v1beta1.Service/BroadcastTx",
                       "/cosmos.tx.v1beta1.Service/Simulate", "/seer.async.v1.Query/Params",
                       "/seer.async.v1.Query/PendingFutures", "/seer.async.v1.Query/Handlers"});
    CHECK(f.node.requests().empty());  // the injected query replaced cosmos_query
}

TEST_CASE("gRPC: reflection lists the services and describes them") {
    Fixture f;
    ReflectionCall call(f.channel, {list_services(), file_containing("cosmos.bank.v1beta1.Query"),
                                    file_containing("cosmos.bank.v1beta1.Query.Balance"),
                                    file_containing("no.such.Symbol")});
    const auto responses = call.responses(4, 10s);
    REQUIRE(responses.size() == 4);
    const auto done = call.wait_done(10s);
    REQUIRE(done.has_value());
    CHECK(done->ok());

    REQUIRE(responses[0].has_list_services_response());
    std::set<std::string> services;
    for (const auto& s : responses[0].list_services_response().service())
        services.insert(s.name());
    CHECK(services == std::set<std::string>{"cosmos.auth.v1beta1.Query",
                                            "cosmos.bank.v1beta1.Query",
                                            "cosmos.tx.v1beta1.Service", "seer.async.v1.Query",
                                            "grpc.reflection.v1alpha.ServerReflection"});

    for (int i : {1, 2}) {
        REQUIRE(responses[i].has_file_descriptor_response());
        const auto& files = responses[i].file_descriptor_response().file_descriptor_proto();
        std::map<std::string, google::protobuf::FileDescriptorProto> by_name;
        for (const auto& bytes : files) {
            google::protobuf::FileDescriptorProto fd;
            REQUIRE(fd.ParseFromString(bytes));
            by_name[fd.name()] = fd;
        }
        REQUIRE(by_name.count("cosmos/bank/v1beta1/bank.proto"));
        CHECK(by_name.count("cosmos/base/v1beta1/coin.proto"));  // dependencies come along
        const auto& fd = by_name["cosmos/bank/v1beta1/bank.proto"];
        CHECK(fd.package() == "cosmos.bank.v1beta1");
        REQUIRE(fd.service_size() == 1);
        CHECK(fd.service(0).name() == "Query");
        std::set<std::string> methods;
        for (const auto& m : fd.service(0).method())
            methods.insert(m.name());
        CHECK(methods ==
              std::set<std::string>{"Balance", "AllBalances", "TotalSupply", "SupplyOf"});
    }
    REQUIRE(responses[3].has_error_response());
    CHECK(responses[3].error_response().error_code() ==
          static_cast<int>(::grpc::StatusCode::NOT_FOUND));
}

TEST_CASE("gRPC: stop() returns promptly with a client connected") {
    seer::grpc::GrpcOptions options;
    options.shutdown_grace = 300ms;
    Fixture f(options);
    // A unary call first, so the channel is connected; then a stream the client keeps open.
    {
        auto stub = bank::Query::NewStub(f.channel);
        ::grpc::ClientContext context;
        bounded(context);
        bank::QueryTotalSupplyResponse r;
        REQUIRE(stub->TotalSupply(&context, {}, &r).ok());
    }
    ReflectionCall open(f.channel, {list_services()}, /*hold_open=*/true);
    REQUIRE(open.responses(1, 10s).size() == 1);
    CHECK_FALSE(open.wait_done(50ms).has_value());

    const auto t0 = std::chrono::steady_clock::now();
    f.server->stop();
    const auto took = std::chrono::steady_clock::now() - t0;
    CHECK(took < 3s);
    const auto done = open.wait_done(5s);
    REQUIRE(done.has_value());
    CHECK_FALSE(done->ok());
    f.server->stop();  // idempotent

    // The port is closed: a new call fails fast.
    auto stub = bank::Query::NewStub(f.channel);
    ::grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 2s);
    bank::QueryTotalSupplyResponse r;
    CHECK_FALSE(stub->TotalSupply(&context, {}, &r).ok());
}

TEST_CASE("gRPC: a port in use is an error at start") {
    Fixture f;
    FakeNode node;
    seer::grpc::GrpcOptions options;
    options.host = "127.0.0.1";
    options.port = f.server->port();
    seer::grpc::GrpcServer second(node, options);
    const auto s = second.start();
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().message.find("127.0.0.1:" + std::to_string(f.server->port())) !=
          std::string::npos);
    second.stop();  // nothing to stop
}
