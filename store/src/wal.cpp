// WAL framing and replay, CRC32C, and the file and memory media.

#include "seer/store/wal.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

#include "seer/common/check.hpp"

namespace seer::store {
namespace {

// CRC32C (Castagnoli), reflected polynomial 0x82F63B78, table-driven.
constexpr std::array<std::uint32_t, 256> make_crc32c_table() {
    std::array<std::uint32_t, 256> table{};
    for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t c = i;
        for (int k = 0; k < 8; ++k)
            c = (c & 1u) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
        table[i] = c;
    }
    return table;
}

constexpr std::array<std::uint32_t, 256> k_crc32c_table = make_crc32c_table();

constexpr std::size_t k_frame_header = 8;

void put_le32(Bytes& out, std::uint32_t v) {
    for (int shift = 0; shift < 32; shift += 8)
        out.push_back(static_cast<std::uint8_t>(v >> shift));
}

std::uint32_t get_le32(ByteView in) {
    return static_cast<std::uint32_t>(in[0]) | static_cast<std::uint32_t>(in[1]) << 8 |
           static_cast<std::uint32_t>(in[2]) << 16 | static_cast<std::uint32_t>(in[3]) << 24;
}

[[noreturn]] void fatal_errno(const std::string& what) {
    std::string msg = "wal: " + what + ": " + std::strerror(errno);
    SEER_FATAL(msg.c_str());
}

void fsync_parent_dir(const std::string& path) {
    const std::filesystem::path parent = std::filesystem::path(path).parent_path();
    const std::string dir = parent.empty() ? std::string(".") : parent.string();
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) fatal_errno("open directory " + dir);
    if (::fsync(fd) != 0) fatal_errno("fsync directory " + dir);
    ::close(fd);
}

class FileWalMedium final : public WalMedium {
public:
    explicit FileWalMedium(const std::string& path) : m_path(path) {
        m_fd = ::open(path.c_str(), O_CREAT | O_RDWR | O_APPEND | O_CLOEXEC, 0600);
        if (m_fd < 0) fatal_errno("open " + path);
        // The file may have just been created: make its directory entry durable too.
        fsync_parent_dir(path);
    }

    ~FileWalMedium() override {
        flush();  // not synced: a clean shutdown keeps it, a power loss may not
        ::close(m_fd);
    }

    FileWalMedium(const FileWalMedium&) = delete;
    FileWalMedium& operator=(const FileWalMedium&) = delete;

    Bytes read_all() override {
        flush();
        struct stat st {};
        if (::fstat(m_fd, &st) != 0) fatal_errno("fstat " + m_path);
        Bytes out(static_cast<std::size_t>(st.st_size));
        std::size_t done = 0;
        while (done < out.size()) {
            ssize_t n =
                ::pread(m_fd, out.data() + done, out.size() - done, static_cast<off_t>(done));
            if (n < 0) {
                if (errno == EINTR) continue;
                fatal_errno("read " + m_path);
            }
            if (n == 0) break;  // shrank underneath us; keep what was read
            done += static_cast<std::size_t>(n);
        }
        out.resize(done);
        return out;
    }

    void append(ByteView bytes) override {
        m_buffer.insert(m_buffer.end(), bytes.begin(), bytes.end());
        if (m_buffer.size() >= k_flush_threshold) flush();
    }

    void sync() override {
        flush();
        if (::fsync(m_fd) != 0) fatal_errno("fsync " + m_path);
    }

    void truncate(std::uint64_t size) override {
        flush();
        if (::ftruncate(m_fd, static_cast<off_t>(size)) != 0) fatal_errno("ftruncate " + m_path);
    }

private:
    static constexpr std::size_t k_flush_threshold = 1u << 20;

    void flush() {
        std::size_t done = 0;
        while (done < m_buffer.size()) {
            ssize_t n = ::write(m_fd, m_buffer.data() + done, m_buffer.size() - done);
            if (n < 0) {
                if (errno == EINTR) continue;
                fatal_errno("write " + m_path);
            }
            done += static_cast<std::size_t>(n);
        }
        m_buffer.clear();
    }

    std::string m_path;
    int m_fd = -1;
    Bytes m_buffer;  // appended, not yet written to the file
};

}  // namespace

