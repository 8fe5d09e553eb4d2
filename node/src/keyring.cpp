#include "seer/node/keyring.hpp"

#include <sodium.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <toml++/toml.h>
#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "private_file.hpp"
#include "seer/common/base64.hpp"
#include "seer/crypto/address.hpp"
#include "seer/crypto/bip32.hpp"
#include "seer/crypto/bip39.hpp"
#include "seer/store/durable_value.hpp"

namespace seer::node {

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

constexpr std::size_t k_min_passphrase = 8;
constexpr std::string_view k_armor_begin = "-----BEGIN SEER PRIVATE KEY-----";
constexpr std::string_view k_armor_end = "-----END SEER PRIVATE KEY-----";
constexpr std::string_view k_kdf_name = "argon2id13";
constexpr std::string_view k_cipher_name = "xsalsa20poly1305";
// Argon2id work: libsodium's "interactive" limits (64 MiB, 2 passes), for each key file and
// each export. The limits are stored with the ciphertext, so they can be raised later.
const unsigned long long k_opslimit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
const std::size_t k_memlimit = crypto_pwhash_MEMLIMIT_INTERACTIVE;

void wipe(std::string& s) {
    if (!s.empty()) sodium_memzero(s.data(), s.size());
    s.clear();
}

void wipe(Bytes& b) {
    if (!b.empty()) sodium_memzero(b.data(), b.size());
    b.clear();
}

Error unknown_key(std::string_view name) {
    return make_error("unknown_key", "key '" + std::string(name) + "' not found");
}

Error wrong_passphrase() {
    return make_error("wrong_passphrase", "wrong passphrase");
}

Result<std::string> read_text(const std::string& path) {
    try {
        auto bytes = store::read_file(path);
        if (!bytes) return make_error("not_found", path + " does not exist");
        return to_string(*bytes);
    } catch (const std::exception& e) {
        return make_error("io", e.what());
    }
}

Status write_private(const std::string& dir, const std::string& path, std::string_view text) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return make_error("io", "cannot create " + dir + ": " + ec.message());
    ::chmod(dir.c_str(), 0700);
    try {
        store::write_file_atomic(path, as_bytes(text), 0600);
    } catch (const std::exception& e) {
        return make_error("io", e.what());
    }
    return {};
}

std::optional<std::string> string_field(const json::object& o, std::string_view key) {
    auto it = o.find(key);
    if (it == o.end() || !it->value().is_string()) return std::nullopt;
    return std::string(it->value().as_string());
}

std::optional<std::uint64_t> uint_field(const json::object& o, std::string_view key) {
    auto it = o.find(key);
    if (it == o.end()) return std::nullopt;
    if (it->value().is_uint64()) return it->value().as_uint64();
    if (it->value().is_int64() && it->value().as_int64() >= 0)
        return static_cast<std::uint64_t>(it->value().as_int64());
    return std::nullopt;
}

// --- Argon2id + secretbox ------------------------------------------------------------------

struct Sealed {
    unsigned long long opslimit = k_opslimit;
    std::size_t memlimit = k_memlimit;
    Bytes salt;
    Bytes nonce;
    Bytes ciphertext;
};

