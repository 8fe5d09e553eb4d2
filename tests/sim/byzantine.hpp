#pragma once
// A byzantine decorator over one node's Outbound, in the style of concord-bft's
// WrapCommunication: the node's driver runs unchanged, and what it sends is rewritten.
//
// For its own proposals and votes it signs, with the validator key directly, a conflicting
// version (a second block for a proposal, nil <-> block for a vote) and sends the original to
// some peers, the conflicting one to others and both to a few (so equivocation is seen even when
// gossip only relays one vote per validator). Non-nil precommits get garbage vote extensions
// now and then (random bytes, oversized, a wrong height, a broken extension signature, none).
// Every so often it also sends garbage bytes or a corrupted copy of a message to a random peer.
//
// Randomness comes from the simulation's RNG, so a seed replays. One thread.

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include <functional>

#include "seer/consensus/codec.hpp"
#include "seer/consensus/driver.hpp"

namespace seer::sim {

class ByzantineOutbound final : public consensus::Outbound {
public:
    struct Stats {
        std::uint64_t conflicting_votes = 0;
        std::uint64_t conflicting_proposals = 0;
        std::uint64_t garbage_extensions = 0;
        std::uint64_t garbage_messages = 0;
        /// Votes whose two versions, neither with a garbage extension, both reached one peer
        /// while it was deciding the vote's height: equivocations an honest node is sure to
        /// see. Versions split over different peers are seen only if a status and a repair
        /// cross them before the height ends (as in CometBFT, whose peers also hold one vote
        /// per validator and round; ADR 0008).
        std::uint64_t live_conflicting_votes = 0;
    };
    /// The simulation calls this when a message from this node reaches honest `peer`, which is
    /// deciding `peer_height`: it counts live_conflicting_votes.
    void arrived(std::size_t peer, ByteView message, std::int64_t peer_height);

    ByzantineOutbound(consensus::Outbound& inner, crypto::PrivateKey key, std::string chain_id,
                      std::size_t self, std::size_t peers, std::mt19937_64& rng);

    void broadcast(ByteView message) override;
    void send(consensus::PeerId peer, ByteView message) override;
    const Stats& stats() const { return m_stats; }

private:
    enum class Version : std::uint8_t { original, conflicting, both };
    struct Split {
        Bytes original;
        Bytes conflicting;
        std::vector<Version> by_peer;
        std::int64_t height = 0;
        bool vote = false;
        bool garbled = false;  // a version carries a garbage extension
        std::vector<std::uint8_t> live;  // per peer: 1 original, 2 conflicting, delivered live
        bool counted = false;
    };
    using Key = std::tuple<std::int64_t, std::int32_t, int>;  // height, round, 0/vote type

    /// The split for one of its own proposals or votes; nullptr for anything else.
    Split* split_for(const consensus::Message& message);
    Split make_split(const consensus::Message& message);
    consensus::Vote signed_vote(consensus::Vote vote);
    void maybe_garble_extension(consensus::Vote& vote);
    void deliver(std::size_t peer, const Split& split);
    void maybe_send_garbage(ByteView message);
    Bytes random_bytes(std::size_t n);

    consensus::Outbound& m_inner;
    crypto::PrivateKey m_key;
    consensus::Address m_address{};
    std::string m_chain_id;
    std::size_t m_self;
    std::size_t m_peers;
    std::mt19937_64& m_rng;
    std::map<Key, Split> m_splits;
    Stats m_stats;
};

}  // namespace seer::sim
