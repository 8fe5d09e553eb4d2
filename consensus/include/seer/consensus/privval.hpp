#pragma once
// The private validator: signs proposals, votes and vote extensions, and never double-signs.
// Before a signature leaves, the last-sign state (height, round, step, sign-bytes hash,
// signature) is written atomically (store::DurableValue), so a validator restarted at any
// instant refuses to sign a different message for a (height, round, step) it already signed.

#include <cstdint>
#include <optional>
#include <string>

#include "seer/consensus/types.hpp"
#include "seer/store/durable_value.hpp"

namespace seer::consensus {

struct LastSignState {
    std::int64_t height = 0;
    std::int32_t round = 0;
    std::int8_t step = 0;  // 0 none, 1 proposal, 2 prevote, 3 precommit
    Hash sign_bytes_hash{};
    crypto::Signature signature{};
    bool operator==(const LastSignState&) const = default;
};

/// JSON in CometBFT's priv_validator_state.json shape (proto3 JSON of PrivValidatorState):
/// {"height":"5","round":0,"step":2,"signature":"<base64>","signbytes":"<base64>"}
/// (seer stores the SHA-256 of the sign bytes in "signbytes").
std::string encode_sign_state_json(const LastSignState& state);
std::optional<LastSignState> decode_sign_state_json(std::string_view json);

class PrivValidator {
public:
    /// Loads the last-sign state; a present but unreadable state is fatal (never guess).
    PrivValidator(crypto::PrivateKey key, std::string chain_id, store::DurableValue& state);

    const crypto::PublicKey& public_key() const { return m_key.public_key(); }
    const Address& address() const { return m_address; }
    const LastSignState& last_sign_state() const { return m_last; }

    /// Signs when (h, r, step) is beyond the last signed one, or equal with the same sign
    /// bytes (then the stored signature is returned). nullopt = refused.
    std::optional<crypto::Signature> sign_vote(const Vote& vote);
    std::optional<crypto::Signature> sign_proposal(const Proposal& proposal);
    /// Extensions are not slashable and carry node-local data (they may differ after a
    /// restart): signed without a state check, as CometBFT does.
    crypto::Signature sign_extension(std::int64_t height, std::int32_t round, ByteView extension);

private:
    std::optional<crypto::Signature> sign(std::int64_t height, std::int32_t round,
                                          std::int8_t step, const Bytes& sign_bytes);
    crypto::PrivateKey m_key;
    Address m_address{};
    std::string m_chain_id;
    store::DurableValue& m_state;
    LastSignState m_last;
};

}  // namespace seer::consensus
