#pragma once
// Canonical sign bytes: domain tag, chain ID, then fixed-width big-endian fields.
// See docs/adr/0001-canonical-sign-bytes.md for the exact layouts.

#include <string_view>

#include "seer/consensus/types.hpp"

namespace seer::consensus {

Bytes vote_sign_bytes(std::string_view chain_id, VoteType type, std::int64_t height,
                      std::int32_t round, const BlockId& block_id);
inline Bytes vote_sign_bytes(std::string_view chain_id, const Vote& v) {
    return vote_sign_bytes(chain_id, v.type, v.height, v.round, v.block_id);
}
Bytes extension_sign_bytes(std::string_view chain_id, std::int64_t height, std::int32_t round,
                           ByteView extension);
Bytes proposal_sign_bytes(std::string_view chain_id, const Proposal& proposal);

}  // namespace seer::consensus
