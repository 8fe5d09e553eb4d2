#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "seer/common/bytes.hpp"
#include "seer/crypto/bip32.hpp"

using namespace seer;
using namespace seer::crypto;

namespace {

struct Step {
    const char* path;
    const char* xpub;
    const char* xprv;
};

void check_chain(const char* seed_hex, const std::vector<Step>& steps) {
    auto seed = from_hex(seed_hex);
    REQUIRE(seed.has_value());
    for (const auto& s : steps) {
        CAPTURE(s.path);
        auto key = bip32::derive_path(*seed, s.path);
        REQUIRE(key.ok());
        CHECK(bip32::to_xprv(*key) == s.xprv);
        CHECK(bip32::to_xpub(*key) == s.xpub);
    }
}

}  // namespace

// BIP-32 "Test Vectors": test vector 1.
TEST_CASE("bip32: test vector 1") {
    check_chain("000102030405060708090a0b0c0d0e0f",
                {
                    {"m",
                     "xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupj"
                     "e8YtGqsef"
                     "D265TMg7usUDFdp6W1EGMcet8",
                     "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6"
                     "LnF5kejMR"
                     "NNU3TGtRBeJgk33yuGBxrMPHi"},
                    {"m/0'",
                     "xpub68Gmy5EdvgibQVfPdqkBBCHxA5htiqg55crXYuXoQRKfDBFA1WEjWgP6LHhwBZeNK1VTsfTFU"
                     "HCdrfp1bg"
                     "wQ9xv5ski8PX9rL2dZXvgGDnw",
                     "xprv9uHRZZhk6KAJC1avXpDAp4MDc3sQKNxDiPvvkX8Br5ngLNv1TxvUxt4cV1rGL5hj6KCesnDYU"
                     "hd7oWgT11"
                     "eZG7XnxHrnYeSvkzY7d2bhkJ7"},
                    {"m/0'/1",
                     "xpub6ASuArnXKPbfEwhqN6e3mwBcDTgzisQN1wXN9BJcM47sSikHjJf3UFHKkNAWbWMiGj7Wf5uMa"
                     "sh7SyYq52"
                     "7Hqck2AxYysAA7xmALppuCkwQ",
                     "xprv9wTYmMFdV23N2TdNG573QoEsfRrWKQgWeibmLntzniatZvR9BmLnvSxqu53Kw1UmYPxLgboyZ"
                     "QaXwTCg8M"
                     "SY3H2EU4pWcQDnRnrVA1xe8fs"},
                    {"m/0'/1/2'",
                     "xpub6D4BDPcP2GT577Vvch3R8wDkScZWzQzMMUm3PWbmWvVJrZwQY4VUNgqFJPMM3No2dFDFGTsxx"
                     "pG5uJh7n7"
                     "epu4trkrX7x7DogT5Uv6fcLW5",
                     "xprv9z4pot5VBttmtdRTWfWQmoH1taj2axGVzFqSb8C9xaxKymcFzXBDptWmT7FwuEzG3ryjH4kty"
                     "pQSAewRiN"
                     "MjANTtpgP4mLTj34bhnZX7UiM"},
                    {"m/0h/1/2h/2",
                     "xpub6FHa3pjLCk84BayeJxFW2SP4XRrFd1JYnxeLeU8EqN3vDfZmbqBqaGJAyiLjTAwm6ZLRQUMv1"
                     "ZACTj37sR"
                     "62cfN7fe5JnJ7dh8zL4fiyLHV",
                     "xprvA2JDeKCSNNZky6uBCviVfJSKyQ1mDYahRjijr5idH2WwLsEd4Hsb2Tyh8RfQMuPh7f7RtyzTt"
                     "drbdqqsun"
                     "u5Mm3wDvUAKRHSC34sJ7in334"},
                    {"m/0H/1/2H/2/1000000000",
                     "xpub6H1LXWLaKsWFhvm6RVpEL9P4KfRZSW7abD2ttkWP3SSQvnyA8FSVqNTEcYFgJS2UaFcxupHiY"
                     "kro49S8yG"
                     "asTvXEYBVPamhGW6cFJodrTHy",
                     "xprvA41z7zogVVwxVSgdKUHDy1SKmdb533PjDz7J6N6mV6uS3ze1ai8FHa8kmHScGpWmj4WggLyQj"
                     "gPie1rFSr"
                     "uoUihUZREPSL39UNdE3BBDu76"},
                });
}

