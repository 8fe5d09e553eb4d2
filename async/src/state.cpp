#include "state.hpp"

#include "params_pb.hpp"
#include "pb_util.hpp"
#include "seer/async/module.hpp"
#include "seer/common/check.hpp"
#include "seer/crypto/hash.hpp"

namespace seer::async::detail {

namespace {

constexpr std::uint8_t k_future_prefix = 'F';
constexpr std::uint8_t k_account_prefix = 'A';
const Bytes k_params_key{'P'};
const Bytes k_handlers_key{'H'};
const Bytes k_meta_key{'M'};
const Bytes k_claims_key{'R'};

// Keys are built in fixed-size buffers (g++ 12 warns falsely on a 1-element vector grown).
Bytes future_key(std::uint64_t id) {
    Bytes k(9);
    k[0] = k_future_prefix;
    for (int i = 0; i < 8; ++i)
        k[static_cast<std::size_t>(1 + i)] = static_cast<std::uint8_t>(id >> (8 * (7 - i)));
    return k;
}

Bytes account_key(const Address& a) {
    Bytes k(1 + a.size());
    k[0] = k_account_prefix;
    std::copy(a.begin(), a.end(), k.begin() + 1);
    return k;
}

template <class M>
M parse_or_die(const Bytes& b, const char* what) {
    M m;
    if (!parse(m, b)) {
        std::string msg = std::string("async state record does not decode: ") + what;
        SEER_FATAL(msg.c_str());
    }
    return m;
}

}  // namespace

bool is_final(v1::FutureStatus s) {
    return s == v1::FUTURE_STATUS_VERIFIED || s == v1::FUTURE_STATUS_FAILED ||
           s == v1::FUTURE_STATUS_TIMED_OUT;
}

State::State(store::KvStore& kv, const AppGenesis& genesis) : m_kv(kv) {
    if (m_kv.get(k_app_column, k_meta_key)) {
        load();
    } else {
        init_genesis(genesis);
    }
}

void State::init_genesis(const AppGenesis& g) {
    m_params = g.params;
    m_handlers = g.handlers;
    v1::Params p;
    to_pb(m_params, &p);
    write(k_params_key, serialize(p));
    v1::QueryHandlersResponse handlers;
    for (const auto& h : m_handlers) {
        auto* hh = handlers.add_handlers();
        hh->set_name(h.name);
        hh->set_description(h.description);
    }
    write(k_handlers_key, serialize(handlers));
    for (const auto& a : g.accounts) {
        auto address = crypto::from_bech32_address(a.address);
        SEER_CHECK(address.ok());  // validated with the genesis
        v1::Account acc;
        acc.set_address(a.address);
        if (a.pub_key) acc.set_pub_key(pb_bytes(*a.pub_key));
        acc.set_account_number(m_next_account_number++);
        acc.set_sequence(0);
        put_account(*address, acc);
    }
    seal(0);
    persist();
}

void State::load() {
    auto meta = parse_or_die<v1::Meta>(*m_kv.get(k_app_column, k_meta_key), "meta");
    m_meta_height = meta.height();
    auto hash = to_array<32>(view(meta.app_hash()));
    SEER_CHECK(hash.has_value());
    m_app_hash = *hash;
    m_next_future_id = meta.next_future_id();
    m_next_account_number = meta.next_account_number();
    m_params = from_pb(parse_or_die<v1::Params>(*m_kv.get(k_app_column, k_params_key), "params"));
    auto hs = parse_or_die<v1::QueryHandlersResponse>(*m_kv.get(k_app_column, k_handlers_key),
                                                      "handlers");
    for (const auto& h : hs.handlers())
        m_handlers.push_back({h.name(), h.description()});
    const Bytes prefix{k_future_prefix};
    m_kv.scan(k_app_column, prefix, prefix, [&](ByteView, ByteView value) {
        v1::Future f;
        if (!parse(f, value)) SEER_FATAL("async future record does not decode");
        index_add(f);
        return true;
    });
}

bool State::has_handler(const std::string& name) const {
    for (const auto& h : m_handlers)
        if (h.name == name) return true;
    return false;
}

std::optional<Bytes> State::read(const Bytes& key) const {
    auto it = m_dirty.find(key);
    if (it != m_dirty.end()) return it->second;
    it = m_sealed_view.find(key);
    if (it != m_sealed_view.end()) return it->second;
    return m_kv.get(k_app_column, key);
}

void State::write(Bytes key, std::optional<Bytes> value) {
    m_dirty[std::move(key)] = std::move(value);
}

std::optional<v1::Future> State::future(std::uint64_t id) const {
    auto b = read(future_key(id));
    if (!b) return std::nullopt;
    return parse_or_die<v1::Future>(*b, "future");
}

std::optional<v1::Account> State::account(const Address& address) const {
    auto b = read(account_key(address));
    if (!b) return std::nullopt;
    return parse_or_die<v1::Account>(*b, "account");
}

std::optional<v1::BlockClaims> State::block_claims() const {
    auto b = read(k_claims_key);
    if (!b) return std::nullopt;
    return parse_or_die<v1::BlockClaims>(*b, "block claims");
}

void State::put_block_claims(const v1::BlockClaims& claims) {
    write(k_claims_key, serialize(claims));
}

void State::put_future(const v1::Future& f) {
    index_remove(f.id());
    index_add(f);
    write(future_key(f.id()), serialize(f));
}

void State::erase_future(std::uint64_t id) {
    index_remove(id);
    write(future_key(id), std::nullopt);
}

void State::put_account(const Address& address, const v1::Account& account) {
    write(account_key(address), serialize(account));
}

const std::set<std::uint64_t>& State::with_status(v1::FutureStatus status) const {
    static const std::set<std::uint64_t> empty;
    auto it = m_by_status.find(status);
    return it == m_by_status.end() ? empty : it->second;
}

std::uint64_t State::unfinished_of(const std::string& creator) const {
    auto it = m_unfinished.find(creator);
    return it == m_unfinished.end() ? 0 : it->second;
}

void State::index_remove(std::uint64_t id) {
    auto it = m_index.find(id);
    if (it == m_index.end()) return;
    const IndexEntry& e = it->second;
    m_by_status[e.status].erase(id);
    m_by_creator.erase({e.creator, id});
    if (is_final(e.status)) {
        m_prune_queue.erase({e.final_height, id});
    } else {
        m_by_deadline.erase({e.deadline, id});
        if (--m_unfinished[e.creator] == 0) m_unfinished.erase(e.creator);
    }
    m_index.erase(it);
}

void State::index_add(const v1::Future& f) {
    IndexEntry e{f.status(), f.creator(), f.deadline_height(), f.final_height()};
    m_by_status[e.status].insert(f.id());
    m_by_creator.insert({e.creator, f.id()});
    if (is_final(e.status)) {
        m_prune_queue.insert({e.final_height, f.id()});
    } else {
        m_by_deadline.insert({e.deadline, f.id()});
        ++m_unfinished[e.creator];
    }
    m_index[f.id()] = std::move(e);
}

Hash State::seal(std::int64_t height) {
    crypto::Sha256 h;
    h.update(as_bytes("seer/async/app-hash/v1")).update(m_app_hash);
    Bytes hb;
    append_be(hb, static_cast<std::uint64_t>(height));
    h.update(hb);
    SEER_CHECK(m_sealed.empty());  // finalize_block twice without commit
    store::WriteBatch batch;
    for (const auto& [key, value] : m_dirty) {
        Bytes frame;
        append_be(frame, key.size());
        h.update(frame).update(key);
        const std::uint8_t present = value ? 1 : 0;
        h.update(ByteView(&present, 1));
        if (value) {
            Bytes len;
            append_be(len, value->size());
            h.update(len).update(*value);
            batch.put(k_app_column, key, *value);
        } else {
            batch.erase(k_app_column, key);
        }
    }
    m_app_hash = h.finish();
    m_meta_height = height;
    v1::Meta meta;
    meta.set_height(height);
    meta.set_app_hash(pb_bytes(m_app_hash));
    meta.set_next_future_id(m_next_future_id);
    meta.set_next_account_number(m_next_account_number);
    batch.put(k_app_column, k_meta_key, serialize(meta));
    m_sealed = std::move(batch);
    m_sealed_view = std::move(m_dirty);
    m_dirty.clear();
    return m_app_hash;
}

void State::persist() {
    if (m_sealed.empty()) return;
    m_kv.write(m_sealed, true);
    m_sealed.clear();
    m_sealed_view.clear();
}

}  // namespace seer::async::detail
