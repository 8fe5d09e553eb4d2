#include "module_impl.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "pb_util.hpp"
#include "seer/common/base64.hpp"
#include "seer/common/check.hpp"
#include "seer/common/utf8.hpp"
#include "seer/crypto/hash.hpp"
#include "seer/prophet/prophet.hpp"

namespace seer::async {

std::unique_ptr<Module> make_module(ModuleOptions options, store::StateOverlay& state, Bank& bank) {
    return std::make_unique<detail::Module>(std::move(options), state, bank);
}

void init_genesis(store::KvView& state, const AppGenesis& genesis) {
    detail::State::init_genesis(state, genesis);
}

crypto::Address module_address() {
    const auto h = crypto::sha256(as_bytes("async"));
    crypto::Address a{};
    std::copy_n(h.begin(), a.size(), a.begin());
    return a;
}

namespace detail {

namespace {

std::shared_ptr<spdlog::logger> log() {
    static std::shared_ptr<spdlog::logger> logger = [] {
        if (auto l = spdlog::get("async")) return l;
        auto l = spdlog::default_logger()->clone("async");
        spdlog::register_logger(l);
        return l;
    }();
    return logger;
}

// Work bounds per block, so a backlog never makes one block slow.
constexpr std::size_t k_max_timeouts_per_block = 1000;
constexpr std::size_t k_max_error_bytes = 1024;
constexpr std::size_t k_max_scan_factor = 4;  // pending futures scanned per result slot
// Blocks a validator waits for an off-chain output's bytes before it votes REJECTED.
constexpr std::int64_t k_output_fetch_blocks = 5;
// Outputs up to this size travel in the final event itself (issue 8: "small" = 1 KiB).
constexpr std::size_t k_max_event_output_bytes = 1024;

bool has_voted(const v1::Future& f, const Address& validator) {
    const std::string key = pb_bytes(validator);
    for (const auto& v : f.votes())
        if (v.validator() == key) return true;
    return false;
}

std::string status_name(v1::FutureStatus s) {
    switch (s) {
        case v1::FUTURE_STATUS_PENDING:
            return "PENDING";
        case v1::FUTURE_STATUS_EXECUTED:
            return "EXECUTED";
        case v1::FUTURE_STATUS_VERIFIED:
            return "VERIFIED";
        case v1::FUTURE_STATUS_FAILED:
            return "FAILED";
        case v1::FUTURE_STATUS_TIMED_OUT:
            return "TIMED_OUT";
        case v1::FUTURE_STATUS_UNSPECIFIED:
        case v1::FutureStatus_INT_MIN_SENTINEL_DO_NOT_USE_:
        case v1::FutureStatus_INT_MAX_SENTINEL_DO_NOT_USE_:
            break;
    }
    return "UNSPECIFIED";
}

Event event(std::string type, std::vector<EventAttribute> attributes) {
    return Event{std::move(type), std::move(attributes)};
}

EventAttribute attr(std::string key, std::string value) {
    return EventAttribute{std::move(key), std::move(value), true};
}

std::string hex_upper(ByteView b) {
    return to_hex(b, true);
}

}  // namespace

Module::Module(ModuleOptions options, store::StateOverlay& state, Bank& bank)
    : m_options(std::move(options)), m_state(state), m_bank(bank) {
    m_finalized_height = m_state.height();
}

Hash Module::claim_digest(std::uint64_t id, std::uint32_t attempt, const std::string& output,
                          const std::string& error, const std::string& output_sha256) {
    crypto::Sha256 h;
    Bytes head;
    append_be(head, id);
    append_be(head, attempt, 4);
    append_be(head, output.size());
    // An off-chain claim is its hash; the leading byte keeps it apart from any inline one.
    head.push_back(output_sha256.empty() ? 0 : 1);
    h.update(head).update(as_bytes(output_sha256)).update(as_bytes(output)).update(as_bytes(error));
    return h.finish();
}

Hash Module::result_digest(const v1::Future& f) {
    const auto& r = f.result();
    return claim_digest(f.id(), f.attempts(), r.output(), r.error(), r.output_sha256());
}

// ---------------------------------------------------------------------------------------------
// Messages.

const HandlerInfo* Module::handler(const std::string& name) const {
    for (const auto& h : m_state.handlers())
        if (h.name == name) return &h;
    return nullptr;
}

AddFutureCheck Module::check_add_future(const std::string& creator, const std::string& name,
                                        ByteView input, const Admission& admitted) const {
    AddFutureCheck c;
    auto fail = [&](Code code, std::string log) {
        c.code = code;
        c.log = std::move(log);
        return c;
    };
    const Params& params = m_state.params();
    const HandlerInfo* h = handler(name);
    if (!h) return fail(Code::unknown_handler, "handler '" + name + "' is not registered");
    if (input.empty()) return fail(Code::empty_input, "input is empty");
    if (input.size() > params.max_input_bytes)
        return fail(Code::input_too_large, "input is " + std::to_string(input.size()) +
                                               " bytes; max_input_bytes is " +
                                               std::to_string(params.max_input_bytes));
    auto ahead = admitted.per_creator.find(creator);
    const std::uint64_t in_flight = ahead == admitted.per_creator.end() ? 0 : ahead->second;
    if (m_state.unfinished_of(creator) + in_flight >= params.max_pending_per_account)
        return fail(Code::pending_cap, creator + " has " +
                                           std::to_string(params.max_pending_per_account) +
                                           " unfinished futures (max_pending_per_account)");
    // Admission control: a future is accepted only if the results path can finish it before its
    // deadline (ADR 0005). Counts the futures already in state and those admitted ahead of it.
    const std::uint64_t backlog = m_state.unfinished_total() + admitted.total;
    if (backlog >= params.unfinished_capacity())
        return fail(Code::backlog_full, "backlog full, retry later: " + std::to_string(backlog) +
                                            " unfinished futures, capacity " +
                                            std::to_string(params.unfinished_capacity()) +
                                            " (max_unfinished_futures " +
                                            std::to_string(params.max_unfinished_futures) +
                                            ", max_results_per_block x (timeout_blocks - 2))");
    c.fee = h->fee;
    c.gas = h->gas;
    return c;
}

// ---------------------------------------------------------------------------------------------
// Proposals.

Status Module::check_entry(const ResultEntry& r, const Params& p) {
    if (r.output.size() > p.max_output_bytes)
        return make_error("results_output", "output exceeds max_output_bytes");
    if (r.error.size() > k_max_error_bytes)
        return make_error("results_error", "error text too long");
    if (!r.error.empty() && !r.output.empty())
        return make_error("results_both", "a result has both output and error");
    if (r.off_chain()) {
        if (r.output_sha256.size() != 32)
            return make_error("results_hash", "an off-chain output's SHA-256 must be 32 bytes");
        if (!r.output.empty() || !r.error.empty())
            return make_error("results_both", "an off-chain result carries inline bytes");
        if (r.output_size <= p.max_inline_output_bytes || r.output_size > p.max_output_bytes)
            return make_error("results_size",
                              "an off-chain output must be over max_inline_output_bytes and at "
                              "most max_output_bytes");
        return {};
    }
    if (r.output_size != 0) return make_error("results_size", "output_size without a hash");
    if (r.output.size() > p.max_inline_output_bytes)
        return make_error("results_inline", "an inline output over max_inline_output_bytes");
    return {};
}

Status Module::check_results_tx(const ResultsTx& tx, const Address& proposer) const {
    const Params& p = m_state.params();
    if (tx.proposer != proposer)
        return make_error("results_proposer", "results tx submitter is not the block proposer");
    if (tx.results.empty()) return make_error("results_empty", "results tx has no results");
    if (tx.results.size() > p.max_results_per_block)
        return make_error("results_count", "more results than max_results_per_block");
    std::set<std::uint64_t> seen;
    std::uint64_t bytes = 0;
    for (const auto& r : tx.results) {
        if (!seen.insert(r.future_id).second)
            return make_error("results_duplicate", "a future has two results");
        auto f = m_state.future(r.future_id);
        if (!f) return make_error("results_unknown", "result for an unknown future");
        if (f->status() != v1::FUTURE_STATUS_PENDING)
            return make_error("results_not_pending", "result for a future that is not pending");
        if (r.attempt != f->attempts())
            return make_error("results_attempt", "result for another attempt");
        if (auto s = check_entry(r, p); !s) return s;
        bytes += r.output.size() + r.error.size();
    }
    if (bytes > p.max_results_bytes)
        return make_error("results_bytes", "results exceed max_results_bytes");
    return {};
}

std::optional<Bytes> Module::prepare_results(const PrepareProposalRequest& req) {
    const Params& p = m_state.params();
    if (m_options.prophet) {
        ResultsTx results;
        results.proposer = req.proposer_address;
        std::uint64_t bytes = 0;
        std::size_t scanned = 0;
        const std::size_t scan_limit = k_max_scan_factor * p.max_results_per_block;
        for (std::uint64_t id : m_state.with_status(v1::FUTURE_STATUS_PENDING)) {
            if (results.results.size() >= p.max_results_per_block || ++scanned > scan_limit) break;
            auto outcome = m_options.prophet->result(id);
            if (!outcome) continue;
            // "This node could not compute it" (timeout, unavailable, a local limit) is not an
            // answer to put on chain: the future stays pending for another proposer, or times out.
            if (!outcome->ok && prophet::is_local_failure(outcome->reason)) continue;
            auto f = m_state.future(id);
            if (!f) continue;
            ResultEntry e;
            e.future_id = id;
            e.attempt = f->attempts();
            if (outcome->ok) {
                // An output over the limit cannot go on chain; the future will time out.
                if (outcome->output.size() > p.max_output_bytes) continue;
                if (outcome->output.size() > p.max_inline_output_bytes) {
                    // Off chain: the hash and size go in the block, the bytes stay here for
                    // the validators to fetch.
                    const Hash h = crypto::sha256(outcome->output);
                    if (m_options.outputs) m_options.outputs->put(h, outcome->output);
                    e.output_sha256 = Bytes(h.begin(), h.end());
                    e.output_size = outcome->output.size();
                } else {
                    e.output = outcome->output;
                }
            } else {
                e.error = outcome->error.substr(0, k_max_error_bytes);
                if (e.error.empty()) e.error = "error";
            }
            const std::uint64_t size = e.output.size() + e.error.size();
            if (bytes + size > p.max_results_bytes) break;
            bytes += size;
            results.results.push_back(std::move(e));
        }
        if (!results.results.empty()) {
            Bytes tx = encode_results_tx(results);
            if (static_cast<std::int64_t>(tx.size()) + 8 <= req.max_tx_bytes) return tx;
        }
    }
    return std::nullopt;
}

bool Module::process_results(const ProcessProposalRequest& req) {
    const auto& txs = *req.txs;
    std::vector<Claim> claims;
    if (!txs.empty() && !txs[0].empty() && txs[0][0] == k_results_tx_marker) {
        auto results = decode_results_tx(txs[0]);
        if (!results) return false;
        if (auto s = check_results_tx(*results, req.proposer_address); !s) {
            log()->debug("reject proposal height={}: {}", req.height, s.error().message);
            return false;
        }
        for (const auto& r : results->results)
            claims.push_back({r.future_id, r.attempt,
                              claim_digest(r.future_id, r.attempt, to_string(r.output), r.error,
                                           to_string(r.output_sha256))});
    }
    // Node-local: verify the claims off the consensus path, in time for extend_vote if we can.
    if (m_options.prophet && !claims.empty()) {
        auto results = decode_results_tx(txs[0]);
        for (const auto& r : results->results) {
            auto f = m_state.future(r.future_id);
            offer_claim(*f, r.attempt, to_string(r.output), r.error, to_string(r.output_sha256),
                        r.output_size);
        }
    }
    m_block_claims[req.hash] = std::move(claims);
    // Whether this block's last commit holds our precommit of the previous height, with its
    // extension: then the votes that precommit cast reach the chain with this block.
    if (m_options.validator_address) {
        bool ours = false;
        for (const auto& v : req.proposed_last_commit.votes)
            ours |= v.validator_address == *m_options.validator_address &&
                    v.flag == BlockIdFlag::commit && !v.extension.empty();
        if (ours) m_carries_our_votes.insert(req.hash);
    }
    return true;
}

// ---------------------------------------------------------------------------------------------
// Vote extensions.

Bytes Module::extend_vote(const ExtendVoteRequest& req) {
    if (!m_options.prophet || !m_options.validator_address) return {};
    const Params& p = m_state.params();
    const Address self = *m_options.validator_address;
    VoteExtension ext;
    std::set<std::uint64_t> included;
    auto verdict_of = [&](std::uint64_t id) -> std::optional<VoteValue> {
        auto verdict = m_options.prophet->vote(id);
        if (!verdict || *verdict == prophet::Verdict::abstain) return std::nullopt;
        return *verdict == prophet::Verdict::verified ? VoteValue::verified : VoteValue::rejected;
    };
    auto add = [&](std::uint64_t id, std::uint32_t attempt) {
        if (ext.votes.size() >= p.max_votes_per_extension || included.count(id)) return;
        auto value = verdict_of(id);
        if (!value) return;
        ext.votes.push_back({id, attempt, *value});
        included.insert(id);
    };
    // Results in the block being precommitted: vote now, so they can be verified one block
    // later. VERIFIED is one bit per entry of its results tx; REJECTED is explicit.
    if (auto it = m_block_claims.find(req.hash); it != m_block_claims.end()) {
        const auto& claims = it->second;
        for (std::size_t i = 0; i < claims.size(); ++i) {
            const Claim& c = claims[i];
            auto offered = m_offered_claim.find(c.future_id);
            if (offered == m_offered_claim.end() || offered->second != c.digest) continue;
            auto value = verdict_of(c.future_id);
            if (!value) continue;
            m_cast_pending[c.future_id] = Cast{c.digest, req.height};
            if (*value == VoteValue::verified) {
                ext.set_bit(i);
                included.insert(c.future_id);
            } else {
                add(c.future_id, c.attempt);
            }
        }
    }
    // Results already on chain that still lack our vote (kept until the vote is seen there).
    // Those of the newest block were voted on in its own precommit (recorded one block later),
    // so they are skipped when that vote was cast. A bounded, rotating scan keeps a large
    // EXECUTED set from making every extension slow.
    const auto& executed = m_state.with_status(v1::FUTURE_STATUS_EXECUTED);
    std::size_t scanned = 0;
    const std::size_t scan_limit = k_max_scan_factor * p.max_votes_per_extension;
    auto it = executed.upper_bound(m_late_vote_cursor);
    if (it == executed.end()) it = executed.begin();
    for (; it != executed.end() && scanned < scan_limit; ++it, ++scanned) {
        const std::uint64_t id = *it;
        m_late_vote_cursor = id;
        if (ext.votes.size() >= p.max_votes_per_extension) break;
        if (included.count(id)) continue;
        auto f = m_state.future(id);
        if (!f) continue;
        const auto& r = f->result();
        if (r.submitter() == pb_bytes(self)) continue;
        if (has_voted(*f, self)) continue;
        const Hash digest = result_digest(*f);
        auto offered = m_offered_claim.find(id);
        if (offered == m_offered_claim.end() || offered->second != digest) continue;
        // Cast in the results' own block, and the block being voted on carries that precommit.
        if (auto cast = m_cast.find(id); cast != m_cast.end() && cast->second.digest == digest &&
                                         cast->second.height == r.height() &&
                                         r.height() == m_state.height() &&
                                         m_carries_our_votes.count(req.hash))
            continue;
        add(id, f->attempts());
    }
    // Off-chain outputs this node could not get for k_output_fetch_blocks: REJECTED.
    for (const auto& [id, u] : m_unresolved) {
        if (ext.votes.size() >= p.max_votes_per_extension) break;
        if (included.count(id) || m_finalized_height - u.since < k_output_fetch_blocks) continue;
        auto f = m_state.future(id);
        if (!f || f->status() != v1::FUTURE_STATUS_EXECUTED || f->attempts() != u.attempt) continue;
        // A node that cannot run the handler could not judge the bytes either: it abstains.
        if (!m_options.prophet->handler_enabled(f->handler())) continue;
        if (has_voted(*f, self)) continue;
        ext.votes.push_back({id, u.attempt, VoteValue::rejected});
        included.insert(id);
    }
    // Within max_extension_bytes: explicit votes go first, then the highest bits. What is left out
    // is voted on in a later extension (an EXECUTED future keeps being offered until our vote is
    // on chain).
    Bytes out = encode_extension(ext);
    while (out.size() > p.max_extension_bytes && !ext.votes.empty()) {
        ext.votes.pop_back();
        out = encode_extension(ext);
    }
    if (out.size() > p.max_extension_bytes) {
        const std::size_t over = out.size() - p.max_extension_bytes;
        ext.verified_bits.resize(
            ext.verified_bits.size() > over + 2 ? ext.verified_bits.size() - over - 2 : 0);
        while (!ext.verified_bits.empty() && ext.verified_bits.back() == 0)
            ext.verified_bits.pop_back();
        out = encode_extension(ext);
    }
    // What this precommit really carries, for the late-vote pass of the next height.
    std::set<std::uint64_t> sent;
    for (const auto& v : ext.votes)
        sent.insert(v.future_id);
    if (auto block = m_block_claims.find(req.hash); block != m_block_claims.end())
        for (std::size_t i = 0; i < block->second.size(); ++i)
            if (ext.bit(i)) sent.insert(block->second[i].future_id);
    for (std::uint64_t id : sent)
        if (auto c = m_cast_pending.find(id); c != m_cast_pending.end()) m_cast[id] = c->second;
    m_cast_pending.clear();
    return out;
}

VerifyStatus Module::verify_vote_extension(const VerifyVoteExtensionRequest& req) {
    const Params& p = m_state.params();
    if (req.extension.size() > p.max_extension_bytes) return VerifyStatus::reject;
    auto ext = decode_extension(req.extension);
    if (!ext) return VerifyStatus::reject;
    if (ext->votes.size() > p.max_votes_per_extension) return VerifyStatus::reject;
    const std::vector<Claim>* claims = nullptr;
    if (auto it = m_block_claims.find(req.hash); it != m_block_claims.end()) claims = &it->second;
    // Bits name entries of this block's results tx: none beyond its last entry.
    std::set<std::uint64_t> seen;
    if (!ext->verified_bits.empty()) {
        const std::size_t n = claims ? claims->size() : 0;
        if (ext->verified_bits.size() > (n + 7) / 8) return VerifyStatus::reject;
        for (std::size_t i = n; i < ext->verified_bits.size() * 8; ++i)
            if (ext->bit(i)) return VerifyStatus::reject;
        for (std::size_t i = 0; i < n; ++i)
            if (ext->bit(i)) seen.insert((*claims)[i].future_id);
    }
    std::map<std::uint64_t, std::uint32_t> claimed;  // future -> attempt in this block
    if (claims && !ext->votes.empty())
        for (const auto& c : *claims)
            claimed.emplace(c.future_id, c.attempt);
    for (const auto& v : ext->votes) {
        if (!seen.insert(v.future_id).second) return VerifyStatus::reject;
        auto c = claimed.find(v.future_id);
        bool known = c != claimed.end() && c->second == v.attempt;
        if (!known) {
            auto f = m_state.future(v.future_id);
            known = f && f->status() == v1::FUTURE_STATUS_EXECUTED && f->attempts() == v.attempt;
        }
        if (!known) return VerifyStatus::reject;
    }
    return VerifyStatus::accept;
}

// ---------------------------------------------------------------------------------------------
// Finalize and commit.

void Module::begin_block(const FinalizeBlockRequest& req, std::vector<Event>& events) {
    m_created.clear();
    if (!req.decided_last_commit.votes.empty()) {
        m_powers.clear();
        m_total_power = 0;
        for (const auto& v : req.decided_last_commit.votes) {
            m_powers[v.validator_address] = v.power;
            m_total_power += v.power;
        }
    }
    record_votes(req.decided_last_commit, req.height, events);
}

void Module::deliver_results(ByteView tx, const Address& proposer, std::int64_t h,
                             std::vector<Event>& events) {
    auto results = decode_results_tx(tx);
    if (results) record_results(*results, proposer, h, events);
}

void Module::end_block(std::int64_t h, const Hash& block_hash, std::vector<Event>& events) {
    expire_and_prune(h, events);
    // Node-local: the final records, for the archive (written with the block's results).
    if (m_options.on_final && !m_finished.empty()) {
        std::vector<Bytes> records;
        records.reserve(m_finished.size());
        for (std::uint64_t id : m_finished)
            if (auto f = m_state.future(id)) records.push_back(serialize(*f));
        m_options.on_final(h, std::move(records));
    }
    m_finished.clear();
    m_finalized_height = h;
    m_finalized_hash = block_hash;
}

void Module::record_votes(const ExtendedCommitInfo& commit, std::int64_t h,
                          std::vector<Event>& events) {
    const Params& p = m_state.params();
    std::set<std::uint64_t> touched;
    std::map<std::uint64_t, v1::Future> futures;
    // The bits of these precommits name the entries of block h-1's results tx.
    auto claims = m_state.block_claims();
    if (claims && claims->height() != h - 1) claims.reset();
    for (const auto& vote : commit.votes) {
        if (vote.flag != BlockIdFlag::commit || vote.extension.empty()) continue;
        // Checked by verify_vote_extension when the precommit arrived; check again anyway:
        // finalize_block never trusts its input to be well-formed.
        if (vote.extension.size() > p.max_extension_bytes) continue;
        auto decoded = decode_extension(vote.extension);
        if (!decoded || decoded->votes.size() > p.max_votes_per_extension) continue;
        std::vector<ExtensionVote> votes;
        if (claims) {
            const auto n = static_cast<std::size_t>(claims->future_ids_size());
            for (std::size_t i = 0; i < n && i / 8 < decoded->verified_bits.size(); ++i)
                if (decoded->bit(i))
                    votes.push_back({claims->future_ids(static_cast<int>(i)),
                                     claims->attempts(static_cast<int>(i)), VoteValue::verified});
        }
        votes.insert(votes.end(), decoded->votes.begin(), decoded->votes.end());
        // An extension naming a future twice is one verify_vote_extension rejects: drop all of
        // it, as the precommit would have been dropped, rather than count its first vote.
        std::set<std::uint64_t> seen;
        bool duplicate = false;
        for (const auto& ev : votes)
            duplicate |= !seen.insert(ev.future_id).second;
        if (duplicate) continue;
        const std::string validator = pb_bytes(vote.validator_address);
        for (const auto& ev : votes) {
            auto it = futures.find(ev.future_id);
            if (it == futures.end()) {
                auto f = m_state.future(ev.future_id);
                if (!f) continue;
                it = futures.emplace(ev.future_id, std::move(*f)).first;
            }
            v1::Future& f = it->second;
            if (f.status() != v1::FUTURE_STATUS_EXECUTED || f.attempts() != ev.attempt) continue;
            if (has_voted(f, vote.validator_address))
                continue;  // the first vote of a validator counts
            auto* fv = f.add_votes();
            fv->set_validator(validator);
            fv->set_value(ev.value == VoteValue::verified ? v1::VOTE_VALUE_VERIFIED
                                                          : v1::VOTE_VALUE_REJECTED);
            fv->set_power(vote.power);
            fv->set_height(h);
            touched.insert(ev.future_id);
            // Not indexed: the future's record holds its votes, and a block carries one such
            // event per validator and result.
            events.push_back(
                event("future_vote",
                      {attr("future_id", std::to_string(f.id())),
                       attr("validator", hex_upper(vote.validator_address)),
                       attr("vote", ev.value == VoteValue::verified ? "VERIFIED" : "REJECTED"),
                       attr("power", std::to_string(vote.power)),
                       attr("attempt", std::to_string(ev.attempt))}));
            for (auto& a : events.back().attributes)
                a.index = false;
        }
    }
    for (std::uint64_t id : touched) {
        v1::Future& f = futures.at(id);
        tally(f, h, events);
        m_state.put_future(f);
    }
}

void Module::tally(v1::Future& f, std::int64_t h, std::vector<Event>& events) {
    std::int64_t verified = 0;
    std::int64_t rejected = 0;
    for (const auto& v : f.votes()) {
        if (v.value() == v1::VOTE_VALUE_VERIFIED) verified += v.power();
        if (v.value() == v1::VOTE_VALUE_REJECTED) rejected += v.power();
    }
    auto* t = f.mutable_tally();
    t->set_verified_power(verified);
    t->set_rejected_power(rejected);
    t->set_total_power(m_total_power);
    if (m_total_power <= 0) return;
    if (verified * 3 > m_total_power * 2) {
        if (f.result().error().empty()) {
            finish(f, v1::FUTURE_STATUS_VERIFIED, "", h, events);
        } else {
            finish(f, v1::FUTURE_STATUS_FAILED, f.result().error(), h, events);
        }
        return;
    }
    if (rejected * 3 >= m_total_power) {
        const std::uint32_t attempt = f.attempts();
        f.set_attempts(attempt + 1);
        events.push_back(event(
            "future_rejected",
            {attr("future_id", std::to_string(f.id())), attr("attempt", std::to_string(attempt)),
             attr("rejected_power", std::to_string(rejected)),
             attr("total_power", std::to_string(m_total_power))}));
        if (f.attempts() >= m_state.params().max_attempts) {
            finish(f, v1::FUTURE_STATUS_FAILED,
                   "result rejected " + std::to_string(f.attempts()) + " times (max_attempts)", h,
                   events);
            return;
        }
        f.set_status(v1::FUTURE_STATUS_PENDING);
        f.clear_result();
        f.clear_votes();
        f.clear_tally();
    }
}

void Module::finish(v1::Future& f, v1::FutureStatus status, std::string reason, std::int64_t h,
                    std::vector<Event>& events) {
    f.set_status(status);
    f.set_final_height(h);
    f.set_final_reason(reason);
    std::string type = status == v1::FUTURE_STATUS_VERIFIED ? "future_verified"
                       : status == v1::FUTURE_STATUS_FAILED ? "future_failed"
                                                            : "future_timed_out";
    // The answer travels in the event, so a subscriber needs no second query.
    const std::string& output = f.result().output();
    const bool off_chain = f.result().output_sha256().size() == 32;
    const std::string sha = off_chain ? to_hex(view(f.result().output_sha256()))
                                      : to_hex(crypto::sha256(as_bytes(output)));
    const std::uint64_t size = off_chain ? f.result().output_size() : output.size();
    std::vector<EventAttribute> attrs{attr("future_id", std::to_string(f.id())),
                                      attr("creator", f.creator()),
                                      attr("handler", f.handler()),
                                      attr("status", status_name(status)),
                                      attr("output_sha256", sha),
                                      attr("output_size", std::to_string(size))};
    if (!output.empty() && output.size() <= k_max_event_output_bytes) {
        // Text when it is UTF-8 without control characters, else base64; the encoding is named.
        const bool text = printable_utf8(output);
        attrs.push_back(attr("output", text ? output : to_base64(as_bytes(output))));
        attrs.push_back(attr("output_encoding", text ? "utf8" : "base64"));
    }
    if (!reason.empty()) attrs.push_back(attr("reason", reason));
    settle_fee(f, attrs);
    events.push_back(event(std::move(type), std::move(attrs)));
    log()->info("future {} id={} handler={} height={}", status_name(status), f.id(), f.handler(),
                h);
    m_finished.push_back(f.id());
    forget(f.id());
}

void Module::settle_fee(const v1::Future& f, std::vector<EventAttribute>& attrs) {
    if (f.fee() == 0) return;
    // A verified handler error is an answer too: its tally is over 2/3 VERIFIED (a future that
    // failed by max_attempts rejections has at least 1/3 REJECTED, so never both).
    const auto& t = f.tally();
    const bool answered = f.result().submitter().size() == 20 &&
                          (f.status() == v1::FUTURE_STATUS_VERIFIED ||
                           (f.status() == v1::FUTURE_STATUS_FAILED &&
                            t.verified_power() * 3 > t.total_power() * 2));
    std::optional<Address> to;
    if (answered) {
        to = to_array<20>(view(f.result().submitter()));
    } else if (auto creator = crypto::from_bech32_address(f.creator())) {
        to = *creator;
    }
    SEER_CHECK(to.has_value());  // creators are checked when the future is created
    // The escrow holds every unsettled fee, so this cannot fail on a consistent state.
    auto s = m_bank.transfer(module_address(), *to, f.fee());
    SEER_CHECK(s.ok());
    attrs.push_back(attr(answered ? "fee_paid_to" : "fee_refunded_to",
                         crypto::to_bech32_address(*to)));
    attrs.push_back(attr("fee", std::to_string(f.fee()) + "useer"));
}

void Module::record_results(const ResultsTx& tx, const Address& proposer, std::int64_t h,
                            std::vector<Event>& events) {
    // process_proposal accepted the whole tx against the same state; entries are re-checked one
    // by one so that nothing here can fail.
    const Params& p = m_state.params();
    // What the bits of this block's precommits will name: every entry, in tx order.
    v1::BlockClaims claims;
    claims.set_height(h);
    for (const auto& r : tx.results) {
        claims.add_future_ids(r.future_id);
        claims.add_attempts(r.attempt);
    }
    m_state.put_block_claims(claims);
    std::set<std::uint64_t> seen;
    for (const auto& r : tx.results) {
        if (seen.size() >= p.max_results_per_block || !seen.insert(r.future_id).second) continue;
        auto f = m_state.future(r.future_id);
        if (!f || f->status() != v1::FUTURE_STATUS_PENDING || f->attempts() != r.attempt) continue;
        if (!check_entry(r, p)) continue;
        f->set_status(v1::FUTURE_STATUS_EXECUTED);
        auto* res = f->mutable_result();
        res->set_output(pb_bytes(r.output));
        res->set_error(r.error);
        if (r.off_chain()) {
            res->set_output_sha256(pb_bytes(r.output_sha256));
            res->set_output_size(r.output_size);
        }
        res->set_submitter(pb_bytes(proposer));
        res->set_height(h);
        f->clear_votes();
        // The submitter counts as one VERIFIED vote.
        auto* v = f->add_votes();
        v->set_validator(pb_bytes(proposer));
        v->set_value(v1::VOTE_VALUE_VERIFIED);
        auto power = m_powers.find(proposer);
        v->set_power(power == m_powers.end() ? 0 : power->second);
        v->set_height(h);
        std::vector<EventAttribute> attrs{attr("future_id", std::to_string(f->id())),
                                          attr("submitter", hex_upper(proposer)),
                                          attr("attempt", std::to_string(r.attempt))};
        if (!r.error.empty()) attrs.push_back(attr("error", r.error));
        events.push_back(event("future_result", std::move(attrs)));
        tally(*f, h, events);
        m_state.put_future(*f);
    }
}

std::uint64_t Module::create_future(const std::string& creator, const std::string& handler_name,
                                    ByteView input, std::uint64_t fee, const Hash& txh,
                                    std::int64_t h, std::vector<Event>& events) {
    v1::Future f;
    f.set_id(m_state.take_future_id());
    f.set_creator(creator);
    f.set_handler(handler_name);
    f.set_input(pb_bytes(input));
    f.set_status(v1::FUTURE_STATUS_PENDING);
    f.set_created_height(h);
    f.set_deadline_height(h + static_cast<std::int64_t>(m_state.params().timeout_blocks));
    f.set_tx_hash(pb_bytes(txh));
    f.set_fee(fee);
    m_state.put_future(f);
    m_created.push_back(f.id());
    std::vector<EventAttribute> attrs{attr("future_id", std::to_string(f.id())),
                                      attr("creator", creator), attr("handler", handler_name),
                                      attr("deadline", std::to_string(f.deadline_height()))};
    if (fee > 0) attrs.push_back(attr("fee", std::to_string(fee) + "useer"));
    events.push_back(event("future_created", std::move(attrs)));
    return f.id();
}

void Module::expire_and_prune(std::int64_t h, std::vector<Event>& events) {
    std::vector<std::uint64_t> expired;
    for (const auto& [deadline, id] : m_state.by_deadline()) {
        if (deadline > h || expired.size() >= k_max_timeouts_per_block) break;
        expired.push_back(id);
    }
    for (std::uint64_t id : expired) {
        auto f = m_state.future(id);
        SEER_CHECK(f.has_value());
        finish(*f, v1::FUTURE_STATUS_TIMED_OUT, "deadline reached", h, events);
        m_state.put_future(*f);
    }
    const auto keep = static_cast<std::int64_t>(m_state.params().prune_after_blocks);
    std::vector<std::uint64_t> pruned;
    for (const auto& [final_height, id] : m_state.prune_queue()) {
        if (final_height + keep > h || pruned.size() >= m_state.params().max_prune_per_block) break;
        pruned.push_back(id);
    }
    for (std::uint64_t id : pruned) {
        m_state.erase_future(id);
        forget(id);
        events.push_back(event("future_pruned", {attr("future_id", std::to_string(id))}));
    }
}

void Module::commit() {
    // Claims of proposals seen at this height are dropped, except the decided block's: its
    // precommits that arrive after our commit (they go into the next block's commit) still
    // name its results by their bits.
    m_carries_our_votes.clear();
    auto decided = m_block_claims.extract(m_finalized_hash);
    m_block_claims.clear();
    if (!decided.empty()) m_block_claims.insert(std::move(decided));
    if (!m_options.prophet) return;
    if (m_options.estimate_deadlines) {
        const auto now = std::chrono::steady_clock::now();
        if (m_last_commit_at) {
            const double us = static_cast<double>(
                std::chrono::duration_cast<std::chrono::microseconds>(now - *m_last_commit_at)
                    .count());
            m_interval_us = m_intervals_seen == 0 ? us : m_interval_us + 0.2 * (us - m_interval_us);
            ++m_intervals_seen;
        }
        m_last_commit_at = now;
    }
    // Node-local: new futures to the prophet, then a bounded round of re-offers for unfinished
    // work (a dropped request comes back here, so nothing is lost).
    for (std::uint64_t id : m_created) {
        if (auto f = m_state.future(id)) offer_execution(*f);
    }
    m_created.clear();
    std::size_t offers = 0;
    const auto& pending = m_state.with_status(v1::FUTURE_STATUS_PENDING);
    auto it = pending.upper_bound(m_offer_cursor);
    if (it == pending.end()) it = pending.begin();
    for (; it != pending.end() && offers < m_options.max_offers_per_block; ++it, ++offers) {
        m_offer_cursor = *it;
        if (m_options.prophet->result(*it)) continue;
        if (auto f = m_state.future(*it)) offer_execution(*f);
    }
    for (std::uint64_t id : m_state.with_status(v1::FUTURE_STATUS_EXECUTED)) {
        if (offers++ >= 2 * m_options.max_offers_per_block) break;
        auto f = m_state.future(id);
        if (!f) continue;
        auto offered = m_offered_claim.find(id);
        const Hash digest = result_digest(*f);
        if (offered != m_offered_claim.end() && offered->second == digest) continue;
        offer_verification(*f);
    }
}

void Module::offer_execution(const v1::Future& f) {
    m_options.prophet->offer_execution(
        {f.id(), f.handler(), bytes_of(f.input()), f.creator(), deadline_of(f)});
}

prophet::Deadline Module::deadline_of(const v1::Future& f) const {
    // A result must be in the block before the deadline height, proposed right after the
    // commit before that: deadline - finalized - 1 intervals from now. Only once the interval
    // is known (a few commits); never earlier than the chain's own deadline would be.
    constexpr std::uint64_t k_min_intervals = 5;
    if (!m_options.estimate_deadlines || m_intervals_seen < k_min_intervals)
        return prophet::k_no_deadline;
    const std::int64_t blocks_left = f.deadline_height() - m_finalized_height - 1;
    const auto now = std::chrono::steady_clock::now();
    if (blocks_left <= 0) return now;
    return now + std::chrono::microseconds(
                     static_cast<std::int64_t>(static_cast<double>(blocks_left) * m_interval_us));
}

void Module::offer_verification(const v1::Future& f) {
    const auto& r = f.result();
    offer_claim(f, f.attempts(), r.output(), r.error(), r.output_sha256(), r.output_size());
}

void Module::offer_claim(const v1::Future& f, std::uint32_t attempt, const std::string& output,
                         const std::string& error, const std::string& output_sha256,
                         std::uint64_t output_size) {
    prophet::Outcome claimed;
    claimed.ok = error.empty();
    claimed.output = bytes_of(output);
    claimed.error = error;
    if (!output_sha256.empty()) {
        // An off-chain output: the claim is verified on its bytes, from this node's store (it
        // proposed or fetched them), or from its own execution when that has the same hash.
        auto bytes = resolve_output(f, output_sha256);
        if (!bytes) {
            m_unresolved.try_emplace(f.id(), Unresolved{attempt, m_finalized_height});
            const auto h = to_array<32>(view(output_sha256));
            if (h && m_options.fetch_output) m_options.fetch_output(*h, output_size);
            return;  // offered again at the next commit
        }
        claimed.output = std::move(*bytes);
    }
    m_unresolved.erase(f.id());
    auto offer = m_options.prophet->offer_verification(
        {f.id(), f.handler(), bytes_of(f.input()), std::move(claimed), f.creator(), deadline_of(f)});
    // Remembered only when the prophet took it: a dropped offer is made again at commit.
    if (offer == prophet::Offer::accepted || offer == prophet::Offer::duplicate ||
        offer == prophet::Offer::handler_disabled)
        m_offered_claim[f.id()] = claim_digest(f.id(), attempt, output, error, output_sha256);
}

std::optional<Bytes> Module::resolve_output(const v1::Future& f, const std::string& output_sha256) {
    const auto h = to_array<32>(view(output_sha256));
    if (!h) return std::nullopt;
    if (m_options.outputs)
        if (auto bytes = m_options.outputs->get(*h)) return bytes;
    auto own = m_options.prophet->result(f.id());
    if (!own) {
        offer_execution(f);  // a deterministic handler's own run gives the same bytes
        return std::nullopt;
    }
    if (!own->ok || crypto::sha256(own->output) != *h) return std::nullopt;
    if (m_options.outputs) m_options.outputs->put(*h, own->output);
    return std::move(own->output);
}

void Module::forget(std::uint64_t id) {
    m_offered_claim.erase(id);
    m_unresolved.erase(id);
    m_cast.erase(id);
    if (m_options.prophet) m_options.prophet->forget(id);
}

}  // namespace detail
}  // namespace seer::async
