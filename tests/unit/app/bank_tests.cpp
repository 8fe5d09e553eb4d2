// MsgSend, fees, the fee collector and the proposer, min_gas_prices, and handler fee escrow.

#include "support.hpp"

namespace seer::app::test {
namespace {

TEST_CASE("MsgSend: balances move exactly, the fee goes to the proposer at the block's end") {
    Chain chain(validators(1), funded_genesis());
    auto& app = chain.app();
    const std::string to = stranger();
    const std::string proposer = crypto::to_bech32_address(chain.vs.addresses[0]);
    CHECK_FALSE(account(app, to).has_value());
    CHECK(balance(app, proposer) == 0);

    const Bytes tx = send_tx(0, 0, to, 1000, /*fee=*/200);
    CHECK(check(app, tx).code == 0);
    auto r = chain.next({tx});
    REQUIRE(r.tx_results[0].code == 0);
    CHECK(balance(app, user_bech32(0)) == 1'000'000 - 1000 - 200);
    CHECK(balance(app, to) == 1000);
    CHECK(balance(app, proposer) == 200);
    CHECK(balance(app, fee_collector_address()) == 0);
    // The recipient's account was created on its first receipt.
    auto created = account(app, to);
    REQUIRE(created.has_value());
    CHECK(created->address() == to);
    CHECK(created->sequence() == 0);
    CHECK_FALSE(created->has_pub_key());
    CHECK(created->account_number() >= static_cast<std::uint64_t>(k_users));
    // The sender's sequence moved and its key is now known.
    auto sender = account(app, user_bech32(0));
    REQUIRE(sender.has_value());
    CHECK(sender->sequence() == 1);
    CHECK(sender->pub_key().type_url() == crypto::k_ed25519_pubkey_type_url);
    // The supply did not change.
    cosmos::bank::v1beta1::QuerySupplyOfRequest s;
    s.set_denom("useer");
    auto supply = parse_as<cosmos::bank::v1beta1::QuerySupplyOfResponse>(
        query(app, "/cosmos.bank.v1beta1.Query/SupplyOf", request_bytes(s)));
    CHECK(supply.amount().amount() == "1000500");

    // Events: the fee, the message and the transfer.
    bool message = false, transfer = false, fee = false;
    for (const auto& e : r.tx_results[0].events) {
        if (e.type == "message" && attribute(e, "module") == "bank") {
            message = true;
            CHECK(attribute(e, "sender") == user_bech32(0));
            CHECK(attribute(e, "action") == k_msg_send_type_url);
            CHECK(attribute(e, "msg_index") == "0");
        }
        if (e.type == "transfer" && attribute(e, "recipient") == to) {
            transfer = true;
            CHECK(attribute(e, "amount") == "1000useer");
        }
        if (e.type == "tx" && !attribute(e, "fee").empty()) {
            fee = true;
            CHECK(attribute(e, "fee") == "200useer");
            CHECK(attribute(e, "fee_payer") == user_bech32(0));
        }
    }
    CHECK(message);
    CHECK(transfer);
    CHECK(fee);
    // The response of a MsgSend.
    cosmos::base::abci::v1beta1::TxMsgData data;
    REQUIRE(data.ParseFromArray(r.tx_results[0].data.data(),
                                static_cast<int>(r.tx_results[0].data.size())));
    REQUIRE(data.msg_responses_size() == 1);
    CHECK(data.msg_responses(0).type_url() == k_msg_send_response_type_url);

    // Another proposer collects the next block's fees.
    auto r2 = chain.next({send_tx(0, 1, to, 1, /*fee=*/7)});
    REQUIRE(r2.tx_results[0].code == 0);
    CHECK(balance(app, proposer) == 207);
    CHECK(balance(app, to) == 1001);
}

TEST_CASE("MsgSend: insufficient funds are refused at check_tx with code 5") {
    Node n = make_node(funded_genesis());
    // user 1 holds 500.
    auto r = check(*n.app, send_tx(1, 0, stranger(), 501));
    CHECK(r.code == code(SdkCode::insufficient_funds));
    CHECK(r.codespace == k_sdk_codespace);
    CHECK(check(*n.app, send_tx(1, 0, stranger(), 500)).code == 0);
    // The fee counts too: 400 + a fee of 101 is over 500.
    Node m = make_node(funded_genesis());
    r = check(*m.app, send_tx(1, 0, stranger(), 400, 101));
    CHECK(r.code == code(SdkCode::insufficient_funds));
    CHECK(check(*m.app, send_tx(1, 0, stranger(), 400, 100)).code == 0);
    // A fee alone above the balance: user 2 holds nothing.
    r = check(*m.app, future_tx(2, 0, /*fee=*/1));
    CHECK(r.code == code(SdkCode::insufficient_funds));
    CHECK(contains(r.log, "fee"));
    // Refused checks wrote nothing: the sequences are unchanged.
    CHECK(check(*m.app, future_tx(2, 0)).code == 0);
}

TEST_CASE("min_gas_prices: check_tx refuses a low fee with code 13, blocks do not") {
    Node n;
    {
        Genesis g = funded_genesis();
        n.kv = store::make_memory_store(
            {std::string(async::k_app_column), std::string(async::k_outputs_column)});
        n.outputs = async::make_output_store(*n.kv);
        n.genesis = g;
        auto prices = bank::parse_gas_prices("0.001useer");
        REQUIRE(prices.ok());
        n.min_gas_prices = *prices;
        n.app = make_app(n.options(), g, *n.kv);
    }
    // 200000 gas x 0.001 = 200useer.
    auto r = check(*n.app, send_tx(0, 0, stranger(), 1, 199, 200000));
    CHECK(r.code == code(SdkCode::insufficient_fee));
    CHECK(r.codespace == k_sdk_codespace);
    CHECK(contains(r.log, "required: 200useer"));
    r = check(*n.app, send_tx(0, 0, stranger(), 1, 0, 200000));
    CHECK(r.code == code(SdkCode::insufficient_fee));
    CHECK(contains(r.log, "got: 0useer"));
    // The floor is on the gas limit: a lower limit needs a lower fee (ceil(20000 x 0.001) = 20).
    CHECK(check(*n.app, send_tx(0, 0, stranger(), 1, 20, 20000)).code == 0);
    CHECK(check(*n.app, send_tx(0, 1, stranger(), 1, 200, 200000)).code == 0);

    // Proposals and blocks are deterministic: the node-local floor does not apply.
    const std::vector<Bytes> low{send_tx(0, 0, stranger(), 1, 1, 200000)};
    CHECK(process(*n.app, 1, low, validator(0)) == ProposalStatus::accept);
    auto fin = finalize(*n.app, 1, low, validator(0), last_commit(validators(1)));
    REQUIRE(fin.tx_results.size() == 1);
    CHECK(fin.tx_results[0].code == 0);
    n.app->commit();
    CHECK(balance(*n.app, validator(0)) == 1);
}

TEST_CASE("handler fees: paid at creation into the module's escrow, refunded on TIMED_OUT") {
    async::Params p;
    p.timeout_blocks = 3;
    async::AppGenesis module = genesis(p);
    module.handlers[0].fee = 50;  // echo
    Chain chain(validators(1), funded_genesis(1000, module));
    auto& app = chain.app();
    const Address escrow = async::module_address();

    auto r = chain.next({future_tx(0, 0)});
    REQUIRE(r.tx_results[0].code == 0);
    const std::uint64_t id = created_id(r.tx_results[0]);
    CHECK(balance(app, user_bech32(0)) == 950);
    CHECK(balance(app, escrow) == 50);
    auto created = events_of(r, "future_created", id);
    REQUIRE(created.size() == 1);
    CHECK(attribute(created[0], "fee") == "50useer");
    CHECK(future(app, id).fee() == 50);

    // Not enough for the handler fee: user 1 holds 500 and pays 460 first.
    CHECK(chain.next({send_tx(1, 0, stranger(), 460)}).tx_results[0].code == 0);
    auto low = check(app, future_tx(1, 1));
    CHECK(low.code == code(SdkCode::insufficient_funds));
    CHECK(contains(low.log, "handler fee 50useer"));

    // No prophet and no results: the deadline passes, the fee goes back to the creator.
    std::uint64_t refunded = 0;
    for (int i = 0; i < 6 && future(app, id).status() != av1::FUTURE_STATUS_TIMED_OUT; ++i) {
        auto b = chain.next({});
        for (const auto& e : all_events(b))
            if (attribute(e, "fee_refunded_to") == user_bech32(0)) ++refunded;
    }
    CHECK(future(app, id).status() == av1::FUTURE_STATUS_TIMED_OUT);
    CHECK(refunded == 1);
    CHECK(balance(app, user_bech32(0)) == 1000);
    CHECK(balance(app, escrow) == 0);
}

TEST_CASE("a secp256k1 account signs and pays") {
    Bytes secret(32);
    for (std::size_t i = 0; i < secret.size(); ++i)
        secret[i] = static_cast<std::uint8_t>(i + 1);
    auto made = crypto::AccountKey::from_secret(crypto::KeyType::secp256k1, secret);
    REQUIRE(made.ok());
    const crypto::AccountKey k = *made;
    CHECK(k.type() == crypto::KeyType::secp256k1);
    const std::string addr = crypto::to_bech32_address(k.address());

    Genesis g = funded_genesis();
    g.accounts.push_back({addr, std::nullopt});  // account number k_users
    g.balances.push_back({addr, useer(10'000)});
    REQUIRE(validate_genesis(g).ok());
    Chain chain(validators(1), g);
    auto& app = chain.app();

    TxOptions o;
    o.chain_id = std::string(k_chain_id);
    o.account_number = static_cast<std::uint64_t>(k_users);
    o.fee = useer(30);
    const Bytes send = build_tx(k, o, {msg_send(addr, user_bech32(3), useer(70))});
    CHECK(check(app, send).code == 0);
    o.sequence = 1;
    o.fee = {};
    const Bytes fut = build_tx(k, o, {msg_add_future(addr, "echo", as_bytes("secp"))});
    auto r = chain.next({send, fut});
    REQUIRE(r.tx_results[0].code == 0);
    REQUIRE(r.tx_results[1].code == 0);
    CHECK(balance(app, addr) == 10'000 - 70 - 30);
    CHECK(balance(app, user_bech32(3)) == 70);
    CHECK(future(app, created_id(r.tx_results[1])).creator() == addr);
    auto acc = account(app, addr);
    REQUIRE(acc.has_value());
    CHECK(acc->sequence() == 2);
    CHECK(acc->account_number() == static_cast<std::uint64_t>(k_users));
    CHECK(acc->pub_key().type_url() == crypto::k_secp256k1_pubkey_type_url);
    cosmos::crypto::secp256k1::PubKey pk;
    REQUIRE(pk.ParseFromString(acc->pub_key().value()));
    CHECK(pk.key().size() == 33);
    CHECK(to_bytes(pk.key()) == k.public_key().key);

    // Its signature over another account number is refused.
    o.sequence = 2;
    o.account_number = 0;
    auto bad = check(app, build_tx(k, o, {msg_send(addr, user_bech32(3), useer(1))}));
    CHECK(bad.code == code(SdkCode::unauthorized));
}

}  // namespace
}  // namespace seer::app::test
