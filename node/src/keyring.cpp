#include "seer/node/keyring.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "seer/common/base64.hpp"
#include "seer/crypto/address.hpp"
#include "seer/store/durable_value.hpp"

namespace seer::node {

namespace fs = std::filesystem;
namespace json = boost::json;

Status check_key_name(std::string_view name) {
    if (name.empty() || name.size() > 64)
        return make_error("bad_key_name", "key name must be 1..64 characters");
    for (char c : name)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'))
            return make_error("bad_key_name",
                              "key name may only hold letters, digits, '_' and '-'");
    return {};
}

KeyInfo key_info(std::string_view name, const crypto::PrivateKey& key) {
    return KeyInfo{std::string(name), crypto::to_bech32_address(crypto::address_of(key.public_key())),
                   key.public_key()};
}

Status save_key(const std::string& dir, std::string_view name, const crypto::PrivateKey& key,
                bool overwrite) {
    if (auto s = check_key_name(name); !s) return s;
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return make_error("io", "cannot create " + dir + ": " + ec.message());
    ::chmod(dir.c_str(), 0700);
    const std::string path = dir + "/" + std::string(name) + ".json";
    if (!overwrite && fs::exists(path))
        return make_error("key_exists", "key '" + std::string(name) + "' already exists");
    const KeyInfo info = key_info(name, key);
    json::object o{{"name", info.name},
                   {"type", "ed25519"},
                   {"address", info.address},
                   {"pub_key", to_base64(key.public_key())},
                   {"priv_key", to_base64(key.seed())}};
    try {
        store::write_file_atomic(path, as_bytes(json::serialize(o) + "\n"), 0600);
    } catch (const std::exception& e) {
        return make_error("io", e.what());
    }
    return {};
}

Result<crypto::PrivateKey> load_key(const std::string& dir, std::string_view name) {
    if (auto s = check_key_name(name); !s) return s.error();
    const std::string path = dir + "/" + std::string(name) + ".json";
    std::ifstream in(path);
    if (!in) return make_error("unknown_key", "unknown key '" + std::string(name) + "'");
    std::stringstream ss;
    ss << in.rdbuf();
    boost::system::error_code ec;
    json::value v = json::parse(ss.str(), ec);
    if (ec || !v.is_object() || !v.as_object().contains("priv_key") ||
        !v.as_object().at("priv_key").is_string())
        return make_error("bad_key", path + " is not a seer key file");
    auto seed = from_base64(std::string(v.as_object().at("priv_key").as_string()));
    if (!seed || seed->size() != 32) return make_error("bad_key", path + ": bad priv_key");
    crypto::Seed s{};
    std::copy(seed->begin(), seed->end(), s.begin());
    return crypto::PrivateKey::from_seed(s);
}

Result<std::vector<KeyInfo>> list_keys(const std::string& dir) {
    std::vector<KeyInfo> out;
    std::error_code ec;
    if (!fs::exists(dir, ec)) return out;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        if (entry.path().extension() != ".json") continue;
        const std::string name = entry.path().stem().string();
        auto key = load_key(dir, name);
        if (!key) return key.error();
        out.push_back(key_info(name, *key));
    }
    std::sort(out.begin(), out.end(),
              [](const KeyInfo& a, const KeyInfo& b) { return a.name < b.name; });
    return out;
}

}  // namespace seer::node
