#include "uri.hpp"

namespace seer::rpc::detail {

static int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/// Percent-decoding of a query component ('+' is a space, as Go's url.ParseQuery).
std::optional<std::string> url_decode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+') {
            out.push_back(' ');
        } else if (s[i] == '%') {
            if (i + 2 >= s.size()) return std::nullopt;
            const int hi = hex_digit(s[i + 1]);
            const int lo = hex_digit(s[i + 2]);
            if (hi < 0 || lo < 0) return std::nullopt;
            out.push_back(static_cast<char>((hi << 4) | lo));
            i += 2;
        } else {
            out.push_back(s[i]);
        }
    }
    return out;
}

std::string quote_client_text(std::string_view s, std::size_t max) {
    std::string_view p = s.substr(0, max);
    while (!p.empty() && p.size() < s.size() &&
           (static_cast<unsigned char>(s[p.size()]) & 0xC0) == 0x80)
        p.remove_suffix(1);
    std::string out(p);
    if (!valid_utf8(out)) {
        for (auto& c : out)
            if (static_cast<unsigned char>(c) >= 0x80) c = '?';
    }
    return out;
}

}  // namespace seer::rpc::detail
