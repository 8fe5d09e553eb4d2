#include "seer/consensus/codec.hpp"

#include <optional>

#include <limits>

#include <google/protobuf/stubs/logging.h>
#include <spdlog/spdlog.h>

#include "seer/consensus/v1/messages.pb.h"
#include "seer/consensus/v1/wal.pb.h"
#include "seer/types/v1/types.pb.h"

namespace seer::consensus {

namespace pb = seer::types::v1;
namespace cpb = seer::consensus::v1;

namespace {

std::string to_pb_bytes(ByteView b) {
    return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}
ByteView from_pb_bytes(const std::string& s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

void set_time(google::protobuf::Timestamp* ts, Timestamp t) {
    std::int64_t secs = t / 1'000'000'000;
    std::int64_t nanos = t % 1'000'000'000;
    if (nanos < 0) {
        nanos += 1'000'000'000;
        secs -= 1;
    }
    ts->set_seconds(secs);
    ts->set_nanos(static_cast<std::int32_t>(nanos));
}
Result<Timestamp> get_time(const google::protobuf::Timestamp& ts) {
    // Years 0001..9999 as in RFC 3339, and representable as int64 nanoseconds (years
    // 1677..2262): the product must not overflow.
    __extension__ typedef __int128 Int128;
    if (ts.seconds() < -62135596800 || ts.seconds() > 253402300799 || ts.nanos() < 0 ||
        ts.nanos() > 999'999'999)
        return make_error("bad_time", "timestamp out of range");
    const Int128 ns = static_cast<Int128>(ts.seconds()) * 1'000'000'000 + ts.nanos();
    if (ns < std::numeric_limits<Timestamp>::min() || ns > std::numeric_limits<Timestamp>::max())
        return make_error("bad_time", "timestamp out of range");
    return static_cast<Timestamp>(ns);
}

template <std::size_t N>
Result<std::array<std::uint8_t, N>> fixed(const std::string& s, const char* what) {
    auto a = to_array<N>(from_pb_bytes(s));
    if (!a) return make_error("bad_length", std::string(what) + " has a wrong length");
    return *a;
}

// A hash field may be empty (nil block id) or exactly 32 bytes.
Result<Hash> hash_or_zero(const std::string& s, const char* what) {
    if (s.empty()) return Hash{};
    return fixed<32>(s, what);
}

void to_pb(const BlockId& id, pb::BlockID* out) {
    if (!id.is_nil()) out->set_hash(to_pb_bytes(id.hash));
}

Result<BlockId> from_pb(const pb::BlockID& in) {
    auto h = hash_or_zero(in.hash(), "block id");
    if (!h) return h.error();
    return BlockId{*h};
}

void to_pb(const Vote& v, pb::Vote* out) {
    out->set_type(v.type == VoteType::prevote ? pb::SIGNED_MSG_TYPE_PREVOTE
                                              : pb::SIGNED_MSG_TYPE_PRECOMMIT);
    out->set_height(v.height);
    out->set_round(v.round);
    to_pb(v.block_id, out->mutable_block_id());
    out->set_validator_address(to_pb_bytes(v.validator_address));
    out->set_validator_index(v.validator_index);
    out->set_signature(to_pb_bytes(v.signature));
    if (!v.extension.empty()) out->set_extension(to_pb_bytes(v.extension));
    if (!v.extension_signature.empty())
        out->set_extension_signature(to_pb_bytes(v.extension_signature));
}

Result<Vote> from_pb(const pb::Vote& in) {
    Vote v;
    switch (in.type()) {
        case pb::SIGNED_MSG_TYPE_PREVOTE: v.type = VoteType::prevote; break;
        case pb::SIGNED_MSG_TYPE_PRECOMMIT: v.type = VoteType::precommit; break;
        case pb::SIGNED_MSG_TYPE_UNKNOWN:
        case pb::SIGNED_MSG_TYPE_PROPOSAL:
        case pb::SignedMsgType_INT_MIN_SENTINEL_DO_NOT_USE_:
        case pb::SignedMsgType_INT_MAX_SENTINEL_DO_NOT_USE_:
        default:  // proto3 enums are open: unnamed values arrive too
            return make_error("bad_vote_type", "vote type is not prevote or precommit");
    }
    if (in.height() <= 0) return make_error("bad_height", "vote height must be positive");
    if (in.round() < 0 || in.round() > k_max_round)
        return make_error("bad_round", "vote round out of range");
    v.height = in.height();
    v.round = in.round();
    auto id = from_pb(in.block_id());
    if (!id) return id.error();
    v.block_id = *id;
    auto addr = fixed<20>(in.validator_address(), "validator address");
    if (!addr) return addr.error();
    v.validator_address = *addr;
    v.validator_index = in.validator_index();
    auto sig = fixed<64>(in.signature(), "signature");
    if (!sig) return sig.error();
    v.signature = *sig;
    if (in.extension().size() > k_max_extension_bytes_hard)
        return make_error("too_large", "vote extension too large");
    if (v.type == VoteType::prevote && (!in.extension().empty() || !in.extension_signature().empty()))
        return make_error("bad_extension", "prevote carries an extension");
    if (!in.extension_signature().empty() && in.extension_signature().size() != 64)
        return make_error("bad_length", "extension signature has a wrong length");
    auto ext = from_pb_bytes(in.extension());
    v.extension.assign(ext.begin(), ext.end());
    auto ext_sig = from_pb_bytes(in.extension_signature());
    v.extension_signature.assign(ext_sig.begin(), ext_sig.end());
    return v;
}

void to_pb(const ExtendedCommit& c, pb::ExtendedCommit* out) {
    out->set_height(c.height);
    out->set_round(c.round);
    to_pb(c.block_id, out->mutable_block_id());
    for (const auto& s : c.signatures) {
        auto* o = out->add_extended_signatures();
        o->set_block_id_flag(static_cast<pb::BlockIDFlag>(s.flag));
        o->set_validator_address(to_pb_bytes(s.validator_address));
        if (!s.signature.empty()) o->set_signature(to_pb_bytes(s.signature));
        if (!s.extension.empty()) o->set_extension(to_pb_bytes(s.extension));
        if (!s.extension_signature.empty())
            o->set_extension_signature(to_pb_bytes(s.extension_signature));
    }
}

Result<ExtendedCommit> from_pb(const pb::ExtendedCommit& in) {
    ExtendedCommit c;
    if (in.height() < 0) return make_error("bad_height", "commit height is negative");
    if (in.round() < 0 || in.round() > k_max_round)
        return make_error("bad_round", "commit round out of range");
    c.height = in.height();
    c.round = in.round();
    auto id = from_pb(in.block_id());
    if (!id) return id.error();
    c.block_id = *id;
    for (const auto& s : in.extended_signatures()) {
        ExtendedCommitSig sig;
        switch (s.block_id_flag()) {
            case pb::BLOCK_ID_FLAG_ABSENT: sig.flag = BlockIdFlag::absent; break;
            case pb::BLOCK_ID_FLAG_COMMIT: sig.flag = BlockIdFlag::commit; break;
            case pb::BLOCK_ID_FLAG_NIL: sig.flag = BlockIdFlag::nil; break;
            case pb::BLOCK_ID_FLAG_UNKNOWN:
            case pb::BlockIDFlag_INT_MIN_SENTINEL_DO_NOT_USE_:
            case pb::BlockIDFlag_INT_MAX_SENTINEL_DO_NOT_USE_:
            default:  // proto3 enums are open: unnamed values arrive too
                return make_error("bad_flag", "unknown block id flag");
        }
        auto addr = fixed<20>(s.validator_address(), "validator address");
        if (!addr) return addr.error();
        sig.validator_address = *addr;
        if (!s.signature().empty() && s.signature().size() != 64)
            return make_error("bad_length", "commit signature has a wrong length");
        if (!s.extension_signature().empty() && s.extension_signature().size() != 64)
            return make_error("bad_length", "extension signature has a wrong length");
        if (s.extension().size() > k_max_extension_bytes_hard)
            return make_error("too_large", "vote extension too large");
        auto b = from_pb_bytes(s.signature());
        sig.signature.assign(b.begin(), b.end());
        b = from_pb_bytes(s.extension());
        sig.extension.assign(b.begin(), b.end());
        b = from_pb_bytes(s.extension_signature());
        sig.extension_signature.assign(b.begin(), b.end());
        c.signatures.push_back(std::move(sig));
    }
    return c;
}

void to_pb(const Block& b, pb::Block* out) {
    auto* h = out->mutable_header();
    h->set_version_block(1);
    h->set_chain_id(b.header.chain_id);
    h->set_height(b.header.height);
    set_time(h->mutable_time(), b.header.time);
    to_pb(b.header.last_block_id, h->mutable_last_block_id());
    h->set_last_commit_hash(to_pb_bytes(b.header.last_commit_hash));
    h->set_data_hash(to_pb_bytes(b.header.data_hash));
    h->set_validators_hash(to_pb_bytes(b.header.validators_hash));
    h->set_app_hash(to_pb_bytes(b.header.app_hash));
    h->set_proposer_address(to_pb_bytes(b.header.proposer_address));
    for (const auto& tx : b.txs) out->mutable_data()->add_txs(to_pb_bytes(tx));
    // Lossless: a last commit is left out only when it is the default one (the header's
    // last_commit_hash covers every field of it).
    if (b.last_commit != ExtendedCommit{}) to_pb(b.last_commit, out->mutable_last_commit());
}

Result<Block> from_pb(const pb::Block& in) {
    Block b;
    const auto& h = in.header();
    if (h.chain_id().size() > 50) return make_error("bad_chain_id", "chain id too long");
    if (h.height() <= 0) return make_error("bad_height", "block height must be positive");
    b.header.chain_id = h.chain_id();
    b.header.height = h.height();
    auto t = get_time(h.time());
    if (!t) return t.error();
    b.header.time = *t;
    auto last = from_pb(h.last_block_id());
    if (!last) return last.error();
    b.header.last_block_id = *last;
    auto lch = fixed<32>(h.last_commit_hash(), "last commit hash");
    auto dh = fixed<32>(h.data_hash(), "data hash");
    auto vh = fixed<32>(h.validators_hash(), "validators hash");
    auto ah = fixed<32>(h.app_hash(), "app hash");
    auto pa = fixed<20>(h.proposer_address(), "proposer address");
    if (!lch) return lch.error();
    if (!dh) return dh.error();
    if (!vh) return vh.error();
    if (!ah) return ah.error();
    if (!pa) return pa.error();
    b.header.last_commit_hash = *lch;
    b.header.data_hash = *dh;
    b.header.validators_hash = *vh;
    b.header.app_hash = *ah;
    b.header.proposer_address = *pa;
    b.txs.reserve(static_cast<std::size_t>(in.data().txs_size()));
    for (const auto& tx : in.data().txs()) {
        auto v = from_pb_bytes(tx);
        b.txs.emplace_back(v.begin(), v.end());
    }
    if (in.has_last_commit()) {
        auto c = from_pb(in.last_commit());
        if (!c) return c.error();
        b.last_commit = std::move(*c);
    }
    return b;
}

void to_pb(const Proposal& p, pb::Proposal* out) {
    out->set_type(pb::SIGNED_MSG_TYPE_PROPOSAL);
    out->set_height(p.height);
    out->set_round(p.round);
    out->set_pol_round(p.pol_round);
    to_pb(p.block_id, out->mutable_block_id());
    out->set_signature(to_pb_bytes(p.signature));
}

Result<Proposal> from_pb(const pb::Proposal& in) {
    Proposal p;
    if (in.type() != pb::SIGNED_MSG_TYPE_PROPOSAL)
        return make_error("bad_type", "not a proposal");
    if (in.height() <= 0) return make_error("bad_height", "proposal height must be positive");
    if (in.round() < 0 || in.round() > k_max_round)
        return make_error("bad_round", "proposal round out of range");
    if (in.pol_round() < -1 || in.pol_round() >= in.round())
        return make_error("bad_pol_round", "pol_round must be -1 or below round");
    p.height = in.height();
    p.round = in.round();
    p.pol_round = in.pol_round();
    auto id = from_pb(in.block_id());
    if (!id) return id.error();
    if (id->is_nil()) return make_error("bad_block_id", "proposal for a nil block");
    p.block_id = *id;
    auto sig = fixed<64>(in.signature(), "signature");
    if (!sig) return sig.error();
    p.signature = *sig;
    return p;
}

Bytes serialize(const google::protobuf::MessageLite& m) {
    Bytes out(m.ByteSizeLong());
    m.SerializeWithCachedSizesToArray(out.data());
    return out;
}

template <class M>
Result<M> parse(ByteView bytes, std::size_t max_bytes, const char* what) {
    route_protobuf_logs();
    if (bytes.size() > max_bytes) return make_error("too_large", std::string(what) + " too large");
    M m;
    if (!m.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
        return make_error("undecodable", std::string(what) + " does not decode");
    return m;
}

Bytes pack_bits(const std::vector<bool>& bits) {
    Bytes out((bits.size() + 7) / 8, 0);
    for (std::size_t i = 0; i < bits.size(); ++i)
        if (bits[i]) out[i / 8] |= static_cast<std::uint8_t>(1u << (i % 8));
    return out;
}

// Exactly ceil(count / 8) bytes, with the padding bits of the last byte clear (one encoding).
std::optional<std::vector<bool>> unpack_bits(const std::string& packed, std::size_t count) {
    if (packed.size() != (count + 7) / 8) return std::nullopt;
    std::vector<bool> bits(count);
    for (std::size_t i = 0; i < packed.size() * 8; ++i) {
        const bool set = (static_cast<std::uint8_t>(packed[i / 8]) >> (i % 8)) & 1u;
        if (i < count)
            bits[i] = set;
        else if (set)
            return std::nullopt;
    }
    return bits;
}

template <class Groups>
Result<std::vector<VoteBits>> unpack_groups(const Groups& groups, std::size_t count) {
    if (groups.size() > k_max_status_groups)
        return make_error("bad_status", "too many vote groups in status");
    std::vector<VoteBits> out;
    out.reserve(static_cast<std::size_t>(groups.size()));
    for (const auto& g : groups) {
        auto bits = unpack_bits(g.bits(), count);
        if (!bits) return make_error("bad_status", "vote bits do not match the validator count");
        for (const auto& seen : out)
            if (seen.tag == g.tag()) return make_error("bad_status", "duplicate vote group");
        if (g.tag() == 0) return make_error("bad_status", "vote group without a tag");
        out.push_back(VoteBits{g.tag(), std::move(*bits)});
    }
    return out;
}

}  // namespace

void route_protobuf_logs() {
    static const bool installed = [] {
        google::protobuf::SetLogHandler([](google::protobuf::LogLevel level, const char* file,
                                           int line, const std::string& message) {
            static std::shared_ptr<spdlog::logger> logger = [] {
                if (auto l = spdlog::get("protobuf")) return l;
                auto l = spdlog::default_logger()->clone("protobuf");
                spdlog::register_logger(l);
                return l;
            }();
            if (level >= google::protobuf::LOGLEVEL_FATAL)
                logger->critical("{}:{} {}", file, line, message);
            else
                logger->debug("{}:{} {}", file, line, message);
        });
        return true;
    }();
    (void)installed;
}

std::uint32_t vote_tag(const BlockId& id) {
    if (id.is_nil()) return 1;
    std::uint32_t t = 0;
    for (std::size_t i = 0; i < 4; ++i) t = (t << 8) | id.hash[i];
    return t | 0x8000'0000u;
}

Bytes encode(const Block& block) {
    pb::Block m;
    to_pb(block, &m);
    return serialize(m);
}

Bytes encode(const ExtendedCommit& commit) {
    pb::ExtendedCommit m;
    to_pb(commit, &m);
    return serialize(m);
}

Bytes encode(const Vote& vote) {
    pb::Vote m;
    to_pb(vote, &m);
    return serialize(m);
}

Result<Block> decode_block(ByteView bytes) {
    auto m = parse<pb::Block>(bytes, k_max_block_bytes_hard, "block");
    if (!m) return m.error();
    return from_pb(*m);
}

Result<ExtendedCommit> decode_extended_commit(ByteView bytes) {
    auto m = parse<pb::ExtendedCommit>(bytes, k_max_block_bytes_hard, "commit");
    if (!m) return m.error();
    return from_pb(*m);
}

Result<Vote> decode_vote(ByteView bytes) {
    auto m = parse<pb::Vote>(bytes, k_max_extension_bytes_hard + 4096, "vote");
    if (!m) return m.error();
    return from_pb(*m);
}

Bytes encode_message(const Message& message) {
    cpb::ConsensusMessage m;
    std::visit(
        [&](const auto& msg) {
            using T = std::decay_t<decltype(msg)>;
            if constexpr (std::is_same_v<T, ProposalMessage>) {
                to_pb(msg.proposal, m.mutable_proposal()->mutable_proposal());
                to_pb(msg.block, m.mutable_proposal()->mutable_block());
            } else if constexpr (std::is_same_v<T, VoteMessage>) {
                to_pb(msg.vote, m.mutable_vote());
            } else if constexpr (std::is_same_v<T, StatusMessage>) {
                auto* s = m.mutable_status();
                s->set_height(msg.height);
                s->set_round(msg.round);
                s->set_has_proposal(msg.has_proposal);
                s->set_step(static_cast<std::uint32_t>(msg.step));
                s->set_validator_count(msg.validator_count);
                if (msg.self_index) s->set_self_index(*msg.self_index + 1);
                if (!msg.direct.empty()) s->set_direct(to_pb_bytes(pack_bits(msg.direct)));
                for (const auto& g : msg.prevotes) {
                    auto* out = s->add_prevotes();
                    out->set_tag(g.tag);
                    out->set_bits(to_pb_bytes(pack_bits(g.bits)));
                }
                for (const auto& g : msg.precommits) {
                    auto* out = s->add_precommits();
                    out->set_tag(g.tag);
                    out->set_bits(to_pb_bytes(pack_bits(g.bits)));
                }
                for (const auto& [round, id] : msg.polkas) {
                    auto* polka = s->add_polkas();
                    polka->set_round(round);
                    polka->set_block_hash(to_pb_bytes(id.hash));
                }
            } else if constexpr (std::is_same_v<T, BlockRequestMessage>) {
                m.mutable_block_request()->set_height(msg.height);
            } else {
                to_pb(msg.block, m.mutable_block_response()->mutable_block());
                to_pb(msg.commit, m.mutable_block_response()->mutable_commit());
            }
        },
        message);
    return serialize(m);
}

Result<Message> decode_message(ByteView bytes, std::size_t max_bytes) {
    auto parsed = parse<cpb::ConsensusMessage>(bytes, max_bytes, "message");
    if (!parsed) return parsed.error();
    const auto& m = *parsed;
    switch (m.sum_case()) {
        case cpb::ConsensusMessage::kProposal: {
            auto p = from_pb(m.proposal().proposal());
            if (!p) return p.error();
            auto b = from_pb(m.proposal().block());
            if (!b) return b.error();
            return Message{ProposalMessage{*p, std::move(*b)}};
        }
        case cpb::ConsensusMessage::kVote: {
            auto v = from_pb(m.vote());
            if (!v) return v.error();
            return Message{VoteMessage{*v}};
        }
        case cpb::ConsensusMessage::kStatus: {
            const auto& s = m.status();
            if (s.height() < 0 || s.round() < 0 || s.round() > k_max_round ||
                s.validator_count() > k_max_status_validators ||
                s.step() < static_cast<std::uint32_t>(Step::propose) ||
                s.step() > static_cast<std::uint32_t>(Step::precommit) ||
                s.self_index() > s.validator_count())
                return make_error("bad_status", "status out of range");
            StatusMessage out;
            out.height = s.height();
            out.round = s.round();
            out.step = static_cast<Step>(s.step());
            out.has_proposal = s.has_proposal();
            out.validator_count = s.validator_count();
            if (s.self_index() > 0) out.self_index = s.self_index() - 1;
            if (!s.direct().empty()) {
                auto direct = unpack_bits(s.direct(), s.validator_count());
                if (!direct)
                    return make_error("bad_status", "direct bits do not match the validator count");
                out.direct = std::move(*direct);
            }
            auto prevotes = unpack_groups(s.prevotes(), s.validator_count());
            if (!prevotes) return prevotes.error();
            auto precommits = unpack_groups(s.precommits(), s.validator_count());
            if (!precommits) return precommits.error();
            out.prevotes = std::move(*prevotes);
            out.precommits = std::move(*precommits);
            if (s.polkas_size() > k_max_status_polkas)
                return make_error("bad_status", "too many polkas in status");
            for (const auto& polka : s.polkas()) {
                if (polka.round() < 0 || polka.round() > k_max_round)
                    return make_error("bad_status", "polka round out of range");
                auto hash = fixed<32>(polka.block_hash(), "polka block hash");
                if (!hash) return hash.error();
                out.polkas.emplace_back(polka.round(), BlockId{*hash});
            }
            return Message{std::move(out)};
        }
        case cpb::ConsensusMessage::kBlockRequest:
            if (m.block_request().height() <= 0)
                return make_error("bad_height", "block request height must be positive");
            return Message{BlockRequestMessage{m.block_request().height()}};
        case cpb::ConsensusMessage::kBlockResponse: {
            auto b = from_pb(m.block_response().block());
            if (!b) return b.error();
            auto c = from_pb(m.block_response().commit());
            if (!c) return c.error();
            return Message{BlockResponseMessage{std::move(*b), std::move(*c)}};
        }
        case cpb::ConsensusMessage::SUM_NOT_SET:
            return make_error("empty", "message has no content");
    }
    return make_error("empty", "message has no content");
}

Bytes encode_wal_record(const WalRecord& record) {
    cpb::WalMessage m;
    std::visit(
        [&](const auto& r) {
            using T = std::decay_t<decltype(r)>;
            if constexpr (std::is_same_v<T, ProposalMessage>) {
                to_pb(r.proposal, m.mutable_proposal()->mutable_proposal());
                to_pb(r.block, m.mutable_proposal()->mutable_block());
            } else if constexpr (std::is_same_v<T, Vote>) {
                to_pb(r, m.mutable_vote());
            } else if constexpr (std::is_same_v<T, TimeoutRecord>) {
                m.mutable_timeout()->set_height(r.height);
                m.mutable_timeout()->set_round(r.round);
                m.mutable_timeout()->set_step(static_cast<std::int32_t>(r.step));
            } else {
                m.mutable_end_height()->set_height(r.height);
            }
        },
        record);
    return serialize(m);
}

Result<WalRecord> decode_wal_record(ByteView bytes) {
    auto parsed = parse<cpb::WalMessage>(bytes, k_max_block_bytes_hard, "wal record");
    if (!parsed) return parsed.error();
    const auto& m = *parsed;
    switch (m.sum_case()) {
        case cpb::WalMessage::kProposal: {
            auto p = from_pb(m.proposal().proposal());
            if (!p) return p.error();
            auto b = from_pb(m.proposal().block());
            if (!b) return b.error();
            return WalRecord{ProposalMessage{*p, std::move(*b)}};
        }
        case cpb::WalMessage::kVote: {
            auto v = from_pb(m.vote());
            if (!v) return v.error();
            return WalRecord{*v};
        }
        case cpb::WalMessage::kTimeout: {
            const auto& t = m.timeout();
            if (t.step() < 1 || t.step() > 3) return make_error("bad_step", "bad timeout step");
            return WalRecord{TimeoutRecord{t.height(), t.round(), static_cast<Step>(t.step())}};
        }
        case cpb::WalMessage::kEndHeight:
            return WalRecord{EndHeightRecord{m.end_height().height()}};
        case cpb::WalMessage::SUM_NOT_SET:
            return make_error("empty", "wal record has no content");
    }
    return make_error("empty", "wal record has no content");
}

}  // namespace seer::consensus
