#pragma once
// The protobuf helpers (seer/consensus/pb_util.hpp), in app/'s private namespace.

#include "seer/consensus/pb_util.hpp"

namespace seer::app::detail {

using pb::bytes_of;
using pb::parse;
using pb::pb_bytes;
using pb::serialize;
using pb::view;

}  // namespace seer::app::detail
