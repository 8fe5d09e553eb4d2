#pragma once
// The application's pieces, private to app/: accounts (the SDK's x/auth), the decoded tx, and the
// App itself.

#include <optional>
#include <string>
#include <vector>

#include "cosmos/auth/v1beta1/auth.pb.h"
#include "cosmos/bank/v1beta1/bank.pb.h"
#include "cosmos/tx/v1beta1/tx.pb.h"
#include "seer/app/app.hpp"
#include "seer/app/codes.hpp"
#include "seer/async/v1/async.pb.h"
#include "seer/store/state_overlay.hpp"

namespace seer::app::detail {

using namespace seer::consensus;
using crypto::Address;
using Hash = crypto::Hash256;

/// Accounts: 'a' | address (20) -> cosmos.auth.v1beta1.BaseAccount; 'n' -> next number;
/// 'p' -> seer.app.v1.Params.
class Accounts {
public:
    std::optional<cosmos::auth::v1beta1::BaseAccount> get(const store::KvView& view,
                                                          const Address& address) const;
    void put(store::KvView& view, const Address& address,
             const cosmos::auth::v1beta1::BaseAccount& account) const;
    /// Creates the account with the next account number when it does not exist.
    void ensure(store::KvView& view, const Address& address) const;
};

AuthParams load_params(const store::KvView& view);
void store_params(store::KvView& view, const AuthParams& params);

struct Message {
    std::string type_url;
    Address signer{};
    std::string signer_text;
    std::optional<cosmos::bank::v1beta1::MsgSend> send;
    std::optional<seer::async::v1::MsgAddFuture> add_future;
    bank::Coins amount;  // MsgSend
};

struct DecodedTx {
    cosmos::tx::v1beta1::TxRaw raw;
    cosmos::tx::v1beta1::TxBody body;
    cosmos::tx::v1beta1::AuthInfo auth;
    std::vector<Message> messages;
    std::vector<Address> signers;  // distinct, in order of first appearance
    bank::Coins fee;
};

struct Outcome {
    std::uint32_t code = 0;
    std::string codespace;
    std::string log;
    std::uint64_t gas_wanted = 0;
    std::uint64_t gas_used = 0;
    std::vector<Event> events;
    std::vector<std::pair<std::string, Bytes>> responses;  // type URL, bytes
    bool ok() const { return code == 0; }
};

enum class Mode {
    mempool,   // check_tx: with the node's min_gas_prices
    proposal,  // prepare/process_proposal: deterministic checks only
    deliver,   // finalize_block
    simulate,  // Simulate: no signature, fee or gas limit checks
};

/// Whether a run in `mode` builds events: the checks (mempool, proposal) throw them away.
inline bool builds_events(Mode mode) { return mode == Mode::deliver || mode == Mode::simulate; }

}  // namespace seer::app::detail
