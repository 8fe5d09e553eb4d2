// VoteSet and HeightVoteSet: tallies by power, +2/3 thresholds, equivocation, commits.

#include <doctest/doctest.h>

#include "seer/consensus/vote_set.hpp"
#include "support.hpp"

namespace seer::consensus {
namespace {

using test::block_id_from;
using test::make_validators;
using test::make_vote;

constexpr std::int64_t k_height = 7;
constexpr std::int32_t k_round = 2;

Vote prevote(const test::Validators& vals, std::size_t i, const BlockId& id) {
    return make_vote(vals, i, VoteType::prevote, k_height, k_round, id);
}
Vote precommit(const test::Validators& vals, std::size_t i, const BlockId& id) {
    return make_vote(vals, i, VoteType::precommit, k_height, k_round, id);
}

}  // namespace

TEST_CASE("vote set: 2 of 3 equal validators is exactly 2/3, not a majority") {
    const auto vals = make_validators({1, 1, 1});
    VoteSet set(&vals.set, k_height, k_round, VoteType::prevote);
    const BlockId a = block_id_from(0xa1);
    CHECK(set.add(prevote(vals, 0, a)) == AddVoteResult::added);
    CHECK(set.add(prevote(vals, 1, a)) == AddVoteResult::added);
    CHECK(set.power_for(a) == 2);
    CHECK_FALSE(set.two_thirds_majority().has_value());
    CHECK_FALSE(set.has_two_thirds_any());
    CHECK(set.add(prevote(vals, 2, a)) == AddVoteResult::added);
    REQUIRE(set.two_thirds_majority().has_value());
    CHECK(*set.two_thirds_majority() == a);
    CHECK(set.has_two_thirds_any());
}

TEST_CASE("vote set: majority is by power, not by count") {
    // Total 6: 4 is exactly 2/3 (no), 5 is more (yes).
    const auto vals = make_validators({2, 2, 1, 1});
    REQUIRE(vals.set.at(0).voting_power == 2);
    REQUIRE(vals.set.at(1).voting_power == 2);
    VoteSet set(&vals.set, k_height, k_round, VoteType::precommit);
    const BlockId a = block_id_from(0xa1);
    CHECK(set.add(precommit(vals, 0, a)) == AddVoteResult::added);
    CHECK(set.add(precommit(vals, 1, a)) == AddVoteResult::added);
    CHECK(set.power_for(a) == 4);
    CHECK(set.total_power() == 4);
    CHECK_FALSE(set.two_thirds_majority().has_value());
    CHECK_FALSE(set.has_two_thirds_any());
    CHECK(set.add(precommit(vals, 3, a)) == AddVoteResult::added);
    CHECK(set.power_for(a) == 5);
    REQUIRE(set.two_thirds_majority().has_value());
    CHECK(*set.two_thirds_majority() == a);

    // Three of four validators, but only 4 of 6 power: no majority.
    VoteSet small(&vals.set, k_height, k_round, VoteType::precommit);
    CHECK(small.add(precommit(vals, 0, a)) == AddVoteResult::added);
    CHECK(small.add(precommit(vals, 2, a)) == AddVoteResult::added);
    CHECK(small.add(precommit(vals, 3, a)) == AddVoteResult::added);
    CHECK_FALSE(small.two_thirds_majority().has_value());
}

TEST_CASE("vote set: majority for nil") {
    const auto vals = make_validators({1, 1, 1, 1});
    VoteSet set(&vals.set, k_height, k_round, VoteType::prevote);
    for (std::size_t i = 0; i < 3; ++i) CHECK(set.add(prevote(vals, i, BlockId{})) == AddVoteResult::added);
    REQUIRE(set.two_thirds_majority().has_value());
    CHECK(set.two_thirds_majority()->is_nil());
    CHECK(set.power_for(BlockId{}) == 3);
}

TEST_CASE("vote set: +2/3 of any without a majority") {
    const auto vals = make_validators({1, 1, 1, 1});
    VoteSet set(&vals.set, k_height, k_round, VoteType::prevote);
    CHECK(set.add(prevote(vals, 0, block_id_from(1))) == AddVoteResult::added);
    CHECK(set.add(prevote(vals, 1, block_id_from(1))) == AddVoteResult::added);
    CHECK_FALSE(set.has_two_thirds_any());
    CHECK(set.add(prevote(vals, 2, BlockId{})) == AddVoteResult::added);
    CHECK(set.has_two_thirds_any());
    CHECK_FALSE(set.two_thirds_majority().has_value());
    // The first block to reach +2/3 stays the majority.
    CHECK(set.add(prevote(vals, 3, block_id_from(1))) == AddVoteResult::added);
    REQUIRE(set.two_thirds_majority().has_value());
    CHECK(*set.two_thirds_majority() == block_id_from(1));
    CHECK(set.bit_array() == std::vector<bool>{true, true, true, true});
    CHECK(set.votes().size() == 4);
}

TEST_CASE("vote set: duplicate vote counts once") {
    const auto vals = make_validators({1, 1, 1, 1});
    VoteSet set(&vals.set, k_height, k_round, VoteType::prevote);
    const Vote v = prevote(vals, 1, block_id_from(5));
    CHECK(set.add(v) == AddVoteResult::added);
    CHECK(set.add(v) == AddVoteResult::duplicate);
    CHECK(set.power_for(block_id_from(5)) == 1);
    CHECK(set.total_power() == 1);
    CHECK(set.has(1));
    CHECK_FALSE(set.has(0));
    REQUIRE(set.get(1).has_value());
    CHECK(*set.get(1) == v);
    CHECK(set.bit_array() == std::vector<bool>{false, true, false, false});
}

TEST_CASE("vote set: conflicting votes are evidence and count for their own block") {
    const auto vals = make_validators({1, 1, 1, 1});
    VoteSet set(&vals.set, k_height, k_round, VoteType::precommit);
    const Vote first = precommit(vals, 2, block_id_from(1));
    const Vote second = precommit(vals, 2, block_id_from(2));
    const Vote third = precommit(vals, 2, BlockId{});
    const Vote fourth = precommit(vals, 2, block_id_from(4));
    CHECK(set.add(first) == AddVoteResult::added);
    Equivocation evidence;
    CHECK(set.add(second, &evidence) == AddVoteResult::conflicting);
    CHECK(evidence.first == first);
    CHECK(evidence.second == second);
    CHECK(set.add(third, &evidence) == AddVoteResult::conflicting);
    CHECK(evidence.first == first);
    CHECK(evidence.second == third);
    CHECK(set.add(second) == AddVoteResult::duplicate);  // the same equivocation again
    // Beyond k_max_votes_per_validator distinct votes: evidence, but not kept or counted.
    CHECK(set.add(fourth, &evidence) == AddVoteResult::conflicting);
    CHECK(evidence.second == fourth);
    CHECK(set.power_for(block_id_from(4)) == 0);
    // Each kept vote counts for the block it names (as the paper counts messages per value);
    // the validator counts once in the total.
    CHECK(set.power_for(block_id_from(1)) == 1);
    CHECK(set.power_for(block_id_from(2)) == 1);
    CHECK(set.power_for(BlockId{}) == 1);
    CHECK(set.total_power() == 1);
    REQUIRE(set.get(2).has_value());
    CHECK(*set.get(2) == first);
    REQUIRE(set.vote_for(2, block_id_from(2)) != nullptr);
    CHECK(*set.vote_for(2, block_id_from(2)) == second);
    CHECK(set.contains(third));
    CHECK_FALSE(set.contains(fourth));
}

TEST_CASE("vote set: an equivocation completes a polka and the commit uses the matching vote") {
    const auto vals = make_validators({1, 1, 1, 1});
    VoteSet set(&vals.set, k_height, k_round, VoteType::precommit);
    const BlockId a = block_id_from(1);
    CHECK(set.add(precommit(vals, 0, a)) == AddVoteResult::added);
    CHECK(set.add(precommit(vals, 1, a)) == AddVoteResult::added);
    const Vote nil_first = precommit(vals, 3, BlockId{});
    const Vote for_a = precommit(vals, 3, a);
    CHECK(set.add(nil_first) == AddVoteResult::added);
    CHECK_FALSE(set.two_thirds_majority().has_value());
    CHECK(set.add(for_a) == AddVoteResult::conflicting);
    REQUIRE(set.two_thirds_majority().has_value());
    CHECK(*set.two_thirds_majority() == a);
    const ExtendedCommit commit = set.make_extended_commit();
    CHECK(commit.signatures[3].flag == BlockIdFlag::commit);
    CHECK(commit.signatures[3].signature == Bytes(for_a.signature.begin(), for_a.signature.end()));
    CHECK(commit.signatures[2].flag == BlockIdFlag::absent);
}

TEST_CASE("vote set: invalid votes are refused and change nothing") {
    const auto vals = make_validators({1, 1, 1, 1});
    VoteSet set(&vals.set, k_height, k_round, VoteType::prevote);
    const BlockId a = block_id_from(3);

    SUBCASE("wrong height") {
        CHECK(set.add(make_vote(vals, 0, VoteType::prevote, k_height + 1, k_round, a)) ==
              AddVoteResult::invalid);
    }
    SUBCASE("wrong round") {
        CHECK(set.add(make_vote(vals, 0, VoteType::prevote, k_height, k_round + 1, a)) ==
              AddVoteResult::invalid);
    }
    SUBCASE("wrong type") {
        CHECK(set.add(make_vote(vals, 0, VoteType::precommit, k_height, k_round, a)) ==
              AddVoteResult::invalid);
    }
    SUBCASE("index out of range") {
        Vote v = prevote(vals, 0, a);
        v.validator_index = 4;
        CHECK(set.add(v) == AddVoteResult::invalid);
        v.validator_index = -1;
        CHECK(set.add(v) == AddVoteResult::invalid);
    }
    SUBCASE("address does not match the index") {
        Vote v = prevote(vals, 0, a);
        v.validator_index = 1;
        CHECK(set.add(v) == AddVoteResult::invalid);
        Vote unknown = prevote(vals, 0, a);
        unknown.validator_address = test::address_from(0xee);
        CHECK(set.add(unknown) == AddVoteResult::invalid);
    }
    CHECK(set.total_power() == 0);
    CHECK(set.votes().empty());
    CHECK(set.bit_array() == std::vector<bool>(4, false));
}

TEST_CASE("vote set: extended commit flags, signatures and extensions") {
    // 10 equal validators: 7 for A (21 > 20), one nil, one for another block, one absent.
    const auto vals = make_validators({1, 1, 1, 1, 1, 1, 1, 1, 1, 1});
    VoteSet set(&vals.set, k_height, k_round, VoteType::precommit);
    const BlockId a = block_id_from(0xaa);
    const BlockId b = block_id_from(0xbb);
    std::vector<Vote> added;
    for (std::size_t i = 0; i < 7; ++i) added.push_back(precommit(vals, i, a));
    added.push_back(precommit(vals, 7, BlockId{}));
    added.push_back(precommit(vals, 8, b));
    for (const auto& v : added) REQUIRE(set.add(v) == AddVoteResult::added);
    REQUIRE(set.two_thirds_majority() == a);

    const ExtendedCommit commit = set.make_extended_commit();
    CHECK(commit.height == k_height);
    CHECK(commit.round == k_round);
    CHECK(commit.block_id == a);
    REQUIRE(commit.signatures.size() == 10);
    for (std::size_t i = 0; i < 10; ++i) {
        CAPTURE(i);
        const auto& s = commit.signatures[i];
        CHECK(s.validator_address == vals.set.at(i).address);
        if (i < 7) {
            CHECK(s.flag == BlockIdFlag::commit);
            CHECK(s.signature == Bytes(added[i].signature.begin(), added[i].signature.end()));
            CHECK(s.extension == added[i].extension);
            CHECK_FALSE(s.extension.empty());
            CHECK(s.extension_signature == added[i].extension_signature);
            CHECK(s.extension_signature.size() == 64);
            // The commit signature verifies as a precommit for A.
            CHECK(crypto::verify(vals.set.at(i).pub_key,
                                 vote_sign_bytes(test::k_chain_id, VoteType::precommit, k_height,
                                                 k_round, a),
                                 s.signature));
        } else if (i == 7) {
            CHECK(s.flag == BlockIdFlag::nil);
            CHECK(s.signature == Bytes(added[7].signature.begin(), added[7].signature.end()));
            CHECK(s.extension.empty());
            CHECK(s.extension_signature.empty());
        } else {
            // i == 8 voted for another block: not representable, so absent with no signature.
            CHECK(s.flag == BlockIdFlag::absent);
            CHECK(s.signature.empty());
            CHECK(s.extension.empty());
            CHECK(s.extension_signature.empty());
        }
    }
}

TEST_CASE("height vote set: rounds, types and f+1 round power") {
    const auto vals = make_validators({1, 1, 1, 1});
    HeightVoteSet hvs(&vals.set, k_height);
    CHECK(hvs.max_round() == -1);
    CHECK(hvs.find(0, VoteType::prevote) == nullptr);
    CHECK(hvs.round_power(3) == 0);

    const BlockId a = block_id_from(1);
    // Validator 0 prevotes and precommits in round 3: counted once.
    CHECK(hvs.add(make_vote(vals, 0, VoteType::prevote, k_height, 3, a)) == AddVoteResult::added);
    CHECK(hvs.add(make_vote(vals, 0, VoteType::precommit, k_height, 3, a)) == AddVoteResult::added);
    CHECK(hvs.round_power(3) == 1);
    CHECK_FALSE(vals.set.is_one_third(hvs.round_power(3)));
    CHECK(hvs.max_round() == 3);
    // Validator 1 only precommits in round 3: now 2 of 4 > 1/3.
    CHECK(hvs.add(make_vote(vals, 1, VoteType::precommit, k_height, 3, BlockId{})) ==
          AddVoteResult::added);
    CHECK(hvs.round_power(3) == 2);
    CHECK(vals.set.is_one_third(hvs.round_power(3)));
    // Another round is separate.
    CHECK(hvs.add(make_vote(vals, 2, VoteType::prevote, k_height, 1, a)) == AddVoteResult::added);
    CHECK(hvs.round_power(1) == 1);
    CHECK(hvs.max_round() == 3);

    const VoteSet* pv3 = hvs.find(3, VoteType::prevote);
    const VoteSet* pc3 = hvs.find(3, VoteType::precommit);
    REQUIRE(pv3 != nullptr);
    REQUIRE(pc3 != nullptr);
    CHECK(pv3->total_power() == 1);
    CHECK(pc3->total_power() == 2);
    CHECK(&hvs.prevotes(3) == pv3);
    CHECK(&hvs.precommits(3) == pc3);

    // Wrong height and negative rounds are refused.
    CHECK(hvs.add(make_vote(vals, 3, VoteType::prevote, k_height + 1, 0, a)) ==
          AddVoteResult::invalid);
    CHECK(hvs.add(make_vote(vals, 3, VoteType::prevote, k_height, -1, a)) ==
          AddVoteResult::invalid);
    // Duplicates and conflicts go through the per-round set.
    CHECK(hvs.add(make_vote(vals, 0, VoteType::prevote, k_height, 3, a)) ==
          AddVoteResult::duplicate);
    Equivocation evidence;
    CHECK(hvs.add(make_vote(vals, 0, VoteType::prevote, k_height, 3, block_id_from(2)),
                  &evidence) == AddVoteResult::conflicting);
    CHECK(evidence.first.block_id == a);
    CHECK(evidence.second.block_id == block_id_from(2));
}

}  // namespace seer::consensus
