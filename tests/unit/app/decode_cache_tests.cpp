#include <doctest/doctest.h>

#include "../../../app/src/decode_cache.hpp"

namespace seer::app::detail {
namespace {

std::shared_ptr<const DecodedTx> decoded(std::uint64_t gas) {
    auto t = std::make_shared<DecodedTx>();
    t->auth.mutable_fee()->set_gas_limit(gas);
    return t;
}

Bytes tx(std::size_t size, std::uint8_t fill) { return Bytes(size, fill); }

TEST_CASE("decode cache: equal bytes hit, other bytes miss, and the cache stays bounded") {
    DecodeCache cache;
    const Bytes a = tx(200, 1);
    cache.insert(a, decoded(7));
    REQUIRE(cache.find(a));
    CHECK(cache.find(a)->auth.fee().gas_limit() == 7);
    Bytes b = a;
    b.back() ^= 1;
    CHECK_FALSE(cache.find(b));
    CHECK_FALSE(cache.find(tx(199, 1)));  // a prefix is other bytes

    // A tx above the size cap is never kept: it is decoded again each time.
    const Bytes big = tx(DecodeCache::k_max_cached_bytes + 1, 2);
    cache.insert(big, decoded(1));
    CHECK_FALSE(cache.find(big));

    // Two generations: after more than two generations of inserts the first entry is gone,
    // the latest ones are there.
    for (std::size_t i = 0; i < 2 * DecodeCache::k_generation + 1; ++i) {
        Bytes t = tx(8, 0);
        std::memcpy(t.data(), &i, sizeof i);
        cache.insert(t, decoded(i));
    }
    CHECK_FALSE(cache.find(a));

    // Bounded by bytes as well: large txs rotate the generations long before their count does,
    // so at most about 2 x k_generation_bytes of them are held.
    DecodeCache bytes_bound;
    const std::size_t n = 2 * DecodeCache::k_generation_bytes / DecodeCache::k_max_cached_bytes;
    std::size_t kept = 0;
    std::vector<Bytes> all;
    for (std::size_t i = 0; i < n; ++i) {
        Bytes t = tx(DecodeCache::k_max_cached_bytes, 3);
        std::memcpy(t.data(), &i, sizeof i);
        bytes_bound.insert(t, decoded(i));
        all.push_back(std::move(t));
    }
    for (const auto& t : all)
        kept += bytes_bound.find(t) ? 1 : 0;
    CHECK(kept < n);
    CHECK(kept * 3 * DecodeCache::k_max_cached_bytes <= 2 * DecodeCache::k_generation_bytes + 2 * 3 * DecodeCache::k_max_cached_bytes);
    CHECK(bytes_bound.find(all.back()));
}

}  // namespace
}  // namespace seer::app::detail
