#pragma once
// The keyring of `seer keys`, as Cosmos users know it (docs/keys.md).
//
// Backends, one directory each under a home:
//   test  <home>/keyring-test/<name>.json: the secret in clear text (local networks, tests);
//   file  <home>/keyring-file/<name>.json: the secret encrypted with the keyring passphrase
//         (Argon2id, then XSalsa20-Poly1305), and <home>/keyring-file/keyhash, which checks the
//         passphrase (libsodium crypto_pwhash_str).
// Directories are 0700 and files 0600. Name, type, address and public key stay readable, so
// `list` and `show` need no passphrase. A key from a mnemonic also stores the mnemonic.
//
// secp256k1 keys from a mnemonic: BIP-39 seed (empty BIP-39 passphrase), BIP-32 at
// m/44'/118'/0'/0/0, as the Cosmos SDK and cosmjs's DirectSecp256k1HdWallet do. ed25519 keys from
// a mnemonic: SLIP-0010 at m/44'/118'/0'/0'/0'.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "seer/common/result.hpp"
#include "seer/crypto/account_key.hpp"

namespace seer::node {

enum class KeyringBackend { test, file };

std::string_view keyring_backend_name(KeyringBackend backend);  // "test", "file"
Result<KeyringBackend> parse_keyring_backend(std::string_view name);
/// The directory of a backend: <home>/keyring-test or <home>/keyring-file.
std::string keyring_dir(const std::string& home, KeyringBackend backend);

/// "keyring-backend" from <home>/config/client.toml, else "file". A client.toml that does not
/// parse or names an unknown backend is reported on stderr and ignored.
std::string default_keyring_backend(const std::string& home);
/// Writes <home>/config/client.toml with `keyring-backend = "<backend>"` unless the file exists.
/// True when it wrote the file.
Result<bool> write_client_toml_if_missing(const std::string& home, KeyringBackend backend);

/// Asks for a passphrase. `confirm`: a new one, asked twice where a person types it.
using PassphraseProvider =
    std::function<Result<std::string>(const std::string& prompt, bool confirm)>;
/// The environment variable `env_var` when set; else one line of stdin (on a TTY: a prompt on
/// stderr, no echo, and asked twice with `confirm`).
PassphraseProvider default_passphrase_provider(std::string env_var = "SEER_KEYRING_PASSPHRASE");
/// One line of stdin without its line end. On a TTY, `prompt` goes to stderr first and, with
/// `hidden`, what is typed is not echoed. Fails at end of input.
Result<std::string> read_stdin_line(const std::string& prompt, bool hidden);
/// Always `passphrase`: for tests and tools.
PassphraseProvider fixed_passphrase(std::string passphrase);

/// Names: 1..64 of [A-Za-z0-9_-].
Status check_key_name(std::string_view name);

/// The public part of a key: what `keys list` and `keys show` print.
struct KeyRecord {
    std::string name;
    crypto::KeyType type = crypto::KeyType::secp256k1;
    std::string address;  // bech32 "seer1..."
    crypto::AccountPubKey pub_key;
    bool operator==(const KeyRecord&) const = default;
};

struct NewKey {
    KeyRecord record;
    std::string mnemonic;  // 24 words; shown once by `keys add`
};

class Keyring {
public:
    /// Opens (nothing is created until a key is written). The file backend asks `passphrase` at
    /// the first operation that needs the secret: twice (confirm) for a keyring without keys.
    static Result<Keyring> open(const std::string& home, KeyringBackend backend,
                                PassphraseProvider passphrase = default_passphrase_provider());

    KeyringBackend backend() const { return m_backend; }
    const std::string& dir() const { return m_dir; }

    /// A new key from a fresh 24-word mnemonic.
    Result<NewKey> create(std::string_view name, crypto::KeyType type = crypto::KeyType::secp256k1);
    /// The key of a mnemonic (checked: words and checksum).
    Result<KeyRecord> recover(std::string_view name, std::string_view mnemonic,
                              crypto::KeyType type = crypto::KeyType::secp256k1);
    /// A raw 32-byte secret (secp256k1 secret or ed25519 seed).
    Result<KeyRecord> import_secret(std::string_view name, crypto::KeyType type, ByteView secret);
    /// The text of export_armored (asks `export_passphrase`) or export_unsafe.
    Result<KeyRecord> import_key(std::string_view name, std::string_view text,
                                 const PassphraseProvider& export_passphrase);
    /// "-----BEGIN SEER PRIVATE KEY-----": the secret (and mnemonic) encrypted with
    /// `export_passphrase` (Argon2id, XSalsa20-Poly1305).
    Result<std::string> export_armored(std::string_view name, std::string_view export_passphrase);
    /// JSON {"name", "type", "address", "pub_key", "secret" (hex), "mnemonic"?}: in clear text.
    Result<std::string> export_unsafe(std::string_view name);

    /// The signing key.
    Result<crypto::AccountKey> load(std::string_view name);
    Result<KeyRecord> show(std::string_view name) const;
    /// By name.
    Result<std::vector<KeyRecord>> list() const;
    bool contains(std::string_view name) const;
    Status remove(std::string_view name);
    /// Fails when `new_name` exists.
    Status rename(std::string_view old_name, std::string_view new_name);

private:
    struct Secret;
    Keyring(std::string dir, KeyringBackend backend, PassphraseProvider passphrase);
    std::string path_of(std::string_view name) const;
    Result<std::string> keyring_passphrase();
    Result<KeyRecord> store(std::string_view name, crypto::KeyType type, ByteView secret,
                            const std::string& mnemonic);
    Result<Secret> read_secret(std::string_view name);

    std::string m_dir;
    KeyringBackend m_backend;
    PassphraseProvider m_passphrase;
    std::optional<std::string> m_cached_passphrase;  // the file backend's, once checked
};

/// Opens the keyring of `home` with `backend` ("" = default_keyring_backend(home)) and loads
/// `name`: what `tx --from` signs with.
Result<crypto::AccountKey> load_account_key(const std::string& home, const std::string& backend,
                                            std::string_view name);

}  // namespace seer::node
