// Canonical sign bytes and hashes, checked against the layouts of ADR 0001 written out here
// byte by byte, independently of consensus/src/canonical.hpp.

#include <doctest/doctest.h>

#include <functional>

#include "seer/consensus/sign_bytes.hpp"
#include "seer/consensus/types.hpp"
#include "seer/crypto/hash.hpp"
#include "support.hpp"

namespace seer::consensus {
namespace {

// Hand-rolled big-endian appenders.
void put_u32_be(Bytes& out, std::uint32_t v) {
    out.push_back(static_cast<std::uint8_t>((v >> 24) & 0xff));
    out.push_back(static_cast<std::uint8_t>((v >> 16) & 0xff));
    out.push_back(static_cast<std::uint8_t>((v >> 8) & 0xff));
    out.push_back(static_cast<std::uint8_t>(v & 0xff));
}
void put_u64_be(Bytes& out, std::uint64_t v) {
    for (int shift = 56; shift >= 0; shift -= 8)
        out.push_back(static_cast<std::uint8_t>((v >> shift) & 0xff));
}
void put_prefixed(Bytes& out, std::string_view s) {
    put_u32_be(out, static_cast<std::uint32_t>(s.size()));
    for (char c : s) out.push_back(static_cast<std::uint8_t>(c));
}
void put_raw(Bytes& out, ByteView b) { out.insert(out.end(), b.begin(), b.end()); }

BlockId sample_id() {
    BlockId id;
    for (std::size_t i = 0; i < id.hash.size(); ++i) id.hash[i] = static_cast<std::uint8_t>(0xc0 + i);
    return id;
}

Header sample_header() {
    Header h;
    h.chain_id = "chain-A";
    h.height = 42;
    h.time = 1'700'000'000'123'456'789;
    h.last_block_id = test::block_id_from(1);
    h.last_commit_hash.fill(2);
    h.data_hash.fill(3);
    h.validators_hash.fill(4);
    h.app_hash.fill(5);
    h.proposer_address.fill(6);
    return h;
}

}  // namespace

TEST_CASE("sign bytes: vote layout byte by byte") {
    const BlockId id = sample_id();
    const Bytes got = vote_sign_bytes("seer-test", VoteType::precommit, 0x0102030405060708,
                                      0x0a0b0c0d, id);
    Bytes expected = {
        0x00, 0x00, 0x00, 0x0c,                                         // len("seer/vote/v1")
        's', 'e', 'e', 'r', '/', 'v', 'o', 't', 'e', '/', 'v', '1',     // domain tag
        0x00, 0x00, 0x00, 0x09,                                         // len(chain id)
        's', 'e', 'e', 'r', '-', 't', 'e', 's', 't',                    // chain id
        0x02,                                                           // precommit
        0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,                 // height, i64 BE
        0x0a, 0x0b, 0x0c, 0x0d,                                         // round, i32 BE
    };
    put_raw(expected, id.hash);  // 32-byte block hash, no prefix
    CHECK(got.size() == 4 + 12 + 4 + 9 + 1 + 8 + 4 + 32);
    CHECK(got == expected);

    // A prevote for nil: type 1 and 32 zero bytes.
    const Bytes nil = vote_sign_bytes("c", VoteType::prevote, 1, 0, BlockId{});
    Bytes expected_nil;
    put_prefixed(expected_nil, "seer/vote/v1");
    put_prefixed(expected_nil, "c");
    expected_nil.push_back(0x01);
    put_u64_be(expected_nil, 1);
    put_u32_be(expected_nil, 0);
    expected_nil.insert(expected_nil.end(), 32, 0x00);
    CHECK(nil == expected_nil);

    // The Vote overload uses the vote's own fields.
    Vote v;
    v.type = VoteType::precommit;
    v.height = 0x0102030405060708;
    v.round = 0x0a0b0c0d;
    v.block_id = id;
    v.validator_index = 3;  // not signed
    CHECK(vote_sign_bytes("seer-test", v) == expected);
}

TEST_CASE("sign bytes: vote bytes differ by every signed field") {
    const BlockId id = sample_id();
    const Bytes base = vote_sign_bytes("chain-A", VoteType::prevote, 10, 1, id);
    CHECK(base != vote_sign_bytes("chain-B", VoteType::prevote, 10, 1, id));
    CHECK(base != vote_sign_bytes("chain-A", VoteType::precommit, 10, 1, id));
    CHECK(base != vote_sign_bytes("chain-A", VoteType::prevote, 11, 1, id));
    CHECK(base != vote_sign_bytes("chain-A", VoteType::prevote, 10, 2, id));
    CHECK(base != vote_sign_bytes("chain-A", VoteType::prevote, 10, 1, BlockId{}));
    CHECK(base != vote_sign_bytes("chain-A", VoteType::prevote, 10, 1, test::block_id_from(9)));
    CHECK(base == vote_sign_bytes("chain-A", VoteType::prevote, 10, 1, id));
    // Length prefixes keep chain ids unambiguous: "ab" + x vs "a" + "b"x cannot collide.
    CHECK(vote_sign_bytes("ab", VoteType::prevote, 10, 1, id) !=
          vote_sign_bytes("a", VoteType::prevote, 10, 1, id));
}

TEST_CASE("sign bytes: extension layout byte by byte") {
    const Bytes ext = {0xde, 0xad, 0xbe, 0xef, 0x00};
    const Bytes got = extension_sign_bytes("seer-test", 5, -1 + 3, ext);
    Bytes expected;
    put_prefixed(expected, "seer/vote-extension/v1");
    put_prefixed(expected, "seer-test");
    put_u64_be(expected, 5);
    put_u32_be(expected, 2);
    put_u32_be(expected, 5);  // length of the extension
    put_raw(expected, ext);
    CHECK(got == expected);
    CHECK(got[3] == 22);  // len("seer/vote-extension/v1")

    // An empty extension is still length prefixed.
    Bytes expected_empty;
    put_prefixed(expected_empty, "seer/vote-extension/v1");
    put_prefixed(expected_empty, "x");
    put_u64_be(expected_empty, 1);
    put_u32_be(expected_empty, 0);
    put_u32_be(expected_empty, 0);
    CHECK(extension_sign_bytes("x", 1, 0, {}) == expected_empty);

    CHECK(got != extension_sign_bytes("seer-tesT", 5, 2, ext));
    CHECK(got != extension_sign_bytes("seer-test", 6, 2, ext));
    CHECK(got != extension_sign_bytes("seer-test", 5, 3, ext));
    CHECK(got != extension_sign_bytes("seer-test", 5, 2, Bytes{0xde, 0xad}));
}

TEST_CASE("sign bytes: proposal layout byte by byte") {
    Proposal p;
    p.height = 0x1122334455667788;
    p.round = 3;
    p.pol_round = -1;
    p.block_id = sample_id();
    p.signature.fill(0x77);  // not part of the sign bytes
    Bytes expected;
    put_prefixed(expected, "seer/proposal/v1");
    put_prefixed(expected, "seer-test");
    put_u64_be(expected, 0x1122334455667788);
    put_u32_be(expected, 3);
    expected.insert(expected.end(), {0xff, 0xff, 0xff, 0xff});  // pol_round -1, two's complement
    put_raw(expected, p.block_id.hash);
    CHECK(proposal_sign_bytes("seer-test", p) == expected);

    Proposal q = p;
    q.signature.fill(0x00);
    CHECK(proposal_sign_bytes("seer-test", q) == expected);
    q.pol_round = 1;
    CHECK(proposal_sign_bytes("seer-test", q) != expected);
    q = p;
    q.round = 4;
    CHECK(proposal_sign_bytes("seer-test", q) != expected);
    q = p;
    q.height += 1;
    CHECK(proposal_sign_bytes("seer-test", q) != expected);
    q = p;
    q.block_id = test::block_id_from(1);
    CHECK(proposal_sign_bytes("seer-test", q) != expected);
    CHECK(proposal_sign_bytes("other", p) != expected);
}

TEST_CASE("sign bytes: domains are separated") {
    // Same numbers in every field: a signature of one kind is never valid for another.
    Proposal p;
    p.height = 1;
    p.round = 0;
    p.pol_round = -1;
    p.block_id = sample_id();
    const Bytes proposal = proposal_sign_bytes("c", p);
    const Bytes prevote = vote_sign_bytes("c", VoteType::prevote, 1, 0, p.block_id);
    const Bytes precommit = vote_sign_bytes("c", VoteType::precommit, 1, 0, p.block_id);
    const Bytes extension = extension_sign_bytes("c", 1, 0, p.block_id.hash);
    CHECK(proposal != prevote);
    CHECK(prevote != precommit);
    CHECK(extension != precommit);
    CHECK(extension != proposal);
}

TEST_CASE("block hash: SHA-256 of the documented header layout") {
    const Header h = sample_header();
    Bytes expected;
    put_prefixed(expected, "seer/header/v1");
    put_prefixed(expected, h.chain_id);
    put_u64_be(expected, static_cast<std::uint64_t>(h.height));
    put_u64_be(expected, static_cast<std::uint64_t>(h.time));
    put_raw(expected, h.last_block_id.hash);
    put_raw(expected, h.last_commit_hash);
    put_raw(expected, h.data_hash);
    put_raw(expected, h.validators_hash);
    put_raw(expected, h.app_hash);
    put_raw(expected, h.proposer_address);
    CHECK(block_hash(h) == crypto::sha256(expected));
    Block b;
    b.header = h;
    CHECK(block_id_of(b).hash == block_hash(h));
}

TEST_CASE("block hash: changes with every header field") {
    const Header base = sample_header();
    const Hash base_hash = block_hash(base);
    const std::vector<std::pair<const char*, std::function<void(Header&)>>> edits = {
        {"chain_id", [](Header& h) { h.chain_id = "chain-B"; }},
        {"height", [](Header& h) { h.height += 1; }},
        {"time", [](Header& h) { h.time += 1; }},
        {"last_block_id", [](Header& h) { h.last_block_id.hash[31] ^= 1; }},
        {"last_commit_hash", [](Header& h) { h.last_commit_hash[0] ^= 1; }},
        {"data_hash", [](Header& h) { h.data_hash[5] ^= 1; }},
        {"validators_hash", [](Header& h) { h.validators_hash[7] ^= 1; }},
        {"app_hash", [](Header& h) { h.app_hash[31] ^= 0x80; }},
        {"proposer_address", [](Header& h) { h.proposer_address[19] ^= 1; }},
    };
    for (const auto& [name, edit] : edits) {
        CAPTURE(name);
        Header h = base;
        edit(h);
        CHECK(block_hash(h) != base_hash);
    }
    // Txs and the last commit are covered through data_hash and last_commit_hash, not directly.
    Block b;
    b.header = base;
    b.txs = {to_bytes("tx")};
    CHECK(block_id_of(b).hash == base_hash);
}

TEST_CASE("commit hash: documented layout and sensitivity") {
    ExtendedCommit c;
    c.height = 9;
    c.round = 1;
    c.block_id = sample_id();
    ExtendedCommitSig s1;
    s1.flag = BlockIdFlag::commit;
    s1.validator_address.fill(0x11);
    s1.signature.assign(64, 0x22);
    s1.extension = to_bytes("ext");
    s1.extension_signature.assign(64, 0x33);
    ExtendedCommitSig s2;
    s2.flag = BlockIdFlag::absent;
    s2.validator_address.fill(0x44);
    c.signatures = {s1, s2};

    Bytes expected;
    put_prefixed(expected, "seer/extended-commit/v1");
    put_u64_be(expected, 9);
    put_u32_be(expected, 1);
    put_raw(expected, c.block_id.hash);
    put_u32_be(expected, 2);
    expected.push_back(2);  // commit
    put_raw(expected, s1.validator_address);
    put_u32_be(expected, 64);
    put_raw(expected, s1.signature);
    put_u32_be(expected, 3);
    put_raw(expected, s1.extension);
    put_u32_be(expected, 64);
    put_raw(expected, s1.extension_signature);
    expected.push_back(1);  // absent
    put_raw(expected, s2.validator_address);
    put_u32_be(expected, 0);
    put_u32_be(expected, 0);
    put_u32_be(expected, 0);
    CHECK(commit_hash(c) == crypto::sha256(expected));

    ExtendedCommit d = c;
    d.signatures[0].extension = to_bytes("exu");
    CHECK(commit_hash(d) != commit_hash(c));
    d = c;
    d.signatures[1].flag = BlockIdFlag::nil;
    CHECK(commit_hash(d) != commit_hash(c));
    d = c;
    d.round = 2;
    CHECK(commit_hash(d) != commit_hash(c));
}

TEST_CASE("data hash: RFC 6962 root of the txs, order sensitive") {
    const std::vector<Bytes> txs = {to_bytes("a=1"), to_bytes("b=2")};
    const std::vector<Bytes> swapped = {to_bytes("b=2"), to_bytes("a=1")};
    CHECK(data_hash(txs) != data_hash(swapped));
    // RFC 6962: leaf = SHA-256(0x00 || tx), node = SHA-256(0x01 || left || right).
    auto leaf = [](const Bytes& tx) {
        Bytes in = {0x00};
        in.insert(in.end(), tx.begin(), tx.end());
        return crypto::sha256(in);
    };
    Bytes node = {0x01};
    const Hash l = leaf(txs[0]);
    const Hash r = leaf(txs[1]);
    node.insert(node.end(), l.begin(), l.end());
    node.insert(node.end(), r.begin(), r.end());
    CHECK(data_hash(txs) == crypto::sha256(node));
    CHECK(data_hash({}) == crypto::sha256(Bytes{}));
}

}  // namespace seer::consensus
