// "id@host:port" peer addresses.

#include <charconv>

#include "seer/p2p/switch.hpp"

namespace seer::p2p {

std::string PeerAddress::to_string() const {
    const bool v6 = host.find(':') != std::string::npos;
    return id + "@" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<PeerAddress> parse_peer_address(std::string_view text) {
    const auto at = text.find('@');
    if (at == std::string_view::npos)
        return make_error("bad_peer_address", "expected id@host:port, got '" + std::string(text) + "'");
    PeerAddress out;
    out.id = std::string(text.substr(0, at));
    if (!is_valid_node_id(out.id))
        return make_error("bad_peer_address", "node ID must be 40 lower-case hex digits");
    std::string_view rest = text.substr(at + 1);
    const auto colon = rest.rfind(':');
    if (colon == std::string_view::npos || colon == 0)
        return make_error("bad_peer_address", "expected host:port after '@'");
    std::string_view host = rest.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    if (host.empty()) return make_error("bad_peer_address", "empty host");
    const std::string_view port = rest.substr(colon + 1);
    unsigned value = 0;
    const auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || ptr != port.data() + port.size() || value == 0 || value > 65535)
        return make_error("bad_peer_address", "port must be 1..65535");
    out.host = std::string(host);
    out.port = static_cast<std::uint16_t>(value);
    return out;
}

}  // namespace seer::p2p
