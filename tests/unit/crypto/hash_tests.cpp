#include <doctest/doctest.h>

#include <string>

#include "seer/common/bytes.hpp"
#include "seer/crypto/hash.hpp"

using namespace seer;
using namespace seer::crypto;

namespace {

Bytes repeat(std::uint8_t byte, std::size_t n) {
    return Bytes(n, byte);
}

Bytes range(unsigned first, unsigned last_exclusive) {
    Bytes out;
    for (unsigned i = first; i < last_exclusive; ++i)
        out.push_back(static_cast<std::uint8_t>(i));
    return out;
}

}  // namespace

TEST_CASE("sha256: FIPS 180-2 vectors") {
    CHECK(to_hex(sha256(as_bytes(""))) ==
          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(to_hex(sha256(as_bytes("abc"))) ==
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(to_hex(sha256(as_bytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))) ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    // An empty span with a null data pointer is a valid empty input.
    CHECK(sha256(ByteView{}) == sha256(as_bytes("")));
}

TEST_CASE("sha256: incremental API matches the one-shot one") {
    const std::string text = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    const Hash256 expected = sha256(as_bytes(text));

    for (std::size_t split = 0; split <= text.size(); ++split) {
        Sha256 h;
        h.update(as_bytes(std::string_view(text).substr(0, split)))
            .update(ByteView{})
            .update(as_bytes(std::string_view(text).substr(split)));
        CHECK(h.finish() == expected);
    }

    Sha256 byte_at_a_time;
    for (char c : text)
        byte_at_a_time.update(as_bytes(std::string_view(&c, 1)));
    CHECK(byte_at_a_time.finish() == expected);

    // A large input spanning many blocks.
    const Bytes big = repeat(0x61, 1000000);
    Sha256 chunks;
    for (std::size_t i = 0; i < big.size(); i += 4099) {
        chunks.update(ByteView(big).subspan(i, std::min<std::size_t>(4099, big.size() - i)));
    }
    const Hash256 million_a = chunks.finish();
    CHECK(million_a == sha256(big));
    // FIPS 180-2 appendix B.3: one million 'a'.
    CHECK(to_hex(million_a) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");

    Sha256 empty;
    CHECK(empty.finish() == sha256(ByteView{}));
}

TEST_CASE("hmac_sha256: RFC 4231 test cases") {
    SUBCASE("1") {
        CHECK(to_hex(hmac_sha256(repeat(0x0b, 20), as_bytes("Hi There"))) ==
              "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    }
    SUBCASE("2: key shorter than the output") {
        CHECK(to_hex(hmac_sha256(as_bytes("Jefe"), as_bytes("what do ya want for nothing?"))) ==
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    }
    SUBCASE("3") {
        CHECK(to_hex(hmac_sha256(repeat(0xaa, 20), repeat(0xdd, 50))) ==
              "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
    }
    SUBCASE("4") {
        CHECK(to_hex(hmac_sha256(range(0x01, 0x1a), repeat(0xcd, 50))) ==
              "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
    }
    SUBCASE("5: truncated to 128 bits") {
        const Hash256 mac = hmac_sha256(repeat(0x0c, 20), as_bytes("Test With Truncation"));
        CHECK(to_hex(ByteView(mac).first(16)) == "a3b6167473100ee06e0c796c2955552b");
    }
    SUBCASE("6: key larger than the block size") {
        CHECK(to_hex(hmac_sha256(
                  repeat(0xaa, 131),
                  as_bytes("Test Using Larger Than Block-Size Key - Hash Key First"))) ==
              "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    }
    SUBCASE("7: key and data larger than the block size") {
        CHECK(to_hex(hmac_sha256(
                  repeat(0xaa, 131),
                  as_bytes("This is a test using a larger than block-size key and a larger than "
                           "block-size data. The key needs to be hashed before being used by the "
                           "HMAC algorithm."))) ==
              "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
    }
}

TEST_CASE("hkdf_sha256: RFC 5869 test cases") {
    SUBCASE("1: basic") {
        const Bytes okm = hkdf_sha256(repeat(0x0b, 22), range(0x00, 0x0d), range(0xf0, 0xfa), 42);
        CHECK(
            to_hex(okm) ==
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
    }
    SUBCASE("2: longer inputs and outputs") {
        const Bytes okm = hkdf_sha256(range(0x00, 0x50), range(0x60, 0xb0), range(0xb0, 0x100), 82);
        CHECK(
            to_hex(okm) ==
            "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb4"
            "1c65e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87");
    }
    SUBCASE("3: empty salt and info") {
        const Bytes okm = hkdf_sha256(repeat(0x0b, 22), ByteView{}, ByteView{}, 42);
        CHECK(
            to_hex(okm) ==
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
        // An empty salt is the same as HashLen zero bytes.
        CHECK(hkdf_sha256(repeat(0x0b, 22), Bytes(32, 0), ByteView{}, 42) == okm);
    }
    SUBCASE("output lengths") {
        const Bytes ikm = repeat(0x0b, 22);
        CHECK(hkdf_sha256(ikm, ByteView{}, ByteView{}, 0).empty());
        const Bytes longest = hkdf_sha256(ikm, ByteView{}, ByteView{}, 255 * 32);
        CHECK(longest.size() == 255 * 32);
        // A shorter output is a prefix of a longer one.
        const Bytes short_okm = hkdf_sha256(ikm, ByteView{}, ByteView{}, 33);
        CHECK(Bytes(longest.begin(), longest.begin() + 33) == short_okm);
        // Different info gives an unrelated key.
        CHECK(hkdf_sha256(ikm, ByteView{}, as_bytes("a"), 32) !=
              hkdf_sha256(ikm, ByteView{}, as_bytes("b"), 32));
    }
}

TEST_CASE("sha512: FIPS 180-2 vectors") {
    CHECK(to_hex(sha512(as_bytes("abc"))) ==
          "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
          "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
    CHECK(to_hex(sha512(ByteView{})) ==
          "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
          "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e");
}

TEST_CASE("hmac_sha512: RFC 4231 test cases 1, 2 and 6") {
    CHECK(to_hex(hmac_sha512(repeat(0x0b, 20), as_bytes("Hi There"))) ==
          "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
          "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854");
    CHECK(to_hex(hmac_sha512(as_bytes("Jefe"), as_bytes("what do ya want for nothing?"))) ==
          "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
          "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737");
    // A key longer than the 128-byte block is hashed first.
    CHECK(to_hex(hmac_sha512(repeat(0xaa, 131),
                             as_bytes("Test Using Larger Than Block-Size Key - Hash Key First"))) ==
          "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
          "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598");
}

TEST_CASE("ripemd160 and hash160: reference vectors") {
    CHECK(to_hex(ripemd160(ByteView{})) == "9c1185a5c5e9fc54612808977ee8f548b2258d31");
    CHECK(to_hex(ripemd160(as_bytes("abc"))) == "8eb208f7e05d987a9b044a8e98c6b087f15a0bfc");
    CHECK(to_hex(ripemd160(as_bytes("message digest"))) ==
          "5d0689ef49d2fae572b881b123a85ffa21595f36");
    const Hash256 inner = sha256(as_bytes("abc"));
    CHECK(hash160(as_bytes("abc")) == ripemd160(inner));
}

TEST_CASE("short_hash: SipHash-2-4 reference vector, and keys that differ give other hashes") {
    // The SipHash paper's vector: key 00..0f, message 00..0e, result a129ca6149be45e5.
    ShortHashKey key;
    for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<std::uint8_t>(i);
    CHECK(short_hash(key, range(0, 15)) == 0xa129ca6149be45e5ull);
    const ShortHashKey a = random_short_hash_key(), b = random_short_hash_key();
    CHECK(a != b);
    CHECK(short_hash(a, range(0, 64)) != short_hash(b, range(0, 64)));
}
