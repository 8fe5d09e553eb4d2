#pragma once
// Proto encoding of the chain types (seer.types.v1) and of consensus messages. Decoders take
// untrusted bytes: they check sizes and shapes and return a Result, never throw.

#include <cstdint>
#include <optional>
#include <vector>
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
inline constexpr int k_max_status_polkas = 16;
/// Distinct blocks per vote type in a status (honest rounds have one or two: a block and nil).
inline constexpr int k_max_status_groups = 16;
/// Validators a status may describe (the bit arrays' length).
inline constexpr std::uint32_t k_max_status_validators = 10000;

/// libprotobuf logs parse problems (e.g. invalid UTF-8 in a string field) at ERROR on stderr,
/// which would let any peer flood the operator's log. Routes them to the "protobuf" logger at
/// debug instead. Idempotent; every decoder here calls it.
void route_protobuf_logs();

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
/// Names a validator's vote in a status: 0 = no vote, 1 = nil, else the first 31 bits of the
/// block hash with the top bit set. A peer whose vote of a validator has another tag gets ours,
/// so both versions of an equivocation reach every honest node.
std::uint32_t vote_tag(const BlockId& id);

/// The validators with a vote for one block (by tag) in one (height, round, type).
struct VoteBits {
    std::uint32_t tag = 0;
    std::vector<bool> bits;  // by validator index
    bool operator==(const VoteBits&) const = default;
};

/// A node's position, so peers can send what it lacks (docs/architecture.md, "Gossip").
struct StatusMessage {
    std::int64_t height = 0;
    std::int32_t round = 0;
    Step step = Step::propose;
    bool has_proposal = false;
    /// The number of validators at `height`; every bit array has this many bits.
    std::uint32_t validator_count = 0;
    /// The sender's own validator index, if it is a validator. A hint for gossip only: nothing
    /// trusts it beyond choosing whom to relay to.
    std::optional<std::uint32_t> self_index;
    /// Validators whose node is a direct peer of the sender (its own index included): a vote of
    /// such a validator reaches the sender without a relay. Empty: unknown (relay everything).
    std::vector<bool> direct;
    /// The sender's votes of (height, round), grouped by block, at most k_max_status_groups.
    std::vector<VoteBits> prevotes;
    std::vector<VoteBits> precommits;
    /// Rounds where the sender has +2/3 prevotes for a block, so peers can send the prevotes
    /// (and block) of polkas it lacks, including a byzantine validator's second prevote.
    std::vector<std::pair<std::int32_t, BlockId>> polkas;
    bool operator==(const StatusMessage&) const = default;
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
