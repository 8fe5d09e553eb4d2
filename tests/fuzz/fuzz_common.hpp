#pragma once
// Shared by the libFuzzer targets: invariants every decoder must keep on any input.

#include <google/protobuf/stubs/logging.h>

#include <cstdio>
#include <cstdlib>

#include "seer/common/result.hpp"

namespace seer::fuzz {

/// libprotobuf logs invalid UTF-8 in string fields; keep fuzzing output readable.
inline void silence_protobuf() {
    static const auto* silencer = new google::protobuf::LogSilencer;  // NOLINT: lives forever
    (void)silencer;
}

/// A fuzz finding: print and abort so libFuzzer (or the smoke test) reports the input.
[[noreturn]] inline void fail(const char* what) {
    std::fprintf(stderr, "fuzz invariant violated: %s\n", what);
    std::abort();
}

/// A refused input must say why.
template <class T>
void check_error(const Result<T>& r) {
    if (!r.ok() && r.error().reason.empty()) fail("error without a reason");
}

}  // namespace seer::fuzz
