#include "seer/consensus/privval.hpp"

#include <google/protobuf/util/json_util.h>

#include "seer/common/check.hpp"
#include "seer/consensus/sign_bytes.hpp"
#include "seer/consensus/v1/wal.pb.h"

namespace seer::consensus {

namespace {
constexpr std::int8_t k_step_proposal = 1;
constexpr std::int8_t k_step_prevote = 2;
constexpr std::int8_t k_step_precommit = 3;
}  // namespace

std::string encode_sign_state_json(const LastSignState& s) {
    seer::consensus::v1::PrivValidatorState m;
    m.set_height(s.height);
    m.set_round(s.round);
    m.set_step(s.step);
    if (s.step != 0) {
        m.set_signature(std::string(s.signature.begin(), s.signature.end()));
        m.set_signbytes(std::string(s.sign_bytes_hash.begin(), s.sign_bytes_hash.end()));
    }
    google::protobuf::util::JsonPrintOptions options;
    options.preserve_proto_field_names = true;
    options.always_print_primitive_fields = true;
    options.add_whitespace = true;
    std::string out;
    SEER_CHECK(google::protobuf::util::MessageToJsonString(m, &out, options).ok());
    return out;
}

std::optional<LastSignState> decode_sign_state_json(std::string_view json) {
    seer::consensus::v1::PrivValidatorState m;
    google::protobuf::util::JsonParseOptions options;
    if (!google::protobuf::util::JsonStringToMessage(std::string(json), &m, options).ok())
        return std::nullopt;
    if (m.height() < 0 || m.round() < 0 || m.step() < 0 || m.step() > 3) return std::nullopt;
    LastSignState s;
    s.height = m.height();
    s.round = m.round();
    s.step = static_cast<std::int8_t>(m.step());
    if (s.step != 0) {
        if (m.signature().size() != 64 || m.signbytes().size() != 32) return std::nullopt;
        std::copy(m.signature().begin(), m.signature().end(), s.signature.begin());
        std::copy(m.signbytes().begin(), m.signbytes().end(), s.sign_bytes_hash.begin());
    }
    return s;
}

PrivValidator::PrivValidator(crypto::PrivateKey key, std::string chain_id,
                             store::DurableValue& state)
    : m_key(std::move(key)),
      m_address(crypto::address_of(m_key.public_key())),
      m_chain_id(std::move(chain_id)),
      m_state(state) {
    if (auto bytes = m_state.load()) {
        auto decoded = decode_sign_state_json(seer::to_string(*bytes));
        // Guessing a sign state could double-sign: refuse to run on an unreadable one.
        if (!decoded) SEER_FATAL("privval sign state is unreadable; refusing to start");
        m_last = *decoded;
    }
}

std::optional<crypto::Signature> PrivValidator::sign(std::int64_t height, std::int32_t round,
                                                     std::int8_t step, const Bytes& sign_bytes) {
    const Hash hash = crypto::sha256(sign_bytes);
    const auto position = std::tuple(height, round, step);
    const auto last = std::tuple(m_last.height, m_last.round, m_last.step);
    if (position < last) return std::nullopt;
    if (position == last) {
        // The same message again (e.g. re-sent after a restart) gets the same signature.
        if (hash == m_last.sign_bytes_hash) return m_last.signature;
        return std::nullopt;
    }
    LastSignState next;
    next.height = height;
    next.round = round;
    next.step = step;
    next.sign_bytes_hash = hash;
    next.signature = m_key.sign(sign_bytes);
    // Durable before the signature leaves this function.
    m_state.store(as_bytes(encode_sign_state_json(next)));
    m_last = next;
    return next.signature;
}

std::optional<crypto::Signature> PrivValidator::sign_vote(const Vote& vote) {
    const std::int8_t step =
        vote.type == VoteType::prevote ? k_step_prevote : k_step_precommit;
    return sign(vote.height, vote.round, step, vote_sign_bytes(m_chain_id, vote));
}

std::optional<crypto::Signature> PrivValidator::sign_proposal(const Proposal& proposal) {
    return sign(proposal.height, proposal.round, k_step_proposal,
                proposal_sign_bytes(m_chain_id, proposal));
}

crypto::Signature PrivValidator::sign_extension(std::int64_t height, std::int32_t round,
                                                ByteView extension) {
    return m_key.sign(extension_sign_bytes(m_chain_id, height, round, extension));
}

}  // namespace seer::consensus
