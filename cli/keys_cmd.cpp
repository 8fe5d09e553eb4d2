#include "keys_cmd.hpp"

#include <sodium.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <fstream>
#include <iostream>
#include <sstream>

#include "seer/common/base64.hpp"
#include "seer/crypto/account_key.hpp"
#include "seer/node/keyring.hpp"

namespace seer::cli {

namespace json = boost::json;

namespace {

constexpr const char* k_export_passphrase_env = "SEER_EXPORT_PASSPHRASE";

int fail(const std::string& message) {
    std::cerr << "Error: " << message << "\n";
    return 1;
}

void wipe(std::string& s) {
    if (!s.empty()) sodium_memzero(s.data(), s.size());
    s.clear();
}

/// {"@type": "/cosmos.crypto.secp256k1.PubKey", "key": "<base64>"}, as the SDK prints it.
json::object pubkey_json(const crypto::AccountPubKey& pk) {
    return json::object{{"@type", crypto::pubkey_type_url(pk.type)}, {"key", to_base64(pk.key)}};
}

json::object record_json(const node::KeyRecord& r) {
    return json::object{{"name", r.name},
                        {"type", crypto::key_type_name(r.type)},
                        {"address", r.address},
                        {"pubkey", pubkey_json(r.pub_key)}};
}

/// The SDK's YAML-like text form, one list item per key.
void print_record(const node::KeyRecord& r) {
    std::cout << "- name: " << r.name << "\n"
              << "  type: " << crypto::key_type_name(r.type) << "\n"
              << "  address: " << r.address << "\n"
              << "  pubkey: '" << json::serialize(pubkey_json(r.pub_key)) << "'\n";
}

void print(const node::KeyRecord& r, const std::string& output) {
    if (output == "json")
        std::cout << json::serialize(record_json(r)) << "\n";
    else
        print_record(r);
}

Result<std::string> read_all(const std::string& file) {
    std::stringstream ss;
    if (file == "-") {
        ss << std::cin.rdbuf();
    } else {
        std::ifstream in(file, std::ios::binary);
        if (!in) return make_error("io", "cannot read " + file);
        ss << in.rdbuf();
    }
    return ss.str();
}

bool confirmed(const std::string& question) {
    auto answer = node::read_stdin_line(question + " [y/N]:", false);
    if (!answer) return false;
    return *answer == "y" || *answer == "Y" || *answer == "yes" || *answer == "YES";
}

}  // namespace

KeysCommand::KeysCommand(CLI::App& app) {
    m_keys = app.add_subcommand("keys", "manage the keyring (docs/keys.md)");
    m_keys->require_subcommand(1);
    m_keys->fallthrough();
    const auto type_check = CLI::IsMember({"secp256k1", "ed25519"});

    m_add = m_keys->add_subcommand("add", "create a key from a new mnemonic, or --recover one");
    m_add->add_option("name", m_name, "key name")->required();
    m_add->add_option("--type", m_type, "secp256k1 or ed25519")
        ->check(type_check)
        ->capture_default_str();
    m_add->add_flag("--recover", m_recover, "read a BIP-39 mnemonic from stdin");

    m_list = m_keys->add_subcommand("list", "list the keys");

    m_show = m_keys->add_subcommand("show", "a key's name, type, address and public key");
    m_show->add_option("name", m_name, "key name")->required();
    m_show->add_flag("--address,-a", m_address_only, "print the address only");

    m_delete = m_keys->add_subcommand("delete", "delete a key");
    m_delete->add_option("name", m_name, "key name")->required();
    m_delete->add_flag("--yes,-y", m_yes, "do not ask for confirmation");

    m_rename = m_keys->add_subcommand("rename", "rename a key");
    m_rename->add_option("old", m_name, "key name")->required();
    m_rename->add_option("new", m_new_name, "new name")->required();

    m_export = m_keys->add_subcommand(
        "export", "print a key encrypted with an export passphrase (ASCII armor)");
    m_export->add_option("name", m_name, "key name")->required();
    m_export->add_flag("--unsafe-export-private-key", m_unsafe,
                       "print the secret (and mnemonic) in clear text, as JSON");

    m_import = m_keys->add_subcommand("import", "import a key from the text of `keys export`");
    m_import->add_option("name", m_name, "key name")->required();
    m_import->add_option("file", m_file, "file with the exported key, or - for stdin")->required();

    m_import_hex = m_keys->add_subcommand(
        "import-hex", "import a raw 32-byte secret, read as 64 hex digits from stdin");
    m_import_hex->add_option("name", m_name, "key name")->required();
    m_import_hex->add_option("--type", m_type, "secp256k1 or ed25519")
        ->check(type_check)
        ->capture_default_str();

    for (auto* sc : {m_add, m_list, m_show, m_delete, m_rename, m_export, m_import, m_import_hex})
        sc->fallthrough();
}

int KeysCommand::run(const std::string& home, const std::string& backend_name,
                     const std::string& output) const {
    auto backend = node::parse_keyring_backend(
        backend_name.empty() ? node::default_keyring_backend(home) : backend_name);
    if (!backend) return fail(backend.error().message);
    auto opened = node::Keyring::open(home, *backend);
    if (!opened) return fail(opened.error().message);
    node::Keyring& ring = *opened;
    const auto type = crypto::key_type_from_name(m_type).value_or(crypto::KeyType::secp256k1);
    const bool as_json = output == "json";

    if (m_add->parsed()) {
        if (auto s = node::check_key_name(m_name); !s) return fail(s.error().message);
        if (ring.contains(m_name)) return fail("key '" + m_name + "' already exists");
        if (m_recover) {
            auto mnemonic = node::read_stdin_line("> Enter your bip39 mnemonic", false);
            if (!mnemonic) return fail("no mnemonic on stdin");
            auto record = ring.recover(m_name, *mnemonic, type);
            wipe(*mnemonic);
            if (!record) return fail(record.error().message);
            print(*record, output);
            return 0;
        }
        auto key = ring.create(m_name, type);
        if (!key) return fail(key.error().message);
        if (as_json) {
            json::object o = record_json(key->record);
            o["mnemonic"] = key->mnemonic;
            std::cout << json::serialize(o) << "\n";
        } else {
            print_record(key->record);
            std::cerr << "\n**Important** write this mnemonic phrase in a safe place.\n"
                         "It is the only way to recover your account if you ever forget your "
                         "password.\n\n"
                      << key->mnemonic << "\n";
        }
        wipe(key->mnemonic);
        return 0;
    }
    if (m_list->parsed()) {
        auto list = ring.list();
        if (!list) return fail(list.error().message);
        if (as_json) {
            json::array a;
            for (const auto& r : *list)
                a.push_back(record_json(r));
            std::cout << json::serialize(a) << "\n";
        } else {
            if (list->empty()) std::cerr << "No keys in " << ring.dir() << "\n";
            for (const auto& r : *list)
                print_record(r);
        }
        return 0;
    }
    if (m_show->parsed()) {
        auto record = ring.show(m_name);
        if (!record) return fail(record.error().message);
        if (m_address_only) {
            if (as_json)
                std::cout << json::serialize(json::object{{"address", record->address}}) << "\n";
            else
                std::cout << record->address << "\n";
            return 0;
        }
        print(*record, output);
        return 0;
    }
    if (m_delete->parsed()) {
        auto record = ring.show(m_name);
        if (!record) return fail(record.error().message);
        if (!m_yes &&
            !confirmed("Key '" + m_name + "' (" + record->address + ") will be deleted. Continue?"))
            return fail("aborted: key '" + m_name + "' kept");
        if (auto s = ring.remove(m_name); !s) return fail(s.error().message);
        if (as_json)
            std::cout << json::serialize(json::object{{"deleted", m_name}}) << "\n";
        else
            std::cout << "Key deleted forever (uh oh!)\n";
        return 0;
    }
    if (m_rename->parsed()) {
        if (auto s = ring.rename(m_name, m_new_name); !s) return fail(s.error().message);
        if (as_json)
            std::cout << json::serialize(json::object{{"old_name", m_name}, {"name", m_new_name}})
                      << "\n";
        else
            std::cout << "Key renamed from " << m_name << " to " << m_new_name << "\n";
        return 0;
    }
    if (m_export->parsed()) {
        if (m_unsafe) {
            if (::isatty(STDIN_FILENO) == 1 && !confirmed("WARNING: the secret of '" + m_name +
                                                          "' is printed in clear text. Continue?"))
                return fail("aborted");
            auto text = ring.export_unsafe(m_name);
            if (!text) return fail(text.error().message);
            std::cout << *text << "\n";
            wipe(*text);
            return 0;
        }
        if (auto record = ring.show(m_name); !record) return fail(record.error().message);
        auto provider = node::default_passphrase_provider(k_export_passphrase_env);
        auto passphrase = provider("Enter a passphrase to encrypt the exported key:", true);
        if (!passphrase) return fail(passphrase.error().message);
        auto armor = ring.export_armored(m_name, *passphrase);
        wipe(*passphrase);
        if (!armor) return fail(armor.error().message);
        if (as_json)
            std::cout << json::serialize(json::object{{"name", m_name}, {"armor", *armor}}) << "\n";
        else
            std::cout << *armor;
        return 0;
    }
    if (m_import->parsed()) {
        if (auto s = node::check_key_name(m_name); !s) return fail(s.error().message);
        if (ring.contains(m_name)) return fail("key '" + m_name + "' already exists");
        auto text = read_all(m_file);
        if (!text) return fail(text.error().message);
        auto record = ring.import_key(m_name, *text,
                                      node::default_passphrase_provider(k_export_passphrase_env));
        wipe(*text);
        if (!record) return fail(record.error().message);
        print(*record, output);
        return 0;
    }
    if (m_import_hex->parsed()) {
        if (auto s = node::check_key_name(m_name); !s) return fail(s.error().message);
        if (ring.contains(m_name)) return fail("key '" + m_name + "' already exists");
        auto line = node::read_stdin_line("Enter the private key (64 hex digits):", true);
        if (!line) return fail("no secret on stdin");
        std::string hex;
        for (char c : *line)
            if (c != ' ' && c != '\t') hex.push_back(c);
        wipe(*line);
        if (hex.rfind("0x", 0) == 0) hex.erase(0, 2);
        auto secret = from_hex(hex);
        wipe(hex);
        if (!secret || secret->size() != 32) return fail("the secret must be 64 hex digits");
        auto record = ring.import_secret(m_name, type, *secret);
        sodium_memzero(secret->data(), secret->size());
        if (!record) return fail(record.error().message);
        print(*record, output);
        return 0;
    }
    return 0;
}

}  // namespace seer::cli
