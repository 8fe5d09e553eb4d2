#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "seer/common/bytes.hpp"
#include "seer/crypto/address.hpp"
#include "seer/crypto/bech32.hpp"
#include "seer/crypto/hash.hpp"

using namespace seer;
using namespace seer::crypto;

TEST_CASE("address: address_of is the first 20 bytes of SHA-256(pubkey)") {
    // RFC 8032 TEST 1 public key.
    const auto pk =
        to_array<32>(*from_hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"));
    REQUIRE(pk.has_value());
    const Hash256 digest = sha256(*pk);
    const Address address = address_of(*pk);
    CHECK(std::equal(address.begin(), address.end(), digest.begin()));
    CHECK(address_of(PrivateKey::from_seed(Seed{}).public_key()) !=
          address_of(PrivateKey::from_seed(Seed{1}).public_key()));
}

TEST_CASE("address: bech32 round trip with prefix seer") {
    const Address address = address_of(PrivateKey::from_seed(Seed{7}).public_key());
    const std::string text = to_bech32_address(address);
    CHECK(text.rfind("seer1", 0) == 0);
    CHECK(text.size() == 4 + 1 + 32 + 6);  // hrp, separator, 160 bits in 5-bit groups, checksum

    auto back = from_bech32_address(text);
    REQUIRE(back.ok());
    CHECK(*back == address);

    // Upper case is the same address.
    std::string upper = text;
    for (char& c : upper)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    auto from_upper = from_bech32_address(upper);
    REQUIRE(from_upper.ok());
    CHECK(*from_upper == address);

    // A custom prefix round-trips with that prefix only.
    const std::string cosmos = to_bech32_address(address, "cosmos");
    CHECK(cosmos.rfind("cosmos1", 0) == 0);
    auto custom = from_bech32_address(cosmos, "cosmos");
    REQUIRE(custom.ok());
    CHECK(*custom == address);

    // All-zero and all-ones payloads.
    for (std::uint8_t b : {std::uint8_t{0x00}, std::uint8_t{0xff}}) {
        Address edge{};
        edge.fill(b);
        auto r = from_bech32_address(to_bech32_address(edge));
        REQUIRE(r.ok());
        CHECK(*r == edge);
    }
}

TEST_CASE("address: rejects wrong prefix, wrong length and bad checksum") {
    const Address address = address_of(PrivateKey::from_seed(Seed{9}).public_key());

    SUBCASE("wrong prefix") {
        auto r = from_bech32_address(to_bech32_address(address, "cosmos"));
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().reason == "wrong_prefix");
        CHECK_FALSE(from_bech32_address(to_bech32_address(address), "cosmos").ok());
        CHECK_FALSE(from_bech32_address(to_bech32_address(address, "seerx")).ok());
    }
    SUBCASE("wrong payload length") {
        for (std::size_t n : {0u, 19u, 21u, 32u}) {
            CAPTURE(n);
            auto data5 = bech32::convert_bits(Bytes(n, 0x42), 8, 5, true);
            REQUIRE(data5.ok());
            auto r = from_bech32_address(bech32::encode("seer", *data5));
            REQUIRE_FALSE(r.ok());
            CHECK(r.error().reason == "wrong_length");
        }
    }
    SUBCASE("bad padding") {
        // 33 groups of 5 bits = 165 bits: 20 bytes plus 5 bits that are not valid padding.
        std::vector<std::uint8_t> data5(33, 1);
        CHECK_FALSE(from_bech32_address(bech32::encode("seer", data5)).ok());
    }
    SUBCASE("bad checksum") {
        const std::string text = to_bech32_address(address);
        // Change every data character in turn to another valid one.
        for (std::size_t i = 5; i < text.size(); ++i) {
            std::string bad = text;
            bad[i] = bad[i] == 'q' ? 'p' : 'q';
            CAPTURE(bad);
            CHECK_FALSE(from_bech32_address(bad).ok());
        }
        // Swapping two adjacent different characters is caught too.
        std::string swapped = text;
        for (std::size_t i = 5; i + 1 < swapped.size(); ++i) {
            if (swapped[i] != swapped[i + 1]) {
                std::swap(swapped[i], swapped[i + 1]);
                break;
            }
        }
        CHECK_FALSE(from_bech32_address(swapped).ok());
    }
    SUBCASE("garbage") {
        CHECK_FALSE(from_bech32_address("").ok());
        CHECK_FALSE(from_bech32_address("seer").ok());
        CHECK_FALSE(from_bech32_address("not an address").ok());
    }
}
