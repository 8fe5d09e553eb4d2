#pragma once
// HTTP serving against nginx from Debian, both loaded by wrk from Debian (make bench).

#include <cstdint>
#include <string>
#include <vector>

#include "report.hpp"

namespace seer::bench {

/// GET `path` from seer's REST server once, has nginx serve exactly those bytes (same
/// Content-Type) from `workdir`, and loads both with `wrk -t threads -c connections`.
/// Rows: nginx req/s (the limit), REST req/s (>= 0.5 x nginx), REST latency (p99 <= 5 ms).
std::vector<Row> rest_vs_nginx(std::uint16_t rest_port, const std::string& path,
                               const std::string& workdir, double seconds, int connections,
                               int threads);
/// wrk on the JSON-RPC server's GET /status (reported).
Row rpc_status_req_per_s(std::uint16_t rpc_port, double seconds, int connections, int threads);

}  // namespace seer::bench
