// Outcome, Context and the shared verify of deterministic handlers; the echo handler.

#include <algorithm>
#include <array>
#include <mutex>

#include "log.hpp"
#include "seer/prophet/handler.hpp"

namespace seer::prophet {

std::shared_ptr<spdlog::logger> logger() {
    static const std::shared_ptr<spdlog::logger> instance = [] {
        if (auto existing = spdlog::get("prophet")) return existing;
        auto fallback = spdlog::default_logger();
        auto created = std::make_shared<spdlog::logger>("prophet", fallback->sinks().begin(),
                                                        fallback->sinks().end());
        created->set_level(fallback->level());
        try {
            spdlog::register_logger(created);
        } catch (const spdlog::spdlog_ex&) {
            if (auto existing = spdlog::get("prophet")) return existing;  // registered meanwhile
        }
        return created;
    }();
    return instance;
}

Outcome Outcome::success(Bytes output) {
    Outcome o;
    o.ok = true;
    o.output = std::move(output);
    return o;
}

Outcome Outcome::failure(const Error& error) {
    Outcome o;
    o.ok = false;
    o.reason = error.reason;
    o.error = error.message.empty() ? error.reason : error.reason + ": " + error.message;
    return o;
}

Outcome Outcome::from(Result<Bytes> result) {
    if (result.ok()) return success(std::move(result).value());
    return failure(result.error());
}

bool same_result(const Outcome& a, const Outcome& b) {
    if (a.ok != b.ok) return false;
    return a.ok ? a.output == b.output : a.error == b.error;
}

bool is_local_failure(std::string_view reason) {
    static constexpr std::array<std::string_view, 5> k_local{"timeout", "cancelled", "unavailable",
                                                             "internal", "local_limit"};
    return std::find(k_local.begin(), k_local.end(), reason) != k_local.end();
}

std::string_view to_string(Verdict verdict) {
    switch (verdict) {
        case Verdict::verified:
            return "verified";
        case Verdict::rejected:
            return "rejected";
        case Verdict::abstain:
            return "abstain";
    }
    return "unknown";
}

std::optional<Error> Context::interrupted() const {
    if (cancelled()) return make_error("cancelled", "prophet is stopping");
    if (expired()) return make_error("timeout", "handler deadline passed");
    return std::nullopt;
}

std::chrono::milliseconds Context::remaining() const {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return std::chrono::milliseconds{0};
    if (deadline == std::chrono::steady_clock::time_point::max()) {
        return std::chrono::milliseconds{std::chrono::hours{24 * 365}};
    }
    return std::chrono::ceil<std::chrono::milliseconds>(deadline - now);
}

Verdict verify_by_execution(const Handler& handler, ByteView input, const Outcome& claimed,
                            const Context& ctx) {
    Outcome fresh;
    const Outcome* own = ctx.own_execution;
    if (own == nullptr) {
        fresh = Outcome::from(handler.execute(input, ctx));
        own = &fresh;
    }
    if (!own->ok && is_local_failure(own->reason)) return Verdict::abstain;
    return same_result(*own, claimed) ? Verdict::verified : Verdict::rejected;
}

namespace {

class EchoHandler final : public Handler {
public:
    std::string_view name() const override { return "echo"; }
    Result<Bytes> execute(ByteView input, const Context&) const override {
        return Bytes(input.begin(), input.end());
    }
    Verdict verify(ByteView input, const Outcome& claimed, const Context& ctx) const override {
        return verify_by_execution(*this, input, claimed, ctx);
    }
};

}  // namespace

std::unique_ptr<Handler> make_echo_handler() {
    return std::make_unique<EchoHandler>();
}

}  // namespace seer::prophet
