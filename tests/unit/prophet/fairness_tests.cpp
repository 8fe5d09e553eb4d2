// The prophet's schedule: one account's slow futures delay only that account (issue 11).

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

ExecRequest request(std::uint64_t id, std::string handler, std::string account,
                    Deadline deadline = k_no_deadline) {
    return ExecRequest{id, std::move(handler), to_bytes("in" + std::to_string(id)),
                       std::move(account), deadline};
}

bool all_done(const Prophet& p, std::uint64_t first, std::uint64_t last) {
    for (std::uint64_t id = first; id <= last; ++id)
        if (!p.result(id)) return false;
    return true;
}

std::size_t running_of(const Prophet& p, std::string_view handler) {
    for (const auto& h : p.metrics().handlers)
        if (h.name == handler) return h.running;
    return 0;
}

}  // namespace

TEST_CASE("fairness: slow external runs of one account never hold the in-process workers") {
    // The case: 30 hanging exec futures from one account on a 2-worker prophet, then
    // 10 math futures from another account.
    auto slow = std::make_shared<test::GateHandler>("exec:hang", true);
    Options options;
    options.workers = 2;
    options.external_workers = 8;
    options.extra_handlers = {slow};
    auto p = start(options);
    for (std::uint64_t id = 1; id <= 30; ++id)
        REQUIRE(p->offer_execution(request(id, "exec:hang", "alice")) == Offer::accepted);
    REQUIRE(eventually([&] { return running_of(*p, "exec:hang") == 2; }));
    for (std::uint64_t id = 101; id <= 110; ++id)
        REQUIRE(p->offer_execution({id, "math", to_bytes("6*7"), "bob"}) == Offer::accepted);
    CHECK(eventually([&] { return all_done(*p, 101, 110); }));
    CHECK(seer::to_string(p->result(101)->output) == "42");
    // Alice holds only her per-account share of the external pool, still waiting.
    CHECK(running_of(*p, "exec:hang") == 2);
    CHECK_FALSE(p->result(1).has_value());
    slow->open = true;
    CHECK(eventually([&] { return all_done(*p, 1, 30); }));
}

TEST_CASE("fairness: another account's runs of the same slow handler start at once") {
    auto slow = std::make_shared<test::GateHandler>("exec:hang", true);
    Options options;
    options.workers = 1;
    options.external_workers = 4;
    options.max_running_per_account = 2;
    options.concurrency = {{"exec:hang", 4}};
    options.extra_handlers = {slow};
    auto p = start(options);
    for (std::uint64_t id = 1; id <= 30; ++id)
        REQUIRE(p->offer_execution(request(id, "exec:hang", "alice")) == Offer::accepted);
    REQUIRE(eventually([&] { return running_of(*p, "exec:hang") == 2; }));
    // Bob's two start beside Alice's two, although 28 of hers were queued first.
    REQUIRE(p->offer_execution(request(201, "exec:hang", "bob")) == Offer::accepted);
    REQUIRE(p->offer_execution(request(202, "exec:hang", "bob")) == Offer::accepted);
    CHECK(eventually([&] { return running_of(*p, "exec:hang") == 4; }));
    CHECK(slow->executions == 4);
    slow->open = true;
    CHECK(eventually([&] { return all_done(*p, 1, 30) && all_done(*p, 201, 202); }));
}

TEST_CASE("fairness: per-handler concurrency bounds a handler, not the others") {
    auto slow = std::make_shared<test::GateHandler>("slow", false);
    Options options;
    options.workers = 2;
    options.external_workers = 0;
    options.concurrency = {{"slow", 1}};
    options.extra_handlers = {slow};
    auto p = start(options);
    // Work of one shared account: the limit alone keeps a worker for echo.
    for (std::uint64_t id = 1; id <= 5; ++id)
        REQUIRE(p->offer_execution(request(id, "slow", "")) == Offer::accepted);
    REQUIRE(eventually([&] { return running_of(*p, "slow") == 1; }));
    for (std::uint64_t id = 11; id <= 15; ++id)
        REQUIRE(p->offer_execution({id, "echo", to_bytes("x"), ""}) == Offer::accepted);
    CHECK(eventually([&] { return all_done(*p, 11, 15); }));
    CHECK(slow->executions == 1);
    slow->open = true;
    CHECK(eventually([&] { return all_done(*p, 1, 5); }));
}

