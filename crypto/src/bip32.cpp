#include "seer/crypto/bip32.hpp"

#include <sodium.h>

#include <algorithm>
#include <string>

#include "seer/common/check.hpp"
#include "seer/crypto/hash.hpp"

namespace seer::crypto::bip32 {

namespace {

constexpr std::uint32_t k_xprv_version = 0x0488ADE4u;
constexpr std::uint32_t k_xpub_version = 0x0488B21Eu;

void append_u32(Bytes& out, std::uint32_t v) {
    append_be(out, v, 4);
}

std::string base58check(ByteView payload) {
    static constexpr char k_alphabet[] =
        "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    Bytes data(payload.begin(), payload.end());
    const Hash256 check = sha256(sha256(payload));
    data.insert(data.end(), check.begin(), check.begin() + 4);

    // Repeated division of the big-endian number by 58.
    std::string digits;
    Bytes number = data;
    std::size_t start = 0;
    while (start < number.size() && number[start] == 0)
        ++start;
    const std::size_t leading_zeros = start;
    while (start < number.size()) {
        unsigned remainder = 0;
        for (std::size_t i = start; i < number.size(); ++i) {
            const unsigned acc = (remainder << 8) | number[i];
            number[i] = static_cast<std::uint8_t>(acc / 58);
            remainder = acc % 58;
        }
        digits.push_back(k_alphabet[remainder]);
        while (start < number.size() && number[start] == 0)
            ++start;
    }
    digits.append(leading_zeros, '1');
    std::reverse(digits.begin(), digits.end());
    return digits;
}

Bytes serialize(const ExtendedKey& key, std::uint32_t version, ByteView key_data) {
    Bytes out;
    out.reserve(78);
    append_u32(out, version);
    out.push_back(key.depth);
    append_u32(out, key.parent_fingerprint);
    append_u32(out, key.child_number);
    out.insert(out.end(), key.chain_code.begin(), key.chain_code.end());
    out.insert(out.end(), key_data.begin(), key_data.end());
    return out;
}

ExtendedKey split(const Hash512& i, const secp256k1::Secret& secret) {
    ExtendedKey key;
    key.secret = secret;
    std::copy_n(i.begin() + 32, 32, key.chain_code.begin());
    return key;
}

}  // namespace

Result<ExtendedKey> master_key(ByteView seed) {
    if (seed.size() < 16 || seed.size() > 64) {
        return make_error("bad_seed",
                          "BIP-32 seed must be 16..64 bytes, got " + std::to_string(seed.size()));
    }
    Hash512 i = hmac_sha512(as_bytes("Bitcoin seed"), seed);
    secp256k1::Secret il{};
    std::copy_n(i.begin(), 32, il.begin());
    // IL must be a valid key (non-zero, below n); BIP-32 says the seed is then unusable.
    if (!secp256k1::public_key_of(il)) {
        sodium_memzero(i.data(), i.size());
        return make_error("invalid_master_key", "BIP-32 master key is invalid for this seed");
    }
    ExtendedKey key = split(i, il);
    sodium_memzero(i.data(), i.size());
    sodium_memzero(il.data(), il.size());
    return key;
}

Result<ExtendedKey> derive_child(const ExtendedKey& parent, std::uint32_t index) {
    if (parent.depth == 255) return make_error("too_deep", "BIP-32 depth is at most 255");
    auto parent_pub = secp256k1::public_key_of(parent.secret);
    if (!parent_pub) return parent_pub.error();

    Bytes data;
    data.reserve(37);
    if (index >= k_hardened) {
        data.push_back(0x00);
        data.insert(data.end(), parent.secret.begin(), parent.secret.end());
    } else {
        data.insert(data.end(), parent_pub->begin(), parent_pub->end());
    }
    append_u32(data, index);
    Hash512 i = hmac_sha512(parent.chain_code, data);
    sodium_memzero(data.data(), data.size());

    secp256k1::Secret il{};
    std::copy_n(i.begin(), 32, il.begin());
    auto child_secret = secp256k1::add_tweak(parent.secret, il);
    sodium_memzero(il.data(), il.size());
    if (!child_secret) {
        sodium_memzero(i.data(), i.size());
        // Probability below 2^-127; BIP-32 says to proceed with the next index.
        return make_error("invalid_child", "BIP-32 child " + std::to_string(index) +
                                               " is invalid; use the next index");
    }
    ExtendedKey child = split(i, *child_secret);
    sodium_memzero(i.data(), i.size());
    child.depth = static_cast<std::uint8_t>(parent.depth + 1);
    const Hash160 id = hash160(*parent_pub);
    child.parent_fingerprint = static_cast<std::uint32_t>(read_be(ByteView(id).first(4)));
    child.child_number = index;
    return child;
}

Result<std::vector<std::uint32_t>> parse_path(std::string_view path) {
    auto bad = [&](const std::string& why) {
        return make_error("bad_hd_path", "HD path '" + std::string(path) + "': " + why);
    };
    if (path.empty() || path[0] != 'm') return bad("must start with 'm'");
    std::vector<std::uint32_t> out;
    std::size_t i = 1;
    while (i < path.size()) {
        if (path[i] != '/') return bad("expected '/'");
        ++i;
        std::uint64_t value = 0;
        std::size_t digits = 0;
        while (i < path.size() && path[i] >= '0' && path[i] <= '9') {
            value = value * 10 + static_cast<unsigned>(path[i] - '0');
            ++digits;
            ++i;
            if (value >= k_hardened) return bad("index must be below 2^31");
        }
        if (digits == 0) return bad("empty index");
        bool hardened = false;
        if (i < path.size() && (path[i] == '\'' || path[i] == 'h' || path[i] == 'H')) {
            hardened = true;
            ++i;
        }
        out.push_back(static_cast<std::uint32_t>(value) | (hardened ? k_hardened : 0u));
    }
    if (out.size() > 255) return bad("more than 255 levels");
    return out;
}

Result<ExtendedKey> derive_path(ByteView seed, std::string_view path) {
    auto indexes = parse_path(path);
    if (!indexes) return indexes.error();
    auto key = master_key(seed);
    if (!key) return key.error();
    ExtendedKey current = std::move(key).value();
    for (std::uint32_t index : *indexes) {
        auto child = derive_child(current, index);
        sodium_memzero(current.secret.data(), current.secret.size());
        if (!child) return child.error();
        current = std::move(child).value();
    }
    return current;
}

std::string to_xprv(const ExtendedKey& key) {
    Bytes key_data;
    key_data.push_back(0x00);
    key_data.insert(key_data.end(), key.secret.begin(), key.secret.end());
    Bytes payload = serialize(key, k_xprv_version, key_data);
    std::string out = base58check(payload);
    sodium_memzero(payload.data(), payload.size());
    sodium_memzero(key_data.data(), key_data.size());
    return out;
}

std::string to_xpub(const ExtendedKey& key) {
    auto pub = secp256k1::public_key_of(key.secret);
    SEER_CHECK(pub.ok());
    return base58check(serialize(key, k_xpub_version, *pub));
}

Result<std::array<std::uint8_t, 32>> derive_ed25519_path(ByteView seed, std::string_view path) {
    if (seed.size() < 16 || seed.size() > 64) {
        return make_error(
            "bad_seed", "SLIP-0010 seed must be 16..64 bytes, got " + std::to_string(seed.size()));
    }
    auto indexes = parse_path(path);
    if (!indexes) return indexes.error();
    for (std::uint32_t index : *indexes) {
        if (index < k_hardened) {
            return make_error("bad_hd_path", "HD path '" + std::string(path) +
                                                 "': ed25519 derivation is hardened only");
        }
    }
    // Master: I = HMAC-SHA512("ed25519 seed", seed); child: HMAC-SHA512(c, 0x00 || k || i).
    Hash512 i = hmac_sha512(as_bytes("ed25519 seed"), seed);
    for (std::uint32_t index : *indexes) {
        Bytes data;
        data.reserve(37);
        data.push_back(0x00);
        data.insert(data.end(), i.begin(), i.begin() + 32);
        append_u32(data, index);
        const Hash512 next = hmac_sha512(ByteView(i).subspan(32), data);
        sodium_memzero(data.data(), data.size());
        i = next;
    }
    std::array<std::uint8_t, 32> out{};
    std::copy_n(i.begin(), 32, out.begin());
    sodium_memzero(i.data(), i.size());
    return out;
}

}  // namespace seer::crypto::bip32