// BIP-32 "Test Vectors": test vector 2 (64-byte seed, large indexes).
TEST_CASE("bip32: test vector 2") {
    check_chain(
        "fffcf9f6f3f0edeae7e4e1dedbd8d5d2cfccc9c6c3c0bdbab7b4b1aeaba8a5a29f9c999693908d8a8784817e7b"
        "7875726f6c696663605d5a5754514e4b484542",
        {
            {"m",
             "xpub661MyMwAqRbcFW31YEwpkMuc5THy2PSt5bDMsktWQcFF8syAmRUapSCGu8ED9W6oDMSgv6Zz8idoc4a6m"
             "r"
             "8BDzTJY47LJhkJ8UB7WEGuduB",
             "xprv9s21ZrQH143K31xYSDQpPDxsXRTUcvj2iNHm5NUtrGiGG5e2DtALGdso3pGz6ssrdK4PFmM8NSpSBHNqP"
             "q"
             "m55Qn3LqFtT2emdEXVYsCzC2U"},
            {"m/0",
             "xpub69H7F5d8KSRgmmdJg2KhpAK8SR3DjMwAdkxj3ZuxV27CprR9LgpeyGmXUbC6wb7ERfvrnKZjXoUmmDzne"
             "z"
             "pbZb7ap6r1D3tgFxHmwMkQTPH",
             "xprv9vHkqa6EV4sPZHYqZznhT2NPtPCjKuDKGY38FBWLvgaDx45zo9WQRUT3dKYnjwih2yJD9mkrocEZXo1ex"
             "8"
             "G81dwSM1fwqWpWkeS3v86pgKt"},
            {"m/0/2147483647'",
             "xpub6ASAVgeehLbnwdqV6UKMHVzgqAG8Gr6riv3Fxxpj8ksbH9ebxaEyBLZ85ySDhKiLDBrQSARLq1uNRts8R"
             "u"
             "JiHjaDMBU4Zn9h8LZNnBC5y4a",
             "xprv9wSp6B7kry3Vj9m1zSnLvN3xH8RdsPP1Mh7fAaR7aRLcQMKTR2vidYEeEg2mUCTAwCd6vnxVrcjfy2kRg"
             "V"
             "sFawNzmjuHc2YmYRmagcEPdU9"},
            {"m/0/2147483647'/1",
             "xpub6DF8uhdarytz3FWdA8TvFSvvAh8dP3283MY7p2V4SeE2wyWmG5mg5EwVvmdMVCQcoNJxGoWaU9DCWh89L"
             "o"
             "jfZ537wTfunKau47EL2dhHKon",
             "xprv9zFnWC6h2cLgpmSA46vutJzBcfJ8yaJGg8cX1e5StJh45BBciYTRXSd25UEPVuesF9yog62tGAQtHjXaj"
             "P"
             "PdbRCHuWS6T8XA2ECKADdw4Ef"},
            {"m/0/2147483647'/1/2147483646'",
             "xpub6ERApfZwUNrhLCkDtcHTcxd75RbzS1ed54G1LkBUHQVHQKqhMkhgbmJbZRkrgZw4koxb5JaHWkY4ALHY2"
             "g"
             "rBGRjaDMzQLcgJvLJuZZvRcEL",
             "xprvA1RpRA33e1JQ7ifknakTFpgNXPmW2YvmhqLQYMmrj4xJXXWYpDPS3xz7iAxn8L39njGVyuoseXzU6rcxF"
             "L"
             "J8HFsTjSyQbLYnMpCqE2VbFWc"},
            {"m/0/2147483647'/1/2147483646'/2",
             "xpub6FnCn6nSzZAw5Tw7cgR9bi15UV96gLZhjDstkXXxvCLsUXBGXPdSnLFbdpq8p9HmGsApME5hQTZ3emM2r"
             "n"
             "Y5agb9rXpVGyy3bdW6EEgAtqt",
             "xprvA2nrNbFZABcdryreWet9Ea4LvTJcGsqrMzxHx98MMrotbir7yrKCEXw7nadnHM8Dq38EGfSh6dqA9QWTy"
             "e"
             "fMLEcBYJUuekgW4BYPJcr9E7j"},
        });
}

