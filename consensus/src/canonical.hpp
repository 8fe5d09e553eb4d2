#pragma once
// Canonical byte writer for sign bytes and hashes: fixed-width big-endian integers and
// u32-length-prefixed byte strings. Private to consensus/.

#include <cstdint>
#include <string_view>

#include "seer/common/bytes.hpp"

namespace seer::consensus::detail {

class CanonicalWriter {
public:
    CanonicalWriter& u8(std::uint8_t v) {
        m_out.push_back(v);
        return *this;
    }
    CanonicalWriter& u32(std::uint32_t v) {
        for (int i = 3; i >= 0; --i) m_out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
        return *this;
    }
    CanonicalWriter& u64(std::uint64_t v) {
        for (int i = 7; i >= 0; --i) m_out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
        return *this;
    }
    CanonicalWriter& i64(std::int64_t v) { return u64(static_cast<std::uint64_t>(v)); }
    CanonicalWriter& i32(std::int32_t v) { return u32(static_cast<std::uint32_t>(v)); }
    /// Length-prefixed bytes.
    CanonicalWriter& bytes(ByteView b) {
        u32(static_cast<std::uint32_t>(b.size()));
        m_out.insert(m_out.end(), b.begin(), b.end());
        return *this;
    }
    CanonicalWriter& str(std::string_view s) { return bytes(as_bytes(s)); }
    /// Fixed-size bytes with no prefix (hashes, addresses).
    CanonicalWriter& raw(ByteView b) {
        m_out.insert(m_out.end(), b.begin(), b.end());
        return *this;
    }
    Bytes take() { return std::move(m_out); }

private:
    Bytes m_out;
};

}  // namespace seer::consensus::detail
