#pragma once
// Helpers shared by the prophet tests: bounded polling (never fixed sleeps) and small handlers.

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <vector>
#include <stdexcept>
#include <thread>

#include "seer/prophet/handler.hpp"

namespace seer::prophet::test {

/// Polls `done` every 5 ms for up to 10 s; true as soon as it holds.
template <class F>
bool eventually(F done) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < until) {
        if (done()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return done();
}

inline Context context_with_timeout(std::chrono::milliseconds timeout) {
    Context ctx;
    ctx.deadline = std::chrono::steady_clock::now() + timeout;
    return ctx;
}

/// Echo-like deterministic handler that holds every call until `open`, and counts executions.
class GateHandler final : public Handler {
public:
    explicit GateHandler(std::string name = "gate", bool external = false)
        : m_name(std::move(name)), m_external(external) {}
    std::string_view name() const override { return m_name; }
    bool external() const override { return m_external; }
    Result<Bytes> execute(ByteView input, const Context& ctx) const override {
        ++executions;
        while (!open.load()) {
            if (auto stop = ctx.interrupted()) return *stop;
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        return Bytes(input.begin(), input.end());
    }
    Verdict verify(ByteView input, const Outcome& claimed, const Context& ctx) const override {
        return verify_by_execution(*this, input, claimed, ctx);
    }

    mutable std::atomic<int> executions{0};
    std::atomic<bool> open{false};

private:
    std::string m_name;
    bool m_external = false;
};

/// Holds every call until `open`, then records the inputs in the order the calls ran.
class RecordingHandler final : public Handler {
public:
    std::string_view name() const override { return "record"; }
    Result<Bytes> execute(ByteView input, const Context& ctx) const override {
        while (!open.load()) {
            if (auto stop = ctx.interrupted()) return *stop;
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        std::lock_guard lock(m_mutex);
        m_order.emplace_back(input.begin(), input.end());
        return Bytes(input.begin(), input.end());
    }
    Verdict verify(ByteView input, const Outcome& claimed, const Context& ctx) const override {
        return verify_by_execution(*this, input, claimed, ctx);
    }
    std::vector<std::string> order() const {
        std::lock_guard lock(m_mutex);
        return m_order;
    }

    std::atomic<bool> open{false};

private:
    mutable std::mutex m_mutex;
    mutable std::vector<std::string> m_order;
};

class ThrowingHandler final : public Handler {
public:
    std::string_view name() const override { return "throws"; }
    Result<Bytes> execute(ByteView, const Context&) const override {
        throw std::runtime_error("boom");
    }
    Verdict verify(ByteView, const Outcome&, const Context&) const override {
        throw std::logic_error("boom in verify");
    }
};

}  // namespace seer::prophet::test
