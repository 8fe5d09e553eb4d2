#include "seer/consensus/sign_bytes.hpp"

#include "canonical.hpp"

namespace seer::consensus {

// Layouts are specified in docs/adr/0001-canonical-sign-bytes.md; changing any byte here is a
// consensus-breaking change.
namespace {
constexpr std::string_view k_vote_tag = "seer/vote/v1";
constexpr std::string_view k_extension_tag = "seer/vote-extension/v1";
constexpr std::string_view k_proposal_tag = "seer/proposal/v1";
}  // namespace

Bytes vote_sign_bytes(std::string_view chain_id, VoteType type, std::int64_t height,
                      std::int32_t round, const BlockId& block_id) {
    detail::CanonicalWriter w;
    w.str(k_vote_tag)
        .str(chain_id)
        .u8(static_cast<std::uint8_t>(type))
        .i64(height)
        .i32(round)
        .raw(block_id.hash);
    return w.take();
}

Bytes extension_sign_bytes(std::string_view chain_id, std::int64_t height, std::int32_t round,
                           ByteView extension) {
    detail::CanonicalWriter w;
    w.str(k_extension_tag).str(chain_id).i64(height).i32(round).bytes(extension);
    return w.take();
}

Bytes proposal_sign_bytes(std::string_view chain_id, const Proposal& p) {
    detail::CanonicalWriter w;
    w.str(k_proposal_tag)
        .str(chain_id)
        .i64(p.height)
        .i32(p.round)
        .i32(p.pol_round)
        .raw(p.block_id.hash);
    return w.take();
}

}  // namespace seer::consensus
