// Gas metering, Simulate, and the bank's queries.

#include "support.hpp"

namespace seer::app::test {
namespace {

const AuthParams k_auth{};  // the genesis here uses the default auth params

std::uint64_t expected_gas(std::size_t tx_bytes, std::uint64_t sig_cost, std::size_t messages,
                           std::uint64_t handler_gas) {
    return k_auth.tx_size_cost_per_byte * tx_bytes + sig_cost + k_auth.gas_per_msg * messages +
           handler_gas;
}

TEST_CASE("gas: size, signature, messages and handler gas; a lower limit is out of gas") {
    async::AppGenesis module = genesis();
    module.handlers[0].gas = 1234;  // echo
    Chain chain(validators(1), funded_genesis(1'000'000, module));
    auto& app = chain.app();

    const Bytes fut = future_tx(0, 0);
    const Bytes send = send_tx(0, 1, stranger(), 5);
    auto r = chain.next({fut, send});
    REQUIRE(r.tx_results[0].code == 0);
    REQUIRE(r.tx_results[1].code == 0);
    CHECK(r.tx_results[0].gas_wanted == static_cast<std::int64_t>(k_default_gas_limit));
    CHECK(r.tx_results[0].gas_used == static_cast<std::int64_t>(expected_gas(
                                          fut.size(), k_auth.sig_verify_cost_ed25519, 1, 1234)));
    CHECK(r.tx_results[1].gas_used == static_cast<std::int64_t>(expected_gas(
                                          send.size(), k_auth.sig_verify_cost_ed25519, 1, 0)));

    // Two messages: gas_per_msg twice, each future's handler gas.
    const Bytes two = build_tx(account_key(0), options(0, 2),
                               {msg_add_future(user_bech32(0), "echo", as_bytes("a")),
                                msg_add_future(user_bech32(0), "math", as_bytes("1+1"))});
    auto r2 = chain.next({two});
    REQUIRE(r2.tx_results[0].code == 0);
    CHECK(r2.tx_results[0].gas_used == static_cast<std::int64_t>(expected_gas(
                                           two.size(), k_auth.sig_verify_cost_ed25519, 2, 1234)));

    // The exact limit passes and one less is out of gas (the limit's varint keeps its size).
    std::uint64_t limit = k_default_gas_limit;
    Bytes tx;
    for (int i = 0; i < 5; ++i) {
        tx = future_tx(0, 3, 0, limit);
        const std::uint64_t need = expected_gas(tx.size(), k_auth.sig_verify_cost_ed25519, 1, 1234);
        if (need == limit) break;
        limit = need;
    }
    REQUIRE(expected_gas(tx.size(), k_auth.sig_verify_cost_ed25519, 1, 1234) == limit);
    const Bytes short_tx = future_tx(0, 3, 0, limit - 1);
    REQUIRE(short_tx.size() == tx.size());
    auto out = check(app, short_tx);
    CHECK(out.code == code(SdkCode::out_of_gas));
    CHECK(out.codespace == k_sdk_codespace);
    CHECK(contains(out.log, "out of gas"));
    CHECK(check(app, tx).code == 0);
    // In a block too: refused before any write (the sequence is not used).
    auto r3 = chain.next({short_tx});
    CHECK(r3.tx_results[0].code == code(SdkCode::out_of_gas));
    CHECK(r3.tx_results[0].gas_wanted == static_cast<std::int64_t>(limit - 1));
    CHECK(chain.next({tx}).tx_results[0].code == 0);

    // Over max_gas_per_tx.
    auto huge = check(app, future_tx(0, 4, 0, k_auth.max_gas_per_tx + 1));
    CHECK(huge.code == code(SdkCode::invalid_gas_limit));
}

TEST_CASE("block max_gas: check_tx refuses a tx above it, proposals stay within it") {
    Chain chain(validators(1), funded_genesis());
    chain.node.max_block_gas = static_cast<std::int64_t>(3 * k_default_gas_limit);
    chain.node.restart();
    auto& app = chain.app();

    // One tx wanting more than a whole block can never be included: refused at check_tx.
    auto over = check(app, future_tx(0, 0, 0, 3 * k_default_gas_limit + 1));
    CHECK(over.code == code(SdkCode::invalid_gas_limit));
    CHECK(contains(over.log, "exceeds block max gas"));
    CHECK(check(app, future_tx(0, 0, 0, 3 * k_default_gas_limit)).code == 0);

    // prepare_proposal: three txs of the default limit fit; the fourth and the rest wait, in
    // order, even the small one behind them.
    consensus::PrepareProposalRequest prep;
    prep.height = 1;
    prep.proposer_address = chain.vs.addresses[0];
    prep.max_tx_bytes = 1 << 20;
    for (std::uint64_t s = 0; s < 5; ++s)
        prep.txs.push_back(future_tx(0, s));
    prep.txs.push_back(send_tx(1, 0, stranger(), 1, 0, 50'000));
    auto proposal = app.prepare_proposal(prep);
    REQUIRE(proposal.txs.size() == 3);
    for (std::size_t i = 0; i < 3; ++i)
        CHECK(proposal.txs[i] == prep.txs[i]);

    // process_proposal: the same three pass; four are over the limit and the block is rejected.
    consensus::ProcessProposalRequest proc;
    proc.height = 1;
    proc.proposer_address = chain.vs.addresses[0];
    proc.txs = &proposal.txs;
    CHECK(app.process_proposal(proc) == consensus::ProposalStatus::accept);
    std::vector<Bytes> four(prep.txs.begin(), prep.txs.begin() + 4);
    proc.txs = &four;
    CHECK(app.process_proposal(proc) == consensus::ProposalStatus::reject);

    // Without a limit (-1, CometBFT's default), all six are proposed.
    chain.node.max_block_gas = -1;
    chain.node.restart();
    CHECK(chain.app().prepare_proposal(prep).txs.size() == 6);
}

TEST_CASE("Simulate: an unsigned tx gets the gas deliver reports, plus the signature padding") {
    async::AppGenesis module = genesis();
    module.handlers[0].gas = 500;
    Chain chain(validators(1), funded_genesis(1'000'000, module));
    auto& app = chain.app();
    const auto pub = account_key(0).public_key();

    for (const bool future_msg : {true, false}) {
        INFO("future message: " << future_msg);
        const auto seq = static_cast<std::uint64_t>(future_msg ? 0 : 1);
        const TxOptions o = options(0, seq, /*fee=*/100);
        const std::vector<Msg> msgs{future_msg
                                        ? msg_add_future(user_bech32(0), "echo", as_bytes("sim"))
                                        : msg_send(user_bech32(0), stranger(), useer(9))};
        const Bytes unsigned_tx = build_unsigned_tx(pub, o, msgs);
        const Bytes signed_tx = build_tx(account_key(0), o, msgs);
        REQUIRE(signed_tx.size() > unsigned_tx.size());

        cosmos::tx::v1beta1::SimulateRequest req;
        req.set_tx_bytes(std::string(unsigned_tx.begin(), unsigned_tx.end()));
        auto q = query(app, "/cosmos.tx.v1beta1.Service/Simulate", request_bytes(req));
        auto sim = parse_as<cosmos::tx::v1beta1::SimulateResponse>(q);
        CHECK(sim.gas_info().gas_wanted() == k_default_gas_limit);
        REQUIRE(sim.result().msg_responses_size() == 1);
        CHECK(sim.result().msg_responses(0).type_url() ==
              (future_msg ? std::string(async::k_msg_add_future_response_type_url)
                          : std::string(k_msg_send_response_type_url)));
        // Simulate changed nothing.
        CHECK(account(app, user_bech32(0))->sequence() == seq);

        auto r = chain.next({signed_tx});
        REQUIRE(r.tx_results[0].code == 0);
        const auto delivered = static_cast<std::uint64_t>(r.tx_results[0].gas_used);
        // App::gas_of pads a simulated tx by 64 + 32 bytes per signer; the real signature is
        // signed_tx.size() - unsigned_tx.size() bytes longer.
        const std::uint64_t padding = 64 + 32;
        const std::uint64_t extra = signed_tx.size() - unsigned_tx.size();
        CHECK(extra == 64);
        CHECK(sim.gas_info().gas_used() ==
              delivered + k_auth.tx_size_cost_per_byte * (padding - extra));
        CHECK(sim.gas_info().gas_used() >= delivered);
    }

    // A simulated tx still fails on state: a wrong sequence, and insufficient funds.
    {
        cosmos::tx::v1beta1::SimulateRequest req;
        const Bytes t =
            build_unsigned_tx(pub, options(0, 9), {msg_send(user_bech32(0), stranger(), useer(1))});
        req.set_tx_bytes(std::string(t.begin(), t.end()));
        auto q = query(app, "/cosmos.tx.v1beta1.Service/Simulate", request_bytes(req));
        CHECK(q.code == code(SdkCode::wrong_sequence));
    }
    CHECK(query(app, "/cosmos.tx.v1beta1.Service/Simulate", {}).code ==
          code(SdkCode::invalid_request));
}

TEST_CASE("bank queries: Balance, AllBalances with pagination, TotalSupply") {
    Genesis g = funded_genesis();
    g.balances[0].coins = {{"uatom", 3}, {"useer", 1000}, {"uxyz", 7}};
    g.balances.push_back({user_bech32(2), {{"uatom", 10}}});
    REQUIRE(validate_genesis(g).ok());
    Node n = make_node(g);
    auto& app = *n.app;

    CHECK(balance(app, user_bech32(0), "uatom") == 3);
    CHECK(balance(app, user_bech32(0), "useer") == 1000);
    CHECK(balance(app, user_bech32(0), "nope") == 0);
    CHECK(balance(app, stranger(), "useer") == 0);
    {
        cosmos::bank::v1beta1::QueryBalanceRequest r;
        r.set_address("seer1bad");
        r.set_denom("useer");
        CHECK(query(app, "/cosmos.bank.v1beta1.Query/Balance", request_bytes(r)).code ==
              code(SdkCode::invalid_address));
        r.set_address(user_bech32(0));
        r.set_denom("x");
        CHECK(query(app, "/cosmos.bank.v1beta1.Query/Balance", request_bytes(r)).code ==
              code(SdkCode::invalid_coins));
    }

    auto all = [&](std::uint64_t limit, const std::string& key, bool count_total, bool reverse,
                   std::uint64_t offset = 0) {
        cosmos::bank::v1beta1::QueryAllBalancesRequest r;
        r.set_address(user_bech32(0));
        r.mutable_pagination()->set_limit(limit);
        r.mutable_pagination()->set_key(key);
        r.mutable_pagination()->set_count_total(count_total);
        r.mutable_pagination()->set_reverse(reverse);
        r.mutable_pagination()->set_offset(offset);
        return query(app, "/cosmos.bank.v1beta1.Query/AllBalances", request_bytes(r));
    };
    using AllBalances = cosmos::bank::v1beta1::QueryAllBalancesResponse;
    auto denoms = [](const AllBalances& r) {
        std::vector<std::string> out;
        for (const auto& c : r.balances())
            out.push_back(c.denom() + "=" + c.amount());
        return out;
    };
    auto everything = parse_as<AllBalances>(all(0, "", false, false));
    CHECK(denoms(everything) == std::vector<std::string>{"uatom=3", "useer=1000", "uxyz=7"});
    CHECK(everything.pagination().next_key().empty());

    auto p1 = parse_as<AllBalances>(all(2, "", true, false));
    CHECK(denoms(p1) == std::vector<std::string>{"uatom=3", "useer=1000"});
    CHECK(p1.pagination().total() == 3);
    CHECK(p1.pagination().next_key() == "uxyz");
    auto p2 = parse_as<AllBalances>(all(2, p1.pagination().next_key(), false, false));
    CHECK(denoms(p2) == std::vector<std::string>{"uxyz=7"});
    CHECK(p2.pagination().next_key().empty());
    auto rev = parse_as<AllBalances>(all(2, "", false, true));
    CHECK(denoms(rev) == std::vector<std::string>{"uxyz=7", "useer=1000"});
    CHECK(rev.pagination().next_key() == "uatom");
    CHECK(denoms(parse_as<AllBalances>(all(0, "", false, false, 1))) ==
          std::vector<std::string>{"useer=1000", "uxyz=7"});
    CHECK(all(1, "useer", false, false, 1).code == code(SdkCode::invalid_request));

    cosmos::bank::v1beta1::QueryTotalSupplyRequest ts;
    auto supply = parse_as<cosmos::bank::v1beta1::QueryTotalSupplyResponse>(
        query(app, "/cosmos.bank.v1beta1.Query/TotalSupply", request_bytes(ts)));
    std::vector<std::string> total;
    for (const auto& c : supply.supply())
        total.push_back(c.denom() + "=" + c.amount());
    // user 1 holds 500useer (funded_genesis).
    CHECK(total == std::vector<std::string>{"uatom=13", "useer=1500", "uxyz=7"});
    ts.mutable_pagination()->set_limit(1);
    ts.mutable_pagination()->set_count_total(true);
    auto one = parse_as<cosmos::bank::v1beta1::QueryTotalSupplyResponse>(
        query(app, "/cosmos.bank.v1beta1.Query/TotalSupply", request_bytes(ts)));
    CHECK(one.supply_size() == 1);
    CHECK(one.pagination().total() == 3);
    CHECK(one.pagination().next_key() == "useer");

    auto unknown = query(app, "/cosmos.bank.v1beta1.Query/Nothing", {});
    CHECK(unknown.code == code(SdkCode::unknown_request));
}

}  // namespace
}  // namespace seer::app::test
