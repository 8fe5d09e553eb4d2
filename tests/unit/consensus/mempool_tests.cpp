// The mempool: bounds, dedup with a cache, check_tx and re-check, FIFO reaping.

#include <doctest/doctest.h>

#include <set>

#include "seer/consensus/mempool.hpp"

namespace seer::consensus {
namespace {

/// check_tx rejects txs starting with 'x'; on re-check it also rejects those in `reject_on_recheck`.
class FakeApp final : public Application {
public:
    InfoResponse info() override { return {}; }
    CheckTxResponse check_tx(ByteView bytes, CheckTxKind kind) override {
        const std::string s = seer::to_string(bytes);
        (kind == CheckTxKind::new_tx ? checks : rechecks).push_back(s);
        CheckTxResponse r;
        if (!s.empty() && s[0] == 'x') {
            r.code = 7;
            r.log = "starts with x";
        } else if (kind == CheckTxKind::recheck && reject_on_recheck.count(s)) {
            r.code = 8;
        }
        return r;
    }
    PrepareProposalResponse prepare_proposal(const PrepareProposalRequest& r) override {
        return {r.txs};
    }
    ProposalStatus process_proposal(const ProcessProposalRequest&) override {
        return ProposalStatus::accept;
    }
    Bytes extend_vote(const ExtendVoteRequest&) override { return {}; }
    VerifyStatus verify_vote_extension(const VerifyVoteExtensionRequest&) override {
        return VerifyStatus::accept;
    }
    FinalizeBlockResponse finalize_block(const FinalizeBlockRequest&) override { return {}; }
    CommitResponse commit() override { return {}; }
    QueryResponse query(const QueryRequest&) override { return {}; }