Result<std::array<std::uint8_t, crypto_secretbox_KEYBYTES>> derive_box_key(
    std::string_view passphrase, ByteView salt, unsigned long long opslimit, std::size_t memlimit) {
    std::array<std::uint8_t, crypto_secretbox_KEYBYTES> key{};
    if (salt.size() != crypto_pwhash_SALTBYTES)
        return make_error("bad_key_file",
                          "salt must be " + std::to_string(crypto_pwhash_SALTBYTES) + " bytes");
    if (opslimit < crypto_pwhash_OPSLIMIT_MIN || opslimit > crypto_pwhash_OPSLIMIT_SENSITIVE ||
        memlimit < crypto_pwhash_MEMLIMIT_MIN || memlimit > crypto_pwhash_MEMLIMIT_SENSITIVE)
        return make_error("bad_key_file", "Argon2id limits out of range");
    if (crypto_pwhash(key.data(), key.size(), passphrase.data(), passphrase.size(), salt.data(),
                      opslimit, memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0)
        return make_error("kdf_failed", "Argon2id failed (out of memory?)");
    return key;
}

Result<Sealed> seal(std::string_view passphrase, std::string_view plaintext) {
    crypto::init();
    Sealed s;
    s.salt.resize(crypto_pwhash_SALTBYTES);
    s.nonce.resize(crypto_secretbox_NONCEBYTES);
    randombytes_buf(s.salt.data(), s.salt.size());
    randombytes_buf(s.nonce.data(), s.nonce.size());
    auto key = derive_box_key(passphrase, s.salt, s.opslimit, s.memlimit);
    if (!key) return key.error();
    s.ciphertext.resize(plaintext.size() + crypto_secretbox_MACBYTES);
    crypto_secretbox_easy(s.ciphertext.data(),
                          reinterpret_cast<const unsigned char*>(plaintext.data()),
                          plaintext.size(), s.nonce.data(), key->data());
    sodium_memzero(key->data(), key->size());
    return s;
}

/// Fails with "wrong passphrase" when the MAC does not check.
Result<std::string> open_sealed(std::string_view passphrase, const Sealed& s) {
    crypto::init();
    if (s.nonce.size() != crypto_secretbox_NONCEBYTES ||
        s.ciphertext.size() < crypto_secretbox_MACBYTES)
        return make_error("bad_key_file", "bad nonce or ciphertext");
    auto key = derive_box_key(passphrase, s.salt, s.opslimit, s.memlimit);
    if (!key) return key.error();
    std::string plain(s.ciphertext.size() - crypto_secretbox_MACBYTES, '\0');
    const int rc = crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(plain.data()),
                                              s.ciphertext.data(), s.ciphertext.size(),
                                              s.nonce.data(), key->data());
    sodium_memzero(key->data(), key->size());
    if (rc != 0) return wrong_passphrase();
    return plain;
}

json::object sealed_to_json(const Sealed& s) {
    return json::object{{"kdf", k_kdf_name},
                        {"opslimit", s.opslimit},
                        {"memlimit", s.memlimit},
                        {"salt", to_hex(s.salt)},
                        {"cipher", k_cipher_name},
                        {"nonce", to_hex(s.nonce)},
                        {"ciphertext", to_base64(s.ciphertext)}};
}

Result<Sealed> sealed_from_json(const json::object& o) {
    if (string_field(o, "kdf") != std::string(k_kdf_name) ||
        string_field(o, "cipher") != std::string(k_cipher_name))
        return make_error("bad_key_file",
                          "unsupported encryption (want argon2id13 and "
                          "xsalsa20poly1305)");
    auto ops = uint_field(o, "opslimit");
    auto mem = uint_field(o, "memlimit");
    auto salt = string_field(o, "salt");
    auto nonce = string_field(o, "nonce");
    auto ct = string_field(o, "ciphertext");
    if (!ops || !mem || !salt || !nonce || !ct)
        return make_error("bad_key_file", "encryption fields missing");
    Sealed s;
    s.opslimit = *ops;
    s.memlimit = static_cast<std::size_t>(*mem);
    auto salt_b = from_hex(*salt);
    auto nonce_b = from_hex(*nonce);
    auto ct_b = from_base64(*ct);
    if (!salt_b || !nonce_b || !ct_b) return make_error("bad_key_file", "bad encoding");
    s.salt = std::move(*salt_b);
    s.nonce = std::move(*nonce_b);
    s.ciphertext = std::move(*ct_b);
    return s;
}

// --- terminal -------------------------------------------------------------------------------

// --- key records ----------------------------------------------------------------------------

KeyRecord record_of(std::string_view name, const crypto::AccountKey& key) {
    KeyRecord r;
    r.name = std::string(name);
    r.type = key.type();
    r.pub_key = key.public_key();
    r.address = crypto::to_bech32_address(r.pub_key.address());
    return r;
}

json::object record_json(const KeyRecord& r) {
    return json::object{{"name", r.name},
                        {"type", crypto::key_type_name(r.type)},
                        {"address", r.address},
                        {"pub_key", to_base64(r.pub_key.key)}};
}

