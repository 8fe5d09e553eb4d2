#pragma once
// Small helpers between protobuf strings and seer bytes, for the .cpp files of the modules that
// decode untrusted protobuf (async/, app/). Include from .cpp files only: it pulls in protobuf.

#include <google/protobuf/message_lite.h>

#include <string>

#include "seer/common/bytes.hpp"
#include "seer/consensus/codec.hpp"

namespace seer::pb {

inline std::string pb_bytes(ByteView b) {
    return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}
inline ByteView view(const std::string& s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
inline Bytes bytes_of(const std::string& s) {
    return Bytes(s.begin(), s.end());
}
inline Bytes serialize(const google::protobuf::MessageLite& m) {
    Bytes out(m.ByteSizeLong());
    if (!out.empty()) m.SerializeWithCachedSizesToArray(out.data());
    return out;
}
template <class M>
bool parse(M& m, ByteView b) {
    consensus::route_protobuf_logs();  // untrusted bytes: keep libprotobuf's complaints quiet
    return m.ParseFromArray(b.data(), static_cast<int>(b.size()));
}

}  // namespace seer::pb
