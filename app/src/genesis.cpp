#include <boost/json.hpp>
#include <set>

#include "seer/app/app.hpp"
#include "seer/common/base64.hpp"

namespace seer::app {

namespace json = boost::json;

namespace {

Error bad(std::string text) {
    return make_error("invalid_genesis", std::move(text));
}

const json::value* member(const json::object& o, std::string_view key) {
    auto it = o.find(key);
    return it == o.end() ? nullptr : &it->value();
}

Result<std::uint64_t> u64_field(const json::object& o, std::string_view key, std::uint64_t def) {
    const json::value* v = member(o, key);
    if (!v) return def;
    if (v->is_uint64()) return v->as_uint64();
    if (v->is_int64() && v->as_int64() >= 0) return static_cast<std::uint64_t>(v->as_int64());
    if (v->is_string()) {
        auto a = bank::parse_amount(std::string_view(v->as_string()));
        if (a) return *a;
    }
    return bad("auth.params." + std::string(key) + " must be an unsigned integer");
}

Result<bank::Coins> coins_field(const json::value& v, const std::string& where) {
    if (!v.is_array()) return bad(where + " must be an array of coins");
    bank::Coins out;
    for (const auto& c : v.as_array()) {
        if (!c.is_object() || !c.as_object().contains("denom") ||
            !c.as_object().contains("amount") || !c.at("denom").is_string() ||
            !c.at("amount").is_string())
            return bad(where + ": a coin is {\"denom\": \"useer\", \"amount\": \"1000\"}");
        auto amount = bank::parse_amount(std::string_view(c.at("amount").as_string()));
        if (!amount) return bad(where + ": " + amount.error().message);
        out.push_back({std::string(c.at("denom").as_string()), *amount});
    }
    if (auto s = bank::validate_coins(out); !s) return bad(where + ": " + s.error().message);
    return out;
}

json::array coins_json(const bank::Coins& coins) {
    json::array a;
    for (const auto& c : coins)
        a.push_back(json::object{{"denom", c.denom}, {"amount", std::to_string(c.amount)}});
    return a;
}

}  // namespace

Status AuthParams::validate() const {
    if (max_memo_characters > 1024 * 1024) return bad("auth.params.max_memo_characters is too large");
    if (max_gas_per_tx == 0) return bad("auth.params.max_gas_per_tx must be positive");
    return {};
}

Status validate_genesis(const Genesis& g) {
    if (auto s = g.auth.validate(); !s) return s;
    std::set<std::string> seen;
    for (const auto& a : g.accounts) {
        auto address = crypto::from_bech32_address(a.address);
        if (!address) return bad("bad account address " + a.address + ": " + address.error().message);
        if (!seen.insert(a.address).second) return bad("duplicate account: " + a.address);
        if (a.pub_key && a.pub_key->address() != *address)
            return bad("pub_key does not match address " + a.address);
    }
    std::set<std::string> holders;
    std::map<std::string, std::uint64_t> supply;
    for (const auto& b : g.balances) {
        if (!crypto::from_bech32_address(b.address)) return bad("bad balance address " + b.address);
        if (!holders.insert(b.address).second) return bad("duplicate balance: " + b.address);
        if (auto s = bank::validate_coins(b.coins); !s)
            return bad("balance of " + b.address + ": " + s.error().message);
        for (const auto& c : b.coins) {
            if (supply[c.denom] > UINT64_MAX - c.amount)
                return bad("the supply of " + c.denom + " exceeds 2^64-1");
            supply[c.denom] += c.amount;
        }
    }
    return async::validate_genesis(g.async);
}

Result<Genesis> parse_app_state(std::string_view text) {
    boost::system::error_code ec;
    json::value root = json::parse(text, ec);
    if (ec || !root.is_object()) return bad("app_state is not a JSON object");
    const auto& o = root.as_object();
    Genesis g;
    if (const auto* auth = member(o, "auth")) {
        if (!auth->is_object()) return bad("app_state.auth must be an object");
        if (const auto* p = member(auth->as_object(), "params")) {
            if (!p->is_object()) return bad("auth.params must be an object");
            const auto& po = p->as_object();
            AuthParams d;
            for (const auto& [key, field] :
                 std::initializer_list<std::pair<std::string_view, std::uint64_t AuthParams::*>>{
                     {"max_memo_characters", &AuthParams::max_memo_characters},
                     {"tx_size_cost_per_byte", &AuthParams::tx_size_cost_per_byte},
                     {"sig_verify_cost_secp256k1", &AuthParams::sig_verify_cost_secp256k1},
                     {"sig_verify_cost_ed25519", &AuthParams::sig_verify_cost_ed25519},
                     {"gas_per_msg", &AuthParams::gas_per_msg},
                     {"max_gas_per_tx", &AuthParams::max_gas_per_tx}}) {
                auto v = u64_field(po, key, d.*field);
                if (!v) return v.error();
                g.auth.*field = *v;
            }
        }
        if (const auto* accounts = member(auth->as_object(), "accounts")) {
            if (!accounts->is_array()) return bad("auth.accounts must be an array");
            for (const auto& a : accounts->as_array()) {
                if (!a.is_object() || !a.as_object().contains("address") ||
                    !a.at("address").is_string())
                    return bad("an account is {\"address\": \"seer1...\", \"pub_key\": ...}");
                GenesisAccount acc;
                acc.address = std::string(a.at("address").as_string());
                if (const auto* pk = member(a.as_object(), "pub_key"); pk && !pk->is_null()) {
                    // The SDK's JSON of an Any: {"@type": "/cosmos.crypto.secp256k1.PubKey",
                    // "key": "<base64>"}.
                    if (!pk->is_object() || !pk->as_object().contains("@type") ||
                        !pk->as_object().contains("key") || !pk->at("@type").is_string() ||
                        !pk->at("key").is_string())
                        return bad("pub_key of " + acc.address +
                                   " is {\"@type\": \"/cosmos.crypto.secp256k1.PubKey\", "
                                   "\"key\": \"<base64>\"}");
                    auto type = crypto::key_type_from_url(std::string_view(pk->at("@type").as_string()));
                    auto key = from_base64(std::string_view(pk->at("key").as_string()));
                    if (!type || !key) return bad("pub_key of " + acc.address + " is not valid");
                    auto made = crypto::AccountPubKey::make(*type, *key);
                    if (!made) return bad("pub_key of " + acc.address + ": " + made.error().message);
                    acc.pub_key = std::move(*made);
                }
                g.accounts.push_back(std::move(acc));
            }
        }
    }
    if (const auto* bank_state = member(o, "bank")) {
        if (!bank_state->is_object()) return bad("app_state.bank must be an object");
        const auto& bo = bank_state->as_object();
        if (const auto* balances = member(bo, "balances")) {
            if (!balances->is_array()) return bad("bank.balances must be an array");
            for (const auto& b : balances->as_array()) {
                if (!b.is_object() || !b.as_object().contains("address") ||
                    !b.at("address").is_string() || !b.as_object().contains("coins"))
                    return bad("a balance is {\"address\": \"seer1...\", \"coins\": [...]}");
                bank::GenesisBalance gb;
                gb.address = std::string(b.at("address").as_string());
                auto coins = coins_field(b.at("coins"), "balance of " + gb.address);
                if (!coins) return coins.error();
                gb.coins = std::move(*coins);
                g.balances.push_back(std::move(gb));
            }
        }
        if (const auto* supply = member(bo, "supply"); supply && !(supply->is_array() && supply->as_array().empty())) {
            // The SDK checks a given supply against the balances; so does seer.
            auto given = coins_field(*supply, "bank.supply");
            if (!given) return given.error();
            std::map<std::string, std::uint64_t> sum;
            for (const auto& b : g.balances)
                for (const auto& c : b.coins)
                    sum[c.denom] += c.amount;
            std::map<std::string, std::uint64_t> stated;
            for (const auto& c : *given)
                stated[c.denom] = c.amount;
            if (sum != stated) return bad("bank.supply does not equal the sum of the balances");
        }
    }
    if (const auto* a = member(o, "async")) {
        auto parsed = async::parse_genesis_json(json::serialize(*a));
        if (!parsed) return parsed.error();
        g.async = std::move(*parsed);
    }
    if (auto s = validate_genesis(g); !s) return s.error();
    return g;
}

std::string app_state_json(const Genesis& g) {
    json::object params{{"max_memo_characters", std::to_string(g.auth.max_memo_characters)},
                        {"tx_size_cost_per_byte", std::to_string(g.auth.tx_size_cost_per_byte)},
                        {"sig_verify_cost_secp256k1", std::to_string(g.auth.sig_verify_cost_secp256k1)},
                        {"sig_verify_cost_ed25519", std::to_string(g.auth.sig_verify_cost_ed25519)},
                        {"gas_per_msg", std::to_string(g.auth.gas_per_msg)},
                        {"max_gas_per_tx", std::to_string(g.auth.max_gas_per_tx)}};
    json::array accounts;
    for (const auto& a : g.accounts) {
        json::object acc{{"address", a.address}};
        if (a.pub_key)
            acc["pub_key"] = json::object{{"@type", crypto::pubkey_type_url(a.pub_key->type)},
                                          {"key", to_base64(a.pub_key->key)}};
        accounts.push_back(std::move(acc));
    }
    json::array balances;
    std::map<std::string, std::uint64_t> sum;
    for (const auto& b : g.balances) {
        balances.push_back(json::object{{"address", b.address}, {"coins", coins_json(b.coins)}});
        for (const auto& c : b.coins)
            sum[c.denom] += c.amount;
    }
    bank::Coins supply;
    for (const auto& [denom, amount] : sum)
        supply.push_back({denom, amount});
    boost::system::error_code ec;
    json::value async_state = json::parse(async::genesis_to_json(g.async), ec);
    json::object root{
        {"auth", json::object{{"params", params}, {"accounts", accounts}}},
        {"bank", json::object{{"balances", balances}, {"supply", coins_json(supply)}}},
        {"async", async_state}};
    return json::serialize(root);
}

}  // namespace seer::app