Result<KeyRecord> parse_record(const json::object& o, const std::string& where) {
    auto bad = [&](const std::string& why) {
        return make_error("bad_key_file", where + ": " + why);
    };
    auto name = string_field(o, "name");
    auto type_name = string_field(o, "type");
    auto address = string_field(o, "address");
    auto pub = string_field(o, "pub_key");
    if (!name || !type_name || !address || !pub)
        return bad("needs name, type, address and pub_key");
    auto type = crypto::key_type_from_name(*type_name);
    if (!type) return bad("unknown key type '" + *type_name + "'");
    auto pub_bytes = from_base64(*pub);
    if (!pub_bytes) return bad("pub_key is not base64");
    auto pk = crypto::AccountPubKey::make(*type, *pub_bytes);
    if (!pk) return bad(pk.error().message);
    KeyRecord r;
    r.name = *name;
    r.type = *type;
    r.pub_key = *pk;
    r.address = crypto::to_bech32_address(pk->address());
    if (r.address != *address) return bad("address does not match pub_key");
    return r;
}

Result<json::object> parse_object(std::string_view text, const std::string& where) {
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec || !v.is_object()) return make_error("bad_key_file", where + " is not a JSON object");
    return std::move(v.as_object());
}

/// The secret and mnemonic of {"type"?, "secret"?, "mnemonic"?}: a mnemonic alone is derived;
/// with both, they must agree.
struct Material {
    crypto::KeyType type = crypto::KeyType::secp256k1;
    Bytes secret;
    std::string mnemonic;
    ~Material() {
        wipe(secret);
        wipe(mnemonic);
    }
};

Result<Bytes> secret_of_mnemonic(std::string_view mnemonic, crypto::KeyType type) {
    auto seed = crypto::bip39::mnemonic_to_seed(mnemonic);
    if (!seed) return seed.error();
    Bytes out;
    if (type == crypto::KeyType::secp256k1) {
        auto ext = crypto::bip32::derive_path(*seed, crypto::bip32::k_cosmos_hd_path);
        sodium_memzero(seed->data(), seed->size());
        if (!ext) return ext.error();
        out.assign(ext->secret.begin(), ext->secret.end());
        sodium_memzero(ext->secret.data(), ext->secret.size());
    } else {
        auto secret =
            crypto::bip32::derive_ed25519_path(*seed, crypto::bip32::k_cosmos_ed25519_hd_path);
        sodium_memzero(seed->data(), seed->size());
        if (!secret) return secret.error();
        out.assign(secret->begin(), secret->end());
        sodium_memzero(secret->data(), secret->size());
    }
    return out;
}

Status material_from_json(const json::object& o, const std::string& where, Material& m) {
    if (auto t = string_field(o, "type")) {
        auto type = crypto::key_type_from_name(*t);
        if (!type) return make_error("bad_key_file", where + ": unknown key type '" + *t + "'");
        m.type = *type;
    }
    auto secret = string_field(o, "secret");
    auto mnemonic = string_field(o, "mnemonic");
    if (!secret && !mnemonic)
        return make_error("bad_key_file", where + ": needs \"secret\" or \"mnemonic\"");
    if (mnemonic) {
        auto normalized = crypto::bip39::validate_mnemonic(*mnemonic);
        if (!normalized) return normalized.error();
        m.mnemonic = std::move(normalized).value();
    }
    if (secret) {
        auto bytes = from_hex(*secret);
        if (!bytes || bytes->size() != 32)
            return make_error("bad_key_file", where + ": secret must be 64 hex digits");
        m.secret = std::move(*bytes);
    }
    if (!m.mnemonic.empty()) {
        auto derived = secret_of_mnemonic(m.mnemonic, m.type);
        if (!derived) return derived.error();
        if (!m.secret.empty() && m.secret != *derived)
            return make_error("bad_key_file", where + ": secret and mnemonic disagree");
        m.secret = std::move(derived).value();
    }
    return {};
}

Result<std::string> header_value(const std::string& armor, std::string_view key) {
    std::istringstream in(armor);
    std::string line;
    const std::string prefix = std::string(key) + ": ";
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) break;  // end of the headers
        if (line.rfind(prefix, 0) == 0) return line.substr(prefix.size());
    }
    return make_error("bad_armor", "armor header '" + std::string(key) + "' missing");
}

}  // namespace

