#pragma once
// The deterministic mutator shared by the fuzz smoke tests (seer_fuzz_smoke,
// seer_fuzz_async_smoke, seer_fuzz_p2p_smoke). Each passes the byte values interesting for its
// decoders; protobuf decoders also get the "large varint" edit.

#include <algorithm>
#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "seer/common/bytes.hpp"

namespace seer::fuzz {

struct MutatorOptions {
    std::span<const std::uint8_t> interesting;  // values often written over a byte
    bool varint_edits = true;                    // also plant a large varint (protobuf inputs)
};

/// A seed from `pool` with 1..4 edits. One rng call per statement: the corpus must not depend on
/// the compiler's argument evaluation order.
inline Bytes mutate(const std::vector<Bytes>& pool, std::mt19937_64& rng, const MutatorOptions& o) {
    Bytes b = pool[rng() % pool.size()];
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
        const std::size_t pos = b.empty() ? 0 : rng() % b.size();
        switch (rng() % (o.varint_edits ? 8 : 7)) {
            case 0:  // flip a bit
                if (!b.empty()) b[pos] = static_cast<std::uint8_t>(b[pos] ^ (1u << (rng() % 8)));
                break;
            case 1:  // overwrite a byte, often with an interesting value
                if (!b.empty()) {
                    const bool random = rng() % 2 != 0;
                    const auto value = static_cast<std::uint8_t>(rng());
                    b[pos] = random || o.interesting.empty()
                                 ? value
                                 : o.interesting[value % o.interesting.size()];
                }
                break;
            case 2: {  // insert random bytes
                const std::size_t n = 1 + rng() % 4;
                const auto value = static_cast<std::uint8_t>(rng());
                b.insert(b.begin() + static_cast<std::ptrdiff_t>(pos), n, value);
                break;
            }
            case 3:  // delete a range
                if (!b.empty()) {
                    const std::size_t n = std::min<std::size_t>(1 + rng() % 8, b.size() - pos);
                    b.erase(b.begin() + static_cast<std::ptrdiff_t>(pos),
                            b.begin() + static_cast<std::ptrdiff_t>(pos + n));
                }
                break;
            case 4:  // truncate
                b.resize(pos);
                break;
            case 5: {  // duplicate a chunk (repeated fields: more entries, duplicate ids)
                const std::size_t n = std::min<std::size_t>(1 + rng() % 32, b.size() - pos);
                Bytes chunk(b.begin() + static_cast<std::ptrdiff_t>(pos),
                            b.begin() + static_cast<std::ptrdiff_t>(pos + n));
                b.insert(b.begin() + static_cast<std::ptrdiff_t>(pos), chunk.begin(), chunk.end());
                break;
            }
            case 6: {  // splice with another seed
                const Bytes& other = pool[rng() % pool.size()];
                const std::size_t from = other.empty() ? 0 : rng() % other.size();
                b.resize(pos);
                b.insert(b.end(), other.begin() + static_cast<std::ptrdiff_t>(from), other.end());
                break;
            }
            default:  // a large varint where a length or number was
                if (!b.empty()) {
                    b[pos] = 0xff;
                    b.insert(b.begin() + static_cast<std::ptrdiff_t>(pos), {0xff, 0xff, 0xff, 0x0f});
                }
                break;
        }
    }
    return b;
}

/// Input `index` of a smoke run: the first `random_inputs` are random bytes (0..511), the rest
/// mutations of the pool. Deterministic in (seed, index).
inline Bytes smoke_input(std::size_t index, const std::vector<Bytes>& pool, std::uint64_t seed,
                         std::size_t random_inputs, const MutatorOptions& o) {
    std::mt19937_64 rng(seed ^ (index * 0x9e3779b97f4a7c15ULL));
    if (index < random_inputs) {
        Bytes b(rng() % 512);
        for (auto& c : b) c = static_cast<std::uint8_t>(rng());
        return b;
    }
    return mutate(pool, rng, o);
}

}  // namespace seer::fuzz
