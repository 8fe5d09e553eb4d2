// Atomic whole-file replacement and the DurableValue implementations.

#include "seer/store/durable_value.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <utility>

#include "seer/common/check.hpp"

namespace seer::store {
namespace {

[[noreturn]] void throw_errno(const std::string& what, const std::string& path) {
    throw std::runtime_error(what + " " + path + ": " + std::strerror(errno));
}

// Closes the descriptor on every path out of a function.
class Fd {
public:
    explicit Fd(int fd) : m_fd(fd) {}
    ~Fd() {
        if (m_fd >= 0) ::close(m_fd);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return m_fd; }
    /// close() reports deferred write errors on some filesystems, so check it where it matters.
    int close() { return ::close(std::exchange(m_fd, -1)); }

private:
    int m_fd;
};

void write_all(int fd, ByteView contents, const std::string& path) {
    std::size_t done = 0;
    while (done < contents.size()) {
        ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw_errno("write", path);
        }
        done += static_cast<std::size_t>(n);
    }
}

}  // namespace

void write_file_atomic(const std::string& path, ByteView contents, unsigned mode) {
    const std::string tmp = path + ".tmp";
    try {
        Fd fd(::open(tmp.c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC,
                     static_cast<mode_t>(mode)));
        if (fd.get() < 0) throw_errno("open", tmp);
        // O_CREAT's mode is filtered by the umask and ignored for an existing leftover tmp.
        if (::fchmod(fd.get(), static_cast<mode_t>(mode)) != 0) throw_errno("chmod", tmp);
        write_all(fd.get(), contents, tmp);
        if (::fsync(fd.get()) != 0) throw_errno("fsync", tmp);
        if (fd.close() != 0) throw_errno("close", tmp);
        if (::rename(tmp.c_str(), path.c_str()) != 0) throw_errno("rename over", path);
    } catch (...) {
        ::unlink(tmp.c_str());
        throw;
    }
    // The rename is durable only once the directory is.
    const std::filesystem::path parent = std::filesystem::path(path).parent_path();
    const std::string dir = parent.empty() ? std::string(".") : parent.string();
    Fd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dfd.get() < 0) throw_errno("open directory", dir);
    if (::fsync(dfd.get()) != 0) throw_errno("fsync directory", dir);
}

std::optional<Bytes> read_file(const std::string& path) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) {
        if (errno == ENOENT) return std::nullopt;
        throw_errno("open", path);
    }
    Bytes out;
    std::uint8_t chunk[64 * 1024];
    for (;;) {
        ssize_t n = ::read(fd.get(), chunk, sizeof chunk);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw_errno("read", path);
        }
        if (n == 0) break;
        out.insert(out.end(), chunk, chunk + n);
    }
    return out;
}

namespace {

class FileValue final : public DurableValue {
public:
    explicit FileValue(std::string path) : m_path(std::move(path)) {}

    std::optional<Bytes> load() const override {
        std::lock_guard lock(m_mutex);
        return read_file(m_path);
    }

    void store(ByteView value) override {
        std::lock_guard lock(m_mutex);
        try {
            write_file_atomic(m_path, value);
        } catch (const std::exception& e) {
            // A validator must not go on (and sign) if its state cannot be persisted.
            std::string msg = std::string("durable value: ") + e.what();
            SEER_FATAL(msg.c_str());
        }
    }

private:
    std::string m_path;
    mutable std::mutex m_mutex;  // one writer of "<path>.tmp" at a time
};

class MemoryValue final : public DurableValue {
public:
    std::optional<Bytes> load() const override {
        std::lock_guard lock(m_mutex);
        return m_value;
    }

    void store(ByteView value) override {
        std::lock_guard lock(m_mutex);
        m_value = Bytes(value.begin(), value.end());
    }

private:
    mutable std::mutex m_mutex;
    std::optional<Bytes> m_value;
};

}  // namespace

std::unique_ptr<DurableValue> make_file_value(const std::string& path) {
    return std::make_unique<FileValue>(path);
}

std::shared_ptr<DurableValue> make_memory_value() {
    return std::make_shared<MemoryValue>();
}

}  // namespace seer::store
