// genesis.json app_state (auth, bank, async), paginate(), coins and gas prices.

#include "seer/common/base64.hpp"
#include "seer/common/paging.hpp"
#include "support.hpp"

namespace seer::app::test {
namespace {

Genesis sample() {
    Genesis g;
    g.auth.gas_per_msg = 12345;
    g.auth.max_memo_characters = 100;
    const auto key0 = user(0);  // public_key() is a reference into the key
    const auto& pk = key0.public_key();
    g.accounts.push_back({user_bech32(0), crypto::AccountPubKey{crypto::KeyType::ed25519,
                                                                Bytes(pk.begin(), pk.end())}});
    g.accounts.push_back({user_bech32(1), std::nullopt});
    g.balances.push_back({user_bech32(0), {{"uatom", 5}, {"useer", 1000}}});
    g.balances.push_back({user_bech32(2), {{"useer", 1}}});
    g.async = genesis();
    g.async.handlers[0].fee = 50;
    g.async.handlers[1].gas = 77;
    g.async.params.timeout_blocks = 9;
    return g;
}

TEST_CASE("app_state JSON round-trips") {
    const Genesis g = sample();
    REQUIRE(validate_genesis(g).ok());
    const std::string json = app_state_json(g);
    CHECK(contains(json, "\"supply\""));
    CHECK(contains(json, "/cosmos.crypto.ed25519.PubKey"));
    auto back = parse_app_state(json);
    REQUIRE(back.ok());
    CHECK(back->auth == g.auth);
    REQUIRE(back->accounts.size() == 2);
    CHECK(back->accounts[0].address == g.accounts[0].address);
    CHECK(back->accounts[0].pub_key == g.accounts[0].pub_key);
    CHECK(back->accounts[1].address == g.accounts[1].address);
    CHECK_FALSE(back->accounts[1].pub_key.has_value());
    REQUIRE(back->balances.size() == 2);
    CHECK(back->balances[0].address == g.balances[0].address);
    CHECK(back->balances[0].coins == g.balances[0].coins);
    CHECK(back->balances[1].coins == g.balances[1].coins);
    CHECK(back->async.params == g.async.params);
    CHECK(back->async.handlers == g.async.handlers);
    CHECK(app_state_json(*back) == json);

    // Absent sections are the defaults.
    auto empty = parse_app_state("{}");
    REQUIRE(empty.ok());
    CHECK(empty->auth == AuthParams{});
    CHECK(empty->accounts.empty());
    CHECK(empty->balances.empty());
}

TEST_CASE("app_state JSON: errors") {
    auto fails = [](const std::string& json, std::string_view part) {
        auto g = parse_app_state(json);
        INFO(json);
        REQUIRE_FALSE(g.ok());
        CHECK(g.error().reason == "invalid_genesis");
        INFO(g.error().message);
        CHECK(contains(g.error().message, part));
    };
    auto acc = [](const std::string& address) { return R"({"address": ")" + address + R"("})"; };
    auto auth = [](const std::string& accounts) {
        return R"({"auth": {"accounts": [)" + accounts + "]}}";
    };
    SUBCASE("duplicate account") {
        fails(auth(acc(user_bech32(0)) + ", " + acc(user_bech32(0))), "duplicate account");
    }
    SUBCASE("bad account address") {
        fails(auth(acc("seer1xyz")), "seer1xyz");
        const auto other = crypto::to_bech32_address(user_address(0), "cosmos");
        fails(auth(acc(other)), other);
    }
    SUBCASE("pub_key that is not the account's") {
        const auto key1 = user(1);
        const auto& pk = key1.public_key();
        fails(auth(R"({"address": ")" + user_bech32(0) +
                   R"(", "pub_key": {"@type": "/cosmos.crypto.ed25519.PubKey", "key": ")" +
                   to_base64(ByteView(pk.data(), pk.size())) + R"("}})"),
              "pub_key");
        fails(auth(R"({"address": ")" + user_bech32(0) +
                   R"(", "pub_key": {"@type": "/cosmos.crypto.ed25519.PubKey", "key": "AAAA"}})"),
              "pub_key");
        fails(auth(R"({"address": ")" + user_bech32(0) +
                   R"(", "pub_key": {"@type": "/cosmos.crypto.multisig.PubKey", "key": "AAAA"}})"),
              "pub_key");
    }
    const std::string bal0 = R"({"address": ")" + user_bech32(0) +
                             R"(", "coins": [{"denom": "useer", "amount": "10"}]})";
    const std::string bal1 =
        R"({"address": ")" + user_bech32(1) + R"(", "coins": [{"denom": "useer", "amount": "5"}]})";
    SUBCASE("bad supply") {
        fails(R"({"bank": {"balances": [)" + bal0 + ", " + bal1 +
                  R"(], "supply": [{"denom": "useer", "amount": "14"}]}})",
              "supply");
        fails(
            R"({"bank": {"balances": [)" + bal0 +
                R"(], "supply": [{"denom": "useer", "amount": "10"}, {"denom": "uatom", "amount": "1"}]}})",
            "supply");
        // The right supply, and an empty one, pass.
        CHECK(parse_app_state(R"({"bank": {"balances": [)" + bal0 + ", " + bal1 +
                              R"(], "supply": [{"denom": "useer", "amount": "15"}]}})")
                  .ok());
        CHECK(parse_app_state(R"({"bank": {"balances": [)" + bal0 + R"(], "supply": []}})").ok());
    }
    SUBCASE("duplicate balance and bad coins") {
        fails(R"({"bank": {"balances": [)" + bal0 + ", " + bal0 + "]}}", "duplicate balance");
        fails(R"({"bank": {"balances": [{"address": ")" + user_bech32(0) +
                  R"(", "coins": [{"denom": "useer", "amount": "-1"}]}]}})",
              "balance of");
        fails(
            R"({"bank": {"balances": [{"address": ")" + user_bech32(0) +
                R"(", "coins": [{"denom": "useer", "amount": "1"}, {"denom": "useer", "amount": "2"}]}]}})",
            "balance of");
    }
    SUBCASE("the module's section is checked too") {
        fails(R"({"async": {"handlers": [{"name": "weather"}]}})", "weather");
        fails(R"({"async": {"accounts": []}})", "app_state");
    }
    SUBCASE("malformed") {
        fails("not json", "app_state");
        fails(R"({"auth": 5})", "auth");
        fails(R"({"auth": {"params": {"gas_per_msg": "x"}}})", "gas_per_msg");
        fails(R"({"auth": {"params": {"max_gas_per_tx": 0}}})", "max_gas_per_tx");
    }
}

