// The prophet: bounded lock-free queues, worker threads, result and vote stores.
//
// Ownership: the stores (`m_entries`) are guarded by `m_mutex`, held only for map operations
// and queue pushes, never while a handler runs, so a caller on the consensus thread never waits
// for a handler. Each piece of work carries a token; work whose token no longer matches its
// entry (forgotten, or replaced by a newer claim) is skipped or its answer discarded.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <semaphore>
#include <thread>
#include <unordered_map>

#include <concurrentqueue/concurrentqueue.h>

#include "log.hpp"
#include "seer/prophet/prophet.hpp"

namespace seer::prophet {
namespace {

using Clock = std::chrono::steady_clock;

struct HandlerCounters {
    std::atomic<std::uint64_t> executed{0};
    std::atomic<std::uint64_t> failed{0};
    std::atomic<std::uint64_t> verified{0};
    std::atomic<std::uint64_t> rejected{0};
    std::atomic<std::uint64_t> abstained{0};
    std::atomic<std::uint64_t> latency_count{0};
    std::atomic<std::uint64_t> latency_sum_us{0};
    std::array<std::atomic<std::uint64_t>, k_latency_bounds_ms.size() + 1> buckets{};

    void observe(Clock::duration elapsed) {
        const auto us = std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count();
        const double ms = static_cast<double>(us) / 1000.0;
        latency_count.fetch_add(1, std::memory_order_relaxed);
        latency_sum_us.fetch_add(static_cast<std::uint64_t>(std::max<std::int64_t>(us, 0)),
                                 std::memory_order_relaxed);
        std::size_t bucket = 0;
        while (bucket < k_latency_bounds_ms.size() && ms > k_latency_bounds_ms[bucket])
            ++bucket;
        buckets[bucket].fetch_add(1, std::memory_order_relaxed);
    }
};

struct HandlerSlot {
    std::shared_ptr<const Handler> handler;
    std::chrono::milliseconds timeout{0};
    std::unique_ptr<HandlerCounters> counters = std::make_unique<HandlerCounters>();
};

enum class Kind { execute, verify };

struct Task {
    Kind kind = Kind::execute;
    std::uint64_t future_id = 0;
    std::uint64_t token = 0;
    const HandlerSlot* slot = nullptr;
    Bytes input;
    Outcome claimed;             // verify only
    std::optional<Outcome> own;  // verify only: this node's own execution
};

enum class WorkState { none, waiting, queued, running, done };  // waiting: verify only

// Everything the prophet keeps about one future.
struct Entry {
    std::string handler;
    Bytes input;
    WorkState exec = WorkState::none;
    std::uint64_t exec_token = 0;
    std::optional<Outcome> result;
    WorkState verify = WorkState::none;
    std::uint64_t verify_token = 0;
    Outcome claimed;
    std::optional<Verdict> vote;
};

bool in_flight(WorkState state) {
    switch (state) {
        case WorkState::waiting:
        case WorkState::queued:
        case WorkState::running:
            return true;
        case WorkState::none:
        case WorkState::done:
            return false;
    }
    return false;
}

// A bounded MPMC queue: moodycamel's queue plus an atomic size bound. Full = refused.
class BoundedQueue {
public:
    explicit BoundedQueue(std::size_t capacity) : m_queue(capacity), m_capacity(capacity) {}

    bool try_push(Task task) {
        if (m_size.fetch_add(1, std::memory_order_acq_rel) >= m_capacity) {
            m_size.fetch_sub(1, std::memory_order_acq_rel);
            return false;
        }
        if (!m_queue.enqueue(std::move(task))) {  // allocation failure only
            m_size.fetch_sub(1, std::memory_order_acq_rel);
            return false;
        }
        return true;
    }

    bool try_pop(Task& out) {
        if (!m_queue.try_dequeue(out)) return false;
        m_size.fetch_sub(1, std::memory_order_acq_rel);
        return true;
    }

