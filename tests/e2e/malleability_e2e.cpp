// No tx malleability on a real node (issue 11, part 2). Before, a signed tx re-encoded in any
// of these ways was accepted and committed under a new hash, while the original hash read "not
// found":
//   - an unknown field appended to TxRaw;
//   - a duplicate body_bytes field;
//   - a non-minimal varint length.
// Here each is refused at broadcast_tx_sync as not canonical, and the original tx is committed
// under its own hash.

#include <doctest/doctest.h>

#include "process.hpp"
#include "seer/common/base64.hpp"
#include "seer/crypto/address.hpp"
#include "signed_tx.hpp"

namespace seer::e2e {
namespace {

namespace json = boost::json;

/// The first length-delimited field 1 of a protobuf message: where its length varint starts and
/// ends, and its payload.
struct Field1 {
    std::size_t length_at = 0, payload_at = 0, length = 0;
};
Field1 field1(const std::string& m) {
    Field1 f;
    REQUIRE(m.size() > 2);
    REQUIRE(m[0] == '\x0a');
    f.length_at = 1;
    std::size_t i = 1;
    for (int shift = 0; i < m.size(); shift += 7) {
        const auto b = static_cast<unsigned char>(m[i++]);
        f.length |= static_cast<std::size_t>(b & 0x7f) << shift;
        if ((b & 0x80) == 0) break;
    }
    f.payload_at = i;
    REQUIRE(f.payload_at + f.length <= m.size());
    return f;
}

std::string hash_hex(const std::string& tx) {
    return to_hex(crypto::sha256(as_bytes(tx)), true);
}

/// broadcast_tx_sync: the result's code and log (code -1 when the node did not answer).
std::pair<std::int64_t, std::string> broadcast(std::uint16_t rpc, const std::string& tx) {
    const std::string body = json::serialize(json::object{
        {"jsonrpc", "2.0"},
        {"id", 1},
        {"method", "broadcast_tx_sync"},
        {"params", json::object{{"tx", to_base64(as_bytes(tx))}}}});
    auto reply = http_post(rpc, body);
    if (!reply) return {-1, "no answer"};
    boost::system::error_code ec;
    auto v = json::parse(*reply, ec);
    if (ec || !v.is_object() || !v.as_object().contains("result")) return {-1, *reply};
    const auto& r = v.at("result").as_object();
    return {r.at("code").to_number<std::int64_t>(), std::string(r.at("log").as_string())};
}

}  // namespace

TEST_CASE("e2e: a signed tx re-encoded another way is refused; the original commits under its "
          "own hash") {
    OneValidatorNet net("seer-malleability");
    REQUIRE(net.ok());
    const std::string& dir = net.dir;
    const std::uint16_t base = net.base;
    const std::string& home = net.home;
    const std::uint16_t rpc = net.rpc;
    const std::uint16_t api = static_cast<std::uint16_t>(base + 10);
    {
        Process g;
        g.start({SEER_BINARY, "bench", "genesis", "--accounts", "1", "--home", home},
                dir + "/genesis.log");
        REQUIRE(g.wait_exit(std::chrono::seconds(60)) == 0);
    }
    Process node;
    node.start({SEER_BINARY, "start", "--home", home}, home + "/seer.log");
    REQUIRE(wait_until(std::chrono::seconds(60), [&] { return rpc_height(rpc) >= 2; }));

    const auto status = rpc_get(rpc, "/status");
    REQUIRE(status);
    const std::string chain_id(status->at("node_info").at("network").as_string());
    const auto key = bench_key(0);
    const std::string address = crypto::to_bech32_address(key.address());
    auto account = http_get(api, "/cosmos/auth/v1beta1/accounts/" + address);
    REQUIRE_MESSAGE(account, "the bench account is not in genesis");
    const auto acc = json::parse(*account).at("account");
    auto num = [](const json::value& v) {
        return v.is_string() ? std::stoull(std::string(v.as_string())) : v.to_number<std::uint64_t>();
    };
    const std::string tx = add_future_tx(key, address, chain_id, num(acc.at("account_number")),
                                         num(acc.at("sequence")), "echo", "malleable?");
    const Field1 body = field1(tx);

    struct Variant {
        std::string name, bytes;
    };
    std::vector<Variant> variants;
    {
        std::string unknown = tx;
        pb_u64(unknown, 9, 1);  // TxRaw has fields 1-3
        variants.push_back({"an unknown field appended to TxRaw", unknown});
    }
    {
        std::string duplicate = tx;
        pb_len(duplicate, 1, tx.substr(body.payload_at, body.length));
        variants.push_back({"a duplicate body_bytes field", duplicate});
    }
    {
        // The body's length as a varint one byte longer than it needs: the last byte gets a
        // continuation bit, then a zero byte follows.
        std::string padded = tx.substr(0, body.payload_at);
        padded.back() = static_cast<char>(static_cast<unsigned char>(padded.back()) | 0x80);
        padded.push_back('\0');
        padded += tx.substr(body.payload_at);
        variants.push_back({"a non-minimal varint length", padded});
    }
    for (const auto& v : variants) {
        INFO(v.name);
        REQUIRE(v.bytes != tx);
        const auto [code, log] = broadcast(rpc, v.bytes);
        CHECK(code > 0);
        CHECK_MESSAGE(log.find("canonical") != std::string::npos, log);
    }
    // The original is accepted, then found under its own hash.
    const auto [code, log] = broadcast(rpc, tx);
    REQUIRE_MESSAGE(code == 0, log);
    const std::string hash = hash_hex(tx);
    REQUIRE(wait_until(std::chrono::seconds(60), [&] {
        auto r = rpc_get(rpc, "/tx?hash=0x" + hash);
        return r && r->as_object().contains("height");
    }));
    for (const auto& v : variants) {
        INFO(v.name);
        auto r = rpc_get(rpc, "/tx?hash=0x" + hash_hex(v.bytes));
        CHECK_FALSE((r && r->as_object().contains("height")));
    }
    node.stop();
}

}  // namespace seer::e2e
