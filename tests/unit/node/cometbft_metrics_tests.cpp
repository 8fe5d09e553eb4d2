#include <doctest/doctest.h>

#include <sstream>

#include "../../../node/src/cometbft_metrics.hpp"
#include "seer/common/histogram.hpp"

namespace seer::node::detail {
namespace {

TEST_CASE("histogram: a value on a bound falls in that bucket (le), the rest in +Inf") {
    Histogram h({1, 10});
    for (double v : {0.5, 1.0, 1.5, 10.0, 11.0}) h.observe(v);
    const auto s = h.snapshot();
    REQUIRE(s.buckets.size() == 3);
    CHECK(s.buckets[0] == 2);  // 0.5 and 1
    CHECK(s.buckets[1] == 2);  // 1.5 and 10
    CHECK(s.buckets[2] == 1);  // 11
    CHECK(s.count == 5);
    CHECK(s.sum == doctest::Approx(24.0));
}

TEST_CASE("histogram: CometBFT's bucket layouts") {
    // exprange(0.1, 100, 8) of consensus round and step durations.
    const auto r = Histogram::exponential_range(0.1, 100, 8);
    REQUIRE(r.size() == 8);
    CHECK(r.front() == doctest::Approx(0.1));
    CHECK(r.back() == doctest::Approx(100));
    CHECK(Histogram::exponential(1, 3, 7) == std::vector<double>{1, 3, 9, 27, 81, 243, 729});
    CHECK(Histogram::linear(1, 10, 10).back() == 91);
}

TEST_CASE("metrics text: chain_id first on every sample, escaped; histograms cumulative") {
    std::ostringstream out;
    MetricsText text(out, "my\"chain");
    text.family("consensus_height", "gauge", "Height of the chain.");
    text.sample("consensus_height", 1234567);  // whole numbers print whole
    Histogram h({1});
    h.observe(0.5);
    h.observe(2);
    text.histogram("x_seconds", "X.", h.snapshot(), {{"method", "commit"}});
    const std::string s = out.str();
    CHECK(s.find("# HELP cometbft_consensus_height Height of the chain.\n"
                 "# TYPE cometbft_consensus_height gauge\n"
                 "cometbft_consensus_height{chain_id=\"my\\\"chain\"} 1234567\n") == 0);
    CHECK(s.find("cometbft_x_seconds_bucket{chain_id=\"my\\\"chain\",method=\"commit\",le=\"1\"} 1\n") !=
          std::string::npos);
    CHECK(s.find("cometbft_x_seconds_bucket{chain_id=\"my\\\"chain\",method=\"commit\",le=\"+Inf\"} 2\n") !=
          std::string::npos);
    CHECK(s.find("cometbft_x_seconds_count{chain_id=\"my\\\"chain\",method=\"commit\"} 2\n") !=
          std::string::npos);
}

TEST_CASE("message kinds: by channel, and a consensus message by its oneof tag") {
    const Channels ch{0x20, 0x30, 0x40};
    const auto kind = [&](std::uint8_t channel, std::uint8_t first) {
        const std::uint8_t bytes[] = {first, 0};
        return message_kind(ch, channel, ByteView(bytes, 2));
    };
    CHECK(kind(0x20, 0x0A) != kind(0x20, 0x12));  // proposal, vote
    CHECK(kind(0x20, 0x0A) != kind(0x30, 0x0A));  // a proposal is not a tx batch
    CHECK(kind(0x20, 0xFF) == 0);                 // unknown: "other"
    CHECK(message_kind(ch, 0x20, ByteView{}) == 0);
    CHECK(kind(0x40, 0x01) != kind(0x40, 0x02));  // output request, chunk
}

}  // namespace
}  // namespace seer::node::detail
