// Proto codec: round trips of every type and message, and the rejection of bad input with a
// stable reason.

#include <doctest/doctest.h>

#include <google/protobuf/stubs/logging.h>

#include <functional>
#include <limits>
#include <random>

#include "seer/consensus/codec.hpp"
#include "seer/consensus/v1/messages.pb.h"
#include "seer/consensus/v1/wal.pb.h"
#include "seer/types/v1/types.pb.h"
#include "support.hpp"

namespace seer::consensus {
namespace {

namespace pb = seer::types::v1;
namespace cpb = seer::consensus::v1;

template <class M>
M parse_pb(const Bytes& bytes) {
    M m;
    REQUIRE(m.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())));
    return m;
}

template <class M>
Bytes serialize_pb(const M& m) {
    const std::string s = m.SerializeAsString();
    return Bytes(s.begin(), s.end());
}

std::string pb_bytes(std::size_t n, std::uint8_t fill) { return std::string(n, static_cast<char>(fill)); }

ExtendedCommit sample_commit(std::int64_t height) {
    ExtendedCommit c;
    c.height = height;
    c.round = 3;
    c.block_id = test::block_id_from(0x5c);
    ExtendedCommitSig yes;
    yes.flag = BlockIdFlag::commit;
    yes.validator_address = test::address_from(1);
    yes.signature.assign(64, 0x11);
    yes.extension = to_bytes("extension-bytes");
    yes.extension_signature.assign(64, 0x12);
    ExtendedCommitSig nil;
    nil.flag = BlockIdFlag::nil;
    nil.validator_address = test::address_from(2);
    nil.signature.assign(64, 0x21);
    ExtendedCommitSig absent;
    absent.flag = BlockIdFlag::absent;
    absent.validator_address = test::address_from(3);
    ExtendedCommitSig yes_no_ext;  // an empty extension is allowed (app returned nothing)
    yes_no_ext.flag = BlockIdFlag::commit;
    yes_no_ext.validator_address = test::address_from(4);
    yes_no_ext.signature.assign(64, 0x41);
    yes_no_ext.extension_signature.assign(64, 0x42);
    c.signatures = {yes, nil, absent, yes_no_ext};
    return c;
}

Block sample_block() {
    Block b = test::make_block(2, 7, test::address_from(9));
    b.txs = {to_bytes("a=1"), to_bytes("b=2"), Bytes{0x00, 0xff, 0x10}, Bytes(1000, 0x61)};
    b.header.data_hash = data_hash(b.txs);
    b.header.last_block_id = test::block_id_from(0x5c);
    b.last_commit = sample_commit(1);
    b.header.last_commit_hash = commit_hash(b.last_commit);
    b.header.validators_hash.fill(0x0a);
    return b;
}

Vote sample_precommit() {
    Vote v;
    v.type = VoteType::precommit;
    v.height = 12;
    v.round = 4;
    v.block_id = test::block_id_from(0x33);
    v.validator_address = test::address_from(5);
    v.validator_index = 3;
    v.signature.fill(0x44);
    v.extension = to_bytes("ext");
    v.extension_signature.assign(64, 0x55);
    return v;
}

Vote sample_prevote() {
    Vote v;
    v.type = VoteType::prevote;
    v.height = 12;
    v.round = 0;
    v.validator_address = test::address_from(6);
    v.validator_index = 0;
    v.signature.fill(0x66);
    return v;
}

Proposal sample_proposal(const Block& b) {
    Proposal p;
    p.height = b.header.height;
    p.round = 2;
    p.pol_round = 1;
    p.block_id = block_id_of(b);
    p.signature.fill(0x77);
    return p;
}

