#include "seer/node/home_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

namespace seer::node {

HomeLock::~HomeLock() {
    if (m_fd >= 0) ::close(m_fd);  // releases the flock
}

HomeLock& HomeLock::operator=(HomeLock&& other) noexcept {
    if (this != &other) {
        if (m_fd >= 0) ::close(m_fd);
        m_fd = other.m_fd;
        other.m_fd = -1;
    }
    return *this;
}

namespace {

long read_pid(int fd) {
    char buf[32] = {};
    const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    return n > 0 ? std::strtol(buf, nullptr, 10) : 0;
}

}  // namespace

long HomeLock::holder(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    long pid = 0;
    if (::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK) {
        pid = read_pid(fd);
        if (pid <= 0) pid = -1;  // held, its PID not written yet
    }
    ::close(fd);  // releases a shared lock taken just to look
    return pid;
}

Result<HomeLock> HomeLock::acquire(const std::string& data_dir, const std::string& file) {
    const std::string path = data_dir + "/" + file;
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return make_error("home_lock", "cannot open " + path + ": " + std::strerror(errno));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        const int err = errno;
        const long pid = read_pid(fd);
        ::close(fd);
        if (err == EWOULDBLOCK) {
            return make_error("already_running",
                              std::string(file == "node.lock" ? "a seer node" : "seer") +
                                  " is already running on " + data_dir +
                                  (pid > 0 ? " (pid " + std::to_string(pid) + ")" : "") +
                                  "; stop it first");
        }
        return make_error("home_lock", "cannot lock " + path + ": " + std::strerror(err));
    }
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
        const int err = errno;
        ::close(fd);
        return make_error("home_lock", "cannot write " + path + ": " + std::strerror(err));
    }
    return HomeLock(fd);
}

}  // namespace seer::node
