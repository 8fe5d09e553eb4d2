// The consensus driver with memory stores, a recording network and a hand-driven clock.

#include <doctest/doctest.h>

#include <google/protobuf/stubs/logging.h>
// seer_consensus links the compiled spdlog privately, so its usage requirements do not reach
// this target: without these the header-only spdlog here would have a registry of its own and
// quiet_logs() would not reach the driver's logger.
#ifndef SPDLOG_COMPILED_LIB
#define SPDLOG_COMPILED_LIB
#endif
#ifndef SPDLOG_SHARED_LIB
#define SPDLOG_SHARED_LIB
#endif
#ifndef SPDLOG_FMT_EXTERNAL
#define SPDLOG_FMT_EXTERNAL
#endif
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <random>
#include <tuple>

#include "seer/consensus/codec.hpp"
#include "seer/consensus/driver.hpp"
#include "seer/consensus/sign_bytes.hpp"
#include "seer/crypto/hash.hpp"
#include "seer/store/block_store.hpp"
#include "seer/store/durable_value.hpp"
#include "seer/store/kv.hpp"
#include "seer/store/wal.hpp"
#include "support.hpp"

namespace seer::consensus {
namespace {

class RecordingOutbound final : public Outbound {
public:
    void broadcast(ByteView message) override { broadcasts.emplace_back(message.begin(), message.end()); }
    void send(PeerId peer, ByteView message) override {
        sends.emplace_back(peer, Bytes(message.begin(), message.end()));
    }
    std::vector<Message> decoded_broadcasts() const {
        std::vector<Message> out;
        for (const auto& b : broadcasts) {
            auto m = decode_message(b, 1u << 26);
            REQUIRE(m.ok());
            out.push_back(std::move(*m));
        }
        return out;
    }
    std::vector<Bytes> broadcasts;
    std::vector<std::pair<PeerId, Bytes>> sends;
};

/// A manual clock and a list of pending events, fired in due order by the test.
class ManualScheduler final : public Scheduler {
public:
    std::int64_t now_ms() override { return now; }
    void schedule(std::int64_t delay_ms, const TimerEvent& event) override {
        pending.push_back({now + delay_ms, m_seq++, event});
    }
    /// Removes and returns the earliest pending event; the clock jumps to its due time.
    std::optional<TimerEvent> pop_next() {
        if (pending.empty()) return std::nullopt;
        auto it = std::min_element(pending.begin(), pending.end(), [](const auto& a, const auto& b) {
            return std::tie(a.due, a.seq) < std::tie(b.due, b.seq);
        });
        const TimerEvent event = it->event;
        now = std::max(now, it->due);
        pending.erase(it);
        return event;
    }
    struct Pending {
        std::int64_t due;
        std::uint64_t seq;
        TimerEvent event;
    };
    std::int64_t now = 1'700'000'000'000;
    std::vector<Pending> pending;

private:
    std::uint64_t m_seq = 0;
};

/// A tiny key-value application: txs are "key=value"; the app hash covers the state and height.
/// Its committed state lives in the object, which the tests keep across a driver restart (a
/// persistent app) or replace with a fresh one (an app that lost its state).
class KvApp final : public Application {
public:
    InfoResponse info() override { return {"unit-kv/1", m_height, m_app_hash}; }
    CheckTxResponse check_tx(ByteView tx, CheckTxKind) override {
        CheckTxResponse r;
        if (!valid_tx(tx)) r.code = 1;
        return r;
    }
    PrepareProposalResponse prepare_proposal(const PrepareProposalRequest& r) override {
        return {r.txs};
    }
    ProposalStatus process_proposal(const ProcessProposalRequest& r) override {
        for (const auto& tx : *r.txs)
            if (!valid_tx(tx)) return ProposalStatus::reject;
        return ProposalStatus::accept;
    }
    Bytes extend_vote(const ExtendVoteRequest& r) override {
        return to_bytes("ext:" + std::to_string(r.height));
    }
    VerifyStatus verify_vote_extension(const VerifyVoteExtensionRequest& r) override {
        return seer::to_string(r.extension) == "ext:" + std::to_string(r.height)
                   ? VerifyStatus::accept
                   : VerifyStatus::reject;
    }
    FinalizeBlockResponse finalize_block(const FinalizeBlockRequest& r) override {
        finalized.push_back(r.height);
        last_commits[r.height] = r.decided_last_commit;
        m_pending = m_state;
        FinalizeBlockResponse resp;
        for (const auto& tx : *r.txs) {
            const std::string s = seer::to_string(tx);
            const auto eq = s.find('=');
            m_pending[s.substr(0, eq)] = s.substr(eq + 1);
            resp.tx_results.push_back({});
        }
        std::string image = std::to_string(r.height);
        for (const auto& [k, v] : m_pending) image += ";" + k + "=" + v;
        resp.app_hash = crypto::sha256(as_bytes(image));
        m_pending_height = r.height;
        m_pending_hash = resp.app_hash;
        return resp;
    }
    CommitResponse commit() override {
        m_state = m_pending;
        m_height = m_pending_height;
        m_app_hash = m_pending_hash;
        return {};
    }
    QueryResponse query(const QueryRequest&) override { return {}; }

