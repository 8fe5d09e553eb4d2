#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "seer/store/kv.hpp"
#include "test_support.hpp"

using seer::as_bytes;
using seer::Bytes;
using seer::ByteView;
using seer::to_bytes;
using seer::store::KvStore;
using seer::store::WriteBatch;

namespace {

const std::vector<std::string> k_columns = {"a", "b"};

// Runs `check` against a memory store and a RocksDB store in a fresh temp dir.
void for_each_backend(const std::function<void(KvStore&)>& check) {
    {
        INFO("backend: memory");
        auto kv = seer::store::make_memory_store(k_columns);
        check(*kv);
    }
    {
        INFO("backend: rocksdb");
        seer::store::test::TempDir dir;
        auto kv = seer::store::open_rocksdb(dir.file("db"), k_columns);
        check(*kv);
    }
}

void put(KvStore& kv, std::string_view column, std::string_view key, std::string_view value) {
    WriteBatch batch;
    batch.put(column, as_bytes(key), as_bytes(value));
    kv.write(batch, false);
}

std::optional<std::string> get(const KvStore& kv, std::string_view column, std::string_view key) {
    auto v = kv.get(column, as_bytes(key));
    if (!v) return std::nullopt;
    return seer::to_string(*v);
}

std::vector<std::string> scan_keys(const KvStore& kv, std::string_view column,
                                   std::string_view prefix, std::string_view start,
                                   std::size_t limit = SIZE_MAX) {
    std::vector<std::string> keys;
    kv.scan(column, as_bytes(prefix), as_bytes(start), [&](ByteView key, ByteView) {
        keys.push_back(seer::to_string(key));
        return keys.size() < limit;
    });
    return keys;
}

std::vector<std::string> scan_reverse_keys(const KvStore& kv, std::string_view column,
                                           std::string_view prefix, std::size_t limit = SIZE_MAX) {
    std::vector<std::string> keys;
    kv.scan_reverse(column, as_bytes(prefix), [&](ByteView key, ByteView) {
        keys.push_back(seer::to_string(key));
        return keys.size() < limit;
    });
    return keys;
}

using Keys = std::vector<std::string>;

}  // namespace

TEST_CASE("kv: put, get, overwrite, erase; columns are separate") {
    for_each_backend([](KvStore& kv) {
        CHECK_FALSE(get(kv, "a", "k"));
        put(kv, "a", "k", "v1");
        CHECK(get(kv, "a", "k") == "v1");
        CHECK_FALSE(get(kv, "b", "k"));
        CHECK_FALSE(get(kv, "default", "k"));
        put(kv, "a", "k", "v2");
        CHECK(get(kv, "a", "k") == "v2");

        put(kv, "a", "empty", "");
        CHECK(get(kv, "a", "empty") == "");

        WriteBatch erase;
        erase.erase("a", as_bytes("k"));
        erase.erase("a", as_bytes("never-written"));
        kv.write(erase, true);
        CHECK_FALSE(get(kv, "a", "k"));
        CHECK(get(kv, "a", "empty") == "");
    });
}

TEST_CASE("kv: a batch spans columns and applies its ops in order") {
    for_each_backend([](KvStore& kv) {
        put(kv, "b", "old", "x");
        WriteBatch batch;
        batch.put("a", as_bytes("ka"), as_bytes("1"));
        batch.put("b", as_bytes("kb"), as_bytes("2"));
        batch.erase("b", as_bytes("old"));
        batch.put("a", as_bytes("twice"), as_bytes("first"));
        batch.put("a", as_bytes("twice"), as_bytes("second"));
        batch.put("a", as_bytes("gone"), as_bytes("x"));
        batch.erase("a", as_bytes("gone"));
        CHECK(batch.ops().size() == 7);
        kv.write(batch, true);

        CHECK(get(kv, "a", "ka") == "1");
        CHECK(get(kv, "b", "kb") == "2");
        CHECK_FALSE(get(kv, "b", "old"));
        CHECK(get(kv, "a", "twice") == "second");
        CHECK_FALSE(get(kv, "a", "gone"));

        batch.clear();
        CHECK(batch.empty());
        kv.write(batch, false);  // an empty batch is a no-op
        CHECK(get(kv, "a", "ka") == "1");
    });
}