    std::size_t size() const { return m_size.load(std::memory_order_acquire); }

private:
    moodycamel::ConcurrentQueue<Task> m_queue;
    std::size_t m_capacity;
    std::atomic<std::size_t> m_size{0};
};

class ProphetImpl final : public Prophet {
public:
    ProphetImpl(Options options, std::map<std::string, HandlerSlot, std::less<>> slots,
                unsigned workers)
        : m_options(std::move(options)),
          m_slots(std::move(slots)),
          m_exec_queue(m_options.queue_capacity),
          m_verify_queue(m_options.queue_capacity) {
        m_workers.reserve(workers);
        for (unsigned i = 0; i < workers; ++i)
            m_workers.emplace_back([this] { work(); });
        logger()->info("prophet started workers={} queue_capacity={} handlers={}", workers,
                       m_options.queue_capacity, m_slots.size());
    }

    ~ProphetImpl() override { stop(); }

    ProphetImpl(const ProphetImpl&) = delete;
    ProphetImpl& operator=(const ProphetImpl&) = delete;

    Offer offer_execution(ExecRequest request) override {
        m_offered.fetch_add(1, std::memory_order_relaxed);
        if (m_stopping.load(std::memory_order_acquire)) return Offer::stopped;
        const HandlerSlot* slot = find_slot(request.handler);
        if (slot == nullptr) {
            m_disabled.fetch_add(1, std::memory_order_relaxed);
            return Offer::handler_disabled;
        }
        std::lock_guard lock(m_mutex);
        Entry* entry = entry_for(request.future_id, request.handler, request.input);
        if (entry == nullptr) return drop_store_full();
        if (in_flight(entry->exec) || entry->exec == WorkState::done) {
            m_duplicates.fetch_add(1, std::memory_order_relaxed);
            return Offer::duplicate;
        }
        const std::uint64_t token = ++m_next_token;
        Task task{Kind::execute, request.future_id, token, slot, std::move(request.input), {}, {}};
        if (!m_exec_queue.try_push(std::move(task))) {
            erase_if_empty(request.future_id);
            return drop_queue_full();
        }
        entry->exec = WorkState::queued;
        entry->exec_token = token;
        m_ready.release();
        return Offer::accepted;
    }

    std::optional<Outcome> result(std::uint64_t future_id) const override {
        std::lock_guard lock(m_mutex);
        auto it = m_entries.find(future_id);
        if (it == m_entries.end()) return std::nullopt;
        return it->second.result;
    }

    Offer offer_verification(VerifyRequest request) override {
        m_offered.fetch_add(1, std::memory_order_relaxed);
        if (m_stopping.load(std::memory_order_acquire)) return Offer::stopped;
        const HandlerSlot* slot = find_slot(request.handler);
        std::lock_guard lock(m_mutex);
        Entry* entry = entry_for(request.future_id, request.handler, request.input);
        if (entry == nullptr) return drop_store_full();
        if (entry->verify != WorkState::none && same_result(entry->claimed, request.claimed)) {
            m_duplicates.fetch_add(1, std::memory_order_relaxed);
            return Offer::duplicate;
        }
        // A new claim: whatever was decided or running for an older claim is void.
        if (entry->vote) --m_votes_stored;
        entry->vote.reset();
        entry->verify = WorkState::none;
        entry->verify_token = ++m_next_token;
        entry->claimed = std::move(request.claimed);
        if (slot == nullptr) {
            // Cannot judge: an abstain vote, never a rejection.
            m_disabled.fetch_add(1, std::memory_order_relaxed);
            m_abstained.fetch_add(1, std::memory_order_relaxed);
            entry->vote = Verdict::abstain;
            entry->verify = WorkState::done;
            ++m_votes_stored;
            return Offer::handler_disabled;
        }
        if (in_flight(entry->exec)) {
            entry->verify = WorkState::waiting;  // reuse the execution when it finishes
            return Offer::accepted;
        }
        Task task{Kind::verify, request.future_id, entry->verify_token, slot,
                  entry->input, entry->claimed,    entry->result};
        if (!m_verify_queue.try_push(std::move(task))) {
            erase_if_empty(request.future_id);
            return drop_queue_full();
        }
        entry->verify = WorkState::queued;
        m_ready.release();
        return Offer::accepted;
    }