std::vector<Message> sample_messages() {
    const Block b = sample_block();
    StatusMessage status;
    status.height = 9;
    status.round = 2;
    status.has_proposal = true;
    status.step = Step::prevote;
    status.validator_count = 11;
    status.self_index = 3;
    status.direct = {true, false, true, true, false, false, false, false, true, false, true};
    status.prevotes = {
        VoteBits{1, {true, false, false, false, false, false, false, false, true, false, false}},
        VoteBits{0x8000'0001u,
                 {false, false, true, true, false, false, false, false, false, false, true}}};
    status.precommits = {
        VoteBits{0x8000'0000u,
                 {false, false, false, false, false, false, false, false, false, false, true}}};
    return {
        Message{ProposalMessage{sample_proposal(b), b}},
        Message{VoteMessage{sample_precommit()}},
        Message{VoteMessage{sample_prevote()}},
        Message{status},
        Message{BlockRequestMessage{17}},
        Message{BlockResponseMessage{b, sample_commit(2)}},
    };
}

std::vector<WalRecord> sample_wal_records() {
    const Block b = sample_block();
    return {
        WalRecord{ProposalMessage{sample_proposal(b), b}},
        WalRecord{sample_precommit()},
        WalRecord{sample_prevote()},
        WalRecord{TimeoutRecord{5, 3, Step::prevote}},
        WalRecord{TimeoutRecord{5, 0, Step::propose}},
        WalRecord{TimeoutRecord{5, 1, Step::precommit}},
        WalRecord{EndHeightRecord{41}},
    };
}

void check_same(const Message& a, const Message& b) {
    REQUIRE(a.index() == b.index());
    if (const auto* x = std::get_if<ProposalMessage>(&a)) {
        const auto& y = std::get<ProposalMessage>(b);
        CHECK(x->proposal == y.proposal);
        CHECK(x->block == y.block);
    } else if (const auto* v = std::get_if<VoteMessage>(&a)) {
        CHECK(v->vote == std::get<VoteMessage>(b).vote);
    } else if (const auto* s = std::get_if<StatusMessage>(&a)) {
        const auto& t = std::get<StatusMessage>(b);
        CHECK(s->height == t.height);
        CHECK(s->round == t.round);
        CHECK(s->has_proposal == t.has_proposal);
        CHECK(s->step == t.step);
        CHECK(s->validator_count == t.validator_count);
        CHECK(s->self_index == t.self_index);
        CHECK(s->direct == t.direct);
        CHECK(s->prevotes == t.prevotes);
        CHECK(s->precommits == t.precommits);
    } else if (const auto* r = std::get_if<BlockRequestMessage>(&a)) {
        CHECK(r->height == std::get<BlockRequestMessage>(b).height);
    } else {
        const auto& r1 = std::get<BlockResponseMessage>(a);
        const auto& r2 = std::get<BlockResponseMessage>(b);
        CHECK(r1.block == r2.block);
        CHECK(r1.commit == r2.commit);
    }
}

void check_same(const WalRecord& a, const WalRecord& b) {
    REQUIRE(a.index() == b.index());
    if (const auto* x = std::get_if<ProposalMessage>(&a)) {
        CHECK(x->proposal == std::get<ProposalMessage>(b).proposal);
        CHECK(x->block == std::get<ProposalMessage>(b).block);
    } else if (const auto* v = std::get_if<Vote>(&a)) {
        CHECK(*v == std::get<Vote>(b));
    } else if (const auto* t = std::get_if<TimeoutRecord>(&a)) {
        const auto& u = std::get<TimeoutRecord>(b);
        CHECK(t->height == u.height);
        CHECK(t->round == u.round);
        CHECK(t->step == u.step);
    } else {
        CHECK(std::get<EndHeightRecord>(a).height == std::get<EndHeightRecord>(b).height);
    }
}

constexpr std::size_t k_max = 1u << 24;

// Decodes a vote carried in a ConsensusMessage after `edit` changed its proto form.
template <class Edit>
Error vote_error(Edit edit, const Vote& base = sample_precommit()) {
    auto m = parse_pb<pb::Vote>(encode(base));
    edit(m);
    const Bytes bytes = serialize_pb(m);
    auto direct = decode_vote(bytes);
    REQUIRE_FALSE(direct.ok());
    cpb::ConsensusMessage wrapped;
    *wrapped.mutable_vote() = m;
    auto via_message = decode_message(serialize_pb(wrapped), k_max);
    REQUIRE_FALSE(via_message.ok());
    CHECK(via_message.error().reason == direct.error().reason);
    return direct.error();
}

