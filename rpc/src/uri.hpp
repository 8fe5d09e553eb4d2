#pragma once
// URI helpers shared by the servers.

#include <optional>
#include <string>
#include <string_view>

namespace seer::rpc::detail {

/// Percent-decoding of a query component ('+' is a space, as Go's url.ParseQuery).
std::optional<std::string> url_decode(std::string_view s);
/// Strict UTF-8 (no overlongs, no surrogates).
bool valid_utf8(std::string_view s);

}  // namespace seer::rpc::detail
