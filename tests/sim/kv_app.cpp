#include "kv_app.hpp"

#include <string_view>
#include <utility>

#include "seer/common/check.hpp"
#include "seer/crypto/hash.hpp"
#include "seer/store/kv.hpp"

namespace seer::sim {
namespace {

constexpr std::string_view k_column = "app";
constexpr std::string_view k_meta_key = "meta";
constexpr std::string_view k_kv_prefix = "kv/";
constexpr std::size_t k_max_tx_bytes = 128;

void put_u64(Bytes& out, std::uint64_t v) {
    for (int i = 7; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(v >> (i * 8)));
}

std::uint64_t get_u64(ByteView in) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < 8; ++i) v = (v << 8) | in[i];
    return v;
}

std::pair<std::string, std::string> split_tx(ByteView tx) {
    const std::string text = to_string(tx);
    const auto eq = text.find('=');
    return {text.substr(0, eq), text.substr(eq + 1)};
}

std::string hex_prefix(const consensus::Hash& hash) {
    return to_hex(ByteView(hash.data(), 4));
}

}  // namespace

bool is_valid_tx(ByteView tx) {
    if (tx.empty() || tx.size() > k_max_tx_bytes) return false;
    std::size_t eq = tx.size();
    for (std::size_t i = 0; i < tx.size(); ++i) {
        const auto c = tx[i];
        if (c < 0x21 || c > 0x7e) return false;
        if (c == '=') {
            if (eq != tx.size()) return false;  // a second '='
            eq = i;
        }
    }
    return eq != tx.size() && eq > 0 && eq + 1 < tx.size();
}

Bytes make_extension(std::int64_t height, const consensus::Hash& hash,
                     const consensus::Address& address) {
    return to_bytes("ext:" + std::to_string(height) + ":" + hex_prefix(hash) + ":" +
                    to_hex(ByteView(address.data(), 6)));
}

KvApp::KvApp(std::shared_ptr<store::KvStore> kv, consensus::Address self, KvAppOptions options,
             NodeRecord& record)
    : m_kv(std::move(kv)), m_self(self), m_options(options), m_record(record) {
    if (auto meta = m_kv->get(k_column, as_bytes(k_meta_key))) {
        SEER_CHECK(meta->size() == 8 + 32);
        m_height = static_cast<std::int64_t>(get_u64(*meta));
        for (std::size_t i = 0; i < 32; ++i) m_app_hash[i] = (*meta)[8 + i];
    }
    m_kv->scan(k_column, as_bytes(k_kv_prefix), as_bytes(k_kv_prefix),
               [this](ByteView key, ByteView value) {
                   m_state.emplace(to_string(key.subspan(k_kv_prefix.size())), to_string(value));
                   return true;
               });
}

consensus::InfoResponse KvApp::info() {
    return consensus::InfoResponse{"seer-sim-kv/1", m_height, m_app_hash};
}

consensus::CheckTxResponse KvApp::check_tx(ByteView tx, consensus::CheckTxKind kind) {
    (void)kind;
    consensus::CheckTxResponse out;
    if (!is_valid_tx(tx)) {
        out.code = 1;
        out.codespace = "kv";
        out.log = "malformed tx: want key=value";
    }
    return out;
}

consensus::PrepareProposalResponse KvApp::prepare_proposal(
    const consensus::PrepareProposalRequest& request) {
    consensus::PrepareProposalResponse out;
    std::int64_t bytes = 0;
    for (const auto& tx : request.txs) {
        if (!is_valid_tx(tx)) continue;
        bytes += static_cast<std::int64_t>(tx.size());
        if (request.max_tx_bytes > 0 && bytes > request.max_tx_bytes) break;
        out.txs.push_back(tx);
    }
    return out;
}

consensus::ProposalStatus KvApp::process_proposal(
    const consensus::ProcessProposalRequest& request) {
    bool ok = request.txs != nullptr;
    if (ok)
        for (const auto& tx : *request.txs)
            if (!is_valid_tx(tx)) ok = false;
    if (ok) {
        m_record.accepted_proposals.insert(request.hash);
        return consensus::ProposalStatus::accept;
    }
    m_record.rejected_proposals.insert(request.hash);
    return consensus::ProposalStatus::reject;
}

Bytes KvApp::extend_vote(const consensus::ExtendVoteRequest& request) {
    return make_extension(request.height, request.hash, m_self);
}