// --- free functions -------------------------------------------------------------------------

std::string_view keyring_backend_name(KeyringBackend backend) {
    return backend == KeyringBackend::test ? "test" : "file";
}

Result<KeyringBackend> parse_keyring_backend(std::string_view name) {
    if (name == "test") return KeyringBackend::test;
    if (name == "file") return KeyringBackend::file;
    return make_error("bad_keyring_backend",
                      "unknown keyring backend '" + std::string(name) + "' (test or file)");
}

std::string keyring_dir(const std::string& home, KeyringBackend backend) {
    return home + "/keyring-" + std::string(keyring_backend_name(backend));
}

std::string default_keyring_backend(const std::string& home) {
    const std::string path = home + "/config/client.toml";
    std::error_code ec;
    if (!fs::exists(path, ec)) return "file";
    try {
        const toml::table t = toml::parse_file(path);
        if (auto v = t["keyring-backend"].value<std::string>()) {
            if (parse_keyring_backend(*v)) return *v;
            std::cerr << "warning: " << path << ": unknown keyring-backend '" << *v
                      << "', using file\n";
        }
    } catch (const toml::parse_error& e) {
        std::cerr << "warning: " << path << ": " << e.description() << ", using keyring file\n";
    }
    return "file";
}

Result<bool> write_client_toml_if_missing(const std::string& home, KeyringBackend backend) {
    const std::string path = home + "/config/client.toml";
    std::error_code ec;
    if (fs::exists(path, ec)) return false;
    fs::create_directories(home + "/config", ec);
    if (ec) return make_error("io", "cannot create " + home + "/config: " + ec.message());
    const std::string text =
        "# Client configuration of seer (keys, tx): docs/keys.md.\n"
        "# Keyring backend: \"file\" (encrypted, the default) or \"test\" (clear text).\n"
        "keyring-backend = \"" +
        std::string(keyring_backend_name(backend)) + "\"\n";
    try {
        store::write_file_atomic(path, as_bytes(text), 0644);
    } catch (const std::exception& e) {
        return make_error("io", e.what());
    }
    return true;
}

Result<std::string> read_stdin_line(const std::string& prompt, bool hidden) {
    const bool tty = ::isatty(STDIN_FILENO) == 1;
    termios saved{};
    bool restore = false;
    if (tty) {
        std::cerr << prompt << " " << std::flush;
        if (hidden && ::tcgetattr(STDIN_FILENO, &saved) == 0) {
            termios quiet = saved;
            quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
            restore = ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
        }
    }
    std::string line;
    const bool got = static_cast<bool>(std::getline(std::cin, line));
    if (restore) {
        ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
        std::cerr << "\n";
    }
    if (!got && line.empty()) return make_error("no_input", "no input on stdin");
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
}

PassphraseProvider default_passphrase_provider(std::string env_var) {
    return [env_var](const std::string& prompt, bool confirm) -> Result<std::string> {
        if (const char* env = std::getenv(env_var.c_str()); env != nullptr) return std::string(env);
        const bool tty = ::isatty(STDIN_FILENO) == 1;
        auto first = read_stdin_line(prompt, true);
        if (!first) {
            return make_error("no_passphrase",
                              "no passphrase: set " + env_var + " or give it as a line on stdin");
        }
        if (confirm && tty) {
            auto second = read_stdin_line("Re-enter passphrase:", true);
            if (!second || *second != *first) {
                wipe(*first);
                return make_error("passphrase_mismatch", "the passphrases do not match");
            }
            wipe(*second);
        }
        return first;
    };
}

PassphraseProvider fixed_passphrase(std::string passphrase) {
    return [passphrase](const std::string&, bool) -> Result<std::string> { return passphrase; };
}

Status check_key_name(std::string_view name) {
    if (name.empty() || name.size() > 64)
        return make_error("bad_key_name", "key name must be 1..64 characters");
    for (char c : name)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'))
            return make_error("bad_key_name",
                              "key name may only hold letters, digits, '_' and '-'");
    return {};
}

