// libFuzzer target: WAL records (decode_wal_record), as replayed from a possibly corrupt disk.
// Invariants: never crash, refuse with a reason, stable re-encoding.

#include <cstddef>
#include <cstdint>

#include "fuzz_common.hpp"
#include "seer/consensus/codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace seer::consensus;
    seer::fuzz::silence_protobuf();
    auto decoded = decode_wal_record(seer::ByteView(data, size));
    seer::fuzz::check_error(decoded);
    if (!decoded.ok()) return 0;
    const seer::Bytes once = encode_wal_record(*decoded);
    auto again = decode_wal_record(once);
    if (!again.ok()) seer::fuzz::fail("a decoded WAL record does not decode after re-encoding");
    if (encode_wal_record(*again) != once) seer::fuzz::fail("re-encoding is not stable");
    return 0;
}
