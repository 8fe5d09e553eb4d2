#include "seer/crypto/address.hpp"

#include <algorithm>

#include "seer/common/check.hpp"
#include "seer/crypto/bech32.hpp"
#include "seer/crypto/hash.hpp"

namespace seer::crypto {

Address address_of(const PublicKey& key) {
    const Hash256 digest = sha256(key);
    Address out{};
    std::copy_n(digest.begin(), out.size(), out.begin());
    return out;
}

std::string to_bech32_address(const Address& address, std::string_view hrp) {
    auto data5 = bech32::convert_bits(address, 8, 5, true);
    SEER_CHECK(data5.ok());
    return bech32::encode(hrp, data5.value());
}

Result<Address> from_bech32_address(std::string_view text, std::string_view hrp) {
    auto decoded = bech32::decode(text);
    if (!decoded) return decoded.error();
    std::string expected;
    for (char c : hrp) {
        expected.push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c);
    }
    if (decoded->hrp != expected) {
        return make_error("wrong_prefix",
                          "address prefix is '" + decoded->hrp + "', expected '" + expected + "'");
    }
    auto bytes = bech32::convert_bits(decoded->data, 5, 8, false);
    if (!bytes) return bytes.error();
    auto address = to_array<20>(bytes.value());
    if (!address) {
        return make_error("wrong_length", "address payload is " + std::to_string(bytes->size()) +
                                              " bytes, expected 20");
    }
    return *address;
}

}  // namespace seer::crypto
