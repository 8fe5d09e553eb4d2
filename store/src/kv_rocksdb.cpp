// RocksDB KvStore: the node's storage. RocksDB headers stay in this file.
//
// Thread-safe (rocksdb::DB is). Every RocksDB failure is fatal (see kv.hpp): the node cannot
// continue on storage that may have lost a write; a restart recovers from the last atomic batch.
// Opening creates the database and any missing column family, and also opens every column
// family already on disk, so a database written by a newer build (more columns) still opens.

#include <rocksdb/db.h>
#include <rocksdb/iterator.h>
#include <rocksdb/options.h>
#include <rocksdb/slice.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "prefix.hpp"
#include "seer/common/check.hpp"
#include "seer/store/kv.hpp"

namespace seer::store {
namespace {

using detail::starts_with;

constexpr std::size_t k_memtable_bytes = 8u << 20;

rocksdb::Slice to_slice(ByteView b) {
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}

ByteView to_view(const rocksdb::Slice& s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

[[noreturn]] void fatal_status(const std::string& what, const rocksdb::Status& status) {
    std::string msg = "rocksdb: " + what + ": " + status.ToString();
    SEER_FATAL(msg.c_str());
}

class RocksKvStore final : public KvStore {
public:
    RocksKvStore(const std::string& path, const std::vector<std::string>& columns) {
        rocksdb::DBOptions options;
        options.create_if_missing = true;
        options.create_missing_column_families = true;

        std::set<std::string> names(columns.begin(), columns.end());
        names.insert(rocksdb::kDefaultColumnFamilyName);
        std::vector<std::string> existing;
        // Fails when the database does not exist yet; then there is nothing to add.
        if (rocksdb::DB::ListColumnFamilies(options, path, &existing).ok()) {
            names.insert(existing.begin(), existing.end());
        }

        std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
        for (const auto& name : names) {
            rocksdb::ColumnFamilyOptions cf;
            // 8 MiB memtables instead of 64: a loaded validator writes ~25 keys per tx, and a
            // skip-list insert into a 64 MiB memtable was a cache miss per level (ADR 0007).
            cf.write_buffer_size = k_memtable_bytes;
            descriptors.emplace_back(name, cf);
        }
        std::vector<rocksdb::ColumnFamilyHandle*> handles;
        rocksdb::DB* db = nullptr;
        rocksdb::Status status = rocksdb::DB::Open(options, path, descriptors, &handles, &db);
        if (!status.ok()) fatal_status("open " + path, status);
        m_db.reset(db);
        for (auto* handle : handles)
            m_handles.emplace(handle->GetName(), handle);
    }

    ~RocksKvStore() override {
        for (auto& [name, handle] : m_handles) {
            rocksdb::Status status = m_db->DestroyColumnFamilyHandle(handle);
            if (!status.ok()) fatal_status("destroy column family " + name, status);
        }
        m_handles.clear();
        rocksdb::Status status = m_db->Close();
        if (!status.ok()) fatal_status("close", status);
    }

    RocksKvStore(const RocksKvStore&) = delete;
    RocksKvStore& operator=(const RocksKvStore&) = delete;

    std::optional<Bytes> get(std::string_view column, ByteView key) const override {
        rocksdb::PinnableSlice value;
        rocksdb::Status status =
            m_db->Get(rocksdb::ReadOptions(), handle(column), to_slice(key), &value);
        if (status.IsNotFound()) return std::nullopt;
        if (!status.ok()) fatal_status("get", status);
        ByteView v = to_view(value);
        return Bytes(v.begin(), v.end());
    }

    void write(const WriteBatch& batch, bool sync) override {
        rocksdb::WriteBatch rb;
        for (const auto& op : batch.ops()) {
            rocksdb::ColumnFamilyHandle* cf = handle(op.column);
            rocksdb::Status status = op.erase ? rb.Delete(cf, to_slice(op.key))
                                              : rb.Put(cf, to_slice(op.key), to_slice(op.value));
            if (!status.ok()) fatal_status("batch op", status);
        }
        rocksdb::WriteOptions options;
        options.sync = sync;
        rocksdb::Status status = m_db->Write(options, &rb);
        if (!status.ok()) fatal_status("write", status);
    }

    void scan(std::string_view column, ByteView prefix, ByteView start,
              const std::function<bool(ByteView key, ByteView value)>& visit) const override {
        std::unique_ptr<rocksdb::Iterator> it(
            m_db->NewIterator(rocksdb::ReadOptions(), handle(column)));
        bool start_first =
            std::lexicographical_compare(start.begin(), start.end(), prefix.begin(), prefix.end());
        it->Seek(to_slice(start_first ? prefix : start));
        for (; it->Valid(); it->Next()) {
            ByteView key = to_view(it->key());
            if (!starts_with(key, prefix)) break;
            if (!visit(key, to_view(it->value()))) return;
        }
        if (!it->status().ok()) fatal_status("scan", it->status());
    }

    void scan_reverse(
        std::string_view column, ByteView prefix,
        const std::function<bool(ByteView key, ByteView value)>& visit) const override {
        std::unique_ptr<rocksdb::Iterator> it(
            m_db->NewIterator(rocksdb::ReadOptions(), handle(column)));
        // Position on the last key with `prefix`: the entry before the prefix's successor.
        std::optional<Bytes> end = detail::prefix_successor(prefix);
        if (end) {
            it->Seek(to_slice(*end));
            if (it->Valid()) {
                it->Prev();
            } else if (it->status().ok()) {
                it->SeekToLast();
            }
        } else {
            it->SeekToLast();
        }
        for (; it->Valid(); it->Prev()) {
            ByteView key = to_view(it->key());
            if (!starts_with(key, prefix)) break;
            if (!visit(key, to_view(it->value()))) return;
        }
        if (!it->status().ok()) fatal_status("scan_reverse", it->status());
    }

    std::uint64_t approximate_bytes(std::string_view column) const override {
        std::uint64_t files = 0;
        std::uint64_t memtables = 0;
        m_db->GetIntProperty(handle(column), "rocksdb.estimate-live-data-size", &files);
        m_db->GetIntProperty(handle(column), "rocksdb.cur-size-all-mem-tables", &memtables);
        return files + memtables;
    }

private:
    rocksdb::ColumnFamilyHandle* handle(std::string_view column) const {
        auto it = m_handles.find(column);
        if (it == m_handles.end()) {
            std::string msg = "rocksdb: unknown column family '" + std::string(column) + "'";
            SEER_BUG(msg.c_str());
        }
        return it->second;
    }

    std::unique_ptr<rocksdb::DB> m_db;
    std::map<std::string, rocksdb::ColumnFamilyHandle*, std::less<>> m_handles;
};

}  // namespace

std::unique_ptr<KvStore> open_rocksdb(const std::string& path,
                                      const std::vector<std::string>& columns) {
    return std::make_unique<RocksKvStore>(path, columns);
}

}  // namespace seer::store
