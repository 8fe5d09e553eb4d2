#include "seer/crypto/bech32.hpp"

#include <cstdint>

#include "seer/common/check.hpp"

namespace seer::crypto::bech32 {

namespace {

constexpr std::string_view k_charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
constexpr std::size_t k_max_length = 90;
constexpr std::size_t k_checksum_length = 6;

// Index of `c` (lower case) in the charset, or -1.
int charset_index(char c) {
    const auto pos = k_charset.find(c);
    return pos == std::string_view::npos ? -1 : static_cast<int>(pos);
}

char to_lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::uint32_t polymod(const std::vector<std::uint8_t>& values) {
    constexpr std::uint32_t k_gen[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
    std::uint32_t chk = 1;
    for (std::uint8_t v : values) {
        const std::uint32_t top = chk >> 25;
        chk = ((chk & 0x1ffffff) << 5) ^ v;
        for (int i = 0; i < 5; ++i) {
            if ((top >> i) & 1) chk ^= k_gen[i];
        }
    }
    return chk;
}

std::vector<std::uint8_t> hrp_expand(std::string_view hrp) {
    std::vector<std::uint8_t> out;
    out.reserve(hrp.size() * 2 + 1);
    for (char c : hrp)
        out.push_back(static_cast<std::uint8_t>(static_cast<unsigned char>(c) >> 5));
    out.push_back(0);
    for (char c : hrp)
        out.push_back(static_cast<std::uint8_t>(static_cast<unsigned char>(c) & 31));
    return out;
}

std::vector<std::uint8_t> checksum_input(std::string_view hrp,
                                         const std::vector<std::uint8_t>& data5) {
    std::vector<std::uint8_t> values = hrp_expand(hrp);
    values.insert(values.end(), data5.begin(), data5.end());
    return values;
}

}  // namespace

std::string encode(std::string_view hrp, const std::vector<std::uint8_t>& data5) {
    SEER_CHECK(!hrp.empty());
    for (char c : hrp) {
        SEER_CHECK(c >= 33 && c <= 126);
        SEER_CHECK(!(c >= 'A' && c <= 'Z'));
    }
    for (std::uint8_t v : data5)
        SEER_CHECK(v < 32);

    std::vector<std::uint8_t> values = checksum_input(hrp, data5);
    values.insert(values.end(), k_checksum_length, 0);
    const std::uint32_t mod = polymod(values) ^ 1;

    std::string out;
    out.reserve(hrp.size() + 1 + data5.size() + k_checksum_length);
    out.append(hrp);
    out.push_back('1');
    for (std::uint8_t v : data5)
        out.push_back(k_charset[v]);
    for (std::size_t i = 0; i < k_checksum_length; ++i) {
        out.push_back(k_charset[(mod >> (5 * (5 - i))) & 31]);
    }
    return out;
}

Result<Decoded> decode(std::string_view text) {
    if (text.size() > k_max_length) {
        return make_error("too_long", "bech32 string longer than 90 characters");
    }
    bool has_lower = false;
    bool has_upper = false;
    for (char c : text) {
        if (c < 33 || c > 126) {
            return make_error("bad_character", "bech32 character out of range");
        }
        if (c >= 'a' && c <= 'z') has_lower = true;
        if (c >= 'A' && c <= 'Z') has_upper = true;
    }
    if (has_lower && has_upper) {
        return make_error("mixed_case", "bech32 string mixes upper and lower case");
    }
    const auto sep = text.rfind('1');
    if (sep == std::string_view::npos) {
        return make_error("no_separator", "bech32 string has no separator");
    }
    if (sep == 0) return make_error("empty_hrp", "bech32 human-readable part is empty");
    if (text.size() - sep - 1 < k_checksum_length) {
        return make_error("short_checksum", "bech32 checksum too short");
    }

    Decoded out;
    out.hrp.reserve(sep);
    for (char c : text.substr(0, sep))
        out.hrp.push_back(to_lower(c));

    std::vector<std::uint8_t> values;
    values.reserve(text.size() - sep - 1);
    for (char c : text.substr(sep + 1)) {
        const int v = charset_index(to_lower(c));
        if (v < 0) return make_error("bad_character", "invalid bech32 data character");
        values.push_back(static_cast<std::uint8_t>(v));
    }
    if (polymod(checksum_input(out.hrp, values)) != 1) {
        return make_error("bad_checksum", "bech32 checksum mismatch");
    }
    values.resize(values.size() - k_checksum_length);
    out.data = std::move(values);
    return out;
}

Result<Bytes> convert_bits(ByteView in, int from_bits, int to_bits, bool pad) {
    if (from_bits < 1 || from_bits > 8 || to_bits < 1 || to_bits > 8) {
        return make_error("bad_argument", "bit group sizes must be in 1..8");
    }
    const std::uint32_t max_value = (1u << to_bits) - 1;
    const std::uint32_t max_acc = (1u << (from_bits + to_bits - 1)) - 1;
    std::uint32_t acc = 0;
    int bits = 0;
    Bytes out;
    out.reserve(
        in.size() * static_cast<std::size_t>(from_bits) / static_cast<std::size_t>(to_bits) + 1);
    for (std::uint8_t value : in) {
        if ((value >> from_bits) != 0) {
            return make_error("bad_value", "input value wider than from_bits");
        }
        acc = ((acc << from_bits) | value) & max_acc;
        bits += from_bits;
        while (bits >= to_bits) {
            bits -= to_bits;
            out.push_back(static_cast<std::uint8_t>((acc >> bits) & max_value));
        }
    }
    if (pad) {
        if (bits > 0) {
            out.push_back(static_cast<std::uint8_t>((acc << (to_bits - bits)) & max_value));
        }
    } else if (bits >= from_bits || ((acc << (to_bits - bits)) & max_value) != 0) {
        return make_error("bad_padding", "invalid padding in bit conversion");
    }
    return out;
}

}  // namespace seer::crypto::bech32
