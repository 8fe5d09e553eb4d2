#pragma once
// Shared helpers for the consensus unit tests: deterministic keys, validator sets whose keys are
// known by index, signed votes and proposals, and small blocks.

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "seer/consensus/sign_bytes.hpp"
#include "seer/consensus/types.hpp"
#include "seer/consensus/validator_set.hpp"
#include "seer/crypto/address.hpp"
#include "seer/crypto/ed25519.hpp"

namespace seer::consensus::test {

inline constexpr std::string_view k_chain_id = "seer-unit";

/// A key derived from a small number, stable across runs.
inline crypto::PrivateKey key_from(std::uint32_t n) {
    crypto::Seed seed{};
    for (std::size_t i = 0; i < seed.size(); ++i)
        seed[i] = static_cast<std::uint8_t>((n * 131u + i * 7u + 1u) & 0xffu);
    seed[0] = static_cast<std::uint8_t>(n & 0xffu);
    seed[1] = static_cast<std::uint8_t>((n >> 8) & 0xffu);
    return crypto::PrivateKey::from_seed(seed);
}

inline Address address_from(std::uint8_t n) {
    Address a{};
    a.fill(0);
    a[0] = n;
    return a;
}

inline BlockId block_id_from(std::uint8_t n) {
    BlockId id;
    id.hash.fill(n);
    return id;
}

/// A validator set over real keys; `keys[i]` signs for `set.at(i)` (set order, not input order).
struct Validators {
    ValidatorSet set;
    std::vector<crypto::PrivateKey> keys;

    const crypto::PrivateKey& key(std::size_t index) const { return keys.at(index); }
};

inline Validators make_validators(const std::vector<std::int64_t>& powers,
                                  std::uint32_t key_base = 1) {
    std::vector<crypto::PrivateKey> input_keys;
    std::vector<Validator> input;
    for (std::size_t i = 0; i < powers.size(); ++i) {
        auto key = key_from(key_base + static_cast<std::uint32_t>(i));
        Validator v;
        v.pub_key = key.public_key();
        v.address = crypto::address_of(key.public_key());
        v.voting_power = powers[i];
        input.push_back(v);
        input_keys.push_back(key);
    }
    Validators out{ValidatorSet::from_genesis(input), {}};
    for (const auto& v : out.set.validators()) {
        for (std::size_t i = 0; i < input.size(); ++i) {
            if (input[i].address == v.address) {
                out.keys.push_back(input_keys[i]);
                break;
            }
        }
    }
    return out;
}

/// A vote of validator `index`, signed with its key (the extension, for a non-nil precommit, is
/// signed too).
inline Vote make_vote(const Validators& vals, std::size_t index, VoteType type, std::int64_t height,
                      std::int32_t round, const BlockId& id, std::string_view chain_id = k_chain_id) {
    Vote v;
    v.type = type;
    v.height = height;
    v.round = round;
    v.block_id = id;
    v.validator_address = vals.set.at(index).address;
    v.validator_index = static_cast<std::int32_t>(index);
    v.signature = vals.key(index).sign(vote_sign_bytes(chain_id, v));
    if (type == VoteType::precommit && !id.is_nil()) {
        v.extension = to_bytes("ext-" + std::to_string(index));
        const auto sig =
            vals.key(index).sign(extension_sign_bytes(chain_id, height, round, v.extension));
        v.extension_signature.assign(sig.begin(), sig.end());
    }
    return v;
}

/// A small block; `salt` makes distinct blocks of the same height.
inline Block make_block(std::int64_t height, std::uint8_t salt, const Address& proposer = {}) {
    Block b;
    b.header.chain_id = std::string(k_chain_id);
    b.header.height = height;
    b.header.time = 1'700'000'000'000'000'000 + height * 1'000'000'000 + salt;
    b.header.proposer_address = proposer;
    b.txs = {to_bytes("k" + std::to_string(salt) + "=v"), to_bytes("a=b")};
    b.header.data_hash = data_hash(b.txs);
    b.header.app_hash.fill(salt);
    return b;
}

inline Proposal make_proposal(const Validators& vals, std::size_t proposer_index,
                              std::int64_t height, std::int32_t round, std::int32_t pol_round,
                              const Block& block, std::string_view chain_id = k_chain_id) {
    Proposal p;
    p.height = height;
    p.round = round;
    p.pol_round = pol_round;
    p.block_id = block_id_of(block);
    p.signature = vals.key(proposer_index).sign(proposal_sign_bytes(chain_id, p));
    return p;
}

}  // namespace seer::consensus::test
