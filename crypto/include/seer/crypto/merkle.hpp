#pragma once
// RFC 6962 Merkle tree hash: leaf = SHA-256(0x00 || d), node = SHA-256(0x01 || l || r),
// empty tree = SHA-256(""), split at the largest power of two smaller than n.

#include <span>
#include <vector>

#include "seer/common/bytes.hpp"
#include "seer/crypto/hash.hpp"

namespace seer::crypto {

Hash256 merkle_root(std::span<const Bytes> leaves);

}  // namespace seer::crypto
