// seer_fuzz_p2p_smoke: the p2p fuzz entry points (fuzz_p2p_wire.cpp, fuzz_p2p_handshake.cpp)
// over deterministic corpora on every build. Same scheme as seer_fuzz_smoke (smoke_main.cpp):
// valid encodings (hello, auth, node info, packets, packet streams, frames, pex; recorded peer
// handshakes and handshake models) mutated by bit flips, byte overwrites, insertions, deletions,
// truncations, duplicated chunks and splices, plus random inputs, from a fixed seed. A violated
// invariant aborts after printing the input index; `--dump <index>` writes that input of the
// wire corpus to stdout (`--dump-handshake <index>`: of the handshake corpus). `--replay` and
// `--write-corpus` are smoke_driver.hpp's.

#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>

#include <string>
#include <vector>

#include "p2p_handshake.hpp"
#include "smoke_driver.hpp"
#include "smoke_mutator.hpp"

#include "seer/crypto/ed25519.hpp"
#include "seer/p2p/secret_connection.hpp"
#include "seer/p2p/wire.hpp"

extern "C" int seer_fuzz_p2p_wire(const std::uint8_t* data, std::size_t size);
extern "C" int seer_fuzz_p2p_handshake(const std::uint8_t* data, std::size_t size);

namespace seer::p2p {
namespace {

constexpr std::uint64_t k_seed = 0x5eed'92b2;
constexpr std::size_t k_inputs = 20000;
constexpr std::size_t k_random_inputs = 4000;  // of k_inputs

Bytes stream(const std::vector<Bytes>& packets) {
    Bytes out;
    for (const auto& p : packets) {
        out.push_back(static_cast<std::uint8_t>(p.size()));
        out.insert(out.end(), p.begin(), p.end());
    }
    return out;
}

std::vector<Bytes> seeds() {
    std::vector<Bytes> out;
    NodeInfo info;
    info.protocol_version = k_protocol_version;
    info.node_id = std::string(40, 'e');
    info.chain_id = "seer-fuzz";
    info.listen_address = "127.0.0.1:26656";
    info.moniker = "validator-0";
    out.push_back(encode_node_info(info));
    info.listen_address.clear();
    info.moniker.clear();
    out.push_back(encode_node_info(info));
    X25519Key eph{};
    eph.fill(9);
    out.push_back(encode_hello(eph));
    crypto::Seed seed{};
    seed.fill(0x42);
    out.push_back(encode_auth(make_auth(crypto::PrivateKey::from_seed(seed), crypto::Hash256{})));
    out.push_back(encode_ping());
    out.push_back(encode_message(1, Bytes(30, 0xab), 200).at(0));
    out.push_back(stream(encode_message(1, Bytes(300, 0x11), 100)));
    auto parts = encode_message(0, Bytes(60, 0x22), 24);
    parts.push_back(encode_ping());
    auto more = encode_message(0x20, Bytes(3, 0x33), 64);
    parts.insert(parts.end(), more.begin(), more.end());
    out.push_back(stream(parts));
    AeadKey key{};
    key[0] = 7;
    FrameSealer sealer(key);
    out.push_back(*sealer.seal(encode_pong()));  // authenticates only at nonce 0 with this key
    out.push_back(encode_pex({PexMessage::Type::request, {}}));
    out.push_back(encode_pex({PexMessage::Type::addrs,
                              {std::string(40, 'a') + "@127.0.0.1:26656",
                               std::string(40, 'b') + "@[::1]:26657"}}));
    return out;
}

constexpr std::uint8_t k_interesting[] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x20, 0x7f, 0xff};

Bytes input(std::size_t index, const std::vector<Bytes>& pool) {
    return fuzz::smoke_input(index, pool, k_seed, k_random_inputs, {k_interesting, false});
}

// ---- the handshake (fuzz_p2p_handshake.cpp documents the input) ----

constexpr std::uint64_t k_handshake_seed = 0x5eed'4a2d;
constexpr std::size_t k_handshake_inputs = 6000;
constexpr std::size_t k_handshake_random_inputs = 500;  // of k_handshake_inputs

p2p::EphemeralKey peer_ephemeral(std::uint8_t v) {
    return p2p::EphemeralKey::from_secret(fuzz::fill_key(v));
}

Bytes with_mode(std::uint8_t mode, const Bytes& rest) {
    Bytes out{mode};
    out.insert(out.end(), rest.begin(), rest.end());
    return out;
}

NodeInfo peer_info(const crypto::PrivateKey& node) {
    NodeInfo info;
    info.protocol_version = k_protocol_version;
    info.node_id = node_id_of(node.public_key());
    info.chain_id = std::string(fuzz::k_handshake_chain_id);
    info.listen_address = "10.0.0.7:26656";
    info.moniker = "m";
    return info;
}

std::vector<Bytes> handshake_seeds() {
    std::vector<Bytes> out;
    const auto peer = peer_ephemeral(0x21);
    const auto node = fuzz::node_key(0x31);
    const auto same = [](NodeInfo&) {};
    // Wire mode: complete handshakes (with packets after them) and each refusal of the checks.
    out.push_back(with_mode(0, fuzz::peer_stream(peer, node, same,
                                                 {encode_ping(), encode_message(1, Bytes(20, 7), 64).at(0)})));
    out.push_back(with_mode(0, fuzz::peer_stream(peer_ephemeral(0x22), fuzz::node_key(0x32), same)));
    out.push_back(with_mode(0, fuzz::peer_stream(peer, node, [](NodeInfo& i) { i.chain_id = "other"; })));
    out.push_back(with_mode(0, fuzz::peer_stream(peer, node, [](NodeInfo& i) {
                                i.node_id = std::string(40, 'a');
                            })));
    out.push_back(with_mode(0, fuzz::peer_stream(peer, node, [](NodeInfo& i) { i.protocol_version = 1; })));
    out.push_back(with_mode(0, fuzz::peer_stream(peer, node, [](NodeInfo& i) {
                                i.moniker.clear();
                                i.listen_address.clear();
                            })));
    out.push_back(with_mode(0, encode_hello(X25519Key{})));                      // low order
    out.push_back(with_mode(0, encode_hello(fuzz::responder_ephemeral().public_key())));  // reflected
    // Model mode: the auth given (signed for its session, or not), and signed by the target.
    for (std::uint8_t v : {0x23, 0x24}) {
        const auto p = peer_ephemeral(v);
        auto keys = derive_session_keys(p, fuzz::responder_ephemeral().public_key());
        Bytes in{1};
        in.insert(in.end(), 32, v);
        const Bytes auth = encode_auth(make_auth(node, v == 0x23 ? keys->challenge : crypto::Hash256{}));
        in.push_back(0);
        in.push_back(static_cast<std::uint8_t>(auth.size()));
        in.insert(in.end(), auth.begin(), auth.end());
        const Bytes info = encode_node_info(peer_info(node));
        in.insert(in.end(), info.begin(), info.end());
        out.push_back(in);
    }
    for (std::uint8_t v : {0x25, 0x26, 0x27}) {
        Bytes in{3};
        in.insert(in.end(), 32, v);
        in.insert(in.end(), 32, static_cast<std::uint8_t>(v + 0x10));
        crypto::Seed seed{};
        seed.fill(static_cast<std::uint8_t>(v + 0x10));
        NodeInfo info = peer_info(crypto::PrivateKey::from_seed(seed));
        if (v == 0x27) info.chain_id = "seer-other";
        const Bytes b = encode_node_info(info);
        in.insert(in.end(), b.begin(), b.end());
        out.push_back(in);
    }
    return out;
}

Bytes handshake_input(std::size_t index, const std::vector<Bytes>& pool) {
    return fuzz::smoke_input(index, pool, k_handshake_seed, k_handshake_random_inputs,
                             {k_interesting, false});
}

volatile std::sig_atomic_t g_current = -1;
volatile std::sig_atomic_t g_handshake = 0;  // which corpus g_current indexes

extern "C" void on_abort(int) {
    char buf[96];
    const int n = std::snprintf(buf, sizeof(buf), "seer_fuzz_p2p_smoke: failing input %ld (%s)\n",
                                static_cast<long>(g_current),
                                g_handshake ? "--dump-handshake" : "--dump");
    if (n > 0) std::fwrite(buf, 1, static_cast<std::size_t>(n), stderr);
}

}  // namespace
}  // namespace seer::p2p