TEST_CASE("a genesis account's key and number are in state; balances are minted") {
    Genesis g = sample();
    g.accounts.push_back({user_bech32(2), std::nullopt});
    Node n = make_node(g);
    auto a0 = account(*n.app, user_bech32(0));
    REQUIRE(a0.has_value());
    CHECK(a0->account_number() == 0);
    CHECK(a0->pub_key().type_url() == crypto::k_ed25519_pubkey_type_url);
    CHECK(account(*n.app, user_bech32(1))->account_number() == 1);
    CHECK(account(*n.app, user_bech32(2))->account_number() == 2);
    CHECK(balance(*n.app, user_bech32(0), "uatom") == 5);
    CHECK(balance(*n.app, user_bech32(2)) == 1);
}

// ---- paginate ----------------------------------------------------------------------------

std::vector<Bytes> keys(std::initializer_list<const char*> list) {
    std::vector<Bytes> out;
    for (const char* k : list)
        out.push_back(to_bytes(std::string_view(k)));
    return out;
}

TEST_CASE("paginate: key, offset, limit, reverse, count_total, next_key") {
    const auto ks = keys({"a", "b", "c", "d", "e"});
    auto run = [&](PageSpec spec) {
        auto p = paginate(ks, spec, 2, 3);
        REQUIRE(p.ok());
        return *p;
    };
    // Default limit, next key past the page.
    auto p = run({});
    CHECK(p.positions == std::vector<std::size_t>{0, 1});
    CHECK(p.next_key == to_bytes(std::string_view("c")));
    CHECK_FALSE(p.total.has_value());
    // The key starts the page (inclusive).
    PageSpec s;
    s.key = p.next_key;
    p = run(s);
    CHECK(p.positions == std::vector<std::size_t>{2, 3});
    CHECK(p.next_key == to_bytes(std::string_view("e")));
    s.key = p.next_key;
    p = run(s);
    CHECK(p.positions == std::vector<std::size_t>{4});
    CHECK(p.next_key.empty());
    // A key between entries starts at the next one.
    s.key = to_bytes(std::string_view("bb"));
    CHECK(run(s).positions == std::vector<std::size_t>{2, 3});
    // Limit above the max is capped.
    PageSpec big;
    big.limit = 100;
    CHECK(run(big).positions.size() == 3);
    // Offset skips; past the end is empty.
    PageSpec off;
    off.offset = 3;
    off.limit = 3;
    p = run(off);
    CHECK(p.positions == std::vector<std::size_t>{3, 4});
    CHECK(p.next_key.empty());
    off.offset = 9;
    CHECK(run(off).positions.empty());
    // count_total only without a key.
    PageSpec count;
    count.count_total = true;
    count.offset = 1;
    p = run(count);
    REQUIRE(p.total.has_value());
    CHECK(*p.total == 5);
    count.offset = 0;
    count.key = to_bytes(std::string_view("b"));
    CHECK_FALSE(run(count).total.has_value());
    // Reverse: from the end; a key starts there going down.
    PageSpec rev;
    rev.reverse = true;
    p = run(rev);
    CHECK(p.positions == std::vector<std::size_t>{4, 3});
    CHECK(p.next_key == to_bytes(std::string_view("c")));
    rev.key = p.next_key;
    p = run(rev);
    CHECK(p.positions == std::vector<std::size_t>{2, 1});
    CHECK(p.next_key == to_bytes(std::string_view("a")));
    rev.key = to_bytes(std::string_view("bb"));
    CHECK(run(rev).positions == std::vector<std::size_t>{1, 0});
    PageSpec rev_off;
    rev_off.reverse = true;
    rev_off.offset = 4;
    p = run(rev_off);
    CHECK(p.positions == std::vector<std::size_t>{0});
    CHECK(p.next_key.empty());
    // Key and offset together are an invalid request.
    PageSpec both;
    both.key = to_bytes(std::string_view("a"));
    both.offset = 1;
    auto e = paginate(ks, both, 2, 3);
    REQUIRE_FALSE(e.ok());
    CHECK(e.error().reason == "invalid_request");
    CHECK(contains(e.error().message, "either offset or key"));
    // No keys at all.
    auto none = paginate({}, count, 2, 3);
    REQUIRE(none.ok());
    CHECK(none->positions.empty());
}

