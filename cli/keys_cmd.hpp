#pragma once
// `seer keys`: the keyring commands (docs/keys.md).

#include <CLI/CLI.hpp>
#include <string>

namespace seer::cli {

class KeysCommand {
public:
    /// Adds `keys` and its subcommands to `app`.
    explicit KeysCommand(CLI::App& app);
    bool parsed() const { return m_keys->parsed(); }
    /// Runs the parsed subcommand on the keyring of `home`. `backend`: the global
    /// --keyring-backend ("" = client.toml's, else "file"); `output`: "text" or "json".
    /// Returns the exit code.
    int run(const std::string& home, const std::string& backend, const std::string& output) const;

private:
    CLI::App* m_keys = nullptr;
    CLI::App* m_add = nullptr;
    CLI::App* m_list = nullptr;
    CLI::App* m_show = nullptr;
    CLI::App* m_delete = nullptr;
    CLI::App* m_rename = nullptr;
    CLI::App* m_export = nullptr;
    CLI::App* m_import = nullptr;
    CLI::App* m_import_hex = nullptr;

    std::string m_name;
    std::string m_new_name;
    std::string m_type = "secp256k1";
    std::string m_file;
    bool m_recover = false;
    bool m_address_only = false;
    bool m_yes = false;
    bool m_unsafe = false;
};

}  // namespace seer::cli