TEST_CASE("bip32: step-by-step derivation equals derive_path") {
    auto seed = from_hex("000102030405060708090a0b0c0d0e0f");
    REQUIRE(seed.has_value());
    auto master = bip32::master_key(*seed);
    REQUIRE(master.ok());
    CHECK(master->depth == 0);
    CHECK(master->parent_fingerprint == 0);
    auto child = bip32::derive_child(*master, bip32::k_hardened + 0);
    REQUIRE(child.ok());
    CHECK(child->depth == 1);
    CHECK(child->child_number == bip32::k_hardened);
    // The fingerprint of the test vector 1 master key.
    CHECK(child->parent_fingerprint == 0x3442193eu);
    auto direct = bip32::derive_path(*seed, "m/0'");
    REQUIRE(direct.ok());
    CHECK(direct->secret == child->secret);
    CHECK(direct->chain_code == child->chain_code);
}

TEST_CASE("bip32: paths") {
    auto cosmos = bip32::parse_path(bip32::k_cosmos_hd_path);
    REQUIRE(cosmos.ok());
    CHECK(*cosmos == std::vector<std::uint32_t>{44 | bip32::k_hardened, 118 | bip32::k_hardened,
                                                0 | bip32::k_hardened, 0, 0});
    auto root = bip32::parse_path("m");
    REQUIRE(root.ok());
    CHECK(root->empty());
    auto mixed = bip32::parse_path("m/1h/2H/3'/2147483647");
    REQUIRE(mixed.ok());
    CHECK(*mixed == std::vector<std::uint32_t>{1 | bip32::k_hardened, 2 | bip32::k_hardened,
                                               3 | bip32::k_hardened, 2147483647u});
    for (const char* bad : {"", "44'/118'", "m/", "m//0", "m/x", "m/0''", "m/2147483648", "m/0/",
                            "M/0", "m/-1", "m/1 "}) {
        CAPTURE(bad);
        CHECK_FALSE(bip32::parse_path(bad).ok());
    }
}

TEST_CASE("bip32: seed length") {
    CHECK_FALSE(bip32::master_key(Bytes(15, 1)).ok());
    CHECK_FALSE(bip32::master_key(Bytes(65, 1)).ok());
    CHECK(bip32::master_key(Bytes(16, 1)).ok());
    CHECK(bip32::master_key(Bytes(64, 1)).ok());
}

// SLIP-0010 test vector 1 for ed25519 (also what @cosmjs/crypto 0.32.4 Slip10 gives).
TEST_CASE("slip10: ed25519 test vector 1") {
    auto seed = from_hex("000102030405060708090a0b0c0d0e0f");
    REQUIRE(seed.has_value());
    const std::pair<const char*, const char*> steps[] = {
        {"m", "2b4be7f19ee27bbf30c667b642d5f4aa69fd169872f8fc3059c08ebae2eb19e7"},
        {"m/0'", "68e0fe46dfb67e368c75379acec591dad19df3cde26e63b93a8e704f1dade7a3"},
        {"m/0'/1'", "b1d0bad404bf35da785a64ca1ac54b2617211d2777696fbffaf208f746ae84f2"},
        {"m/0'/1'/2'/2'/1000000000'",
         "8f94d394a8e8fd6b1bc2f3f49f5c47e385281d5c17e65324b0f62483e37e8793"},
    };
    for (const auto& [path, secret] : steps) {
        CAPTURE(path);
        auto key = bip32::derive_ed25519_path(*seed, path);
        REQUIRE(key.ok());
        CHECK(to_hex(*key) == secret);
    }
    // Non-hardened steps do not exist for ed25519.
    auto soft = bip32::derive_ed25519_path(*seed, "m/0'/1");
    REQUIRE_FALSE(soft.ok());
    CHECK(soft.error().reason == "bad_hd_path");
}