// ---- coins and gas prices ----------------------------------------------------------------

TEST_CASE("parse_coins") {
    auto c = bank::parse_coins("1000useer");
    REQUIRE(c.ok());
    CHECK(*c == bank::Coins{{"useer", 1000}});
    c = bank::parse_coins("1000useer,5uatom");
    REQUIRE(c.ok());
    CHECK(bank::amount_of(*c, "uatom") == 5);
    CHECK(bank::amount_of(*c, "useer") == 1000);
    CHECK(bank::amount_of(*c, "uxyz") == 0);
    for (const char* bad : {"useer", "1000", "0useer", "-5useer", "1.5useer", "10u",
                            "1useer,2useer", "99999999999999999999999useer", "5 useer"}) {
        INFO(bad);
        CHECK_FALSE(bank::parse_coins(bad).ok());
    }
    CHECK(bank::to_string({{"uatom", 5}, {"useer", 1000}}) == "5uatom,1000useer");
}

TEST_CASE("parse_gas_prices and GasPrice::fee_for (ceil)") {
    auto none = bank::parse_gas_prices("");
    REQUIRE(none.ok());
    CHECK(none->empty());
    auto p = bank::parse_gas_prices("0.001useer");
    REQUIRE(p.ok());
    REQUIRE(p->size() == 1);
    CHECK((*p)[0].denom == "useer");
    CHECK((*p)[0].units == 1'000'000'000'000'000ull);
    CHECK((*p)[0].fee_for(200000) == 200);
    CHECK((*p)[0].fee_for(200001) == 201);  // ceil
    CHECK((*p)[0].fee_for(1) == 1);
    CHECK((*p)[0].fee_for(0) == 0);
    auto two = bank::parse_gas_prices("0.025useer,1uatom");
    REQUIRE(two.ok());
    REQUIRE(two->size() == 2);
    CHECK((*two)[0].fee_for(100) == 3);  // 2.5 -> 3
    CHECK((*two)[0].fee_for(40) == 1);
    CHECK((*two)[1].fee_for(7) == 7);
    auto tiny = bank::parse_gas_prices("0.000000000000000001useer");
    REQUIRE(tiny.ok());
    CHECK((*tiny)[0].units == 1);
    CHECK((*tiny)[0].fee_for(3) == 1);
    CHECK((*tiny)[0].fee_for(UINT64_MAX) == 19);  // ceil(2^64-1 / 10^18)
    for (const char* bad : {"useer", "0.1", "0.0000000000000000001useer", "1..2useer", ".5useer",
                            "1.2.3useer", "x0.1useer"}) {
        INFO(bad);
        CHECK_FALSE(bank::parse_gas_prices(bad).ok());
    }
}

}  // namespace
}  // namespace seer::app::test
