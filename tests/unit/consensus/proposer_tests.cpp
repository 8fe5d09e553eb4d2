// Proposer selection: CometBFT's weighted round robin with priorities.

#include <doctest/doctest.h>

#include <map>
#include <random>

#include "seer/consensus/validator_set.hpp"
#include "support.hpp"

namespace seer::consensus {
namespace {

using test::address_from;

Validator validator(std::uint8_t address_byte, std::int64_t power) {
    Validator v;
    v.address = address_from(address_byte);
    v.pub_key.fill(address_byte);
    v.voting_power = power;
    return v;
}

// An independent, straightforward re-implementation of CometBFT's IncrementProposerPriority
// (types/validator_set.go), kept deliberately naive: plain loops, no shared code.
struct RefValidator {
    Address address{};
    std::int64_t power = 0;
    std::int64_t priority = 0;
};

struct RefSet {
    std::vector<RefValidator> vals;
    Address proposer{};

    std::int64_t total() const {
        std::int64_t t = 0;
        for (const auto& v : vals) t += v.power;
        return t;
    }

    void increment(std::int64_t times) {
        const std::int64_t total_power = total();
        // 1. Rescale so that max - min <= 2 * total (ratio rounded up, division truncates).
        const std::int64_t window = 2 * total_power;
        std::int64_t lo = vals[0].priority;
        std::int64_t hi = vals[0].priority;
        for (const auto& v : vals) {
            lo = std::min(lo, v.priority);
            hi = std::max(hi, v.priority);
        }
        if (hi - lo > window) {
            const std::int64_t ratio = (hi - lo + window - 1) / window;
            for (auto& v : vals) v.priority /= ratio;
        }
        // 2. Centre on zero: subtract the floor of the average.
        std::int64_t sum = 0;
        for (const auto& v : vals) sum += v.priority;
        const auto n = static_cast<std::int64_t>(vals.size());
        std::int64_t avg = sum / n;
        if (sum % n != 0 && sum < 0) avg -= 1;
        for (auto& v : vals) v.priority -= avg;
        // 3. `times` rounds of: add power, pick the max (ties to the smaller address), subtract
        //    the total from the winner.
        for (std::int64_t t = 0; t < times; ++t) {
            for (auto& v : vals) v.priority += v.power;
            std::size_t best = 0;
            for (std::size_t i = 1; i < vals.size(); ++i) {
                if (vals[i].priority > vals[best].priority ||
                    (vals[i].priority == vals[best].priority &&
                     vals[i].address < vals[best].address))
                    best = i;
            }
            vals[best].priority -= total_power;
            proposer = vals[best].address;
        }
    }
};

RefSet ref_genesis(const std::vector<Validator>& input) {
    RefSet set;
    for (const auto& v : input) set.vals.push_back({v.address, v.voting_power, 0});
    set.increment(1);
    return set;
}

std::int64_t priority_of(const ValidatorSet& set, const Address& address) {
    const auto index = set.index_of(address);
    REQUIRE(index.has_value());
    return set.at(*index).proposer_priority;
}

void check_same_state(const ValidatorSet& set, const RefSet& ref) {
    CHECK(set.proposer().address == ref.proposer);
    for (const auto& r : ref.vals) CHECK(priority_of(set, r.address) == r.priority);
}

}  // namespace

TEST_CASE("proposer: powers {1,3} give p2 p1 p2 p2") {
    // p1 (power 1) has the smaller address. After the genesis increment the priorities are
    // p2 = 3 - 4 = -1 and p1 = 1. The next increment adds the powers: p2 = -1 + 3 = 2 and
    // p1 = 1 + 1 = 2, a tie, which CometBFT breaks towards the smaller address: p1. With the
    // larger address p1 would lose the tie and the sequence would be p2 p2 p1 p2.
    const Validator p1 = validator(0x01, 1);
    const Validator p2 = validator(0x02, 3);
    const ValidatorSet genesis = ValidatorSet::from_genesis({p1, p2});
    REQUIRE(genesis.total_power() == 4);

    const std::vector<Address> expected = {p2.address, p1.address, p2.address, p2.address};
    for (std::int64_t k = 0; k < 4; ++k) {
        CAPTURE(k);
        CHECK(genesis.copy_increment(k).proposer().address == expected[static_cast<std::size_t>(k)]);
    }
    // The cycle repeats with period total power, also when incremented one step at a time.
    ValidatorSet set = genesis;
    for (std::size_t k = 0; k < 12; ++k) {
        CAPTURE(k);
        CHECK(set.proposer().address == expected[k % 4]);
        set = set.copy_increment(1);
    }
    // copy_increment leaves the original alone.
    CHECK(genesis.proposer().address == p2.address);
}

TEST_CASE("proposer: four equal validators rotate in address order") {
    // Given out of address order on purpose: the order of the genesis file does not matter.
    const ValidatorSet genesis = ValidatorSet::from_genesis(
        {validator(0x30, 10), validator(0x10, 10), validator(0x40, 10), validator(0x20, 10)});
    const std::vector<std::uint8_t> order = {0x10, 0x20, 0x30, 0x40};
    for (std::int64_t k = 0; k < 8; ++k) {
        CAPTURE(k);
        CHECK(genesis.copy_increment(k).proposer().address ==
              address_from(order[static_cast<std::size_t>(k % 4)]));
    }
}

TEST_CASE("proposer: genesis order is by power then address, priorities centred") {
    const ValidatorSet set = ValidatorSet::from_genesis(
        {validator(0x05, 1), validator(0x03, 7), validator(0x04, 7), validator(0x01, 2)});
    REQUIRE(set.size() == 4);
    CHECK(set.at(0).address == address_from(0x03));
    CHECK(set.at(1).address == address_from(0x04));
    CHECK(set.at(2).address == address_from(0x01));
    CHECK(set.at(3).address == address_from(0x05));
    CHECK(set.total_power() == 17);
    std::int64_t sum = 0;
    for (const auto& v : set.validators()) sum += v.proposer_priority;
    CHECK(sum == 0);
    CHECK(set.index_of(address_from(0x99)) == std::nullopt);
}

TEST_CASE("proposer: matches an independent re-implementation for random powers") {
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        CAPTURE(seed);
        std::mt19937_64 rng(seed);
        const std::size_t n = 2 + rng() % 12;
        // Mix small and very unequal powers; some seeds use huge ones.
        const std::int64_t max_power = seed % 3 == 0 ? 1'000'000'000 : (seed % 3 == 1 ? 10 : 1000);
        std::vector<Validator> input;
        for (std::size_t i = 0; i < n; ++i) {
            const auto power = 1 + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(max_power));
            // Distinct addresses in random order.
            input.push_back(validator(static_cast<std::uint8_t>(0x80 + ((i * 37 + seed) % 0x7f)), power));
        }
        const ValidatorSet genesis = ValidatorSet::from_genesis(input);
        RefSet ref = ref_genesis(input);
        check_same_state(genesis, ref);