consensus::VerifyStatus KvApp::verify_vote_extension(
    const consensus::VerifyVoteExtensionRequest& request) {
    auto reject = [this] {
        ++m_record.extensions_rejected;
        return consensus::VerifyStatus::reject;
    };
    if (m_options.reject_extensions_from &&
        *m_options.reject_extensions_from == request.validator_address)
        return reject();
    if (request.extension.size() > k_max_extension_bytes) return reject();
    // Checks the height and hash parts; the payload is the validator's own business.
    const std::string text = to_string(request.extension);
    const std::string want =
        "ext:" + std::to_string(request.height) + ":" + hex_prefix(request.hash) + ":";
    if (text.size() <= want.size() || text.compare(0, want.size(), want) != 0) return reject();
    ++m_record.extensions_accepted;
    return consensus::VerifyStatus::accept;
}

consensus::FinalizeBlockResponse KvApp::finalize_block(
    const consensus::FinalizeBlockRequest& request) {
    SEER_CHECK(request.txs != nullptr);
    if (request.height != m_height + 1)
        m_record.errors.push_back("finalize_block at height " + std::to_string(request.height) +
                                  " after commit of " + std::to_string(m_height));
    Pending pending;
    pending.height = request.height;
    auto state = m_state;
    consensus::FinalizeBlockResponse out;
    for (const auto& tx : *request.txs) {
        consensus::ExecTxResult result;
        if (is_valid_tx(tx)) {
            auto [key, value] = split_tx(tx);
            state[key] = value;
            pending.writes[key] = value;
        } else {
            result.code = 1;  // cannot pass process_proposal, kept for robustness
            result.log = "malformed tx";
        }
        out.tx_results.push_back(std::move(result));
    }
    pending.app_hash = compute_app_hash(state, request.height);
    out.app_hash = pending.app_hash;

    FinalizedBlock record;
    record.height = request.height;
    record.hash = request.hash;
    record.app_hash = pending.app_hash;
    record.txs = *request.txs;
    record.decided_last_commit = request.decided_last_commit;
    m_record.finalized[request.height] = std::move(record);
    ++m_record.finalize_calls;
    m_record.finalize_log.push_back(request.height);

    m_pending = std::move(pending);
    return out;
}

consensus::CommitResponse KvApp::commit() {
    if (!m_pending) {
        m_record.errors.push_back("commit without finalize_block after height " +
                                  std::to_string(m_height));
        return consensus::CommitResponse{0};
    }
    if (m_record.crash_at_next_commit) {
        // Power fails before the batch is durable: nothing of this commit survives.
        m_record.crash_at_next_commit = false;
        m_record.crashed_in_commit = true;
        if (m_record.on_crash_point) m_record.on_crash_point();
        m_pending.reset();
        return consensus::CommitResponse{0};
    }
    store::WriteBatch batch;
    for (const auto& [key, value] : m_pending->writes) {
        const std::string full = std::string(k_kv_prefix) + key;
        batch.put(k_column, as_bytes(full), as_bytes(value));
        m_state[key] = value;
    }
    Bytes meta;
    put_u64(meta, static_cast<std::uint64_t>(m_pending->height));
    meta.insert(meta.end(), m_pending->app_hash.begin(), m_pending->app_hash.end());
    batch.put(k_column, as_bytes(k_meta_key), meta);
    m_kv->write(batch, true);
    m_height = m_pending->height;
    m_app_hash = m_pending->app_hash;
    m_pending.reset();
    return consensus::CommitResponse{0};
}

consensus::QueryResponse KvApp::query(const consensus::QueryRequest& request) {
    consensus::QueryResponse out;
    out.height = m_height;
    out.key = request.data;
    auto it = m_state.find(to_string(request.data));
    if (it == m_state.end()) {
        out.code = 1;
        out.log = "not found";
    } else {
        out.value = to_bytes(it->second);
    }
    return out;
}

consensus::Hash KvApp::compute_app_hash(const std::map<std::string, std::string>& state,
                                        std::int64_t height) {
    crypto::Sha256 h;
    Bytes header;
    put_u64(header, static_cast<std::uint64_t>(height));
    h.update(header);
    for (const auto& [key, value] : state) {
        Bytes entry;
        put_u64(entry, key.size());
        entry.insert(entry.end(), key.begin(), key.end());
        put_u64(entry, value.size());
        entry.insert(entry.end(), value.begin(), value.end());
        h.update(entry);
    }
    return h.finish();
}

}  // namespace seer::sim
