#include <doctest/doctest.h>

#include <cctype>
#include <string>

#include "seer/common/bytes.hpp"
#include "seer/crypto/bech32.hpp"

using namespace seer;
using namespace seer::crypto;

namespace {

std::string lower(std::string s) {
    for (char& c : s)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

}  // namespace

TEST_CASE("bech32: BIP-173 valid test vectors decode and re-encode") {
    const char* valid[] = {
        "A12UEL5L",
        "a12uel5l",
        "an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio"
        "1tt5tgs",
        "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
        "11"  // hrp "1", then 82 'q' and the checksum: exactly 90 characters
        "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq"
        "c8247j",
        "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
        "?1ezyfcl",
    };
    for (const std::string text : valid) {
        CAPTURE(text);
        auto decoded = bech32::decode(text);
        REQUIRE_MESSAGE(decoded.ok(), decoded.error().reason);
        CHECK(bech32::encode(decoded->hrp, decoded->data) == lower(text));
    }

    // Spot checks of the decoded parts.
    auto abc = bech32::decode("abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw");
    REQUIRE(abc.ok());
    CHECK(abc->hrp == "abcdef");
    REQUIRE(abc->data.size() == 32);
    for (std::size_t i = 0; i < 32; ++i)
        CHECK(abc->data[i] == i);  // the charset in order

    auto upper = bech32::decode("A12UEL5L");
    REQUIRE(upper.ok());
    CHECK(upper->hrp == "a");
    CHECK(upper->data.empty());
}

TEST_CASE("bech32: BIP-173 invalid test vectors fail") {
    struct Case {
        std::string text;
        const char* why;
    };
    const Case invalid[] = {
        {std::string("\x20") + "1nwldj5", "HRP character out of range"},
        {std::string("\x7f") + "1axkwrx", "HRP character out of range"},
        {std::string("\x80") + "1eym55h", "HRP character out of range"},
        {"an84characterslonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio"
         "1569pvx",
         "overall max length exceeded"},
        {"pzry9x0s0muk", "no separator character"},
        {"1pzry9x0s0muk", "empty HRP"},
        {"x1b4n0q5v", "invalid data character"},
        {"li1dgmt3", "too short checksum"},
        {std::string("de1lg7wt") + "\xff", "invalid character in checksum"},
        {"A1G7SGD8", "checksum calculated with uppercase form of HRP"},
        {"10a06t8", "empty HRP"},
        {"1qzzfhee", "empty HRP"},
        // Not in the BIP's list, but rules it states.
        {"a12UEL5L", "mixed case"},
        {"A12uEL5L", "mixed case"},
        {"a12uel5m", "bad checksum"},
        {"", "empty string"},
        {"a1", "no checksum"},
    };
    for (const Case& c : invalid) {
        CAPTURE(c.why);
        CHECK_FALSE(bech32::decode(c.text).ok());
    }
}

TEST_CASE("bech32: error reasons name the broken rule") {
    CHECK(bech32::decode("A12uEL5L").error().reason == "mixed_case");
    CHECK(bech32::decode("pzry9x0s0muk").error().reason == "no_separator");
    CHECK(bech32::decode("1pzry9x0s0muk").error().reason == "empty_hrp");
    CHECK(bech32::decode("li1dgmt3").error().reason == "short_checksum");
    CHECK(bech32::decode("a12uel5m").error().reason == "bad_checksum");
    CHECK(bech32::decode(std::string(91, 'a')).error().reason == "too_long");
    CHECK(bech32::decode("an84characterslonghumanreadablepartthatcontainsthenumber1andtheexcludedc"
                         "haractersbio1569pvx")
              .error()
              .reason == "too_long");
}

TEST_CASE("bech32: convert_bits") {
    const Bytes bytes = {0x00, 0x01, 0xff, 0x80, 0x7e};
    auto five = bech32::convert_bits(bytes, 8, 5, true);
    REQUIRE(five.ok());
    CHECK(five->size() == 8);  // 40 bits / 5
    for (std::uint8_t v : *five)
        CHECK(v < 32);
    auto back = bech32::convert_bits(*five, 5, 8, false);
    REQUIRE(back.ok());
    CHECK(*back == bytes);

    // 20 bytes = 160 bits -> 32 groups, no padding needed; 1 byte -> 2 groups with padding.
    CHECK(bech32::convert_bits(Bytes(20, 0xab), 8, 5, true)->size() == 32);
    auto one = bech32::convert_bits(Bytes{0xff}, 8, 5, true);
    REQUIRE(one.ok());
    CHECK(*one == Bytes{31, 28});

    // Non-zero padding bits are rejected when not padding.
    CHECK_FALSE(bech32::convert_bits(Bytes{31, 29}, 5, 8, false).ok());
    // Too many padding bits (a whole extra group) are rejected.
    CHECK_FALSE(bech32::convert_bits(Bytes{31, 28, 0}, 5, 8, false).ok());
    CHECK(bech32::convert_bits(Bytes{31, 28}, 5, 8, false).ok());
    // Input values wider than from_bits are rejected.
    CHECK_FALSE(bech32::convert_bits(Bytes{32}, 5, 8, true).ok());
    // Bad group sizes are rejected, not undefined behaviour.
    CHECK_FALSE(bech32::convert_bits(Bytes{1}, 0, 5, true).ok());
    CHECK_FALSE(bech32::convert_bits(Bytes{1}, 8, 9, true).ok());
}

TEST_CASE("bech32: BIP-173 segwit example decodes to its witness program") {
    // BIP-173 "Valid Segwit addresses", first entry (scriptPubKey 0014751e...); data = [version 0]
    // + program.
    auto decoded = bech32::decode("BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4");
    REQUIRE(decoded.ok());
    CHECK(decoded->hrp == "bc");
    REQUIRE(!decoded->data.empty());
    CHECK(decoded->data[0] == 0);
    const Bytes data5(decoded->data.begin() + 1, decoded->data.end());
    auto program = bech32::convert_bits(data5, 5, 8, false);
    REQUIRE(program.ok());
    CHECK(to_hex(*program) == "751e76e8199196d454941c45d1b3a323f1433bd6");
}
