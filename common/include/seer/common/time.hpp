#pragma once
// RFC 3339 times with nanoseconds, UTC ("2026-11-21T22:23:00.123456789Z"), as CometBFT prints.

#include <cstdint>
#include <cstdio>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace seer {

/// Unix nanoseconds → RFC 3339 UTC. Trailing zeros of the fraction are dropped (Go's
/// RFC3339Nano).
inline std::string to_rfc3339(std::int64_t unix_ns) {
    std::int64_t secs = unix_ns / 1'000'000'000;
    std::int64_t nanos = unix_ns % 1'000'000'000;
    if (nanos < 0) {
        nanos += 1'000'000'000;
        secs -= 1;
    }
    const std::time_t t = static_cast<std::time_t>(secs);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    std::string out = buf;
    if (nanos != 0) {
        char frac[16];
        std::snprintf(frac, sizeof frac, ".%09lld", static_cast<long long>(nanos));
        std::string f = frac;
        while (f.back() == '0') f.pop_back();
        out += f;
    }
    return out + "Z";
}

/// Accepts "YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)".
inline std::optional<std::int64_t> from_rfc3339(std::string_view s) {
    int y, mo, d, h, mi, sec;
    if (s.size() < 20) return std::nullopt;
    const std::string head(s.substr(0, 19));
    if (std::sscanf(head.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &sec) != 6)
        return std::nullopt;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return std::nullopt;
    std::size_t i = 19;
    std::int64_t nanos = 0;
    if (i < s.size() && s[i] == '.') {
        ++i;
        int digits = 0;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
            if (digits < 9) nanos = nanos * 10 + (s[i] - '0');
            ++digits;
            ++i;
        }
        if (digits == 0) return std::nullopt;
        for (int k = digits; k < 9; ++k) nanos *= 10;
    }
    std::int64_t offset = 0;
    if (i < s.size() && s[i] == 'Z') {
        ++i;
    } else if (i + 6 == s.size() && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
        const int oh = (s[i + 1] - '0') * 10 + (s[i + 2] - '0');
        const int om = (s[i + 4] - '0') * 10 + (s[i + 5] - '0');
        offset = (oh * 60 + om) * 60 * (s[i] == '+' ? 1 : -1);
        i += 6;
    } else {
        return std::nullopt;
    }
    if (i != s.size()) return std::nullopt;
    std::tm tm{};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    const std::int64_t secs = static_cast<std::int64_t>(timegm(&tm)) - offset;
    // Unix nanoseconds in an int64_t reach from 1677 to 2262; a time outside has no value here
    // (and the product below would overflow).
    constexpr std::int64_t k_max_secs = INT64_MAX / 1'000'000'000 - 1;
    if (secs < -k_max_secs || secs > k_max_secs) return std::nullopt;
    return secs * 1'000'000'000 + nanos;
}

}  // namespace seer