template <class Edit>
Error block_error(Edit edit) {
    auto m = parse_pb<pb::Block>(encode(sample_block()));
    edit(m);
    auto r = decode_block(serialize_pb(m));
    REQUIRE_FALSE(r.ok());
    return r.error();
}

template <class Edit>
Error proposal_error(Edit edit) {
    const Block b = sample_block();
    auto m = parse_pb<cpb::ConsensusMessage>(encode_message(ProposalMessage{sample_proposal(b), b}));
    edit(*m.mutable_proposal()->mutable_proposal());
    auto r = decode_message(serialize_pb(m), k_max);
    REQUIRE_FALSE(r.ok());
    // The same proposal is refused from the WAL too.
    cpb::WalMessage w;
    *w.mutable_proposal() = m.proposal();
    auto rw = decode_wal_record(serialize_pb(w));
    REQUIRE_FALSE(rw.ok());
    CHECK(rw.error().reason == r.error().reason);
    return r.error();
}

template <class Edit>
Error commit_error(Edit edit) {
    auto m = parse_pb<pb::ExtendedCommit>(encode(sample_commit(4)));
    edit(m);
    auto r = decode_extended_commit(serialize_pb(m));
    REQUIRE_FALSE(r.ok());
    return r.error();
}

}  // namespace