    std::vector<std::string> checks;
    std::vector<std::string> rechecks;
    std::set<std::string> reject_on_recheck;
};

Bytes tx(std::string_view s) { return to_bytes(s); }

std::vector<std::string> as_strings(const std::vector<Bytes>& txs) {
    std::vector<std::string> out;
    for (const auto& t : txs) out.push_back(seer::to_string(t));
    return out;
}

}  // namespace

TEST_CASE("mempool: bounded by count") {
    FakeApp app;
    MempoolOptions options;
    options.max_txs = 3;
    Mempool pool(options, app);
    CHECK(pool.add(tx("a=1")) == MempoolAddResult::added);
    CHECK(pool.add(tx("b=2")) == MempoolAddResult::added);
    CHECK(pool.add(tx("c=3")) == MempoolAddResult::added);
    CHECK(pool.add(tx("d=4")) == MempoolAddResult::full);
    CHECK(pool.size() == 3);
    CHECK(app.checks.size() == 3);  // a full pool does not bother the app
    // Room again after a commit.
    pool.update({tx("a=1")});
    CHECK(pool.add(tx("d=4")) == MempoolAddResult::added);
}

TEST_CASE("mempool: bounded by bytes and by tx size") {
    FakeApp app;
    MempoolOptions options;
    options.max_bytes = 10;
    options.max_tx_bytes = 8;
    Mempool pool(options, app);
    CHECK(pool.add(tx("aaaaaa")) == MempoolAddResult::added);  // 6
    CHECK(pool.add(tx("bbbbb")) == MempoolAddResult::full);    // 6 + 5 > 10
    CHECK(pool.add(tx("cccc")) == MempoolAddResult::added);    // 6 + 4 == 10
    CHECK(pool.bytes() == 10);
    CHECK(pool.add(tx("d")) == MempoolAddResult::full);
    CHECK(pool.add(tx("123456789")) == MempoolAddResult::too_large);  // > max_tx_bytes
    CHECK(pool.add(Bytes{}) == MempoolAddResult::too_large);          // empty is never a tx
    CHECK(pool.size() == 2);
}

TEST_CASE("mempool: duplicates are refused, also after commit") {
    FakeApp app;
    Mempool pool(MempoolOptions{}, app);
    CHECK(pool.add(tx("a=1")) == MempoolAddResult::added);
    CHECK(pool.add(tx("a=1")) == MempoolAddResult::duplicate);
    CHECK(app.checks.size() == 1);
    CHECK(pool.size() == 1);

    pool.update({tx("a=1")});
    CHECK(pool.size() == 0);
    CHECK(pool.bytes() == 0);
    // Committed: the cache remembers it, so a replayed tx is not included twice.
    CHECK(pool.add(tx("a=1")) == MempoolAddResult::duplicate);
    // A tx committed in a block without ever passing through this mempool is remembered too.
    pool.update({tx("z=9")});
    CHECK(pool.add(tx("z=9")) == MempoolAddResult::duplicate);
    CHECK(app.checks.size() == 1);
}

TEST_CASE("mempool: a tx still in the pool is a duplicate even when evicted from the cache") {
    FakeApp app;
    MempoolOptions options;
    options.cache_size = 1;
    Mempool pool(options, app);
    CHECK(pool.add(tx("a=1")) == MempoolAddResult::added);
    CHECK(pool.add(tx("b=2")) == MempoolAddResult::added);  // evicts a=1 from the cache
    CHECK(pool.add(tx("a=1")) == MempoolAddResult::duplicate);
    CHECK(pool.size() == 2);
}

TEST_CASE("mempool: rejected txs are not kept and report the app's answer") {
    FakeApp app;
    Mempool pool(MempoolOptions{}, app);
    CheckTxResponse response;
    CHECK(pool.add(tx("xbad"), &response) == MempoolAddResult::rejected);
    CHECK(response.code == 7);
    CHECK(response.log == "starts with x");
    CHECK(pool.size() == 0);
    CHECK(pool.bytes() == 0);
    CHECK(pool.reap(1000).empty());
    CheckTxResponse ok;
    ok.code = 99;
    CHECK(pool.add(tx("good"), &ok) == MempoolAddResult::added);
    CHECK(ok.code == 0);
}

TEST_CASE("mempool: reap is FIFO up to a byte limit") {
    FakeApp app;
    Mempool pool(MempoolOptions{}, app);
    for (const char* s : {"one", "two", "three", "four", "five"})
        REQUIRE(pool.add(tx(s)) == MempoolAddResult::added);
    CHECK(as_strings(pool.reap(1000)) ==
          std::vector<std::string>{"one", "two", "three", "four", "five"});
    CHECK(as_strings(pool.reap(11)) == std::vector<std::string>{"one", "two", "three"});  // 3+3+5
    CHECK(as_strings(pool.reap(10)) == std::vector<std::string>{"one", "two"});
    CHECK(pool.reap(2).empty());
    CHECK(pool.reap(0).empty());
    CHECK(as_strings(pool.txs(2)) == std::vector<std::string>{"one", "two"});
    // Reaping does not remove.
    CHECK(pool.size() == 5);
    CHECK(pool.bytes() == 3 + 3 + 5 + 4 + 4);
}

TEST_CASE("mempool: update removes committed txs and re-checks the rest") {
    FakeApp app;
    Mempool pool(MempoolOptions{}, app);
    for (const char* s : {"a=1", "b=2", "c=3", "d=4", "e=5"})
        REQUIRE(pool.add(tx(s)) == MempoolAddResult::added);
    app.reject_on_recheck = {"b=2", "e=5"};  // state changed: these are no longer valid

    pool.update({tx("c=3"), tx("q=0")});
    // c=3 committed; b=2 and e=5 fail the re-check; the survivors keep their order.
    CHECK(as_strings(pool.txs(100)) == std::vector<std::string>{"a=1", "d=4"});
    CHECK(pool.size() == 2);
    CHECK(pool.bytes() == 6);
    // Every tx left after removing the committed ones was re-checked, as a re-check.
    CHECK(app.rechecks == std::vector<std::string>{"a=1", "b=2", "d=4", "e=5"});
    CHECK(as_strings(pool.reap(1000)) == std::vector<std::string>{"a=1", "d=4"});
    // A tx dropped by the re-check may be sent again once valid; a committed one never.
    app.reject_on_recheck.clear();
    CHECK(pool.add(tx("b=2")) == MempoolAddResult::added);
    CHECK(pool.add(tx("c=3")) == MempoolAddResult::duplicate);
}

}  // namespace seer::consensus
