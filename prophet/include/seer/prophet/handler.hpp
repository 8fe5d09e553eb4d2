#pragma once
// The handler interface of the prophet (DESIGN.md §5) and the built-in handlers.
//
// A handler is stateless from the prophet's point of view: `execute` and `verify` are called
// concurrently from several worker threads, so implementations must be thread-safe (they are
// `const`). A handler must honour `Context`: return promptly once `ctx.interrupted()` says so.
// In-process handlers cannot be killed; external programs (`exec:<name>`) are.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>

#include "seer/common/bytes.hpp"
#include "seer/common/result.hpp"

namespace seer::prophet {

/// What a future produced: an output, or an error (a handler error is a result too, DESIGN §4).
struct Outcome {
    bool ok = false;
    Bytes output;        // when ok
    std::string error;   // when !ok: "<reason>: <message>", the text that goes on chain
    std::string reason;  // when !ok and produced on this node: the stable reason; node-local,
                         // empty for an outcome read from chain

    static Outcome success(Bytes output);
    static Outcome failure(const Error& error);
    static Outcome from(Result<Bytes> result);
};

/// Same result as seen on chain: same ok flag and same output, or same error text.
bool same_result(const Outcome& a, const Outcome& b);

/// Reasons that say "this node could not compute it" rather than "the computation's answer is
/// an error": timeout, cancelled, unavailable (network), internal, local_limit (an operator
/// limit of this node). A verification that meets one of them abstains; it never rejects.
bool is_local_failure(std::string_view reason);

enum class Verdict { verified, rejected, abstain };

std::string_view to_string(Verdict verdict);

/// Per-call context. `deadline` is the handler's timeout, `stop` is requested on shutdown.
struct Context {
    std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
    std::stop_token stop;
    /// For verify only: this node's own outcome of the same (handler, input), when it already
    /// executed the future. Deterministic handlers compare against it instead of running again.
    const Outcome* own_execution = nullptr;

    bool cancelled() const { return stop.stop_requested(); }
    bool expired() const { return std::chrono::steady_clock::now() >= deadline; }
    /// timeout/cancelled error when the handler must stop now, else nullopt.
    std::optional<Error> interrupted() const;
    /// Time left before the deadline (zero when passed).
    std::chrono::milliseconds remaining() const;
};

class Handler {
public:
    virtual ~Handler() = default;
    /// The registry ID: "echo", "math", "hashchain", "http", "exec:<name>".
    virtual std::string_view name() const = 0;
    /// True for a handler that waits on something outside the node (a program, the network):
    /// the prophet runs it on its external workers, with per-handler and per-account limits,
    /// so it never holds a worker that in-process handlers need (docs/prophet.md).
    virtual bool external() const { return false; }
    virtual Result<Bytes> execute(ByteView input, const Context& ctx) const = 0;
    virtual Verdict verify(ByteView input, const Outcome& claimed, const Context& ctx) const = 0;
};

/// The verify of a deterministic handler: compare `claimed` with `ctx.own_execution` when set,
/// else with a fresh `handler.execute`. A local failure (timeout, limit, ...) abstains.
Verdict verify_by_execution(const Handler& handler, ByteView input, const Outcome& claimed,
                            const Context& ctx);

// ---- built-in handlers -------------------------------------------------------------------

/// `echo`: output = input.
std::unique_ptr<Handler> make_echo_handler();

struct MathLimits {
    std::size_t max_length = 4096;  // bytes of expression text
    std::size_t max_depth = 64;     // nesting of parentheses and unary operators
};

/// Evaluates an int64 expression: `+ - * / % ^ ( )`, unary minus (and plus), whitespace.
/// `/` and `%` truncate toward zero (C++); `^` is power, right-associative, binds tighter than
/// unary minus (`-2^2` = -4); a negative exponent, overflow, division or modulo by zero and bad
/// syntax are errors (reasons: overflow, division_by_zero, negative_exponent, syntax,
/// too_large, too_deep); syntax errors name the 0-based byte position.
Result<std::int64_t> evaluate_math(std::string_view expression, const MathLimits& limits = {});

/// `math`: input = expression text, output = decimal result.
std::unique_ptr<Handler> make_math_handler(MathLimits limits = {});

struct HashchainOptions {
    std::uint64_t max_iterations = 1'000'000;
    std::size_t max_input_bytes = 1 << 20;
};

/// `hashchain`: input {"data": "...", "iterations": N} (1 <= N <= max_iterations), output the
/// lower-case hex of SHA-256 applied N times (first over the UTF-8 bytes of data, then over the
/// previous 32-byte digest).
std::unique_ptr<Handler> make_hashchain_handler(HashchainOptions options = {});

}  // namespace seer::prophet
