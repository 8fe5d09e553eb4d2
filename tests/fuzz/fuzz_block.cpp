// libFuzzer target: blocks (decode_block), as received in block sync or read from the store.
// Invariants: never crash, refuse with a reason, lossless re-encoding (the decoded block equals
// the block decoded from its encoding, so the hashes a peer checks are the ones we stored).

#include <cstddef>
#include <cstdint>

#include "fuzz_common.hpp"
#include "seer/consensus/codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace seer::consensus;
    seer::fuzz::silence_protobuf();
    auto decoded = decode_block(seer::ByteView(data, size));
    seer::fuzz::check_error(decoded);
    if (!decoded.ok()) return 0;
    const seer::Bytes once = encode(*decoded);
    auto again = decode_block(once);
    if (!again.ok()) seer::fuzz::fail("a decoded block does not decode after re-encoding");
    if (!(*again == *decoded)) seer::fuzz::fail("block encoding is lossy");
    if (block_hash(again->header) != block_hash(decoded->header)) seer::fuzz::fail("hash changed");
    if (commit_hash(again->last_commit) != commit_hash(decoded->last_commit))
        seer::fuzz::fail("last commit hash changed");
    return 0;
}
