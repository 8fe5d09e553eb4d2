#include "module_impl.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "pb_util.hpp"
#include "seer/common/check.hpp"
#include "seer/crypto/hash.hpp"
#include "seer/prophet/prophet.hpp"

namespace seer::async {

std::unique_ptr<consensus::Application> make_module(ModuleOptions options, AppGenesis genesis,
                                                    store::KvStore& kv) {
    return std::make_unique<detail::Module>(std::move(options), genesis, kv);
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

std::string status_name(v1::FutureStatus s) {
    switch (s) {
        case v1::FUTURE_STATUS_PENDING: return "PENDING";
        case v1::FUTURE_STATUS_EXECUTED: return "EXECUTED";
        case v1::FUTURE_STATUS_VERIFIED: return "VERIFIED";
        case v1::FUTURE_STATUS_FAILED: return "FAILED";
        case v1::FUTURE_STATUS_TIMED_OUT: return "TIMED_OUT";
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

std::string hex_upper(ByteView b) { return to_hex(b, true); }

CheckTxResponse to_check_response(const TxCheck& c) {
    CheckTxResponse r;
    r.code = static_cast<std::uint32_t>(c.code);
    r.log = c.log;
    if (c.code != Code::ok) r.codespace = std::string(k_codespace);
    return r;
}

}  // namespace

Module::Module(ModuleOptions options, const AppGenesis& genesis, store::KvStore& kv)
    : m_options(std::move(options)), m_state(kv, genesis) {
    m_finalized_height = m_state.height();
}

Hash Module::claim_digest(std::uint64_t id, std::uint32_t attempt, const std::string& output,
                          const std::string& error) {
    crypto::Sha256 h;
    Bytes head;
    for (int i = 7; i >= 0; --i) head.push_back(static_cast<std::uint8_t>(id >> (8 * i)));
    for (int i = 3; i >= 0; --i) head.push_back(static_cast<std::uint8_t>(attempt >> (8 * i)));
    const std::uint64_t n = output.size();
    for (int i = 7; i >= 0; --i) head.push_back(static_cast<std::uint8_t>(n >> (8 * i)));
    h.update(head).update(as_bytes(output)).update(as_bytes(error));
    return h.finish();
}

InfoResponse Module::info() {
    InfoResponse r;
    r.version = "seer-async/1";
    r.last_block_height = m_state.height();
    r.last_block_app_hash = m_state.app_hash();
    return r;
}

// ---------------------------------------------------------------------------------------------
// Mempool.

CheckTxResponse Module::check_tx(ByteView tx, CheckTxKind kind) {
    // New and re-checked txs are checked alike against the check state; a dry run leaves it.
    const TxCheck c =
        check_user_tx(m_state, m_options.chain_id, tx, m_state.height() + 1, m_check_overlay);
    if (c.code == Code::ok && kind != CheckTxKind::dry_run) {
        m_check_overlay[c.tx->signer] = c.tx->sequence + 1;
    } else {
        log()->debug("check_tx rejected code={} reason={}", static_cast<std::uint32_t>(c.code),
                     c.log);
    }
    return to_check_response(c);
}

// ---------------------------------------------------------------------------------------------
// Proposals.

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
        if (r.output.size() > p.max_output_bytes)
            return make_error("results_output", "output exceeds max_output_bytes");
        if (r.error.size() > k_max_error_bytes)
            return make_error("results_error", "error text too long");
        if (!r.error.empty() && !r.output.empty())
            return make_error("results_both", "a result has both output and error");
        bytes += r.output.size() + r.error.size();
    }
    if (bytes > p.max_results_bytes)
        return make_error("results_bytes", "results exceed max_results_bytes");
    return {};
}

PrepareProposalResponse Module::prepare_proposal(const PrepareProposalRequest& req) {
    PrepareProposalResponse out;
    std::int64_t budget = req.max_tx_bytes;
    const Params& p = m_state.params();

    if (m_options.prophet) {
        ResultsTx results;
        results.proposer = req.proposer_address;
        std::uint64_t bytes = 0;
        std::size_t scanned = 0;
        const std::size_t scan_limit = k_max_scan_factor * p.max_results_per_block;
        for (std::uint64_t id : m_state.with_status(v1::FUTURE_STATUS_PENDING)) {
            if (results.results.size() >= p.max_results_per_block || ++scanned > scan_limit)
                break;
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
                e.output = outcome->output;
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
            const auto cost = static_cast<std::int64_t>(tx.size()) + 8;
            if (cost <= budget) {
                budget -= cost;
                out.txs.push_back(std::move(tx));
            }
        }
    }

    // User txs in mempool order, re-checked against the state this block will run on.
    SequenceOverlay overlay;
    for (const auto& tx : req.txs) {
        const auto cost = static_cast<std::int64_t>(tx.size()) + 8;
        if (cost > budget) break;
        const TxCheck c = check_user_tx(m_state, m_options.chain_id, tx, req.height, overlay);
        if (c.code != Code::ok) continue;
        overlay[c.tx->signer] = c.tx->sequence + 1;
        budget -= cost;
        out.txs.push_back(tx);
    }
    return out;
}

ProposalStatus Module::process_proposal(const ProcessProposalRequest& req) {
    const auto& txs = *req.txs;
    std::vector<Claim> claims;
    SequenceOverlay overlay;
    for (std::size_t i = 0; i < txs.size(); ++i) {
        const Bytes& tx = txs[i];
        if (!tx.empty() && tx[0] == k_results_tx_marker) {
            if (i != 0) {
                log()->debug("reject proposal height={}: results tx at index {}", req.height, i);
                return ProposalStatus::reject;
            }
            auto results = decode_results_tx(tx);
            if (!results) return ProposalStatus::reject;
            if (auto s = check_results_tx(*results, req.proposer_address); !s) {
                log()->debug("reject proposal height={}: {}", req.height, s.error().message);
                return ProposalStatus::reject;
            }
            for (const auto& r : results->results)
                claims.push_back(
                    {r.future_id, r.attempt,
                     claim_digest(r.future_id, r.attempt, to_string(r.output), r.error)});
            continue;
        }
        const TxCheck c = check_user_tx(m_state, m_options.chain_id, tx, req.height, overlay);
        if (c.code != Code::ok) {
            log()->debug("reject proposal height={}: tx {} code={}", req.height, i,
                         static_cast<std::uint32_t>(c.code));
            return ProposalStatus::reject;
        }
        overlay[c.tx->signer] = c.tx->sequence + 1;
    }
    // Node-local: verify the claims off the consensus path, in time for extend_vote if we can.
    if (m_options.prophet && !claims.empty()) {
        auto results = decode_results_tx(txs[0]);
        for (const auto& r : results->results) {
            auto f = m_state.future(r.future_id);
            offer_claim(*f, r.attempt, to_string(r.output), r.error);
        }
    }
    m_block_claims[req.hash] = std::move(claims);
    return ProposalStatus::accept;
}

// ---------------------------------------------------------------------------------------------
// Vote extensions.

Bytes Module::extend_vote(const ExtendVoteRequest& req) {
    if (!m_options.prophet || !m_options.validator_address) return {};
    const Params& p = m_state.params();
    const Address self = *m_options.validator_address;
    std::vector<ExtensionVote> votes;
    std::set<std::uint64_t> included;
    auto add = [&](std::uint64_t id, std::uint32_t attempt) {
        if (votes.size() >= p.max_votes_per_extension || included.count(id)) return;
        auto verdict = m_options.prophet->vote(id);
        if (!verdict || *verdict == prophet::Verdict::abstain) return;
        votes.push_back({id, attempt,
                         *verdict == prophet::Verdict::verified ? VoteValue::verified
                                                                : VoteValue::rejected});
        included.insert(id);
    };
    // Results in the block being precommitted: vote now, so they can be verified one block later.
    if (auto it = m_block_claims.find(req.hash); it != m_block_claims.end()) {
        for (const auto& c : it->second) {
            auto offered = m_offered_claim.find(c.future_id);
            if (offered != m_offered_claim.end() && offered->second == c.digest)
                add(c.future_id, c.attempt);
        }
    }
    // Results already on chain that still lack our vote (kept until the vote is seen there).
    for (std::uint64_t id : m_state.with_status(v1::FUTURE_STATUS_EXECUTED)) {
        if (votes.size() >= p.max_votes_per_extension) break;
        auto f = m_state.future(id);
        if (!f) continue;
        const auto& r = f->result();
        if (r.submitter() == pb_bytes(self)) continue;
        bool voted = false;
        for (const auto& v : f->votes()) voted |= v.validator() == pb_bytes(self);
        if (voted) continue;
        auto offered = m_offered_claim.find(id);
        if (offered == m_offered_claim.end() ||
            offered->second != claim_digest(id, f->attempts(), r.output(), r.error()))
            continue;
        add(id, f->attempts());
    }
    Bytes ext = encode_vote_extension(votes);
    while (ext.size() > p.max_extension_bytes && !votes.empty()) {
        votes.pop_back();
        ext = encode_vote_extension(votes);
    }
    return ext;
}

VerifyStatus Module::verify_vote_extension(const VerifyVoteExtensionRequest& req) {
    const Params& p = m_state.params();
    if (req.extension.size() > p.max_extension_bytes) return VerifyStatus::reject;
    auto votes = decode_vote_extension(req.extension);
    if (!votes) return VerifyStatus::reject;
    if (votes->size() > p.max_votes_per_extension) return VerifyStatus::reject;
    const std::vector<Claim>* claims = nullptr;
    if (auto it = m_block_claims.find(req.hash); it != m_block_claims.end()) claims = &it->second;
    std::set<std::uint64_t> seen;
    for (const auto& v : *votes) {
        if (!seen.insert(v.future_id).second) return VerifyStatus::reject;
        bool known = false;
        if (claims) {
            for (const auto& c : *claims)
                known |= c.future_id == v.future_id && c.attempt == v.attempt;
        }
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

FinalizeBlockResponse Module::finalize_block(const FinalizeBlockRequest& req) {
    FinalizeBlockResponse resp;
    const std::int64_t h = req.height;
    m_created.clear();
    if (!req.decided_last_commit.votes.empty()) {
        m_powers.clear();
        m_total_power = 0;
        for (const auto& v : req.decided_last_commit.votes) {
            m_powers[v.validator_address] = v.power;
            m_total_power += v.power;
        }
    }
    // 1. Votes of the previous height's precommits, then the tally.
    record_votes(req.decided_last_commit, h, resp.events);
    // 2. The proposer's results, 3. user txs.
    const auto& txs = *req.txs;
    resp.tx_results.resize(txs.size());
    for (std::size_t i = 0; i < txs.size(); ++i) {
        const Bytes& tx = txs[i];
        if (i == 0 && !tx.empty() && tx[0] == k_results_tx_marker) {
            auto results = decode_results_tx(tx);
            if (results) record_results(*results, req.proposer_address, h, resp.events);
            resp.tx_results[i].log = "results";
            continue;
        }
        resp.tx_results[i] = deliver_user_tx(tx, h);
    }
    // 4. Deadlines and pruning.
    expire_and_prune(h, resp.events);
    resp.app_hash = m_state.seal(h);
    m_finalized_height = h;
    return resp;
}

void Module::record_votes(const ExtendedCommitInfo& commit, std::int64_t h,
                          std::vector<Event>& events) {
    const Params& p = m_state.params();
    std::set<std::uint64_t> touched;
    std::map<std::uint64_t, v1::Future> futures;
    for (const auto& vote : commit.votes) {
        if (vote.flag != BlockIdFlag::commit || vote.extension.empty()) continue;
        // Checked by verify_vote_extension when the precommit arrived; check again anyway:
        // finalize_block never trusts its input to be well-formed.
        if (vote.extension.size() > p.max_extension_bytes) continue;
        auto decoded = decode_vote_extension(vote.extension);
        if (!decoded || decoded->size() > p.max_votes_per_extension) continue;
        // An extension naming a future twice is one verify_vote_extension rejects: drop all of
        // it, as the precommit would have been dropped, rather than count its first vote.
        std::set<std::uint64_t> seen;
        bool duplicate = false;
        for (const auto& ev : *decoded) duplicate |= !seen.insert(ev.future_id).second;
        if (duplicate) continue;
        for (const auto& ev : *decoded) {
            auto it = futures.find(ev.future_id);
            if (it == futures.end()) {
                auto f = m_state.future(ev.future_id);
                if (!f) continue;
                it = futures.emplace(ev.future_id, std::move(*f)).first;
            }
            v1::Future& f = it->second;
            if (f.status() != v1::FUTURE_STATUS_EXECUTED || f.attempts() != ev.attempt) continue;
            const std::string validator = pb_bytes(vote.validator_address);
            bool dup = false;
            for (const auto& existing : f.votes()) dup |= existing.validator() == validator;
            if (dup) continue;  // the first vote of a validator counts
            auto* fv = f.add_votes();
            fv->set_validator(validator);
            fv->set_value(ev.value == VoteValue::verified ? v1::VOTE_VALUE_VERIFIED
                                                          : v1::VOTE_VALUE_REJECTED);
            fv->set_power(vote.power);
            fv->set_height(h);
            touched.insert(ev.future_id);
            events.push_back(event(
                "future_vote",
                {attr("id", std::to_string(f.id())), attr("validator", hex_upper(vote.validator_address)),
                 attr("vote", ev.value == VoteValue::verified ? "VERIFIED" : "REJECTED"),
                 attr("power", std::to_string(vote.power)),
                 attr("attempt", std::to_string(ev.attempt))}));
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
        events.push_back(event("future_rejected",
                               {attr("id", std::to_string(f.id())),
                                attr("attempt", std::to_string(attempt)),
                                attr("rejected_power", std::to_string(rejected)),
                                attr("total_power", std::to_string(m_total_power))}));
        if (f.attempts() >= m_state.params().max_attempts) {
            finish(f, v1::FUTURE_STATUS_FAILED,
                   "result rejected " + std::to_string(f.attempts()) + " times (max_attempts)",
                   h, events);
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
                       : status == v1::FUTURE_STATUS_FAILED  ? "future_failed"
                                                             : "future_timed_out";
    std::vector<EventAttribute> attrs{attr("id", std::to_string(f.id())),
                                      attr("creator", f.creator()), attr("handler", f.handler()),
                                      attr("status", status_name(status))};
    if (!reason.empty()) attrs.push_back(attr("reason", reason));
    events.push_back(event(std::move(type), std::move(attrs)));
    log()->info("future {} id={} handler={} height={}", status_name(status), f.id(), f.handler(),
                h);
    forget(f.id());
}

void Module::record_results(const ResultsTx& tx, const Address& proposer, std::int64_t h,
                            std::vector<Event>& events) {
    // process_proposal accepted the whole tx against the same state; entries are re-checked one
    // by one so that nothing here can fail.
    const Params& p = m_state.params();
    std::set<std::uint64_t> seen;
    for (const auto& r : tx.results) {
        if (seen.size() >= p.max_results_per_block || !seen.insert(r.future_id).second) continue;
        auto f = m_state.future(r.future_id);
        if (!f || f->status() != v1::FUTURE_STATUS_PENDING || f->attempts() != r.attempt) continue;
        if (r.output.size() > p.max_output_bytes || r.error.size() > k_max_error_bytes) continue;
        f->set_status(v1::FUTURE_STATUS_EXECUTED);
        auto* res = f->mutable_result();
        res->set_output(pb_bytes(r.output));
        res->set_error(r.error);
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
        std::vector<EventAttribute> attrs{attr("id", std::to_string(f->id())),
                                          attr("submitter", hex_upper(proposer)),
                                          attr("attempt", std::to_string(r.attempt))};
        if (!r.error.empty()) attrs.push_back(attr("error", r.error));
        events.push_back(event("future_result", std::move(attrs)));
        tally(*f, h, events);
        m_state.put_future(*f);
    }
}

ExecTxResult Module::deliver_user_tx(ByteView tx, std::int64_t h) {
    ExecTxResult r;
    const TxCheck c = check_user_tx(m_state, m_options.chain_id, tx, h, {});
    if (c.code != Code::ok) {
        r.code = static_cast<std::uint32_t>(c.code);
        r.codespace = std::string(k_codespace);
        r.log = c.log;
        return r;
    }
    const UserTx& u = *c.tx;
    auto account = m_state.account(u.signer);
    account->set_sequence(account->sequence() + 1);
    if (account->pub_key().empty()) account->set_pub_key(pb_bytes(u.pub_key));
    m_state.put_account(u.signer, *account);

    v1::Future f;
    f.set_id(m_state.take_future_id());
    f.set_creator(u.creator);
    f.set_handler(u.handler);
    f.set_input(pb_bytes(u.input));
    f.set_status(v1::FUTURE_STATUS_PENDING);
    f.set_created_height(h);
    f.set_deadline_height(h + static_cast<std::int64_t>(m_state.params().timeout_blocks));
    const Hash txh = tx_hash(tx);
    f.set_tx_hash(pb_bytes(txh));
    m_state.put_future(f);
    m_created.push_back(f.id());

    v1::MsgAddFutureResponse data;
    data.set_id(f.id());
    r.data = serialize(data);
    r.events.push_back(event("future_created",
                             {attr("id", std::to_string(f.id())), attr("creator", u.creator),
                              attr("handler", u.handler),
                              attr("deadline", std::to_string(f.deadline_height()))}));
    r.events.push_back(event("message", {attr("action", std::string(k_msg_add_future_type_url)),
                                         attr("sender", u.creator), attr("module", "async")}));
    return r;
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
        if (final_height + keep > h || pruned.size() >= m_state.params().max_prune_per_block)
            break;
        pruned.push_back(id);
    }
    for (std::uint64_t id : pruned) {
        m_state.erase_future(id);
        forget(id);
        events.push_back(event("future_pruned", {attr("id", std::to_string(id))}));
    }
}

CommitResponse Module::commit() {
    m_state.persist();
    m_check_overlay.clear();  // the mempool re-checks its txs against the new state
    m_block_claims.clear();
    if (!m_options.prophet) return {};
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
        const Hash digest =
            claim_digest(id, f->attempts(), f->result().output(), f->result().error());
        if (offered != m_offered_claim.end() && offered->second == digest) continue;
        offer_verification(*f);
    }
    return {};
}

void Module::offer_execution(const v1::Future& f) {
    m_options.prophet->offer_execution({f.id(), f.handler(), bytes_of(f.input())});
}

void Module::offer_verification(const v1::Future& f) {
    offer_claim(f, f.attempts(), f.result().output(), f.result().error());
}

void Module::offer_claim(const v1::Future& f, std::uint32_t attempt, const std::string& output,
                         const std::string& error) {
    prophet::Outcome claimed;
    claimed.ok = error.empty();
    claimed.output = bytes_of(output);
    claimed.error = error;
    auto offer = m_options.prophet->offer_verification(
        {f.id(), f.handler(), bytes_of(f.input()), std::move(claimed)});
    // Remembered only when the prophet took it: a dropped offer is made again at commit.
    if (offer == prophet::Offer::accepted || offer == prophet::Offer::duplicate ||
        offer == prophet::Offer::handler_disabled)
        m_offered_claim[f.id()] = claim_digest(f.id(), attempt, output, error);
}

void Module::forget(std::uint64_t id) {
    m_offered_claim.erase(id);
    if (m_options.prophet) m_options.prophet->forget(id);
}

}  // namespace detail
}  // namespace seer::async
