#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "seer/common/bytes.hpp"
#include "seer/crypto/hash.hpp"
#include "seer/crypto/merkle.hpp"

using namespace seer;
using namespace seer::crypto;

namespace {

Bytes hex(std::string_view s) {
    auto b = from_hex(s);
    REQUIRE(b.has_value());
    return *b;
}

Bytes concat(std::uint8_t prefix, ByteView a, ByteView b = {}) {
    Bytes out{prefix};
    out.insert(out.end(), a.begin(), a.end());
    out.insert(out.end(), b.begin(), b.end());
    return out;
}

// A straightforward transcription of RFC 6962 section 2.1, independent of the library's.
Hash256 reference_root(const std::vector<Bytes>& d) {
    if (d.empty()) return sha256(ByteView{});
    if (d.size() == 1) return sha256(concat(0x00, d[0]));
    std::size_t k = 1;
    while (k * 2 < d.size())
        k *= 2;  // largest power of two strictly smaller than n
    const std::vector<Bytes> left(d.begin(), d.begin() + static_cast<std::ptrdiff_t>(k));
    const std::vector<Bytes> right(d.begin() + static_cast<std::ptrdiff_t>(k), d.end());
    const Hash256 l = reference_root(left);
    const Hash256 r = reference_root(right);
    return sha256(concat(0x01, l, r));
}

Hash256 leaf(const Bytes& d) {
    return sha256(concat(0x00, d));
}

Hash256 node(const Hash256& l, const Hash256& r) {
    return sha256(concat(0x01, l, r));
}

// The eight leaves used by the certificate-transparency reference tests.
std::vector<Bytes> ct_leaves() {
    return {hex(""),
            hex("00"),
            hex("10"),
            hex("2021"),
            hex("3031"),
            hex("40414243"),
            hex("5051525354555657"),
            hex("606162636465666768696a6b6c6d6e6f")};
}

}  // namespace

TEST_CASE("merkle: empty tree and single leaf") {
    CHECK(merkle_root({}) == sha256(ByteView{}));
    CHECK(to_hex(merkle_root({})) ==
          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");

    const std::vector<Bytes> one = {to_bytes("leaf")};
    CHECK(merkle_root(one) == sha256(concat(0x00, as_bytes("leaf"))));
    // The leaf prefix matters: a one-leaf root is not the hash of the leaf itself.
    CHECK(merkle_root(one) != sha256(as_bytes("leaf")));

    const std::vector<Bytes> empty_leaf = {Bytes{}};
    CHECK(to_hex(merkle_root(empty_leaf)) ==
          "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
}

TEST_CASE("merkle: split at the largest power of two strictly smaller than n") {
    std::vector<Bytes> d;
    for (int i = 0; i < 8; ++i)
        d.push_back(Bytes{static_cast<std::uint8_t>(i)});
    auto first = [&](std::size_t n) {
        return std::vector<Bytes>(d.begin(), d.begin() + static_cast<std::ptrdiff_t>(n));
    };

    // n = 2: (0)(1)
    CHECK(merkle_root(first(2)) == node(leaf(d[0]), leaf(d[1])));
    // n = 3: k = 2 -> ((0 1) 2)
    CHECK(merkle_root(first(3)) == node(node(leaf(d[0]), leaf(d[1])), leaf(d[2])));
    // n = 4: k = 2 (strictly smaller, not 4) -> ((0 1)(2 3))
    CHECK(merkle_root(first(4)) ==
          node(node(leaf(d[0]), leaf(d[1])), node(leaf(d[2]), leaf(d[3]))));
    // n = 5: k = 4 -> (((0 1)(2 3)) 4)
    const Hash256 four = node(node(leaf(d[0]), leaf(d[1])), node(leaf(d[2]), leaf(d[3])));
    CHECK(merkle_root(first(5)) == node(four, leaf(d[4])));
    // n = 7: k = 4 -> (((0 1)(2 3)) ((4 5) 6))
    CHECK(merkle_root(first(7)) == node(four, node(node(leaf(d[4]), leaf(d[5])), leaf(d[6]))));
}

TEST_CASE("merkle: matches the reference for many sizes") {
    for (std::size_t n : {2u, 3u, 5u, 7u, 8u, 9u, 16u, 17u, 31u, 100u}) {
        CAPTURE(n);
        std::vector<Bytes> d;
        for (std::size_t i = 0; i < n; ++i) {
            d.push_back(to_bytes("tx-" + std::to_string(i)));
        }
        CHECK(merkle_root(d) == reference_root(d));
    }
}

TEST_CASE("merkle: RFC 6962 / certificate-transparency vectors") {
    const std::vector<Bytes> leaves = ct_leaves();
    const char* expected[] = {
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    };
    for (std::size_t n = 1; n <= leaves.size(); ++n) {
        CAPTURE(n);
        const std::span<const Bytes> prefix(leaves.data(), n);
        CHECK(to_hex(merkle_root(prefix)) == expected[n - 1]);
        CHECK(to_hex(reference_root({leaves.begin(), leaves.begin() + static_cast<std::ptrdiff_t>(
                                                                          n)})) == expected[n - 1]);
    }
}
