#pragma once
// URI helpers shared by the servers.

#include <optional>
#include <string>
#include <string_view>

#include "seer/common/utf8.hpp"

namespace seer::rpc::detail {

/// Percent-decoding of a query component ('+' is a space, as Go's url.ParseQuery).
std::optional<std::string> url_decode(std::string_view s);
/// Strict UTF-8 (no overlongs, no surrogates), shared with the rest of seer.
using seer::valid_utf8;

/// Client text quoted in an error message, which must stay valid JSON: at most `max` bytes, cut
/// before a character rather than inside one, with any byte of text that is not UTF-8 shown as
/// '?'.
std::string quote_client_text(std::string_view s, std::size_t max);

}  // namespace seer::rpc::detail
