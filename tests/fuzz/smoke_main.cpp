// seer_fuzz_smoke: runs every fuzz entry point over a deterministic corpus, so the decoders'
// invariants are checked on every build, not only by whoever runs libFuzzer. The corpus is
// mutated valid encodings (bit flips, byte overwrites, insertions, deletions, truncations,
// duplicated chunks, splices of two encodings) plus plain random inputs, from a fixed seed.
// A violated invariant aborts (see fuzz_common.hpp); the input index is printed first so a
// failure can be replayed (--dump <index> writes that input to stdout). `--replay` and
// `--write-corpus` are smoke_driver.hpp's.

#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>

#include <string>
#include <vector>

#include "smoke_driver.hpp"
#include "smoke_mutator.hpp"

#include "seer/consensus/codec.hpp"
#include "seer/consensus/sign_bytes.hpp"

// The fuzz sources are compiled for this binary with LLVMFuzzerTestOneInput renamed.
extern "C" int seer_fuzz_consensus_message(const std::uint8_t* data, std::size_t size);
extern "C" int seer_fuzz_wal_record(const std::uint8_t* data, std::size_t size);
extern "C" int seer_fuzz_block(const std::uint8_t* data, std::size_t size);

namespace seer::consensus {
namespace {

constexpr std::uint64_t k_seed = 0x5eed'f022;
constexpr std::size_t k_inputs = 20000;
constexpr std::size_t k_random_inputs = 4000;  // of k_inputs

Hash filled(std::uint8_t v) {
    Hash h;
    h.fill(v);
    return h;
}

ExtendedCommit sample_commit(std::int64_t height, std::size_t n) {
    ExtendedCommit c;
    c.height = height;
    c.round = 1;
    c.block_id = BlockId{filled(0x5c)};
    for (std::size_t i = 0; i < n; ++i) {
        ExtendedCommitSig s;
        s.flag = i % 3 == 0 ? BlockIdFlag::commit : (i % 3 == 1 ? BlockIdFlag::nil : BlockIdFlag::absent);
        s.validator_address.fill(static_cast<std::uint8_t>(i + 1));
        if (s.flag != BlockIdFlag::absent) s.signature.assign(64, static_cast<std::uint8_t>(0x10 + i));
        if (s.flag == BlockIdFlag::commit) {
            s.extension = to_bytes("ext:" + std::to_string(i));
            s.extension_signature.assign(64, static_cast<std::uint8_t>(0x20 + i));
        }
        c.signatures.push_back(s);
    }
    return c;
}

Block sample_block(std::int64_t height, std::size_t txs) {
    Block b;
    b.header.chain_id = "seer-fuzz";
    b.header.height = height;
    b.header.time = 1'700'000'000'123'456'789;
    if (height > 1) {
        b.header.last_block_id = BlockId{filled(0x5c)};
        b.last_commit = sample_commit(height - 1, 4);
    }
    for (std::size_t i = 0; i < txs; ++i) b.txs.push_back(to_bytes("k" + std::to_string(i) + "=v"));
    b.header.data_hash = data_hash(b.txs);
    b.header.last_commit_hash = commit_hash(b.last_commit);
    b.header.validators_hash = filled(0x0a);
    b.header.app_hash = filled(0x0b);
    b.header.proposer_address.fill(0x0c);
    return b;
}

Vote sample_vote(VoteType type, bool nil) {
    Vote v;
    v.type = type;
    v.height = 12;
    v.round = 3;
    if (!nil) v.block_id = BlockId{filled(0x33)};
    v.validator_address.fill(0x05);
    v.validator_index = 2;
    v.signature.fill(0x44);
    if (type == VoteType::precommit && !nil) {
        v.extension = to_bytes("extension");
        v.extension_signature.assign(64, 0x55);
    }
    return v;
}

std::vector<Bytes> seeds() {
    std::vector<Bytes> out;
    const Block b1 = sample_block(1, 0);
    const Block b7 = sample_block(7, 5);
    Proposal p;
    p.height = 7;
    p.round = 2;
    p.pol_round = 1;
    p.block_id = block_id_of(b7);
    p.signature.fill(0x77);
    StatusMessage s;
    s.height = 7;
    s.round = 2;
    s.has_proposal = true;
    s.step = Step::precommit;
    s.validator_count = 5;
    s.direct = {true, true, false, true, false};
    s.prevotes = {VoteBits{1, {true, false, true, true, false}}};
    s.precommits = {VoteBits{0x8000'0042u, {false, false, true, false, true}}};
    for (const Message& m :
         {Message{ProposalMessage{p, b7}}, Message{VoteMessage{sample_vote(VoteType::prevote, false)}},
          Message{VoteMessage{sample_vote(VoteType::precommit, false)}},
          Message{VoteMessage{sample_vote(VoteType::precommit, true)}}, Message{s},
          Message{BlockRequestMessage{3}}, Message{BlockResponseMessage{b7, sample_commit(7, 4)}}})
        out.push_back(encode_message(m));
    for (const WalRecord& r :
         {WalRecord{ProposalMessage{p, b7}}, WalRecord{sample_vote(VoteType::precommit, false)},
          WalRecord{TimeoutRecord{7, 2, Step::prevote}}, WalRecord{EndHeightRecord{6}}})
        out.push_back(encode_wal_record(r));
    out.push_back(encode(b1));
    out.push_back(encode(b7));
    out.push_back(encode(sample_commit(9, 7)));
    out.push_back(encode(sample_vote(VoteType::prevote, true)));
    return out;
}

constexpr std::uint8_t k_interesting[] = {0x00, 0x01, 0x7f, 0x80, 0xff, 0x08, 0x10, 0x12};

Bytes input(std::size_t index, const std::vector<Bytes>& pool) {
    return fuzz::smoke_input(index, pool, k_seed, k_random_inputs, {k_interesting, true});
}

volatile std::sig_atomic_t g_current = -1;

extern "C" void on_abort(int) {
    // Tell which input failed, so `--dump <index>` can reproduce it.
    char buf[64];
    const int n = std::snprintf(buf, sizeof(buf), "seer_fuzz_smoke: failing input %ld\n",
                                static_cast<long>(g_current));
    if (n > 0) std::fwrite(buf, 1, static_cast<std::size_t>(n), stderr);
}

}  // namespace
}  // namespace seer::consensus

int main(int argc, char** argv) {
    using namespace seer::consensus;
    const std::vector<seer::Bytes> pool = seeds();
    const seer::fuzz::Target targets[] = {{"consensus_message", seer_fuzz_consensus_message},
                                          {"wal_record", seer_fuzz_wal_record},
                                          {"block", seer_fuzz_block}};
    // A target's seed corpus: the seeds it decodes, then mutated inputs it decodes.
    auto corpus = [&](std::string_view t) {
        std::vector<seer::Bytes> candidates = pool;
        for (std::size_t i = k_random_inputs; i < k_random_inputs + 4000; ++i)
            candidates.push_back(input(i, pool));
        const auto accepted = [&](const seer::Bytes& b) {
            if (t == "consensus_message") return decode_message(b, b.size()).ok();
            if (t == "wal_record") return decode_wal_record(b).ok();
            return decode_block(b).ok();
        };
        return seer::fuzz::pick(candidates, t == "block" ? 10 : 16, accepted, 1024);
    };
    if (auto rc = seer::fuzz::run_modes(argc, argv, targets, corpus)) return *rc;
    if (argc == 3 && std::string(argv[1]) == "--dump") {
        const seer::Bytes b = input(std::strtoull(argv[2], nullptr, 10), pool);
        std::fwrite(b.data(), 1, b.size(), stdout);
        return 0;
    }
    // The seeds are valid: 7 messages, 4 WAL records, 2 blocks (the mutations start from them).
    for (std::size_t i = 0; i < pool.size(); ++i) {
        const bool ok = i < 7    ? decode_message(pool[i], pool[i].size()).ok()
                        : i < 11 ? decode_wal_record(pool[i]).ok()
                        : i < 13 ? decode_block(pool[i]).ok()
                                 : true;
        if (!ok) {
            std::fprintf(stderr, "seer_fuzz_smoke: seed %zu does not decode\n", i);
            return 1;
        }
    }
    std::signal(SIGABRT, on_abort);
    std::size_t decoded[3] = {0, 0, 0};
    for (std::size_t i = 0; i < k_inputs; ++i) {
        const seer::Bytes b = input(i, pool);
        g_current = static_cast<std::sig_atomic_t>(i);
        seer_fuzz_consensus_message(b.data(), b.size());
        seer_fuzz_wal_record(b.data(), b.size());
        seer_fuzz_block(b.data(), b.size());
        if (decode_message(b, b.size()).ok()) ++decoded[0];
        if (decode_wal_record(b).ok()) ++decoded[1];
        if (decode_block(b).ok()) ++decoded[2];
    }
    std::fprintf(stderr,
                 "seer_fuzz_smoke: %zu inputs x 3 targets, no invariant violated; decoded: "
                 "%zu messages, %zu wal records, %zu blocks\n",
                 k_inputs, decoded[0], decoded[1], decoded[2]);
    // A corpus that never gets past the parser would test nothing but the parser.
    if (decoded[0] < 100 || decoded[1] < 100 || decoded[2] < 100) {
        std::fprintf(stderr, "seer_fuzz_smoke: too few mutated inputs decode; corpus is useless\n");
        return 1;
    }
    return 0;
}
