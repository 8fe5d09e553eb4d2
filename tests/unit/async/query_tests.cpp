// abci_query paths of the module, read back with the seer.async.v1 proto types.

#include <set>

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
    v1::PageRequest r;
    r.set_limit(limit);
    r.set_key(key);
    return to_bytes(r.SerializeAsString());
}

std::vector<std::uint64_t> ids(const v1::QueryFuturesResponse& r) {
    std::vector<std::uint64_t> out;
    for (const auto& f : r.futures()) out.push_back(f.id());
    return out;
}

std::vector<std::uint64_t> range(std::uint64_t first, std::uint64_t last) {
    std::vector<std::uint64_t> out;
    for (std::uint64_t i = first; i <= last; ++i) out.push_back(i);
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
        for (auto id : ids(page)) out.push_back(id);
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
        for (std::uint64_t s = 0; s < 15; ++s) txs.push_back(signed_tx(0, s, "echo", "u0"));
        for (std::uint64_t s = 0; s < 10; ++s) txs.push_back(signed_tx(1, s, "echo", "u1"));
        auto h1 = chain.next(txs);
        for (const auto& r : h1.tx_results) REQUIRE(r.code == 0);
        std::vector<ResultEntry> results;
        for (std::uint64_t id = 1; id <= 5; ++id) results.push_back(output(id, "u0"));
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
    CHECK(query(t.app(), "bank/balance").code == 18);
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
    CHECK(query(t.app(), "async/futures",
                futures_request("", v1::FUTURE_STATUS_UNSPECIFIED, 1001))
              .code == 18);
    CHECK(query(t.app(), "async/futures",
                futures_request("", v1::FUTURE_STATUS_UNSPECIFIED, 1000))
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
    for (const auto& f : all.futures()) CHECK(f.status() == v1::FUTURE_STATUS_PENDING);
    std::size_t pages = 0;
    auto paged = all_pages(
        t.app(), "async/pending_futures", [](const std::string& key) { return page_request(10, key); },
        10, &pages);
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

TEST_CASE("query async/account/<bech32>") {
    Queries t;
    auto a0 = parse_as<v1::QueryAccountResponse>(query(t.app(), "async/account/" + user_bech32(0)))
                  .account();
    CHECK(a0.address() == user_bech32(0));
    CHECK(a0.account_number() == 0);
    CHECK(a0.sequence() == 15);
    const auto pk = user(0).public_key();
    CHECK(a0.pub_key() == std::string(pk.begin(), pk.end()));

    auto a3 = parse_as<v1::QueryAccountResponse>(query(t.app(), "async/account/" + user_bech32(3)))
                  .account();
    CHECK(a3.account_number() == 3);
    CHECK(a3.sequence() == 0);
    CHECK(a3.pub_key().empty());  // no tx yet

    const auto stranger = crypto::to_bech32_address(crypto::address_of(key(200).public_key()));
    auto missing = query(t.app(), "async/account/" + stranger);
    CHECK(missing.code == 38);
    CHECK(contains(missing.log, stranger));
    CHECK(query(t.app(), "async/account/seer1notanaddress").code == 18);
    CHECK(query(t.app(), "async/account/").code == 18);
    // A valid bech32 address with another prefix is refused.
    CHECK(query(t.app(), "async/account/" + crypto::to_bech32_address(user_address(0), "cosmos"))
              .code == 18);
}

}  // namespace
}  // namespace seer::async::test
