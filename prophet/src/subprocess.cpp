// Process layout of one run:
//
//   node (worker thread) ── fork ──> supervisor S ── fork+execve ──> program P ──> ...
//
// S is a child subreaper (PR_SET_CHILD_SUBREAPER): whatever P starts, even with setsid or a
// double fork, is re-parented to S when its parent dies, never to init. S waits for P to exit
// (or for SIGTERM: the deadline, a stop, or the death of the node's worker thread through
// PR_SET_PDEATHSIG), then SIGKILLs P's process group and every process re-parented to it,
// until it has no child left, and reports over a status pipe. So when S's last record
// arrives, nothing of the run is alive and the output pipes are at EOF.
//
// The code between fork and _exit runs in a copy of a multi-threaded process: it calls only
// async-signal-safe functions (raw system calls, no allocation, no locks). Everything it needs
// is prepared before the fork.
//
// S and P get the default signal dispositions and an explicit environment, and no fd other
// than 0, 1, 2 (S also keeps the status pipe as fd 3, close-on-exec). Writing stdin can hit a
// closed pipe: SIGPIPE is blocked in this thread meanwhile and a SIGPIPE it raised is consumed.

#include "subprocess.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <optional>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

namespace seer::prophet {
namespace {

using Clock = std::chrono::steady_clock;

/// How long S may take to clean up after SIGTERM before the node kills it (and P's group).
constexpr auto k_supervisor_grace = std::chrono::seconds(2);
/// S's kill loop gives up after this many 1 ms rounds (a fork bomb outpacing SIGKILL).
constexpr int k_max_kill_rounds = 5000;

class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) : m_fd(fd) {}
    ~Fd() { reset(); }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    Fd(Fd&& other) noexcept : m_fd(other.m_fd) { other.m_fd = -1; }
    Fd& operator=(Fd&& other) noexcept {
        if (this != &other) {
            reset();
            m_fd = other.m_fd;
            other.m_fd = -1;
        }
        return *this;
    }
    int get() const { return m_fd; }
    void reset() {
        if (m_fd >= 0) ::close(m_fd);  // no retry on EINTR: on Linux the fd is closed anyway
        m_fd = -1;
    }

private:
    int m_fd = -1;
};

bool make_pipe(Fd& read_end, Fd& write_end) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return false;
    read_end = Fd(fds[0]);
    write_end = Fd(fds[1]);
    return true;
}

// Blocks SIGPIPE in this thread for its lifetime; a SIGPIPE raised meanwhile is consumed.
class SigpipeGuard {
public:
    SigpipeGuard() {
        sigemptyset(&m_set);
        sigaddset(&m_set, SIGPIPE);
        sigset_t pending;
        sigpending(&pending);
        m_was_pending = sigismember(&pending, SIGPIPE) == 1;
        pthread_sigmask(SIG_BLOCK, &m_set, &m_old);
    }
    ~SigpipeGuard() {
        if (!m_was_pending) {
            sigset_t pending;
            sigpending(&pending);
            if (sigismember(&pending, SIGPIPE) == 1) {
                const timespec zero{0, 0};
                while (sigtimedwait(&m_set, nullptr, &zero) < 0 && errno == EINTR) {
                }
            }
        }
        pthread_sigmask(SIG_SETMASK, &m_old, nullptr);
    }
    SigpipeGuard(const SigpipeGuard&) = delete;
    SigpipeGuard& operator=(const SigpipeGuard&) = delete;

private:
    sigset_t m_set{};
    sigset_t m_old{};
    bool m_was_pending = false;
};

// ---- the status pipe: fixed records, each written atomically (< PIPE_BUF) ----------------

enum RecordType : std::int32_t {
    k_started = 1,      // a = P's pid
    k_exec_failed = 2,  // a = errno of execve (written by P)
    k_setup_failed = 3, // a = errno, b = step
    k_finished = 4,     // a = P's wait status, b = processes killed after P ended
};

