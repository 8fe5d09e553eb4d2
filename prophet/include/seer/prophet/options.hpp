#pragma once
// Options of the prophet, filled by the node from its config (no TOML parsing here).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "seer/common/result.hpp"
#include "seer/prophet/handler.hpp"

namespace seer::prophet {

struct HttpOptions {
    /// Origins allowed, "http://host[:port]" (port defaults to 80). https is not supported in
    /// this build.
    std::vector<std::string> allowlist;
    std::chrono::milliseconds timeout{5000};   // whole request: resolve, connect, write, read
    std::size_t max_response_bytes = 1 << 20;  // body cap; larger responses are an error
    std::size_t max_input_bytes = 16 << 10;
    /// Relative tolerance for numeric outputs in verify: |a-b| <= tolerance * max(|a|,|b|).
    double tolerance = 0.0;
};

/// Resource limits of an exec run (setrlimit in the run's supervisor, inherited by everything
/// the program starts). 0 = not limited (the node's own limits hold).
struct ExecLimits {
    std::chrono::milliseconds cpu{0};           // CPU time; 0 = the program's timeout
    std::uint64_t memory_bytes = 1ULL << 30;    // address space (RLIMIT_AS)
    std::uint64_t file_bytes = 64ULL << 20;     // largest file written (RLIMIT_FSIZE)
    std::uint64_t open_files = 256;             // RLIMIT_NOFILE
};

/// An operator-configured external program, registered as `exec:<name>`.
struct ExecProgram {
    std::string name;
    std::vector<std::string> argv;         // argv[0] is the path of the program; no shell
    std::vector<std::string> verify_argv;  // optional; empty = verify by re-execution
    std::vector<std::string> env;          // extra "KEY=value" for the child (see docs)
    std::chrono::milliseconds timeout{10'000};
    std::size_t max_output_bytes = 1 << 20;  // stdout cap; the child is killed beyond it
    ExecLimits limits{};
};

struct Options {
    /// Worker threads for in-process handlers; 0 = one per core.
    unsigned workers = 0;
    /// Threads for external handlers (exec:*, http), which mostly wait; 0 = none (external
    /// handlers then share `workers`, without the isolation).
    unsigned external_workers = 8;
    /// Runs of one handler at once, per handler ID. Default: the pool's size for in-process
    /// handlers, half the external pool (at least 1) for external ones.
    std::map<std::string, unsigned, std::less<>> concurrency;
    /// External runs one account may hold at once, across its external handlers.
    unsigned max_running_per_account = 2;
    /// Requests queued at most, per kind (execution, verification). A full queue drops the
    /// request and counts it: the module re-offers unfinished futures every block.
    std::size_t queue_capacity = 1024;
    /// Upper bound of stored futures (results + votes + work in flight); offers beyond it are
    /// refused like a full queue, so a module that forgets to `forget` cannot exhaust memory.
    std::size_t max_entries = 100'000;
    /// Built-in handlers to enable: "echo", "math", "hashchain", "http". Every `exec` program is
    /// enabled as "exec:<name>".
    std::vector<std::string> enabled{"echo", "math", "hashchain"};
    /// Handler timeout (deadline in Context), per handler ID, else `default_timeout`. An exec
    /// program's own `timeout` applies unless this map names it.
    std::chrono::milliseconds default_timeout{30'000};
    std::map<std::string, std::chrono::milliseconds, std::less<>> timeouts;

    MathLimits math;
    HashchainOptions hashchain;
    HttpOptions http;
    std::vector<ExecProgram> exec;

    /// Further handlers registered as they are (tests, embedders). Names must be unique.
    std::vector<std::shared_ptr<const Handler>> extra_handlers;
};

/// `http` (see docs/prophet.md for the input format). Error on a malformed allowlist origin.
Result<std::unique_ptr<Handler>> make_http_handler(HttpOptions options);

/// `exec:<name>`. Error on an empty name or argv, or a relative program path.
Result<std::unique_ptr<Handler>> make_exec_handler(ExecProgram program);

}  // namespace seer::prophet
