#pragma once
// The secret connection's cryptography, without any socket (docs/p2p.md "Handshake" and
// "Frames"): ephemeral X25519 keys, the HKDF key schedule, 96-bit nonce counters, sealing and
// opening frames, and the authentication message. The Asio session in switch.cpp drives these;
// tests and fuzzers use them directly.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "seer/common/bytes.hpp"
#include "seer/common/result.hpp"
#include "seer/crypto/ed25519.hpp"
#include "seer/crypto/hash.hpp"

namespace seer::p2p {

/// The protocol version in NodeInfo; a peer with another version is refused.
inline constexpr std::uint32_t k_protocol_version = 2;  // 2: peer-state gossip (issue 15)

/// The hello: 4 magic bytes then the 32-byte ephemeral X25519 public key, in the clear.
inline constexpr std::array<std::uint8_t, 4> k_hello_magic = {'S', 'P', '2', 'P'};
inline constexpr std::size_t k_hello_bytes = 4 + 32;

/// A frame is a u32 big-endian ciphertext length, then the ciphertext (plaintext + 16-byte tag).
inline constexpr std::size_t k_frame_header_bytes = 4;
inline constexpr std::size_t k_tag_bytes = 16;
/// The largest frame plaintext any implementation must accept (and our default limit).
inline constexpr std::size_t k_max_frame_bytes = 1024 * 1024;
/// The largest frame plaintext we send: messages are cut into packets of at most this size.
inline constexpr std::size_t k_send_frame_bytes = 64 * 1024;

/// The encrypted authentication message: ed25519 node public key || signature.
inline constexpr std::size_t k_auth_bytes = 32 + 64;

using X25519Key = std::array<std::uint8_t, 32>;
using AeadKey = std::array<std::uint8_t, 32>;
using Nonce = std::array<std::uint8_t, 12>;

/// A node ID: lower-case hex of address_of(node public key), 40 characters (as CometBFT).
using PeerId = std::string;

PeerId node_id_of(const crypto::PublicKey& key);
/// True for exactly 40 lower-case hex digits.
bool is_valid_node_id(std::string_view id);

/// A fresh ephemeral X25519 key pair (secret wiped on destruction).
class EphemeralKey {
public:
    static EphemeralKey generate();
    /// Deterministic, for tests: the secret scalar is `secret` (clamped by X25519).
    static EphemeralKey from_secret(const X25519Key& secret);
    ~EphemeralKey();
    EphemeralKey(const EphemeralKey&) = default;
    EphemeralKey& operator=(const EphemeralKey&) = default;

    const X25519Key& public_key() const { return m_public; }
    const X25519Key& secret_key() const { return m_secret; }

private:
    EphemeralKey() = default;
    X25519Key m_public{};
    X25519Key m_secret{};
};

Bytes encode_hello(const X25519Key& ephemeral_public);
/// Checks the magic; the key itself is checked by derive_session_keys.
Result<X25519Key> decode_hello(ByteView hello);

/// What both sides derive from the key exchange.
struct SessionKeys {
    AeadKey send_key{};
    AeadKey recv_key{};
    crypto::Hash256 challenge{};  // the transcript hash both sides sign
};

/// X25519(ours, theirs), refusing a low-order peer key (all-zero shared secret) and a reflected
/// key (theirs == ours); then the HKDF key schedule of docs/p2p.md.
Result<SessionKeys> derive_session_keys(const EphemeralKey& ours, const X25519Key& theirs);

/// A 96-bit little-endian counter; each value is used for exactly one frame. After the last
/// value (2^96 - 1) the counter is exhausted and next() fails: the connection must be closed.
class NonceCounter {
public:
    NonceCounter() = default;
    /// For tests: start at an arbitrary value.
    explicit NonceCounter(const Nonce& start) : m_next(start) {}
    /// The nonce to use now, advancing the counter; an error once exhausted.
    Result<Nonce> next();
    const Nonce& peek() const { return m_next; }
    bool exhausted() const { return m_exhausted; }

private:
    Nonce m_next{};
    bool m_exhausted = false;
};

/// Seals outgoing frames with one key and its own nonce counter (one direction).
class FrameSealer {
public:
    explicit FrameSealer(const AeadKey& key, NonceCounter nonce = {}) : m_key(key), m_nonce(nonce) {}
    /// header || ChaCha20-Poly1305(plaintext), AD = the header. Fails on an empty or too large
    /// plaintext (> k_max_frame_bytes) and on nonce exhaustion.
    Result<Bytes> seal(ByteView plaintext);

private:
    AeadKey m_key;
    NonceCounter m_nonce;
};

/// Opens incoming frames (the other direction).
class FrameOpener {
public:
    explicit FrameOpener(const AeadKey& key, std::size_t max_frame_bytes = k_max_frame_bytes,
                         NonceCounter nonce = {})
        : m_key(key), m_max(max_frame_bytes), m_nonce(nonce) {}
    /// The ciphertext length announced by a 4-byte header, checked against the limit: more than
    /// max_frame_bytes + tag, or no room for a non-empty plaintext, is an error.
    Result<std::uint32_t> ciphertext_length(ByteView header) const;
    /// Authenticates and decrypts one frame (header as received, ciphertext of the announced
    /// length). Any failure is fatal for the connection.
    Result<Bytes> open(ByteView header, ByteView ciphertext);

private:
    AeadKey m_key;
    std::size_t m_max;
    NonceCounter m_nonce;
};

/// The authentication message: our node key and its signature over the challenge.
struct AuthMessage {
    crypto::PublicKey node_key{};
    crypto::Signature signature{};
};

AuthMessage make_auth(const crypto::PrivateKey& node_key, const crypto::Hash256& challenge);
Bytes encode_auth(const AuthMessage& auth);
Result<AuthMessage> decode_auth(ByteView bytes);
/// Decodes and verifies the signature over `challenge`; returns the authenticated key.
Result<crypto::PublicKey> verify_auth(ByteView bytes, const crypto::Hash256& challenge);

}  // namespace seer::p2p
