#pragma once
// The node's new blocks as they commit, over its JSON-RPC websocket (subscribe to
// tm.event='NewBlock'): what `--wait` follows, so the CLI reacts at each block instead of
// polling, and learns at once when the node goes away (the socket closes). Beast stays in
// follow.cpp.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "seer/common/result.hpp"

namespace seer::cli {

class BlockStream {
public:
    /// Connects to `node_url`'s /websocket (http://host:port, as --node) and subscribes.
    static Result<std::unique_ptr<BlockStream>> open(const std::string& node_url);
    ~BlockStream();
    BlockStream(const BlockStream&) = delete;
    BlockStream& operator=(const BlockStream&) = delete;

    /// The height of the next committed block, or 0 when none came within `timeout`. An error
    /// when the connection closed or failed: the node is gone or refused us.
    Result<std::int64_t> next(std::chrono::milliseconds timeout);

private:
    struct Impl;
    explicit BlockStream(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

}  // namespace seer::cli
