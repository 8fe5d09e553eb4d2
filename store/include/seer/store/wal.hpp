#pragma once
// Append-only write-ahead log. Each record is framed as
//   crc32c(payload) : u32 little-endian | length : u32 little-endian | payload
// Records are buffered until sync(); replay returns every complete, checksummed record and
// stops cleanly at a torn or corrupt tail, which open() then truncates away.
// A record is never empty: an all-zero frame (crc32c("") == 0, length 0) is what a filesystem
// can leave in a file extended just before a crash, so decode treats length 0 as corruption
// and append() refuses empty records.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "seer/common/bytes.hpp"

namespace seer::store {

inline constexpr std::uint32_t k_wal_max_record_bytes = 16u * 1024u * 1024u;

std::uint32_t crc32c(ByteView data);

/// Where the WAL bytes live: a file, or memory in the simulation.
class WalMedium {
public:
    virtual ~WalMedium() = default;
    virtual Bytes read_all() = 0;
    virtual void append(ByteView bytes) = 0;  // may be buffered
    virtual void sync() = 0;                  // durable after this returns
    virtual void truncate(std::uint64_t size) = 0;
};

/// A file medium (O_APPEND, fsync on sync()); appends are buffered in memory until sync() or
/// until the buffer grows past 1 MiB. Fatal if the file cannot be opened or an I/O call fails.
/// One thread at a time.
std::unique_ptr<WalMedium> open_wal_file(const std::string& path);

/// Memory medium for the simulation: `crash()` discards everything appended after the last
/// sync(), and may keep a torn prefix of it (models a partial write). truncate() is durable at
/// once only for bytes already synced (the synced size shrinks with it). One thread at a time.
class MemoryWalMedium final : public WalMedium {
public:
    Bytes read_all() override;
    void append(ByteView bytes) override;
    void sync() override;
    void truncate(std::uint64_t size) override;
    /// Simulated power loss: keeps `keep_unsynced` bytes of the unsynced tail (clamped).
    void crash(std::uint64_t keep_unsynced = 0);
    std::uint64_t synced_size() const { return m_synced; }

private:
    Bytes m_data;
    std::uint64_t m_synced = 0;
};

struct WalReplay {
    std::vector<Bytes> records;
    std::uint64_t valid_bytes = 0;  // length of the intact prefix
    bool torn_tail = false;         // bytes after valid_bytes were dropped
};

class Wal {
public:
    /// Reads the medium, keeps the intact prefix (truncating a torn tail) and positions for
    /// appending. The replayed records are available through replayed().
    explicit Wal(WalMedium& medium);

    const WalReplay& replayed() const { return m_replay; }
    /// Fatal if record is empty or larger than k_wal_max_record_bytes. Durable after sync().
    void append(ByteView record);
    void sync();

    /// Decodes a whole WAL image; used by Wal() and by tests.
    static WalReplay decode(ByteView image);

private:
    WalMedium& m_medium;
    WalReplay m_replay;
};

}  // namespace seer::store
