#include "seer/consensus/types.hpp"

#include "canonical.hpp"
#include "seer/crypto/merkle.hpp"

namespace seer::consensus {

namespace {
constexpr std::string_view k_header_tag = "seer/header/v1";
constexpr std::string_view k_commit_tag = "seer/extended-commit/v1";
}  // namespace

Hash block_hash(const Header& h) {
    detail::CanonicalWriter w;
    w.str(k_header_tag)
        .str(h.chain_id)
        .i64(h.height)
        .i64(h.time)
        .raw(h.last_block_id.hash)
        .raw(h.last_commit_hash)
        .raw(h.data_hash)
        .raw(h.validators_hash)
        .raw(h.app_hash)
        .raw(h.proposer_address);
    return crypto::sha256(w.take());
}

Hash commit_hash(const ExtendedCommit& c) {
    detail::CanonicalWriter w;
    w.str(k_commit_tag).i64(c.height).i32(c.round).raw(c.block_id.hash);
    w.u32(static_cast<std::uint32_t>(c.signatures.size()));
    for (const auto& s : c.signatures) {
        w.u8(static_cast<std::uint8_t>(s.flag))
            .raw(s.validator_address)
            .bytes(s.signature)
            .bytes(s.extension)
            .bytes(s.extension_signature);
    }
    return crypto::sha256(w.take());
}

Hash data_hash(const std::vector<Bytes>& txs) {
    return crypto::merkle_root(txs);
}

std::string to_string(VoteType type) {
    switch (type) {
        case VoteType::prevote: return "prevote";
        case VoteType::precommit: return "precommit";
    }
    return "unknown";
}

std::string to_string(Step step) {
    switch (step) {
        case Step::propose: return "propose";
        case Step::prevote: return "prevote";
        case Step::precommit: return "precommit";
    }
    return "unknown";
}

}  // namespace seer::consensus
