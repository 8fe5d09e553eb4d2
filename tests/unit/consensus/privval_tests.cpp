// The private validator: never double-signs, persists before a signature leaves, survives a
// restart.

#include <doctest/doctest.h>

#include <stdexcept>

#include "seer/consensus/privval.hpp"
#include "seer/consensus/sign_bytes.hpp"
#include "seer/crypto/hash.hpp"
#include "seer/store/durable_value.hpp"
#include "support.hpp"

namespace seer::consensus {
namespace {

using test::block_id_from;
using test::k_chain_id;

Vote vote(VoteType type, std::int64_t h, std::int32_t r, const BlockId& id) {
    Vote v;
    v.type = type;
    v.height = h;
    v.round = r;
    v.block_id = id;
    v.validator_index = 0;
    return v;
}

Proposal proposal(std::int64_t h, std::int32_t r, const BlockId& id, std::int32_t pol = -1) {
    Proposal p;
    p.height = h;
    p.round = r;
    p.pol_round = pol;
    p.block_id = id;
    return p;
}

/// Records every store and can be told to fail it (a full disk).
class RecordingValue final : public store::DurableValue {
public:
    std::optional<Bytes> load() const override { return m_value; }
    void store(ByteView value) override {
        if (m_fail) throw std::runtime_error("disk full");
        m_value = Bytes(value.begin(), value.end());
        ++m_stores;
    }
    std::optional<Bytes> m_value;
    int m_stores = 0;
    bool m_fail = false;
};

LastSignState stored_state(const store::DurableValue& value) {
    auto bytes = value.load();
    REQUIRE(bytes.has_value());
    auto state = decode_sign_state_json(seer::to_string(*bytes));
    REQUIRE(state.has_value());
    return *state;
}

}  // namespace

TEST_CASE("privval: signs increasing positions with verifiable signatures") {
    auto value = store::make_memory_value();
    const auto key = test::key_from(1);
    PrivValidator pv(key, std::string(k_chain_id), *value);
    CHECK(pv.public_key() == key.public_key());
    CHECK(pv.address() == crypto::address_of(key.public_key()));
    CHECK(pv.last_sign_state() == LastSignState{});

    const BlockId a = block_id_from(0xa);
    const Proposal p = proposal(1, 0, a);
    auto sp = pv.sign_proposal(p);
    REQUIRE(sp.has_value());
    CHECK(crypto::verify(key.public_key(), proposal_sign_bytes(k_chain_id, p), *sp));

    const std::vector<Vote> sequence = {
        vote(VoteType::prevote, 1, 0, a),    vote(VoteType::precommit, 1, 0, a),
        vote(VoteType::prevote, 1, 1, {}),   vote(VoteType::precommit, 1, 1, {}),
        vote(VoteType::prevote, 2, 0, a),    vote(VoteType::precommit, 5, 0, a),
    };
    for (const auto& v : sequence) {
        CAPTURE(v.height);
        CAPTURE(v.round);
        auto sig = pv.sign_vote(v);
        REQUIRE(sig.has_value());
        CHECK(crypto::verify(key.public_key(), vote_sign_bytes(k_chain_id, v), *sig));
        // A signature for another chain id does not verify.
        CHECK_FALSE(crypto::verify(key.public_key(), vote_sign_bytes("other-chain", v), *sig));
        const auto& last = pv.last_sign_state();
        CHECK(last.height == v.height);
        CHECK(last.round == v.round);
        CHECK(last.step == (v.type == VoteType::prevote ? 2 : 3));
        CHECK(last.sign_bytes_hash == crypto::sha256(vote_sign_bytes(k_chain_id, v)));
        CHECK(last.signature == *sig);
    }
}

TEST_CASE("privval: refuses every position at or below the last one with other bytes") {
    auto value = store::make_memory_value();
    PrivValidator pv(test::key_from(2), std::string(k_chain_id), *value);
    const BlockId a = block_id_from(0xa);
    const BlockId b = block_id_from(0xb);
    REQUIRE(pv.sign_vote(vote(VoteType::precommit, 5, 1, a)).has_value());
    const LastSignState before = pv.last_sign_state();

    CHECK_FALSE(pv.sign_vote(vote(VoteType::prevote, 5, 1, a)).has_value());    // lower step
    CHECK_FALSE(pv.sign_proposal(proposal(5, 1, a)).has_value());                // lower step
    CHECK_FALSE(pv.sign_vote(vote(VoteType::precommit, 5, 0, a)).has_value());  // lower round
    CHECK_FALSE(pv.sign_vote(vote(VoteType::precommit, 4, 9, a)).has_value());  // lower height
    CHECK_FALSE(pv.sign_vote(vote(VoteType::precommit, 5, 1, b)).has_value());  // same, other block
    CHECK_FALSE(pv.sign_vote(vote(VoteType::precommit, 5, 1, {})).has_value()); // same, nil
    CHECK(pv.last_sign_state() == before);
    CHECK(stored_state(*value) == before);

    // Beyond it again: fine.
    CHECK(pv.sign_proposal(proposal(5, 2, b, 1)).has_value());
    CHECK(pv.sign_vote(vote(VoteType::prevote, 5, 2, b)).has_value());
}

TEST_CASE("privval: the same message at the same position gets the identical signature") {
    auto value = std::make_shared<RecordingValue>();
    PrivValidator pv(test::key_from(3), std::string(k_chain_id), *value);
    const Vote v = vote(VoteType::prevote, 3, 2, block_id_from(1));
    auto first = pv.sign_vote(v);
    REQUIRE(first.has_value());
    CHECK(value->m_stores == 1);
    auto again = pv.sign_vote(v);
    REQUIRE(again.has_value());
    CHECK(*again == *first);
    CHECK(value->m_stores == 1);  // nothing new to persist

    const Proposal p = proposal(4, 0, block_id_from(2));
    auto sp = pv.sign_proposal(p);
    REQUIRE(sp.has_value());
    auto sp2 = pv.sign_proposal(p);
    REQUIRE(sp2.has_value());
    CHECK(*sp2 == *sp);
    Proposal other_pol = p;
    other_pol.block_id = block_id_from(3);
    CHECK_FALSE(pv.sign_proposal(other_pol).has_value());
}

TEST_CASE("privval: the state is durable before the signature is returned") {
    auto value = std::make_shared<RecordingValue>();
    PrivValidator pv(test::key_from(4), std::string(k_chain_id), *value);
    const Vote v = vote(VoteType::precommit, 7, 0, block_id_from(7));
    auto sig = pv.sign_vote(v);
    REQUIRE(sig.has_value());
    // What was stored already names this exact signature and message.
    const LastSignState stored = stored_state(*value);
    CHECK(stored.height == 7);
    CHECK(stored.round == 0);
    CHECK(stored.step == 3);
    CHECK(stored.signature == *sig);
    CHECK(stored.sign_bytes_hash == crypto::sha256(vote_sign_bytes(k_chain_id, v)));

    // If the state cannot be written, no signature leaves and nothing advances.
    value->m_fail = true;
    const LastSignState before = pv.last_sign_state();
    CHECK_THROWS(pv.sign_vote(vote(VoteType::prevote, 8, 0, block_id_from(8))));
    CHECK(pv.last_sign_state() == before);
    CHECK(stored_state(*value) == before);
}

TEST_CASE("privval: a restarted validator over the same state never double-signs") {
    auto value = store::make_memory_value();
    const auto key = test::key_from(5);
    const Vote signed_vote = vote(VoteType::prevote, 10, 3, block_id_from(0xa));
    crypto::Signature first{};
    {
        PrivValidator pv(key, std::string(k_chain_id), *value);
        auto sig = pv.sign_vote(signed_vote);
        REQUIRE(sig.has_value());
        first = *sig;
    }  // crash: the object is gone, the durable value is not

    PrivValidator restarted(key, std::string(k_chain_id), *value);
    CHECK(restarted.last_sign_state().height == 10);
    CHECK(restarted.last_sign_state().round == 3);
    CHECK(restarted.last_sign_state().step == 2);
    // A conflicting vote for the same (h, r, step) is refused...
    CHECK_FALSE(restarted.sign_vote(vote(VoteType::prevote, 10, 3, block_id_from(0xb))).has_value());
    CHECK_FALSE(restarted.sign_vote(vote(VoteType::prevote, 10, 3, BlockId{})).has_value());
    CHECK_FALSE(restarted.sign_vote(vote(VoteType::prevote, 10, 2, block_id_from(0xa))).has_value());
    // ...the same one is re-signed identically (WAL replay after a restart)...
    auto again = restarted.sign_vote(signed_vote);
    REQUIRE(again.has_value());
    CHECK(*again == first);
    // ...and the next step goes on.
    CHECK(restarted.sign_vote(vote(VoteType::precommit, 10, 3, BlockId{})).has_value());
}

TEST_CASE("privval: sign state JSON round trips in CometBFT's shape") {
    LastSignState s;
    s.height = 5;
    s.round = 2;
    s.step = 3;
    for (std::size_t i = 0; i < s.sign_bytes_hash.size(); ++i) s.sign_bytes_hash[i] = static_cast<std::uint8_t>(i);
    for (std::size_t i = 0; i < s.signature.size(); ++i) s.signature[i] = static_cast<std::uint8_t>(0xff - i);
    const std::string json = encode_sign_state_json(s);
    CHECK(json.find("\"height\"") != std::string::npos);
    CHECK(json.find("\"5\"") != std::string::npos);  // int64 as a string, as proto3 JSON
    CHECK(json.find("\"signbytes\"") != std::string::npos);
    CHECK(json.find("\"signature\"") != std::string::npos);
    auto decoded = decode_sign_state_json(json);
    REQUIRE(decoded.has_value());
    CHECK(*decoded == s);

    // The empty state (nothing signed yet) round trips too.
    auto empty = decode_sign_state_json(encode_sign_state_json(LastSignState{}));
    REQUIRE(empty.has_value());
    CHECK(*empty == LastSignState{});
    // CometBFT's own initial file.
    auto comet = decode_sign_state_json(R"({"height":"0","round":0,"step":0})");
    REQUIRE(comet.has_value());
    CHECK(*comet == LastSignState{});
}

TEST_CASE("privval: unreadable sign state JSON is rejected") {
    const std::string good_sig = std::string(86, 'A') + "==";  // base64 of 64 bytes
    const std::string good_hash = std::string(43, 'A') + "=";  // 32 bytes
    // Sanity: the well-formed version is accepted.
    REQUIRE(decode_sign_state_json(R"({"height":"5","round":1,"step":2,"signature":")" + good_sig +
                                   R"(","signbytes":")" + good_hash + R"("})")
                .has_value());

    const std::vector<std::string> bad = {
        "",
        "not json",
        "{",
        "[]",
        R"({"height":"five"})",
        R"({"height":"-1","round":0,"step":0})",
        R"({"height":"1","round":-1,"step":0})",
        R"({"height":"1","round":0,"step":4})",
        R"({"height":"1","round":0,"step":-1})",
        R"({"unknown_field":1})",
        // A non-zero step needs a 64-byte signature and a 32-byte hash.
        R"({"height":"5","round":1,"step":2})",
        R"({"height":"5","round":1,"step":2,"signature":")" + std::string(84, 'A') +
            R"(","signbytes":")" + good_hash + R"("})",  // 63 bytes
        R"({"height":"5","round":1,"step":2,"signature":")" + good_sig + R"(","signbytes":")" +
            std::string(40, 'A') + R"("})",  // 30 bytes
        R"({"height":"5","round":1,"step":2,"signature":"!!!!","signbytes":")" + good_hash +
            R"("})",
    };
    for (const auto& json : bad) {
        CAPTURE(json);
        CHECK_FALSE(decode_sign_state_json(json).has_value());
    }
}

