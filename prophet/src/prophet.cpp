// The prophet: two pools of worker threads with fair queues, result and vote stores.
//
// Ownership: the stores (`m_entries`) and the schedule are guarded by `m_mutex`, held only for
// map and queue operations, never while a handler runs, so a caller on the consensus thread
// never waits for a handler. Each piece of work carries a token; work whose token no longer
// matches its entry (forgotten, or replaced by a newer claim) is skipped or its answer
// discarded.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <unordered_map>

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

enum class Kind { execute, verify };

// Scheduling state of one handler, guarded by the prophet's mutex.
struct SlotSchedule {
    unsigned limit = 1;     // runs at once
    unsigned running = 0;
    std::size_t queued = 0;
    // Accounts with work queued for this handler, by their virtual time (then name).
    std::set<std::pair<double, std::string>> ready;
    // Moving averages of the run time in microseconds: what a run is charged when it starts
    // (the difference to the real time is charged when it ends), and, for the deadline check,
    // the time of a successful execution (0 = none seen yet).
    double exec_cost_us = k_initial_cost_us;
    double verify_cost_us = k_initial_cost_us;
    double ok_exec_us = 0;

    static constexpr double k_initial_cost_us = 1000;
};

struct HandlerSlot {
    std::shared_ptr<const Handler> handler;
    std::chrono::milliseconds timeout{0};
    bool external = false;
    std::unique_ptr<HandlerCounters> counters = std::make_unique<HandlerCounters>();
    SlotSchedule schedule;
};

struct Task {
    Kind kind = Kind::execute;
    std::uint64_t future_id = 0;
    std::uint64_t token = 0;
    HandlerSlot* slot = nullptr;
    Bytes input;
    Outcome claimed;             // verify only
    std::optional<Outcome> own;  // verify only: this node's own execution
    std::string account;
    Deadline deadline = k_no_deadline;
    double charged_us = 0;  // what its account was charged when it started
};

enum class WorkState { none, waiting, queued, running, done };  // waiting: verify only

// Everything the prophet keeps about one future.
struct Entry {
    std::string handler;
    Bytes input;
    std::string account;
    Deadline deadline = k_no_deadline;
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

double micros(Clock::duration d) {
    return static_cast<double>(std::chrono::duration_cast<std::chrono::microseconds>(d).count());
}

void ewma(double& average, double sample) {
    constexpr double k_weight = 0.25;
    average += k_weight * (sample - average);
}

// One pool of threads and its fair queue. Start-time fair queuing over accounts: every account
// with work has a virtual time; a free thread starts the queued task of the account with the
// lowest virtual time among the handlers that are below their concurrency limit, and charges
// the account the handler's expected run time (corrected by the real time when it ends). An
// account that becomes active starts at the pool's virtual time, so idling banks no credit.
// Guarded by the prophet's mutex.
struct Pool {
    struct Queues {
        std::deque<Task> verify;  // served before executions of the same account and handler
        std::deque<Task> exec;
    };
    struct Account {
        double vtime = 0;
        unsigned running = 0;
        std::size_t queued = 0;
        std::map<HandlerSlot*, Queues> queues;  // non-empty queues only
    };

    bool external = false;
    unsigned per_account_limit = 0;  // 0 = none
    std::vector<HandlerSlot*> slots;
    std::unordered_map<std::string, Account> accounts;
    double vnow = 0;
    std::condition_variable wake;
    std::vector<std::thread> threads;

    void push(Task task) {
        auto [it, fresh] = accounts.try_emplace(task.account);
        Account& a = it->second;
        if (fresh) a.vtime = vnow;
        HandlerSlot* slot = task.slot;
        Queues& q = a.queues[slot];
        const bool was_empty = q.verify.empty() && q.exec.empty();
        (task.kind == Kind::verify ? q.verify : q.exec).push_back(std::move(task));
        ++a.queued;
        ++slot->schedule.queued;
        if (was_empty) slot->schedule.ready.emplace(a.vtime, it->first);
        wake.notify_one();
    }

