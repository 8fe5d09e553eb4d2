#pragma once
// Byte vocabulary used across seer: owned bytes, views, fixed arrays and hex.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace seer {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

inline ByteView as_bytes(std::string_view s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

inline Bytes to_bytes(std::string_view s) {
    return Bytes(s.begin(), s.end());
}

inline std::string to_string(ByteView b) {
    return std::string(b.begin(), b.end());
}

/// Lower-case hex by default; CometBFT renders hashes upper-case (`upper = true`).
inline std::string to_hex(ByteView b, bool upper = false) {
    const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    std::string out;
    out.reserve(b.size() * 2);
    for (std::uint8_t c : b) {
        out.push_back(digits[c >> 4]);
        out.push_back(digits[c & 0x0f]);
    }
    return out;
}

/// Accepts upper or lower case; nullopt on odd length or a non-hex digit.
inline std::optional<Bytes> from_hex(std::string_view s) {
    if (s.size() % 2 != 0) return std::nullopt;
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    Bytes out;
    out.reserve(s.size() / 2);
    for (std::size_t i = 0; i < s.size(); i += 2) {
        int hi = nibble(s[i]);
        int lo = nibble(s[i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out.push_back(static_cast<std::uint8_t>((hi << 4) | lo));
    }
    return out;
}

/// Appends the low `n` bytes of `v` (n <= 8), most significant first: the encoding that keeps
/// numbers in key order.
/// `Out` is Bytes or std::string (a key built in a string buffer).
template <class Out = Bytes>
void append_be(Out& out, std::uint64_t v, int n = 8) {
    for (int i = n - 1; i >= 0; --i)
        out.push_back(static_cast<typename Out::value_type>(static_cast<std::uint8_t>(v >> (8 * i))));
}

/// The big-endian number in `b` (at most 8 bytes).
inline std::uint64_t read_be(ByteView b) {
    std::uint64_t v = 0;
    for (auto c : b)
        v = (v << 8) | c;
    return v;
}

template <std::size_t N>
std::optional<std::array<std::uint8_t, N>> to_array(ByteView b) {
    if (b.size() != N) return std::nullopt;
    std::array<std::uint8_t, N> out{};
    for (std::size_t i = 0; i < N; ++i)
        out[i] = b[i];
    return out;
}

}  // namespace seer