int main(int argc, char** argv) {
    using namespace seer::p2p;
    const std::vector<seer::Bytes> pool = seeds();
    const std::vector<seer::Bytes> handshakes = handshake_seeds();
    const seer::fuzz::Target targets[] = {{"p2p_wire", seer_fuzz_p2p_wire},
                                          {"p2p_handshake", seer_fuzz_p2p_handshake}};
    if (auto rc = seer::fuzz::run_modes(argc, argv, targets, [&](std::string_view t) {
            return t == "p2p_wire" ? pool : handshakes;
        }))
        return *rc;
    if (argc == 3 && (std::string(argv[1]) == "--dump" || std::string(argv[1]) == "--dump-handshake")) {
        const auto index = std::strtoull(argv[2], nullptr, 10);
        const seer::Bytes b = std::string(argv[1]) == "--dump" ? input(index, pool)
                                                                : handshake_input(index, handshakes);
        std::fwrite(b.data(), 1, b.size(), stdout);
        return 0;
    }
    if (!decode_node_info(pool[0]).ok() || !decode_hello(pool[2]).ok() ||
        !decode_auth(pool[3]).ok() || !decode_packet(pool[5]).ok() ||
        !decode_pex(pool[pool.size() - 1]).ok()) {
        std::fprintf(stderr, "seer_fuzz_p2p_smoke: a seed does not decode\n");
        return 1;
    }
    std::signal(SIGABRT, on_abort);
    std::size_t decoded[2] = {0, 0};
    for (std::size_t i = 0; i < k_inputs; ++i) {
        const seer::Bytes b = input(i, pool);
        g_current = static_cast<std::sig_atomic_t>(i);
        seer_fuzz_p2p_wire(b.data(), b.size());
        if (decode_node_info(b).ok()) ++decoded[0];
        if (decode_packet(b).ok()) ++decoded[1];
    }
    std::fprintf(stderr,
                 "seer_fuzz_p2p_smoke: %zu inputs, no invariant violated; decoded: %zu node "
                 "infos, %zu packets\n",
                 k_inputs, decoded[0], decoded[1]);
    if (decoded[0] < 50 || decoded[1] < 100) {
        std::fprintf(stderr, "seer_fuzz_p2p_smoke: too few mutated inputs decode\n");
        return 1;
    }

    // The handshake: the wire-mode seeds 0, 1 and 5 complete, 2..4 authenticate and are refused.
    for (std::size_t i = 0; i < 6; ++i) {
        std::optional<FrameOpener> opener;
        const auto o = seer::fuzz::respond(seer::ByteView(handshakes[i]).subspan(1), opener);
        if (!o.peer_key || (i < 2 || i == 5) != o.info.has_value()) {
            std::fprintf(stderr, "seer_fuzz_p2p_smoke: handshake seed %zu: %s\n", i,
                         o.error.message.c_str());
            return 1;
        }
    }
    std::size_t authenticated = 0;
    std::size_t completed = 0;
    g_handshake = 1;
    for (std::size_t i = 0; i < k_handshake_inputs; ++i) {
        const seer::Bytes b = handshake_input(i, handshakes);
        g_current = static_cast<std::sig_atomic_t>(i);
        seer_fuzz_p2p_handshake(b.data(), b.size());
        if (b.empty() || (b[0] & 1) != 0) continue;
        std::optional<FrameOpener> opener;
        const auto o = seer::fuzz::respond(seer::ByteView(b).subspan(1), opener);
        if (o.peer_key) ++authenticated;
        if (o.info) ++completed;
    }
    std::fprintf(stderr,
                 "seer_fuzz_p2p_smoke: %zu handshake inputs, no invariant violated; wire mode: "
                 "%zu authenticated, %zu completed\n",
                 k_handshake_inputs, authenticated, completed);
    if (authenticated < 100 || completed < 20) {
        std::fprintf(stderr, "seer_fuzz_p2p_smoke: too few mutated handshakes authenticate\n");
        return 1;
    }
    return 0;
}
