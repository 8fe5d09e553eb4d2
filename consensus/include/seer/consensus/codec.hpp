#pragma once
// Proto encoding of the chain types (seer.types.v1) and of consensus messages. Decoders take
// untrusted bytes: they check sizes and shapes and return a Result, never throw.

#include <cstdint>
#include <variant>

#include "seer/common/result.hpp"
#include "seer/consensus/types.hpp"
#include "seer/consensus/validator_set.hpp"

namespace seer::consensus {

/// Named limits for untrusted input.
inline constexpr std::size_t k_max_signature_bytes = 64;
inline constexpr std::size_t k_max_extension_bytes_hard = 1u << 20;  // beyond any params
inline constexpr std::size_t k_max_block_bytes_hard = 64u << 20;
inline constexpr std::int32_t k_max_round = 1 << 20;

Bytes encode(const Block& block);
Bytes encode(const ExtendedCommit& commit);
Bytes encode(const Vote& vote);
Result<Block> decode_block(ByteView bytes);
Result<ExtendedCommit> decode_extended_commit(ByteView bytes);
Result<Vote> decode_vote(ByteView bytes);

/// Gossip between consensus drivers (the simulation's network and, later, p2p channels).
struct ProposalMessage {
    Proposal proposal;
    Block block;
};
struct VoteMessage {
    Vote vote;
};
/// A node's position, so peers can send what it lacks.
struct StatusMessage {
    std::int64_t height = 0;
    std::int32_t round = 0;
    bool has_proposal = false;
    std::vector<bool> prevotes;    // by validator index, for (height, round)
    std::vector<bool> precommits;  // by validator index, for (height, round)
};
struct BlockRequestMessage {
    std::int64_t height = 0;
};
struct BlockResponseMessage {
    Block block;
    ExtendedCommit commit;  // decides `block`
};
using Message = std::variant<ProposalMessage, VoteMessage, StatusMessage, BlockRequestMessage,
                             BlockResponseMessage>;

Bytes encode_message(const Message& message);
Result<Message> decode_message(ByteView bytes, std::size_t max_bytes);

/// WAL records.
struct TimeoutRecord {
    std::int64_t height = 0;
    std::int32_t round = 0;
    Step step = Step::propose;
};
struct EndHeightRecord {
    std::int64_t height = 0;
};
using WalRecord = std::variant<ProposalMessage, Vote, TimeoutRecord, EndHeightRecord>;
Bytes encode_wal_record(const WalRecord& record);
Result<WalRecord> decode_wal_record(ByteView bytes);

}  // namespace seer::consensus
