#pragma once
// Key-prefix helpers shared by the KvStore implementations (private to store/).

#include <algorithm>
#include <optional>

#include "seer/common/bytes.hpp"

namespace seer::store::detail {

inline bool starts_with(ByteView key, ByteView prefix) {
    return key.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), key.begin());
}

/// The smallest key greater than every key that starts with `prefix`: drop trailing 0xFF bytes
/// and increment the last remaining one. nullopt when there is none (empty or all-0xFF prefix):
/// the range then runs to the end of the column.
inline std::optional<Bytes> prefix_successor(ByteView prefix) {
    Bytes out(prefix.begin(), prefix.end());
    while (!out.empty() && out.back() == 0xff)
        out.pop_back();
    if (out.empty()) return std::nullopt;
    ++out.back();
    return out;
}

}  // namespace seer::store::detail