    std::optional<Verdict> vote(std::uint64_t future_id) const override {
        std::lock_guard lock(m_mutex);
        auto it = m_entries.find(future_id);
        if (it == m_entries.end()) return std::nullopt;
        return it->second.vote;
    }

    void forget(std::uint64_t future_id) override {
        std::lock_guard lock(m_mutex);
        auto it = m_entries.find(future_id);
        if (it == m_entries.end()) return;
        if (it->second.result) --m_results_stored;
        if (it->second.vote) --m_votes_stored;
        m_entries.erase(it);
    }

    bool handler_enabled(std::string_view handler) const override {
        return find_slot(handler) != nullptr;
    }

    std::vector<std::string> handlers() const override {
        std::vector<std::string> out;
        out.reserve(m_slots.size());
        for (const auto& [name, slot] : m_slots)
            out.push_back(name);
        return out;
    }

    Metrics metrics() const override {
        Metrics m;
        m.queue_capacity = m_options.queue_capacity;
        m.execution_queue_depth = m_exec_queue.size();
        m.verification_queue_depth = m_verify_queue.size();
        m.running = m_running.load(std::memory_order_relaxed);
        {
            std::lock_guard lock(m_mutex);
            m.results_stored = m_results_stored;
            m.votes_stored = m_votes_stored;
        }
        m.offered = m_offered.load(std::memory_order_relaxed);
        m.duplicates = m_duplicates.load(std::memory_order_relaxed);
        m.dropped_queue_full = m_dropped_queue_full.load(std::memory_order_relaxed);
        m.dropped_store_full = m_dropped_store_full.load(std::memory_order_relaxed);
        m.disabled = m_disabled.load(std::memory_order_relaxed);
        m.abstained = m_abstained.load(std::memory_order_relaxed);
        for (const auto& [name, slot] : m_slots) {
            const HandlerCounters& c = *slot.counters;
            HandlerMetrics h;
            h.name = name;
            h.executed = c.executed.load(std::memory_order_relaxed);
            h.failed = c.failed.load(std::memory_order_relaxed);
            h.verified = c.verified.load(std::memory_order_relaxed);
            h.rejected = c.rejected.load(std::memory_order_relaxed);
            h.abstained = c.abstained.load(std::memory_order_relaxed);
            h.latency_count = c.latency_count.load(std::memory_order_relaxed);
            h.latency_sum_ms =
                static_cast<double>(c.latency_sum_us.load(std::memory_order_relaxed)) / 1000.0;
            for (std::size_t i = 0; i < h.latency_buckets.size(); ++i) {
                h.latency_buckets[i] = c.buckets[i].load(std::memory_order_relaxed);
            }
            m.executed += h.executed;
            m.failed += h.failed;
            m.verified += h.verified;
            m.rejected += h.rejected;
            m.abstained += h.abstained;
            m.handlers.push_back(std::move(h));
        }
        return m;
    }

    bool wait_idle(std::chrono::milliseconds timeout) const override {
        const auto until = Clock::now() + timeout;
        for (;;) {
            {
                std::lock_guard lock(m_mutex);
                bool busy = false;
                for (const auto& [id, e] : m_entries) {
                    if (in_flight(e.exec) || in_flight(e.verify)) {
                        busy = true;
                        break;
                    }
                }
                if (!busy) return true;
            }
            if (Clock::now() >= until) return false;
            std::this_thread::sleep_for(std::chrono::microseconds(50));
        }
    }