TEST_CASE("codec: block with txs and a last commit round trips") {
    const Block b = sample_block();
    const Bytes bytes = encode(b);
    auto decoded = decode_block(bytes);
    REQUIRE(decoded.ok());
    CHECK(*decoded == b);
    CHECK(block_id_of(*decoded) == block_id_of(b));
    CHECK(encode(*decoded) == bytes);

    // The initial block: no last commit, no txs.
    Block first = test::make_block(1, 1);
    first.txs.clear();
    first.header.data_hash = data_hash(first.txs);
    auto d1 = decode_block(encode(first));
    REQUIRE(d1.ok());
    CHECK(*d1 == first);
    CHECK(d1->last_commit.empty());

    // Times before 1970 and at the edges of the accepted range survive.
    for (Timestamp t : {Timestamp{-1}, Timestamp{-1'500'000'001}, Timestamp{0},
                        std::numeric_limits<Timestamp>::min(),
                        std::numeric_limits<Timestamp>::max()}) {
        CAPTURE(t);
        Block tb = first;
        tb.header.time = t;
        auto dt = decode_block(encode(tb));
        REQUIRE(dt.ok());
        CHECK(dt->header.time == t);
    }
}

TEST_CASE("codec: a block round trips even when its last commit has height 0 but content") {
    // Only a default last commit may be left out of the encoding: anything else is covered by
    // the header's last_commit_hash, so dropping it would change what the hash describes.
    Block b = test::make_block(1, 3);
    b.last_commit.round = 2;
    ExtendedCommitSig junk;
    junk.flag = BlockIdFlag::absent;
    junk.validator_address = test::address_from(1);
    b.last_commit.signatures = {junk};
    b.header.last_commit_hash = commit_hash(b.last_commit);
    auto decoded = decode_block(encode(b));
    REQUIRE(decoded.ok());
    CHECK(*decoded == b);
    CHECK(commit_hash(decoded->last_commit) == decoded->header.last_commit_hash);
}

TEST_CASE("codec: extended commit and votes round trip") {
    const ExtendedCommit c = sample_commit(8);
    auto dc = decode_extended_commit(encode(c));
    REQUIRE(dc.ok());
    CHECK(*dc == c);

    for (const Vote& v : {sample_precommit(), sample_prevote()}) {
        auto dv = decode_vote(encode(v));
        REQUIRE(dv.ok());
        CHECK(*dv == v);
    }
    Vote nil_precommit = sample_precommit();
    nil_precommit.block_id = BlockId{};
    nil_precommit.extension.clear();
    nil_precommit.extension_signature.clear();
    auto dn = decode_vote(encode(nil_precommit));
    REQUIRE(dn.ok());
    CHECK(*dn == nil_precommit);
    CHECK(dn->block_id.is_nil());
}

TEST_CASE("codec: every message variant round trips") {
    const auto messages = sample_messages();
    REQUIRE(messages.size() == 6);
    for (std::size_t i = 0; i < messages.size(); ++i) {
        CAPTURE(i);
        const Bytes bytes = encode_message(messages[i]);
        auto decoded = decode_message(bytes, bytes.size());  // exactly at the limit is fine
        REQUIRE(decoded.ok());
        check_same(messages[i], *decoded);
        CHECK(encode_message(*decoded) == bytes);
    }
}

TEST_CASE("codec: every WAL record variant round trips") {
    for (const auto& record : sample_wal_records()) {
        CAPTURE(record.index());
        const Bytes bytes = encode_wal_record(record);
        auto decoded = decode_wal_record(bytes);
        REQUIRE(decoded.ok());
        check_same(record, *decoded);
        CHECK(encode_wal_record(*decoded) == bytes);
    }
}

TEST_CASE("codec: random garbage never crashes and almost never decodes") {
    const google::protobuf::LogSilencer quiet;  // invalid UTF-8 in strings is logged
    std::mt19937_64 rng(20240601);
    std::size_t message_ok = 0;
    std::size_t wal_ok = 0;
    std::size_t block_ok = 0;
    constexpr int k_inputs = 20000;
    for (int i = 0; i < k_inputs; ++i) {
        Bytes bytes(rng() % 256);
        for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
        auto m = decode_message(bytes, k_max);
        if (m.ok()) {
            ++message_ok;
            // Whatever decodes re-encodes to something that decodes the same.
            const Bytes again = encode_message(*m);
            auto m2 = decode_message(again, k_max);
            REQUIRE(m2.ok());
            check_same(*m, *m2);
        } else {
            CHECK_FALSE(m.error().reason.empty());
        }
        auto w = decode_wal_record(bytes);
        if (w.ok()) {
            ++wal_ok;
            auto w2 = decode_wal_record(encode_wal_record(*w));
            REQUIRE(w2.ok());
            check_same(*w, *w2);
        } else {
            CHECK_FALSE(w.error().reason.empty());
        }
        auto b = decode_block(bytes);
        if (b.ok()) ++block_ok;
        (void)decode_vote(bytes);
        (void)decode_extended_commit(bytes);
    }
    // Garbage is garbage: decodes are rare accidents (e.g. a tiny valid end-height record).
    CHECK(message_ok < k_inputs / 100);
    CHECK(wal_ok < k_inputs / 20);
    CHECK(block_ok == 0);  // a block needs five fixed-length hashes
}

TEST_CASE("codec: empty and undecodable input") {
    auto empty = decode_message({}, k_max);
    REQUIRE_FALSE(empty.ok());
    CHECK(empty.error().reason == "empty");
    auto empty_wal = decode_wal_record({});
    REQUIRE_FALSE(empty_wal.ok());
    CHECK(empty_wal.error().reason == "empty");
    const Bytes junk = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    auto bad = decode_message(junk, k_max);
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().reason == "undecodable");
    auto bad_block = decode_block(junk);
    REQUIRE_FALSE(bad_block.ok());
    CHECK(bad_block.error().reason == "undecodable");
    auto empty_block = decode_block({});
    REQUIRE_FALSE(empty_block.ok());
    CHECK(empty_block.error().reason == "bad_height");
}

TEST_CASE("codec: every strict prefix of an encoding is refused") {
    for (const auto& message : sample_messages()) {
        const Bytes bytes = encode_message(message);
        CAPTURE(message.index());
        for (std::size_t n = 0; n < bytes.size(); ++n) {
            CAPTURE(n);
            auto r = decode_message(ByteView(bytes.data(), n), k_max);
            REQUIRE_FALSE(r.ok());
            CHECK((r.error().reason == "undecodable" || r.error().reason == "empty"));
        }
    }
    for (const auto& record : sample_wal_records()) {
        const Bytes bytes = encode_wal_record(record);
        CAPTURE(record.index());
        for (std::size_t n = 0; n < bytes.size(); ++n) {
            CAPTURE(n);
            auto r = decode_wal_record(ByteView(bytes.data(), n));
            REQUIRE_FALSE(r.ok());
            CHECK((r.error().reason == "undecodable" || r.error().reason == "empty"));
        }
    }
    // A block cut inside its header is refused too.
    const Bytes block = encode(sample_block());
    for (std::size_t n = 0; n < 60; ++n) CHECK_FALSE(decode_block(ByteView(block.data(), n)).ok());
}

