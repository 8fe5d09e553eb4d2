#pragma once
// Decoding and checking of user txs (Cosmos TxRaw with one MsgAddFuture). One function serves
// check_tx, prepare_proposal, process_proposal and finalize_block, so they can never disagree.

#include <map>
#include <optional>
#include <string>

#include "seer/async/codes.hpp"
#include "state.hpp"

namespace seer::async::detail {

struct UserTx {
    Address signer{};
    std::string creator;
    crypto::PublicKey pub_key{};
    std::uint64_t sequence = 0;
    std::string handler;
    Bytes input;
};

struct TxCheck {
    Code code = Code::ok;
    std::string log;
    std::optional<UserTx> tx;
};

/// What txs admitted ahead of this one change, over the state: the mempool's check state, or
/// the txs earlier in a proposal. Empty for finalize_block, whose state already holds them.
struct CheckOverlay {
    /// Next expected sequence per signer. Absent = the account's sequence.
    std::map<Address, std::uint64_t> sequences;
    /// Futures those txs will create (admission control, ADR 0005).
    std::uint64_t futures = 0;

    void admit(const UserTx& tx) {
        sequences[tx.signer] = tx.sequence + 1;
        ++futures;
    }
    void clear() { *this = {}; }
};

TxCheck check_user_tx(const State& state, const std::string& chain_id, ByteView tx,
                      std::int64_t height, const CheckOverlay& overlay);

}  // namespace seer::async::detail
