#include <doctest/doctest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "seer/common/bytes.hpp"
#include "seer/crypto/address.hpp"
#include "seer/node/keyring.hpp"

namespace seer::node {
namespace {

namespace fs = std::filesystem;

const char* const k_abandon =
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";

std::string temp_dir() {
    std::string templ = (fs::temp_directory_path() / "seer-keyring-XXXXXX").string();
    REQUIRE(mkdtemp(templ.data()) != nullptr);
    return templ;
}

std::string read(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

unsigned mode_of(const std::string& path) {
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    return st.st_mode & 0777;
}

std::size_t word_count(const std::string& s) {
    std::size_t n = s.empty() ? 0 : 1;
    for (char c : s)
        n += c == ' ' ? 1 : 0;
    return n;
}

/// A provider that must not be called (list/show of the file backend need no passphrase).
PassphraseProvider never_asked(int& calls) {
    return [&calls](const std::string&, bool) -> Result<std::string> {
        ++calls;
        return make_error("unexpected", "passphrase asked");
    };
}

Keyring open_ring(const std::string& home, KeyringBackend backend,
                  PassphraseProvider p = fixed_passphrase("correct horse battery")) {
    auto ring = Keyring::open(home, backend, std::move(p));
    REQUIRE(ring.ok());
    return std::move(ring).value();
}

}  // namespace

TEST_CASE("keyring: backend names, directories and client.toml") {
    const std::string home = temp_dir();
    CHECK(keyring_dir(home, KeyringBackend::test) == home + "/keyring-test");
    CHECK(keyring_dir(home, KeyringBackend::file) == home + "/keyring-file");
    CHECK(parse_keyring_backend("test").value() == KeyringBackend::test);
    CHECK(parse_keyring_backend("file").value() == KeyringBackend::file);
    CHECK_FALSE(parse_keyring_backend("os").ok());

    CHECK(default_keyring_backend(home) == "file");  // no client.toml
    auto wrote = write_client_toml_if_missing(home, KeyringBackend::test);
    REQUIRE(wrote.ok());
    CHECK(*wrote);
    CHECK(default_keyring_backend(home) == "test");
    auto again = write_client_toml_if_missing(home, KeyringBackend::file);
    REQUIRE(again.ok());
    CHECK_FALSE(*again);  // never overwritten
    CHECK(default_keyring_backend(home) == "test");

    std::ofstream(home + "/config/client.toml") << "keyring-backend = \"file\"\n";
    CHECK(default_keyring_backend(home) == "file");
    std::ofstream(home + "/config/client.toml") << "keyring-backend = \"kwallet\"\n";
    CHECK(default_keyring_backend(home) == "file");  // unknown: the default
    fs::remove_all(home);
}

TEST_CASE("keyring: test backend create, load, list, show; no overwrite; names") {
    const std::string home = temp_dir();
    Keyring ring = open_ring(home, KeyringBackend::test);
    CHECK(ring.list()->empty());

    auto alice = ring.create("alice");
    REQUIRE(alice.ok());
    CHECK(word_count(alice->mnemonic) == 24);
    CHECK(alice->record.name == "alice");
    CHECK(alice->record.type == crypto::KeyType::secp256k1);
    CHECK(alice->record.address.rfind("seer1", 0) == 0);
    CHECK(alice->record.pub_key.key.size() == 33);

    const std::string path = home + "/keyring-test/alice.json";
    CHECK(mode_of(path) == 0600);
    CHECK(mode_of(home + "/keyring-test") == 0700);
    // The test backend keeps the secret and the mnemonic in clear text.
    CHECK(read(path).find(alice->mnemonic) != std::string::npos);

    auto key = ring.load("alice");
    REQUIRE(key.ok());
    CHECK(crypto::to_bech32_address(key->address()) == alice->record.address);
    CHECK(key->public_key() == alice->record.pub_key);
    const Bytes sig = key->sign(as_bytes("hello"));
    CHECK(alice->record.pub_key.verify(as_bytes("hello"), sig));

    // No silent overwrite, with either way of adding a key.
    auto dup = ring.create("alice");
    REQUIRE_FALSE(dup.ok());
    CHECK(dup.error().reason == "key_exists");
    CHECK(ring.recover("alice", k_abandon).error().reason == "key_exists");
    CHECK(ring.import_secret("alice", crypto::KeyType::ed25519, Bytes(32, 7)).error().reason ==
          "key_exists");
    CHECK(ring.load("alice")->address() == key->address());

    // Names are checked.
    for (const char* bad : {"", "../evil", "a/b", "a b", "é"}) {
        CAPTURE(bad);
        CHECK(ring.create(bad).error().reason == "bad_key_name");
    }
    CHECK(ring.create(std::string(65, 'a')).error().reason == "bad_key_name");
    CHECK(ring.create(std::string(64, 'a')).ok());

    auto bob = ring.create("bob", crypto::KeyType::ed25519);
    REQUIRE(bob.ok());
    CHECK(bob->record.type == crypto::KeyType::ed25519);
    CHECK(bob->record.pub_key.key.size() == 32);
    CHECK(ring.load("bob")->type() == crypto::KeyType::ed25519);

    auto list = ring.list();
    REQUIRE(list.ok());
    REQUIRE(list->size() == 3);
    CHECK(list->at(0).name == std::string(64, 'a'));
    CHECK(list->at(1) == alice->record);
    CHECK(list->at(2) == bob->record);
    CHECK(ring.show("bob").value() == bob->record);
    CHECK(ring.show("carol").error().reason == "unknown_key");
    CHECK(ring.load("carol").error().reason == "unknown_key");
    fs::remove_all(home);
}

TEST_CASE("keyring: recover gives the same key; the Cosmos HD path") {
    const std::string home_a = temp_dir();
    const std::string home_b = temp_dir();
    Keyring a = open_ring(home_a, KeyringBackend::test);
    Keyring b = open_ring(home_b, KeyringBackend::file);
    for (auto type : {crypto::KeyType::secp256k1, crypto::KeyType::ed25519}) {
        CAPTURE(crypto::key_type_name(type));
        const std::string name = std::string(crypto::key_type_name(type));
        auto created = a.create(name, type);
        REQUIRE(created.ok());
        // Extra whitespace is normalized.
        auto recovered = b.recover(name, "  " + created->mnemonic + "\n", type);
        REQUIRE(recovered.ok());
        CHECK(recovered->address == created->record.address);
        CHECK(recovered->pub_key == created->record.pub_key);
        CHECK(b.load(name)->secret() == a.load(name)->secret());
    }
    // m/44'/118'/0'/0/0 of the abandon mnemonic: cosmos19rl4cm2hmr8afy4kldpxz3fka4jguq0auqdal4
    // on the Cosmos Hub, the same 20 bytes with prefix seer here.
    auto hub =
        crypto::from_bech32_address("cosmos19rl4cm2hmr8afy4kldpxz3fka4jguq0auqdal4", "cosmos");
    REQUIRE(hub.ok());
    auto abandon = a.recover("abandon", k_abandon);
    REQUIRE(abandon.ok());
    CHECK(abandon->address == crypto::to_bech32_address(*hub));

    CHECK(a.recover("bad1", "abandon abandon abandon").error().reason == "bad_word_count");
    CHECK(a.recover("bad2", std::string(k_abandon).replace(88, 5, "abuot")).error().reason ==
          "unknown_word");
    CHECK_FALSE(a.contains("bad1"));
    fs::remove_all(home_a);
    fs::remove_all(home_b);
}

TEST_CASE("keyring: file backend encrypts; wrong passphrase; list without passphrase") {
    const std::string home = temp_dir();
    std::string mnemonic;
    std::string address;
    {
        Keyring ring = open_ring(home, KeyringBackend::file);
        auto k = ring.create("alice");
        REQUIRE(k.ok());
        mnemonic = k->mnemonic;
        address = k->record.address;
        REQUIRE(ring.create("bob", crypto::KeyType::ed25519).ok());
        CHECK(ring.load("alice").ok());
    }
    const std::string path = home + "/keyring-file/alice.json";
    const std::string text = read(path);
    CHECK(mode_of(path) == 0600);
    CHECK(mode_of(home + "/keyring-file") == 0700);
    CHECK(mode_of(home + "/keyring-file/keyhash") == 0600);
    // Neither the secret nor any word of the mnemonic is in the file.
    CHECK(text.find(mnemonic.substr(0, mnemonic.find(' ', 10))) == std::string::npos);
    CHECK(text.find("\"secret\"") == std::string::npos);
    CHECK(text.find("\"mnemonic\"") == std::string::npos);
    CHECK(text.find("argon2id13") != std::string::npos);
    CHECK(text.find(address) != std::string::npos);  // public metadata stays readable

    {
        int calls = 0;
        Keyring ring = open_ring(home, KeyringBackend::file, never_asked(calls));
        auto list = ring.list();
        REQUIRE(list.ok());
        CHECK(list->size() == 2);
        CHECK(ring.show("alice")->address == address);
        CHECK(calls == 0);
    }
    {
        Keyring ring =
            open_ring(home, KeyringBackend::file, fixed_passphrase("wrong horse battery"));
        auto key = ring.load("alice");
        REQUIRE_FALSE(key.ok());
        CHECK(key.error().reason == "wrong_passphrase");
        CHECK(key.error().message == "wrong passphrase");
        // Nor can a key be added under another passphrase.
        CHECK(ring.create("carol").error().reason == "wrong_passphrase");
        CHECK_FALSE(ring.contains("carol"));
        CHECK(ring.export_unsafe("alice").error().reason == "wrong_passphrase");
    }
    {
        // Without the keyhash file, a wrong passphrase is still caught by the MAC.
        fs::copy_file(home + "/keyring-file/keyhash", home + "/keyhash.bak");
        fs::remove(home + "/keyring-file/keyhash");
        Keyring ring =
            open_ring(home, KeyringBackend::file, fixed_passphrase("wrong horse battery"));
        CHECK(ring.load("alice").error().message == "wrong passphrase");
        fs::copy_file(home + "/keyhash.bak", home + "/keyring-file/keyhash",
                      fs::copy_options::overwrite_existing);
    }
    {
        Keyring ring = open_ring(home, KeyringBackend::file);
        auto key = ring.load("alice");
        REQUIRE(key.ok());
        CHECK(crypto::to_bech32_address(key->address()) == address);
        auto exported = ring.export_unsafe("alice");
        REQUIRE(exported.ok());
        CHECK(exported->find(mnemonic) != std::string::npos);  // the mnemonic is kept
    }
    {
        // A new keyring refuses a short passphrase.
        const std::string other = temp_dir();
        Keyring ring = open_ring(other, KeyringBackend::file, fixed_passphrase("short"));
        CHECK(ring.create("x").error().reason == "weak_passphrase");
        fs::remove_all(other);
    }
    fs::remove_all(home);
}

TEST_CASE("keyring: rename and delete") {
    for (auto backend : {KeyringBackend::test, KeyringBackend::file}) {
        CAPTURE(keyring_backend_name(backend));
        const std::string home = temp_dir();
        Keyring ring = open_ring(home, backend);
        auto a = ring.create("alice");
        REQUIRE(a.ok());
        REQUIRE(ring.create("bob").ok());

        CHECK(ring.rename("alice", "bob").error().reason == "key_exists");
        CHECK(ring.rename("carol", "dave").error().reason == "unknown_key");
        CHECK(ring.rename("alice", "../x").error().reason == "bad_key_name");
        REQUIRE(ring.rename("alice", "alicia").ok());
        CHECK_FALSE(ring.contains("alice"));
        CHECK(ring.show("alice").error().reason == "unknown_key");
        auto shown = ring.show("alicia");
        REQUIRE(shown.ok());
        CHECK(shown->name == "alicia");
        CHECK(shown->address == a->record.address);
        auto key = ring.load("alicia");
        REQUIRE(key.ok());
        CHECK(crypto::to_bech32_address(key->address()) == a->record.address);

        REQUIRE(ring.remove("bob").ok());
        CHECK_FALSE(ring.contains("bob"));
        CHECK(ring.remove("bob").error().reason == "unknown_key");
        CHECK(ring.list()->size() == 1);
        fs::remove_all(home);
    }
}

TEST_CASE("keyring: import and export round trips") {
    const std::string home_t = temp_dir();
    const std::string home_f = temp_dir();
    Keyring test = open_ring(home_t, KeyringBackend::test);
    Keyring file = open_ring(home_f, KeyringBackend::file);
    auto alice = test.create("alice");
    REQUIRE(alice.ok());

    // Clear-text export (--unsafe-export-private-key) into the file backend.
    auto plain = test.export_unsafe("alice");
    REQUIRE(plain.ok());
    CHECK(plain->find(to_hex(test.load("alice")->secret())) != std::string::npos);
    auto imported = file.import_key("alice", *plain, PassphraseProvider{});
    REQUIRE(imported.ok());
    CHECK(imported->address == alice->record.address);
    CHECK(file.export_unsafe("alice")->find(alice->mnemonic) != std::string::npos);

    // Armored export, encrypted with an export passphrase, back into another test keyring.
    auto armor = file.export_armored("alice", "export pass 1");
    REQUIRE(armor.ok());
    CHECK(armor->rfind("-----BEGIN SEER PRIVATE KEY-----\n", 0) == 0);
    CHECK(armor->find(alice->mnemonic) == std::string::npos);
    CHECK(armor->find(to_hex(test.load("alice")->secret())) == std::string::npos);
    CHECK(file.export_armored("alice", "short").error().reason == "weak_passphrase");
    const std::string home_t2 = temp_dir();
    Keyring test2 = open_ring(home_t2, KeyringBackend::test);
    auto wrong = test2.import_key("alice", *armor, fixed_passphrase("export pass 2"));
    REQUIRE_FALSE(wrong.ok());
    CHECK(wrong.error().message == "wrong passphrase");
    auto back = test2.import_key("alice", *armor, fixed_passphrase("export pass 1"));
    REQUIRE(back.ok());
    CHECK(back->address == alice->record.address);
    CHECK(test2.load("alice")->secret() == test.load("alice")->secret());
    CHECK(test2.import_key("alice", *armor, fixed_passphrase("export pass 1")).error().reason ==
          "key_exists");

    // A minimal hand-written JSON: type and secret.
    const std::string secret_hex =
        "c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721";
    auto raw = test2.import_key("raw", "{\"type\":\"ed25519\",\"secret\":\"" + secret_hex + "\"}",
                                PassphraseProvider{});
    REQUIRE(raw.ok());
    CHECK(raw->type == crypto::KeyType::ed25519);
    CHECK(to_hex(test2.load("raw")->secret()) == secret_hex);
    // import-hex gives the same key.
    auto hex = test2.import_secret("raw2", crypto::KeyType::ed25519, *from_hex(secret_hex));
    REQUIRE(hex.ok());
    CHECK(hex->address == raw->address);
    // secp256k1 of the same secret is another address.
    auto secp = test2.import_secret("raw3", crypto::KeyType::secp256k1, *from_hex(secret_hex));
    REQUIRE(secp.ok());
    CHECK(secp->address != raw->address);

    // Refused: secret not matching the named pub_key, mnemonic and secret disagreeing, garbage,
    // an invalid secp256k1 secret.
    std::string tampered = *plain;
    const auto pk_at = tampered.find("\"pub_key\":\"") + 11;
    tampered[pk_at + 5] = tampered[pk_at + 5] == 'A' ? 'B' : 'A';
    CHECK_FALSE(test2.import_key("t1", tampered, PassphraseProvider{}).ok());
    auto other_secret = "{\"type\":\"secp256k1\",\"secret\":\"" + secret_hex +
                        "\",\"mnemonic\":\"" + std::string(k_abandon) + "\"}";
    CHECK(test2.import_key("t2", other_secret, PassphraseProvider{})
              .error()
              .message.find("disagree") != std::string::npos);
    CHECK_FALSE(test2.import_key("t3", "not json", PassphraseProvider{}).ok());
    CHECK_FALSE(
        test2
            .import_key("t4",
                        "{\"type\":\"secp256k1\",\"secret\":\"" + std::string(64, '0') + "\"}",
                        PassphraseProvider{})
            .ok());
    CHECK_FALSE(test2
                    .import_key("t5", "-----BEGIN SEER PRIVATE KEY-----\nkdf: argon2id13\n",
                                fixed_passphrase("export pass 1"))
                    .ok());
    for (const char* n : {"t1", "t2", "t3", "t4", "t5"})
        CHECK_FALSE(test2.contains(n));
    fs::remove_all(home_t);
    fs::remove_all(home_f);
    fs::remove_all(home_t2);
}

TEST_CASE("keyring: load_account_key picks the backend") {
    const std::string home = temp_dir();
    Keyring ring = open_ring(home, KeyringBackend::test);
    auto k = ring.create("alice");
    REQUIRE(k.ok());
    // Default (no client.toml) is the file backend, which has no alice.
    auto missing = load_account_key(home, "", "alice");
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().reason == "unknown_key");
    CHECK(missing.error().message.find("keyring-file") != std::string::npos);
    auto explicit_test = load_account_key(home, "test", "alice");
    REQUIRE(explicit_test.ok());
    CHECK(crypto::to_bech32_address(explicit_test->address()) == k->record.address);
    REQUIRE(write_client_toml_if_missing(home, KeyringBackend::test).ok());
    CHECK(load_account_key(home, "", "alice").ok());
    CHECK_FALSE(load_account_key(home, "kwallet", "alice").ok());
    fs::remove_all(home);
}

}  // namespace seer::node