struct Record {
    std::int32_t type = 0;
    std::int32_t a = 0;
    std::int32_t b = 0;
};

void put_record(int fd, std::int32_t type, std::int32_t a, std::int32_t b) {
    const Record r{type, a, b};
    while (::write(fd, &r, sizeof r) < 0 && errno == EINTR) {
    }
}

// ---- the supervisor (runs after fork: async-signal-safe only) -----------------------------

struct Plan {
    const char* path = nullptr;
    char* const* argv = nullptr;
    char* const* envp = nullptr;
    int in = -1, out = -1, err = -1, status = -1;  // the child's ends of the pipes
    pid_t node = 0;
    struct Limit {
        __rlimit_resource_t resource;
        rlim_t soft;
        rlim_t hard;
    };
    std::array<Limit, 5> limits{};
    std::size_t limit_count = 0;
};

void reset_signals() {
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    for (int sig = 1; sig < NSIG; ++sig) {
        if (sig == SIGKILL || sig == SIGSTOP) continue;
        ::sigaction(sig, &dfl, nullptr);  // EINVAL for the reserved real-time signals is fine
    }
}

// SIGKILLs every child of S (and its process group, for a child that made one). Returns the
// number of children signalled. Reads /proc/self/task/<pid>/children without allocating.
int kill_children() {
    char path[64] = "/proc/self/task/";
    std::size_t n = std::strlen(path);
    char digits[16];
    std::size_t d = 0;
    for (auto pid = static_cast<unsigned long>(::getpid()); pid != 0; pid /= 10)
        digits[d++] = static_cast<char>('0' + pid % 10);
    while (d > 0)
        path[n++] = digits[--d];
    std::memcpy(path + n, "/children", sizeof "/children");
    const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    int killed = 0;
    long current = -1;
    char buf[512];
    for (;;) {
        const ssize_t r = ::read(fd, buf, sizeof buf);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        for (ssize_t i = 0; i < r; ++i) {
            if (buf[i] >= '0' && buf[i] <= '9') {
                current = (current < 0 ? 0 : current * 10) + (buf[i] - '0');
            } else if (current > 0) {
                ::kill(static_cast<pid_t>(-current), SIGKILL);
                ::kill(static_cast<pid_t>(current), SIGKILL);
                ++killed;
                current = -1;
            }
        }
    }
    if (current > 0) {
        ::kill(static_cast<pid_t>(-current), SIGKILL);
        ::kill(static_cast<pid_t>(current), SIGKILL);
        ++killed;
    }
    ::close(fd);
    return killed;
}

[[noreturn]] void run_program(const Plan& plan) {
    ::setpgid(0, 0);  // P's own group: the node's fallback kill reaches P and its group only
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execve(plan.path, plan.argv, plan.envp);
    put_record(3, k_exec_failed, errno, 0);
    ::_exit(127);
}

