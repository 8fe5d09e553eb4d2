#pragma once
// Protobuf wire format, by hand, for the few hot paths where building a generated message only
// to serialize it costs more than the write itself (block results, mempool batches). The bytes
// are what the generated code writes for the same fields in field order: the generated parsers
// read them back, and tests compare the two encodings.

#include <cstdint>
#include <optional>
#include <string_view>

#include "seer/common/bytes.hpp"

namespace seer::wire {

enum class WireType : std::uint8_t { varint = 0, len = 2 };

inline void append_varint(Bytes& out, std::uint64_t v) {
    while (v >= 0x80) {
        out.push_back(static_cast<std::uint8_t>(v | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<std::uint8_t>(v));
}

inline std::size_t varint_size(std::uint64_t v) {
    std::size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        ++n;
    }
    return n;
}

inline void append_tag(Bytes& out, std::uint32_t field, WireType type) {
    append_varint(out, (static_cast<std::uint64_t>(field) << 3) | static_cast<std::uint8_t>(type));
}

/// A varint field, omitted at 0 as proto3 does. int64 values go as their two's complement.
inline void put_varint(Bytes& out, std::uint32_t field, std::uint64_t v) {
    if (v == 0) return;
    append_tag(out, field, WireType::varint);
    append_varint(out, v);
}

/// A string or bytes field, omitted when empty as proto3 does.
inline void put_bytes(Bytes& out, std::uint32_t field, std::string_view v) {
    if (v.empty()) return;
    append_tag(out, field, WireType::len);
    append_varint(out, v.size());
    out.insert(out.end(), v.begin(), v.end());
}

inline void put_bytes(Bytes& out, std::uint32_t field, ByteView v) {
    put_bytes(out, field, std::string_view(reinterpret_cast<const char*>(v.data()), v.size()));
}

/// An embedded message whose length is not known before it is written: reserve the tag and a
/// one-byte length, write the body, then `end` moves the body if the length needs more bytes.
/// Always written (an empty repeated element is still an element).
class Nested {
public:
    Nested(Bytes& out, std::uint32_t field) : m_out(out) {
        append_tag(out, field, WireType::len);
        m_at = out.size();
        out.push_back(0);
    }
    void end() {
        const std::size_t len = m_out.size() - m_at - 1;
        const std::size_t extra = varint_size(len) - 1;
        if (extra > 0) m_out.insert(m_out.begin() + static_cast<std::ptrdiff_t>(m_at + 1), extra, 0);
        std::size_t i = m_at;
        std::uint64_t v = len;
        while (v >= 0x80) {
            m_out[i++] = static_cast<std::uint8_t>(v | 0x80);
            v >>= 7;
        }
        m_out[i] = static_cast<std::uint8_t>(v);
    }

private:
    Bytes& m_out;
    std::size_t m_at = 0;
};

inline std::optional<std::uint64_t> read_varint(ByteView b, std::size_t& at) {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64 && at < b.size(); shift += 7) {
        const std::uint8_t c = b[at++];
        v |= static_cast<std::uint64_t>(c & 0x7f) << shift;
        if (!(c & 0x80)) return v;
    }
    return std::nullopt;
}

}  // namespace seer::wire