TEST_CASE("codec: oversized input is refused as too_large") {
    const auto messages = sample_messages();
    const Bytes bytes = encode_message(messages[0]);
    auto r = decode_message(bytes, bytes.size() - 1);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().reason == "too_large");
    // Regardless of content: a large buffer of garbage is refused before parsing.
    Bytes big(1000, 0xff);
    auto r2 = decode_message(big, 999);
    REQUIRE_FALSE(r2.ok());
    CHECK(r2.error().reason == "too_large");
    // A vote extension beyond the hard limit.
    Vote v = sample_precommit();
    v.extension.assign(k_max_extension_bytes_hard + 1, 0x01);
    auto r3 = decode_message(encode_message(VoteMessage{v}), k_max);
    REQUIRE_FALSE(r3.ok());
    CHECK(r3.error().reason == "too_large");
    auto r4 = decode_vote(encode(v));
    REQUIRE_FALSE(r4.ok());
    CHECK(r4.error().reason == "too_large");
    // Exactly at the hard limit is fine.
    v.extension.assign(k_max_extension_bytes_hard, 0x01);
    CHECK(decode_vote(encode(v)).ok());
}

TEST_CASE("codec: wrong-length fixed fields are refused as bad_length") {
    CHECK(vote_error([](pb::Vote& m) { m.set_signature(pb_bytes(63, 1)); }).reason == "bad_length");
    CHECK(vote_error([](pb::Vote& m) { m.set_signature(pb_bytes(65, 1)); }).reason == "bad_length");
    CHECK(vote_error([](pb::Vote& m) { m.clear_signature(); }).reason == "bad_length");
    CHECK(vote_error([](pb::Vote& m) { m.set_validator_address(pb_bytes(19, 1)); }).reason ==
          "bad_length");
    CHECK(vote_error([](pb::Vote& m) { m.set_validator_address(pb_bytes(32, 1)); }).reason ==
          "bad_length");
    CHECK(vote_error([](pb::Vote& m) { m.mutable_block_id()->set_hash(pb_bytes(31, 1)); }).reason ==
          "bad_length");
    CHECK(vote_error([](pb::Vote& m) { m.set_extension_signature(pb_bytes(63, 1)); }).reason ==
          "bad_length");

    CHECK(block_error([](pb::Block& m) { m.mutable_header()->set_data_hash(pb_bytes(31, 0)); })
              .reason == "bad_length");
    CHECK(block_error([](pb::Block& m) { m.mutable_header()->clear_app_hash(); }).reason ==
          "bad_length");
    CHECK(block_error([](pb::Block& m) { m.mutable_header()->set_validators_hash(pb_bytes(33, 0)); })
              .reason == "bad_length");
    CHECK(block_error([](pb::Block& m) { m.mutable_header()->set_last_commit_hash(pb_bytes(1, 0)); })
              .reason == "bad_length");
    CHECK(block_error([](pb::Block& m) { m.mutable_header()->set_proposer_address(pb_bytes(21, 0)); })
              .reason == "bad_length");
    CHECK(block_error([](pb::Block& m) {
              m.mutable_header()->mutable_last_block_id()->set_hash(pb_bytes(16, 0));
          }).reason == "bad_length");
    CHECK(block_error([](pb::Block& m) {
              m.mutable_last_commit()->mutable_extended_signatures(0)->set_signature(pb_bytes(63, 0));
          }).reason == "bad_length");

    CHECK(commit_error([](pb::ExtendedCommit& m) {
              m.mutable_extended_signatures(1)->set_validator_address(pb_bytes(19, 0));
          }).reason == "bad_length");
    CHECK(commit_error([](pb::ExtendedCommit& m) {
              m.mutable_extended_signatures(0)->set_extension_signature(pb_bytes(65, 0));
          }).reason == "bad_length");
    CHECK(commit_error([](pb::ExtendedCommit& m) {
              m.mutable_block_id()->set_hash(pb_bytes(20, 0));
          }).reason == "bad_length");

    CHECK(proposal_error([](pb::Proposal& m) { m.set_signature(pb_bytes(32, 0)); }).reason ==
          "bad_length");
}

