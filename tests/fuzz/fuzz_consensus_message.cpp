// libFuzzer target: consensus gossip messages (decode_message) from untrusted peers.
// Invariants: never crash, refuse with a reason, and whatever decodes re-encodes to a stable
// form (encode(decode(encode(m))) == encode(m)).

#include <cstddef>
#include <cstdint>

#include "fuzz_common.hpp"
#include "seer/consensus/codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace seer::consensus;
    seer::fuzz::silence_protobuf();
    constexpr std::size_t k_max = 4u << 20;
    auto decoded = decode_message(seer::ByteView(data, size), k_max);
    seer::fuzz::check_error(decoded);
    if (!decoded.ok()) return 0;
    const seer::Bytes once = encode_message(*decoded);
    auto again = decode_message(once, once.size());
    if (!again.ok()) seer::fuzz::fail("a decoded message does not decode after re-encoding");
    if (encode_message(*again) != once) seer::fuzz::fail("re-encoding is not stable");
    return 0;
}