    static bool valid_tx(ByteView tx) {
        const std::string s = seer::to_string(tx);
        const auto eq = s.find('=');
        return eq != std::string::npos && eq > 0 && eq + 1 < s.size();
    }

    const std::map<std::string, std::string>& state() const { return m_state; }
    std::int64_t height() const { return m_height; }
    const Hash& app_hash() const { return m_app_hash; }

    std::vector<std::int64_t> finalized;
    std::map<std::int64_t, ExtendedCommitInfo> last_commits;

private:
    std::map<std::string, std::string> m_state;
    std::map<std::string, std::string> m_pending;
    std::int64_t m_height = 0;
    std::int64_t m_pending_height = 0;
    Hash m_app_hash{};
    Hash m_pending_hash{};
};

/// Durable storage of one node: survives the Driver object, as a disk would.
struct NodeStorage {
    std::shared_ptr<store::KvStore> kv = store::make_memory_store({"blocks", "state"});
    store::MemoryWalMedium wal;
    std::shared_ptr<store::DurableValue> sign_state = store::make_memory_value();
    DriverStorage view() { return DriverStorage{*kv, wal, *sign_state}; }
};

DriverOptions options_for(const test::Validators& vals, std::size_t self) {
    DriverOptions o;
    o.chain_id = std::string(test::k_chain_id);
    o.genesis_validators = vals.set.validators();
    o.genesis_time = 1'600'000'000'000'000'000;
    o.validator_key = vals.key(self);
    return o;
}

/// Fires events in due order until `done` or the budget runs out.
template <class Done>
void run_until(Driver& driver, ManualScheduler& scheduler, Done done, int budget = 10000) {
    while (!done() && budget-- > 0) {
        auto event = scheduler.pop_next();
        if (!event) break;
        driver.on_timer(*event);
    }
}

std::uint64_t drops(const Driver& d) {
    std::uint64_t n = 0;
    for (const auto& [name, count] : d.counters())
        if (name.rfind("drop.", 0) == 0) n += count;
    return n;
}

std::uint64_t counter(const Driver& d, const std::string& name) {
    auto it = d.counters().find(name);
    return it == d.counters().end() ? 0 : it->second;
}

/// The driver logs every commit at info; keep test output to warnings. The driver uses the
/// logger named "consensus" if one is registered.
void quiet_logs() {
    auto logger = spdlog::get("consensus");
    if (!logger) {
        logger = spdlog::default_logger()->clone("consensus");
        spdlog::register_logger(logger);
    }
    logger->set_level(spdlog::level::warn);
}

void check_chain(const Driver& d, const test::Validators& vals, std::int64_t up_to) {
    for (std::int64_t h = 1; h <= up_to; ++h) {
        CAPTURE(h);
        auto b = d.block(h);
        REQUIRE(b.has_value());
        CHECK(b->header.height == h);
        CHECK(b->header.chain_id == test::k_chain_id);
        CHECK(b->header.data_hash == data_hash(b->txs));
        CHECK(b->header.last_commit_hash == commit_hash(b->last_commit));
        if (h == 1) {
            CHECK(b->last_commit.empty());
            CHECK(b->header.last_block_id.is_nil());
            continue;
        }
        auto prev = d.block(h - 1);
        REQUIRE(prev.has_value());
        CHECK(b->header.last_block_id == block_id_of(*prev));
        CHECK(b->header.time > prev->header.time);
        // The extended commit of h-1, signed, with the app's extension.
        const ExtendedCommit& c = b->last_commit;
        CHECK(c.height == h - 1);
        CHECK(c.block_id == block_id_of(*prev));
        REQUIRE(c.signatures.size() == vals.set.size());
        std::int64_t power = 0;
        for (std::size_t i = 0; i < c.signatures.size(); ++i) {
            const auto& s = c.signatures[i];
            if (s.flag != BlockIdFlag::commit) continue;
            power += vals.set.at(i).voting_power;
            CHECK(crypto::verify(vals.set.at(i).pub_key,
                                 vote_sign_bytes(test::k_chain_id, VoteType::precommit, h - 1,
                                                 c.round, c.block_id),
                                 s.signature));
            CHECK(seer::to_string(s.extension) == "ext:" + std::to_string(h - 1));
            CHECK(crypto::verify(vals.set.at(i).pub_key,
                                 extension_sign_bytes(test::k_chain_id, h - 1, c.round, s.extension),
                                 s.extension_signature));
        }
        CHECK(vals.set.is_two_thirds(power));
    }
}

}  // namespace

TEST_CASE("driver: a single validator commits blocks 1..5 and restarts from its stores") {
    quiet_logs();
    const auto vals = test::make_validators({10});
    NodeStorage disk;
    KvApp app;
    RecordingOutbound out;
    ManualScheduler scheduler;
    {
        Driver driver(options_for(vals, 0), app, disk.view(), out, scheduler);
        CHECK(driver.height() == 0);
        CHECK(driver.submit_tx(to_bytes("a=1")) == MempoolAddResult::added);
        CHECK(driver.submit_tx(to_bytes("b=2")) == MempoolAddResult::added);
        CHECK(driver.submit_tx(to_bytes("not-a-kv-tx")) == MempoolAddResult::rejected);
        driver.start();
        CHECK(driver.height() == 1);  // one validator: round 0 decides at once
        CHECK(driver.mempool().size() == 0);
        CHECK(driver.submit_tx(to_bytes("c=3")) == MempoolAddResult::added);
        CHECK(driver.submit_tx(to_bytes("a=1")) == MempoolAddResult::duplicate);  // committed
        run_until(driver, scheduler, [&] { return driver.height() >= 5; });
        REQUIRE(driver.height() == 5);

        check_chain(driver, vals, 5);
        CHECK(driver.block(1)->txs == std::vector<Bytes>{to_bytes("a=1"), to_bytes("b=2")});
        CHECK(driver.block(2)->txs == std::vector<Bytes>{to_bytes("c=3")});
        CHECK(app.state() == std::map<std::string, std::string>{{"a", "1"}, {"b", "2"}, {"c", "3"}});
        CHECK(app.height() == 5);
        CHECK(driver.app_hash() == app.app_hash());
        CHECK(app.finalized == std::vector<std::int64_t>{1, 2, 3, 4, 5});
        // finalize_block(h) received the extended commit of h-1.
        REQUIRE(app.last_commits[3].votes.size() == 1);
        CHECK(app.last_commits[3].votes[0].flag == BlockIdFlag::commit);
        CHECK(app.last_commits[3].votes[0].power == 10);
        CHECK(seer::to_string(app.last_commits[3].votes[0].extension) == "ext:2");
        CHECK(app.last_commits[1].votes.empty());

        // It told the world: a proposal, a prevote and a precommit per height.
        std::map<std::size_t, int> kinds;
        for (const auto& m : out.decoded_broadcasts()) ++kinds[m.index()];
        CHECK(kinds[0] == 5);       // ProposalMessage
        CHECK(kinds[1] == 10);      // VoteMessage
        CHECK(kinds[2] >= 1);       // StatusMessage (gossip)
        CHECK(drops(driver) == 0);
        CHECK(counter(driver, "privval.refused_vote") == 0);
        CHECK(counter(driver, "privval.refused_proposal") == 0);
    }  // the node stops; its disk stays

    SUBCASE("restart with the application's state intact") {
        RecordingOutbound out2;
        ManualScheduler scheduler2;
        scheduler2.now = scheduler.now + 60'000;
        Driver driver(options_for(vals, 0), app, disk.view(), out2, scheduler2);
        CHECK(driver.height() == 5);  // from the block store, before start
        REQUIRE(driver.block(5).has_value());
        const Block five = *driver.block(5);
        driver.start();
        CHECK(counter(driver, "handshake.replayed_blocks") == 0);
        CHECK(app.finalized == std::vector<std::int64_t>{1, 2, 3, 4, 5, 6});  // nothing replayed
        run_until(driver, scheduler2, [&] { return driver.height() >= 7; });
        CHECK(driver.height() == 7);
        CHECK(*driver.block(5) == five);
        check_chain(driver, vals, 7);
        CHECK(counter(driver, "privval.refused_vote") == 0);
        CHECK(counter(driver, "privval.refused_proposal") == 0);
        CHECK(driver.app_hash() == app.app_hash());
    }

    SUBCASE("restart with an application that lost its state: the handshake replays blocks") {
        KvApp fresh;
        RecordingOutbound out2;
        ManualScheduler scheduler2;
        scheduler2.now = scheduler.now + 60'000;
        Driver driver(options_for(vals, 0), fresh, disk.view(), out2, scheduler2);
        driver.start();
        CHECK(counter(driver, "handshake.replayed_blocks") == 5);
        CHECK(fresh.finalized.size() >= 5);
        CHECK(std::vector<std::int64_t>(fresh.finalized.begin(), fresh.finalized.begin() + 5) ==
              std::vector<std::int64_t>{1, 2, 3, 4, 5});
        // Same state as the app that never crashed, and the chain goes on from it.
        CHECK(fresh.state() == app.state());
        run_until(driver, scheduler2, [&] { return driver.height() >= 6; });
        CHECK(driver.height() == 6);
        CHECK(driver.block(6)->header.app_hash == app.app_hash());  // app hash after block 5
        check_chain(driver, vals, 6);
    }
}

TEST_CASE("driver: a validator restarted mid-height replays its WAL and never double-signs") {
    quiet_logs();
    // Self has power 2 of 3: it proposes round 0 but needs the other validator for +2/3.
    auto vals = test::make_validators({2, 1});
    const std::size_t self = 0;
    const std::size_t peer = 1;
    REQUIRE(vals.set.at(self).voting_power == 2);
    NodeStorage disk;
    KvApp app;
    RecordingOutbound out;
    ManualScheduler scheduler;
    Proposal proposal;
    Block block;
    Vote prevote;
    {
        Driver driver(options_for(vals, self), app, disk.view(), out, scheduler);
        driver.start();
        CHECK(driver.height() == 0);
        // It proposed and prevoted; without the peer nothing else happens.
        for (const auto& m : out.decoded_broadcasts()) {
            if (const auto* p = std::get_if<ProposalMessage>(&m)) {
                proposal = p->proposal;
                block = p->block;
            } else if (const auto* v = std::get_if<VoteMessage>(&m)) {
                prevote = v->vote;
            }
        }
        REQUIRE(proposal.height == 1);
        REQUIRE(prevote.type == VoteType::prevote);
        REQUIRE(prevote.block_id == proposal.block_id);
        REQUIRE(driver.state_machine() != nullptr);
        CHECK(driver.state_machine()->step() == Step::prevote);
    }  // crash

    // Restart later: the clock moved, so a freshly built block would differ from the signed one.
    RecordingOutbound out2;
    ManualScheduler scheduler2;
    scheduler2.now = scheduler.now + 5'000;
    Driver driver(options_for(vals, self), app, disk.view(), out2, scheduler2);
    driver.start();
    const StateMachine* sm = driver.state_machine();
    REQUIRE(sm != nullptr);
    CHECK(sm->height() == 1);
    CHECK(sm->round() == 0);
    // The proposal it signed before the crash is back (from the WAL), with its own prevote.
    REQUIRE(sm->proposal(0) != nullptr);
    CHECK(sm->proposal(0)->first == proposal);
    CHECK(sm->proposal(0)->second == block);
    const VoteSet* prevotes = sm->votes().find(0, VoteType::prevote);
    REQUIRE(prevotes != nullptr);
    REQUIRE(prevotes->get(self).has_value());
    CHECK(*prevotes->get(self) == prevote);
    // Whatever it broadcast after the restart agrees with what it signed before.
    for (const auto& m : out2.decoded_broadcasts()) {
        if (const auto* p = std::get_if<ProposalMessage>(&m)) {
            if (p->proposal.round == 0) CHECK(p->proposal == proposal);
        } else if (const auto* v = std::get_if<VoteMessage>(&m)) {
            if (v->vote.type == VoteType::prevote && v->vote.round == 0) CHECK(v->vote == prevote);
        }
    }

    // The peer's votes complete the height with the block signed before the crash.
    (void)driver.on_message(9, encode_message(VoteMessage{test::make_vote(vals, peer, VoteType::prevote, 1, 0, proposal.block_id)}));
    Vote peer_precommit = test::make_vote(vals, peer, VoteType::precommit, 1, 0, proposal.block_id);
    peer_precommit.extension = to_bytes("ext:1");
    const auto ext_sig =
        vals.key(peer).sign(extension_sign_bytes(test::k_chain_id, 1, 0, peer_precommit.extension));
    peer_precommit.extension_signature.assign(ext_sig.begin(), ext_sig.end());
    (void)driver.on_message(9, encode_message(VoteMessage{peer_precommit}));
    CHECK(driver.height() == 1);
    REQUIRE(driver.block(1).has_value());
    CHECK(*driver.block(1) == block);
    CHECK(counter(driver, "privval.refused_vote") == 0);
    CHECK(counter(driver, "drop.vote_signature") == 0);
    CHECK(counter(driver, "drop.proposal_signature") == 0);
    CHECK(counter(driver, "equivocation.vote") == 0);
    CHECK(counter(driver, "equivocation.proposal") == 0);
}

TEST_CASE("driver: garbage and forged messages are dropped and counted") {
    quiet_logs();
    const auto vals = test::make_validators({10});
    NodeStorage disk;
    KvApp app;
    RecordingOutbound out;
    ManualScheduler scheduler;
    Driver driver(options_for(vals, 0), app, disk.view(), out, scheduler);
    driver.start();
    REQUIRE(driver.height() == 1);
    const std::int64_t h = 2;  // the height in progress

    SUBCASE("random bytes") {
        const google::protobuf::LogSilencer quiet;
        std::mt19937_64 rng(99);
        std::uint64_t undecodable = 0;
        for (int i = 0; i < 2000; ++i) {
            Bytes bytes(rng() % 200);
            for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
            if (!decode_message(bytes, 8u << 20).ok()) ++undecodable;
            const std::uint64_t before = drops(driver);
            const Status status = driver.on_message(static_cast<PeerId>(i), bytes);
            // Undecodable bytes are the sender's fault: the node may ban it.
            CHECK(status.ok() == decode_message(bytes, 8u << 20).ok());
            if (!decode_message(bytes, 8u << 20).ok()) CHECK(drops(driver) == before + 1);
        }
        CHECK(undecodable > 1900);
        CHECK(drops(driver) >= undecodable);
        CHECK(counter(driver, "drop.undecodable") > 0);
    }

    SUBCASE("a vote with a bad signature") {
        Vote v = test::make_vote(vals, 0, VoteType::prevote, h, 0, test::block_id_from(1));
        v.signature[0] ^= 1;
        (void)driver.on_message(1, encode_message(VoteMessage{v}));
        CHECK(counter(driver, "drop.vote_signature") == 1);
        // Signed for another chain: same.
        Vote other_chain =
            test::make_vote(vals, 0, VoteType::prevote, h, 0, test::block_id_from(1), "other-chain");
        (void)driver.on_message(1, encode_message(VoteMessage{other_chain}));
        CHECK(counter(driver, "drop.vote_signature") == 2);
        const VoteSet* set = driver.state_machine()->votes().find(0, VoteType::prevote);
        CHECK((set == nullptr || !set->has(0)));
    }

    SUBCASE("a precommit with a bad extension signature") {
        Vote v = test::make_vote(vals, 0, VoteType::precommit, h, 0, test::block_id_from(1));
        v.extension = to_bytes("ext:2");
        v.extension_signature.assign(64, 0x01);
        (void)driver.on_message(1, encode_message(VoteMessage{v}));
        CHECK(counter(driver, "drop.extension_signature") == 1);
    }

    SUBCASE("votes from nowhere") {
        const auto stranger = test::make_validators({1}, 77);
        Vote v = test::make_vote(stranger, 0, VoteType::prevote, h, 0, test::block_id_from(1));
        (void)driver.on_message(1, encode_message(VoteMessage{v}));
        CHECK(counter(driver, "drop.vote_validator") == 1);
        v.validator_index = 5;
        (void)driver.on_message(1, encode_message(VoteMessage{v}));
        CHECK(counter(driver, "drop.vote_validator") == 2);
        Vote ahead = test::make_vote(vals, 0, VoteType::prevote, h + 3, 0, test::block_id_from(1));
        (void)driver.on_message(1, encode_message(VoteMessage{ahead}));
        CHECK(counter(driver, "drop.vote_height") == 1);
        // A vote of the height just finished changes nothing, but one that contradicts the
        // validator's own vote there is still detected as equivocation.
        Vote late = test::make_vote(vals, 0, VoteType::prevote, h - 1, 0, test::block_id_from(1));
        (void)driver.on_message(1, encode_message(VoteMessage{late}));
        CHECK(counter(driver, "drop.vote_height") == 1);
        CHECK(counter(driver, "equivocation.vote") == 1);
        CHECK(driver.height() == 1);
        Vote far = test::make_vote(vals, 0, VoteType::prevote, h, 1000, test::block_id_from(1));
        (void)driver.on_message(1, encode_message(VoteMessage{far}));
        CHECK(counter(driver, "drop.vote_round") == 1);
    }

    SUBCASE("a proposal with a bad signature") {
        const Block b = test::make_block(h, 1, vals.set.at(0).address);
        Proposal p = test::make_proposal(vals, 0, h, 0, -1, b);
        p.signature[10] ^= 0x40;
        (void)driver.on_message(1, encode_message(ProposalMessage{p, b}));
        CHECK(counter(driver, "drop.proposal_signature") == 1);
        CHECK(driver.state_machine()->proposal(0) == nullptr);
    }

    SUBCASE("oversized and malformed messages") {
        Bytes big(9u << 20, 0x00);
        CHECK_FALSE(driver.on_message(1, big).ok());
        CHECK(counter(driver, "drop.too_large") == 1);
        Vote v = test::make_vote(vals, 0, VoteType::prevote, h, 0, test::block_id_from(1));
        v.extension = to_bytes("x");  // a prevote never carries one
        (void)driver.on_message(1, encode_message(VoteMessage{v}));
        CHECK(counter(driver, "drop.bad_extension") == 1);
    }

    // Whatever it was fed, the node goes on committing.
    run_until(driver, scheduler, [&] { return driver.height() >= 3; });
    CHECK(driver.height() == 3);
    check_chain(driver, vals, 3);
}

TEST_CASE("driver: a follower catches up from block responses") {
    quiet_logs();
    // Node A (the only validator) makes blocks; node B (no key) is fed A's block responses.
    const auto vals = test::make_validators({10});
    NodeStorage disk_a;
    KvApp app_a;
    RecordingOutbound out_a;
    ManualScheduler sched_a;
    Driver a(options_for(vals, 0), app_a, disk_a.view(), out_a, sched_a);
    a.start();
    run_until(a, sched_a, [&] { return a.height() >= 3; });
    REQUIRE(a.height() == 3);

    DriverOptions follower = options_for(vals, 0);
    follower.validator_key.reset();
    NodeStorage disk_b;
    KvApp app_b;
    RecordingOutbound out_b;
    ManualScheduler sched_b;
    Driver b(follower, app_b, disk_b.view(), out_b, sched_b);
    b.start();
    CHECK(b.height() == 0);
    // B asks A for blocks from 1; A answers; B applies what verifies.
    (void)a.on_message(2, encode_message(BlockRequestMessage{1}));
    REQUIRE(out_a.sends.size() >= 3);
    // A forged commit is refused.
    {
        auto m = decode_message(out_a.sends[0].second, 1u << 26);
        REQUIRE(m.ok());
        auto forged = std::get<BlockResponseMessage>(*m);
        forged.commit.signatures[0].signature[0] ^= 1;
        (void)b.on_message(1, encode_message(forged));
        CHECK(counter(b, "drop.block_response_commit") == 1);
        CHECK(b.height() == 0);
    }
    // Block 1 with a non-empty last commit (height 0 but signatures), correctly hashed and
    // decided by a valid commit: the initial block must carry no last commit at all.
    {
        Block junk = *a.block(1);
        junk.last_commit.round = 1;
        ExtendedCommitSig sig;
        sig.flag = BlockIdFlag::absent;
        sig.validator_address = vals.set.at(0).address;
        junk.last_commit.signatures = {sig};
        junk.header.last_commit_hash = commit_hash(junk.last_commit);
        const BlockId id = block_id_of(junk);
        ExtendedCommit c;
        c.height = 1;
        c.block_id = id;
        ExtendedCommitSig yes;
        yes.flag = BlockIdFlag::commit;
        yes.validator_address = vals.set.at(0).address;
        const auto vote_sig =
            vals.key(0).sign(vote_sign_bytes(test::k_chain_id, VoteType::precommit, 1, 0, id));
        yes.signature.assign(vote_sig.begin(), vote_sig.end());
        yes.extension = to_bytes("ext:1");
        const auto ext_sig =
            vals.key(0).sign(extension_sign_bytes(test::k_chain_id, 1, 0, yes.extension));
        yes.extension_signature.assign(ext_sig.begin(), ext_sig.end());
        c.signatures = {yes};
        (void)b.on_message(1, encode_message(BlockResponseMessage{junk, c}));
        CHECK(counter(b, "drop.block_response_invalid") == 1);
        CHECK(counter(b, "block.invalid.last_commit") == 1);
        CHECK(b.height() == 0);
    }
    for (const auto& [peer, bytes] : out_a.sends) (void)b.on_message(1, bytes);
    CHECK(b.height() == 3);
    CHECK(*b.block(3) == *a.block(3));
    CHECK(app_b.state() == app_a.state());
    CHECK(b.app_hash() == a.app_hash());
}

}  // namespace seer::consensus