TEST_CASE("codec: a prevote carrying an extension is refused") {
    CHECK(vote_error([](pb::Vote& m) { m.set_extension("x"); }, sample_prevote()).reason ==
          "bad_extension");
    CHECK(vote_error([](pb::Vote& m) { m.set_extension_signature(pb_bytes(64, 1)); },
                     sample_prevote())
              .reason == "bad_extension");
}

TEST_CASE("codec: heights must be positive") {
    CHECK(vote_error([](pb::Vote& m) { m.set_height(0); }).reason == "bad_height");
    CHECK(vote_error([](pb::Vote& m) { m.set_height(-3); }).reason == "bad_height");
    CHECK(block_error([](pb::Block& m) { m.mutable_header()->set_height(0); }).reason ==
          "bad_height");
    CHECK(block_error([](pb::Block& m) { m.mutable_header()->set_height(-1); }).reason ==
          "bad_height");
    CHECK(proposal_error([](pb::Proposal& m) { m.set_height(0); }).reason == "bad_height");
    CHECK(commit_error([](pb::ExtendedCommit& m) { m.set_height(-1); }).reason == "bad_height");
    for (std::int64_t h : {0, -1}) {
        cpb::ConsensusMessage m;
        m.mutable_block_request()->set_height(h);
        auto r = decode_message(serialize_pb(m), k_max);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().reason == "bad_height");
    }
}

TEST_CASE("codec: rounds and pol_round in range") {
    CHECK(vote_error([](pb::Vote& m) { m.set_round(-1); }).reason == "bad_round");
    CHECK(vote_error([](pb::Vote& m) { m.set_round(k_max_round + 1); }).reason == "bad_round");
    CHECK(proposal_error([](pb::Proposal& m) { m.set_round(-1); }).reason == "bad_round");
    // pol_round must be -1 or below round.
    CHECK(proposal_error([](pb::Proposal& m) { m.set_pol_round(m.round()); }).reason ==
          "bad_pol_round");
    CHECK(proposal_error([](pb::Proposal& m) { m.set_pol_round(m.round() + 1); }).reason ==
          "bad_pol_round");
    CHECK(proposal_error([](pb::Proposal& m) { m.set_pol_round(-2); }).reason == "bad_pol_round");
    CHECK(proposal_error([](pb::Proposal& m) {
              m.set_round(0);
              m.set_pol_round(0);
          }).reason == "bad_pol_round");
    CHECK(commit_error([](pb::ExtendedCommit& m) { m.set_round(-5); }).reason == "bad_round");
}

TEST_CASE("codec: a proposal for a nil block or of the wrong type is refused") {
    CHECK(proposal_error([](pb::Proposal& m) { m.clear_block_id(); }).reason == "bad_block_id");
    CHECK(proposal_error([](pb::Proposal& m) { m.mutable_block_id()->set_hash(pb_bytes(32, 0)); })
              .reason == "bad_block_id");
    CHECK(proposal_error([](pb::Proposal& m) { m.set_type(pb::SIGNED_MSG_TYPE_PREVOTE); }).reason ==
          "bad_type");
    // A proposal message whose block is missing.
    const Block b = sample_block();
    auto m = parse_pb<cpb::ConsensusMessage>(encode_message(ProposalMessage{sample_proposal(b), b}));
    m.mutable_proposal()->clear_block();
    auto r = decode_message(serialize_pb(m), k_max);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().reason == "bad_height");
}