    // The next task to start, or nullopt when none may start now.
    std::optional<Task> pop() {
        HandlerSlot* best_slot = nullptr;
        const std::string* best_account = nullptr;
        double best_v = 0;
        for (HandlerSlot* slot : slots) {
            SlotSchedule& s = slot->schedule;
            if (s.running >= s.limit) continue;
            for (const auto& [v, name] : s.ready) {
                if (per_account_limit != 0 && accounts.at(name).running >= per_account_limit)
                    continue;  // at most external_workers / limit accounts are skipped
                if (best_slot == nullptr || v < best_v) {
                    best_slot = slot;
                    best_account = &name;
                    best_v = v;
                }
                break;
            }
        }
        if (best_slot == nullptr) return std::nullopt;
        const std::string name = *best_account;
        Account& a = accounts.at(name);
        auto qit = a.queues.find(best_slot);
        Queues& q = qit->second;
        std::deque<Task>& from = q.verify.empty() ? q.exec : q.verify;
        Task task = std::move(from.front());
        from.pop_front();
        --a.queued;
        --best_slot->schedule.queued;
        if (q.verify.empty() && q.exec.empty()) {
            best_slot->schedule.ready.erase({a.vtime, name});
            a.queues.erase(qit);
        }
        vnow = std::max(vnow, best_v);
        const SlotSchedule& s = best_slot->schedule;
        task.charged_us = task.kind == Kind::verify ? s.verify_cost_us : s.exec_cost_us;
        recharge(name, a, task.charged_us);
        ++a.running;
        ++best_slot->schedule.running;
        return task;
    }

    // A popped task is done (or was not started): correct its account's charge by `used_us`,
    // release its handler and account, drop an idle account.
    void finish(const Task& task, double used_us) {
        --task.slot->schedule.running;
        auto it = accounts.find(task.account);
        if (it == accounts.end()) return;
        Account& a = it->second;
        --a.running;
        recharge(it->first, a, used_us - task.charged_us);
        if (a.running == 0 && a.queued == 0) accounts.erase(it);
    }

    std::size_t queued(Kind kind) const {
        std::size_t n = 0;
        for (const auto& [name, a] : accounts)
            for (const auto& [slot, q] : a.queues)
                n += kind == Kind::verify ? q.verify.size() : q.exec.size();
        return n;
    }

private:
    void recharge(const std::string& name, Account& a, double delta_us) {
        const double before = a.vtime;
        a.vtime = std::max(0.0, a.vtime + delta_us);
        if (a.vtime == before) return;
        for (auto& [slot, q] : a.queues) {
            auto& ready = slot->schedule.ready;
            ready.erase({before, name});
            ready.emplace(a.vtime, name);
        }
    }
};

class ProphetImpl final : public Prophet {
public:
    ProphetImpl(Options options, std::map<std::string, HandlerSlot, std::less<>> slots,
                unsigned workers)
        : m_options(std::move(options)), m_slots(std::move(slots)) {
        const unsigned external = m_options.external_workers;
        m_external.external = true;
        m_external.per_account_limit = m_options.max_running_per_account;
        for (auto& [name, slot] : m_slots) {
            Pool& pool = pool_of(slot);
            pool.slots.push_back(&slot);
            const unsigned pool_size = &pool == &m_external ? external : workers;
            const unsigned fallback =
                slot.external && external > 0 ? std::max(1U, external / 2) : pool_size;
            auto configured = m_options.concurrency.find(name);
            slot.schedule.limit = configured != m_options.concurrency.end()
                                      ? std::min(configured->second, pool_size)
                                      : fallback;
        }
        m_cpu.threads.reserve(workers);
        for (unsigned i = 0; i < workers; ++i)
            m_cpu.threads.emplace_back([this] { work(m_cpu); });
        m_external.threads.reserve(external);
        for (unsigned i = 0; i < external; ++i)
            m_external.threads.emplace_back([this] { work(m_external); });
        logger()->info(
            "prophet started workers={} external_workers={} queue_capacity={} handlers={}",
            workers, external, m_options.queue_capacity, m_slots.size());
    }

    ~ProphetImpl() override { stop(); }

    ProphetImpl(const ProphetImpl&) = delete;
    ProphetImpl& operator=(const ProphetImpl&) = delete;

