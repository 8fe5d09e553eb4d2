#include "seer/crypto/merkle.hpp"

#include <bit>

namespace seer::crypto {

namespace {

Hash256 leaf_hash(const Bytes& leaf) {
    const std::uint8_t prefix = 0x00;
    Sha256 h;
    h.update(ByteView(&prefix, 1)).update(leaf);
    return h.finish();
}

Hash256 node_hash(const Hash256& left, const Hash256& right) {
    const std::uint8_t prefix = 0x01;
    Sha256 h;
    h.update(ByteView(&prefix, 1)).update(left).update(right);
    return h.finish();
}

// MTH(D[n]) of RFC 6962 section 2.1, for n >= 1.
Hash256 subtree_root(std::span<const Bytes> leaves) {
    if (leaves.size() == 1) return leaf_hash(leaves.front());
    // The largest power of two strictly smaller than n.
    const std::size_t k = std::bit_floor(leaves.size() - 1);
    return node_hash(subtree_root(leaves.first(k)), subtree_root(leaves.subspan(k)));
}

}  // namespace

Hash256 merkle_root(std::span<const Bytes> leaves) {
    if (leaves.empty()) return sha256({});
    return subtree_root(leaves);
}

}  // namespace seer::crypto
