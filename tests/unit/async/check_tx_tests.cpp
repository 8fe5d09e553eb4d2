// check_tx: every way a user tx can be refused, with its code and a log that says why; the
// mempool check state (sequences, pending cap) and its reset at commit.

#include "support.hpp"

namespace seer::async::test {
namespace {

using consensus::CheckTxKind;
using consensus::CheckTxResponse;

CheckTxResponse check(Application& app, const Bytes& tx) {
    return app.check_tx(tx, CheckTxKind::new_tx);
}

std::uint32_t code(Code c) {
    return static_cast<std::uint32_t>(c);
}
std::uint32_t code(app::SdkCode c) {
    return static_cast<std::uint32_t>(c);
}
using Sdk = app::SdkCode;

void empty_block(Node& n, std::int64_t height) {
    const std::vector<Bytes> none;
    (void)finalize(*n.app, height, none, validator(0), last_commit(validators(1)));
    n.app->commit();
}

Params small_params() {
    Params p;
    p.max_input_bytes = 64;
    p.max_pending_per_account = 2;
    return p;
}

TEST_CASE("check_tx: a valid tx passes and the next one needs sequence+1 until commit") {
    Node n = make_node(genesis());
    auto r = check(*n.app, signed_tx(0, 0));
    CHECK(r.code == 0);
    CHECK(r.codespace.empty());

    // The check state now expects sequence 1 from user 0.
    r = check(*n.app, signed_tx(0, 0, "echo", "again"));
    CHECK(r.code == code(Sdk::wrong_sequence));
    CHECK(r.codespace == app::k_sdk_codespace);
    CHECK(contains(r.log, "expected 1, got 0"));
    CHECK(check(*n.app, signed_tx(0, 1)).code == 0);
    CHECK(check(*n.app, signed_tx(0, 3)).code == code(Sdk::wrong_sequence));
    // Other accounts are independent.
    CHECK(check(*n.app, signed_tx(1, 0)).code == 0);
    // A recheck is checked against the same check state.
    CHECK(n.app->check_tx(signed_tx(0, 2), CheckTxKind::recheck).code == 0);

    // Commit of a block without those txs resets the check state to the chain's sequences.
    empty_block(n, 1);
    CHECK(check(*n.app, signed_tx(0, 0)).code == 0);
    CHECK(check(*n.app, signed_tx(0, 2)).code == code(Sdk::wrong_sequence));
}

TEST_CASE("check_tx: after a block includes the tx, the chain expects the next sequence") {
    Node n = make_node(genesis());
    const std::vector<Bytes> txs{signed_tx(0, 0)};
    auto fin = finalize(*n.app, 1, txs, validator(0), last_commit(validators(1)));
    REQUIRE(fin.tx_results.size() == 1);
    CHECK(fin.tx_results[0].code == 0);
    n.app->commit();
    auto r = check(*n.app, signed_tx(0, 0, "echo", "replay"));
    CHECK(r.code == code(Sdk::wrong_sequence));
    CHECK(contains(r.log, "expected 1"));
    CHECK(check(*n.app, signed_tx(0, 1)).code == 0);
}

TEST_CASE("check_tx: handler, input and size checks") {
    Node n = make_node(genesis(small_params()));

    SUBCASE("unknown handler") {
        auto r = check(*n.app, signed_tx(0, 0, "weather", "x"));
        CHECK(r.code == code(Code::unknown_handler));
        CHECK(contains(r.log, "weather"));
    }
    SUBCASE("empty input") {
        auto r = check(*n.app, signed_tx(0, 0, "echo", ""));
        CHECK(r.code == code(Code::empty_input));
        CHECK(contains(r.log, "empty"));
    }
    SUBCASE("input at the limit passes, one byte over is refused") {
        CHECK(check(*n.app, signed_tx(0, 0, "echo", std::string(64, 'a'))).code == 0);
        auto r = check(*n.app, signed_tx(1, 0, "echo", std::string(65, 'a')));
        CHECK(r.code == code(Code::input_too_large));
        CHECK(contains(r.log, "65"));
        CHECK(contains(r.log, "max_input_bytes is 64"));
    }
    SUBCASE("tx over the hard size limit") {
        Bytes big(app::k_max_tx_bytes + 1, 0x0a);
        auto r = check(*n.app, big);
        CHECK(r.code == code(Sdk::tx_too_large));
        CHECK(contains(r.log, std::to_string(app::k_max_tx_bytes)));
    }
    // Nothing refused changed the check state: sequence 0 of user 0 is still expected
    // (except in the subcase that accepted it).
}

TEST_CASE("check_tx: signatures, chain ID and account number") {
    Node n = make_node(genesis());

    SUBCASE("bad signature") {
        Bytes tx = signed_tx(0, 0);
        // The signature is the last field of TxRaw: its last byte is the tx's last byte.
        tx.back() ^= 0x01;
        auto r = check(*n.app, tx);
        CHECK(r.code == code(Sdk::unauthorized));
        CHECK(contains(r.log, "signature verification failed"));
    }
    SUBCASE("wrong chain ID") {
        auto t = add_future(0, 0, "echo", "x");
        t.chain_id = "other-chain";
        auto r = check(*n.app, build_add_future_tx(user(0), t));
        CHECK(r.code == code(Sdk::unauthorized));
        CHECK(contains(r.log, "account number (0)"));
        CHECK(contains(r.log, "chain-id (seer-test)"));
    }
    SUBCASE("wrong account number") {
        auto t = add_future(2, 0, "echo", "x");
        t.account_number = 7;
        auto r = check(*n.app, build_add_future_tx(user(2), t));
        CHECK(r.code == code(Sdk::unauthorized));
        CHECK(contains(r.log, "account number (2)"));
        CHECK(contains(r.log, "chain-id (seer-test)"));
    }
    SUBCASE("wrong sequence") {
        auto r = check(*n.app, signed_tx(0, 5));
        CHECK(r.code == code(Sdk::wrong_sequence));
        CHECK(contains(r.log, "expected 0, got 5"));
    }
    SUBCASE("unknown account") {
        auto t = add_future(0, 0, "echo", "x");
        const auto stranger = key(200);
        auto r = check(*n.app, build_add_future_tx(stranger, t));
        CHECK(r.code == code(Sdk::unknown_address));
        CHECK(
            contains(r.log, crypto::to_bech32_address(crypto::address_of(stranger.public_key()))));
    }
    SUBCASE("signer is not the creator") {
        // user 0 signs a message that names user 1 as the creator.
        Bytes tx = edited_tx(signed_tx(0, 0), user(0), 1, [](cosmos::tx::v1beta1::TxBody& body) {
            v1::MsgAddFuture msg;
            REQUIRE(msg.ParseFromString(body.messages(0).value()));
            msg.set_creator(user_bech32(1));
            body.mutable_messages(0)->set_value(msg.SerializeAsString());
        });
        auto r = check(*n.app, tx);
        CHECK(r.code == code(Sdk::invalid_pubkey));
        CHECK(r.codespace == app::k_sdk_codespace);
        CHECK(contains(r.log, "does not match signer address " + user_bech32(1)));
    }
    SUBCASE("timeout height passed") {
        empty_block(n, 1);
        auto t = add_future(0, 0, "echo", "x");
        t.timeout_height = 1;  // the next block is 2
        auto r = check(*n.app, build_add_future_tx(user(0), t));
        CHECK(r.code == code(Sdk::tx_timeout_height));
        t.timeout_height = 2;
        CHECK(check(*n.app, build_add_future_tx(user(0), t)).code == 0);
    }
}

TEST_CASE("check_tx: malformed txs") {
    Node n = make_node(genesis());

    SUBCASE("a tx starting with 0x00 is reserved for the results tx") {
        Bytes tx = signed_tx(0, 0);
        tx.insert(tx.begin(), 0x00);
        auto r = check(*n.app, tx);
        CHECK(r.code == code(Code::reserved_marker));
        CHECK(contains(r.log, "0x00"));
        // A real results tx is refused the same way.
        CHECK(check(*n.app, results_tx(validator(0), {output(1, "x")})).code ==
              code(Code::reserved_marker));
    }
    SUBCASE("garbage bytes") {
        auto r = check(*n.app, Bytes{0xff, 0xff, 0xff, 0xff, 0x01});
        CHECK(r.code == code(Sdk::tx_decode));
        CHECK_FALSE(r.log.empty());
        CHECK(check(*n.app, Bytes{}).code == code(Sdk::tx_decode));
    }
    SUBCASE("body_bytes that are not a TxBody") {
        cosmos::tx::v1beta1::TxRaw raw;
        raw.set_body_bytes("\xff\xff\xff");
        raw.add_signatures(std::string(64, 'x'));
        auto r = check(*n.app, to_bytes(raw.SerializeAsString()));
        CHECK(r.code == code(Sdk::tx_decode));
        CHECK(contains(r.log, "TxBody"));
    }
    SUBCASE("two messages are one tx that creates two futures") {
        Bytes tx = edited_tx(signed_tx(0, 0), user(0), 0, [](cosmos::tx::v1beta1::TxBody& body) {
            *body.add_messages() = body.messages(0);
        });
        auto r = check(*n.app, tx);
        CHECK(r.code == 0);
        const std::vector<Bytes> txs{tx};
        auto fin = finalize(*n.app, 1, txs, validator(0), last_commit(validators(1)));
        REQUIRE(fin.tx_results.size() == 1);
        CHECK(created_id(fin.tx_results[0], 0) == 1);
        CHECK(created_id(fin.tx_results[0], 1) == 2);
        CHECK(count_events(fin, "future_created") == 2);
        n.app->commit();
        CHECK(future(*n.app, 1).creator() == user_bech32(0));
        CHECK(future(*n.app, 2).creator() == user_bech32(0));
        CHECK(future_code(*n.app, 3) == 38);
    }
    SUBCASE("no message") {
        Bytes tx = edited_tx(signed_tx(0, 0), user(0), 0,
                             [](cosmos::tx::v1beta1::TxBody& body) { body.clear_messages(); });
        auto r = check(*n.app, tx);
        CHECK(r.code == code(Sdk::invalid_request));
        CHECK(contains(r.log, "at least one message"));
    }
    SUBCASE("unknown message type") {
        Bytes tx = edited_tx(signed_tx(0, 0), user(0), 0, [](cosmos::tx::v1beta1::TxBody& body) {
            body.mutable_messages(0)->set_type_url("/cosmos.staking.v1beta1.MsgDelegate");
        });
        auto r = check(*n.app, tx);
        CHECK(r.code == code(Sdk::unknown_request));
        CHECK(r.codespace == app::k_sdk_codespace);
        CHECK(contains(r.log, "/cosmos.staking.v1beta1.MsgDelegate"));
    }
    SUBCASE("the edit helper itself produces valid txs") {
        Bytes tx = edited_tx(signed_tx(0, 0), user(0), 0,
                             [](cosmos::tx::v1beta1::TxBody& body) { body.set_memo("edited"); });
        CHECK(check(*n.app, tx).code == 0);
    }
}

TEST_CASE("check_tx: pending cap counts futures on chain and txs already in the check state") {
    Node n = make_node(genesis(small_params()));  // max_pending_per_account = 2
    CHECK(check(*n.app, signed_tx(0, 0)).code == 0);
    CHECK(check(*n.app, signed_tx(0, 1)).code == 0);
    auto r = check(*n.app, signed_tx(0, 2));
    CHECK(r.code == code(Code::pending_cap));
    CHECK(contains(r.log, user_bech32(0)));
    CHECK(contains(r.log, "max_pending_per_account"));
    // Another account is not affected.
    CHECK(check(*n.app, signed_tx(1, 0)).code == 0);

    // Both futures go on chain; they stay pending, so the cap still holds from the state alone.
    const std::vector<Bytes> txs{signed_tx(0, 0), signed_tx(0, 1)};
    auto fin = finalize(*n.app, 1, txs, validator(0), last_commit(validators(1)));
    CHECK(fin.tx_results[0].code == 0);
    CHECK(fin.tx_results[1].code == 0);
    n.app->commit();
    CHECK(check(*n.app, signed_tx(0, 2)).code == code(Code::pending_cap));
}

TEST_CASE(
    "check_tx: admission control refuses code 14 at the backlog cap, in check, proposals and "
    "blocks") {
    Params p;
    p.max_unfinished_futures = 3;
    Node n = make_node(genesis(p));
    // Two from user 0 in the check state, then user 1's first and second: the fourth is over.
    CHECK(check(*n.app, signed_tx(0, 0)).code == 0);
    CHECK(check(*n.app, signed_tx(0, 1)).code == 0);
    CHECK(check(*n.app, signed_tx(1, 0)).code == 0);
    auto r = check(*n.app, signed_tx(1, 1));
    CHECK(r.code == code(Code::backlog_full));
    CHECK(r.codespace == k_codespace);
    CHECK(contains(r.log, "backlog full, retry later"));
    CHECK(contains(r.log, "3 unfinished futures"));
    // The capacity is also bounded by what the results path clears before a deadline.
    Params tight;
    tight.max_results_per_block = 1;
    tight.timeout_blocks = 3;  // 1 x (3 - 2) = 1 future
    CHECK(tight.unfinished_capacity() == 1);
    // A block with four futures: process_proposal refuses it, finalize_block fails the fourth.
    const std::vector<Bytes> four{signed_tx(0, 0), signed_tx(0, 1), signed_tx(1, 0),
                                  signed_tx(1, 1)};
    CHECK(process(*n.app, 1, four, validator(0)) == consensus::ProposalStatus::reject);
    auto fin = finalize(*n.app, 1, four, validator(0), last_commit(validators(1)));
    REQUIRE(fin.tx_results.size() == 4);
    for (int i = 0; i < 3; ++i)
        CHECK(fin.tx_results[static_cast<std::size_t>(i)].code == 0);
    CHECK(fin.tx_results[3].code == code(Code::backlog_full));
    n.app->commit();
    // The refused message still used its tx's sequence (the ante's writes stay, as in the SDK).
    CHECK(check(*n.app, signed_tx(1, 1)).code == code(Sdk::wrong_sequence));
    // With the chain full, nothing new is admitted until a future is final.
    CHECK(check(*n.app, signed_tx(1, 2)).code == code(Code::backlog_full));
}

TEST_CASE("check_tx: a tx refused by finalize_block gets the same code") {
    Node n = make_node(genesis());
    Bytes bad = signed_tx(0, 0);
    bad.back() ^= 0x01;
    const std::vector<Bytes> txs{bad, signed_tx(0, 1), signed_tx(1, 0, "weather", "x")};
    auto fin = finalize(*n.app, 1, txs, validator(0), last_commit(validators(1)));
    REQUIRE(fin.tx_results.size() == 3);
    CHECK(fin.tx_results[0].code == code(Sdk::unauthorized));
    CHECK(fin.tx_results[1].code == code(Sdk::wrong_sequence));
    CHECK(fin.tx_results[2].code == code(Code::unknown_handler));
    CHECK(fin.tx_results[0].codespace == app::k_sdk_codespace);
    CHECK(fin.tx_results[1].codespace == app::k_sdk_codespace);
    CHECK(fin.tx_results[2].codespace == k_codespace);
    // Txs refused by the ante chain leave no events; a tx whose message fails keeps the ante's
    // (its sequence was used), but has no message or future events.
    CHECK(fin.tx_results[0].events.empty());
    CHECK(fin.tx_results[1].events.empty());
    for (const auto& e : fin.tx_results[2].events)
        CHECK(e.type == "tx");
    n.app->commit();
    CHECK(future_code(*n.app, 1) == 38);
}

}  // namespace
}  // namespace seer::async::test