TEST_CASE("kv: scan with prefix and start, unsigned byte order") {
    for_each_backend([](KvStore& kv) {
        for (std::string k : {"a1", "a2", "a3", "b1", "b2", "", "\x01"})
            put(kv, "a", k, "v" + k);
        put(kv, "a", "a\x80", "high");  // 0x80 sorts after ASCII: unsigned comparison
        put(kv, "a", "a\xff", "ff");
        put(kv, "b", "a0", "other column");

        CHECK(scan_keys(kv, "a", "a", "") == Keys{"a1", "a2", "a3", "a\x80", "a\xff"});
        CHECK(scan_keys(kv, "a", "a", "a2") == Keys{"a2", "a3", "a\x80", "a\xff"});
        CHECK(scan_keys(kv, "a", "a", "a25") == Keys{"a3", "a\x80", "a\xff"});
        CHECK(scan_keys(kv, "a", "a", "0") == Keys{"a1", "a2", "a3", "a\x80", "a\xff"});
        CHECK(scan_keys(kv, "a", "a", "b").empty());
        CHECK(scan_keys(kv, "a", "b", "") == Keys{"b1", "b2"});
        CHECK(scan_keys(kv, "a", "c", "").empty());
        CHECK(scan_keys(kv, "a", "a", "", 2) == Keys{"a1", "a2"});  // visitor stops the scan
        CHECK(scan_keys(kv, "a", "", "") ==
              Keys{"", "\x01", "a1", "a2", "a3", "a\x80", "a\xff", "b1", "b2"});
        CHECK(scan_keys(kv, "a", "", "b") == Keys{"b1", "b2"});
        CHECK(scan_keys(kv, "b", "", "") == Keys{"a0"});

        // The value handed to the visitor is the stored one.
        std::vector<std::string> values;
        kv.scan("a", as_bytes("b"), {}, [&](ByteView, ByteView value) {
            values.push_back(seer::to_string(value));
            return true;
        });
        CHECK(values == Keys{"vb1", "vb2"});
    });
}

TEST_CASE("kv: scan_reverse starts at the last key with the prefix") {
    for_each_backend([](KvStore& kv) {
        for (std::string k : {"a1", "a2", "a3", "b1", "b2",
                              "\xff\xff"
                              "1",
                              "\xff\xff"
                              "2"}) {
            put(kv, "a", k, "v");
        }
        put(kv, "a", "a\xff", "v");
        put(kv, "a", "a\xff\xff", "v");

        // A key follows the range ("b1"): seek to the successor and step back.
        CHECK(scan_reverse_keys(kv, "a", "a") == Keys{"a\xff\xff", "a\xff", "a3", "a2", "a1"});
        CHECK(scan_reverse_keys(kv, "a", "a\xff") == Keys{"a\xff\xff", "a\xff"});
        // Nothing follows the range until the 0xFF keys.
        CHECK(scan_reverse_keys(kv, "a", "b") == Keys{"b2", "b1"});
        // An all-0xFF prefix has no successor: the range runs to the end of the column.
        CHECK(scan_reverse_keys(kv, "a", "\xff\xff") == Keys{"\xff\xff"
                                                             "2",
                                                             "\xff\xff"
                                                             "1"});
        CHECK(scan_reverse_keys(kv, "a", "c").empty());
        CHECK(scan_reverse_keys(kv, "a", "0").empty());
        CHECK(scan_reverse_keys(kv, "a", "a", 2) == Keys{"a\xff\xff", "a\xff"});
        CHECK(scan_reverse_keys(kv, "a", "").size() == 9);
        CHECK(scan_reverse_keys(kv, "a", "").front() ==
              "\xff\xff"
              "2");
        CHECK(scan_reverse_keys(kv, "b", "").empty());
    });
}