[[noreturn]] void supervise(const Plan& plan) {
    reset_signals();
    sigset_t waitset;
    sigemptyset(&waitset);
    sigaddset(&waitset, SIGCHLD);
    sigaddset(&waitset, SIGTERM);
    ::sigprocmask(SIG_SETMASK, &waitset, nullptr);  // taken with sigtimedwait below

    // Move the pipe ends out of 0..3 first (the node may run with a standard fd closed, so
    // pipe2 can have returned one of them), then into place.
    const int in = ::fcntl(plan.in, F_DUPFD, 10);
    const int out = ::fcntl(plan.out, F_DUPFD, 10);
    const int err = ::fcntl(plan.err, F_DUPFD, 10);
    const int status = ::fcntl(plan.status, F_DUPFD, 10);
    if (status < 0 || ::dup2(status, 3) < 0) ::_exit(126);
    if (in < 0 || out < 0 || err < 0 || ::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 ||
        ::dup2(err, 2) < 0) {
        put_record(3, k_setup_failed, errno, 1);
        ::_exit(126);
    }
    ::close_range(4, ~0U, 0);
    ::fcntl(3, F_SETFD, FD_CLOEXEC);

    if (::prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || ::getppid() != plan.node) {
        put_record(3, k_setup_failed, errno, 2);  // the node's thread is already gone
        ::_exit(126);
    }
    if (::prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
        put_record(3, k_setup_failed, errno, 3);
        ::_exit(126);
    }
    ::setpgid(0, 0);
    const rlimit no_core{0, 0};
    ::setrlimit(RLIMIT_CORE, &no_core);
    for (std::size_t i = 0; i < plan.limit_count; ++i) {
        const rlimit l{plan.limits[i].soft, plan.limits[i].hard};
        if (::setrlimit(plan.limits[i].resource, &l) != 0) {
            put_record(3, k_setup_failed, errno, 4);
            ::_exit(126);
        }
    }

    const pid_t program = ::fork();
    if (program == 0) run_program(plan);
    if (program < 0) {
        put_record(3, k_setup_failed, errno, 5);
        ::_exit(126);
    }
    put_record(3, k_started, program, 0);
    // S's own stdio goes to /dev/null: the pipes reach EOF when the program's tree is gone.
    const int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
        ::dup2(null, 0);
        ::dup2(null, 1);
        ::dup2(null, 2);
        ::close(null);
    }

    int program_status = 0;
    bool program_done = false;
    int leftovers = 0;  // processes reaped other than the program: what it left behind
    bool terminated = false;
    auto reap = [&] {
        bool any = false;
        for (;;) {
            int st = 0;
            const pid_t w = ::waitpid(-1, &st, WNOHANG);
            if (w > 0) {
                any = true;
                if (w == program) {
                    program_status = st;
                    program_done = true;
                } else {
                    ++leftovers;
                }
                continue;
            }
            return std::make_pair(any, w < 0 && errno == ECHILD);
        }
    };
    while (!program_done && !terminated) {
        const timespec slice{1, 0};
        const int sig = ::sigtimedwait(&waitset, nullptr, &slice);
        if (sig == SIGTERM) terminated = true;
        reap();
    }
    // The program ended or must end: kill its group, then everything re-parented to S.
    ::kill(-program, SIGKILL);
    if (!program_done) ::kill(program, SIGKILL);
    for (int round = 0; round < k_max_kill_rounds; ++round) {
        kill_children();
        const auto [reaped, none_left] = reap();
        if (none_left) break;
        if (!reaped) {
            const timespec ms{0, 1'000'000};
            ::nanosleep(&ms, nullptr);
        }
    }
    put_record(3, k_finished, program_status, leftovers);
    ::_exit(terminated ? 1 : 0);
}

bool child_exited(pid_t pid) {
    siginfo_t info{};
    for (;;) {
        if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0) {
            return info.si_pid == pid;
        }
        if (errno != EINTR) return true;  // ECHILD: nothing to wait for
    }
}

void wait_child(pid_t pid) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
}

void add_limit(Plan& plan, __rlimit_resource_t resource, std::uint64_t value, std::uint64_t hard_extra = 0) {
    if (value == 0) return;
    const auto soft = static_cast<rlim_t>(value);
    plan.limits[plan.limit_count++] = {resource, soft, soft + static_cast<rlim_t>(hard_extra)};
}

}  // namespace