Result<crypto::AccountKey> load_account_key(const std::string& home, const std::string& backend,
                                            std::string_view name) {
    auto b = parse_keyring_backend(backend.empty() ? default_keyring_backend(home) : backend);
    if (!b) return b.error();
    auto ring = Keyring::open(home, *b);
    if (!ring) return ring.error();
    auto key = ring->load(name);
    if (!key) {
        return make_error(key.error().reason,
                          key.error().message + " (keyring " + ring->dir() + ")");
    }
    return key;
}

// --- Keyring --------------------------------------------------------------------------------

struct Keyring::Secret {
    crypto::KeyType type = crypto::KeyType::secp256k1;
    Bytes secret;
    std::string mnemonic;
    Secret() = default;
    Secret(Secret&&) = default;
    Secret& operator=(Secret&&) = default;
    ~Secret() {
        wipe(secret);
        wipe(mnemonic);
    }
};

Keyring::Keyring(std::string dir, KeyringBackend backend, PassphraseProvider passphrase)
    : m_dir(std::move(dir)), m_backend(backend), m_passphrase(std::move(passphrase)) {}

Result<Keyring> Keyring::open(const std::string& home, KeyringBackend backend,
                              PassphraseProvider passphrase) {
    if (home.empty()) return make_error("bad_option", "no home directory for the keyring");
    const std::string dir = keyring_dir(home, backend);
    std::error_code ec;
    if (fs::exists(dir, ec) && !fs::is_directory(dir, ec))
        return make_error("io", dir + " is not a directory");
    return Keyring(dir, backend, std::move(passphrase));
}

std::string Keyring::path_of(std::string_view name) const {
    return m_dir + "/" + std::string(name) + ".json";
}

bool Keyring::contains(std::string_view name) const {
    if (!check_key_name(name)) return false;
    std::error_code ec;
    return fs::exists(path_of(name), ec);
}

Result<std::string> Keyring::keyring_passphrase() {
    if (m_cached_passphrase) return *m_cached_passphrase;
    if (!m_passphrase) return make_error("no_passphrase", "no passphrase provider");
    crypto::init();
    const std::string keyhash_path = m_dir + "/keyhash";
    auto keyhash = read_text(keyhash_path);
    if (keyhash) {
        auto p = m_passphrase("Enter keyring passphrase:", false);
        if (!p) return p.error();
        std::string hash = *keyhash;
        while (!hash.empty() && (hash.back() == '\n' || hash.back() == '\r'))
            hash.pop_back();
        if (crypto_pwhash_str_verify(hash.c_str(), p->data(), p->size()) != 0)
            return wrong_passphrase();
        m_cached_passphrase = std::move(p).value();
        return *m_cached_passphrase;
    }
    if (keyhash.error().reason != "not_found") return keyhash.error();
    // A new keyring: choose the passphrase.
    auto p = m_passphrase("Enter a passphrase for the new keyring (at least 8 characters):", true);
    if (!p) return p.error();
    if (p->size() < k_min_passphrase)
        return make_error("weak_passphrase", "the keyring passphrase must be at least " +
                                                 std::to_string(k_min_passphrase) + " characters");
    char hash[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(hash, p->data(), p->size(), k_opslimit, k_memlimit) != 0)
        return make_error("kdf_failed", "Argon2id failed (out of memory?)");
    if (auto s = write_private(m_dir, keyhash_path, std::string(hash) + "\n"); !s) return s.error();
    m_cached_passphrase = std::move(p).value();
    return *m_cached_passphrase;
}

