#pragma once
// Chain types as plain C++ values. The wire/storage encoding is proto (codec.hpp); signatures
// are over canonical sign bytes (sign_bytes.hpp), never over a proto encoding.

#include <compare>
#include <cstdint>
#include <string>
#include <vector>

#include "seer/common/bytes.hpp"
#include "seer/crypto/address.hpp"
#include "seer/crypto/ed25519.hpp"
#include "seer/crypto/hash.hpp"

namespace seer::consensus {

using Hash = crypto::Hash256;
using Address = crypto::Address;
/// Unix time in nanoseconds.
using Timestamp = std::int64_t;

/// Names a block. The proposal carries the whole block, so there are no part sets.
struct BlockId {
    Hash hash{};
    bool is_nil() const {
        for (auto b : hash)
            if (b != 0) return false;
        return true;
    }
    auto operator<=>(const BlockId&) const = default;
};

enum class VoteType : std::uint8_t { prevote = 1, precommit = 2 };

/// Steps of a round; the numeric order is the privval's (proposal < prevote < precommit).
enum class Step : std::uint8_t { propose = 1, prevote = 2, precommit = 3 };

struct Vote {
    VoteType type = VoteType::prevote;
    std::int64_t height = 0;
    std::int32_t round = 0;
    BlockId block_id;
    Address validator_address{};
    std::int32_t validator_index = -1;
    crypto::Signature signature{};
    Bytes extension;            // precommits for a block only
    Bytes extension_signature;  // 64 bytes when present
    bool operator==(const Vote&) const = default;
};

struct Proposal {
    std::int64_t height = 0;
    std::int32_t round = 0;
    std::int32_t pol_round = -1;
    BlockId block_id;
    crypto::Signature signature{};
    bool operator==(const Proposal&) const = default;
};

enum class BlockIdFlag : std::uint8_t { absent = 1, commit = 2, nil = 3 };

struct ExtendedCommitSig {
    BlockIdFlag flag = BlockIdFlag::absent;
    Address validator_address{};
    Bytes signature;  // 64 bytes unless absent
    Bytes extension;
    Bytes extension_signature;
    bool operator==(const ExtendedCommitSig&) const = default;
};

/// The +2/3 precommits that decided block `height`, one entry per validator (by index).
struct ExtendedCommit {
    std::int64_t height = 0;
    std::int32_t round = 0;
    BlockId block_id;
    std::vector<ExtendedCommitSig> signatures;
    bool empty() const { return height == 0; }
    bool operator==(const ExtendedCommit&) const = default;
};

struct Header {
    std::string chain_id;
    std::int64_t height = 0;
    Timestamp time = 0;
    BlockId last_block_id;
    Hash last_commit_hash{};
    Hash data_hash{};
    Hash validators_hash{};
    Hash app_hash{};
    Address proposer_address{};
    bool operator==(const Header&) const = default;
};

struct Block {
    Header header;
    std::vector<Bytes> txs;
    ExtendedCommit last_commit;  // empty at the initial height
    bool operator==(const Block&) const = default;
};

/// SHA-256 over the canonical header bytes (docs/adr/0001-canonical-sign-bytes.md).
Hash block_hash(const Header& header);
inline BlockId block_id_of(const Block& block) { return BlockId{block_hash(block.header)}; }
/// SHA-256 over the canonical encoding of an extended commit (the header's last_commit_hash).
Hash commit_hash(const ExtendedCommit& commit);
/// RFC 6962 Merkle root of the txs (the header's data_hash).
Hash data_hash(const std::vector<Bytes>& txs);

std::string to_string(VoteType type);
std::string to_string(Step step);

}  // namespace seer::consensus
