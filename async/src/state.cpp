#include "state.hpp"

#include "params_pb.hpp"
#include "pb_util.hpp"
#include "seer/async/module.hpp"
#include "seer/common/check.hpp"
#include "seer/crypto/hash.hpp"

namespace seer::async::detail {

namespace {

constexpr std::uint8_t k_future_prefix = 'F';
const Bytes k_params_key{'P'};
const Bytes k_handlers_key{'H'};
const Bytes k_next_id_key{'N'};
const Bytes k_claims_key{'R'};

// Keys are built in fixed-size buffers (g++ 12 warns falsely on a 1-element vector grown).
Bytes future_key(std::uint64_t id) {
    Bytes k(9);
    k[0] = k_future_prefix;
    for (int i = 0; i < 8; ++i)
        k[static_cast<std::size_t>(1 + i)] = static_cast<std::uint8_t>(id >> (8 * (7 - i)));
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

State::State(store::StateOverlay& state) : m_state(state) {
    load();
}

void State::init_genesis(store::KvView& state, const AppGenesis& g) {
    v1::Params p;
    to_pb(g.params, &p);
    state.put(k_params_key, serialize(p));
    v1::QueryHandlersResponse handlers;
    for (const auto& h : g.handlers) {
        auto* hh = handlers.add_handlers();
        hh->set_name(h.name);
        hh->set_description(h.description);
        hh->set_fee(h.fee);
        hh->set_gas(h.gas);
    }
    state.put(k_handlers_key, serialize(handlers));
    Bytes next;
    append_be(next, 1);
    state.put(k_next_id_key, next);
}

void State::load() {
    auto params = m_state.get(k_params_key);
    auto handlers = m_state.get(k_handlers_key);
    if (!params || !handlers) SEER_FATAL("async state has no params or handlers (no genesis)");
    m_params = from_pb(parse_or_die<v1::Params>(*params, "params"));
    auto hs = parse_or_die<v1::QueryHandlersResponse>(*handlers, "handlers");
    for (const auto& h : hs.handlers())
        m_handlers.push_back({h.name(), h.description(), h.fee(), h.gas()});
    const Bytes prefix{k_future_prefix};
    m_state.scan_committed(prefix, [&](ByteView, ByteView value) {
        v1::Future f;
        if (!parse(f, value)) SEER_FATAL("async future record does not decode");
        index_add(f);
        return true;
    });
}

std::uint64_t State::take_future_id() {
    auto b = m_state.get(k_next_id_key);
    SEER_CHECK(b && b->size() == 8);
    const std::uint64_t id = read_be(*b);
    Bytes next;
    append_be(next, id + 1);
    m_state.put(k_next_id_key, next);
    return id;
}

bool State::has_handler(const std::string& name) const {
    for (const auto& h : m_handlers)
        if (h.name == name) return true;
    return false;
}

std::optional<Bytes> State::read(const Bytes& key) const {
    return m_state.get(key);
}

void State::write(Bytes key, std::optional<Bytes> value) {
    m_state.set(std::move(key), std::move(value));
}

std::optional<v1::Future> State::future(std::uint64_t id) const {
    auto b = read(future_key(id));
    if (!b) return std::nullopt;
    return parse_or_die<v1::Future>(*b, "future");
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
    IndexEntry e{f.status(), f.creator(), f.deadline_height(), f.final_height(), f.handler()};
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

}  // namespace seer::async::detail