Result<KeyRecord> Keyring::store(std::string_view name, crypto::KeyType type, ByteView secret,
                                 const std::string& mnemonic) {
    if (auto s = check_key_name(name); !s) return s.error();
    if (contains(name))
        return make_error("key_exists", "key '" + std::string(name) + "' already exists");
    auto key = crypto::AccountKey::from_secret(type, secret);
    if (!key) return key.error();
    const KeyRecord record = record_of(name, *key);
    json::object o = record_json(record);
    if (m_backend == KeyringBackend::test) {
        o["secret"] = to_hex(secret);
        if (!mnemonic.empty()) o["mnemonic"] = mnemonic;
    } else {
        auto passphrase = keyring_passphrase();
        if (!passphrase) return passphrase.error();
        json::object inner{{"secret", to_hex(secret)}};
        if (!mnemonic.empty()) inner["mnemonic"] = mnemonic;
        std::string plain = json::serialize(inner);
        auto sealed = seal(*passphrase, plain);
        wipe(plain);
        if (!sealed) return sealed.error();
        o["encryption"] = sealed_to_json(*sealed);
    }
    std::string text = json::serialize(o) + "\n";
    auto written = write_private(m_dir, path_of(name), text);
    wipe(text);
    if (!written) return written.error();
    return record;
}

Result<Keyring::Secret> Keyring::read_secret(std::string_view name) {
    if (auto s = check_key_name(name); !s) return s.error();
    const std::string path = path_of(name);
    if (auto s = detail::check_private_file(path); !s) return s.error();
    auto text = read_text(path);
    if (!text) {
        if (text.error().reason == "not_found") return unknown_key(name);
        return text.error();
    }
    auto o = parse_object(*text, path);
    wipe(*text);
    if (!o) return o.error();
    auto record = parse_record(*o, path);
    if (!record) return record.error();

    Material m;
    if (m_backend == KeyringBackend::test) {
        if (auto s = material_from_json(*o, path, m); !s) return s.error();
    } else {
        auto enc = o->find("encryption");
        if (enc == o->end() || !enc->value().is_object())
            return make_error("bad_key_file", path + ": no \"encryption\" object");
        auto sealed = sealed_from_json(enc->value().as_object());
        if (!sealed) return make_error("bad_key_file", path + ": " + sealed.error().message);
        auto passphrase = keyring_passphrase();
        if (!passphrase) return passphrase.error();
        auto plain = open_sealed(*passphrase, *sealed);
        if (!plain) return plain.error();
        auto inner = parse_object(*plain, path + " (decrypted)");
        wipe(*plain);
        if (!inner) return inner.error();
        (*inner)["type"] = crypto::key_type_name(record->type);
        if (auto s = material_from_json(*inner, path, m); !s) return s.error();
        for (auto& kv : *inner)
            if (kv.value().is_string()) {
                auto& str = kv.value().as_string();
                sodium_memzero(str.data(), str.size());
            }
    }
    if (m.type != record->type) return make_error("bad_key_file", path + ": type mismatch");
    // The secret must be the key the file names.
    auto key = crypto::AccountKey::from_secret(m.type, m.secret);
    if (!key) return make_error("bad_key_file", path + ": " + key.error().message);
    if (key->public_key() != record->pub_key)
        return make_error("bad_key_file", path + ": secret does not match pub_key");
    Secret out;
    out.type = m.type;
    out.secret = m.secret;
    out.mnemonic = m.mnemonic;
    return out;
}

Result<NewKey> Keyring::create(std::string_view name, crypto::KeyType type) {
    if (auto s = check_key_name(name); !s) return s.error();
    if (contains(name))
        return make_error("key_exists", "key '" + std::string(name) + "' already exists");
    auto mnemonic = crypto::bip39::generate_mnemonic(24);
    if (!mnemonic) return mnemonic.error();
    auto record = recover(name, *mnemonic, type);
    if (!record) {
        wipe(*mnemonic);
        return record.error();
    }
    return NewKey{std::move(record).value(), std::move(mnemonic).value()};
}

Result<KeyRecord> Keyring::recover(std::string_view name, std::string_view mnemonic,
                                   crypto::KeyType type) {
    if (auto s = check_key_name(name); !s) return s.error();
    if (contains(name))
        return make_error("key_exists", "key '" + std::string(name) + "' already exists");
    auto normalized = crypto::bip39::validate_mnemonic(mnemonic);
    if (!normalized) return normalized.error();
    auto secret = secret_of_mnemonic(*normalized, type);
    if (!secret) return secret.error();
    auto record = store(name, type, *secret, *normalized);
    wipe(*secret);
    wipe(*normalized);
    return record;
}