    Offer offer_execution(ExecRequest request) override {
        m_offered.fetch_add(1, std::memory_order_relaxed);
        if (m_stopping.load(std::memory_order_acquire)) return Offer::stopped;
        HandlerSlot* slot = find_slot(request.handler);
        if (slot == nullptr) {
            m_disabled.fetch_add(1, std::memory_order_relaxed);
            return Offer::handler_disabled;
        }
        std::lock_guard lock(m_mutex);
        Entry* entry = entry_for(request);
        if (entry == nullptr) return drop_store_full();
        if (in_flight(entry->exec) || entry->exec == WorkState::done) {
            m_duplicates.fetch_add(1, std::memory_order_relaxed);
            return Offer::duplicate;
        }
        if (request.deadline <= Clock::now()) {
            m_expired.fetch_add(1, std::memory_order_relaxed);
            erase_if_empty(request.future_id);
            return Offer::expired;
        }
        if (m_exec_queued >= m_options.queue_capacity) {
            erase_if_empty(request.future_id);
            return drop_queue_full();
        }
        const std::uint64_t token = ++m_next_token;
        entry->exec = WorkState::queued;
        entry->exec_token = token;
        Task task;
        task.kind = Kind::execute;
        task.future_id = request.future_id;
        task.token = token;
        task.slot = slot;
        task.input = std::move(request.input);
        task.account = entry->account;
        task.deadline = entry->deadline;
        ++m_exec_queued;
        pool_of(*slot).push(std::move(task));
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
        HandlerSlot* slot = find_slot(request.handler);
        std::lock_guard lock(m_mutex);
        Entry* entry = entry_for(request);
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
        if (request.deadline <= Clock::now()) {
            m_expired.fetch_add(1, std::memory_order_relaxed);
            erase_if_empty(request.future_id);
            return Offer::expired;
        }
        if (!queue_verification(request.future_id, *entry, slot, entry->input)) {
            erase_if_empty(request.future_id);
            return drop_queue_full();
        }
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
        m_entries.erase(it);  // its queued tasks are skipped when they come up (token)
    }

