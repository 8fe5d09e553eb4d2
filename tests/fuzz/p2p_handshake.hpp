#pragma once
// The secret-connection handshake as p2p/src/connection.cpp runs it (Connection::handshake),
// without a socket: the responder's side over the bytes a peer sends, for fuzz_p2p_handshake and
// the seeds of seer_fuzz_p2p_smoke. The steps and their order are the connection's: the hello,
// the key exchange (derive_session_keys), the sealed auth frame (verify_auth, node ID of the
// key), the sealed node-info frame (decode_node_info, then node ID, protocol and chain ID
// against ours), each frame read with the connection's handshake limit.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "seer/common/bytes.hpp"
#include "seer/common/result.hpp"
#include "seer/crypto/ed25519.hpp"
#include "seer/p2p/secret_connection.hpp"
#include "seer/p2p/wire.hpp"

namespace seer::fuzz {

/// connection.cpp's limit for the two handshake frames.
inline constexpr std::size_t k_handshake_frame_limit =
    std::max(p2p::k_auth_bytes, p2p::k_max_node_info_bytes);
inline constexpr std::string_view k_handshake_chain_id = "seer-fuzz";

inline p2p::X25519Key fill_key(std::uint8_t v) {
    p2p::X25519Key k;
    k.fill(v);
    return k;
}

/// Our side: a fixed ephemeral key, so a recorded peer stream replays.
inline const p2p::EphemeralKey& responder_ephemeral() {
    static const p2p::EphemeralKey k = p2p::EphemeralKey::from_secret(fill_key(0x11));
    return k;
}

inline crypto::PrivateKey node_key(std::uint8_t v) {
    crypto::Seed s{};
    s.fill(v);
    return crypto::PrivateKey::from_seed(s);
}

struct HandshakeOutcome {
    std::optional<p2p::SessionKeys> keys;       // after the key exchange
    std::optional<crypto::PublicKey> peer_key;  // after the auth frame
    std::optional<p2p::NodeInfo> info;          // set when the handshake completed
    Error error;                                // when it did not
    std::size_t consumed = 0;                   // bytes of `stream` read
};

/// Reads one frame as Connection::read_frame does (the announced length against the opener's
/// limit, then against `limit`), from `stream` at `pos`.
inline Result<Bytes> read_frame(p2p::FrameOpener& opener, ByteView stream, std::size_t& pos,
                                std::size_t limit) {
    if (stream.size() - pos < p2p::k_frame_header_bytes)
        return make_error("eof", "stream ends before a frame header");
    const ByteView header = stream.subspan(pos, p2p::k_frame_header_bytes);
    auto len = opener.ciphertext_length(header);
    if (!len) return len.error();
    if (*len > limit + p2p::k_tag_bytes) return make_error("frame_too_large", "handshake frame");
    if (stream.size() - pos - p2p::k_frame_header_bytes < *len)
        return make_error("eof", "stream ends inside a frame");
    const ByteView ciphertext = stream.subspan(pos + p2p::k_frame_header_bytes, *len);
    pos += p2p::k_frame_header_bytes + *len;
    return opener.open(header, ciphertext);
}

/// The responder's handshake over `stream`; `opener` is set up after the key exchange (the
/// caller may read more frames with it).
inline HandshakeOutcome respond(ByteView stream, std::optional<p2p::FrameOpener>& opener) {
    HandshakeOutcome out;
    const auto& ours = responder_ephemeral();
    auto fail = [&](Error e) {
        out.error = std::move(e);
        return out;
    };
    if (stream.size() < p2p::k_hello_bytes) return fail(make_error("eof", "no hello"));
    auto their = p2p::decode_hello(stream.first(p2p::k_hello_bytes));
    if (!their) return fail(their.error());
    std::size_t pos = p2p::k_hello_bytes;
    auto keys = p2p::derive_session_keys(ours, *their);
    if (!keys) return fail(keys.error());
    out.keys = *keys;
    opener.emplace(keys->recv_key, p2p::k_max_frame_bytes);
    auto auth = read_frame(*opener, stream, pos, k_handshake_frame_limit);
    out.consumed = pos;
    if (!auth) return fail(auth.error());
    auto key = p2p::verify_auth(*auth, keys->challenge);
    if (!key) return fail(key.error());
    out.peer_key = *key;
    const p2p::PeerId id = p2p::node_id_of(*key);
    auto info_bytes = read_frame(*opener, stream, pos, k_handshake_frame_limit);
    out.consumed = pos;
    if (!info_bytes) return fail(info_bytes.error());
    auto info = p2p::decode_node_info(*info_bytes);
    if (!info) return fail(info.error());
    if (info->node_id != id) return fail(make_error("node_id_mismatch", "node info claims another"));
    if (info->protocol_version != p2p::k_protocol_version)
        return fail(make_error("protocol_mismatch", "peer protocol"));
    if (info->chain_id != k_handshake_chain_id)
        return fail(make_error("chain_id_mismatch", "peer chain_id"));
    out.info = std::move(*info);
    return out;
}

/// A peer's stream: its hello, its sealed auth (signed by `node`), its sealed node info and any
/// sealed `frames` after it. `edit` may change the node info before it is sealed.
template <class Edit>
Bytes peer_stream(const p2p::EphemeralKey& peer, const crypto::PrivateKey& node, Edit edit,
                  const std::vector<Bytes>& frames = {}) {
    Bytes out = p2p::encode_hello(peer.public_key());
    auto keys = p2p::derive_session_keys(peer, responder_ephemeral().public_key());
    if (!keys) return out;
    p2p::FrameSealer sealer(keys->send_key);
    auto append = [&](ByteView plain) {
        auto f = sealer.seal(plain);
        if (f) out.insert(out.end(), f->begin(), f->end());
    };
    append(p2p::encode_auth(p2p::make_auth(node, keys->challenge)));
    p2p::NodeInfo info;
    info.protocol_version = p2p::k_protocol_version;
    info.node_id = p2p::node_id_of(node.public_key());
    info.chain_id = std::string(k_handshake_chain_id);
    info.listen_address = "127.0.0.1:26656";
    info.moniker = "peer";
    edit(info);
    // Encoded by hand: an edit may break a bound encode_node_info checks.
    Bytes plain;
    for (int shift = 24; shift >= 0; shift -= 8)
        plain.push_back(static_cast<std::uint8_t>(info.protocol_version >> shift));
    for (const std::string* s : {&info.node_id, &info.chain_id, &info.listen_address, &info.moniker}) {
        plain.push_back(static_cast<std::uint8_t>(s->size()));
        plain.insert(plain.end(), s->begin(), s->end());
    }
    append(plain);
    for (const auto& f : frames)
        append(f);
    return out;
}

}  // namespace seer::fuzz