Result<KeyRecord> Keyring::import_secret(std::string_view name, crypto::KeyType type,
                                         ByteView secret) {
    return store(name, type, secret, "");
}

Result<KeyRecord> Keyring::import_key(std::string_view name, std::string_view text,
                                      const PassphraseProvider& export_passphrase) {
    if (auto s = check_key_name(name); !s) return s.error();
    if (contains(name))
        return make_error("key_exists", "key '" + std::string(name) + "' already exists");
    std::string plain;
    const auto begin = text.find(k_armor_begin);
    if (begin != std::string_view::npos) {
        const auto end = text.find(k_armor_end, begin);
        if (end == std::string_view::npos) return make_error("bad_armor", "armor has no END line");
        std::string body(
            text.substr(begin + k_armor_begin.size(), end - begin - k_armor_begin.size()));
        while (!body.empty() && (body.front() == '\n' || body.front() == '\r'))
            body.erase(body.begin());
        auto kdf = header_value(body, "kdf");
        auto cipher = header_value(body, "cipher");
        auto ops = header_value(body, "opslimit");
        auto mem = header_value(body, "memlimit");
        auto salt = header_value(body, "salt");
        auto nonce = header_value(body, "nonce");
        for (const auto* h : {&kdf, &cipher, &ops, &mem, &salt, &nonce})
            if (!h->ok()) return h->error();
        const auto blank = body.find("\n\n");
        if (blank == std::string::npos) return make_error("bad_armor", "armor has no body");
        std::string b64;
        for (char c : body.substr(blank + 2))
            if (!std::isspace(static_cast<unsigned char>(c))) b64.push_back(c);
        json::object sealed_json{{"kdf", *kdf},
                                 {"cipher", *cipher},
                                 {"salt", *salt},
                                 {"nonce", *nonce},
                                 {"ciphertext", b64}};
        try {
            sealed_json["opslimit"] = std::stoull(*ops);
            sealed_json["memlimit"] = std::stoull(*mem);
        } catch (const std::exception&) {
            return make_error("bad_armor", "armor limits are not numbers");
        }
        auto sealed = sealed_from_json(sealed_json);
        if (!sealed) return make_error("bad_armor", sealed.error().message);
        if (!export_passphrase) return make_error("no_passphrase", "no export passphrase");
        auto p = export_passphrase("Enter the passphrase of the exported key:", false);
        if (!p) return p.error();
        auto opened = open_sealed(*p, *sealed);
        wipe(*p);
        if (!opened) return opened.error();
        plain = std::move(opened).value();
    } else {
        plain = std::string(text);
    }
    auto o = parse_object(plain, "the imported key");
    wipe(plain);
    if (!o) return o.error();
    Material m;
    if (auto s = material_from_json(*o, "the imported key", m); !s) return s.error();
    if (auto pub = string_field(*o, "pub_key")) {
        // An export names its key: check that the secret is that key.
        auto key = crypto::AccountKey::from_secret(m.type, m.secret);
        if (!key) return key.error();
        if (to_base64(key->public_key().key) != *pub)
            return make_error("bad_key_file", "the imported key: secret does not match pub_key");
    }
    for (auto& kv : *o)
        if (kv.value().is_string()) {
            auto& str = kv.value().as_string();
            sodium_memzero(str.data(), str.size());
        }
    return store(name, m.type, m.secret, m.mnemonic);
}

Result<std::string> Keyring::export_unsafe(std::string_view name) {
    auto secret = read_secret(name);
    if (!secret) return secret.error();
    auto record = show(name);
    if (!record) return record.error();
    json::object o = record_json(*record);
    o["secret"] = to_hex(secret->secret);
    if (!secret->mnemonic.empty()) o["mnemonic"] = secret->mnemonic;
    return json::serialize(o);
}

