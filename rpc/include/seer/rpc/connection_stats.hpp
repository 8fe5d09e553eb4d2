#pragma once
// Connection counts of one HTTP server (RPC, REST or metrics), for /metrics and tests.

#include <cstddef>
#include <cstdint>

namespace seer::rpc {

struct ConnectionStats {
    std::size_t http = 0;       // open HTTP connections, reserved ones included
    std::size_t reserved = 0;   // of which on reserved slots (beyond a limit, priority paths)
    std::size_t websocket = 0;  // open websocket connections
    std::uint64_t evicted_idle = 0;           // idle keep-alive connections closed to make room
    std::uint64_t refused = 0;                // refused at a limit (a 503, then closed)
    std::uint64_t websocket_idle_closed = 0;  // closed: no subscription and no message
};

}  // namespace seer::rpc
