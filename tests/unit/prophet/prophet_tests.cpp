#include <doctest/doctest.h>

#include "seer/prophet/prophet.hpp"
#include "support.hpp"

using namespace seer;
using namespace seer::prophet;
using test::eventually;

namespace {

std::unique_ptr<Prophet> start(Options options) {
    auto p = make_prophet(std::move(options));
    INFO((p ? "" : p.error().message));
    REQUIRE(p.ok());
    return std::move(p).value();
}

ExecRequest exec(std::uint64_t id, std::string handler, std::string_view input) {
    return ExecRequest{id, std::move(handler), to_bytes(input)};
}

VerifyRequest claim(std::uint64_t id, std::string handler, std::string_view input,
                    Outcome claimed) {
    return VerifyRequest{id, std::move(handler), to_bytes(input), std::move(claimed)};
}

}  // namespace

TEST_CASE("prophet: executes built-in handlers and keeps results until forget") {
    Options options;
    options.workers = 2;
    auto p = start(options);
    CHECK(p->handlers() == std::vector<std::string>{"echo", "hashchain", "math"});
    CHECK(p->handler_enabled("math"));
    CHECK_FALSE(p->handler_enabled("http"));

    CHECK(p->offer_execution(exec(1, "math", "2+4")) == Offer::accepted);
    CHECK(p->offer_execution(exec(2, "echo", "hi")) == Offer::accepted);
    CHECK(p->offer_execution(exec(3, "math", "1/0")) == Offer::accepted);
    REQUIRE(eventually([&] { return p->result(1) && p->result(2) && p->result(3); }));
    CHECK(p->result(1)->ok);
    CHECK(seer::to_string(p->result(1)->output) == "6");
    CHECK(seer::to_string(p->result(2)->output) == "hi");
    CHECK_FALSE(p->result(3)->ok);
    CHECK(p->result(3)->reason == "division_by_zero");

    // Reading does not consume.
    CHECK(p->result(1).has_value());
    CHECK(p->result(1).has_value());
    CHECK(p->metrics().results_stored == 3);

    p->forget(1);
    CHECK_FALSE(p->result(1).has_value());
    CHECK(p->result(2).has_value());
    CHECK(p->metrics().results_stored == 2);

    const Metrics m = p->metrics();
    CHECK(m.executed == 3);
    CHECK(m.failed == 1);
    bool found = false;
    for (const auto& h : m.handlers) {
        if (h.name != "math") continue;
        found = true;
        CHECK(h.executed == 2);
        CHECK(h.failed == 1);
        CHECK(h.latency_count == 2);
        std::uint64_t in_buckets = 0;
        for (auto b : h.latency_buckets)
            in_buckets += b;
        CHECK(in_buckets == 2);
    }
    CHECK(found);
}

TEST_CASE("prophet: unknown or disabled handler is refused") {
    auto p = start(Options{});
    CHECK(p->offer_execution(exec(1, "http", "http://x/")) == Offer::handler_disabled);
    CHECK(p->offer_execution(exec(2, "nope", "")) == Offer::handler_disabled);
    CHECK(p->metrics().disabled == 2);
    CHECK_FALSE(p->result(1).has_value());
}

TEST_CASE("prophet: bad options are errors") {
    Options unknown;
    unknown.enabled = {"echo", "teleport"};
    CHECK_FALSE(make_prophet(unknown).ok());
    Options twice;
    twice.enabled = {"echo", "echo"};
    CHECK_FALSE(make_prophet(twice).ok());
    Options zero;
    zero.queue_capacity = 0;
    CHECK_FALSE(make_prophet(zero).ok());
    Options bad_timeout;
    bad_timeout.timeouts["nope"] = std::chrono::milliseconds(5);
    CHECK_FALSE(make_prophet(bad_timeout).ok());
    Options bad_origin;
    bad_origin.enabled = {"http"};
    bad_origin.http.allowlist = {"ftp://example.com"};
    CHECK_FALSE(make_prophet(bad_origin).ok());
    Options bad_exec;
    bad_exec.exec = {ExecProgram{"x", {"relative/path"}, {}, {}, std::chrono::seconds(1), 100}};
    CHECK_FALSE(make_prophet(bad_exec).ok());
}