Result<std::string> Keyring::export_armored(std::string_view name,
                                            std::string_view export_passphrase) {
    if (export_passphrase.size() < k_min_passphrase)
        return make_error("weak_passphrase", "the export passphrase must be at least " +
                                                 std::to_string(k_min_passphrase) + " characters");
    auto secret = read_secret(name);
    if (!secret) return secret.error();
    json::object inner{{"type", crypto::key_type_name(secret->type)},
                       {"secret", to_hex(secret->secret)}};
    if (!secret->mnemonic.empty()) inner["mnemonic"] = secret->mnemonic;
    std::string plain = json::serialize(inner);
    auto sealed = seal(export_passphrase, plain);
    wipe(plain);
    if (!sealed) return sealed.error();
    std::string b64 = to_base64(sealed->ciphertext);
    std::string out = std::string(k_armor_begin) + "\n";
    out += "kdf: " + std::string(k_kdf_name) + "\n";
    out += "opslimit: " + std::to_string(sealed->opslimit) + "\n";
    out += "memlimit: " + std::to_string(sealed->memlimit) + "\n";
    out += "salt: " + to_hex(sealed->salt) + "\n";
    out += "cipher: " + std::string(k_cipher_name) + "\n";
    out += "nonce: " + to_hex(sealed->nonce) + "\n";
    out += "type: " + std::string(crypto::key_type_name(secret->type)) + "\n\n";
    for (std::size_t i = 0; i < b64.size(); i += 64)
        out += b64.substr(i, 64) + "\n";
    out += std::string(k_armor_end) + "\n";
    return out;
}

Result<crypto::AccountKey> Keyring::load(std::string_view name) {
    auto secret = read_secret(name);
    if (!secret) return secret.error();
    return crypto::AccountKey::from_secret(secret->type, secret->secret);
}

Result<KeyRecord> Keyring::show(std::string_view name) const {
    if (auto s = check_key_name(name); !s) return s.error();
    const std::string path = path_of(name);
    auto text = read_text(path);
    if (!text) {
        if (text.error().reason == "not_found") return unknown_key(name);
        return text.error();
    }
    auto o = parse_object(*text, path);
    wipe(*text);
    if (!o) return o.error();
    auto record = parse_record(*o, path);
    if (!record) return record.error();
    if (record->name != name)
        return make_error("bad_key_file", path + ": names key '" + record->name + "'");
    return record;
}

Result<std::vector<KeyRecord>> Keyring::list() const {
    std::vector<KeyRecord> out;
    std::error_code ec;
    if (!fs::exists(m_dir, ec)) return out;
    for (const auto& entry : fs::directory_iterator(m_dir, ec)) {
        if (entry.path().extension() != ".json") continue;
        auto record = show(entry.path().stem().string());
        if (!record) return record.error();
        out.push_back(std::move(record).value());
    }
    if (ec) return make_error("io", "cannot list " + m_dir + ": " + ec.message());
    std::sort(out.begin(), out.end(),
              [](const KeyRecord& a, const KeyRecord& b) { return a.name < b.name; });
    return out;
}

Status Keyring::remove(std::string_view name) {
    if (auto s = check_key_name(name); !s) return s;
    if (!contains(name)) return unknown_key(name);
    std::error_code ec;
    fs::remove(path_of(name), ec);
    if (ec) return make_error("io", "cannot delete " + path_of(name) + ": " + ec.message());
    return {};
}

Status Keyring::rename(std::string_view old_name, std::string_view new_name) {
    if (auto s = check_key_name(old_name); !s) return s;
    if (auto s = check_key_name(new_name); !s) return s;
    const std::string from = path_of(old_name);
    auto text = read_text(from);
    if (!text) {
        if (text.error().reason == "not_found") return unknown_key(old_name);
        return text.error();
    }
    if (contains(new_name))
        return make_error("key_exists", "key '" + std::string(new_name) + "' already exists");
    auto o = parse_object(*text, from);
    wipe(*text);
    if (!o) return o.error();
    if (auto r = parse_record(*o, from); !r) return r.error();
    // The name is public metadata; the encrypted part does not depend on it.
    (*o)["name"] = std::string(new_name);
    std::string out = json::serialize(*o) + "\n";
    auto written = write_private(m_dir, path_of(new_name), out);
    wipe(out);
    if (!written) return written;
    std::error_code ec;
    fs::remove(from, ec);
    if (ec) return make_error("io", "cannot delete " + from + ": " + ec.message());
    return {};
}

}  // namespace seer::node
