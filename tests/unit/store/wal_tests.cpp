#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "seer/store/wal.hpp"
#include "test_support.hpp"

using seer::as_bytes;
using seer::Bytes;
using seer::ByteView;
using seer::to_bytes;
using seer::store::MemoryWalMedium;
using seer::store::Wal;

namespace {

using Records = std::vector<Bytes>;

Records three_records() {
    return {to_bytes("first record"), to_bytes("the second, middle record"),
            to_bytes("third and last record")};
}

std::size_t frame_size(const Bytes& record) {
    return 8 + record.size();
}

// The WAL image holding `records`, as Wal writes it.
Bytes image_of(const Records& records) {
    MemoryWalMedium medium;
    Wal wal(medium);
    for (const auto& r : records)
        wal.append(r);
    wal.sync();
    return medium.read_all();
}

// A memory medium whose synced contents are `image`.
void load_image(MemoryWalMedium& medium, ByteView image) {
    medium.append(image);
    medium.sync();
}

void put_le32(Bytes& out, std::uint32_t v) {
    for (int shift = 0; shift < 32; shift += 8)
        out.push_back(static_cast<std::uint8_t>(v >> shift));
}

}  // namespace

TEST_CASE("crc32c: Castagnoli test vectors") {
    CHECK(seer::store::crc32c(as_bytes("123456789")) == 0xE3069283u);
    CHECK(seer::store::crc32c({}) == 0u);
    CHECK(seer::store::crc32c(Bytes(32, 0x00)) == 0x8A9136AAu);  // RFC 3720 B.4
    CHECK(seer::store::crc32c(Bytes(32, 0xff)) == 0x62A8AB43u);
}

TEST_CASE("wal: frame layout is crc32c LE | length LE | payload") {
    Bytes image = image_of({to_bytes("abc")});
    Bytes expected;
    put_le32(expected, seer::store::crc32c(as_bytes("abc")));
    put_le32(expected, 3);
    expected.insert(expected.end(), {'a', 'b', 'c'});
    CHECK(image == expected);
}

TEST_CASE("wal: records round trip through a reopen") {
    MemoryWalMedium medium;
    {
        Wal wal(medium);
        CHECK(wal.replayed().records.empty());
        CHECK_FALSE(wal.replayed().torn_tail);
        for (const auto& r : three_records())
            wal.append(r);
        wal.sync();
    }
    Wal reopened(medium);
    CHECK(reopened.replayed().records == three_records());
    CHECK_FALSE(reopened.replayed().torn_tail);
    CHECK(reopened.replayed().valid_bytes == medium.read_all().size());
}

TEST_CASE("wal: a torn last record, cut at every byte, replays the earlier records") {
    const Records records = three_records();
    const Bytes image = image_of(records);
    const std::size_t last_start = image.size() - frame_size(records.back());
    const Records earlier(records.begin(), records.end() - 1);

    for (std::size_t cut = last_start; cut < image.size(); ++cut) {
        CAPTURE(cut);
        const ByteView torn = ByteView(image).first(cut);
        auto replay = Wal::decode(torn);
        CHECK(replay.records == earlier);
        CHECK(replay.valid_bytes == last_start);
        CHECK(replay.torn_tail == (cut > last_start));

        // Opening a medium with that image truncates the tail away.
        MemoryWalMedium medium;
        load_image(medium, torn);
        Wal wal(medium);
        CHECK(wal.replayed().records == earlier);
        CHECK(wal.replayed().torn_tail == (cut > last_start));
        CHECK(medium.read_all().size() == last_start);
    }
    // And the uncut image has all of them.
    CHECK(Wal::decode(image).records == records);
}

TEST_CASE("wal: a corrupt byte in the middle record stops replay before it") {
    const Records records = three_records();
    const Bytes image = image_of(records);
    const std::size_t middle_start = frame_size(records[0]);
    const std::size_t middle_end = middle_start + frame_size(records[1]);

    for (std::size_t at = middle_start; at < middle_end; ++at) {
        CAPTURE(at);
        Bytes corrupt = image;
        corrupt[at] ^= 0x5a;
        auto replay = Wal::decode(corrupt);
        CHECK(replay.records == Records{records[0]});
        CHECK(replay.valid_bytes == middle_start);
        CHECK(replay.torn_tail);
    }
}

TEST_CASE("wal: an oversized or zero length field is rejected") {
    const Records records = three_records();
    for (std::uint32_t length : {seer::store::k_wal_max_record_bytes + 1, 0xFFFFFFFFu, 0u}) {
        CAPTURE(length);
        Bytes image = image_of({records[0]});
        const std::size_t good = image.size();
        put_le32(image, 0);  // crc32c of the empty payload: only the length can reject it
        put_le32(image, length);
        image.resize(image.size() + 64, 0);
        auto replay = Wal::decode(image);
        CHECK(replay.records == Records{records[0]});
        CHECK(replay.valid_bytes == good);
        CHECK(replay.torn_tail);
    }
    // A zero-filled tail (a file extended but never written before a crash) is a torn tail,
    // not a run of empty records.
    Bytes zeros = image_of({records[0]});
    zeros.resize(zeros.size() + 4096, 0);
    CHECK(Wal::decode(zeros).records == Records{records[0]});
    CHECK(Wal::decode(zeros).torn_tail);
}

TEST_CASE("wal: a record at the size limit round trips; larger and empty ones are refused") {
    MemoryWalMedium medium;
    {
        Wal wal(medium);
        wal.append(Bytes(seer::store::k_wal_max_record_bytes, 0x42));
        wal.sync();
    }
    {
        Wal wal(medium);
        REQUIRE(wal.replayed().records.size() == 1);
        CHECK(wal.replayed().records[0].size() == seer::store::k_wal_max_record_bytes);
        using seer::store::test::aborts;
        CHECK(aborts([&] { wal.append(Bytes(seer::store::k_wal_max_record_bytes + 1, 0)); }));
        CHECK(aborts([&] { wal.append({}); }));
    }
}

