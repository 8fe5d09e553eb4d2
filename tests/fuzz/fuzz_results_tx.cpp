// libFuzzer target: the proposer's results tx (decode_results_tx), as found at index 0 of a
// block proposed by a possibly byzantine validator.
// Invariants: never crash, refuse with a reason, every entry on the wire is decoded (none
// silently dropped), lossless and stable re-encoding.

#include <cstddef>
#include <cstdint>

#include "fuzz_common.hpp"
#include "seer/async/tx.hpp"
#include "seer/async/v1/async.pb.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace seer::async;
    seer::fuzz::silence_protobuf();
    const seer::ByteView input(data, size);
    auto decoded = decode_results_tx(input);
    seer::fuzz::check_error(decoded);
    if (!decoded.ok()) return 0;
    if (size == 0 || data[0] != k_results_tx_marker) seer::fuzz::fail("decoded without the marker");
    seer::async::v1::ResultsTx raw;
    if (!raw.ParseFromArray(data + 1, static_cast<int>(size - 1)))
        seer::fuzz::fail("decoded what protobuf refuses");
    if (static_cast<std::size_t>(raw.results_size()) != decoded->results.size())
        seer::fuzz::fail("results dropped or invented");
    const seer::Bytes once = encode_results_tx(*decoded);
    auto again = decode_results_tx(once);
    if (!again.ok()) seer::fuzz::fail("a decoded results tx does not decode after re-encoding");
    if (again->proposer != decoded->proposer || again->results != decoded->results)
        seer::fuzz::fail("results tx encoding is lossy");
    if (encode_results_tx(*again) != once) seer::fuzz::fail("re-encoding is not stable");
    return 0;
}
