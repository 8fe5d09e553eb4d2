// BlockStore over the "blocks" column family.
//
// Key layout (heights are big-endian u64, so byte order is height order and a reverse scan
// finds the latest height; heights are always >= 1):
//   "H:" + be64(height)  -> block bytes (seer.types.v1.Block)
//   "C:" + be64(height)  -> extended commit bytes that decided that block
//   "X:" + hash (32 B)   -> be64(height)
//   "meta"               -> be64(base) + be64(height)
// save() writes H, C, X and meta in one synced batch, so after a crash either all of a block is
// stored and the height covers it, or none of it is. The constructor trusts only "meta".

#include <algorithm>
#include <array>
#include <cstring>
#include <string>

#include "seer/common/check.hpp"
#include "seer/store/block_store.hpp"

namespace seer::store {
namespace {

constexpr std::string_view k_meta_key = "meta";

Bytes height_key(char tag, std::int64_t height) {
    Bytes key{static_cast<std::uint8_t>(tag), ':'};
    append_be(key, static_cast<std::uint64_t>(height));
    return key;
}

Bytes hash_key(const crypto::Hash256& hash) {
    Bytes key(2 + hash.size());
    key[0] = 'X';
    key[1] = ':';
    std::copy(hash.begin(), hash.end(), key.begin() + 2);
    return key;
}

Bytes height_value(std::int64_t height) {
    Bytes out;
    append_be(out, static_cast<std::uint64_t>(height));
    return out;
}

Bytes meta_value(std::int64_t base, std::int64_t height) {
    Bytes out;
    append_be(out, static_cast<std::uint64_t>(base));
    append_be(out, static_cast<std::uint64_t>(height));
    return out;
}

}  // namespace

BlockStore::BlockStore(KvStore& kv) : m_kv(kv) {
    auto meta = m_kv.get(k_blocks_column, as_bytes(k_meta_key));
    if (!meta) return;
    if (meta->size() != 16) SEER_FATAL("block store: corrupt meta record");
    auto base = static_cast<std::int64_t>(read_be(ByteView(*meta).first(8)));
    auto height = static_cast<std::int64_t>(read_be(ByteView(*meta).subspan(8)));
    if (base < 1 || height < base) SEER_FATAL("block store: meta record out of range");
    m_base = base;
    m_height = height;
}

void BlockStore::save(std::int64_t height, const crypto::Hash256& hash, ByteView block,
                      ByteView extended_commit) {
    const std::int64_t current = m_height;
    SEER_CHECK(height >= 1);
    SEER_CHECK(current == 0 || height == current + 1);
    const std::int64_t base = current == 0 ? height : m_base.load();

    WriteBatch batch;
    batch.put(k_blocks_column, height_key('H', height), block);
    batch.put(k_blocks_column, height_key('C', height), extended_commit);
    batch.put(k_blocks_column, hash_key(hash), height_value(height));
    batch.put(k_blocks_column, as_bytes(k_meta_key), meta_value(base, height));
    m_kv.write(batch, /*sync=*/true);

    m_base = base;
    m_height = height;
}

void BlockStore::save_extended_commit(std::int64_t height, ByteView extended_commit) {
    SEER_CHECK(m_height > 0 && height >= m_base && height <= m_height);
    WriteBatch batch;
    batch.put(k_blocks_column, height_key('C', height), extended_commit);
    m_kv.write(batch, /*sync=*/true);
}

std::optional<Bytes> BlockStore::block(std::int64_t height) const {
    if (height < 1) return std::nullopt;
    return m_kv.get(k_blocks_column, height_key('H', height));
}

std::optional<std::int64_t> BlockStore::height_of(const crypto::Hash256& hash) const {
    auto value = m_kv.get(k_blocks_column, hash_key(hash));
    if (!value) return std::nullopt;
    if (value->size() != 8) SEER_FATAL("block store: corrupt hash index record");
    return static_cast<std::int64_t>(read_be(*value));
}

std::optional<Bytes> BlockStore::block_by_hash(const crypto::Hash256& hash) const {
    auto height = height_of(hash);
    if (!height) return std::nullopt;
    return block(*height);
}

std::optional<Bytes> BlockStore::extended_commit(std::int64_t height) const {
    if (height < 1) return std::nullopt;
    return m_kv.get(k_blocks_column, height_key('C', height));
}

}  // namespace seer::store