TEST_CASE("fairness: the busier account waits, a new account is served next") {
    // One in-process worker, held by a gate while everything queues; then the order of
    // service shows the schedule. Alice queued 19 more before Bob's 3, but her first run
    // charged her account its real time, so Bob's three run before the rest of hers.
    auto recorder = std::make_shared<test::RecordingHandler>();
    Options options;
    options.workers = 1;
    options.external_workers = 0;
    options.extra_handlers = {recorder};
    auto p = start(options);
    REQUIRE(p->offer_execution(request(1, "record", "alice")) == Offer::accepted);
    REQUIRE(eventually([&] { return running_of(*p, "record") == 1; }));
    for (std::uint64_t id = 2; id <= 20; ++id)
        REQUIRE(p->offer_execution(request(id, "record", "alice")) == Offer::accepted);
    for (std::uint64_t id = 101; id <= 103; ++id)
        REQUIRE(p->offer_execution(request(id, "record", "bob")) == Offer::accepted);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the first run takes >= 20 ms
    recorder->open = true;
    REQUIRE(eventually([&] { return all_done(*p, 1, 20) && all_done(*p, 101, 103); }));
    const std::vector<std::string> order = recorder->order();
    REQUIRE(order.size() == 23);
    CHECK(order[0] == "in1");
    CHECK(order[1] == "in101");
    CHECK(order[2] == "in102");
    CHECK(order[3] == "in103");
    CHECK(order[4] == "in2");
    CHECK(order[22] == "in20");  // each account's own futures stay in their order
}

TEST_CASE("deadlines: an expired request is refused, a queued one whose deadline passes is "
          "not started") {
    auto gate = std::make_shared<test::GateHandler>("gate", false);
    Options options;
    options.workers = 1;
    options.external_workers = 0;
    options.extra_handlers = {gate};
    auto p = start(options);
    const auto now = std::chrono::steady_clock::now();
    CHECK(p->offer_execution(request(1, "echo", "a", now - std::chrono::milliseconds(1))) ==
          Offer::expired);
    CHECK(p->metrics().expired == 1);
    CHECK(p->wait_idle(std::chrono::seconds(1)));
    // Hold the worker, queue a future due in 50 ms, let the deadline pass, open the gate.
    REQUIRE(p->offer_execution(request(2, "gate", "a")) == Offer::accepted);
    REQUIRE(eventually([&] { return running_of(*p, "gate") == 1; }));
    REQUIRE(p->offer_execution(request(3, "echo", "a", now + std::chrono::milliseconds(50))) ==
            Offer::accepted);
    while (std::chrono::steady_clock::now() < now + std::chrono::milliseconds(60))
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    gate->open = true;
    REQUIRE(eventually([&] { return p->result(2).has_value(); }));
    CHECK(p->wait_idle(std::chrono::seconds(5)));
    CHECK_FALSE(p->result(3).has_value());
    CHECK(p->metrics().expired == 2);
    const auto executed = p->metrics().executed;
    CHECK(executed == 1);  // only the gate run: the expired echo never ran
    // With a deadline ahead, the same future runs.
    CHECK(p->offer_execution(request(3, "echo", "a",
                                     std::chrono::steady_clock::now() + std::chrono::seconds(30))) ==
          Offer::accepted);
    CHECK(eventually([&] { return p->result(3).has_value(); }));
}

TEST_CASE("deadlines: a handler whose runs take longer than the time left is not started") {
    auto gate = std::make_shared<test::GateHandler>("gate", false);
    gate->open = true;
    Options options;
    options.workers = 1;
    options.external_workers = 0;
    options.extra_handlers = {gate};
    auto p = start(options);
    // Teach the schedule that "gate" takes ~100 ms per successful run.
    gate->open = false;
    REQUIRE(p->offer_execution(request(1, "gate", "a")) == Offer::accepted);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    gate->open = true;
    REQUIRE(eventually([&] { return p->result(1).has_value(); }));
    // 20 ms left: not started. 10 s left: runs.
    gate->open = false;
    const auto soon = std::chrono::steady_clock::now() + std::chrono::milliseconds(20);
    REQUIRE(p->offer_execution(request(2, "gate", "a", soon)) == Offer::accepted);
    CHECK(p->wait_idle(std::chrono::seconds(5)));
    CHECK_FALSE(p->result(2).has_value());
    CHECK(gate->executions == 1);
    gate->open = true;
    const auto later = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    REQUIRE(p->offer_execution(request(2, "gate", "a", later)) == Offer::accepted);
    CHECK(eventually([&] { return p->result(2).has_value(); }));
}

TEST_CASE("fairness: bad concurrency options are errors") {
    Options unknown;
    unknown.concurrency = {{"nope", 1}};
    CHECK_FALSE(make_prophet(unknown).ok());
    Options zero;
    zero.concurrency = {{"echo", 0}};
    CHECK_FALSE(make_prophet(zero).ok());
    Options cap;
    cap.max_running_per_account = 0;
    CHECK_FALSE(make_prophet(cap).ok());
}
