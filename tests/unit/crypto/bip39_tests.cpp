#include <doctest/doctest.h>

#include <set>
#include <string>

#include "seer/common/bytes.hpp"
#include "seer/crypto/bip39.hpp"
#include "seer/crypto/hash.hpp"

using namespace seer;
using namespace seer::crypto;

namespace {

struct Vector {
    const char* entropy;
    const char* mnemonic;
    const char* seed;  // passphrase "TREZOR"
};

// trezor/python-mnemonic vectors.json, "english" (the vectors BIP-39 links to).
const Vector k_vectors[] = {
    {"00000000000000000000000000000000",
     "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon "
     "about",
     "c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e5349553"
     "1f09a6987599d18264c1e1c92f2cf141630c7a3c4ab7c81b2f001698e7463b04"},
    {"7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f",
     "legal winner thank year wave sausage worth useful legal winner thank yellow",
     "2e8905819b8723fe2c1d161860e5ee1830318dbf49a83bd451cfb8440c28bd6f"
     "a457fe1296106559a3c80937a1c1069be3a3a5bd381ee6260e8d9739fce1f607"},
    {"ffffffffffffffffffffffffffffffff", "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo wrong",
     "ac27495480225222079d7be181583751e86f571027b0497b5b5d11218e0a8a13"
     "332572917f0f8e5a589620c6f15b11c61dee327651a14c34e18231052e48c069"},
    {"7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f",
     "legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth "
     "useful legal will",
     "f2b94508732bcbacbcc020faefecfc89feafa6649a5491b8c952cede496c214a"
     "0c7b3c392d168748f2d4a612bada0753b52a1c7ac53c1e93abd5c6320b9e95dd"},
    {"0000000000000000000000000000000000000000000000000000000000000000",
     "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon "
     "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon "
     "abandon art",
     "bda85446c68413707090a52022edd26a1c9462295029f2e60cd7c4f2bbd30971"
     "70af7a4d73245cafa9c3cca8d561a7c3de6f5d4a10be8ed2a5e608d68f92fcc8"},
    {"8080808080808080808080808080808080808080808080808080808080808080",
     "letter advice cage absurd amount doctor acoustic avoid letter advice cage absurd amount "
     "doctor acoustic avoid letter advice cage absurd amount doctor acoustic bless",
     "c0c519bd0e91a2ed54357d9d1ebef6f5af218a153624cf4f2da911a0ed8f7a09"
     "e2ef61af0aca007096df430022f7a2b6fb91661a9589097069720d015e4e982f"},
    {"6610b25967cdcca9d59875f5cb50b0ea75433311869e930b",
     "gravity machine north sort system female filter attitude volume fold club stay feature "
     "office ecology stable narrow fog",
     "628c3827a8823298ee685db84f55caa34b5cc195a778e52d45f59bcf75aba68e"
     "4d7590e101dc414bc1bbd5737666fbbef35d1f1903953b66624f910feef245ac"},
    {"f585c11aec520db57dd353c69554b21a89b20fb0650966fa0a9d6f74fd989d8f",
     "void come effort suffer camp survey warrior heavy shoot primary clutch crush open amazing "
     "screen patrol group space point ten exist slush involve unfold",
     "01f5bced59dec48e362f2c45b5de68b9fd6c92c6634f44d6d40aab69056506f0"
     "e35524a518034ddc1192e1dacd32c1ed3eaa3c3b131c88ed8e7e54c49a5d0998"},
};

}  // namespace

TEST_CASE("bip39: the English wordlist is the standard one") {
    const auto& words = bip39::english_wordlist();
    std::string file;
    for (auto w : words) {
        file.append(w);
        file.push_back('\n');
    }
    // SHA-256 of bips/bip-0039/english.txt.
    CHECK(to_hex(sha256(as_bytes(file))) ==
          "2f5eed53a4727b4bf8880d8f3f199efc90e58503646d9ff8eff3a2ed3b24dbda");
    CHECK(words.front() == "abandon");
    CHECK(words.back() == "zoo");
}

TEST_CASE("bip39: Trezor vectors, entropy -> mnemonic -> seed") {
    for (const auto& v : k_vectors) {
        CAPTURE(v.mnemonic);
        auto entropy = from_hex(v.entropy);
        REQUIRE(entropy.has_value());
        auto mnemonic = bip39::mnemonic_from_entropy(*entropy);
        REQUIRE(mnemonic.ok());
        CHECK(*mnemonic == v.mnemonic);
        auto valid = bip39::validate_mnemonic(v.mnemonic);
        REQUIRE(valid.ok());
        CHECK(*valid == v.mnemonic);
        auto seed = bip39::mnemonic_to_seed(v.mnemonic, "TREZOR");
        REQUIRE(seed.ok());
        CHECK(to_hex(*seed) == v.seed);
    }
}

