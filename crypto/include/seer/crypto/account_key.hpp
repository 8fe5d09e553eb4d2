#pragma once
// An account's signing key as a Cosmos tx names it: secp256k1 (the default, as in the SDK) or
// ed25519. Addresses follow the SDK: secp256k1 RIPEMD-160(SHA-256(pk)), ed25519 SHA-256(pk)[:20].

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "seer/common/bytes.hpp"
#include "seer/common/result.hpp"
#include "seer/crypto/address.hpp"
#include "seer/crypto/ed25519.hpp"
#include "seer/crypto/secp256k1.hpp"

namespace seer::crypto {

enum class KeyType : std::uint8_t { secp256k1 = 1, ed25519 = 2 };

inline constexpr std::string_view k_secp256k1_pubkey_type_url = "/cosmos.crypto.secp256k1.PubKey";
inline constexpr std::string_view k_ed25519_pubkey_type_url = "/cosmos.crypto.ed25519.PubKey";

std::string_view key_type_name(KeyType type);  // "secp256k1", "ed25519"
std::optional<KeyType> key_type_from_name(std::string_view name);
std::string_view pubkey_type_url(KeyType type);
std::optional<KeyType> key_type_from_url(std::string_view type_url);

/// A public key of either type (33 bytes secp256k1 compressed, 32 bytes ed25519).
struct AccountPubKey {
    KeyType type = KeyType::secp256k1;
    Bytes key;
    bool operator==(const AccountPubKey&) const = default;
    /// Checks the length and, for secp256k1, that the point is valid.
    static Result<AccountPubKey> make(KeyType type, ByteView key);
    Address address() const;
    bool verify(ByteView message, ByteView signature) const;
};

class AccountKey {
public:
    explicit AccountKey(secp256k1::PrivateKey key) : m_key(std::move(key)) {}
    explicit AccountKey(PrivateKey key) : m_key(std::move(key)) {}
    /// A fresh key of `type`.
    static AccountKey generate(KeyType type);
    /// secp256k1: the 32-byte secret; ed25519: the 32-byte seed.
    static Result<AccountKey> from_secret(KeyType type, ByteView secret);

    KeyType type() const;
    AccountPubKey public_key() const;
    Address address() const { return public_key().address(); }
    Bytes sign(ByteView message) const;
    Bytes secret() const;

private:
    std::variant<secp256k1::PrivateKey, PrivateKey> m_key;
};

}  // namespace seer::crypto
