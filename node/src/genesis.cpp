#include "seer/node/genesis.hpp"

#include <boost/json.hpp>
#include <fstream>
#include <set>
#include <sstream>

#include "private_file.hpp"
#include "seer/common/base64.hpp"
#include "seer/common/time.hpp"
#include "seer/store/durable_value.hpp"

namespace seer::node {

namespace json = boost::json;

namespace {

constexpr std::int64_t k_max_total_power = (std::int64_t{1} << 60) / 8;  // CometBFT's limit
constexpr std::string_view k_pubkey_type = "tendermint/PubKeyEd25519";
constexpr std::string_view k_privkey_type = "tendermint/PrivKeyEd25519";

Error bad(const std::string& what) { return make_error("bad_genesis", "genesis.json: " + what); }

// int64 as a JSON string (CometBFT) or a number.
std::optional<std::int64_t> get_int(const json::object& o, std::string_view key) {
    auto it = o.find(key);
    if (it == o.end()) return std::nullopt;
    if (it->value().is_int64()) return it->value().as_int64();
    if (it->value().is_uint64() && it->value().as_uint64() <= INT64_MAX)
        return static_cast<std::int64_t>(it->value().as_uint64());
    if (it->value().is_string()) {
        const auto& s = it->value().as_string();
        try {
            std::size_t pos = 0;
            const long long v = std::stoll(std::string(s), &pos);
            if (pos == s.size()) return v;
        } catch (...) {
        }
    }
    return std::nullopt;
}

std::optional<std::string> get_string(const json::object& o, std::string_view key) {
    auto it = o.find(key);
    if (it == o.end() || !it->value().is_string()) return std::nullopt;
    return std::string(it->value().as_string());
}

Result<std::string> read_text(const std::string& path) {
    std::ifstream in(path);
    if (!in) return make_error("no_file", "cannot read " + path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

json::object key_object(std::string_view type, ByteView value) {
    return json::object{{"type", type}, {"value", to_base64(value)}};
}

Result<crypto::PrivateKey> parse_priv_key(const json::value& v, const std::string& path) {
    if (!v.is_object()) return make_error("bad_key", path + ": priv_key must be an object");
    const auto& o = v.as_object();
    auto type = get_string(o, "type");
    auto value = get_string(o, "value");
    if (!type || *type != k_privkey_type || !value)
        return make_error("bad_key", path + ": priv_key must be {\"type\":\"" +
                                         std::string(k_privkey_type) + "\",\"value\":...}");
    auto bytes = from_base64(*value);
    if (!bytes || bytes->size() != 64)
        return make_error("bad_key", path + ": priv_key value must be 64 bytes of base64");
    crypto::Seed seed{};
    std::copy(bytes->begin(), bytes->begin() + 32, seed.begin());
    auto key = crypto::PrivateKey::from_seed(seed);
    if (!std::equal(key.public_key().begin(), key.public_key().end(), bytes->begin() + 32))
        return make_error("bad_key", path + ": priv_key's public half does not match its seed");
    return key;
}

Bytes key_bytes(const crypto::PrivateKey& key) {
    Bytes b(key.seed().begin(), key.seed().end());
    b.insert(b.end(), key.public_key().begin(), key.public_key().end());
    return b;
}

json::value parse_json(std::string_view text, const std::string& what, Error& err) {
    boost::system::error_code ec;
    json::parse_options opt;
    opt.max_depth = 64;
    json::value v = json::parse(text, ec, {}, opt);
    if (ec) err = make_error("bad_json", what + ": " + ec.message());
    return v;
}

}  // namespace

std::string node_id(const crypto::PublicKey& key) { return to_hex(crypto::address_of(key)); }

Result<GenesisDoc> parse_genesis(std::string_view text) {
    Error err;
    json::value root = parse_json(text, "genesis.json", err);
    if (!err.reason.empty()) return err;
    if (!root.is_object()) return bad("top level must be an object");
    const auto& o = root.as_object();
    GenesisDoc g;
    auto chain_id = get_string(o, "chain_id");
    if (!chain_id || chain_id->empty() || chain_id->size() > 50)
        return bad("chain_id must be 1..50 characters");
    g.chain_id = *chain_id;
    if (auto t = get_string(o, "genesis_time")) {
        auto ns = from_rfc3339(*t);
        if (!ns) return bad("genesis_time is not RFC 3339");
        g.genesis_time = *ns;
    } else {
        return bad("genesis_time is missing");
    }
    if (o.contains("initial_height")) {
        auto h = get_int(o, "initial_height");
        if (!h || *h < 1) return bad("initial_height must be a positive integer");
        g.initial_height = *h;
    }
    // Without consensus_params.abci, vote extensions are on from the first height (seer has no
    // other setting; render_genesis writes this value, which parse accepts only if it is that).
    g.vote_extensions_enable_height = g.initial_height;
    if (auto it = o.find("consensus_params"); it != o.end() && it->value().is_object()) {
        const auto& cp = it->value().as_object();
        if (auto b = cp.find("block"); b != cp.end() && b->value().is_object()) {
            if (auto mb = get_int(b->value().as_object(), "max_bytes")) {
                if (*mb < 1024 || *mb > (64 << 20)) return bad("block.max_bytes out of range");
                g.max_block_bytes = *mb;
            }
            if (b->value().as_object().contains("max_gas")) {
                auto mg = get_int(b->value().as_object(), "max_gas");
                if (!mg || *mg < -1 || *mg == 0)
                    return bad("block.max_gas must be -1 (no limit) or a positive integer");
                g.max_block_gas = *mg;
            }
        }
        if (auto a = cp.find("abci"); a != cp.end() && a->value().is_object()) {
            if (auto ve = get_int(a->value().as_object(), "vote_extensions_enable_height")) {
                if (*ve != g.initial_height)
                    return bad("seer enables vote extensions from the initial height");
                g.vote_extensions_enable_height = *ve;
            }
        }
    }
    auto vals = o.find("validators");
    if (vals == o.end() || !vals->value().is_array() || vals->value().as_array().empty())
        return bad("validators must be a non-empty array");
    std::int64_t total = 0;
    std::set<crypto::Address> seen;
    for (const auto& v : vals->value().as_array()) {
        if (!v.is_object()) return bad("each validator must be an object");
        const auto& vo = v.as_object();
        GenesisValidator gv;
        auto pk = vo.find("pub_key");
        if (pk == vo.end() || !pk->value().is_object()) return bad("validator without pub_key");
        auto type = get_string(pk->value().as_object(), "type");
        auto value = get_string(pk->value().as_object(), "value");
        if (!type || *type != k_pubkey_type || !value)
            return bad("validator pub_key must be tendermint/PubKeyEd25519");
        auto key = from_base64(*value);
        if (!key || key->size() != 32) return bad("validator pub_key must be 32 bytes");
        std::copy(key->begin(), key->end(), gv.pub_key.begin());
        gv.address = crypto::address_of(gv.pub_key);
        if (auto addr = get_string(vo, "address"); addr && !addr->empty()) {
            auto a = from_hex(*addr);
            if (!a || a->size() != gv.address.size() ||
                !std::equal(a->begin(), a->end(), gv.address.begin()))
                return bad("validator address " + *addr + " does not match its pub_key");
        }
        auto power = get_int(vo, "power");
        if (!power || *power <= 0) return bad("validator power must be a positive integer");
        gv.power = *power;
        total += gv.power;
        if (total > k_max_total_power) return bad("total voting power is too large");
        gv.name = get_string(vo, "name").value_or("");
        if (!seen.insert(gv.address).second) return bad("duplicate validator");
        g.validators.push_back(std::move(gv));
    }
    if (auto app = o.find("app_state"); app != o.end()) g.app_state_json = json::serialize(app->value());
    return g;
}

Result<GenesisDoc> load_genesis(const std::string& path) {
    auto text = read_text(path);
    if (!text) return text.error();
    return parse_genesis(*text);
}

std::string render_genesis(const GenesisDoc& g) {
    json::array vals;
    for (const auto& v : g.validators) {
        vals.push_back(json::object{{"address", to_hex(v.address, true)},
                                    {"pub_key", key_object(k_pubkey_type, v.pub_key)},
                                    {"power", std::to_string(v.power)},
                                    {"name", v.name}});
    }
    json::object cp{
        {"block", json::object{{"max_bytes", std::to_string(g.max_block_bytes)}, {"max_gas", std::to_string(g.max_block_gas)}}},
        {"evidence", json::object{{"max_age_num_blocks", "100000"}, {"max_age_duration", "172800000000000"}, {"max_bytes", "1048576"}}},
        {"validator", json::object{{"pub_key_types", json::array{"ed25519"}}}},
        {"version", json::object{{"app", "0"}}},
        {"abci", json::object{{"vote_extensions_enable_height",
                               std::to_string(g.vote_extensions_enable_height)}}},
    };
    Error err;
    json::value app = parse_json(g.app_state_json, "app_state", err);
    json::object root{{"genesis_time", to_rfc3339(g.genesis_time)},
                      {"chain_id", g.chain_id},
                      {"initial_height", std::to_string(g.initial_height)},
                      {"consensus_params", cp},
                      {"validators", vals},
                      {"app_hash", ""},
                      {"app_state", err.reason.empty() ? app : json::object{}}};
    return json::serialize(root) + "\n";
}

Result<crypto::PrivateKey> load_node_key(const std::string& path) {
    if (auto s = detail::check_private_file(path); !s) return s.error();
    auto text = read_text(path);
    if (!text) return text.error();
    Error err;
    json::value v = parse_json(*text, path, err);
    if (!err.reason.empty()) return err;
    if (!v.is_object() || !v.as_object().contains("priv_key"))
        return make_error("bad_key", path + ": expected {\"priv_key\": {...}}");
    return parse_priv_key(v.as_object().at("priv_key"), path);
}

void save_node_key(const std::string& path, const crypto::PrivateKey& key) {
    json::object o{{"priv_key", key_object(k_privkey_type, key_bytes(key))}};
    store::write_file_atomic(path, as_bytes(json::serialize(o) + "\n"), 0600);
}

Result<crypto::PrivateKey> load_priv_validator_key(const std::string& path) {
    if (auto s = detail::check_private_file(path); !s) return s.error();
    auto text = read_text(path);
    if (!text) return text.error();
    Error err;
    json::value v = parse_json(*text, path, err);
    if (!err.reason.empty()) return err;
    if (!v.is_object() || !v.as_object().contains("priv_key"))
        return make_error("bad_key", path + ": expected {\"address\", \"pub_key\", \"priv_key\"}");
    return parse_priv_key(v.as_object().at("priv_key"), path);
}

void save_priv_validator_key(const std::string& path, const crypto::PrivateKey& key) {
    json::object o{{"address", to_hex(crypto::address_of(key.public_key()), true)},
                   {"pub_key", key_object(k_pubkey_type, key.public_key())},
                   {"priv_key", key_object(k_privkey_type, key_bytes(key))}};
    store::write_file_atomic(path, as_bytes(json::serialize(o) + "\n"), 0600);
}

}  // namespace seer::node
