#pragma once
// Wire formats of the x/async module that clients, tests and tools build or read: the
// proposer's results tx and the vote extension. User txs (MsgAddFuture in a Cosmos tx) are
// built by app/tx.hpp.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "seer/common/bytes.hpp"
#include "seer/common/result.hpp"
#include "seer/crypto/address.hpp"
#include "seer/crypto/hash.hpp"

namespace seer::async {

inline constexpr std::string_view k_msg_add_future_type_url = "/seer.async.v1.MsgAddFuture";
inline constexpr std::string_view k_msg_add_future_response_type_url =
    "/seer.async.v1.MsgAddFutureResponse";
/// First byte of the results tx. A protobuf TxRaw never starts with it (field 0 is invalid).
inline constexpr std::uint8_t k_results_tx_marker = 0x00;
/// SHA-256 of the raw tx bytes, the tx hash of Cosmos and CometBFT.
crypto::Hash256 tx_hash(ByteView tx);

struct ResultEntry {
    std::uint64_t future_id = 0;
    std::uint32_t attempt = 0;
    Bytes output;
    std::string error;  // non-empty: a handler error
    /// Set (32 bytes): an off-chain output of `output_size` bytes; `output` is then empty.
    Bytes output_sha256;
    std::uint64_t output_size = 0;
    bool off_chain() const { return !output_sha256.empty(); }
    bool operator==(const ResultEntry&) const = default;
};

struct ResultsTx {
    crypto::Address proposer{};
    std::vector<ResultEntry> results;
};

Bytes encode_results_tx(const ResultsTx& tx);
/// Checks the marker and that the rest decodes; limits are the module's to check.
Result<ResultsTx> decode_results_tx(ByteView bytes);

enum class VoteValue : std::uint8_t { verified = 1, rejected = 2 };

struct ExtensionVote {
    std::uint64_t future_id = 0;
    std::uint32_t attempt = 0;
    VoteValue value = VoteValue::verified;
    bool operator==(const ExtensionVote&) const = default;
};

/// A precommit's vote extension: explicit votes, plus one bit per entry of the results tx of the
/// block being precommitted (set = VERIFIED at that entry's attempt), so that voting on a full
/// results tx costs n/8 bytes. REJECTED votes and late votes on earlier results are explicit.
struct VoteExtension {
    std::vector<ExtensionVote> votes;
    Bytes verified_bits;  // bit i = byte i/8, bit i%8 (LSB first); no trailing zero byte
    bool operator==(const VoteExtension&) const = default;

    bool bit(std::size_t i) const {
        return i / 8 < verified_bits.size() && ((verified_bits[i / 8] >> (i % 8)) & 1) != 0;
    }
    void set_bit(std::size_t i) {
        if (verified_bits.size() <= i / 8) verified_bits.resize(i / 8 + 1, 0);
        verified_bits[i / 8] = static_cast<std::uint8_t>(verified_bits[i / 8] | (1u << (i % 8)));
    }
};

Bytes encode_extension(const VoteExtension& extension);
/// Checks the encoding only (vote values, no trailing zero byte in the bits); the module checks
/// the content against its state.
Result<VoteExtension> decode_extension(ByteView bytes);

/// Explicit votes only (no bits): what tools and tests build.
Bytes encode_vote_extension(const std::vector<ExtensionVote>& votes);
/// The explicit votes of an extension; its bits are ignored.
Result<std::vector<ExtensionVote>> decode_vote_extension(ByteView bytes);

}  // namespace seer::async
