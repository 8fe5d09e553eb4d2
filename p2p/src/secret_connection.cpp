// The secret connection's cryptography (docs/p2p.md): X25519, HKDF-SHA256, ChaCha20-Poly1305.

#include "seer/p2p/secret_connection.hpp"

#include <sodium.h>

#include <algorithm>
#include <cstring>

#include "seer/common/check.hpp"
#include "seer/crypto/address.hpp"

namespace seer::p2p {
namespace {

constexpr std::string_view k_kdf_salt = "seer-p2p/v1/secret-connection";
constexpr std::string_view k_challenge_tag = "seer-p2p/v1/challenge";

void put_u32(std::uint8_t* out, std::uint32_t v) {
    out[0] = static_cast<std::uint8_t>(v >> 24);
    out[1] = static_cast<std::uint8_t>(v >> 16);
    out[2] = static_cast<std::uint8_t>(v >> 8);
    out[3] = static_cast<std::uint8_t>(v);
}

std::uint32_t get_u32(const std::uint8_t* in) {
    return (std::uint32_t{in[0]} << 24) | (std::uint32_t{in[1]} << 16) |
           (std::uint32_t{in[2]} << 8) | std::uint32_t{in[3]};
}

}  // namespace

PeerId node_id_of(const crypto::PublicKey& key) {
    const crypto::Address address = crypto::address_of(key);
    return to_hex(address);
}

bool is_valid_node_id(std::string_view id) {
    if (id.size() != 40) return false;
    return std::all_of(id.begin(), id.end(),
                       [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

EphemeralKey EphemeralKey::generate() {
    crypto::init();
    X25519Key secret;
    randombytes_buf(secret.data(), secret.size());
    EphemeralKey k = from_secret(secret);
    sodium_memzero(secret.data(), secret.size());
    return k;
}

EphemeralKey EphemeralKey::from_secret(const X25519Key& secret) {
    crypto::init();
    EphemeralKey k;
    k.m_secret = secret;
    SEER_CHECK(crypto_scalarmult_base(k.m_public.data(), k.m_secret.data()) == 0);
    return k;
}

EphemeralKey::~EphemeralKey() { sodium_memzero(m_secret.data(), m_secret.size()); }

Bytes encode_hello(const X25519Key& ephemeral_public) {
    Bytes out(k_hello_magic.begin(), k_hello_magic.end());
    out.insert(out.end(), ephemeral_public.begin(), ephemeral_public.end());
    return out;
}

Result<X25519Key> decode_hello(ByteView hello) {
    if (hello.size() != k_hello_bytes)
        return make_error("bad_hello", "hello must be exactly 36 bytes");
    if (!std::equal(k_hello_magic.begin(), k_hello_magic.end(), hello.begin()))
        return make_error("bad_hello", "wrong magic (not a seer p2p peer)");
    X25519Key key;
    std::copy(hello.begin() + 4, hello.end(), key.begin());
    return key;
}

Result<SessionKeys> derive_session_keys(const EphemeralKey& ours, const X25519Key& theirs) {
    crypto::init();
    if (theirs == ours.public_key())
        return make_error("bad_ephemeral_key", "peer echoed our ephemeral key");
    X25519Key shared;
    // libsodium returns -1 when the result is all-zero, i.e. for the low-order points.
    if (crypto_scalarmult(shared.data(), ours.secret_key().data(), theirs.data()) != 0)
        return make_error("bad_ephemeral_key", "low-order ephemeral key (all-zero shared secret)");
    const X25519Key zero{};
    if (sodium_memcmp(shared.data(), zero.data(), shared.size()) == 0)
        return make_error("bad_ephemeral_key", "all-zero shared secret");

    const bool ours_low =
        std::lexicographical_compare(ours.public_key().begin(), ours.public_key().end(),
                                     theirs.begin(), theirs.end());
    const X25519Key& lo = ours_low ? ours.public_key() : theirs;
    const X25519Key& hi = ours_low ? theirs : ours.public_key();
    Bytes info(lo.begin(), lo.end());
    info.insert(info.end(), hi.begin(), hi.end());

    Bytes okm = crypto::hkdf_sha256(shared, as_bytes(k_kdf_salt), info, 96);
    sodium_memzero(shared.data(), shared.size());

    SessionKeys keys;
    AeadKey key_lo;
    AeadKey key_hi;
    std::copy(okm.begin(), okm.begin() + 32, key_lo.begin());
    std::copy(okm.begin() + 32, okm.begin() + 64, key_hi.begin());
    keys.send_key = ours_low ? key_lo : key_hi;
    keys.recv_key = ours_low ? key_hi : key_lo;

    crypto::Sha256 transcript;
    transcript.update(as_bytes(k_challenge_tag)).update(lo).update(hi);
    transcript.update(ByteView(okm.data() + 64, 32));
    keys.challenge = transcript.finish();
    sodium_memzero(okm.data(), okm.size());
    sodium_memzero(key_lo.data(), key_lo.size());
    sodium_memzero(key_hi.data(), key_hi.size());
    return keys;
}

Result<Nonce> NonceCounter::next() {
    if (m_exhausted) return make_error("nonce_exhausted", "nonce counter overflow");
    const Nonce current = m_next;
    bool carry = true;
    for (std::size_t i = 0; i < m_next.size() && carry; ++i) {
        m_next[i] = static_cast<std::uint8_t>(m_next[i] + 1);
        carry = m_next[i] == 0;
    }
    if (carry) m_exhausted = true;  // `current` was 2^96 - 1: the last usable value
    return current;
}

Result<Bytes> FrameSealer::seal(ByteView plaintext) {
    if (plaintext.empty()) return make_error("empty_frame", "refusing to seal an empty frame");
    if (plaintext.size() > k_max_frame_bytes)
        return make_error("frame_too_large", "frame plaintext above k_max_frame_bytes");
    auto nonce = m_nonce.next();
    if (!nonce) return nonce.error();
    const std::size_t ct_len = plaintext.size() + k_tag_bytes;
    Bytes out(k_frame_header_bytes + ct_len);
    put_u32(out.data(), static_cast<std::uint32_t>(ct_len));
    unsigned long long written = 0;
    crypto_aead_chacha20poly1305_ietf_encrypt(out.data() + k_frame_header_bytes, &written,
                                              plaintext.data(), plaintext.size(), out.data(),
                                              k_frame_header_bytes, nullptr, nonce->data(),
                                              m_key.data());
    SEER_CHECK(written == ct_len);
    return out;
}

Result<std::uint32_t> FrameOpener::ciphertext_length(ByteView header) const {
    if (header.size() != k_frame_header_bytes)
        return make_error("bad_frame", "frame header must be 4 bytes");
    const std::uint32_t len = get_u32(header.data());
    if (len <= k_tag_bytes) return make_error("bad_frame", "frame too short for a tag");
    if (len > m_max + k_tag_bytes)
        return make_error("frame_too_large", "frame length " + std::to_string(len) +
                                                 " above the limit " + std::to_string(m_max));
    return len;
}

Result<Bytes> FrameOpener::open(ByteView header, ByteView ciphertext) {
    auto len = ciphertext_length(header);
    if (!len) return len.error();
    if (ciphertext.size() != *len) return make_error("bad_frame", "ciphertext length mismatch");
    auto nonce = m_nonce.next();
    if (!nonce) return nonce.error();
    Bytes plain(ciphertext.size() - k_tag_bytes);
    unsigned long long written = 0;
    if (crypto_aead_chacha20poly1305_ietf_decrypt(plain.data(), &written, nullptr,
                                                  ciphertext.data(), ciphertext.size(),
                                                  header.data(), header.size(), nonce->data(),
                                                  m_key.data()) != 0)
        return make_error("bad_frame_auth", "frame authentication failed");
    SEER_CHECK(written == plain.size());
    return plain;
}

AuthMessage make_auth(const crypto::PrivateKey& node_key, const crypto::Hash256& challenge) {
    return AuthMessage{node_key.public_key(), node_key.sign(challenge)};
}

Bytes encode_auth(const AuthMessage& auth) {
    Bytes out(auth.node_key.begin(), auth.node_key.end());
    out.insert(out.end(), auth.signature.begin(), auth.signature.end());
    return out;
}

Result<AuthMessage> decode_auth(ByteView bytes) {
    if (bytes.size() != k_auth_bytes)
        return make_error("bad_auth", "auth message must be 96 bytes");
    AuthMessage auth;
    std::copy(bytes.begin(), bytes.begin() + 32, auth.node_key.begin());
    std::copy(bytes.begin() + 32, bytes.end(), auth.signature.begin());
    return auth;
}

Result<crypto::PublicKey> verify_auth(ByteView bytes, const crypto::Hash256& challenge) {
    auto auth = decode_auth(bytes);
    if (!auth) return auth.error();
    if (!crypto::verify(auth->node_key, challenge, auth->signature))
        return make_error("bad_auth", "node key signature over the challenge does not verify");
    return auth->node_key;
}

}  // namespace seer::p2p
