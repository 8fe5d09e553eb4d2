// Large outputs off chain (issue 8 item 5): the output store, the hash-only results entry, its
// checks in process_proposal, verification by a validator's own execution, and the REJECTED
// vote of a validator that cannot get the bytes.

#include "support.hpp"

namespace seer::async::test {
namespace {

Bytes pattern(std::size_t n) {
    Bytes b(n);
    for (std::size_t i = 0; i < n; ++i)
        b[i] = static_cast<std::uint8_t>('a' + (i * 7) % 26);
    return b;
}

ResultEntry off_chain(std::uint64_t id, ByteView bytes, std::uint32_t attempt = 0) {
    ResultEntry e;
    e.future_id = id;
    e.attempt = attempt;
    const auto h = crypto::sha256(bytes);
    e.output_sha256 = Bytes(h.begin(), h.end());
    e.output_size = bytes.size();
    return e;
}

TEST_CASE("OutputStore: chunks of 1 MiB, whole and by chunk, unknown hashes") {
    auto kv = store::make_memory_store({std::string(k_outputs_column)});
    auto outputs = make_output_store(*kv);
    const Bytes big = pattern(2 * k_output_chunk_bytes + 12345);
    const auto h = crypto::sha256(big);
    CHECK_FALSE(outputs->has(h));
    CHECK_FALSE(outputs->get(h).has_value());
    outputs->put(h, big);
    CHECK(outputs->has(h));
    auto whole = outputs->get(h);
    REQUIRE(whole);
    CHECK(*whole == big);
    auto c0 = outputs->chunk(h, 0);
    REQUIRE(c0);
    CHECK(c0->first == big.size());
    CHECK(c0->second.size() == k_output_chunk_bytes);
    auto c2 = outputs->chunk(h, 2);
    REQUIRE(c2);
    CHECK(c2->second.size() == 12345);
    CHECK(Bytes(big.end() - 12345, big.end()) == c2->second);
    CHECK_FALSE(outputs->chunk(h, 3).has_value());
    const Bytes tiny = to_bytes("x");
    outputs->put(crypto::sha256(tiny), tiny);
    CHECK(outputs->get(crypto::sha256(tiny)) == tiny);
}

TEST_CASE("results tx: off-chain entries round-trip and are checked") {
    const Bytes big = pattern(3000);
    ResultsTx tx;
    tx.proposer = validator(0);
    tx.results = {off_chain(1, big), output(2, "small")};
    auto decoded = decode_results_tx(encode_results_tx(tx));
    REQUIRE(decoded.ok());
    CHECK(decoded->results == tx.results);
    CHECK(encode_results_tx(tx).size() < 200);  // the 3000 bytes are not in it

    Chain chain(validators(4, 1), genesis());
    chain.next({signed_tx(0, 0, "echo", to_string(big)), signed_tx(0, 1, "echo", "two")});
    const Address a = chain.vs.addresses[0];
    auto propose = [&](std::vector<ResultEntry> entries) {
        return process(chain.app(), 2, {results_tx(a, std::move(entries))}, a);
    };
    CHECK(propose({off_chain(1, big)}) == ProposalStatus::accept);
    SUBCASE("an off-chain output no larger than max_inline_output_bytes") {
        CHECK(propose({off_chain(1, pattern(1024))}) == ProposalStatus::reject);
    }
    SUBCASE("an off-chain output over max_output_bytes") {
        auto e = off_chain(1, big);
        e.output_size = 16 * 1024 * 1024 + 1;
        CHECK(propose({e}) == ProposalStatus::reject);
    }
    SUBCASE("a hash that is not 32 bytes") {
        auto e = off_chain(1, big);
        e.output_sha256.pop_back();
        CHECK(propose({e}) == ProposalStatus::reject);
    }
    SUBCASE("an off-chain entry that carries bytes too") {
        auto e = off_chain(1, big);
        e.output = to_bytes("x");
        CHECK(propose({e}) == ProposalStatus::reject);
    }
    SUBCASE("an inline output over max_inline_output_bytes") {
        CHECK(propose({output(1, to_string(pattern(1025)))}) == ProposalStatus::reject);
    }
    SUBCASE("a size without a hash") {
        auto e = output(2, "two");
        e.output_size = 3;
        CHECK(propose({e}) == ProposalStatus::reject);
    }
}

TEST_CASE("off chain: the proposer puts hash and size in its block and keeps the bytes") {
    Chain chain(validators(1), genesis(), 0, /*with_prophet=*/true);
    const Bytes big = pattern(5000);
    chain.next({signed_tx(0, 0, "echo", to_string(big))});
    settle(*chain.node.prophet);
    consensus::PrepareProposalRequest prep;
    prep.height = 2;
    prep.time = 2'000'000'000;
    prep.proposer_address = chain.vs.addresses[0];
    prep.max_tx_bytes = 1 << 20;
    auto proposal = chain.app().prepare_proposal(prep);
    REQUIRE(proposal.txs.size() == 1);
    CHECK(proposal.txs[0].size() < 200);
    auto decoded = decode_results_tx(proposal.txs[0]);
    REQUIRE(decoded.ok());
    REQUIRE(decoded->results.size() == 1);
    CHECK(decoded->results[0] == off_chain(1, big));
    const auto h = crypto::sha256(big);
    CHECK(chain.node.outputs->get(h) == big);

    REQUIRE(process(chain.app(), 2, proposal.txs, chain.vs.addresses[0]) == ProposalStatus::accept);
    auto h2 = chain.next(proposal.txs);
    auto done = events_of(h2, "future_verified", 1);
    REQUIRE(done.size() == 1);
    CHECK(attribute(done[0], "output_sha256") == to_hex(h));
    CHECK(attribute(done[0], "output_size") == "5000");
    CHECK(attribute(done[0], "output").empty());  // too large for the event
    auto f = future(chain.app(), 1);
    CHECK(f.status() == v1::FUTURE_STATUS_VERIFIED);
    CHECK(f.result().output().empty());
    CHECK(f.result().output_sha256() == std::string(h.begin(), h.end()));
    CHECK(f.result().output_size() == 5000);
}

TEST_CASE(
    "off chain: a validator verifies by its own execution, or votes REJECTED without the bytes") {
    // This node is validator B and runs a prophet; A proposes.
    Chain chain(validators(4, 1), genesis(), 1, /*with_prophet=*/true);
    auto& app = chain.app();
    const Address a = chain.vs.addresses[0];
    const Bytes one = pattern(2000);
    const Bytes two = pattern(3000);
    // Future 3's handler (hashchain) is not enabled on this node's prophet.
    chain.next({signed_tx(0, 0, "echo", to_string(one)), signed_tx(0, 1, "echo", to_string(two)),
                signed_tx(0, 2, "hashchain", to_string(two))});
    settle(*chain.node.prophet);

    // Future 1's claim is the true output; future 2's names bytes nobody has (a withheld or
    // wrong output: B's own run gives another hash).
    const Bytes other = pattern(3001);
    auto wrong = off_chain(2, other);
    wrong.output_size = two.size();
    const Hash hash = block_hash(2);
    auto unjudged = off_chain(3, other);
    unjudged.output_size = two.size();
    const std::vector<Bytes> block{results_tx(a, {off_chain(1, one), wrong, unjudged})};
    REQUIRE(process(app, 2, block, a, hash) == ProposalStatus::accept);
    settle(*chain.node.prophet);
    // B's own execution of future 1 has the claimed hash: it keeps the bytes.
    CHECK(chain.node.outputs->get(crypto::sha256(one)) == one);
    // For future 2 it asks its peers.
    REQUIRE_FALSE(chain.node.fetches->empty());
    CHECK(chain.node.fetches->back() == crypto::sha256(other));

    consensus::ExtendVoteRequest ev;
    ev.height = 2;
    ev.hash = hash;
    const Bytes ext = app.extend_vote(ev);
    auto decoded = decode_extension(ext);
    REQUIRE(decoded.ok());
    CHECK(decoded->verified_bits == Bytes{0x01});  // entry 0, future 1
    CHECK(decoded->votes.empty());                 // no verdict on future 2 yet
    chain.next(block, 0);
    chain.next({}, 0, {{1, ext}});
    CHECK(future(app, 1).votes_size() == 2);  // A (submitter) and B

    // Without the bytes for 5 blocks, B votes REJECTED on future 2.
    // Future 3 it cannot judge at all (no handler): it never votes on it.
    std::optional<ExtensionVote> rejection;
    bool voted_on_3 = false;
    for (std::int64_t h = 4; h <= 14; ++h) {
        ev.height = h;
        ev.hash = block_hash(h);
        auto e = decode_extension(app.extend_vote(ev));
        REQUIRE(e.ok());
        for (const auto& v : e->votes) {
            if (v.future_id == 2) rejection = v;
            voted_on_3 |= v.future_id == 3;
        }
        chain.next({}, 0);
    }
    CHECK_FALSE(voted_on_3);
    REQUIRE(rejection);
    CHECK(rejection->value == VoteValue::rejected);
    CHECK(rejection->attempt == 0);
    CHECK(future(app, 2).status() == v1::FUTURE_STATUS_EXECUTED);
}

}  // namespace
}  // namespace seer::async::test
