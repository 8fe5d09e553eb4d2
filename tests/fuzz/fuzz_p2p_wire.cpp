// libFuzzer target: everything a p2p peer can send before and after the handshake
// (seer::p2p decoders): the hello, frame headers and frames, the auth message, node info,
// packets, and packet streams through the message assembler.
// Invariants: never crash, refuse with a reason, node info re-encodes to the same bytes, a
// reassembled message never exceeds its channel's limit, only exact sealings authenticate.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "seer/crypto/hash.hpp"
#include "seer/p2p/secret_connection.hpp"
#include "seer/p2p/switch.hpp"
#include "seer/p2p/wire.hpp"

namespace {

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "fuzz invariant violated: %s\n", what);
    std::abort();
}

template <class T>
void check_error(const seer::Result<T>& r) {
    if (!r.ok() && r.error().reason.empty()) fail("error without a reason");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace seer;
    using namespace seer::p2p;
    const ByteView input(data, size);

    check_error(decode_hello(input));
    check_error(decode_auth(input));

    auto info = decode_node_info(input);
    check_error(info);
    if (info.ok()) {
        if (!validate(*info).ok()) fail("decoded node info does not validate");
        const Bytes again = encode_node_info(*info);
        if (again != Bytes(input.begin(), input.end())) fail("node info encoding not canonical");
    }

    // Peer exchange: what decodes re-encodes to the same bytes, and every address parses.
    auto pex = decode_pex(input);
    check_error(pex);
    if (pex.ok()) {
        if (encode_pex(*pex) != Bytes(input.begin(), input.end())) fail("pex encoding not canonical");
        for (const auto& a : pex->addrs)
            if (!parse_peer_address(a).ok()) fail("pex address does not parse");
    }

    // Frames under a fixed key: a header is bounded, random ciphertext never authenticates.
    AeadKey key{};
    key[0] = 7;
    FrameOpener opener(key, 4096);
    if (size >= k_frame_header_bytes) {
        auto len = opener.ciphertext_length(input.first(k_frame_header_bytes));
        check_error(len);
        if (len.ok()) {
            if (*len > 4096 + k_tag_bytes || *len <= k_tag_bytes) fail("frame length bound");
            if (size - k_frame_header_bytes == *len) {
                auto opened = opener.open(input.first(4), input.subspan(4));
                check_error(opened);
                if (opened.ok()) {
                    // Only an exact sealing under this key and nonce 0 may open (no malleability).
                    FrameSealer sealer(key);
                    auto resealed = sealer.seal(*opened);
                    if (!resealed.ok() || *resealed != Bytes(input.begin(), input.end()))
                        fail("a frame that is not our sealing authenticated");
                }
            }
        }
    }

    // One packet, then the input as a stream of u8-length-prefixed packets.
    check_error(decode_packet(input));
    ChannelLimits limits{};
    limits[0] = 64;
    limits[1] = 1000;
    limits[0x20] = 3;
    MessageAssembler assembler(limits);
    std::size_t pos = 0;
    while (pos < size) {
        const std::size_t n = data[pos++];
        if (n > size - pos) break;
        auto packet = decode_packet(input.subspan(pos, n));
        pos += n;
        check_error(packet);
        if (!packet.ok() || packet->type == PacketType::ping || packet->type == PacketType::pong)
            continue;
        auto done = assembler.push(*packet);
        check_error(done);
        if (!done.ok()) break;  // the connection would be closed here
        if (*done) {
            const auto& m = **done;
            if (limits[m.channel] == 0) fail("message on an unknown channel");
            if (m.payload.size() > limits[m.channel]) fail("message above its channel limit");
        }
    }
    return 0;
}
