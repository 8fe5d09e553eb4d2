#include "home_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
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

Result<HomeLock> HomeLock::acquire(const std::string& data_dir) {
    const std::string path = data_dir + "/node.lock";
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return make_error("home_lock", "cannot open " + path + ": " + std::strerror(errno));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        const int err = errno;
        char buf[32] = {};
        const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
        ::close(fd);
        if (err == EWOULDBLOCK) {
            std::string pid = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "";
            while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
            return make_error("already_running",
                              "a seer node is already running on " + data_dir +
                                  (pid.empty() ? "" : " (pid " + pid + ")") +
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
