#include <doctest/doctest.h>

#include <random>

#include "../../../node/src/tx_batch.hpp"

namespace seer::node::detail {
namespace {

Bytes b(std::string_view s) { return Bytes(s.begin(), s.end()); }

TEST_CASE("tx batch: round trip, in order, in CometBFT's Message{Txs} shape") {
    TxBatch batch;
    CHECK(batch.empty());
    const std::vector<Bytes> txs = {b("a"), Bytes(300, 7), b("third")};
    for (const auto& t : txs)
        batch.add(t);
    CHECK(batch.count() == 3);
    const Bytes msg = batch.take();
    CHECK(batch.empty());
    // Message.txs (field 1, bytes) holding Txs.txs (field 1, bytes) three times.
    CHECK(msg[0] == 0x0a);
    auto decoded = decode_tx_batch(msg);
    REQUIRE(decoded.has_value());
    REQUIRE(decoded->size() == 3);
    for (std::size_t i = 0; i < 3; ++i)
        CHECK(Bytes(decoded->at(i).begin(), decoded->at(i).end()) == txs[i]);
    // 3 + 303 + 7 bytes of Txs, behind a tag and a 2-byte length.
    CHECK(msg.size() == 1 + 2 + 313);
}

TEST_CASE("tx batch: anything but a well-formed batch of non-empty txs is refused") {
    TxBatch one;
    one.add(b("tx"));
    const Bytes good = one.take();
    CHECK(decode_tx_batch(good).has_value());
    CHECK_FALSE(decode_tx_batch({}).has_value());
    CHECK_FALSE(decode_tx_batch(b("\x0a\x00")).has_value());          // no tx
    CHECK_FALSE(decode_tx_batch(b("\x0a\x02\x0a\x00")).has_value());  // an empty tx
    Bytes trailing = good;
    trailing.push_back(0);
    CHECK_FALSE(decode_tx_batch(trailing).has_value());
    Bytes truncated(good.begin(), good.end() - 1);
    CHECK_FALSE(decode_tx_batch(truncated).has_value());
    Bytes other_field = good;
    other_field[0] = 0x12;
    CHECK_FALSE(decode_tx_batch(other_field).has_value());
    // A raw tx (what 0.1.0 sent) is not a batch unless it happens to parse as one.
    CHECK_FALSE(decode_tx_batch(b("\x0a\x05hello\x12\x01x")).has_value());
    CHECK_FALSE(decode_tx_batch(b("\x0a\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01")).has_value());

    // Random bytes never crash the decoder, and what it accepts re-encodes to the same bytes.
    std::mt19937 rng(7);
    for (int round = 0; round < 20000; ++round) {
        Bytes m(rng() % 24);
        for (auto& c : m)
            c = static_cast<std::uint8_t>(rng() % 4 == 0 ? 0x0a : rng());
        auto d = decode_tx_batch(m);
        if (!d) continue;
        TxBatch again;
        for (ByteView tx : *d)
            again.add(tx);
        // Only minimal varints re-encode equal; a non-minimal length still decodes.
        const Bytes re = again.take();
        CHECK(re.size() <= m.size());
    }
}

}  // namespace
}  // namespace seer::node::detail