TEST_CASE("codec: unknown vote types and block id flags are refused") {
    CHECK(vote_error([](pb::Vote& m) { m.set_type(pb::SIGNED_MSG_TYPE_UNKNOWN); }).reason ==
          "bad_vote_type");
    CHECK(vote_error([](pb::Vote& m) { m.set_type(pb::SIGNED_MSG_TYPE_PROPOSAL); }).reason ==
          "bad_vote_type");
    // Values the enum does not name (proto3 enums are open: they arrive as plain integers).
    for (int t : {3, 7, 31, 33, -1, 1000}) {
        CAPTURE(t);
        CHECK(vote_error([t](pb::Vote& m) { m.set_type(static_cast<pb::SignedMsgType>(t)); })
                  .reason == "bad_vote_type");
    }
    CHECK(commit_error([](pb::ExtendedCommit& m) {
              m.mutable_extended_signatures(0)->set_block_id_flag(pb::BLOCK_ID_FLAG_UNKNOWN);
          }).reason == "bad_flag");
    for (int f : {4, 9, -2, 255}) {
        CAPTURE(f);
        CHECK(commit_error([f](pb::ExtendedCommit& m) {
                  m.mutable_extended_signatures(2)->set_block_id_flag(static_cast<pb::BlockIDFlag>(f));
              }).reason == "bad_flag");
    }
}

