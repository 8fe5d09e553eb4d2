#pragma once
// x/async state: records in the KV column "app", an overlay of the block's writes, in-memory
// indexes rebuilt at start-up, and the app hash. Private to async/. Consensus thread only.
//
// Keys:  'F' | id (u64 BE)   -> v1::Future
//        'A' | address (20)  -> v1::Account
//        'P'                 -> v1::Params
//        'H'                 -> v1::QueryHandlersResponse (the registry)
//        'M'                 -> v1::Meta (height, app hash, next ids)
//        'R'                 -> v1::BlockClaims (entries of the last block's results tx)
// The app hash chains the writes of each block:
//   app_hash(h) = SHA-256("seer/async/app-hash/v1" | app_hash(h-1) | h | for each written key in
//                 key order: key | present | value)
// so every node that applied the same blocks from the same genesis has the same hash.

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
#include "seer/store/kv.hpp"

namespace seer::async::detail {

namespace v1 = seer::async::v1;
using crypto::Address;
using Hash = crypto::Hash256;

bool is_final(v1::FutureStatus status);

class State {
public:
    /// Loads the state, or writes the genesis state (height 0) when the store is empty.
    State(store::KvStore& kv, const AppGenesis& genesis);

    std::int64_t height() const { return m_meta_height; }
    const Hash& app_hash() const { return m_app_hash; }
    const Params& params() const { return m_params; }
    const std::vector<HandlerInfo>& handlers() const { return m_handlers; }
    bool has_handler(const std::string& name) const;

    std::optional<v1::Future> future(std::uint64_t id) const;
    std::optional<v1::Account> account(const Address& address) const;

    void put_future(const v1::Future& future);
    void erase_future(std::uint64_t id);
    void put_account(const Address& address, const v1::Account& account);
    std::uint64_t take_future_id() { return m_next_future_id++; }

    /// End of finalize_block: the app hash over the block's writes; the writes and the new meta
    /// become one batch that persist() (commit) makes durable.
    Hash seal(std::int64_t height);
    void persist();

    // In-memory indexes (ids only).
    struct IndexEntry {
        v1::FutureStatus status = v1::FUTURE_STATUS_UNSPECIFIED;
        std::string creator;
        std::int64_t deadline = 0;
        std::int64_t final_height = 0;
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
    void init_genesis(const AppGenesis& genesis);
    void index_remove(std::uint64_t id);
    void index_add(const v1::Future& f);
    std::optional<Bytes> read(const Bytes& key) const;
    void write(Bytes key, std::optional<Bytes> value);

    store::KvStore& m_kv;
    Params m_params;
    std::vector<HandlerInfo> m_handlers;
    std::int64_t m_meta_height = 0;
    Hash m_app_hash{};
    std::uint64_t m_next_future_id = 1;
    std::uint64_t m_next_account_number = 0;

    std::map<Bytes, std::optional<Bytes>> m_dirty;        // this block's writes (nullopt = erase)
    store::WriteBatch m_sealed;                           // sealed by finalize, written by commit
    std::map<Bytes, std::optional<Bytes>> m_sealed_view;  // the same writes, for reads

    std::map<std::uint64_t, IndexEntry> m_index;
    std::map<v1::FutureStatus, std::set<std::uint64_t>> m_by_status;
    std::set<std::pair<std::string, std::uint64_t>> m_by_creator;
    std::set<std::pair<std::int64_t, std::uint64_t>> m_by_deadline;  // unfinished only
    std::set<std::pair<std::int64_t, std::uint64_t>> m_prune_queue;  // final only
    std::map<std::string, std::uint64_t> m_unfinished;
};

}  // namespace seer::async::detail