    void stop() override {
        if (m_stopping.exchange(true, std::memory_order_acq_rel)) {
            std::lock_guard lock(m_join_mutex);  // a concurrent stop() returns after the join
            return;
        }
        std::lock_guard lock(m_join_mutex);
        m_stop.request_stop();
        m_ready.release(static_cast<std::ptrdiff_t>(m_workers.size()));
        for (auto& worker : m_workers)
            worker.join();
        m_workers.clear();
        logger()->info("prophet stopped");
    }

private:
    const HandlerSlot* find_slot(std::string_view handler) const {
        auto it = m_slots.find(handler);
        return it == m_slots.end() ? nullptr : &it->second;
    }

    // The entry of a future, created if needed; reset when the (handler, input) differ from the
    // stored ones (the same ID cannot name two futures, so the old data is stale). nullptr when
    // the store is full. Caller holds m_mutex.
    Entry* entry_for(std::uint64_t future_id, const std::string& handler, const Bytes& input) {
        auto it = m_entries.find(future_id);
        if (it == m_entries.end()) {
            if (m_entries.size() >= m_options.max_entries) return nullptr;
            it = m_entries.emplace(future_id, Entry{}).first;
            it->second.handler = handler;
            it->second.input = input;
            return &it->second;
        }
        Entry& entry = it->second;
        if (entry.handler != handler || entry.input != input) {
            if (entry.result) --m_results_stored;
            if (entry.vote) --m_votes_stored;
            entry = Entry{};
            entry.handler = handler;
            entry.input = input;
        }
        return &entry;
    }

    void erase_if_empty(std::uint64_t future_id) {
        auto it = m_entries.find(future_id);
        if (it == m_entries.end()) return;
        const Entry& e = it->second;
        if (e.exec == WorkState::none && e.verify == WorkState::none) m_entries.erase(it);
    }

    Offer drop_queue_full() {
        const auto n = m_dropped_queue_full.fetch_add(1, std::memory_order_relaxed) + 1;
        if ((n & (n - 1)) == 0) logger()->warn("prophet queue full, dropped={}", n);  // 1,2,4,...
        return Offer::queue_full;
    }

    Offer drop_store_full() {
        const auto n = m_dropped_store_full.fetch_add(1, std::memory_order_relaxed) + 1;
        if ((n & (n - 1)) == 0) logger()->warn("prophet store full, dropped={}", n);
        return Offer::store_full;
    }

    bool pop(Task& task) {
        for (;;) {
            if (m_verify_queue.try_pop(task) || m_exec_queue.try_pop(task)) return true;
            if (m_stop.stop_requested()) return false;
            std::this_thread::yield();  // an item is there (semaphore), the queue shows it soon
        }
    }

    void work() {
        for (;;) {
            m_ready.acquire();
            if (m_stop.stop_requested()) return;
            Task task;
            if (!pop(task)) return;
            if (!claim(task)) continue;
            m_running.fetch_add(1, std::memory_order_relaxed);
            switch (task.kind) {
                case Kind::execute:
                    run_execution(task);
                    break;
                case Kind::verify:
                    run_verification(task);
                    break;
            }
            m_running.fetch_sub(1, std::memory_order_relaxed);
        }
    }

    // Marks the task running; false when its entry was forgotten or replaced meanwhile.
    bool claim(const Task& task) {
        std::lock_guard lock(m_mutex);
        auto it = m_entries.find(task.future_id);
        if (it == m_entries.end()) return false;
        switch (task.kind) {
            case Kind::execute:
                if (it->second.exec_token != task.token) return false;
                it->second.exec = WorkState::running;
                return true;
            case Kind::verify:
                if (it->second.verify_token != task.token) return false;
                it->second.verify = WorkState::running;
                return true;
        }
        return false;
    }

    Context context_for(const HandlerSlot& slot) const {
        Context ctx;
        ctx.deadline = Clock::now() + slot.timeout;
        ctx.stop = m_stop.get_token();
        return ctx;
    }