TEST_CASE("prophet: bounded queue drops and counts, in-flight work is not queued twice") {
    auto gate = std::make_shared<test::GateHandler>();
    Options options;
    options.workers = 1;
    options.queue_capacity = 2;
    options.extra_handlers = {gate};
    auto p = start(options);

    CHECK(p->offer_execution(exec(1, "gate", "a")) == Offer::accepted);
    REQUIRE(eventually([&] { return p->metrics().running == 1; }));       // the worker holds #1
    CHECK(p->offer_execution(exec(1, "gate", "a")) == Offer::duplicate);  // running
    CHECK(p->offer_execution(exec(2, "gate", "b")) == Offer::accepted);
    CHECK(p->offer_execution(exec(2, "gate", "b")) == Offer::duplicate);  // queued
    CHECK(p->offer_execution(exec(3, "gate", "c")) == Offer::accepted);
    CHECK(p->offer_execution(exec(4, "gate", "d")) == Offer::queue_full);
    Metrics m = p->metrics();
    CHECK(m.execution_queue_depth == 2);
    CHECK(m.dropped_queue_full == 1);
    CHECK(m.duplicates == 2);

    gate->open = true;
    REQUIRE(eventually([&] { return p->result(1) && p->result(2) && p->result(3); }));
    CHECK_FALSE(p->result(4).has_value());
    CHECK(gate->executions == 3);
    // Done work is not redone; a dropped one can be offered again.
    CHECK(p->offer_execution(exec(1, "gate", "a")) == Offer::duplicate);
    CHECK(p->offer_execution(exec(4, "gate", "d")) == Offer::accepted);
    REQUIRE(eventually([&] { return p->result(4).has_value(); }));
    CHECK(gate->executions == 4);
    CHECK(p->metrics().execution_queue_depth == 0);

    // After forget, the same future may be executed again.
    p->forget(1);
    CHECK(p->offer_execution(exec(1, "gate", "a")) == Offer::accepted);
    REQUIRE(eventually([&] { return p->result(1).has_value(); }));
    CHECK(gate->executions == 5);
}

TEST_CASE("prophet: store bound refuses new futures") {
    Options options;
    options.workers = 1;
    options.max_entries = 2;
    auto p = start(options);
    CHECK(p->offer_execution(exec(1, "echo", "a")) == Offer::accepted);
    CHECK(p->offer_execution(exec(2, "echo", "b")) == Offer::accepted);
    CHECK(p->offer_execution(exec(3, "echo", "c")) == Offer::store_full);
    CHECK(p->metrics().dropped_store_full == 1);
    REQUIRE(eventually([&] { return p->result(2).has_value(); }));
    p->forget(1);
    CHECK(p->offer_execution(exec(3, "echo", "c")) == Offer::accepted);
}

TEST_CASE("prophet: verification reuses this node's own execution") {
    auto gate = std::make_shared<test::GateHandler>();
    gate->open = true;
    Options options;
    options.workers = 2;
    options.extra_handlers = {gate};
    auto p = start(options);

    CHECK(p->offer_execution(exec(7, "gate", "x")) == Offer::accepted);
    REQUIRE(eventually([&] { return p->result(7).has_value(); }));
    CHECK(gate->executions == 1);
    CHECK(p->offer_verification(claim(7, "gate", "x", Outcome::success(to_bytes("x")))) ==
          Offer::accepted);
    REQUIRE(eventually([&] { return p->vote(7).has_value(); }));
    CHECK(*p->vote(7) == Verdict::verified);
    CHECK(gate->executions == 1);  // no second run
    CHECK(p->offer_verification(claim(7, "gate", "x", Outcome::success(to_bytes("x")))) ==
          Offer::duplicate);

    // A different claim replaces the vote: the wrong output is rejected.
    CHECK(p->offer_verification(claim(7, "gate", "x", Outcome::success(to_bytes("y")))) ==
          Offer::accepted);
    REQUIRE(eventually([&] { return p->vote(7) == Verdict::rejected; }));
    CHECK(gate->executions == 1);
    CHECK(p->result(7).has_value());  // kept: votes and results are independent reads
    const Metrics m = p->metrics();
    CHECK(m.verified == 1);
    CHECK(m.rejected == 1);
    CHECK(m.votes_stored == 1);
}

TEST_CASE("prophet: a verification waits for an execution in flight instead of running twice") {
    auto gate = std::make_shared<test::GateHandler>();
    Options options;
    options.workers = 2;
    options.extra_handlers = {gate};
    auto p = start(options);
    CHECK(p->offer_execution(exec(9, "gate", "z")) == Offer::accepted);
    REQUIRE(eventually([&] { return p->metrics().running == 1; }));
    CHECK(p->offer_verification(claim(9, "gate", "z", Outcome::success(to_bytes("z")))) ==
          Offer::accepted);
    CHECK_FALSE(p->vote(9).has_value());
    gate->open = true;
    REQUIRE(eventually([&] { return p->vote(9).has_value(); }));
    CHECK(*p->vote(9) == Verdict::verified);
    CHECK(gate->executions == 1);
}

