#include <doctest/doctest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "seer/store/durable_value.hpp"
#include "test_support.hpp"

using seer::as_bytes;
using seer::to_bytes;
namespace fs = std::filesystem;

namespace {

std::size_t entries_in(const std::string& dir) {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir))
        ++n;
    return n;
}

}  // namespace

TEST_CASE("write_file_atomic: write, read back, overwrite, no leftover tmp") {
    seer::store::test::TempDir dir;
    const std::string path = dir.file("state.json");

    CHECK_FALSE(seer::store::read_file(path));

    seer::store::write_file_atomic(path, as_bytes("first, longer contents"));
    CHECK(seer::store::read_file(path) == to_bytes("first, longer contents"));
    CHECK((fs::status(path).permissions() & fs::perms::all) ==
          (fs::perms::owner_read | fs::perms::owner_write));

    seer::store::write_file_atomic(path, as_bytes("second"));
    CHECK(seer::store::read_file(path) == to_bytes("second"));

    seer::store::write_file_atomic(path, {});
    CHECK(seer::store::read_file(path) == seer::Bytes{});

    CHECK_FALSE(fs::exists(path + ".tmp"));
    CHECK(entries_in(dir.path()) == 1);
}

TEST_CASE("write_file_atomic: large contents and an explicit mode") {
    seer::store::test::TempDir dir;
    const std::string path = dir.file("big");
    seer::Bytes big(300 * 1024);
    for (std::size_t i = 0; i < big.size(); ++i)
        big[i] = static_cast<std::uint8_t>(i * 7);
    seer::store::write_file_atomic(path, big, 0644);
    CHECK(seer::store::read_file(path) == big);
    CHECK((fs::status(path).permissions() & fs::perms::all) ==
          (fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
           fs::perms::others_read));
}

TEST_CASE("write_file_atomic: a stale tmp from a crash is replaced") {
    seer::store::test::TempDir dir;
    const std::string path = dir.file("state");
    std::ofstream(path + ".tmp") << "half-written garbage from before a crash";
    seer::store::write_file_atomic(path, as_bytes("good"));
    CHECK(seer::store::read_file(path) == to_bytes("good"));
    CHECK_FALSE(fs::exists(path + ".tmp"));
}

TEST_CASE("write_file_atomic: failure throws and leaves the old file alone") {
    seer::store::test::TempDir dir;
    CHECK_THROWS_AS(seer::store::write_file_atomic(dir.file("missing/dir/file"), as_bytes("x")),
                    std::runtime_error);

    // Renaming over a directory fails after the tmp is written: the tmp is removed.
    const std::string target = dir.file("is_a_dir");
    fs::create_directory(target);
    fs::create_directory(target + "/child");  // rename(2) cannot replace a non-empty dir
    CHECK_THROWS_AS(seer::store::write_file_atomic(target, as_bytes("x")), std::runtime_error);
    CHECK_FALSE(fs::exists(target + ".tmp"));
    CHECK(fs::is_directory(target));
}

TEST_CASE("file DurableValue: load, store, reload in a new object") {
    seer::store::test::TempDir dir;
    const std::string path = dir.file("priv_validator_state.json");
    {
        auto value = seer::store::make_file_value(path);
        CHECK_FALSE(value->load());
        value->store(as_bytes("h=1"));
        CHECK(value->load() == to_bytes("h=1"));
        value->store(as_bytes("h=2"));
    }
    auto reopened = seer::store::make_file_value(path);
    CHECK(reopened->load() == to_bytes("h=2"));
    CHECK_FALSE(fs::exists(path + ".tmp"));
}

TEST_CASE("file DurableValue: a failed store is fatal") {
    seer::store::test::TempDir dir;
    auto value = seer::store::make_file_value(dir.file("no/such/dir/state"));
    CHECK(seer::store::test::exits_fatally([&] { value->store(as_bytes("x")); }));
}

TEST_CASE("memory DurableValue: load and store") {
    auto value = seer::store::make_memory_value();
    CHECK_FALSE(value->load());
    value->store(as_bytes("a"));
    CHECK(value->load() == to_bytes("a"));
    value->store({});
    CHECK(value->load() == seer::Bytes{});
}