TEST_CASE("codec: timestamps out of range are refused") {
    CHECK(block_error([](pb::Block& m) { m.mutable_header()->mutable_time()->set_seconds(253402300800); })
              .reason == "bad_time");
    CHECK(block_error([](pb::Block& m) { m.mutable_header()->mutable_time()->set_seconds(-62135596801); })
              .reason == "bad_time");
    CHECK(block_error([](pb::Block& m) { m.mutable_header()->mutable_time()->set_nanos(-1); })
              .reason == "bad_time");
    CHECK(block_error([](pb::Block& m) { m.mutable_header()->mutable_time()->set_nanos(1'000'000'000); })
              .reason == "bad_time");
    CHECK(block_error([](pb::Block& m) {
              m.mutable_header()->mutable_time()->set_seconds(INT64_MAX);
          }).reason == "bad_time");
    // Inside RFC 3339's years but beyond int64 nanoseconds (after 2262-04-11): refused instead
    // of overflowing into a wrong time.
    CHECK(block_error([](pb::Block& m) {
              m.mutable_header()->mutable_time()->set_seconds(253402300799);
          }).reason == "bad_time");
    CHECK(block_error([](pb::Block& m) {
              m.mutable_header()->mutable_time()->set_seconds(9'223'372'037);
              m.mutable_header()->mutable_time()->set_nanos(0);
          }).reason == "bad_time");
    CHECK(block_error([](pb::Block& m) {
              m.mutable_header()->mutable_time()->set_seconds(-9'223'372'037);
              m.mutable_header()->mutable_time()->set_nanos(0);
          }).reason == "bad_time");
}

TEST_CASE("codec: other shape checks") {
    CHECK(block_error([](pb::Block& m) { m.mutable_header()->set_chain_id(std::string(51, 'c')); })
              .reason == "bad_chain_id");
    {
        cpb::ConsensusMessage m;
        m.mutable_status()->set_step(1);
        REQUIRE(decode_message(serialize_pb(m), k_max).ok());
        m.mutable_status()->set_validator_count(10001);
        auto r = decode_message(serialize_pb(m), k_max);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().reason == "bad_status");
        m.mutable_status()->set_validator_count(4);
        m.mutable_status()->set_height(-1);
        r = decode_message(serialize_pb(m), k_max);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().reason == "bad_status");
        m.mutable_status()->set_height(1);
        m.mutable_status()->set_round(-1);
        r = decode_message(serialize_pb(m), k_max);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().reason == "bad_status");
        m.mutable_status()->set_round(0);
        REQUIRE(decode_message(serialize_pb(m), k_max).ok());
    }
    {
        // The peer-state fields: every bound, each on an otherwise valid status of 10 validators.
        auto status_error = [](const std::function<void(cpb::Status&)>& edit) {
            cpb::ConsensusMessage m;
            auto* s = m.mutable_status();
            s->set_height(3);
            s->set_step(2);
            s->set_validator_count(10);
            s->set_self_index(10);  // validator 9
            s->set_direct(std::string("\xff\x03", 2));
            auto* g = s->add_prevotes();
            g->set_tag(1);
            g->set_bits(std::string("\x01\x02", 2));
            edit(*s);
            auto r = decode_message(serialize_pb(m), k_max);
            return r.ok() ? std::string("ok") : r.error().reason + ": " + r.error().message;
        };
        CHECK(status_error([](cpb::Status&) {}) == "ok");
        CHECK(status_error([](cpb::Status& s) { s.set_step(0); }).starts_with("bad_status"));
        CHECK(status_error([](cpb::Status& s) { s.set_step(4); }).starts_with("bad_status"));
        CHECK(status_error([](cpb::Status& s) { s.set_self_index(11); }).starts_with("bad_status"));
        // Bit arrays: the length must match the validator count, padding bits must be clear.
        CHECK(status_error([](cpb::Status& s) { s.set_direct("\xff"); }).starts_with("bad_status"));
        CHECK(status_error([](cpb::Status& s) { s.set_direct(std::string("\xff\x07", 2)); })
                  .starts_with("bad_status"));
        CHECK(status_error([](cpb::Status& s) { s.mutable_prevotes(0)->set_bits(std::string("\x01\x02\x00", 3)); })
                  .starts_with("bad_status"));
        CHECK(status_error([](cpb::Status& s) { s.mutable_prevotes(0)->set_tag(0); })
                  .starts_with("bad_status"));
        CHECK(status_error([](cpb::Status& s) { *s.add_prevotes() = s.prevotes(0); })
                  .starts_with("bad_status"));
        CHECK(status_error([](cpb::Status& s) {
                  for (int i = 0; i <= k_max_status_groups; ++i) {
                      auto* g = s.add_precommits();
                      g->set_tag(100 + i);
                      g->set_bits(std::string(2, '\0'));
                  }
              }).starts_with("bad_status"));
        auto ok = [] {
            cpb::ConsensusMessage m;
            auto* s = m.mutable_status();
            s->set_step(3);
            s->set_validator_count(10);
            s->set_self_index(1);
            s->set_direct(std::string("\x01\x02", 2));
            auto r = decode_message(serialize_pb(m), k_max);
            REQUIRE(r.ok());
            return std::get<StatusMessage>(*r);
        }();
        CHECK(ok.self_index == 0u);
        CHECK(ok.step == Step::precommit);
        CHECK(ok.direct == std::vector<bool>{true, false, false, false, false, false, false, false,
                                             false, true});
    }
    for (int step : {0, 4, -1}) {
        CAPTURE(step);
        cpb::WalMessage m;
        m.mutable_timeout()->set_height(1);
        m.mutable_timeout()->set_step(step);
        auto r = decode_wal_record(serialize_pb(m));
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().reason == "bad_step");
    }
    {
        // A block response whose commit is malformed.
        const Block b = sample_block();
        auto m = parse_pb<cpb::ConsensusMessage>(encode_message(BlockResponseMessage{b, sample_commit(2)}));
        m.mutable_block_response()->mutable_commit()->mutable_extended_signatures(0)->set_block_id_flag(
            pb::BLOCK_ID_FLAG_UNKNOWN);
        auto r = decode_message(serialize_pb(m), k_max);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().reason == "bad_flag");
    }
}

TEST_CASE("codec: single-byte corruptions of valid encodings never crash") {
    const google::protobuf::LogSilencer quiet;  // invalid UTF-8 in strings is logged
    std::mt19937_64 rng(7);
    for (const auto& message : sample_messages()) {
        const Bytes bytes = encode_message(message);
        for (std::size_t i = 0; i < bytes.size(); i += 1 + bytes.size() / 300) {
            for (int k = 0; k < 4; ++k) {
                Bytes mutated = bytes;
                mutated[i] = static_cast<std::uint8_t>(rng());
                auto r = decode_message(mutated, k_max);
                if (r.ok()) {
                    auto again = decode_message(encode_message(*r), k_max);
                    REQUIRE(again.ok());
                    check_same(*r, *again);
                }
            }
        }
    }
}

}  // namespace seer::consensus
