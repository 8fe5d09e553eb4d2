#pragma once
// The Cosmos SDK's pagination over an ordered key list (cosmos.base.query.v1beta1.PageRequest):
// `key` starts at that key (inclusive, in the page's direction) and excludes `offset`; `limit`
// 0 means the default; `count_total` fills the total when no key is given; `reverse` visits in
// descending order. `next_key` is the key after the page's last entry, empty on the last page.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "seer/common/bytes.hpp"
#include "seer/common/result.hpp"

namespace seer {

struct PageSpec {
    Bytes key;
    std::uint64_t offset = 0;
    std::uint64_t limit = 0;
    bool count_total = false;
    bool reverse = false;
};

struct PageResult {
    std::vector<std::size_t> positions;  // indexes into the key list, in page order
    Bytes next_key;
    std::optional<std::uint64_t> total;
};

/// `keys` must be ascending. Fails (invalid request) when both key and offset are set.
inline Result<PageResult> paginate(const std::vector<Bytes>& keys, const PageSpec& spec,
                                   std::uint64_t default_limit, std::uint64_t max_limit) {
    if (!spec.key.empty() && spec.offset != 0)
        return make_error("invalid_request",
                          "paginate: invalid request, either offset or key is expected, got both");
    std::uint64_t limit = spec.limit == 0 ? default_limit : spec.limit;
    if (limit > max_limit) limit = max_limit;
    PageResult out;
    const std::size_t n = keys.size();
    // Position of the first entry in visiting order.
    std::size_t first = 0;  // in visiting order: 0..n
    if (!spec.key.empty()) {
        if (!spec.reverse) {
            std::size_t i = 0;
            while (i < n && keys[i] < spec.key)
                ++i;
            first = i;
        } else {
            std::size_t i = n;
            while (i > 0 && keys[i - 1] > spec.key)
                --i;
            first = n - i;  // visiting index of keys[i-1]
        }
    } else {
        first = spec.offset >= n ? n : static_cast<std::size_t>(spec.offset);
        if (spec.count_total) out.total = n;
    }
    auto at = [&](std::size_t visit) { return spec.reverse ? n - 1 - visit : visit; };
    std::size_t v = first;
    for (; v < n && out.positions.size() < limit; ++v)
        out.positions.push_back(at(v));
    if (v < n) out.next_key = keys[at(v)];
    return out;
}

}  // namespace seer
