// Params::validate, genesis validation and the genesis JSON (app_state) round trip.

#include "support.hpp"

namespace seer::async::test {
namespace {

struct Bound {
    const char* name;
    void (*set)(Params&, std::uint64_t);
    std::uint64_t lowest_bad;
    std::uint64_t lowest_good;
    std::uint64_t highest_good;
    std::uint64_t highest_bad;
};

#define SEER_PARAM(field) \
#field, [](Params & p, std::uint64_t v) { p.field = static_cast<decltype(p.field)>(v); }

const Bound k_bounds[] = {
    {SEER_PARAM(max_input_bytes), 0, 1, 4 * 1024 * 1024, 4 * 1024 * 1024 + 1},
    {SEER_PARAM(max_output_bytes), 0, 1, 64 * 1024 * 1024, 64 * 1024 * 1024 + 1},
    // Kept within max_results_bytes (which is raised below for the upper bound).
    {SEER_PARAM(max_inline_output_bytes), 0, 1, 4 * 1024 * 1024, 4 * 1024 * 1024 + 1},
    {SEER_PARAM(max_results_per_block), 0, 1, 100000, 100001},
    {SEER_PARAM(max_votes_per_extension), 0, 1, 10000, 10001},
    {SEER_PARAM(max_extension_bytes), 63, 64, 512 * 1024, 512 * 1024 + 1},
    {SEER_PARAM(timeout_blocks), 2, 3, 1'000'000, 1'000'001},
    {SEER_PARAM(max_attempts), 0, 1, 100, 101},
    {SEER_PARAM(prune_after_blocks), 0, 1, 100'000'000, 100'000'001},
    {SEER_PARAM(max_pending_per_account), 0, 1, 1'000'000, 1'000'001},
    {SEER_PARAM(max_prune_per_block), 0, 1, 100'000, 100'001},
    {SEER_PARAM(max_unfinished_futures), 0, 1, 100'000'000, 100'000'001},
};

#undef SEER_PARAM

TEST_CASE("Params: the defaults are valid") {
    CHECK(Params{}.validate().ok());
}

TEST_CASE("Params: each bound") {
    for (const auto& b : k_bounds) {
        INFO(b.name);
        auto with = [&](std::uint64_t v) {
            Params p;
            p.max_results_bytes = 16 * 1024 * 1024;  // room for any max_output_bytes
            b.set(p, v);
            return p.validate();
        };
        CHECK_FALSE(with(b.lowest_bad).ok());
        CHECK(with(b.lowest_good).ok());
        CHECK(with(b.highest_good).ok());
        auto s = with(b.highest_bad);
        CHECK_FALSE(s.ok());
        CHECK(s.error().reason == "invalid_params");
        CHECK(contains(s.error().message, b.name));
    }
}

TEST_CASE("Params: max_results_bytes is between the largest inline output and 16 MiB") {
    Params p;
    p.max_results_bytes = p.max_inline_output_bytes - 1;
    CHECK_FALSE(p.validate().ok());
    p.max_results_bytes = p.max_inline_output_bytes;
    CHECK(p.validate().ok());
    p.max_results_bytes = 16 * 1024 * 1024;
    CHECK(p.validate().ok());
    p.max_results_bytes = 16 * 1024 * 1024 + 1;
    auto s = p.validate();
    CHECK_FALSE(s.ok());
    CHECK(contains(s.error().message, "max_results_bytes"));
}

std::string app_state(const std::string& handlers, const std::string& params = "") {
    std::string json = "{";
    if (!params.empty()) json += "\"params\": " + params + ", ";
    json += "\"handlers\": [" + handlers + "]}";
    return json;
}

TEST_CASE("parse_genesis_json: a valid app_state") {
    auto g = parse_genesis_json(app_state(R"({"name": "echo", "description": "d"},
                                             {"name": "exec:model"})"));
    REQUIRE(g.ok());
    CHECK(g->params == Params{});  // absent params: the defaults
    REQUIRE(g->handlers.size() == 2);
    CHECK(g->handlers[0].name == "echo");
    CHECK(g->handlers[0].description == "d");
    CHECK(g->handlers[1].name == "exec:model");

    // Both the proto field names and their lowerCamel JSON names are read.
    auto p = parse_genesis_json(app_state("",
                                          R"({"max_input_bytes": "100", "maxOutputBytes": 200,
                                              "max_results_per_block": 1, "max_results_bytes": 300,
                                              "max_votes_per_extension": 2,
                                              "max_extension_bytes": 64, "timeout_blocks": 3,
                                              "max_attempts": 4, "prune_after_blocks": 5,
                                              "max_pending_per_account": 6,
                                              "max_prune_per_block": 7})"));
    REQUIRE(p.ok());
    CHECK(p->params.max_input_bytes == 100);
    CHECK(p->params.max_output_bytes == 200);
    CHECK(p->params.max_results_bytes == 300);
    CHECK(p->params.max_attempts == 4);
    CHECK(p->params.max_prune_per_block == 7);
}

TEST_CASE("parse_genesis_json: errors") {
    const std::string echo = R"({"name": "echo"})";
    auto fails = [](const std::string& json, std::string_view part) {
        auto g = parse_genesis_json(json);
        INFO(json);
        REQUIRE_FALSE(g.ok());
        CHECK(g.error().reason == "invalid_genesis");
        INFO(g.error().message);
        CHECK(contains(g.error().message, part));
    };
    SUBCASE("accounts are no longer the module's (they are app_state.auth's)") {
        fails(R"({"accounts": [], "handlers": [{"name": "echo"}]})", "app_state");
    }
    SUBCASE("unknown handler kind") {
        fails(app_state(R"({"name": "weather"})"), "weather");
        fails(app_state(R"({"name": "exec:"})"), "exec:");
        fails(app_state(R"({"name": "exec:)" + std::string(64, 'x') + "\"}"), "unknown handler");
    }
    SUBCASE("duplicate handler") {
        fails(app_state(echo + ", " + echo), "duplicate handler");
    }
    SUBCASE("malformed JSON") {
        fails("{\"handlers\": [", "app_state");
        fails("not json", "app_state");
        fails(R"({"handlers": 5})", "app_state");
        fails(R"({"no_such_field": 1})", "app_state");
    }
    SUBCASE("params out of bounds") {
        // Present params with a field left out: that field is 0, which is out of bounds.
        auto g = parse_genesis_json(app_state(echo, R"({"max_input_bytes": 10})"));
        CHECK_FALSE(g.ok());
    }
}

TEST_CASE("genesis_to_json round-trips") {
    AppGenesis g;
    g.params.max_input_bytes = 1000;
    g.params.timeout_blocks = 9;
    g.params.max_attempts = 7;
    g.handlers = {{"echo", "output = input"}, {"http", ""}, {"exec:sim", "a simulation"}};
    REQUIRE(validate_genesis(g).ok());

    const std::string json = genesis_to_json(g);
    CHECK(contains(json, "max_input_bytes"));  // proto field names, as in genesis.json
    auto back = parse_genesis_json(json);
    REQUIRE(back.ok());
    CHECK(back->params == g.params);
    REQUIRE(back->handlers.size() == 3);
    for (std::size_t i = 0; i < 3; ++i) {
        CHECK(back->handlers[i].name == g.handlers[i].name);
        CHECK(back->handlers[i].description == g.handlers[i].description);
    }
    CHECK(genesis_to_json(*back) == json);
}

TEST_CASE("a genesis account with a pub_key can send its first tx") {
    app::Genesis g = app_genesis(genesis());
    const auto key0 = user(0);  // public_key() is a reference into the key
    const auto& pk = key0.public_key();
    g.accounts[0].pub_key =
        crypto::AccountPubKey{crypto::KeyType::ed25519, Bytes(pk.begin(), pk.end())};
    const auto valid = app::validate_genesis(g);
    REQUIRE_MESSAGE(valid.ok(), (valid.ok() ? std::string() : valid.error().message));
    Node n = make_node(g);
    CHECK(n.app->check_tx(signed_tx(0, 0), consensus::CheckTxKind::new_tx).code == 0);
    // Another key claiming that account is refused: the account's key is known.
    Bytes tx = edited_tx(signed_tx(1, 0), user(1), 0, [](cosmos::tx::v1beta1::TxBody& body) {
        v1::MsgAddFuture msg;
        REQUIRE(msg.ParseFromString(body.messages(0).value()));
        msg.set_creator(user_bech32(0));
        body.mutable_messages(0)->set_value(msg.SerializeAsString());
    });
    auto r = n.app->check_tx(tx, consensus::CheckTxKind::new_tx);
    CHECK(r.code == static_cast<std::uint32_t>(app::SdkCode::invalid_pubkey));
    CHECK(r.codespace == app::k_sdk_codespace);
    CHECK(contains(r.log, "public key does not match the account's"));
}

}  // namespace
}  // namespace seer::async::test
