#pragma once
// The JSON-RPC call context fuzz_jsonrpc and seer_fuzz_rpc_smoke run requests in: the
// FuzzNodeApi, an io_context run to completion after each body (broadcast_tx_commit waits on
// the connection's strand), and server options with a zero commit timeout.

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "fuzz_node_api.hpp"
#include "jsonrpc.hpp"

namespace seer::fuzz {

struct JsonRpcFixture {
    FuzzNodeApi node;
    rpc::detail::asio::io_context io;
    rpc::ServerOptions options;
    rpc::detail::CallContext ctx;

    JsonRpcFixture() {
        options.broadcast_commit_timeout = std::chrono::milliseconds(0);
        options.max_batch_requests = 20;
        ctx.node = &node;
        ctx.options = &options;
        ctx.hub = std::make_shared<rpc::detail::Hub>();
        ctx.strand = rpc::detail::asio::make_strand(io);
        ctx.commit_waits = std::make_shared<std::atomic<std::size_t>>(0);
    }

    struct Answer {
        int calls = 0;  // times the answer came
        std::string body;
    };

    /// handle_jsonrpc_text on `body`, then the io_context until nothing is left to run.
    Answer call(std::string_view body) {
        Answer a;
        rpc::detail::handle_jsonrpc_text(body, ctx, [&a](std::string s) {
            ++a.calls;
            a.body = std::move(s);
        });
        io.restart();
        io.run();
        return a;
    }
};

}  // namespace seer::fuzz
