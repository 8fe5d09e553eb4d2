#include "seer/async/tx.hpp"

#include "pb_util.hpp"
#include "seer/async/v1/async.pb.h"
#include "seer/crypto/hash.hpp"

namespace seer::async {

using detail::pb_bytes;
using detail::serialize;
using detail::view;

crypto::Hash256 tx_hash(ByteView tx) {
    return crypto::sha256(tx);
}

Bytes encode_results_tx(const ResultsTx& tx) {
    seer::async::v1::ResultsTx m;
    m.set_proposer(pb_bytes(tx.proposer));
    for (const auto& r : tx.results) {
        auto* e = m.add_results();
        e->set_future_id(r.future_id);
        e->set_attempt(r.attempt);
        e->set_output(pb_bytes(r.output));
        e->set_error(r.error);
        e->set_output_sha256(pb_bytes(r.output_sha256));
        e->set_output_size(r.output_size);
    }
    Bytes out{k_results_tx_marker};
    const Bytes body = serialize(m);
    out.insert(out.end(), body.begin(), body.end());
    return out;
}

Result<ResultsTx> decode_results_tx(ByteView bytes) {
    if (bytes.empty() || bytes[0] != k_results_tx_marker)
        return make_error("not_results_tx", "results tx must start with the 0x00 marker");
    seer::async::v1::ResultsTx m;
    if (!detail::parse(m, bytes.subspan(1)))
        return make_error("undecodable", "results tx does not decode");
    auto proposer = to_array<20>(view(m.proposer()));
    if (!proposer) return make_error("bad_proposer", "results tx proposer is not 20 bytes");
    ResultsTx tx;
    tx.proposer = *proposer;
    tx.results.reserve(static_cast<std::size_t>(m.results_size()));
    for (const auto& e : m.results()) {
        ResultEntry r;
        r.future_id = e.future_id();
        r.attempt = e.attempt();
        r.output = detail::bytes_of(e.output());
        r.error = e.error();
        r.output_sha256 = detail::bytes_of(e.output_sha256());
        r.output_size = e.output_size();
        tx.results.push_back(std::move(r));
    }
    return tx;
}

Bytes encode_extension(const VoteExtension& ext) {
    seer::async::v1::VoteExtension m;
    for (const auto& v : ext.votes) {
        auto* e = m.add_votes();
        e->set_future_id(v.future_id);
        e->set_attempt(v.attempt);
        e->set_value(v.value == VoteValue::verified ? seer::async::v1::VOTE_VALUE_VERIFIED
                                                    : seer::async::v1::VOTE_VALUE_REJECTED);
    }
    if (!ext.verified_bits.empty()) m.set_verified_bits(detail::pb_bytes(ext.verified_bits));
    return serialize(m);
}

Bytes encode_vote_extension(const std::vector<ExtensionVote>& votes) {
    return encode_extension(VoteExtension{votes, {}});
}

Result<VoteExtension> decode_extension(ByteView bytes) {
    seer::async::v1::VoteExtension m;
    if (!detail::parse(m, bytes))
        return make_error("undecodable", "vote extension does not decode");
    VoteExtension out;
    out.verified_bits = detail::bytes_of(m.verified_bits());
    // Trailing zero bytes would give one set of votes two encodings.
    if (!out.verified_bits.empty() && out.verified_bits.back() == 0)
        return make_error("bad_vote_bits", "verified_bits ends with a zero byte");
    out.votes.reserve(static_cast<std::size_t>(m.votes_size()));
    for (const auto& e : m.votes()) {
        ExtensionVote v;
        v.future_id = e.future_id();
        v.attempt = e.attempt();
        // proto3 enums are open: a value outside the enum (e.g. 7) decodes as itself and
        // matches no case below, so "known" must be set explicitly, not assumed.
        bool known = false;
        switch (e.value()) {
            case seer::async::v1::VOTE_VALUE_VERIFIED:
                v.value = VoteValue::verified;
                known = true;
                break;
            case seer::async::v1::VOTE_VALUE_REJECTED:
                v.value = VoteValue::rejected;
                known = true;
                break;
            case seer::async::v1::VOTE_VALUE_UNSPECIFIED:
            case seer::async::v1::VoteValue_INT_MIN_SENTINEL_DO_NOT_USE_:
            case seer::async::v1::VoteValue_INT_MAX_SENTINEL_DO_NOT_USE_:
                break;
        }
        if (!known) return make_error("bad_vote_value", "vote value must be VERIFIED or REJECTED");
        out.votes.push_back(v);
    }
    return out;
}

Result<std::vector<ExtensionVote>> decode_vote_extension(ByteView bytes) {
    auto ext = decode_extension(bytes);
    if (!ext) return ext.error();
    return std::move(ext->votes);
}

}  // namespace seer::async
