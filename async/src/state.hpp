#pragma once
// x/async state: records in the application state (store::StateOverlay, which also chains the
// app hash), and in-memory indexes rebuilt at start-up. Private to async/. Consensus thread only.
//
// Keys:  'F' | id (u64 BE)   -> v1::Future
//        'P'                 -> v1::Params
//        'H'                 -> v1::QueryHandlersResponse (the registry)
//        'N'                 -> next future ID (u64 BE)
//        'R'                 -> v1::BlockClaims (entries of the last block's results tx)

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "seer/async/params.hpp"
#include "seer/async/v1/async.pb.h"
#include "seer/crypto/address.hpp"
#include "seer/crypto/hash.hpp"
#include "seer/store/state_overlay.hpp"

namespace seer::async::detail {

namespace v1 = seer::async::v1;
using crypto::Address;
using Hash = crypto::Hash256;

bool is_final(v1::FutureStatus status);

class State {
public:
    /// Loads the module's records and rebuilds the indexes (the genesis is already written).
    explicit State(store::StateOverlay& state);
    static void init_genesis(store::KvView& state, const AppGenesis& genesis);

    std::int64_t height() const { return m_state.height(); }
    const Params& params() const { return m_params; }
    const std::vector<HandlerInfo>& handlers() const { return m_handlers; }
    bool has_handler(const std::string& name) const;

    std::optional<v1::Future> future(std::uint64_t id) const;

    void put_future(const v1::Future& future);
    void erase_future(std::uint64_t id);
    std::uint64_t take_future_id();

    // In-memory indexes (ids only).
    struct IndexEntry {
        v1::FutureStatus status = v1::FUTURE_STATUS_UNSPECIFIED;
        std::string creator;
        std::int64_t deadline = 0;
        std::int64_t final_height = 0;
        std::string handler;  // the futures query's handler filter
    };
    const std::map<std::uint64_t, IndexEntry>& index() const { return m_index; }
    const std::set<std::uint64_t>& with_status(v1::FutureStatus status) const;
    const std::set<std::pair<std::string, std::uint64_t>>& by_creator() const {
        return m_by_creator;
    }
    const std::set<std::pair<std::int64_t, std::uint64_t>>& by_deadline() const {
        return m_by_deadline;
    }
    const std::set<std::pair<std::int64_t, std::uint64_t>>& prune_queue() const {
        return m_prune_queue;
    }
    std::uint64_t unfinished_of(const std::string& creator) const;
    /// PENDING + EXECUTED futures (admission control).
    std::uint64_t unfinished_total() const { return m_by_deadline.size(); }

    /// The (future, attempt) pairs of the last results tx, for the vote bits that name them.
    std::optional<v1::BlockClaims> block_claims() const;
    void put_block_claims(const v1::BlockClaims& claims);
    std::size_t size() const { return m_index.size(); }

private:
    void load();
    void index_remove(std::uint64_t id);
    void index_add(const v1::Future& f);
    std::optional<Bytes> read(const Bytes& key) const;
    void write(Bytes key, std::optional<Bytes> value);

    store::StateOverlay& m_state;
    Params m_params;
    std::vector<HandlerInfo> m_handlers;

    std::map<std::uint64_t, IndexEntry> m_index;
    std::map<v1::FutureStatus, std::set<std::uint64_t>> m_by_status;
    std::set<std::pair<std::string, std::uint64_t>> m_by_creator;
    std::set<std::pair<std::int64_t, std::uint64_t>> m_by_deadline;  // unfinished only
    std::set<std::pair<std::int64_t, std::uint64_t>> m_prune_queue;  // final only
    std::map<std::string, std::uint64_t> m_unfinished;
};

}  // namespace seer::async::detail
