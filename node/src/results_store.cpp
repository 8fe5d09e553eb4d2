#include "results_store.hpp"

#include <algorithm>

#include "seer/async/tx.hpp"
#include "seer/types/v1/types.pb.h"

namespace seer::node::detail {

namespace pb = seer::types::v1;

namespace {

Bytes height_key(std::int64_t h) {
    Bytes k;
    append_be(k, static_cast<std::uint64_t>(h));
    return k;
}

void to_pb(const consensus::Event& e, pb::Event* out) {
    out->set_type(e.type);
    for (const auto& a : e.attributes) {
        auto* pa = out->add_attributes();
        pa->set_key(a.key);
        pa->set_value(a.value);
        pa->set_index(a.index);
    }
}

consensus::Event from_pb(const pb::Event& e) {
    consensus::Event out;
    out.type = e.type();
    for (const auto& a : e.attributes())
        out.attributes.push_back({a.key(), a.value(), a.index()});
    return out;
}

template <class M>
Bytes serialize(const M& m) {
    const std::string s = m.SerializeAsString();
    return Bytes(s.begin(), s.end());
}

Bytes event_prefix(rpc::EventScope scope, std::string_view key) {
    Bytes k;
    k.reserve(2 + key.size());
    k.push_back(scope == rpc::EventScope::tx ? 'T' : 'B');
    k.insert(k.end(), key.begin(), key.end());
    k.push_back(0);
    return k;
}

/// The index keys of `events`, each with `tx_index` (0 for block events, which have none).
void index_events(std::vector<std::pair<Bytes, std::uint32_t>>& keys, rpc::EventScope scope,
                  const std::vector<consensus::Event>& events, std::int64_t height,
                  std::uint32_t tx_index) {
    for (const auto& e : events) {
        for (const auto& a : e.attributes) {
            if (!a.index || e.type.empty() || a.key.empty()) continue;
            const std::string composite = e.type + "." + a.key;
            if (composite.find('\0') != std::string::npos) continue;  // not a key a query can name
            Bytes k = event_prefix(scope, composite);
            k.insert(k.end(), a.value.begin(), a.value.end());
            k.push_back(0);
            append_be(k, static_cast<std::uint64_t>(height), 8);
            keys.emplace_back(std::move(k), tx_index);
        }
    }
}

}  // namespace

void ResultsStore::save(const consensus::Block& block, const consensus::FinalizeBlockResponse& resp,
                        store::WriteBatch batch) {
    pb::BlockResults r;
    r.set_height(block.header.height);
    for (const auto& tx : resp.tx_results) {
        auto* t = r.add_txs_results();
        t->set_code(tx.code);
        t->set_codespace(tx.codespace);
        t->set_data(std::string(tx.data.begin(), tx.data.end()));
        t->set_log(tx.log);
        t->set_gas_wanted(tx.gas_wanted);
        t->set_gas_used(tx.gas_used);
        for (const auto& e : tx.events)
            to_pb(e, t->add_events());
    }
    for (const auto& e : resp.events)
        to_pb(e, r.add_finalize_block_events());
    r.set_app_hash(std::string(resp.app_hash.begin(), resp.app_hash.end()));
    const std::int64_t h = block.header.height;
    // A block's events repeat most of their attributes (the sender, action and module of
    // every message, the fee collector of every fee, the submitter and attempt of every result,
    // the validator of every vote). One key stands for each distinct (attribute, value, height)
    // and is written once, in key order. A tx key's value lists the txs that carry it
    // (ascending u32 BE indexes), so a block of N similar txs writes a few keys per tx, not one
    // per attribute.
    std::vector<std::pair<Bytes, std::uint32_t>> keys;
    index_events(keys, rpc::EventScope::block, resp.events, h, 0);
    for (std::size_t i = 0; i < resp.tx_results.size(); ++i)
        index_events(keys, rpc::EventScope::tx, resp.tx_results[i].events, h,
                     static_cast<std::uint32_t>(i));
    std::sort(keys.begin(), keys.end());
    Bytes postings;
    for (std::size_t i = 0; i < keys.size();) {
        const Bytes& k = keys[i].first;
        postings.clear();
        std::size_t j = i;
        for (; j < keys.size() && keys[j].first == k; ++j)
            if (k[0] == 'T' && (j == i || keys[j].second != keys[j - 1].second))
                append_be(postings, keys[j].second, 4);
        batch.put(k_eventindex_column, k, postings);
        i = j;
    }
    batch.put(k_results_column, height_key(block.header.height), serialize(r));
    for (std::size_t i = 0; i < block.txs.size(); ++i) {
        pb::TxLocation loc;
        loc.set_height(block.header.height);
        loc.set_index(static_cast<std::uint32_t>(i));
        const auto hash = async::tx_hash(block.txs[i]);
        batch.put(k_txindex_column, hash, serialize(loc));
    }
    // Not synced here: the application's commit follows at once with a synced write to the same
    // database, and RocksDB's sync of a write syncs every write before it (the WAL files are
    // synced in order). A crash before that commit leaves the app a height behind, and the
    // start-up handshake replays the block and writes its results again. One fdatasync less
    // per block on the consensus thread (issue 10).
    m_kv.write(batch, false);
}

std::optional<rpc::BlockResultsView> ResultsStore::results(std::int64_t height) const {
    auto bytes = m_kv.get(k_results_column, height_key(height));
    if (!bytes) return std::nullopt;
    pb::BlockResults r;
    if (!r.ParseFromArray(bytes->data(), static_cast<int>(bytes->size()))) return std::nullopt;
    rpc::BlockResultsView v;
    v.height = r.height();
    for (const auto& t : r.txs_results()) {
        consensus::ExecTxResult x;
        x.code = t.code();
        x.codespace = t.codespace();
        x.data = Bytes(t.data().begin(), t.data().end());
        x.log = t.log();
        x.gas_wanted = t.gas_wanted();
        x.gas_used = t.gas_used();
        for (const auto& e : t.events())
            x.events.push_back(from_pb(e));
        v.txs_results.push_back(std::move(x));
    }
    for (const auto& e : r.finalize_block_events())
        v.finalize_block_events.push_back(from_pb(e));
    if (r.app_hash().size() == 32)
        std::copy(r.app_hash().begin(), r.app_hash().end(), v.app_hash.begin());
    return v;
}

void ResultsStore::scan_events(rpc::EventScope scope, std::string_view key,
                               std::string_view value_prefix,
                               const rpc::EventIndexVisitor& visit) const {
    const Bytes base = event_prefix(scope, key);
    Bytes prefix = base;
    prefix.insert(prefix.end(), value_prefix.begin(), value_prefix.end());
    // Keys end in 0x00 | height (u64 BE). A tx key's value lists its txs (u32 BE each). A tx
    // key written before those lists (seer 0.1.0 data) has an empty value and its one tx index
    // after the height.
    m_kv.scan(k_eventindex_column, prefix, prefix, [&](ByteView k, ByteView v) {
        const bool tx = scope == rpc::EventScope::tx;
        const bool one = tx && v.empty();
        const std::size_t tail = one ? 13 : 9;
        if (k.size() < base.size() + tail || k[k.size() - tail] != 0) return true;  // not ours
        if (tx && v.size() % 4 != 0) return true;
        const auto value = k.subspan(base.size(), k.size() - tail - base.size());
        const std::string_view text(reinterpret_cast<const char*>(value.data()), value.size());
        const auto height = static_cast<std::int64_t>(read_be(k.subspan(k.size() - tail + 1, 8)));
        if (!tx) return visit(text, height, 0u);
        if (one) return visit(text, height, static_cast<std::uint32_t>(read_be(k.subspan(k.size() - 4, 4))));
        for (std::size_t at = 0; at < v.size(); at += 4)
            if (!visit(text, height, static_cast<std::uint32_t>(read_be(v.subspan(at, 4)))))
                return false;
        return true;
    });
}

std::optional<std::pair<std::int64_t, std::uint32_t>> ResultsStore::locate(
    const consensus::Hash& tx) const {
    auto bytes = m_kv.get(k_txindex_column, tx);
    if (!bytes) return std::nullopt;
    pb::TxLocation loc;
    if (!loc.ParseFromArray(bytes->data(), static_cast<int>(bytes->size()))) return std::nullopt;
    return std::make_pair(loc.height(), loc.index());
}

}  // namespace seer::node::detail
