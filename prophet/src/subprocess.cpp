// posix_spawn + poll. The child gets its own process group (so a kill reaches its children),
// an explicit environment, the default signal mask and dispositions, and no inherited fd other
// than 0, 1, 2 (pipes are O_CLOEXEC and fds >= 3 are closed with closefrom in the child).
// Writing stdin can hit a closed pipe: SIGPIPE is blocked in this thread meanwhile and a
// SIGPIPE it raised is consumed, so the node never dies of it.

#include "subprocess.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

namespace seer::prophet {
namespace {

using Clock = std::chrono::steady_clock;

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

void kill_group(pid_t pid) {
    ::kill(-pid, SIGKILL);  // ESRCH (already gone) is fine
}

int wait_child(pid_t pid) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return -1;
    }
    return status;
}

// True when the child has terminated (it stays a zombie: not reaped, so its pid and process
// group ID cannot be reused before we kill the group).
bool child_exited(pid_t pid) {
    siginfo_t info{};
    for (;;) {
        if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0) {
            return info.si_pid == pid;
        }
        if (errno != EINTR) return true;  // ECHILD: nothing to wait for
    }
}

}  // namespace

ProcessResult run_process(const ProcessSpec& spec) {
    ProcessResult result;
    if (spec.argv.empty()) {
        result.failure = "empty argv";
        return result;
    }
    Fd in_read, in_write, out_read, out_write, err_read, err_write;
    if (!make_pipe(in_read, in_write) || !make_pipe(out_read, out_write) ||
        !make_pipe(err_read, err_write)) {
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

    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_adddup2(&actions, in_read.get(), 0);
    posix_spawn_file_actions_adddup2(&actions, out_write.get(), 1);
    posix_spawn_file_actions_adddup2(&actions, err_write.get(), 2);
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    sigset_t empty;
    sigemptyset(&empty);
    sigset_t defaults;
    sigfillset(&defaults);
    posix_spawnattr_setsigmask(&attr, &empty);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(
        &attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    pid_t pid = -1;
    const int rc = ::posix_spawn(&pid, argv[0], &actions, &attr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) {
        result.failure = "spawn " + spec.argv[0] + ": " + std::strerror(rc);
        return result;
    }
    in_read.reset();
    out_write.reset();
    err_write.reset();
    ::fcntl(in_write.get(), F_SETFL, O_NONBLOCK);

    SigpipeGuard sigpipe_guard;
    std::size_t written = 0;
    if (spec.input.empty()) in_write.reset();
    bool exited = false;
    std::optional<ProcessStatus> killed;  // why we killed it
    char chunk[16384];

    while (out_read.get() >= 0 || err_read.get() >= 0) {
        if (!killed) {
            if (spec.stop.stop_requested()) {
                killed = ProcessStatus::cancelled;
            } else if (Clock::now() >= spec.deadline) {
                killed = ProcessStatus::timed_out;
            }
            if (killed) kill_group(pid);
        }
        if (!exited && child_exited(pid)) {
            exited = true;
            // Leftover children of the program must not keep the pipes (or the node) busy.
            kill_group(pid);
        }
        pollfd fds[3];
        nfds_t n = 0;
        int out_index = -1, err_index = -1, in_index = -1;
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
        // Short slices: the stop flag and the child's exit are noticed within 20 ms.
        const int ready = ::poll(fds, n, 20);
        if (ready < 0) {
            if (errno == EINTR) continue;
            if (!killed) killed = ProcessStatus::spawn_failed;
            kill_group(pid);
            break;
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
        auto drain = [&](int index, Fd& fd, bool is_stdout) {
            if (index < 0 || fds[index].revents == 0) return;
            const ssize_t r = ::read(fd.get(), chunk, sizeof chunk);
            if (r < 0) {
                if (errno != EINTR && errno != EAGAIN) fd.reset();
                return;
            }
            if (r == 0) {
                fd.reset();
                return;
            }
            const auto size = static_cast<std::size_t>(r);
            if (is_stdout) {
                if (result.out.size() + size > spec.max_stdout) {
                    if (!killed) {
                        killed = ProcessStatus::output_too_large;
                        kill_group(pid);
                    }
                    fd.reset();
                    return;
                }
                result.out.insert(result.out.end(), chunk, chunk + size);
            } else if (result.err.size() < spec.max_stderr) {
                result.err.append(chunk, std::min(size, spec.max_stderr - result.err.size()));
            }
        };
        drain(out_index, out_read, true);
        drain(err_index, err_read, false);
    }
    in_write.reset();
    if (!exited) {
        // Pipes closed but the program still runs (it closed stdout itself): wait for it under
        // the same deadline, polling so the stop flag and the deadline stay honoured.
        while (!child_exited(pid)) {
            if (!killed && (spec.stop.stop_requested() || Clock::now() >= spec.deadline)) {
                killed = spec.stop.stop_requested() ? ProcessStatus::cancelled
                                                    : ProcessStatus::timed_out;
                kill_group(pid);
            }
            const timespec slice{0, 5'000'000};
            ::nanosleep(&slice, nullptr);
        }
        kill_group(pid);
    }
    const int status = wait_child(pid);
    if (killed) {
        result.status = *killed;
        if (result.status == ProcessStatus::spawn_failed) result.failure = "poll failed";
        return result;
    }
    if (status >= 0 && WIFEXITED(status)) {
        result.status = ProcessStatus::exited;
        result.code = WEXITSTATUS(status);
    } else if (status >= 0 && WIFSIGNALED(status)) {
        result.status = ProcessStatus::signaled;
        result.code = WTERMSIG(status);
    } else {
        result.status = ProcessStatus::spawn_failed;
        result.failure = "waitpid failed";
    }
    return result;
}

}  // namespace seer::prophet