TEST_CASE("wal: appends after a truncated tail replay correctly") {
    const Records records = three_records();
    const Bytes image = image_of(records);
    const ByteView torn = ByteView(image).first(image.size() - 5);  // tear the last record

    MemoryWalMedium medium;
    load_image(medium, torn);
    {
        Wal wal(medium);
        CHECK(wal.replayed().torn_tail);
        CHECK(wal.replayed().records.size() == 2);
        wal.append(to_bytes("after the tear"));
        wal.sync();
    }
    Wal reopened(medium);
    CHECK(reopened.replayed().records ==
          Records{records[0], records[1], to_bytes("after the tear")});
    CHECK_FALSE(reopened.replayed().torn_tail);
}

TEST_CASE("MemoryWalMedium: crash keeps the synced prefix and a bounded torn tail") {
    const Records records = three_records();
    MemoryWalMedium medium;
    {
        Wal wal(medium);
        wal.append(records[0]);
        wal.sync();
        wal.append(records[1]);  // never synced
    }
    const std::uint64_t synced = frame_size(records[0]);
    CHECK(medium.synced_size() == synced);

    SUBCASE("crash drops everything unsynced") {
        medium.crash();
        CHECK(medium.read_all().size() == synced);
        Wal wal(medium);
        CHECK(wal.replayed().records == Records{records[0]});
        CHECK_FALSE(wal.replayed().torn_tail);
    }
    SUBCASE("crash keeps a torn prefix of the unsynced tail, which open truncates") {
        medium.crash(5);
        CHECK(medium.read_all().size() == synced + 5);
        {
            Wal wal(medium);
            CHECK(wal.replayed().records == Records{records[0]});
            CHECK(wal.replayed().torn_tail);
            CHECK(medium.read_all().size() == synced);
            wal.append(records[2]);
            wal.sync();
        }
        Wal wal(medium);
        CHECK(wal.replayed().records == Records{records[0], records[2]});
    }
    SUBCASE("keeping more than the unsynced tail is clamped") {
        medium.crash(1u << 30);
        CHECK(medium.read_all().size() == synced + frame_size(records[1]));
        Wal wal(medium);
        CHECK(wal.replayed().records == Records{records[0], records[1]});
    }
    SUBCASE("a second crash after a sync keeps the newly synced bytes") {
        Wal wal(medium);  // sees both records: the process did not crash yet
        wal.sync();
        medium.crash();
        CHECK(Wal::decode(medium.read_all()).records == Records{records[0], records[1]});
    }
}

TEST_CASE("wal file: round trip, torn tail truncated on open, appends continue") {
    seer::store::test::TempDir dir;
    const std::string path = dir.file("wal");
    const Records records = three_records();
    const Bytes big(3u << 20, 0x17);  // past the medium's 1 MiB buffer

    {
        auto medium = seer::store::open_wal_file(path);
        Wal wal(*medium);
        CHECK(wal.replayed().records.empty());
        wal.append(records[0]);
        wal.append(big);
        wal.sync();
        wal.append(records[1]);  // unsynced: a clean close still writes it
    }
    CHECK(std::filesystem::file_size(path) ==
          frame_size(records[0]) + frame_size(big) + frame_size(records[1]));
    {
        auto medium = seer::store::open_wal_file(path);
        Wal wal(*medium);
        CHECK(wal.replayed().records == Records{records[0], big, records[1]});
        CHECK_FALSE(wal.replayed().torn_tail);
    }

    // Garbage after the last record, as a torn write would leave.
    const auto valid = std::filesystem::file_size(path);
    {
        std::ofstream out(path, std::ios::binary | std::ios::app);
        out << "\x10\x20\x30\x40\x05\x00";
    }
    {
        auto medium = seer::store::open_wal_file(path);
        Wal wal(*medium);
        CHECK(wal.replayed().torn_tail);
        CHECK(wal.replayed().valid_bytes == valid);
        CHECK(std::filesystem::file_size(path) == valid);
        wal.append(records[2]);
        wal.sync();
    }
    auto medium = seer::store::open_wal_file(path);
    Wal wal(*medium);
    CHECK(wal.replayed().records == Records{records[0], big, records[1], records[2]});
    CHECK_FALSE(wal.replayed().torn_tail);
}

TEST_CASE("wal file: an unopenable path is fatal") {
    seer::store::test::TempDir dir;
    CHECK(seer::store::test::exits_fatally(
        [&] { (void)seer::store::open_wal_file(dir.file("no/wal")); }));
}

TEST_CASE("crc32c: equals a bitwise reference at every length and alignment") {
    // The bitwise definition (reflected polynomial 0x82F63B78), against the table or the
    // SSE 4.2 instruction the build picks at run time.
    auto reference = [](const std::uint8_t* p, std::size_t n) {
        std::uint32_t c = 0xFFFFFFFFu;
        for (std::size_t i = 0; i < n; ++i) {
            c ^= p[i];
            for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1u)));
        }
        return c ^ 0xFFFFFFFFu;
    };
    Bytes data(300);
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 131 + 7);
    for (std::size_t offset = 0; offset < 8; ++offset)
        for (std::size_t n = 0; n + offset <= 200; ++n)
            CHECK(seer::store::crc32c(seer::ByteView(data.data() + offset, n)) ==
                  reference(data.data() + offset, n));
}