TEST_CASE("kv: long scans visit every key once, and the visitor may use the store") {
    for_each_backend([](KvStore& kv) {
        WriteBatch batch;
        std::vector<std::string> expected;
        for (int i = 0; i < 1000; ++i) {
            char key[16];
            std::snprintf(key, sizeof key, "p%05d", i);
            expected.emplace_back(key);
            batch.put("a", as_bytes(key), as_bytes("v"));
        }
        batch.put("a", as_bytes("q"), as_bytes("after"));
        kv.write(batch, false);

        std::vector<std::string> seen;
        kv.scan("a", as_bytes("p"), {}, [&](ByteView key, ByteView) {
            seen.push_back(seer::to_string(key));
            // Reads and writes from inside the visitor must not deadlock.
            CHECK(kv.get("a", key).has_value());
            WriteBatch side;
            side.put("b", key, as_bytes("seen"));
            kv.write(side, false);
            return true;
        });
        CHECK(seen == expected);
        CHECK(scan_keys(kv, "b", "p", "").size() == 1000);

        auto reversed = scan_reverse_keys(kv, "a", "p");
        std::reverse(expected.begin(), expected.end());
        CHECK(reversed == expected);
    });
}

TEST_CASE("kv: an unknown column family is a programming error") {
    auto kv = seer::store::make_memory_store(k_columns);
    CHECK(seer::store::test::aborts([&] { (void)kv->get("nope", as_bytes("k")); }));
    CHECK(seer::store::test::aborts([&] { put(*kv, "nope", "k", "v"); }));
    // A batch naming an unknown column aborts before applying anything.
    CHECK(seer::store::test::aborts([&] {
        WriteBatch batch;
        batch.put("a", as_bytes("k"), as_bytes("v"));
        batch.put("nope", as_bytes("k"), as_bytes("v"));
        kv->write(batch, false);
    }));
    CHECK_FALSE(get(*kv, "a", "k"));
}

TEST_CASE("kv: rocksdb keeps its data and column families across reopen") {
    seer::store::test::TempDir dir;
    const std::string path = dir.file("db");
    {
        auto kv = seer::store::open_rocksdb(path, {"a", "b", "extra"});
        WriteBatch batch;
        batch.put("a", as_bytes("k"), as_bytes("va"));
        batch.put("extra", as_bytes("k"), as_bytes("vx"));
        batch.put("default", as_bytes("k"), as_bytes("vd"));
        kv->write(batch, true);
    }
    {
        // Fewer columns requested than exist: the existing ones are still opened.
        auto kv = seer::store::open_rocksdb(path, {"a"});
        CHECK(get(*kv, "a", "k") == "va");
        CHECK(get(*kv, "extra", "k") == "vx");
        CHECK(get(*kv, "default", "k") == "vd");
        CHECK_FALSE(get(*kv, "b", "k"));
    }
    {
        // A new column is created on reopen.
        auto kv = seer::store::open_rocksdb(path, {"a", "b", "new"});
        CHECK(get(*kv, "a", "k") == "va");
        put(*kv, "new", "k", "vn");
        CHECK(get(*kv, "new", "k") == "vn");
    }
    {
        auto kv = seer::store::open_rocksdb(path, {});
        CHECK(get(*kv, "new", "k") == "vn");
    }
}

TEST_CASE("kv: approximate_bytes grows with a column's data and stays per column") {
    for_each_backend([](KvStore& kv) {
        // RocksDB counts a memtable by its arena blocks: 2 KiB empty, then 1 MiB steps.
        const auto empty_a = kv.approximate_bytes("a");
        const auto empty_b = kv.approximate_bytes("b");
        CHECK(empty_a < 64 * 1024);
        const std::string value(1000, 'x');
        WriteBatch batch;
        for (int i = 0; i < 100; ++i)
            batch.put("a", as_bytes("key" + std::to_string(i)), as_bytes(value));
        kv.write(batch, false);
        CHECK(kv.approximate_bytes("a") >= 100'000);
        CHECK(kv.approximate_bytes("a") < 4'000'000);
        CHECK(kv.approximate_bytes("b") == empty_b);
    });
}