    void run_execution(Task& task) {
        const HandlerSlot& slot = *task.slot;
        const Context ctx = context_for(slot);
        const auto started = Clock::now();
        Outcome outcome;
        try {
            outcome = Outcome::from(slot.handler->execute(task.input, ctx));
        } catch (const std::exception& e) {
            logger()->warn("handler threw handler={} future={} what={}", slot.handler->name(),
                           task.future_id, e.what());
            outcome = Outcome::failure(make_error("internal", "handler threw an exception"));
        } catch (...) {
            logger()->warn("handler threw handler={} future={}", slot.handler->name(),
                           task.future_id);
            outcome = Outcome::failure(make_error("internal", "handler threw an exception"));
        }
        slot.counters->observe(Clock::now() - started);
        slot.counters->executed.fetch_add(1, std::memory_order_relaxed);
        if (!outcome.ok) slot.counters->failed.fetch_add(1, std::memory_order_relaxed);
        logger()->debug("executed future={} handler={} ok={} reason={}", task.future_id,
                        slot.handler->name(), outcome.ok, outcome.reason);
        if (!outcome.ok && outcome.reason == "cancelled") return;  // stopping: keep nothing

        std::lock_guard lock(m_mutex);
        auto it = m_entries.find(task.future_id);
        if (it == m_entries.end() || it->second.exec_token != task.token) return;
        Entry& entry = it->second;
        if (!entry.result) ++m_results_stored;
        entry.result = std::move(outcome);
        entry.exec = WorkState::done;
        if (entry.verify != WorkState::waiting) return;
        Task verify{Kind::verify,          task.future_id, entry.verify_token, task.slot,
                    std::move(task.input), entry.claimed,  entry.result};
        if (m_verify_queue.try_push(std::move(verify))) {
            entry.verify = WorkState::queued;
            m_ready.release();
        } else {
            entry.verify = WorkState::none;  // the module offers it again
            drop_queue_full();
        }
    }

    void run_verification(Task& task) {
        const HandlerSlot& slot = *task.slot;
        Context ctx = context_for(slot);
        ctx.own_execution = task.own ? &*task.own : nullptr;
        const auto started = Clock::now();
        Verdict verdict = Verdict::abstain;
        try {
            verdict = slot.handler->verify(task.input, task.claimed, ctx);
        } catch (const std::exception& e) {
            logger()->warn("handler verify threw handler={} future={} what={}",
                           slot.handler->name(), task.future_id, e.what());
        } catch (...) {
            logger()->warn("handler verify threw handler={} future={}", slot.handler->name(),
                           task.future_id);
        }
        slot.counters->observe(Clock::now() - started);
        if (ctx.cancelled()) return;  // stopping: an abstain caused by the stop is no verdict
        switch (verdict) {
            case Verdict::verified:
                slot.counters->verified.fetch_add(1, std::memory_order_relaxed);
                break;
            case Verdict::rejected:
                slot.counters->rejected.fetch_add(1, std::memory_order_relaxed);
                break;
            case Verdict::abstain:
                slot.counters->abstained.fetch_add(1, std::memory_order_relaxed);
                break;
        }
        logger()->debug("verified future={} handler={} verdict={} reused={}", task.future_id,
                        slot.handler->name(), to_string(verdict), task.own.has_value());

        std::lock_guard lock(m_mutex);
        auto it = m_entries.find(task.future_id);
        if (it == m_entries.end() || it->second.verify_token != task.token) return;
        if (!it->second.vote) ++m_votes_stored;
        it->second.vote = verdict;
        it->second.verify = WorkState::done;
    }

    const Options m_options;
    const std::map<std::string, HandlerSlot, std::less<>> m_slots;

    BoundedQueue m_exec_queue;
    BoundedQueue m_verify_queue;
    std::counting_semaphore<> m_ready{0};  // one release per queued task (+ wake-ups on stop)

