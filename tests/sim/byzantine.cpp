#include "byzantine.hpp"

#include <utility>

#include "harness.hpp"
#include "kv_app.hpp"
#include "seer/consensus/sign_bytes.hpp"
#include "seer/crypto/address.hpp"

namespace seer::sim {
namespace {

Bytes sig_bytes(const crypto::Signature& sig) {
    return Bytes(sig.begin(), sig.end());
}

}  // namespace

ByzantineOutbound::ByzantineOutbound(consensus::Outbound& inner, crypto::PrivateKey key,
                                     std::string chain_id, std::size_t self, std::size_t peers,
                                     std::mt19937_64& rng)
    : m_inner(inner), m_key(std::move(key)), m_address(crypto::address_of(m_key.public_key())),
      m_chain_id(std::move(chain_id)), m_self(self), m_peers(peers), m_rng(rng) {}

void ByzantineOutbound::broadcast(ByteView message) {
    maybe_send_garbage(message);
    auto decoded = consensus::decode_message(message, consensus::k_max_block_bytes_hard);
    const Split* split = decoded ? split_for(*decoded) : nullptr;
    if (!split) {
        m_inner.broadcast(message);
        return;
    }
    for (std::size_t peer = 0; peer < m_peers; ++peer)
        if (peer != m_self) deliver(peer, *split);
}

void ByzantineOutbound::send(consensus::PeerId peer, ByteView message) {
    maybe_send_garbage(message);
    auto decoded = consensus::decode_message(message, consensus::k_max_block_bytes_hard);
    const Split* split = decoded ? split_for(*decoded) : nullptr;
    if (!split || peer >= m_peers) {
        m_inner.send(peer, message);
        return;
    }
    deliver(static_cast<std::size_t>(peer), *split);
}

void ByzantineOutbound::deliver(std::size_t peer, const Split& split) {
    switch (split.by_peer.at(peer)) {
        case Version::original:
            m_inner.send(peer, split.original);
            break;
        case Version::conflicting:
            m_inner.send(peer, split.conflicting);
            break;
        case Version::both:
            m_inner.send(peer, split.original);
            m_inner.send(peer, split.conflicting);
            break;
    }
}

void ByzantineOutbound::arrived(std::size_t peer, ByteView message, std::int64_t peer_height) {
    auto decoded = consensus::decode_message(message, consensus::k_max_block_bytes_hard);
    if (!decoded || peer >= m_peers) return;
    const auto* v = std::get_if<consensus::VoteMessage>(&*decoded);
    if (!v || v->vote.height != peer_height) return;
    auto it = m_splits.find(Key{v->vote.height, v->vote.round, static_cast<int>(v->vote.type)});
    if (it == m_splits.end()) return;
    Split& split = it->second;
    if (!split.vote || split.garbled || split.counted) return;
    const Bytes bytes(message.begin(), message.end());
    split.live.resize(m_peers, 0);
    if (bytes == split.original) split.live[peer] |= 1;
    if (bytes == split.conflicting) split.live[peer] |= 2;
    if (split.live[peer] == 3) {
        split.counted = true;
        ++m_stats.live_conflicting_votes;
    }
}

ByzantineOutbound::Split* ByzantineOutbound::split_for(const consensus::Message& message) {
    Key key;
    if (const auto* p = std::get_if<consensus::ProposalMessage>(&message)) {
        if (p->block.header.proposer_address != m_address) return nullptr;
        key = Key{p->proposal.height, p->proposal.round, 0};
    } else if (const auto* v = std::get_if<consensus::VoteMessage>(&message)) {
        if (v->vote.validator_address != m_address) return nullptr;
        key = Key{v->vote.height, v->vote.round, static_cast<int>(v->vote.type)};
    } else {
        return nullptr;
    }
    auto it = m_splits.find(key);
    if (it == m_splits.end()) it = m_splits.emplace(key, make_split(message)).first;
    return &it->second;
}

ByzantineOutbound::Split ByzantineOutbound::make_split(const consensus::Message& message) {
    Split split;
    split.by_peer.assign(m_peers, Version::original);
    const bool equivocate = chance(m_rng, 0.8);
    if (equivocate)
        for (std::size_t peer = 0; peer < m_peers; ++peer) {
            const auto r = uniform(m_rng, 0, 9);
            split.by_peer[peer] =
                r < 4 ? Version::original : (r < 8 ? Version::conflicting : Version::both);
        }

    if (const auto* p = std::get_if<consensus::ProposalMessage>(&message)) {
        split.original = consensus::encode_message(message);
        // A second block for the same (height, round): one more tx, so a different hash.
        consensus::ProposalMessage other = *p;
        other.block.txs.push_back(to_bytes("byz" + std::to_string(p->proposal.height) + "r" +
                                           std::to_string(p->proposal.round) + "=" +
                                           std::to_string(m_rng() % 1000000)));
        other.block.header.data_hash = consensus::data_hash(other.block.txs);
        other.proposal.block_id = consensus::block_id_of(other.block);
        other.proposal.signature =
            m_key.sign(consensus::proposal_sign_bytes(m_chain_id, other.proposal));
        split.conflicting = consensus::encode_message(other);
        if (equivocate) ++m_stats.conflicting_proposals;
        return split;
    }

    const auto& vote = std::get<consensus::VoteMessage>(message).vote;
    split.vote = equivocate;
    split.height = vote.height;
    const std::uint64_t garbage_before = m_stats.garbage_extensions;
    consensus::Vote original = vote;
    maybe_garble_extension(original);
    split.original = consensus::encode_message(consensus::VoteMessage{original});

    consensus::Vote other = vote;
    if (other.block_id.is_nil()) {
        for (auto& b : other.block_id.hash) b = static_cast<std::uint8_t>(m_rng());
    } else {
        other.block_id = consensus::BlockId{};
    }
    other.extension.clear();
    other.extension_signature.clear();
    if (other.type == consensus::VoteType::precommit && !other.block_id.is_nil())
        other.extension = make_extension(other.height, other.block_id.hash, m_address);
    other = signed_vote(other);
    maybe_garble_extension(other);
    split.garbled = m_stats.garbage_extensions != garbage_before;
    split.conflicting = consensus::encode_message(consensus::VoteMessage{other});
    if (equivocate) ++m_stats.conflicting_votes;
    return split;
}

consensus::Vote ByzantineOutbound::signed_vote(consensus::Vote vote) {
    vote.signature = m_key.sign(consensus::vote_sign_bytes(m_chain_id, vote));
    if (vote.type == consensus::VoteType::precommit && !vote.block_id.is_nil())
        vote.extension_signature = sig_bytes(m_key.sign(
            consensus::extension_sign_bytes(m_chain_id, vote.height, vote.round, vote.extension)));
    return vote;
}

void ByzantineOutbound::maybe_garble_extension(consensus::Vote& vote) {
    if (vote.type != consensus::VoteType::precommit || vote.block_id.is_nil()) return;
    // The first one always, then half of them.
    if (m_stats.garbage_extensions > 0 && !chance(m_rng, 0.5)) return;
    ++m_stats.garbage_extensions;
    auto sign_extension = [&] {
        vote.extension_signature = sig_bytes(m_key.sign(
            consensus::extension_sign_bytes(m_chain_id, vote.height, vote.round, vote.extension)));
    };
    switch (uniform(m_rng, 0, 4)) {
        case 0:  // random bytes, validly signed
            vote.extension = random_bytes(static_cast<std::size_t>(uniform(m_rng, 1, 64)));
            sign_extension();
            break;
        case 1:  // oversized, validly signed; now and then beyond the codec's hard limit
            vote.extension = random_bytes(chance(m_rng, 0.05)
                                              ? consensus::k_max_extension_bytes_hard + 1
                                              : static_cast<std::size_t>(uniform(m_rng, 300, 4096)));
            sign_extension();
            break;
        case 2:  // well-formed but for another height, validly signed
            vote.extension = make_extension(vote.height + 1, vote.block_id.hash, m_address);
            sign_extension();
            break;
        case 3:  // the right extension under a broken signature
            if (vote.extension_signature.empty()) vote.extension_signature.assign(64, 0);
            vote.extension_signature[static_cast<std::size_t>(uniform(m_rng, 0, 63))] ^= 0x5a;
            break;
        default:  // no extension at all
            vote.extension.clear();
            vote.extension_signature.clear();
            break;
    }
}

void ByzantineOutbound::maybe_send_garbage(ByteView message) {
    if (!chance(m_rng, 0.15)) return;
    auto peer = static_cast<std::size_t>(uniform(m_rng, 0, static_cast<std::int64_t>(m_peers) - 1));
    if (peer == m_self) peer = (peer + 1) % m_peers;
    Bytes garbage;
    switch (uniform(m_rng, 0, 2)) {
        case 0:
            garbage = random_bytes(static_cast<std::size_t>(uniform(m_rng, 0, 200)));
            break;
        case 1:  // a copy with a few bytes flipped
            garbage.assign(message.begin(), message.end());
            for (int i = 0; i < 3 && !garbage.empty(); ++i)
                garbage[m_rng() % garbage.size()] ^= static_cast<std::uint8_t>(1 + m_rng() % 255);
            break;
        default:  // truncated
            garbage.assign(message.begin(),
                           message.begin() + static_cast<std::ptrdiff_t>(
                                                 message.empty() ? 0 : m_rng() % message.size()));
            break;
    }
    ++m_stats.garbage_messages;
    m_inner.send(peer, garbage);
}

Bytes ByzantineOutbound::random_bytes(std::size_t n) {
    Bytes out(n);
    for (auto& b : out) b = static_cast<std::uint8_t>(m_rng());
    return out;
}

}  // namespace seer::sim
