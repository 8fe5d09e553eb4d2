#pragma once
// One node per home: an exclusive flock on <home>/data/node.lock, held for the process's life,
// with the holder's PID in the file. A second `seer start` (or `seer localnet`) on a running
// home gets "already running (pid N)" instead of RocksDB's lock error.

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

    /// Locks `data_dir`/node.lock (created if needed). `data_dir` must be a directory.
    static Result<HomeLock> acquire(const std::string& data_dir);

private:
    explicit HomeLock(int fd) : m_fd(fd) {}
    int m_fd = -1;
};

}  // namespace seer::node
