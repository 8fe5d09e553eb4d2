#pragma once
// Helpers for the store tests: a temporary directory removed at scope exit, and a check that a
// call aborts (our SEER_CHECK / SEER_FATAL channel), run in a forked child.

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>

namespace seer::store::test {

class TempDir {
public:
    TempDir() {
        char tmpl[] = "/tmp/seer-store-test-XXXXXX";
        if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
        m_path = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(m_path, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::string& path() const { return m_path; }
    std::string file(const std::string& name) const { return m_path + "/" + name; }

private:
    std::string m_path;
};

/// How `f` ends when run in a child process: the raw waitpid status.
inline int run_in_child(const std::function<void()>& f) {
    std::fflush(nullptr);
    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        // The test framework's crash handler must not report the expected abort.
        std::signal(SIGABRT, SIG_DFL);
        std::freopen("/dev/null", "w", stderr);
        std::freopen("/dev/null", "w", stdout);
        f();
        ::_exit(0);
    }
    int status = 0;
    if (::waitpid(pid, &status, 0) != pid) throw std::runtime_error("waitpid failed");
    return status;
}

/// True if `f` aborts (SIGABRT: a broken invariant, SEER_CHECK) in a child process.
inline bool aborts(const std::function<void()>& f) {
    const int status = run_in_child(f);
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

/// True if `f` ends in SEER_FATAL (an expected fatal condition: exit code 1, no signal).
inline bool exits_fatally(const std::function<void()>& f) {
    const int status = run_in_child(f);
    return WIFEXITED(status) && WEXITSTATUS(status) == 1;
}

}  // namespace seer::store::test
