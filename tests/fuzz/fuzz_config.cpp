// libFuzzer target: the node's start-up files, as an operator (or a tool) writes them:
// config.toml (node::parse_config) and genesis.json (node::parse_genesis, then the
// application's app_state, app::parse_app_state, as the node reads it at its first start). Every
// input goes to both parsers.
// Invariants:
//  - nothing throws out of a parser, and a refusal carries a reason and a message;
//  - an accepted config renders (render_config, what `seer init` and `seer testnet` write) to a
//    config.toml that parses to the same values: the same rendering again, and the one value a
//    rendering could round (http_tolerance) equal;
//  - an accepted genesis renders (render_genesis, what `seer genesis add-account` rewrites) to a
//    genesis.json that parses to the same document, field by field;
//  - an accepted app_state is valid (validate_genesis) and renders (app_state_json) to one that
//    parses and renders the same.

#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>
#include <string_view>

#include "fuzz_common.hpp"
#include "seer/app/app.hpp"
#include "seer/node/config.hpp"
#include "seer/node/genesis.hpp"

namespace {

using seer::fuzz::fail;

template <class T>
void check_refusal(const seer::Result<T>& r) {
    if (!r.ok() && (r.error().reason.empty() || r.error().message.empty()))
        fail("a refusal without a reason or a message");
}

void check_config(std::string_view text) {
    auto c = seer::node::parse_config(text);
    check_refusal(c);
    if (!c) return;
    const std::string rendered = seer::node::render_config(*c);
    auto again = seer::node::parse_config(rendered);
    if (!again) {
        std::fprintf(stderr, "%s\n", again.error().message.c_str());
        fail("a rendered config does not parse");
    }
    if (seer::node::render_config(*again) != rendered) fail("a rendered config reads otherwise");
    if (again->http_tolerance != c->http_tolerance) fail("render_config rounds http_tolerance");
}

bool same(const seer::node::GenesisDoc& a, const seer::node::GenesisDoc& b) {
    if (a.genesis_time != b.genesis_time || a.chain_id != b.chain_id ||
        a.initial_height != b.initial_height || a.max_block_bytes != b.max_block_bytes ||
        a.max_block_gas != b.max_block_gas ||
        a.vote_extensions_enable_height != b.vote_extensions_enable_height ||
        a.app_state_json != b.app_state_json || a.validators.size() != b.validators.size())
        return false;
    for (std::size_t i = 0; i < a.validators.size(); ++i) {
        const auto& x = a.validators[i];
        const auto& y = b.validators[i];
        if (x.address != y.address || x.pub_key != y.pub_key || x.power != y.power ||
            x.name != y.name)
            return false;
    }
    return true;
}

void check_app_state(const std::string& text) {
    auto g = seer::app::parse_app_state(text);
    check_refusal(g);
    if (!g) return;
    if (!seer::app::validate_genesis(*g).ok()) fail("an accepted app_state does not validate");
    const std::string rendered = seer::app::app_state_json(*g);
    auto again = seer::app::parse_app_state(rendered);
    if (!again) {
        std::fprintf(stderr, "%s\n", again.error().message.c_str());
        fail("a rendered app_state does not parse");
    }
    if (seer::app::app_state_json(*again) != rendered) fail("a rendered app_state reads otherwise");
}

void check_genesis(std::string_view text) {
    auto g = seer::node::parse_genesis(text);
    check_refusal(g);
    if (!g) return;
    if (g->validators.empty() || g->chain_id.empty() || g->chain_id.size() > 50 ||
        g->initial_height < 1)
        fail("an accepted genesis breaks its bounds");
    const std::string rendered = seer::node::render_genesis(*g);
    auto again = seer::node::parse_genesis(rendered);
    if (!again) {
        std::fprintf(stderr, "%s\n", again.error().message.c_str());
        fail("a rendered genesis does not parse");
    }
    if (!same(*g, *again)) fail("a rendered genesis reads otherwise");
    check_app_state(g->app_state_json);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        check_config(text);
        check_genesis(text);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "exception: %s\n", e.what());
        fail("a parser or renderer threw");
    } catch (...) {
        fail("a parser or renderer threw");
    }
    return 0;
}