    mutable std::mutex m_mutex;  // guards the fields below, up to the counters
    std::unordered_map<std::uint64_t, Entry> m_entries;
    std::uint64_t m_next_token = 0;
    std::size_t m_results_stored = 0;
    std::size_t m_votes_stored = 0;

    std::atomic<std::uint64_t> m_offered{0};
    std::atomic<std::uint64_t> m_duplicates{0};
    std::atomic<std::uint64_t> m_dropped_queue_full{0};
    std::atomic<std::uint64_t> m_dropped_store_full{0};
    std::atomic<std::uint64_t> m_disabled{0};
    std::atomic<std::uint64_t> m_abstained{0};  // abstain votes stored without running a handler
    std::atomic<std::size_t> m_running{0};

    std::atomic<bool> m_stopping{false};
    std::stop_source m_stop;
    std::mutex m_join_mutex;
    std::vector<std::thread> m_workers;
};

Result<std::unique_ptr<Handler>> make_builtin(std::string_view name, const Options& options) {
    if (name == "echo") return make_echo_handler();
    if (name == "math") return make_math_handler(options.math);
    if (name == "hashchain") return make_hashchain_handler(options.hashchain);
    if (name == "http") return make_http_handler(options.http);
    return make_error("unknown_handler", "unknown built-in handler \"" + std::string(name) + "\"");
}

}  // namespace

std::string_view to_string(Offer offer) {
    switch (offer) {
        case Offer::accepted:
            return "accepted";
        case Offer::duplicate:
            return "duplicate";
        case Offer::queue_full:
            return "queue_full";
        case Offer::store_full:
            return "store_full";
        case Offer::handler_disabled:
            return "handler_disabled";
        case Offer::stopped:
            return "stopped";
    }
    return "unknown";
}

Result<std::unique_ptr<Prophet>> make_prophet(Options options) {
    if (options.queue_capacity == 0) return make_error("bad_option", "queue_capacity must be > 0");
    if (options.max_entries == 0) return make_error("bad_option", "max_entries must be > 0");
    std::map<std::string, HandlerSlot, std::less<>> slots;
    auto add = [&](std::shared_ptr<const Handler> handler,
                   std::optional<std::chrono::milliseconds> own_timeout) -> Status {
        std::string name(handler->name());
        if (slots.count(name) != 0) {
            return make_error("bad_option", "handler \"" + name + "\" configured twice");
        }
        HandlerSlot slot;
        slot.handler = std::move(handler);
        auto configured = options.timeouts.find(name);
        slot.timeout = configured != options.timeouts.end() ? configured->second
                       : own_timeout                        ? *own_timeout
                                                            : options.default_timeout;
        slots.emplace(std::move(name), std::move(slot));
        return {};
    };
    for (const auto& name : options.enabled) {
        auto handler = make_builtin(name, options);
        if (!handler) return handler.error();
        if (auto st = add(std::move(handler).value(), std::nullopt); !st) return st.error();
    }
    for (const auto& program : options.exec) {
        auto handler = make_exec_handler(program);
        if (!handler) return handler.error();
        if (auto st = add(std::move(handler).value(), program.timeout); !st) return st.error();
    }
    for (const auto& handler : options.extra_handlers) {
        if (!handler) return make_error("bad_option", "null extra handler");
        if (auto st = add(handler, std::nullopt); !st) return st.error();
    }
    for (const auto& [name, timeout] : options.timeouts) {
        if (slots.count(name) == 0) {
            return make_error("bad_option", "timeout for unknown handler \"" + name + "\"");
        }
    }
    unsigned workers = options.workers;
    if (workers == 0) workers = std::max(1U, std::thread::hardware_concurrency());
    return std::unique_ptr<Prophet>(
        std::make_unique<ProphetImpl>(std::move(options), std::move(slots), workers));
}

}  // namespace seer::prophet