TEST_CASE("prophet: verification without an own execution runs the handler") {
    auto p = start(Options{});
    CHECK(p->offer_verification(claim(1, "math", "2+4", Outcome::success(to_bytes("6")))) ==
          Offer::accepted);
    CHECK(p->offer_verification(claim(2, "math", "2+4", Outcome::success(to_bytes("7")))) ==
          Offer::accepted);
    Outcome division;
    division.error = "division_by_zero: division by zero at position 1";  // as read from chain
    CHECK(p->offer_verification(claim(3, "math", "1/0", division)) == Offer::accepted);
    REQUIRE(eventually([&] { return p->vote(1) && p->vote(2) && p->vote(3); }));
    CHECK(*p->vote(1) == Verdict::verified);
    CHECK(*p->vote(2) == Verdict::rejected);
    CHECK(*p->vote(3) == Verdict::verified);
    CHECK_FALSE(p->result(1).has_value());  // verifying is not executing
}

TEST_CASE("prophet: a handler not enabled here abstains, never rejects") {
    auto p = start(Options{});
    CHECK(p->offer_verification(claim(5, "http", "http://example.com/",
                                      Outcome::success(to_bytes("x")))) == Offer::handler_disabled);
    REQUIRE(p->vote(5).has_value());
    CHECK(*p->vote(5) == Verdict::abstain);
    p->forget(5);
    CHECK_FALSE(p->vote(5).has_value());
}

TEST_CASE("prophet: a throwing handler becomes an error result and an abstain vote") {
    Options options;
    options.workers = 1;
    options.extra_handlers = {std::make_shared<test::ThrowingHandler>()};
    auto p = start(options);
    CHECK(p->offer_execution(exec(1, "throws", "")) == Offer::accepted);
    CHECK(p->offer_verification(claim(2, "throws", "", Outcome::success({}))) == Offer::accepted);
    REQUIRE(eventually([&] { return p->result(1) && p->vote(2); }));
    CHECK_FALSE(p->result(1)->ok);
    CHECK(p->result(1)->reason == "internal");
    CHECK(*p->vote(2) == Verdict::abstain);
    // The worker survived.
    CHECK(p->offer_execution(exec(3, "echo", "still here")) == Offer::accepted);
    REQUIRE(eventually([&] { return p->result(3).has_value(); }));
}

TEST_CASE("prophet: per-handler timeout reaches the handler's context") {
    auto gate = std::make_shared<test::GateHandler>();  // never opened
    Options options;
    options.workers = 1;
    options.extra_handlers = {gate};
    options.timeouts["gate"] = std::chrono::milliseconds(100);
    auto p = start(options);
    CHECK(p->offer_execution(exec(1, "gate", "a")) == Offer::accepted);
    REQUIRE(eventually([&] { return p->result(1).has_value(); }));
    CHECK(p->result(1)->reason == "timeout");
    // This node timed out: as a verifier it cannot judge.
    CHECK(p->offer_verification(claim(1, "gate", "a", Outcome::success(to_bytes("a")))) ==
          Offer::accepted);
    REQUIRE(eventually([&] { return p->vote(1).has_value(); }));
    CHECK(*p->vote(1) == Verdict::abstain);
}

TEST_CASE("prophet: stop cancels a running handler and returns; later offers are refused") {
    auto gate = std::make_shared<test::GateHandler>();  // never opened, 1 h timeout
    Options options;
    options.workers = 2;
    options.extra_handlers = {gate};
    options.timeouts["gate"] = std::chrono::hours(1);
    auto p = start(options);
    CHECK(p->offer_execution(exec(1, "gate", "a")) == Offer::accepted);
    CHECK(p->offer_execution(exec(2, "gate", "b")) == Offer::accepted);
    REQUIRE(eventually([&] { return p->metrics().running == 2; }));
    p->stop();
    CHECK(p->metrics().running == 0);
    CHECK_FALSE(p->result(1).has_value());  // a cancelled run is no result
    CHECK(p->offer_execution(exec(3, "echo", "x")) == Offer::stopped);
    p->stop();  // idempotent
}

TEST_CASE("prophet: many concurrent offers from several threads stay consistent") {
    Options options;
    options.workers = 2;
    options.queue_capacity = 4096;
    auto p = start(options);
    std::vector<std::thread> producers;
    for (int t = 0; t < 4; ++t) {
        producers.emplace_back([&p, t] {
            for (std::uint64_t i = 0; i < 250; ++i) {
                const std::uint64_t id = static_cast<std::uint64_t>(t) * 1000 + i;
                (void)p->offer_execution(exec(id, "math", std::to_string(i) + "*2"));
                (void)p->offer_execution(exec(id, "math", std::to_string(i) + "*2"));
            }
        });
    }
    for (auto& th : producers)
        th.join();
    REQUIRE(eventually([&] { return p->metrics().results_stored == 1000; }));
    CHECK(seer::to_string(p->result(3249)->output) == "498");
    const Metrics m = p->metrics();
    CHECK(m.executed == 1000);
    CHECK(m.duplicates == 1000);
    CHECK(m.dropped_queue_full == 0);
}
