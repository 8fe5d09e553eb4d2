// WriteBatch: an ordered list of puts and deletes, applied all-or-nothing by a KvStore.

#include "seer/store/kv.hpp"

namespace seer::store {

void WriteBatch::put(std::string_view column, ByteView key, ByteView value) {
    m_ops.push_back(Op{std::string(column), Bytes(key.begin(), key.end()),
                       Bytes(value.begin(), value.end()), false});
}

void WriteBatch::erase(std::string_view column, ByteView key) {
    m_ops.push_back(Op{std::string(column), Bytes(key.begin(), key.end()), Bytes{}, true});
}

}  // namespace seer::store
