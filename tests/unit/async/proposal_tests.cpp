// process_proposal: the deterministic checks of a block (DESIGN §4 step 4). Whatever a byzantine
// proposer puts in a block is refused here, and finalize_block never fails on what passed.

#include "support.hpp"

namespace seer::async::test {
namespace {

Params proposal_params() {
    Params p;
    p.max_input_bytes = 64;
    p.max_output_bytes = 16;
    p.max_results_per_block = 2;
    p.max_results_bytes = 64;
    return p;
}

/// Four validators; futures 1..3 pending (height 1), future 4 EXECUTED (result at height 2).
struct Proposals {
    Chain chain{validators(4, 1), genesis(proposal_params())};
    Proposals() {
        chain.next({signed_tx(0, 0, "echo", "one"), signed_tx(0, 1, "echo", "two"),
                    signed_tx(0, 2, "echo", "three"), signed_tx(1, 0, "echo", "four")});
        const std::vector<Bytes> block{results_tx(a(), {output(4, "four")})};
        REQUIRE(process(app(), 2, block, a()) == ProposalStatus::accept);
        chain.next(block, 0);
        REQUIRE(future(app(), 4).status() == v1::FUTURE_STATUS_EXECUTED);
    }
    Application& app() { return chain.app(); }
    const Address& a() const { return chain.vs.addresses[0]; }
    const Address& b() const { return chain.vs.addresses[1]; }
    ProposalStatus propose(const std::vector<Bytes>& txs) { return process(app(), 3, txs, a()); }
};

TEST_CASE("process_proposal accepts a well-formed block") {
    Proposals t;
    CHECK(t.propose({}) == ProposalStatus::accept);
    CHECK(t.propose({results_tx(t.a(), {output(1, "one"), failure(2, "syntax: x")})}) ==
          ProposalStatus::accept);
    CHECK(t.propose({results_tx(t.a(), {output(1, std::string(16, 'x'))}), signed_tx(1, 1),
                     signed_tx(1, 2), signed_tx(2, 0)}) == ProposalStatus::accept);
    // Accepting does not change state.
    CHECK(future(t.app(), 1).status() == v1::FUTURE_STATUS_PENDING);
}

TEST_CASE("process_proposal rejects a bad results tx") {
    Proposals t;
    SUBCASE("not at index 0") {
        CHECK(t.propose({signed_tx(1, 1), results_tx(t.a(), {output(1, "one")})}) ==
              ProposalStatus::reject);
    }
    SUBCASE("two results txs") {
        CHECK(t.propose({results_tx(t.a(), {output(1, "one")}),
                         results_tx(t.a(), {output(2, "two")})}) == ProposalStatus::reject);
    }
    SUBCASE("proposer field is not the block proposer") {
        CHECK(t.propose({results_tx(t.b(), {output(1, "one")})}) == ProposalStatus::reject);
        // The same tx is fine in B's block.
        CHECK(process(t.app(), 3, {results_tx(t.b(), {output(1, "one")})}, t.b()) ==
              ProposalStatus::accept);
    }
    SUBCASE("unknown future") {
        CHECK(t.propose({results_tx(t.a(), {output(99, "x")})}) == ProposalStatus::reject);
        CHECK(t.propose({results_tx(t.a(), {output(0, "x")})}) == ProposalStatus::reject);
    }
    SUBCASE("future not PENDING") {
        CHECK(t.propose({results_tx(t.a(), {output(4, "four")})}) == ProposalStatus::reject);
    }
    SUBCASE("duplicate ids") {
        CHECK(t.propose({results_tx(t.a(), {output(1, "one"), output(1, "one")})}) ==
              ProposalStatus::reject);
    }
    SUBCASE("wrong attempt") {
        CHECK(t.propose({results_tx(t.a(), {output(1, "one", 1)})}) == ProposalStatus::reject);
    }
    SUBCASE("output over max_output_bytes") {
        CHECK(t.propose({results_tx(t.a(), {output(1, std::string(17, 'x'))})}) ==
              ProposalStatus::reject);
    }
    SUBCASE("error text over the limit") {
        CHECK(t.propose({results_tx(t.a(), {failure(1, std::string(1025, 'e'))})}) ==
              ProposalStatus::reject);
    }
    SUBCASE("more than max_results_per_block") {
        CHECK(t.propose({results_tx(t.a(), {output(1, "one"), output(2, "two"),
                                            output(3, "three")})}) == ProposalStatus::reject);
    }
    SUBCASE("both output and error") {
        auto e = output(1, "one");
        e.error = "and an error";
        CHECK(t.propose({results_tx(t.a(), {e})}) == ProposalStatus::reject);
    }
    SUBCASE("undecodable") {
        CHECK(t.propose({Bytes{0x00, 0xff, 0xff, 0xff}}) == ProposalStatus::reject);
        CHECK(t.propose({Bytes{0x00}}) == ProposalStatus::reject);  // no proposer
        Bytes short_proposer{0x00, 0x0a, 0x03, 0x01, 0x02, 0x03};   // proposer of 3 bytes
        CHECK(t.propose({short_proposer}) == ProposalStatus::reject);
    }
    SUBCASE("no results") {
        CHECK(t.propose({results_tx(t.a(), {})}) == ProposalStatus::reject);
    }
}

TEST_CASE("process_proposal rejects an invalid user tx") {
    Proposals t;
    SUBCASE("bad signature") {
        Bytes bad = signed_tx(1, 1);
        bad.back() ^= 0x01;
        CHECK(t.propose({bad}) == ProposalStatus::reject);
    }
    SUBCASE("sequence gap") {
        CHECK(t.propose({signed_tx(1, 2)}) == ProposalStatus::reject);
    }
    SUBCASE("replayed sequence inside the block") {
        CHECK(t.propose({signed_tx(1, 1), signed_tx(1, 1, "echo", "again")}) ==
              ProposalStatus::reject);
    }
    SUBCASE("garbage") {
        CHECK(t.propose({Bytes{0xff, 0x01}}) == ProposalStatus::reject);
    }
    SUBCASE("empty tx") {
        CHECK(t.propose({Bytes{}}) == ProposalStatus::reject);
    }
    SUBCASE("unknown handler") {
        CHECK(t.propose({signed_tx(1, 1, "weather", "x")}) == ProposalStatus::reject);
    }
    SUBCASE("over the pending cap") {
        Params p = proposal_params();
        p.max_pending_per_account = 1;
        Chain c(validators(1), genesis(p));
        CHECK(process(c.app(), 1, {signed_tx(0, 0), signed_tx(0, 1)}, c.vs.addresses[0]) ==
              ProposalStatus::reject);
        CHECK(process(c.app(), 1, {signed_tx(0, 0), signed_tx(1, 0)}, c.vs.addresses[0]) ==
              ProposalStatus::accept);
    }
}

TEST_CASE("finalize_block never fails on a block that process_proposal would refuse") {
    // A block decided by 2/3+ of the power cannot contain these, but finalize_block is defensive:
    // bad entries are skipped, good ones applied, and the app hash still moves on.
    Proposals t;
    const auto hash_before = t.app().info().last_block_app_hash;
    const std::vector<Bytes> block{
        results_tx(t.a(), {output(2, "two"), output(2, "dup"), output(99, "x")}),
        results_tx(t.a(), {output(3, "three")}), Bytes{}, Bytes{0xff}};
    auto r = finalize(t.app(), 3, block, t.a(), last_commit(t.chain.vs));
    t.app().commit();
    REQUIRE(r.tx_results.size() == 4);
    // A results tx elsewhere than index 0 is a user tx with the reserved marker.
    CHECK(r.tx_results[1].code == static_cast<std::uint32_t>(Code::reserved_marker));
    CHECK(r.tx_results[1].codespace == k_codespace);
    CHECK(r.tx_results[2].code == static_cast<std::uint32_t>(app::SdkCode::tx_decode));
    CHECK(r.tx_results[3].code == static_cast<std::uint32_t>(app::SdkCode::tx_decode));
    CHECK(r.tx_results[3].codespace == app::k_sdk_codespace);
    CHECK(future(t.app(), 2).status() == v1::FUTURE_STATUS_EXECUTED);
    CHECK(future(t.app(), 2).result().output() == "two");
    CHECK(future(t.app(), 3).status() == v1::FUTURE_STATUS_PENDING);
    CHECK(future(t.app(), 4).result().output() == "four");
    CHECK(t.app().info().last_block_height == 3);
    CHECK(t.app().info().last_block_app_hash != hash_before);
}

}  // namespace
}  // namespace seer::async::test
