// libFuzzer target: vote extensions (decode_extension: explicit votes and verified bits), as
// carried by a precommit from a possibly byzantine validator.
// Invariants: never crash, refuse with a reason, accept only VERIFIED/REJECTED values (a
// value outside the enum is refused, never read as a vote), bits without a trailing zero byte
// (one set of votes, one encoding), lossless and stable re-encoding.

#include <cstddef>
#include <cstdint>

#include "fuzz_common.hpp"
#include "seer/async/tx.hpp"
#include "seer/async/v1/async.pb.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace seer::async;
    seer::fuzz::silence_protobuf();
    auto full = decode_extension(seer::ByteView(data, size));
    seer::fuzz::check_error(full);
    auto decoded = decode_vote_extension(seer::ByteView(data, size));
    if (full.ok() != decoded.ok()) seer::fuzz::fail("the two decoders disagree");
    if (!decoded.ok()) return 0;
    if (full->votes != *decoded) seer::fuzz::fail("the two decoders read other votes");
    if (!full->verified_bits.empty() && full->verified_bits.back() == 0)
        seer::fuzz::fail("bits with a trailing zero byte accepted");
    const seer::Bytes full_once = encode_extension(*full);
    auto full_again = decode_extension(full_once);
    if (!full_again.ok() || *full_again != *full)
        seer::fuzz::fail("extension bits encoding is lossy");
    if (encode_extension(*full_again) != full_once)
        seer::fuzz::fail("bits re-encoding is not stable");
    seer::async::v1::VoteExtension raw;
    if (!raw.ParseFromArray(data, static_cast<int>(size)))
        seer::fuzz::fail("decoded what protobuf refuses");
    if (static_cast<std::size_t>(raw.votes_size()) != decoded->size())
        seer::fuzz::fail("votes dropped or invented");
    for (int i = 0; i < raw.votes_size(); ++i) {
        const auto value = raw.votes(i).value();
        const auto& v = (*decoded)[static_cast<std::size_t>(i)];
        const bool same =
            (value == seer::async::v1::VOTE_VALUE_VERIFIED && v.value == VoteValue::verified) ||
            (value == seer::async::v1::VOTE_VALUE_REJECTED && v.value == VoteValue::rejected);
        if (!same) seer::fuzz::fail("a vote value was read as another one");
        if (v.future_id != raw.votes(i).future_id() || v.attempt != raw.votes(i).attempt())
            seer::fuzz::fail("vote fields changed");
    }
    const seer::Bytes once = encode_vote_extension(*decoded);
    auto again = decode_vote_extension(once);
    if (!again.ok()) seer::fuzz::fail("a decoded extension does not decode after re-encoding");
    if (*again != *decoded) seer::fuzz::fail("extension encoding is lossy");
    if (encode_vote_extension(*again) != once) seer::fuzz::fail("re-encoding is not stable");
    return 0;
}