TEST_CASE("bip39: seed without a passphrase") {
    // The widely published seed of "abandon ... about" with an empty passphrase.
    auto seed = bip39::mnemonic_to_seed(k_vectors[0].mnemonic);
    REQUIRE(seed.ok());
    CHECK(to_hex(*seed) ==
          "5eb00bbddcf069084889a8ab9155568165f5c453ccb85e70811aaed6f6da5fc1"
          "9a5ac40b389cd370d086206dec8aa6c43daea6690f20ad3d8d48b2d2ce9e38e4");
}

TEST_CASE("bip39: whitespace is normalized") {
    const std::string messy =
        "  abandon abandon\tabandon abandon abandon abandon\nabandon abandon abandon abandon  "
        "abandon about \n";
    auto valid = bip39::validate_mnemonic(messy);
    REQUIRE(valid.ok());
    CHECK(*valid == k_vectors[0].mnemonic);
    auto a = bip39::mnemonic_to_seed(messy, "TREZOR");
    REQUIRE(a.ok());
    CHECK(to_hex(*a) == k_vectors[0].seed);
}

TEST_CASE("bip39: invalid mnemonics are rejected") {
    // Wrong checksum: every word valid, last one changed.
    auto bad_sum = bip39::validate_mnemonic(
        "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon "
        "abandon");
    REQUIRE_FALSE(bad_sum.ok());
    CHECK(bad_sum.error().reason == "bad_checksum");
    // Two words swapped.
    auto swapped = bip39::validate_mnemonic(
        "legal winner thank year wave sausage worth useful legal winner yellow thank");
    REQUIRE_FALSE(swapped.ok());
    CHECK(swapped.error().reason == "bad_checksum");
    // A word that is not in the list.
    auto unknown = bip39::validate_mnemonic(
        "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon "
        "abuot");
    REQUIRE_FALSE(unknown.ok());
    CHECK(unknown.error().reason == "unknown_word");
    // Upper case is not in the list.
    auto upper = bip39::validate_mnemonic(
        "ABANDON abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon "
        "about");
    REQUIRE_FALSE(upper.ok());
    CHECK(upper.error().reason == "unknown_word");
    // Non-ASCII.
    auto non_ascii = bip39::validate_mnemonic(
        "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon "
        "ab\xc3\xa1ndon");
    REQUIRE_FALSE(non_ascii.ok());
    CHECK(non_ascii.error().reason == "non_ascii_word");
    // Word counts.
    for (const char* m : {"", "abandon", "abandon abandon abandon about",
                          "abandon abandon abandon abandon abandon abandon abandon abandon abandon "
                          "abandon abandon abandon about"}) {
        auto r = bip39::validate_mnemonic(m);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().reason == "bad_word_count");
    }
    CHECK_FALSE(bip39::mnemonic_to_seed("abandon abandon abandon").ok());
    CHECK_FALSE(bip39::mnemonic_to_seed(k_vectors[0].mnemonic, "p\xc3\xa4ss").ok());
}

TEST_CASE("bip39: entropy sizes") {
    CHECK_FALSE(bip39::mnemonic_from_entropy(Bytes(15, 0)).ok());
    CHECK_FALSE(bip39::mnemonic_from_entropy(Bytes(17, 0)).ok());
    CHECK_FALSE(bip39::mnemonic_from_entropy(Bytes(36, 0)).ok());
    CHECK_FALSE(bip39::generate_mnemonic(13).ok());
    CHECK_FALSE(bip39::generate_mnemonic(27).ok());
}

TEST_CASE("bip39: generated mnemonics are valid and fresh") {
    std::set<std::string> seen;
    for (std::size_t words : {12u, 15u, 18u, 21u, 24u}) {
        auto m = bip39::generate_mnemonic(words);
        REQUIRE(m.ok());
        std::size_t count = 1;
        for (char c : *m)
            count += c == ' ' ? 1 : 0;
        CHECK(count == words);
        CHECK(bip39::validate_mnemonic(*m).ok());
        seen.insert(*m);
    }
    auto d = bip39::generate_mnemonic();
    REQUIRE(d.ok());
    seen.insert(*d);
    CHECK(seen.size() == 6);
}
