#pragma once
// The file keyring of `seer keys`: <home>/keyring/<name>.json, mode 0600, directory 0700.
// {"name": "...", "type": "ed25519", "address": "seer1...", "pub_key": "<base64>",
//  "priv_key": "<base64 of the 32-byte seed>"}

#include <string>
#include <vector>

#include "seer/common/result.hpp"
#include "seer/crypto/ed25519.hpp"

namespace seer::node {

struct KeyInfo {
    std::string name;
    std::string address;  // bech32
    crypto::PublicKey pub_key{};
};

/// Names: 1..64 of [A-Za-z0-9_-].
Status check_key_name(std::string_view name);
Status save_key(const std::string& keyring_dir, std::string_view name, const crypto::PrivateKey& key,
                bool overwrite = false);
Result<crypto::PrivateKey> load_key(const std::string& keyring_dir, std::string_view name);
Result<std::vector<KeyInfo>> list_keys(const std::string& keyring_dir);
KeyInfo key_info(std::string_view name, const crypto::PrivateKey& key);

}  // namespace seer::node