ProcessResult run_process(const ProcessSpec& spec) {
    ProcessResult result;
    if (spec.argv.empty()) {
        result.failure = "empty argv";
        return result;
    }
    Fd in_read, in_write, out_read, out_write, err_read, err_write, st_read, st_write;
    if (!make_pipe(in_read, in_write) || !make_pipe(out_read, out_write) ||
        !make_pipe(err_read, err_write) || !make_pipe(st_read, st_write)) {
        result.failure = std::string("pipe: ") + std::strerror(errno);
        return result;
    }

    std::vector<char*> argv;
    for (const auto& a : spec.argv)
        argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (const auto& e : spec.env)
        envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    Plan plan;
    plan.path = argv[0];
    plan.argv = argv.data();
    plan.envp = envp.data();
    plan.in = in_read.get();
    plan.out = out_write.get();
    plan.err = err_write.get();
    plan.status = st_write.get();
    plan.node = ::getpid();
    add_limit(plan, RLIMIT_CPU, spec.limits.cpu_seconds, 1);
    add_limit(plan, RLIMIT_AS, spec.limits.memory_bytes);
    add_limit(plan, RLIMIT_FSIZE, spec.limits.file_bytes);
    add_limit(plan, RLIMIT_NOFILE, spec.limits.open_files);

    const pid_t supervisor = ::fork();
    if (supervisor == 0) supervise(plan);
    if (supervisor < 0) {
        result.failure = std::string("fork: ") + std::strerror(errno);
        return result;
    }
    in_read.reset();
    out_write.reset();
    err_write.reset();
    st_write.reset();
    ::fcntl(in_write.get(), F_SETFL, O_NONBLOCK);
    ::fcntl(out_read.get(), F_SETFL, O_NONBLOCK);
    ::fcntl(err_read.get(), F_SETFL, O_NONBLOCK);
    ::fcntl(st_read.get(), F_SETFL, O_NONBLOCK);

    SigpipeGuard sigpipe_guard;
    std::size_t written = 0;
    if (spec.input.empty()) in_write.reset();
    std::optional<ProcessStatus> killed;  // why the run was stopped by this side
    std::optional<Clock::time_point> term_sent;
    pid_t program = -1;
    std::optional<Record> finished;
    int exec_errno = 0;
    std::string setup_failure;
    char chunk[16384];
    char records[sizeof(Record) * 8];
    std::size_t record_bytes = 0;

    auto stop_run = [&](ProcessStatus why) {
        if (!killed) killed = why;
        if (!term_sent) {
            ::kill(supervisor, SIGTERM);
            term_sent = Clock::now();
        }
    };
    auto read_stream = [&](Fd& fd, bool is_stdout) {
        for (;;) {
            const ssize_t r = ::read(fd.get(), chunk, sizeof chunk);
            if (r < 0) {
                if (errno == EINTR) continue;
                if (errno != EAGAIN) fd.reset();
                return;
            }
            if (r == 0) {
                fd.reset();
                return;
            }
            const auto size = static_cast<std::size_t>(r);
            if (is_stdout) {
                if (result.out.size() + size > spec.max_stdout) {
                    stop_run(ProcessStatus::output_too_large);
                    fd.reset();
                    return;
                }
                result.out.insert(result.out.end(), chunk, chunk + size);
            } else if (result.err.size() < spec.max_stderr) {
                result.err.append(chunk, std::min(size, spec.max_stderr - result.err.size()));
            }
        }
    };
    auto read_status = [&] {
        for (;;) {
            const ssize_t r = ::read(st_read.get(), records + record_bytes,
                                     sizeof records - record_bytes);
            if (r < 0) {
                if (errno == EINTR) continue;
                if (errno != EAGAIN) st_read.reset();
                break;
            }
            if (r == 0) {
                st_read.reset();
                break;
            }
            record_bytes += static_cast<std::size_t>(r);
            std::size_t at = 0;
            for (; at + sizeof(Record) <= record_bytes; at += sizeof(Record)) {
                Record rec;
                std::memcpy(&rec, records + at, sizeof rec);
                switch (rec.type) {
                    case k_started:
                        program = rec.a;
                        break;
                    case k_exec_failed:
                        exec_errno = rec.a;
                        break;
                    case k_setup_failed:
                        setup_failure = "supervisor setup step " + std::to_string(rec.b) + ": " +
                                        std::strerror(rec.a);
                        break;
                    case k_finished:
                        finished = rec;
                        break;
                    default:
                        break;
                }
            }
            std::memmove(records, records + at, record_bytes - at);
            record_bytes -= at;
        }
    };

    // Until the supervisor's last record (or its death, EOF on the status pipe).
    while (!finished && st_read.get() >= 0) {
        if (!killed) {
            if (spec.stop.stop_requested()) {
                stop_run(ProcessStatus::cancelled);
            } else if (Clock::now() >= spec.deadline) {
                stop_run(ProcessStatus::timed_out);
            }
        }
        if (term_sent && Clock::now() >= *term_sent + k_supervisor_grace) {
            // The supervisor does not clean up: kill it and the program's group ourselves.
            ::kill(supervisor, SIGKILL);
            if (program > 0) ::kill(-program, SIGKILL);
        }
        pollfd fds[4];
        nfds_t n = 0;
        int out_index = -1, err_index = -1, in_index = -1;
        const int st_index = static_cast<int>(n);
        fds[n++] = pollfd{st_read.get(), POLLIN, 0};
        if (out_read.get() >= 0) {
            out_index = static_cast<int>(n);
            fds[n++] = pollfd{out_read.get(), POLLIN, 0};
        }
        if (err_read.get() >= 0) {
            err_index = static_cast<int>(n);
            fds[n++] = pollfd{err_read.get(), POLLIN, 0};
        }
        if (in_write.get() >= 0) {
            in_index = static_cast<int>(n);
            fds[n++] = pollfd{in_write.get(), POLLOUT, 0};
        }
        // Short slices: the stop flag and the deadline are noticed within 20 ms.
        const int ready = ::poll(fds, n, 20);
        if (ready < 0) {
            if (errno == EINTR) continue;
            stop_run(ProcessStatus::spawn_failed);
            result.failure = std::string("poll: ") + std::strerror(errno);
            continue;
        }
        if (in_index >= 0 && fds[in_index].revents != 0) {
            const ssize_t w =
                ::write(in_write.get(), spec.input.data() + written, spec.input.size() - written);
            if (w > 0) {
                written += static_cast<std::size_t>(w);
                if (written == spec.input.size()) in_write.reset();
            } else if (w < 0 && errno != EINTR && errno != EAGAIN) {
                in_write.reset();  // EPIPE: the program does not read its input; fine
            }
        }
        if (out_index >= 0 && fds[out_index].revents != 0) read_stream(out_read, true);
        if (err_index >= 0 && fds[err_index].revents != 0) read_stream(err_read, false);
        if (fds[st_index].revents != 0) read_status();
    }
    // The run's processes are gone: what they wrote is in the pipes. Read it, do not wait.
    in_write.reset();
    if (out_read.get() >= 0) read_stream(out_read, true);
    if (err_read.get() >= 0) read_stream(err_read, false);
    if (!finished) {
        // The supervisor died without its last record (killed above, or by someone else).
        ::kill(supervisor, SIGKILL);
        if (program > 0) ::kill(-program, SIGKILL);
    }
    while (!child_exited(supervisor)) {
        const timespec slice{0, 1'000'000};
        ::nanosleep(&slice, nullptr);
    }
    wait_child(supervisor);

    if (finished) result.leftovers = finished->b;
    if (killed) {
        result.status = *killed;
        return result;
    }
    if (!setup_failure.empty() || exec_errno != 0 || !finished) {
        result.status = ProcessStatus::spawn_failed;
        result.failure = exec_errno != 0          ? "spawn " + spec.argv[0] + ": " +
                                                       std::strerror(exec_errno)
                         : !setup_failure.empty() ? setup_failure
                                                  : "supervisor ended without a status";
        return result;
    }
    const int status = finished->a;
    if (WIFEXITED(status)) {
        result.status = ProcessStatus::exited;
        result.code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        result.code = WTERMSIG(status);
        result.status = result.code == SIGXCPU || result.code == SIGXFSZ
                            ? ProcessStatus::limit_exceeded
                            : ProcessStatus::signaled;
    } else {
        result.status = ProcessStatus::spawn_failed;
        result.failure = "unknown wait status";
    }
    return result;
}

}  // namespace seer::prophet
