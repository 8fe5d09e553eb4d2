// libFuzzer target: the secret-connection handshake (p2p_handshake.hpp: the steps of
// Connection::handshake over a peer's bytes). fuzz_p2p_wire decodes a hello and an auth message
// in isolation; this target runs the key exchange, sealed frames under the derived keys,
// verify_auth and the node-info checks in sequence, as an unauthenticated TCP peer reaches them.
//
// Input, by the low bit of byte 0:
//  0 (wire): the rest is the peer's stream as received: hello, sealed auth frame, sealed node
//    info frame, then sealed packets. Our ephemeral key is fixed, so recorded streams replay.
//  1 (model): this target plays the peer too. Bytes 1..32 are the peer's ephemeral secret. With
//    bit 1 of byte 0 set, bytes 33..64 seed the peer's node key and the target signs the
//    challenge with it; else a u16 BE length and that many bytes are the auth plaintext. The
//    rest is the node-info plaintext. The target seals both with the peer's derived key.
//
// Invariants: every refusal has a reason; the key exchange refuses our own key (reflection) and
// derives two distinct directions, and both sides derive the same keys and challenge (each one's
// send key the other's receive key); an opened frame does not open again (nonces move on, a
// replayed frame is refused) while a fresh opener reads it the same; an authenticated key is the
// one that signed this session's challenge and no other challenge; a correctly signed auth
// always authenticates, to the node ID of its key; a completed handshake holds a node info of the
// authenticated ID, our protocol and chain, whose encoding is the bytes received.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>

#include "p2p_handshake.hpp"
#include "seer/crypto/hash.hpp"

namespace {

using namespace seer;

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "fuzz invariant violated: %s\n", what);
    std::abort();
}

void check_reason(const Error& e) {
    if (e.reason.empty()) fail("error without a reason");
}

void check_outcome(const fuzz::HandshakeOutcome& o) {
    if (!o.info) check_reason(o.error);
    if (o.keys && o.keys->send_key == o.keys->recv_key) fail("both directions share a key");
    if (o.info) {
        if (!o.peer_key) fail("a handshake completed without authentication");
        if (o.info->node_id != p2p::node_id_of(*o.peer_key)) fail("node info of another node");
        if (!p2p::is_valid_node_id(o.info->node_id)) fail("invalid node id accepted");
        if (o.info->protocol_version != p2p::k_protocol_version) fail("other protocol accepted");
        if (o.info->chain_id != fuzz::k_handshake_chain_id) fail("other chain accepted");
        if (!p2p::validate(*o.info).ok()) fail("accepted node info does not validate");
    }
}

/// The frames after `pos` under `opener`: each opens once, never twice; packets decode or say
/// why not.
void read_frames(p2p::FrameOpener& opener, ByteView stream, std::size_t pos) {
    for (int n = 0; n < 8 && pos < stream.size(); ++n) {
        const p2p::FrameOpener before = opener;
        const std::size_t at = pos;
        auto plain = fuzz::read_frame(opener, stream, pos, p2p::k_max_frame_bytes);
        if (!plain) {
            check_reason(plain.error());
            return;
        }
        // A fresh copy of the opener reads the same; the advanced one refuses the replay.
        p2p::FrameOpener again = before;
        std::size_t pos2 = at;
        auto same = fuzz::read_frame(again, stream, pos2, p2p::k_max_frame_bytes);
        if (!same || *same != *plain) fail("opening a frame is not deterministic");
        std::size_t pos3 = at;
        p2p::FrameOpener replayed = opener;
        if (fuzz::read_frame(replayed, stream, pos3, p2p::k_max_frame_bytes).ok())
            fail("a replayed frame opened");
        auto packet = p2p::decode_packet(*plain);
        if (!packet) check_reason(packet.error());
    }
}

