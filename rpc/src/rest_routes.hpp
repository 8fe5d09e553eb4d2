#pragma once
// The REST server's routes without the server (internal header, like http_core.hpp: Beast stays
// out of the public ones): one parsed request in, its answer out. RestServer serves the same
// routes; the REST fuzzer (tests/fuzz/fuzz_rest.cpp) calls them directly.

#include <memory>
#include <string>

#include "http_core.hpp"
#include "seer/rpc/node_api.hpp"

namespace seer::rpc::detail {

struct RestAnswer {
    http::status status = http::status::ok;
    std::string body;
    std::string content_type = "application/json";
    std::string etag;  // set: the response carries it as its ETag (the output route)
};

class RestRoutes {
public:
    explicit RestRoutes(NodeApi& node);
    ~RestRoutes();
    RestRoutes(const RestRoutes&) = delete;
    RestRoutes& operator=(const RestRoutes&) = delete;

    RestAnswer handle(const Request& request);

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace seer::rpc::detail
