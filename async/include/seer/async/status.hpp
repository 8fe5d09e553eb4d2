#pragma once
// A future status named by a user: the CLI's --status, REST's ?status= and gRPC-gateway-style
// numbers all go through this one parser, so "verified", "VERIFIED", "FUTURE_STATUS_VERIFIED"
// and "3" mean the same everywhere (issue 12).

#include <cctype>
#include <charconv>
#include <optional>
#include <string>
#include <string_view>

#include "seer/async/v1/async.pb.h"

namespace seer::async {

/// The listed names, for error messages.
inline constexpr std::string_view k_future_status_names =
    "pending, executed, verified, failed, timed_out";

/// `text` as a status: a name with or without the FUTURE_STATUS_ prefix, in any case, or the
/// enum's number. nullopt for anything else. UNSPECIFIED (0) is a status too: as in the
/// gateway's JSON, it means "no filter".
inline std::optional<v1::FutureStatus> parse_future_status(std::string_view text) {
    if (text.empty() || text.size() > 64) return std::nullopt;
    int number = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    v1::FutureStatus status{};
    if (ec == std::errc() && end == text.data() + text.size()) {
        if (!v1::FutureStatus_IsValid(number)) return std::nullopt;
        status = static_cast<v1::FutureStatus>(number);
    } else {
        std::string name(text);
        for (auto& ch : name)
            ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        if (name.rfind("FUTURE_STATUS_", 0) != 0) name = "FUTURE_STATUS_" + name;
        if (!v1::FutureStatus_Parse(name, &status)) return std::nullopt;
    }
    return status;
}

}  // namespace seer::async