void wire(ByteView stream) {
    std::optional<p2p::FrameOpener> opener;
    const auto o = fuzz::respond(stream, opener);
    check_outcome(o);
    if (o.peer_key) {
        const auto& challenge = o.keys->challenge;
        // Bound to this session: the auth frame (the first after the hello, opened again with a
        // fresh opener) verifies for this challenge and for no other.
        p2p::FrameOpener fresh(o.keys->recv_key, p2p::k_max_frame_bytes);
        std::size_t pos = p2p::k_hello_bytes;
        auto auth = fuzz::read_frame(fresh, stream, pos, fuzz::k_handshake_frame_limit);
        if (!auth) fail("the auth frame does not open twice from the start");
        auto again = p2p::verify_auth(*auth, challenge);
        if (!again || *again != *o.peer_key) fail("verify_auth is not a function of its input");
        crypto::Hash256 other = challenge;
        other[31] ^= 0x80;
        if (p2p::verify_auth(*auth, other).ok()) fail("an auth verified for another session");
    }
    if (o.info && opener) read_frames(*opener, stream, o.consumed);
}

void model(ByteView input) {
    const bool sign = (input[0] & 2) != 0;
    std::size_t pos = 1;
    if (input.size() < pos + 32) return;
    p2p::X25519Key secret;
    std::copy_n(input.begin() + 1, 32, secret.begin());
    pos += 32;
    const auto peer = p2p::EphemeralKey::from_secret(secret);
    const auto& ours = fuzz::responder_ephemeral();

    if (p2p::derive_session_keys(peer, peer.public_key()).ok()) fail("reflected key accepted");
    auto mine = p2p::derive_session_keys(ours, peer.public_key());
    auto theirs = p2p::derive_session_keys(peer, ours.public_key());
    if (!mine) check_reason(mine.error());
    if (!theirs) check_reason(theirs.error());
    if (mine.ok() != theirs.ok()) fail("only one side derives keys");
    if (!mine) return;
    if (mine->send_key != theirs->recv_key || mine->recv_key != theirs->send_key ||
        mine->challenge != theirs->challenge)
        fail("the two sides derive different keys");

    Bytes auth_plain;
    std::optional<crypto::PrivateKey> node;
    if (sign) {
        if (input.size() < pos + 32) return;
        crypto::Seed seed{};
        std::copy_n(input.begin() + static_cast<std::ptrdiff_t>(pos), 32, seed.begin());
        pos += 32;
        node = crypto::PrivateKey::from_seed(seed);
        auth_plain = p2p::encode_auth(p2p::make_auth(*node, theirs->challenge));
    } else {
        if (input.size() < pos + 2) return;
        const std::size_t n = static_cast<std::size_t>(input[pos]) << 8 | input[pos + 1];
        pos += 2;
        if (input.size() - pos < n) return;
        auth_plain.assign(input.begin() + static_cast<std::ptrdiff_t>(pos),
                          input.begin() + static_cast<std::ptrdiff_t>(pos + n));
        pos += n;
    }
    const ByteView info_plain = input.subspan(pos);

    // The peer's stream, sealed with the key the peer derived.
    Bytes stream = p2p::encode_hello(peer.public_key());
    p2p::FrameSealer sealer(theirs->send_key);
    for (ByteView plain : {ByteView(auth_plain), info_plain}) {
        auto f = sealer.seal(plain);
        if (!f) {
            check_reason(f.error());
            break;
        }
        stream.insert(stream.end(), f->begin(), f->end());
    }
    std::optional<p2p::FrameOpener> opener;
    const auto o = fuzz::respond(stream, opener);
    check_outcome(o);
    if (!o.keys || o.keys->recv_key != theirs->send_key) fail("responder derived other keys");
    if (node) {
        // Completeness: a correctly signed auth always authenticates, as its key's node ID.
        if (!o.peer_key || *o.peer_key != node->public_key()) fail("a signed auth was refused");
    }
    if (o.peer_key) {
        if (!crypto::verify(*o.peer_key, o.keys->challenge,
                            ByteView(auth_plain).subspan(32)))
            fail("authenticated a key that did not sign the challenge");
        if (auth_plain.size() != p2p::k_auth_bytes ||
            !std::equal(o.peer_key->begin(), o.peer_key->end(), auth_plain.begin()))
            fail("authenticated another key than the one sent");
    }
    if (o.info) {
        if (p2p::encode_node_info(*o.info) != Bytes(info_plain.begin(), info_plain.end()))
            fail("accepted node info is not its encoding");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const seer::ByteView input(data, size);
    if (size == 0) return 0;
    if ((data[0] & 1) == 0) {
        wire(input.subspan(1));
    } else {
        model(input);
    }
    return 0;
}
