#include "seer/crypto/account_key.hpp"

#include <sodium.h>

#include <algorithm>

#include "seer/common/check.hpp"
#include "seer/crypto/hash.hpp"

namespace seer::crypto {

std::string_view key_type_name(KeyType type) {
    switch (type) {
        case KeyType::secp256k1:
            return "secp256k1";
        case KeyType::ed25519:
            return "ed25519";
    }
    SEER_BUG("unknown key type");
}

std::optional<KeyType> key_type_from_name(std::string_view name) {
    if (name == "secp256k1") return KeyType::secp256k1;
    if (name == "ed25519") return KeyType::ed25519;
    return std::nullopt;
}

std::string_view pubkey_type_url(KeyType type) {
    switch (type) {
        case KeyType::secp256k1:
            return k_secp256k1_pubkey_type_url;
        case KeyType::ed25519:
            return k_ed25519_pubkey_type_url;
    }
    SEER_BUG("unknown key type");
}

std::optional<KeyType> key_type_from_url(std::string_view type_url) {
    if (type_url == k_secp256k1_pubkey_type_url) return KeyType::secp256k1;
    if (type_url == k_ed25519_pubkey_type_url) return KeyType::ed25519;
    return std::nullopt;
}

Result<AccountPubKey> AccountPubKey::make(KeyType type, ByteView key) {
    switch (type) {
        case KeyType::secp256k1:
            if (key.size() != std::tuple_size_v<secp256k1::PublicKey>) {
                return make_error("bad_pubkey", "secp256k1 public key must be 33 bytes, got " +
                                                    std::to_string(key.size()));
            }
            if (!secp256k1::valid_public_key(key)) {
                return make_error("bad_pubkey",
                                  "secp256k1 public key is not a valid compressed point");
            }
            break;
        case KeyType::ed25519:
            if (key.size() != std::tuple_size_v<PublicKey>) {
                return make_error("bad_pubkey", "ed25519 public key must be 32 bytes, got " +
                                                    std::to_string(key.size()));
            }
            break;
        default:
            return make_error("bad_pubkey", "unknown public key type");
    }
    return AccountPubKey{type, Bytes(key.begin(), key.end())};
}

Address AccountPubKey::address() const {
    if (type == KeyType::secp256k1) return hash160(key);
    auto pk = to_array<32>(key);
    SEER_CHECK(pk.has_value());
    return address_of(*pk);
}

bool AccountPubKey::verify(ByteView message, ByteView signature) const {
    switch (type) {
        case KeyType::secp256k1: {
            auto pk = to_array<33>(key);
            return pk && secp256k1::verify(*pk, message, signature);
        }
        case KeyType::ed25519: {
            auto pk = to_array<32>(key);
            return pk && crypto::verify(*pk, message, signature);
        }
    }
    return false;
}

AccountKey AccountKey::generate(KeyType type) {
    if (type == KeyType::ed25519) return AccountKey(PrivateKey::generate());
    return AccountKey(secp256k1::PrivateKey::generate());
}

Result<AccountKey> AccountKey::from_secret(KeyType type, ByteView secret) {
    auto bytes = to_array<32>(secret);
    if (!bytes) {
        return make_error("bad_secret",
                          "secret must be 32 bytes, got " + std::to_string(secret.size()));
    }
    Result<AccountKey> out = make_error("bad_secret", "unknown key type");
    switch (type) {
        case KeyType::secp256k1: {
            auto key = secp256k1::PrivateKey::from_secret(*bytes);
            if (key) {
                out = AccountKey(std::move(key).value());
            } else {
                out = key.error();
            }
            break;
        }
        case KeyType::ed25519:
            out = AccountKey(PrivateKey::from_seed(*bytes));
            break;
    }
    sodium_memzero(bytes->data(), bytes->size());
    return out;
}

KeyType AccountKey::type() const {
    return std::holds_alternative<secp256k1::PrivateKey>(m_key) ? KeyType::secp256k1
                                                                : KeyType::ed25519;
}

AccountPubKey AccountKey::public_key() const {
    if (const auto* k = std::get_if<secp256k1::PrivateKey>(&m_key)) {
        const auto& pk = k->public_key();
        return AccountPubKey{KeyType::secp256k1, Bytes(pk.begin(), pk.end())};
    }
    const auto& pk = std::get<PrivateKey>(m_key).public_key();
    return AccountPubKey{KeyType::ed25519, Bytes(pk.begin(), pk.end())};
}

Bytes AccountKey::sign(ByteView message) const {
    if (const auto* k = std::get_if<secp256k1::PrivateKey>(&m_key)) {
        const auto sig = k->sign(message);
        return Bytes(sig.begin(), sig.end());
    }
    const auto sig = std::get<PrivateKey>(m_key).sign(message);
    return Bytes(sig.begin(), sig.end());
}

Bytes AccountKey::secret() const {
    if (const auto* k = std::get_if<secp256k1::PrivateKey>(&m_key)) {
        const auto& s = k->secret();
        return Bytes(s.begin(), s.end());
    }
    const auto& s = std::get<PrivateKey>(m_key).seed();
    return Bytes(s.begin(), s.end());
}

}  // namespace seer::crypto