        // Successive single increments (one per height).
        ValidatorSet set = genesis;
        for (int step = 0; step < 100; ++step) {
            CAPTURE(step);
            set = set.copy_increment(1);
            ref.increment(1);
            check_same_state(set, ref);
        }
        // copy_increment(k) from the same start (one per round): rescale and centre once, then
        // k rounds.
        for (std::int64_t k : {1, 2, 7, 33, 100}) {
            CAPTURE(k);
            RefSet r = ref_genesis(input);
            r.increment(k);
            check_same_state(genesis.copy_increment(k), r);
        }
    }
}

TEST_CASE("proposer: share of proposals is proportional to power") {
    const std::vector<std::int64_t> powers = {1, 2, 3, 5, 8, 13};
    std::vector<Validator> input;
    for (std::size_t i = 0; i < powers.size(); ++i)
        input.push_back(validator(static_cast<std::uint8_t>(0x10 + i), powers[i]));
    ValidatorSet set = ValidatorSet::from_genesis(input);
    const std::int64_t total = set.total_power();  // 32

    // Over every window of `total` consecutive proposals each validator proposes its power
    // (within one).
    std::vector<Address> sequence;
    for (std::int64_t i = 0; i < total * 20; ++i) {
        sequence.push_back(set.proposer().address);
        set = set.copy_increment(1);
    }
    for (std::size_t start = 0; start + static_cast<std::size_t>(total) <= sequence.size(); ++start) {
        std::map<Address, std::int64_t> count;
        for (std::size_t i = start; i < start + static_cast<std::size_t>(total); ++i)
            ++count[sequence[i]];
        for (const auto& v : input) {
            CAPTURE(start);
            CAPTURE(v.voting_power);
            CHECK(count[v.address] >= v.voting_power - 1);
            CHECK(count[v.address] <= v.voting_power + 1);
        }
    }
    // Over many cycles the share converges exactly.
    std::map<Address, std::int64_t> all;
    for (const auto& a : sequence) ++all[a];
    for (const auto& v : input) {
        CAPTURE(v.voting_power);
        CHECK(all[v.address] >= 20 * v.voting_power - 1);
        CHECK(all[v.address] <= 20 * v.voting_power + 1);
    }
}

TEST_CASE("validator set: thresholds are strict") {
    const ValidatorSet set = ValidatorSet::from_genesis(
        {validator(1, 1), validator(2, 1), validator(3, 1)});
    CHECK_FALSE(set.is_two_thirds(2));  // exactly 2/3 is not +2/3
    CHECK(set.is_two_thirds(3));
    CHECK_FALSE(set.is_one_third(1));  // exactly 1/3 is not f+1
    CHECK(set.is_one_third(2));
}

TEST_CASE("validator set: hash covers address, key and power") {
    const ValidatorSet a = ValidatorSet::from_genesis({validator(1, 1), validator(2, 2)});
    const ValidatorSet same = ValidatorSet::from_genesis({validator(2, 2), validator(1, 1)});
    CHECK(a.hash() == same.hash());
    CHECK(a.hash() == a.copy_increment(5).hash());  // priorities are not part of it
    CHECK(a.hash() != ValidatorSet::from_genesis({validator(1, 1), validator(2, 3)}).hash());
    CHECK(a.hash() != ValidatorSet::from_genesis({validator(1, 1), validator(3, 2)}).hash());
    Validator other_key = validator(2, 2);
    other_key.pub_key.fill(0xee);
    CHECK(a.hash() != ValidatorSet::from_genesis({validator(1, 1), other_key}).hash());
}

}  // namespace seer::consensus