namespace {

std::uint32_t crc32c_table(std::uint32_t c, ByteView data) {
    for (std::uint8_t b : data) c = k_crc32c_table[(c ^ b) & 0xFFu] ^ (c >> 8);
    return c;
}

#if defined(__x86_64__)
// SSE 4.2's crc32 instruction computes CRC-32C (the Castagnoli polynomial) 8 bytes at a time,
// about 10x the table: every vote and proposal a node receives is appended to the WAL.
__attribute__((target("sse4.2"))) std::uint32_t crc32c_sse42(std::uint32_t c, ByteView data) {
    const std::uint8_t* p = data.data();
    std::size_t n = data.size();
    std::uint64_t c64 = c;
    for (; n >= 8; p += 8, n -= 8) {
        std::uint64_t word;
        std::memcpy(&word, p, 8);
        c64 = __builtin_ia32_crc32di(c64, word);
    }
    c = static_cast<std::uint32_t>(c64);
    for (; n > 0; ++p, --n) c = __builtin_ia32_crc32qi(c, *p);
    return c;
}
#endif

}  // namespace

std::uint32_t crc32c(ByteView data) {
#if defined(__x86_64__)
    static const bool hardware = __builtin_cpu_supports("sse4.2");
    if (hardware) return crc32c_sse42(0xFFFFFFFFu, data) ^ 0xFFFFFFFFu;
#endif
    return crc32c_table(0xFFFFFFFFu, data) ^ 0xFFFFFFFFu;
}

std::unique_ptr<WalMedium> open_wal_file(const std::string& path) {
    return std::make_unique<FileWalMedium>(path);
}

// ---- MemoryWalMedium ----

Bytes MemoryWalMedium::read_all() {
    return m_data;
}

void MemoryWalMedium::append(ByteView bytes) {
    m_data.insert(m_data.end(), bytes.begin(), bytes.end());
}

void MemoryWalMedium::sync() {
    m_synced = m_data.size();
}

void MemoryWalMedium::truncate(std::uint64_t size) {
    if (size < m_data.size()) m_data.resize(static_cast<std::size_t>(size));
    m_synced = std::min<std::uint64_t>(m_synced, m_data.size());
}

void MemoryWalMedium::crash(std::uint64_t keep_unsynced) {
    const std::uint64_t unsynced = m_data.size() - m_synced;
    m_data.resize(static_cast<std::size_t>(m_synced + std::min(keep_unsynced, unsynced)));
}

// ---- Wal ----

WalReplay Wal::decode(ByteView image) {
    WalReplay out;
    std::size_t pos = 0;
    for (;;) {
        const std::size_t remaining = image.size() - pos;
        if (remaining < k_frame_header) break;
        const std::uint32_t crc = get_le32(image.subspan(pos, 4));
        const std::uint32_t length = get_le32(image.subspan(pos + 4, 4));
        if (length == 0 || length > k_wal_max_record_bytes) break;
        if (remaining - k_frame_header < length) break;
        ByteView payload = image.subspan(pos + k_frame_header, length);
        if (crc32c(payload) != crc) break;
        out.records.emplace_back(payload.begin(), payload.end());
        pos += k_frame_header + length;
    }
    out.valid_bytes = pos;
    out.torn_tail = pos < image.size();
    return out;
}

Wal::Wal(WalMedium& medium) : m_medium(medium) {
    m_replay = decode(m_medium.read_all());
    if (m_replay.torn_tail) {
        // New records must follow the intact prefix, not the garbage after it.
        m_medium.truncate(m_replay.valid_bytes);
        m_medium.sync();
    }
}

void Wal::append(ByteView record) {
    SEER_CHECK(!record.empty());
    SEER_CHECK(record.size() <= k_wal_max_record_bytes);
    Bytes frame;
    frame.reserve(k_frame_header + record.size());
    put_le32(frame, crc32c(record));
    put_le32(frame, static_cast<std::uint32_t>(record.size()));
    frame.insert(frame.end(), record.begin(), record.end());
    m_medium.append(frame);
}

void Wal::sync() {
    m_medium.sync();
}

}  // namespace seer::store
