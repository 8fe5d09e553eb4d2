#pragma once
// The prophet: worker threads that execute and verify futures off the consensus path
// (DESIGN.md §2, §5). Module-agnostic: it knows future IDs, handler IDs and bytes only.
//
// Threads: every public method may be called from any thread and never waits for a handler;
// the caller is normally the single consensus thread. Two pools of threads run the work:
// `Options::workers` for in-process handlers (CPU-bound) and `Options::external_workers` for
// handlers that wait on a program or the network. Each pool schedules fairly across accounts
// (start-time fair queuing, charged by each handler's measured cost) under per-handler
// concurrency limits, and for external handlers a per-account limit (ADR 0009). Finished
// results and votes stay in the stores until `forget(id)`; reading is non-destructive. One
// short mutex guards the stores and the schedule (held for map operations, never while a
// handler runs).

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "seer/common/bytes.hpp"
#include "seer/common/result.hpp"
#include "seer/prophet/handler.hpp"
#include "seer/prophet/options.hpp"

namespace seer::prophet {

using Deadline = std::chrono::steady_clock::time_point;
inline constexpr Deadline k_no_deadline = Deadline::max();

struct ExecRequest {
    std::uint64_t future_id = 0;
    std::string handler;
    Bytes input;
    /// Whose future it is: the scheduler is fair across accounts (empty = one shared account).
    std::string account = {};
    /// When the result is of no use any more (the future's deadline, estimated by the
    /// module). Work that cannot finish before it is not started.
    Deadline deadline = k_no_deadline;
};

struct VerifyRequest {
    std::uint64_t future_id = 0;
    std::string handler;
    Bytes input;
    Outcome claimed;  // the result on chain
    std::string account = {};
    Deadline deadline = k_no_deadline;
};

enum class Offer {
    accepted,          // queued (or, for a verification, waiting for this node's own execution)
    duplicate,         // the same work is in flight or already done: nothing queued
    queue_full,        // dropped and counted; offer again later
    store_full,        // max_entries reached: dropped and counted; offer again later
    handler_disabled,  // not enabled here; a verification then stores an abstain vote
    expired,           // the request's deadline has passed: nothing queued
    stopped,           // stop() was called
};

std::string_view to_string(Offer offer);

/// Latency histogram upper bounds in milliseconds; the last bucket is "+inf".
inline constexpr std::array<double, 6> k_latency_bounds_ms{1, 10, 100, 1'000, 10'000, 60'000};

struct HandlerMetrics {
    std::string name;
    bool external = false;
    unsigned concurrency = 0;  // runs allowed at once
    std::size_t running = 0;
    std::size_t queued = 0;
    std::uint64_t executed = 0;  // executions finished (ok or error)
    std::uint64_t failed = 0;    // executions finished with an error
    std::uint64_t verified = 0;
    std::uint64_t rejected = 0;
    std::uint64_t abstained = 0;
    std::uint64_t latency_count = 0;  // executions and verifications run
    double latency_sum_ms = 0;
    std::array<std::uint64_t, k_latency_bounds_ms.size() + 1> latency_buckets{};  // not cumulative
};

struct Metrics {
    std::size_t queue_capacity = 0;
    std::size_t execution_queue_depth = 0;
    std::size_t verification_queue_depth = 0;
    std::size_t running = 0;         // handlers running now
    std::size_t results_stored = 0;  // finished executions kept
    std::size_t votes_stored = 0;    // finished verifications kept
    std::uint64_t offered = 0;
    std::uint64_t duplicates = 0;
    std::uint64_t dropped_queue_full = 0;
    std::uint64_t dropped_store_full = 0;
    std::uint64_t disabled = 0;
    std::uint64_t expired = 0;  // refused or not started: the deadline would not be met
    std::uint64_t executed = 0;
    std::uint64_t failed = 0;
    std::uint64_t verified = 0;
    std::uint64_t rejected = 0;
    std::uint64_t abstained = 0;
    std::vector<HandlerMetrics> handlers;  // sorted by name
};

class Prophet {
public:
    virtual ~Prophet() = default;

    /// Queue an execution. Never blocks.
    virtual Offer offer_execution(ExecRequest request) = 0;
    /// This node's finished execution of the future, if any (non-destructive).
    virtual std::optional<Outcome> result(std::uint64_t future_id) const = 0;

    /// Queue a verification of a claimed result. Never blocks. Reuses this node's own execution
    /// of the same future (finished, or still in flight: the verification then waits for it).
    /// A new, different claim for the same future replaces the previous vote.
    virtual Offer offer_verification(VerifyRequest request) = 0;
    /// The finished verdict for the latest claim (abstain included), if any (non-destructive).
    virtual std::optional<Verdict> vote(std::uint64_t future_id) const = 0;

    /// The future is final (or the module needs nothing more about it): drop its result, vote
    /// and any work in flight (a running handler's answer is discarded).
    virtual void forget(std::uint64_t future_id) = 0;

    virtual bool handler_enabled(std::string_view handler) const = 0;
    virtual std::vector<std::string> handlers() const = 0;  // sorted
    virtual Metrics metrics() const = 0;

    /// Waits until no work is queued, waiting or running, up to `timeout`; false on timeout.
    /// For the simulation and tests, which need every offered job finished before the next
    /// event to stay deterministic; the node never calls it.
    virtual bool wait_idle(std::chrono::milliseconds timeout) const = 0;

    /// Cancel running handlers (stop flag, kill of external programs) and join the workers.
    /// Idempotent; also done by the destructor. Later offers return Offer::stopped.
    virtual void stop() = 0;
};

/// Builds the enabled handlers and starts the workers. Error on a bad option (unknown handler,
/// duplicate name, malformed allowlist origin, empty exec argv, zero queue capacity).
Result<std::unique_ptr<Prophet>> make_prophet(Options options);

}  // namespace seer::prophet
