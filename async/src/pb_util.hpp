#pragma once
// The protobuf helpers (seer/consensus/pb_util.hpp), in async/'s private namespace.

#include "seer/consensus/pb_util.hpp"

namespace seer::async::detail {

using pb::bytes_of;
using pb::parse;
using pb::pb_bytes;
using pb::serialize;
using pb::view;

}  // namespace seer::async::detail
