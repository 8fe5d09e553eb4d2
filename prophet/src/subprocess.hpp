#pragma once
// Runs an external program without a shell: argv, input on stdin, stdout and stderr captured,
// a deadline and a stop flag, an output cap, resource limits. Nothing the program starts
// outlives the run: a small supervisor process (a fork of the node, subreaper of everything
// the program spawns) kills the program's whole tree when it exits, at the deadline, and when
// the node dies. Always reaps. Internal to the prophet.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <stop_token>
#include <string>
#include <vector>

#include "seer/common/bytes.hpp"

namespace seer::prophet {

/// setrlimit values for the program; 0 = not limited by this run (the node's own limits hold).
struct ProcessLimits {
    std::uint64_t cpu_seconds = 0;   // RLIMIT_CPU: SIGXCPU at the limit, SIGKILL a second later
    std::uint64_t memory_bytes = 0;  // RLIMIT_AS
    std::uint64_t file_bytes = 0;    // RLIMIT_FSIZE: the largest file the program may write
    std::uint64_t open_files = 0;    // RLIMIT_NOFILE
};

struct ProcessSpec {
    std::vector<std::string> argv;
    std::vector<std::string> env;  // the child's whole environment, "KEY=value"
    ByteView input;
    std::chrono::steady_clock::time_point deadline;
    std::stop_token stop;
    std::size_t max_stdout = 1 << 20;
    std::size_t max_stderr = 4096;  // beyond it stderr is read and discarded
    ProcessLimits limits;
};

enum class ProcessStatus {
    exited,
    signaled,
    limit_exceeded,  // killed by its CPU-time (SIGXCPU) or file-size (SIGXFSZ) limit
    timed_out,
    cancelled,
    output_too_large,
    spawn_failed,
};

struct ProcessResult {
    ProcessStatus status = ProcessStatus::spawn_failed;
    int code = 0;  // exit status (exited) or signal number (signaled, limit_exceeded)
    Bytes out;
    std::string err;      // first max_stderr bytes of stderr
    std::string failure;  // spawn_failed: what went wrong
    /// Processes the supervisor killed after the program itself ended (or was killed): what
    /// the program left behind (setsid, double fork). Zero for a well-behaved program.
    int leftovers = 0;
};

ProcessResult run_process(const ProcessSpec& spec);

}  // namespace seer::prophet