TEST_CASE("privval: extension signatures verify over extension_sign_bytes") {
    auto value = store::make_memory_value();
    const auto key = test::key_from(6);
    PrivValidator pv(key, std::string(k_chain_id), *value);
    REQUIRE(pv.sign_vote(vote(VoteType::precommit, 9, 0, block_id_from(1))).has_value());
    const Bytes ext = to_bytes("price=42");
    const auto sig = pv.sign_extension(9, 0, ext);
    CHECK(crypto::verify(key.public_key(), extension_sign_bytes(k_chain_id, 9, 0, ext), sig));
    CHECK_FALSE(crypto::verify(key.public_key(), extension_sign_bytes(k_chain_id, 9, 1, ext), sig));
    CHECK_FALSE(
        crypto::verify(key.public_key(), extension_sign_bytes(k_chain_id, 9, 0, to_bytes("price=43")), sig));
    // Not a vote signature: it cannot be replayed as a precommit.
    CHECK_FALSE(crypto::verify(key.public_key(),
                               vote_sign_bytes(k_chain_id, VoteType::precommit, 9, 0, block_id_from(1)),
                               sig));
    // Extensions carry no double-sign state: signing one for an older position still works and
    // does not move the last-sign state.
    const LastSignState before = pv.last_sign_state();
    const auto old = pv.sign_extension(3, 0, ext);
    CHECK(crypto::verify(key.public_key(), extension_sign_bytes(k_chain_id, 3, 0, ext), old));
    CHECK(pv.last_sign_state() == before);
}

}  // namespace seer::consensus
