// Wire formats of tx.hpp: results tx and vote extension round trips and bad input.

#include "support.hpp"

namespace seer::async::test {
namespace {

TEST_CASE("results tx: round trip, marker, bad input") {
    ResultsTx tx;
    tx.proposer = validator(0);
    tx.results = {output(1, "six"), failure(2, "syntax: at 0", 3), output(3, std::string(1, '\0'))};
    const Bytes bytes = encode_results_tx(tx);
    REQUIRE_FALSE(bytes.empty());
    CHECK(bytes[0] == k_results_tx_marker);
    auto back = decode_results_tx(bytes);
    REQUIRE(back.ok());
    CHECK(back->proposer == tx.proposer);
    CHECK(back->results == tx.results);

    CHECK(decode_results_tx(Bytes{}).error().reason == "not_results_tx");
    CHECK(decode_results_tx(Bytes(bytes.begin() + 1, bytes.end())).error().reason ==
          "not_results_tx");
    CHECK(decode_results_tx(Bytes{0x00, 0xff, 0xff}).error().reason == "undecodable");
    CHECK(decode_results_tx(Bytes{0x00}).error().reason == "bad_proposer");
    // Every prefix of a valid tx either decodes or is refused; none crashes.
    for (std::size_t n = 0; n <= bytes.size(); ++n)
        (void)decode_results_tx(ByteView(bytes.data(), n));
}

TEST_CASE("vote extension: round trip and bad input") {
    const std::vector<ExtensionVote> votes{verified(1), rejected(2, 4), verified(1ull << 60, 99)};
    const Bytes bytes = encode_vote_extension(votes);
    auto back = decode_vote_extension(bytes);
    REQUIRE(back.ok());
    CHECK(*back == votes);

    auto empty = decode_vote_extension(Bytes{});
    REQUIRE(empty.ok());
    CHECK(empty->empty());
    CHECK(encode_vote_extension({}).empty());

    CHECK_FALSE(decode_vote_extension(Bytes{0xff, 0xff}).ok());
    v1::VoteExtension m;
    m.add_votes()->set_future_id(1);  // value left UNSPECIFIED
    CHECK(decode_vote_extension(to_bytes(m.SerializeAsString())).error().reason ==
          "bad_vote_value");
    m.mutable_votes(0)->set_value(static_cast<v1::VoteValue>(3));
    CHECK(decode_vote_extension(to_bytes(m.SerializeAsString())).error().reason ==
          "bad_vote_value");
    for (std::size_t n = 0; n <= bytes.size(); ++n)
        (void)decode_vote_extension(ByteView(bytes.data(), n));
}

TEST_CASE("add-future tx: hash and determinism") {
    const Bytes a = signed_tx(0, 0, "echo", "x");
    CHECK(a == signed_tx(0, 0, "echo", "x"));  // ed25519 signatures are deterministic
    CHECK(a != signed_tx(0, 1, "echo", "x"));
    CHECK(tx_hash(a) == crypto::sha256(a));
    CHECK(a[0] != k_results_tx_marker);
}

}  // namespace
}  // namespace seer::async::test
