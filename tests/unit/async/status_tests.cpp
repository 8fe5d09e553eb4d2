#include <doctest/doctest.h>

#include "seer/async/status.hpp"

namespace seer::async {
namespace {

TEST_CASE("parse_future_status: one parser for the CLI and REST, names in any case or numbers") {
    for (const char* s : {"verified", "VERIFIED", "Verified", "FUTURE_STATUS_VERIFIED",
                          "future_status_verified", "3"})
        CHECK_MESSAGE(parse_future_status(s) == v1::FUTURE_STATUS_VERIFIED, s);
    CHECK(parse_future_status("timed_out") == v1::FUTURE_STATUS_TIMED_OUT);
    CHECK(parse_future_status("pending") == v1::FUTURE_STATUS_PENDING);
    CHECK(parse_future_status("0") == v1::FUTURE_STATUS_UNSPECIFIED);  // no filter
    for (const char* s : {"", "bogus", "99", "-1", "3x", " 3", "verified ", "FUTURE_STATUS_",
                          "timedout"})
        CHECK_MESSAGE(!parse_future_status(s), s);
    CHECK(!parse_future_status(std::string(100, 'a')));
}

}  // namespace
}  // namespace seer::async
