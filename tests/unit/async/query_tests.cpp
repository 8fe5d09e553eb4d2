// abci_query paths of the module, read back with the seer.async.v1 proto types.

#include <algorithm>
#include <set>

#include "cosmos/auth/v1beta1/auth.pb.h"
#include "cosmos/crypto/ed25519/keys.pb.h"
#include "support.hpp"

namespace seer::async::test {
namespace {

Bytes futures_request(std::string creator, v1::FutureStatus status, std::uint64_t limit,
                      const std::string& key = {}) {
    v1::QueryFuturesRequest r;
    r.set_creator(std::move(creator));
    r.set_status(status);
    r.mutable_pagination()->set_limit(limit);
    r.mutable_pagination()->set_key(key);
    return to_bytes(r.SerializeAsString());
}

Bytes page_request(std::uint64_t limit, const std::string& key = {}) {
    v1::QueryPendingFuturesRequest r;
    r.mutable_pagination()->set_limit(limit);
    r.mutable_pagination()->set_key(key);
    return to_bytes(r.SerializeAsString());
}

/// async/futures with every pagination field.
Bytes futures_page(std::uint64_t offset, std::uint64_t limit, bool count_total, bool reverse,
                   const std::string& key = {}) {
    v1::QueryFuturesRequest r;
    auto* p = r.mutable_pagination();
    p->set_key(key);
    p->set_offset(offset);
    p->set_limit(limit);
    p->set_count_total(count_total);
    p->set_reverse(reverse);
    return to_bytes(r.SerializeAsString());
}

std::vector<std::uint64_t> ids(const v1::QueryFuturesResponse& r) {
    std::vector<std::uint64_t> out;
    for (const auto& f : r.futures())
        out.push_back(f.id());
    return out;
}

std::vector<std::uint64_t> range(std::uint64_t first, std::uint64_t last) {
    std::vector<std::uint64_t> out;
    for (std::uint64_t i = first; i <= last; ++i)
        out.push_back(i);
    return out;
}

/// Follows next_key from the first page to the last; returns every id in order.
std::vector<std::uint64_t> all_pages(Application& app, const std::string& path,
                                     const std::function<Bytes(const std::string&)>& request,
                                     std::size_t limit, std::size_t* pages) {
    std::vector<std::uint64_t> out;
    std::string key;
    *pages = 0;
    for (int guard = 0; guard < 100; ++guard) {
        auto page = parse_as<v1::QueryFuturesResponse>(query(app, path, request(key)));
        ++*pages;
        CHECK(static_cast<std::size_t>(page.futures_size()) <= limit);
        for (auto id : ids(page))
            out.push_back(id);
        key = page.pagination().next_key();
        if (key.empty()) return out;
        CHECK(static_cast<std::size_t>(page.futures_size()) == limit);
    }
    FAIL("pagination does not end");
    return out;
}

/// Single validator: user 0 creates futures 1..15, user 1 creates 16..25 (height 1); futures
/// 1..5 are VERIFIED at height 2; 6..25 stay PENDING.
struct Queries {
    Chain chain{validators(1), genesis()};
    Queries() {
        std::vector<Bytes> txs;
        for (std::uint64_t s = 0; s < 15; ++s)
            txs.push_back(signed_tx(0, s, "echo", "u0"));
        for (std::uint64_t s = 0; s < 10; ++s)
            txs.push_back(signed_tx(1, s, "echo", "u1"));
        auto h1 = chain.next(txs);
        for (const auto& r : h1.tx_results)
            REQUIRE(r.code == 0);
        std::vector<ResultEntry> results;
        for (std::uint64_t id = 1; id <= 5; ++id)
            results.push_back(output(id, "u0"));
        chain.next({results_tx(chain.vs.addresses[0], results)});
        REQUIRE(future(app(), 5).status() == v1::FUTURE_STATUS_VERIFIED);
    }
    Application& app() { return chain.app(); }
};

TEST_CASE("query async/future/<id>") {
    Queries t;
    auto r = query(t.app(), "async/future/3");
    CHECK(r.code == 0);
    CHECK(r.height == 2);
    auto f = parse_as<v1::QueryFutureResponse>(r).future();
    CHECK(f.id() == 3);
    CHECK(f.creator() == user_bech32(0));
    CHECK(f.handler() == "echo");
    CHECK(f.input() == "u0");
    CHECK(f.status() == v1::FUTURE_STATUS_VERIFIED);
    CHECK(f.result().output() == "u0");
    // A leading slash is accepted, as CometBFT clients send it.
    CHECK(query(t.app(), "/async/future/3").value == r.value);

    auto missing = query(t.app(), "async/future/26");
    CHECK(missing.code == 38);
    CHECK(missing.codespace == k_codespace);
    CHECK(contains(missing.log, "26"));
    CHECK(query(t.app(), "async/future/0").code == 38);
    for (const char* bad : {"async/future/abc", "async/future/", "async/future/-1",
                            "async/future/1x", "async/future/99999999999999999999999"}) {
        INFO(bad);
        CHECK(query(t.app(), bad).code == 18);
    }
    CHECK(query(t.app(), "async/nothing").code == 18);
    // A path no module routes is the SDK's unknown request.
    auto unrouted = query(t.app(), "bank/balance");
    CHECK(unrouted.code == static_cast<std::uint32_t>(app::SdkCode::unknown_request));
    CHECK(unrouted.codespace == app::k_sdk_codespace);
}

TEST_CASE("query async/futures: pagination round trip") {
    Queries t;
    std::size_t pages = 0;
    auto all = all_pages(
        t.app(), "async/futures",
        [](const std::string& key) {
            return futures_request("", v1::FUTURE_STATUS_UNSPECIFIED, 10, key);
        },
        10, &pages);
    CHECK(pages == 3);
    CHECK(all == range(1, 25));

    // No data at all: the first 100.
    auto everything = parse_as<v1::QueryFuturesResponse>(query(t.app(), "async/futures"));
    CHECK(ids(everything) == range(1, 25));
    CHECK(everything.pagination().next_key().empty());

    // Exactly one page of 25: no next key.
    auto exact = parse_as<v1::QueryFuturesResponse>(
        query(t.app(), "async/futures", futures_request("", v1::FUTURE_STATUS_UNSPECIFIED, 25)));
    CHECK(exact.futures_size() == 25);
    CHECK(exact.pagination().next_key().empty());
}

TEST_CASE("query async/futures: creator and status filters") {
    Queries t;
    auto by = [&](std::string creator, v1::FutureStatus status) {
        return ids(parse_as<v1::QueryFuturesResponse>(
            query(t.app(), "async/futures", futures_request(std::move(creator), status, 0))));
    };
    CHECK(by(user_bech32(0), v1::FUTURE_STATUS_UNSPECIFIED) == range(1, 15));
    CHECK(by(user_bech32(1), v1::FUTURE_STATUS_UNSPECIFIED) == range(16, 25));
    CHECK(by(user_bech32(2), v1::FUTURE_STATUS_UNSPECIFIED).empty());
    CHECK(by(user_bech32(0), v1::FUTURE_STATUS_VERIFIED) == range(1, 5));
    CHECK(by(user_bech32(0), v1::FUTURE_STATUS_PENDING) == range(6, 15));
    CHECK(by(user_bech32(1), v1::FUTURE_STATUS_VERIFIED).empty());
    CHECK(by("", v1::FUTURE_STATUS_PENDING) == range(6, 25));
    CHECK(by("", v1::FUTURE_STATUS_VERIFIED) == range(1, 5));
    CHECK(by("", v1::FUTURE_STATUS_TIMED_OUT).empty());

    // Filters combine with pagination.
    std::size_t pages = 0;
    auto pending0 = all_pages(
        t.app(), "async/futures",
        [](const std::string& key) {
            return futures_request(user_bech32(0), v1::FUTURE_STATUS_PENDING, 4, key);
        },
        4, &pages);
    CHECK(pending0 == range(6, 15));
    CHECK(pages == 3);
    auto creator1 = all_pages(
        t.app(), "async/futures",
        [](const std::string& key) {
            return futures_request(user_bech32(1), v1::FUTURE_STATUS_UNSPECIFIED, 3, key);
        },
        3, &pages);
    CHECK(creator1 == range(16, 25));
    CHECK(pages == 4);
}

TEST_CASE("query async/futures: bad requests") {
    Queries t;
    CHECK(query(t.app(), "async/futures", Bytes{0xff, 0xff}).code == 18);
    CHECK(query(t.app(), "async/futures", futures_request("", v1::FUTURE_STATUS_UNSPECIFIED, 1001))
              .code == 18);
    CHECK(query(t.app(), "async/futures", futures_request("", v1::FUTURE_STATUS_UNSPECIFIED, 1000))
              .code == 0);
    CHECK(query(t.app(), "async/futures",
                futures_request("", v1::FUTURE_STATUS_UNSPECIFIED, 10, "abc"))
              .code == 18);
    CHECK(query(t.app(), "async/pending_futures", Bytes{0xff, 0xff}).code == 18);
}

TEST_CASE("query async/pending_futures") {
    Queries t;
    auto all = parse_as<v1::QueryFuturesResponse>(query(t.app(), "async/pending_futures"));
    CHECK(ids(all) == range(6, 25));
    for (const auto& f : all.futures())
        CHECK(f.status() == v1::FUTURE_STATUS_PENDING);
    std::size_t pages = 0;
    auto paged = all_pages(
        t.app(), "async/pending_futures",
        [](const std::string& key) { return page_request(10, key); }, 10, &pages);
    CHECK(paged == range(6, 25));
    CHECK(pages == 2);
}

TEST_CASE("query async/params and async/handlers") {
    Params p;
    p.max_input_bytes = 1234;
    p.timeout_blocks = 77;
    p.max_attempts = 5;
    Chain chain(validators(1), genesis(p));
    auto params = parse_as<v1::QueryParamsResponse>(query(chain.app(), "async/params")).params();
    CHECK(params.max_input_bytes() == 1234);
    CHECK(params.max_output_bytes() == p.max_output_bytes);
    CHECK(params.max_results_per_block() == p.max_results_per_block);
    CHECK(params.max_results_bytes() == p.max_results_bytes);
    CHECK(params.max_votes_per_extension() == p.max_votes_per_extension);
    CHECK(params.max_extension_bytes() == p.max_extension_bytes);
    CHECK(params.timeout_blocks() == 77);
    CHECK(params.max_attempts() == 5);
    CHECK(params.prune_after_blocks() == p.prune_after_blocks);
    CHECK(params.max_pending_per_account() == p.max_pending_per_account);
    CHECK(params.max_prune_per_block() == p.max_prune_per_block);

    auto handlers = parse_as<v1::QueryHandlersResponse>(query(chain.app(), "async/handlers"));
    REQUIRE(handlers.handlers_size() == 3);
    CHECK(handlers.handlers(0).name() == "echo");
    CHECK(handlers.handlers(0).description() == "output = input");
    CHECK(handlers.handlers(1).name() == "math");
    CHECK(handlers.handlers(2).name() == "hashchain");

    // After a restart they come from the store.
    chain.next({});
    chain.node.restart();
    auto again = parse_as<v1::QueryParamsResponse>(query(chain.app(), "async/params")).params();
    CHECK(again.SerializeAsString() == params.SerializeAsString());
    CHECK(parse_as<v1::QueryHandlersResponse>(query(chain.app(), "async/handlers"))
              .SerializeAsString() == handlers.SerializeAsString());
}

TEST_CASE("query async/futures: offset, count_total and reverse") {
    Queries t;
    auto page = [&](std::uint64_t offset, std::uint64_t limit, bool count_total, bool reverse,
                    const std::string& key = {}) {
        return parse_as<v1::QueryFuturesResponse>(query(
            t.app(), "async/futures", futures_page(offset, limit, count_total, reverse, key)));
    };
    // offset skips that many entries; the next key still points past the page.
    auto p = page(20, 3, false, false);
    CHECK(ids(p) == range(21, 23));
    CHECK_FALSE(p.pagination().next_key().empty());
    CHECK(p.pagination().total() == 0);  // not asked for
    CHECK(ids(page(23, 10, false, false)) == range(24, 25));
    CHECK(page(23, 10, false, false).pagination().next_key().empty());
    CHECK(page(25, 10, false, false).futures_size() == 0);
    CHECK(page(1000, 10, false, false).futures_size() == 0);

    // count_total gives the number of matching futures, whatever the page.
    CHECK(page(0, 5, true, false).pagination().total() == 25);
    CHECK(page(10, 5, true, false).pagination().total() == 25);
    {
        v1::QueryFuturesRequest r;
        r.set_status(v1::FUTURE_STATUS_VERIFIED);
        r.mutable_pagination()->set_count_total(true);
        r.mutable_pagination()->set_limit(2);
        auto v = parse_as<v1::QueryFuturesResponse>(
            query(t.app(), "async/futures", to_bytes(r.SerializeAsString())));
        CHECK(ids(v) == range(1, 2));
        CHECK(v.pagination().total() == 5);
    }

    // reverse visits from the highest ID down, with offset and with next_key.
    auto r1 = page(0, 4, false, true);
    CHECK(ids(r1) == std::vector<std::uint64_t>{25, 24, 23, 22});
    REQUIRE_FALSE(r1.pagination().next_key().empty());
    CHECK(ids(page(2, 3, false, true)) == std::vector<std::uint64_t>{23, 22, 21});
    auto r2 = page(0, 4, false, true, r1.pagination().next_key());
    CHECK(ids(r2) == std::vector<std::uint64_t>{21, 20, 19, 18});
    // Walking every reverse page yields every ID once, descending.
    std::vector<std::uint64_t> down;
    std::string key;
    for (int guard = 0; guard < 20; ++guard) {
        auto pg = page(0, 7, false, true, key);
        for (auto id : ids(pg))
            down.push_back(id);
        key = pg.pagination().next_key();
        if (key.empty()) break;
    }
    std::vector<std::uint64_t> expected = range(1, 25);
    std::reverse(expected.begin(), expected.end());
    CHECK(down == expected);

    // Both a key and an offset is an invalid request, as in the SDK.
    CHECK(query(t.app(), "async/futures",
                futures_page(1, 4, false, false, r1.pagination().next_key()))
              .code == 18);
    // The gRPC path answers the same.
    CHECK(query(t.app(), "/seer.async.v1.Query/Futures", futures_page(20, 3, true, false)).value ==
          query(t.app(), "async/futures", futures_page(20, 3, true, false)).value);
}

TEST_CASE("query /cosmos.auth.v1beta1.Query/Account") {
    Queries t;
    auto account = [&](const std::string& address) {
        cosmos::auth::v1beta1::QueryAccountRequest r;
        r.set_address(address);
        return query(t.app(), "/cosmos.auth.v1beta1.Query/Account",
                     to_bytes(r.SerializeAsString()));
    };
    auto base = [&](const std::string& address) {
        auto r = parse_as<cosmos::auth::v1beta1::QueryAccountResponse>(account(address));
        REQUIRE(r.account().type_url() == app::k_base_account_type_url);
        cosmos::auth::v1beta1::BaseAccount acc;
        REQUIRE(acc.ParseFromString(r.account().value()));
        return acc;
    };
    CHECK(account(user_bech32(0)).height == 2);
    auto a0 = base(user_bech32(0));
    CHECK(a0.address() == user_bech32(0));
    CHECK(a0.account_number() == 0);
    CHECK(a0.sequence() == 15);  // 15 txs at height 1
    // The first tx set the key: an ed25519 PubKey Any.
    REQUIRE(a0.has_pub_key());
    CHECK(a0.pub_key().type_url() == "/cosmos.crypto.ed25519.PubKey");
    cosmos::crypto::ed25519::PubKey pk;
    REQUIRE(pk.ParseFromString(a0.pub_key().value()));
    const auto expected = user(0).public_key();
    CHECK(pk.key() == std::string(expected.begin(), expected.end()));

    auto a1 = base(user_bech32(1));
    CHECK(a1.account_number() == 1);
    CHECK(a1.sequence() == 10);

    auto a3 = base(user_bech32(3));
    CHECK(a3.account_number() == 3);
    CHECK(a3.sequence() == 0);
    CHECK_FALSE(a3.has_pub_key());  // no tx yet

    // One more tx moves the sequence.
    t.chain.next({signed_tx(3, 0)});
    auto a3b = base(user_bech32(3));
    CHECK(a3b.sequence() == 1);
    CHECK(a3b.has_pub_key());
    CHECK(a3b.account_number() == 3);

    const auto stranger = crypto::to_bech32_address(crypto::address_of(key(200).public_key()));
    auto missing = account(stranger);
    CHECK(missing.code == 22);
    CHECK(missing.codespace == app::k_sdk_codespace);
    CHECK(contains(missing.log, "NotFound"));
    CHECK(contains(missing.log, stranger));
    CHECK(account("seer1notanaddress").code == 7);
    CHECK(account("").code == 7);
    // A valid bech32 address with another prefix is refused.
    CHECK(account(crypto::to_bech32_address(user_address(0), "cosmos")).code == 7);
    // Data that is not a QueryAccountRequest.
    CHECK(query(t.app(), "/cosmos.auth.v1beta1.Query/Account", Bytes{0xff, 0xff}).code == 18);
}

}  // namespace
}  // namespace seer::async::test
