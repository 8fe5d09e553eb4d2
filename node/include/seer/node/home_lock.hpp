#pragma once
// One process per home: an exclusive flock on a lock file, held for the process's life, with the
// holder's PID in the file. A node locks <home>/data/node.lock, so a second `seer start` on a
// running home gets "already running (pid N)" instead of RocksDB's lock error; `seer localnet`
// locks <network>/localnet.lock, so a second supervisor or a --reset under live nodes refuses.

#include <string>

#include "seer/common/result.hpp"

namespace seer::node {

class HomeLock {
public:
    HomeLock() = default;
    ~HomeLock();
    HomeLock(HomeLock&& other) noexcept : m_fd(other.m_fd) { other.m_fd = -1; }
    HomeLock& operator=(HomeLock&& other) noexcept;
    HomeLock(const HomeLock&) = delete;
    HomeLock& operator=(const HomeLock&) = delete;

    /// Locks `dir`/`file` (created if needed). `dir` must be a directory.
    static Result<HomeLock> acquire(const std::string& dir, const std::string& file = "node.lock");
    /// The PID written in `path` when a live process holds its lock, else 0 (no file, or a
    /// stale one left by a process that died: the kernel released its flock).
    static long holder(const std::string& path);

private:
    explicit HomeLock(int fd) : m_fd(fd) {}
    int m_fd = -1;
};

}  // namespace seer::node
