#include "results_store.hpp"

#include <algorithm>
#include <initializer_list>
#include <unordered_map>

#include "seer/async/tx.hpp"
#include "seer/common/wire.hpp"
#include "seer/types/v1/types.pb.h"

namespace seer::node::detail {

namespace pb = seer::types::v1;

namespace {

Bytes height_key(std::int64_t h) {
    Bytes k;
    append_be(k, static_cast<std::uint64_t>(h));
    return k;
}

consensus::Event from_pb(const pb::Event& e) {
    consensus::Event out;
    out.type = e.type();
    for (const auto& a : e.attributes())
        out.attributes.push_back({a.key(), a.value(), a.index()});
    return out;
}

/// Appends 'T' or 'B', the composite key "<type>.<attribute key>" (given whole or in pieces),
/// and 0x00: the part of an index key that a scan and a write share.
template <class Out>
void append_event_prefix(Out& k, rpc::EventScope scope,
                         std::initializer_list<std::string_view> composite) {
    k.push_back(scope == rpc::EventScope::tx ? 'T' : 'B');
    for (std::string_view piece : composite)
        k.insert(k.end(), piece.begin(), piece.end());
    k.push_back(0);
}

Bytes event_prefix(rpc::EventScope scope, std::string_view key) {
    Bytes k;
    k.reserve(2 + key.size());
    append_event_prefix(k, scope, {key});
    return k;
}

/// The index postings of one block: for each distinct key, the ascending indexes of the txs
/// that carry it (nothing for block events). Keys are built in one reused buffer, so only a
/// key seen for the first time in the block allocates.
class IndexBuilder {
public:
    explicit IndexBuilder(std::int64_t height) : m_height(height) {}

    void add(rpc::EventScope scope, const std::vector<consensus::Event>& events,
             std::uint32_t tx_index) {
        for (const auto& e : events) {
            for (const auto& a : e.attributes) {
                if (!a.index || e.type.empty() || a.key.empty()) continue;
                // Not a key a query can name.
                if (e.type.find('\0') != std::string::npos || a.key.find('\0') != std::string::npos)
                    continue;
                m_key.clear();
                append_event_prefix(m_key, scope, {e.type, ".", a.key});
                m_key.append(a.value);
                m_key.push_back('\0');
                append_be(m_key, static_cast<std::uint64_t>(m_height));
                auto& postings = m_postings[m_key];
                if (scope != rpc::EventScope::tx) continue;
                // Txs are added in index order, so a repeat can only be the last one added.
                if (postings.size() >= 4 &&
                    read_be(ByteView(postings).last(4)) == tx_index)
                    continue;
                append_be(postings, tx_index, 4);
            }
        }
    }

    /// Every key and its postings, in key order.
    void write(store::WriteBatch& batch) const {
        std::vector<const std::pair<const std::string, Bytes>*> order;
        order.reserve(m_postings.size());
        for (const auto& kv : m_postings)
            order.push_back(&kv);
        std::sort(order.begin(), order.end(),
                  [](const auto* x, const auto* y) { return x->first < y->first; });
        for (const auto* kv : order)
            batch.put(k_eventindex_column, as_bytes(kv->first), kv->second);
    }

private:
    std::int64_t m_height;
    std::string m_key;
    std::unordered_map<std::string, Bytes> m_postings;
};

/// Event { type = 1; repeated EventAttribute attributes = 2 } as field `field` of its parent.
void put_event(Bytes& out, std::uint32_t field, const consensus::Event& e) {
    wire::Nested ev(out, field);
    wire::put_bytes(out, 1, e.type);
    for (const auto& a : e.attributes) {
        wire::Nested at(out, 2);
        wire::put_bytes(out, 1, a.key);
        wire::put_bytes(out, 2, a.value);
        wire::put_varint(out, 3, a.index ? 1 : 0);
        at.end();
    }
    ev.end();
}

}  // namespace

Bytes encode_block_results(std::int64_t height, const consensus::FinalizeBlockResponse& resp) {
    // types.proto's BlockResults, field by field, straight from the response: the generated
    // message took a copy of every event string and a destructor pass per block (issue 10).
    Bytes out;
    out.reserve(64 + resp.tx_results.size() * 1024);
    wire::put_varint(out, 1, static_cast<std::uint64_t>(height));
    for (const auto& tx : resp.tx_results) {
        wire::Nested t(out, 2);
        wire::put_varint(out, 1, tx.code);
        wire::put_bytes(out, 2, ByteView(tx.data));
        wire::put_bytes(out, 3, tx.log);
        wire::put_varint(out, 5, static_cast<std::uint64_t>(tx.gas_wanted));
        wire::put_varint(out, 6, static_cast<std::uint64_t>(tx.gas_used));
        for (const auto& e : tx.events)
            put_event(out, 7, e);
        wire::put_bytes(out, 8, tx.codespace);
        t.end();
    }
    for (const auto& e : resp.events)
        put_event(out, 3, e);
    wire::put_bytes(out, 4, ByteView(resp.app_hash.data(), resp.app_hash.size()));
    return out;
}

void ResultsStore::save(const consensus::Block& block, const consensus::FinalizeBlockResponse& resp,
                        store::WriteBatch batch) {
    const std::int64_t h = block.header.height;
    // A block's events repeat most of their attributes (the sender, action and module of
    // every message, the fee collector of every fee, the submitter and attempt of every result,
    // the validator of every vote). One key stands for each distinct (attribute, value, height)
    // and is written once, in key order. A tx key's value lists the txs that carry it
    // (ascending u32 BE indexes), so a block of N similar txs writes a few keys per tx, not one
    // per attribute.
    IndexBuilder index(h);
    index.add(rpc::EventScope::block, resp.events, 0);
    for (std::size_t i = 0; i < resp.tx_results.size(); ++i)
        index.add(rpc::EventScope::tx, resp.tx_results[i].events, static_cast<std::uint32_t>(i));
    index.write(batch);
    batch.put(k_results_column, height_key(h), encode_block_results(h, resp));
    for (std::size_t i = 0; i < block.txs.size(); ++i) {
        Bytes loc;  // TxLocation { height = 1; index = 2 }
        wire::put_varint(loc, 1, static_cast<std::uint64_t>(h));
        wire::put_varint(loc, 2, i);
        batch.put(k_txindex_column, async::tx_hash(block.txs[i]), std::move(loc));
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
