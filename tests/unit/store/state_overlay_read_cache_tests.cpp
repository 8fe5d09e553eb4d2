#include <doctest/doctest.h>

#include "seer/store/state_overlay.hpp"

namespace seer::store {
namespace {

Bytes b(std::string_view s) { return Bytes(s.begin(), s.end()); }

TEST_CASE("state overlay: the read cache follows every committed write") {
    auto kv = make_memory_store({"app"});
    {
        StateOverlay s(*kv, "app");
        s.put(b("a"), b("1"));
        s.put(b("gone"), b("x"));
        s.seal(1);
        s.persist();
    }
    StateOverlay s(*kv, "app");
    CHECK(s.get(b("a")) == b("1"));  // read from the store, now cached
    CHECK(!s.get(b("never")).has_value());  // an absence is cached too
    s.put(b("a"), b("2"));
    s.erase(b("gone"));
    s.put(b("never"), b("now"));
    s.seal(2);
    s.persist();
    CHECK(s.get(b("a")) == b("2"));
    CHECK(!s.get(b("gone")).has_value());
    CHECK(s.get(b("never")) == b("now"));
    // What the cache answers is what the store holds.
    CHECK(kv->get("app", b("a")) == b("2"));
    CHECK(!kv->get("app", b("gone")).has_value());

    SUBCASE("more keys than the cache holds: every read is still right") {
        for (std::size_t i = 0; i < StateOverlay::k_read_cache_entries + 10; ++i)
            s.put(b("k" + std::to_string(i)), b(std::to_string(i)));
        s.seal(3);
        s.persist();
        for (std::size_t i = 0; i < StateOverlay::k_read_cache_entries + 10; i += 997)
            CHECK(s.get(b("k" + std::to_string(i))) == b(std::to_string(i)));
        CHECK(s.get(b("a")) == b("2"));
    }
    SUBCASE("a value too large to cache is read from the store") {
        const Bytes big(StateOverlay::k_read_cache_bytes / 32, 7);
        s.put(b("big"), big);
        s.seal(3);
        s.persist();
        CHECK(s.get(b("big")) == big);
        s.put(b("big"), b("small"));
        s.seal(4);
        s.persist();
        CHECK(s.get(b("big")) == b("small"));
    }
}

}  // namespace
}  // namespace seer::store
