// seer_fuzz_p2p_smoke: the p2p wire fuzz entry point (fuzz_p2p_wire.cpp) over a deterministic
// corpus on every build. Same scheme as seer_fuzz_smoke (smoke_main.cpp): valid encodings
// (hello, auth, node info, packets, packet streams, frames, pex) mutated by bit flips, byte
// overwrites, insertions, deletions, truncations, duplicated chunks and splices, plus random
// inputs, from a fixed seed. A violated invariant aborts after printing the input index;
// `--dump <index>` writes that input to stdout for replay.

#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>

#include "smoke_mutator.hpp"
#include <string>
#include <vector>

#include "seer/crypto/ed25519.hpp"
#include "seer/p2p/secret_connection.hpp"
#include "seer/p2p/wire.hpp"

extern "C" int seer_fuzz_p2p_wire(const std::uint8_t* data, std::size_t size);

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

volatile std::sig_atomic_t g_current = -1;

extern "C" void on_abort(int) {
    char buf[64];
    const int n = std::snprintf(buf, sizeof(buf), "seer_fuzz_p2p_smoke: failing input %ld\n",
                                static_cast<long>(g_current));
    if (n > 0) std::fwrite(buf, 1, static_cast<std::size_t>(n), stderr);
}

}  // namespace
}  // namespace seer::p2p

int main(int argc, char** argv) {
    using namespace seer::p2p;
    const std::vector<seer::Bytes> pool = seeds();
    if (argc == 3 && std::string(argv[1]) == "--dump") {
        const seer::Bytes b = input(std::strtoull(argv[2], nullptr, 10), pool);
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
    return 0;
}
