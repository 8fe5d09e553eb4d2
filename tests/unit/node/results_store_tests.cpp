#include <doctest/doctest.h>

#include <tuple>
#include <vector>

#include "../../../node/src/results_store.hpp"
#include "seer/async/tx.hpp"
#include "seer/types/v1/types.pb.h"

namespace seer::node::detail {
namespace {

using consensus::Event;
using Hit = std::tuple<std::string, std::int64_t, std::uint32_t>;

std::vector<std::string> columns() {
    return {std::string(k_results_column), std::string(k_txindex_column),
            std::string(k_eventindex_column)};
}

Event message(const std::string& sender, const std::string& action) {
    return Event{"message", {{"sender", sender, true}, {"action", action, true}, {"note", "x", false}}};
}

/// A block at `height` whose txs carry `events[i]`; the block's own events are `block_events`.
void save(ResultsStore& store, std::int64_t height, const std::vector<std::vector<Event>>& events,
          std::vector<Event> block_events = {}) {
    consensus::Block block;
    block.header.height = height;
    consensus::FinalizeBlockResponse resp;
    resp.events = std::move(block_events);
    for (std::size_t i = 0; i < events.size(); ++i) {
        block.txs.push_back(Bytes{static_cast<std::uint8_t>(height), static_cast<std::uint8_t>(i), 7});
        consensus::ExecTxResult r;
        r.events = events[i];
        resp.tx_results.push_back(std::move(r));
    }
    store.save(block, resp, {});
}

std::vector<Hit> scan(const ResultsStore& store, rpc::EventScope scope, const std::string& key,
                      const std::string& prefix = "") {
    std::vector<Hit> out;
    store.scan_events(scope, key, prefix, [&](std::string_view v, std::int64_t h, std::uint32_t i) {
        out.emplace_back(std::string(v), h, i);
        return true;
    });
    return out;
}

TEST_CASE("results store: one index key per distinct attribute value, every tx still found") {
    auto kv = store::make_memory_store(columns());
    ResultsStore store(*kv);
    // Block 5: txs 0, 1 and 3 from alice, tx 2 from bob; tx 1 names alice twice.
    save(store, 5,
         {{message("alice", "send")},
          {message("alice", "send"), message("alice", "vote")},
          {message("bob", "send")},
          {message("alice", "send")}},
         {Event{"block_reward", {{"to", "alice", true}}}});
    save(store, 6, {{message("bob", "send")}, {message("alice", "send")}});

    CHECK(scan(store, rpc::EventScope::tx, "message.sender") ==
          std::vector<Hit>{{"alice", 5, 0}, {"alice", 5, 1}, {"alice", 5, 3}, {"alice", 6, 1},
                           {"bob", 5, 2}, {"bob", 6, 0}});
    CHECK(scan(store, rpc::EventScope::tx, "message.action", "v") == std::vector<Hit>{{"vote", 5, 1}});
    CHECK(scan(store, rpc::EventScope::tx, "message.note").empty());  // not indexed
    CHECK(scan(store, rpc::EventScope::block, "block_reward.to") == std::vector<Hit>{{"alice", 5, 0}});

    // 4 distinct (attribute, value) pairs at height 5, 3 at height 6 and one block key: 8 keys
    // for 15 indexed attributes.
    std::size_t keys = 0;
    kv->scan(k_eventindex_column, {}, {}, [&](ByteView, ByteView) {
        ++keys;
        return true;
    });
    CHECK(keys == 8);

    SUBCASE("a visitor that stops, stops inside a list") {
        int seen = 0;
        store.scan_events(rpc::EventScope::tx, "message.sender", "", [&](auto, auto, auto) {
            return ++seen < 2;
        });
        CHECK(seen == 2);
    }
}

TEST_CASE("results store: keys of the 0.1.0 layout (one per tx, index in the key) still scan") {
    auto kv = store::make_memory_store(columns());
    ResultsStore store(*kv);
    Bytes old{'T'};
    for (char c : std::string("message.sender")) old.push_back(static_cast<std::uint8_t>(c));
    old.push_back(0);
    for (char c : std::string("carol")) old.push_back(static_cast<std::uint8_t>(c));
    old.push_back(0);
    append_be(old, 3, 8);
    append_be(old, 9, 4);
    store::WriteBatch b;
    b.put(k_eventindex_column, old, {});
    kv->write(b, false);
    save(store, 4, {{message("carol", "send")}});
    CHECK(scan(store, rpc::EventScope::tx, "message.sender") ==
          std::vector<Hit>{{"carol", 3, 9}, {"carol", 4, 0}});
}

TEST_CASE("results store: the hand-written BlockResults encoding is the generated one's") {
    consensus::FinalizeBlockResponse resp;
    resp.events = {Event{"block_reward", {{"to", "alice", true}, {"", "", false}}}, Event{}};
    consensus::ExecTxResult big;
    big.code = 300;  // a two-byte varint
    big.codespace = "async";
    big.data = Bytes(20'000, 0xab);  // a three-byte length, nested twice
    big.log = std::string(200, 'l');
    big.gas_wanted = -1;  // int64: ten bytes of two's complement
    big.gas_used = 123'456;
    big.events = {message(std::string(150, 'a'), "send"), Event{"", {}}};
    resp.tx_results = {consensus::ExecTxResult{}, big, consensus::ExecTxResult{}};
    resp.app_hash[0] = 1;
    resp.app_hash[31] = 0xff;

    // The same results through the generated message, field by field.
    auto copy_event = [](const Event& e, types::v1::Event* pe) {
        pe->set_type(e.type);
        for (const auto& a : e.attributes) {
            auto* pa = pe->add_attributes();
            pa->set_key(a.key);
            pa->set_value(a.value);
            pa->set_index(a.index);
        }
    };
    types::v1::BlockResults r;
    r.set_height(77);
    for (const auto& tx : resp.tx_results) {
        auto* t = r.add_txs_results();
        t->set_code(tx.code);
        t->set_codespace(tx.codespace);
        t->set_data(std::string(tx.data.begin(), tx.data.end()));
        t->set_log(tx.log);
        t->set_gas_wanted(tx.gas_wanted);
        t->set_gas_used(tx.gas_used);
        for (const auto& e : tx.events)
            copy_event(e, t->add_events());
    }
    for (const auto& e : resp.events)
        copy_event(e, r.add_finalize_block_events());
    r.set_app_hash(std::string(resp.app_hash.begin(), resp.app_hash.end()));
    const std::string want = r.SerializeAsString();
    CHECK(to_string(encode_block_results(77, resp)) == want);

    // And what is saved reads back.
    auto kv = store::make_memory_store(columns());
    ResultsStore store(*kv);
    consensus::Block block;
    block.header.height = 77;
    block.txs = {Bytes{1}, Bytes{2}, Bytes{3}};
    store.save(block, resp, {});
    auto back = store.results(77);
    REQUIRE(back);
    REQUIRE(back->txs_results.size() == 3);
    CHECK(back->txs_results[1].data == big.data);
    CHECK(back->txs_results[1].gas_wanted == -1);
    CHECK(back->txs_results[1].events[0].attributes[0].value == std::string(150, 'a'));
    CHECK(store.locate(async::tx_hash(block.txs[2])) == std::pair<std::int64_t, std::uint32_t>{77, 2});
}

}  // namespace
}  // namespace seer::node::detail
