#pragma once
// Runs an external program without a shell: argv, input on stdin, stdout and stderr captured,
// a deadline and a stop flag (SIGKILL to the child's process group), an output cap. Always
// reaps the child. Internal to the prophet.

#include <chrono>
#include <cstddef>
#include <stop_token>
#include <string>
#include <vector>

#include "seer/common/bytes.hpp"

namespace seer::prophet {

struct ProcessSpec {
    std::vector<std::string> argv;
    std::vector<std::string> env;  // the child's whole environment, "KEY=value"
    ByteView input;
    std::chrono::steady_clock::time_point deadline;
    std::stop_token stop;
    std::size_t max_stdout = 1 << 20;
    std::size_t max_stderr = 4096;  // beyond it stderr is read and discarded
};

enum class ProcessStatus { exited, signaled, timed_out, cancelled, output_too_large, spawn_failed };

struct ProcessResult {
    ProcessStatus status = ProcessStatus::spawn_failed;
    int code = 0;  // exit status (exited) or signal number (signaled)
    Bytes out;
    std::string err;      // first max_stderr bytes of stderr
    std::string failure;  // spawn_failed: what went wrong
};

ProcessResult run_process(const ProcessSpec& spec);

}  // namespace seer::prophet