    bool handler_enabled(std::string_view handler) const override {
        return m_slots.find(handler) != m_slots.end();
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
        m.running = m_running.load(std::memory_order_relaxed);
        std::lock_guard lock(m_mutex);
        m.execution_queue_depth = m_exec_queued;
        m.verification_queue_depth = m_verify_queued;
        m.results_stored = m_results_stored;
        m.votes_stored = m_votes_stored;
        m.offered = m_offered.load(std::memory_order_relaxed);
        m.duplicates = m_duplicates.load(std::memory_order_relaxed);
        m.dropped_queue_full = m_dropped_queue_full.load(std::memory_order_relaxed);
        m.dropped_store_full = m_dropped_store_full.load(std::memory_order_relaxed);
        m.disabled = m_disabled.load(std::memory_order_relaxed);
        m.expired = m_expired.load(std::memory_order_relaxed);
        m.abstained = m_abstained.load(std::memory_order_relaxed);
        for (const auto& [name, slot] : m_slots) {
            const HandlerCounters& c = *slot.counters;
            HandlerMetrics h;
            h.name = name;
            h.external = slot.external;
            h.concurrency = slot.schedule.limit;
            h.running = slot.schedule.running;
            h.queued = slot.schedule.queued;
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
        std::lock_guard join_lock(m_join_mutex);
        m_stop.request_stop();
        {
            std::lock_guard lock(m_mutex);
            m_cpu.wake.notify_all();
            m_external.wake.notify_all();
        }
        for (Pool* pool : {&m_cpu, &m_external}) {
            for (auto& thread : pool->threads)
                thread.join();
            pool->threads.clear();
        }
        logger()->info("prophet stopped");
    }

private:
    HandlerSlot* find_slot(std::string_view handler) {
        auto it = m_slots.find(handler);
        return it == m_slots.end() ? nullptr : &it->second;
    }

    // External handlers run on the external pool, when it has threads.
    Pool& pool_of(const HandlerSlot& slot) {
        return slot.external && m_options.external_workers > 0 ? m_external : m_cpu;
    }

    // The entry of a future, created if needed; reset when the (handler, input) differ from the
    // stored ones (the same ID cannot name two futures, so the old data is stale). nullptr when
    // the store is full. Caller holds m_mutex.
    template <typename Request>
    Entry* entry_for(const Request& request) {
        auto it = m_entries.find(request.future_id);
        if (it == m_entries.end()) {
            if (m_entries.size() >= m_options.max_entries) return nullptr;
            it = m_entries.emplace(request.future_id, Entry{}).first;
        } else if (it->second.handler != request.handler || it->second.input != request.input) {
            Entry& stale = it->second;
            if (stale.result) --m_results_stored;
            if (stale.vote) --m_votes_stored;
            stale = Entry{};
        } else {
            it->second.deadline = request.deadline;  // the module's estimate moves
            return &it->second;
        }
        Entry& entry = it->second;
        entry.handler = request.handler;
        entry.input = request.input;
        entry.account = request.account;
        entry.deadline = request.deadline;
        return &entry;
    }

    // Queues the verification of `entry`'s claim. Caller holds m_mutex.
    bool queue_verification(std::uint64_t future_id, Entry& entry, HandlerSlot* slot,
                            Bytes input) {
        if (m_verify_queued >= m_options.queue_capacity) return false;
        Task task;
        task.kind = Kind::verify;
        task.future_id = future_id;
        task.token = entry.verify_token;
        task.slot = slot;
        task.input = std::move(input);
        task.claimed = entry.claimed;
        task.own = entry.result;
        task.account = entry.account;
        task.deadline = entry.deadline;
        entry.verify = WorkState::queued;
        ++m_verify_queued;
        pool_of(*slot).push(std::move(task));
        return true;
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

    enum class Start { run, stale, expired };

    // Whether a popped task still has an entry that wants it, and time to finish before its
    // deadline (the handler's mean successful run time). Marks it running. Caller holds m_mutex.
    Start begin(const Task& task) {
        auto it = m_entries.find(task.future_id);
        if (it == m_entries.end()) return Start::stale;
        Entry& e = it->second;
        const bool verify = task.kind == Kind::verify;
        if ((verify ? e.verify_token : e.exec_token) != task.token) return Start::stale;
        const double expected_us = verify && task.own ? 0.0 : task.slot->schedule.ok_exec_us;
        const auto expected = std::chrono::microseconds(static_cast<std::int64_t>(expected_us));
        if (e.deadline != k_no_deadline && Clock::now() + expected >= e.deadline) {
            (verify ? e.verify : e.exec) = WorkState::none;  // the module may offer it again
            erase_if_empty(task.future_id);
            return Start::expired;
        }
        (verify ? e.verify : e.exec) = WorkState::running;
        return Start::run;
    }

    void work(Pool& pool) {
        std::unique_lock lock(m_mutex);
        for (;;) {
            if (m_stop.stop_requested()) return;
            std::optional<Task> next = pool.pop();
            if (!next) {
                pool.wake.wait(lock);
                continue;
            }
            Task& task = *next;
            --(task.kind == Kind::verify ? m_verify_queued : m_exec_queued);
            const Start start = begin(task);
            if (start != Start::run) {
                if (start == Start::expired) {
                    const auto n = m_expired.fetch_add(1, std::memory_order_relaxed) + 1;
                    logger()->debug("not started, deadline too close future={} handler={} "
                                    "expired={}",
                                    task.future_id, task.slot->handler->name(), n);
                }
                pool.finish(task, 0);
                continue;
            }
            lock.unlock();
            m_running.fetch_add(1, std::memory_order_relaxed);
            const auto started = Clock::now();
            std::optional<Outcome> outcome;
            std::optional<Verdict> verdict;
            if (task.kind == Kind::execute) {
                outcome = execute(task);
            } else {
                verdict = verify(task);
            }
            const double used_us = micros(Clock::now() - started);
            m_running.fetch_sub(1, std::memory_order_relaxed);
            lock.lock();
            SlotSchedule& s = task.slot->schedule;
            ewma(task.kind == Kind::verify ? s.verify_cost_us : s.exec_cost_us, used_us);
            if (outcome && outcome->ok) {
                s.ok_exec_us = s.ok_exec_us == 0 ? used_us : s.ok_exec_us;
                ewma(s.ok_exec_us, used_us);
            }
            pool.finish(task, used_us);
            if (outcome) {
                complete_execution(task, std::move(*outcome));
            } else if (verdict) {
                complete_verification(task, *verdict);
            }
        }
    }

    Context context_for(const HandlerSlot& slot) const {
        Context ctx;
        ctx.deadline = Clock::now() + slot.timeout;
        ctx.stop = m_stop.get_token();
        return ctx;
    }

    // Runs the handler; nullopt when the run was cancelled by stop() (nothing is kept).
    std::optional<Outcome> execute(const Task& task) {
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
        if (!outcome.ok && outcome.reason == "cancelled") return std::nullopt;
        return outcome;
    }

    // Runs the verification; nullopt when cancelled by stop() (an abstain from the stop is no
    // verdict).
    std::optional<Verdict> verify(const Task& task) {
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
        if (ctx.cancelled()) return std::nullopt;
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
        return verdict;
    }

    // Caller holds m_mutex.
    void complete_execution(Task& task, Outcome outcome) {
        auto it = m_entries.find(task.future_id);
        if (it == m_entries.end() || it->second.exec_token != task.token) return;
        Entry& entry = it->second;
        if (!entry.result) ++m_results_stored;
        entry.result = std::move(outcome);
        entry.exec = WorkState::done;
        if (entry.verify != WorkState::waiting) return;
        if (!queue_verification(task.future_id, entry, task.slot, std::move(task.input))) {
            entry.verify = WorkState::none;  // the module offers it again
            drop_queue_full();
        }
    }

    // Caller holds m_mutex.
    void complete_verification(const Task& task, Verdict verdict) {
        auto it = m_entries.find(task.future_id);
        if (it == m_entries.end() || it->second.verify_token != task.token) return;
        if (!it->second.vote) ++m_votes_stored;
        it->second.vote = verdict;
        it->second.verify = WorkState::done;
    }

    const Options m_options;
    std::map<std::string, HandlerSlot, std::less<>> m_slots;  // the set is fixed; schedule
                                                              // fields under m_mutex

    mutable std::mutex m_mutex;  // guards the pools' queues, the slots' schedules, the stores
    Pool m_cpu;
    Pool m_external;
    std::unordered_map<std::uint64_t, Entry> m_entries;
    std::uint64_t m_next_token = 0;
    std::size_t m_exec_queued = 0;
    std::size_t m_verify_queued = 0;
    std::size_t m_results_stored = 0;
    std::size_t m_votes_stored = 0;

    std::atomic<std::uint64_t> m_offered{0};
    std::atomic<std::uint64_t> m_duplicates{0};
    std::atomic<std::uint64_t> m_dropped_queue_full{0};
    std::atomic<std::uint64_t> m_dropped_store_full{0};
    std::atomic<std::uint64_t> m_disabled{0};
    std::atomic<std::uint64_t> m_expired{0};
    std::atomic<std::uint64_t> m_abstained{0};  // abstain votes stored without running a handler
    std::atomic<std::size_t> m_running{0};

    std::atomic<bool> m_stopping{false};
    std::stop_source m_stop;
    std::mutex m_join_mutex;
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
        case Offer::expired:
            return "expired";
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
        slot.external = handler->external();
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
    for (const auto& [name, limit] : options.concurrency) {
        if (slots.count(name) == 0) {
            return make_error("bad_option", "concurrency for unknown handler \"" + name + "\"");
        }
        if (limit == 0) return make_error("bad_option", "concurrency of \"" + name + "\" is 0");
    }
    if (options.max_running_per_account == 0)
        return make_error("bad_option", "max_running_per_account must be > 0");
    unsigned workers = options.workers;
    if (workers == 0) workers = std::max(1U, std::thread::hardware_concurrency());
    return std::unique_ptr<Prophet>(
        std::make_unique<ProphetImpl>(std::move(options), std::move(slots), workers));
}

}  // namespace seer::prophet
