#pragma once
// This machine's limits, measured in the same run as the figures they bound (make bench).

#include <string>
#include <vector>

#include "report.hpp"

namespace seer::bench {

unsigned cores();
/// Verifications per second on one thread, over 64 distinct (key, 200-byte message, signature)
/// triples: libsodium's ed25519, and libsecp256k1's ECDSA over SHA-256 of the message (what
/// the node does for a SIGN_MODE_DIRECT sign doc).
Row ed25519_verify_per_core(double seconds);
Row secp256k1_verify_per_core(double seconds);
/// SHA-256 over 1 MiB buffers, in MB/s (10^6 bytes).
Row sha256_mb_per_s(double seconds);
/// 4 KiB appended then fdatasync, `samples` times, in `dir`: p50 (value) and p99, in ms.
Row fdatasync_latency(const std::string& dir, int samples);
/// Prophet: `hashchain` executions per second with 1 and with 2 workers, and their ratio.
std::vector<Row> prophet_scaling(double seconds_per_point);

}  // namespace seer::bench
