#include <doctest/doctest.h>

#include <string>

#include "seer/store/block_store.hpp"
#include "test_support.hpp"

using seer::as_bytes;
using seer::Bytes;
using seer::to_bytes;
using seer::crypto::Hash256;
using seer::store::BlockStore;

namespace {

const std::vector<std::string> k_columns = {std::string(seer::store::k_blocks_column)};

Hash256 hash_of(std::int64_t height) {
    Hash256 h{};
    h.fill(static_cast<std::uint8_t>(0xa0 + height));
    h[0] = static_cast<std::uint8_t>(height);
    return h;
}

Bytes block_bytes(std::int64_t height) {
    return to_bytes("block-" + std::to_string(height));
}

Bytes commit_bytes(std::int64_t height) {
    return to_bytes("commit-" + std::to_string(height));
}

void save(BlockStore& store, std::int64_t height) {
    store.save(height, hash_of(height), block_bytes(height), commit_bytes(height));
}

void check_blocks(const BlockStore& store, std::int64_t base, std::int64_t height) {
    CHECK(store.base() == base);
    CHECK(store.height() == height);
    for (std::int64_t h = base; h <= height; ++h) {
        CAPTURE(h);
        CHECK(store.block(h) == block_bytes(h));
        CHECK(store.extended_commit(h) == commit_bytes(h));
        CHECK(store.height_of(hash_of(h)) == h);
        CHECK(store.block_by_hash(hash_of(h)) == block_bytes(h));
    }
    CHECK_FALSE(store.block(base - 1));
    CHECK_FALSE(store.block(height + 1));
    CHECK_FALSE(store.extended_commit(height + 1));
    CHECK_FALSE(store.height_of(hash_of(height + 1)));
    CHECK_FALSE(store.block_by_hash(hash_of(height + 1)));
}

}  // namespace

TEST_CASE("block store: an empty store") {
    auto kv = seer::store::make_memory_store(k_columns);
    BlockStore store(*kv);
    CHECK(store.height() == 0);
    CHECK(store.base() == 0);
    CHECK_FALSE(store.block(0));
    CHECK_FALSE(store.block(1));
    CHECK_FALSE(store.extended_commit(1));
    CHECK_FALSE(store.block_by_hash(hash_of(1)));
}

TEST_CASE("block store: save and load by height and by hash") {
    auto kv = seer::store::make_memory_store(k_columns);
    BlockStore store(*kv);
    for (std::int64_t h = 1; h <= 5; ++h)
        save(store, h);
    check_blocks(store, 1, 5);
    CHECK_FALSE(store.block(-1));
}

TEST_CASE("block store: the first saved height becomes the base (state sync)") {
    auto kv = seer::store::make_memory_store(k_columns);
    {
        BlockStore store(*kv);
        save(store, 100);
        save(store, 101);
        check_blocks(store, 100, 101);
    }
    BlockStore reopened(*kv);
    check_blocks(reopened, 100, 101);
}

TEST_CASE("block store: reopening RocksDB restores height, base and contents") {
    seer::store::test::TempDir dir;
    const std::string path = dir.file("db");
    {
        auto kv = seer::store::open_rocksdb(path, k_columns);
        BlockStore store(*kv);
        for (std::int64_t h = 1; h <= 3; ++h)
            save(store, h);
    }
    {
        auto kv = seer::store::open_rocksdb(path, k_columns);
        BlockStore store(*kv);
        check_blocks(store, 1, 3);
        save(store, 4);  // continues where it left off
        check_blocks(store, 1, 4);
    }
    auto kv = seer::store::open_rocksdb(path, k_columns);
    BlockStore store(*kv);
    check_blocks(store, 1, 4);
}

TEST_CASE("block store: save_extended_commit replaces the commit of a stored height") {
    seer::store::test::TempDir dir;
    const std::string path = dir.file("db");
    {
        auto kv = seer::store::open_rocksdb(path, k_columns);
        BlockStore store(*kv);
        save(store, 1);
        save(store, 2);
        store.save_extended_commit(1, as_bytes("canonical-1"));
        CHECK(store.extended_commit(1) == to_bytes("canonical-1"));
        CHECK(store.block(1) == block_bytes(1));
        CHECK(store.extended_commit(2) == commit_bytes(2));
        CHECK(store.height() == 2);
    }
    auto kv = seer::store::open_rocksdb(path, k_columns);
    BlockStore store(*kv);
    CHECK(store.extended_commit(1) == to_bytes("canonical-1"));
    CHECK(store.height() == 2);
}

TEST_CASE("block store: out-of-order saves are programming errors") {
    auto kv = seer::store::make_memory_store(k_columns);
    BlockStore store(*kv);
    using seer::store::test::aborts;
    CHECK(aborts([&] { save(store, 0); }));
    save(store, 1);
    save(store, 2);
    CHECK(aborts([&] { save(store, 2); }));
    CHECK(aborts([&] { save(store, 4); }));
    CHECK(aborts([&] { store.save_extended_commit(3, as_bytes("x")); }));
    CHECK(aborts([&] { store.save_extended_commit(0, as_bytes("x")); }));
    // The parent's store is untouched by what the children attempted.
    check_blocks(store, 1, 2);
}
