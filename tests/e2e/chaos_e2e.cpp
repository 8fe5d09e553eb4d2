// Chaos (issue 11, part 5; `make chaos`, ctest e2e.chaos_60s; docs/chaos.md): 4 real validators
// under signed load of mixed handlers (echo, math, hashchain and a slow `exec:slow`), and at
// seeded instants kill -9 + restart (one in three killed again during its start-up),
// SIGSTOP/SIGCONT, SIGTERM + restart, two validators down at once, a restart of all four and a
// flood of slow exec futures, each at least once. Then:
//  - the same block hash and app hash at every height on every node (and the same results);
//  - every tx accepted by broadcast_tx_sync (code 0) committed exactly once, no tx twice;
//  - every future of a committed tx exactly one verdict, the same final status on every node;
//  - no validator signed two different precommits for one height and round (the commits of
//    every node and the blocks' last commits), no "equivocation" in any log, and no sign-state
//    file ever went backwards.
// CHAOS_SEED= replays a run's schedule (faults, targets, pauses, load content); CHAOS_SECONDS=
// sets the chaos phase (default 300). Loops are bounded, nodes stopped by PID, ports free.
//
// The load is signed here (secp256k1 keys of `seer bench genesis`, SIGN_MODE_DIRECT bytes built
// by hand below) rather than by `seer bench load`, because the checks need the hash and the
// bytes of every tx the nodes accepted: a tx accepted by a node that is killed before gossiping
// it is lost with that node's mempool (as in CometBFT), and a client then sends the same bytes
// again. The test does that only for such txs; an accepted tx whose accepting node stayed alive
// is never sent again, so losing it fails the test.

#include <doctest/doctest.h>

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <stop_token>

#include "network.hpp"
#include "process.hpp"
#include "signed_tx.hpp"
#include "seer/common/base64.hpp"
#include "seer/common/bytes.hpp"
#include "seer/crypto/account_key.hpp"
#include "seer/crypto/address.hpp"
#include "seer/crypto/hash.hpp"

namespace seer::e2e {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int k_nodes = 4;
constexpr int k_steady_accounts = 12;  // mixed handlers at a steady pace
constexpr int k_flood_accounts = 12;   // the exec floods
constexpr int k_flood_size = 32;       // slow futures per flood
using Net = Network<k_nodes>;

std::string s(const json::value& v) {
    if (v.is_string()) return std::string(v.as_string());
    return json::serialize(v);
}
std::int64_t num(const json::value& v) {
    if (v.is_int64()) return v.as_int64();
    if (v.is_uint64()) return static_cast<std::int64_t>(v.as_uint64());
    return std::stoll(s(v));
}
std::uint64_t env_u64(const char* name, std::uint64_t fallback) {
    const char* v = std::getenv(name);
    return v && *v ? std::stoull(v) : fallback;
}
double since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

// ---- The load.
struct Accept {
    int node = 0;
    std::uint64_t generation = 0;  // the node's incarnation when the tx was sent
};
struct TxRecord {
    std::uint64_t seq = 0;
    std::string handler, input, expected;  // expected: the output a VERIFIED future must have
    std::string bytes, hash;               // hash: upper-case hex SHA-256 of the bytes
    std::vector<Accept> accepts;           // every broadcast_tx_sync that answered code 0
    int rebroadcasts = 0;
};
struct Account {
    int index = 0;
    bool flood = false;
    crypto::AccountKey key;
    std::string address;
    std::uint64_t number = 0;
    std::uint64_t first_seq = 0;
    std::deque<TxRecord> txs;       // txs[k] has sequence first_seq + k; written by its worker only
    std::atomic<bool> done{false};  // drained: every tx it signed is committed
    explicit Account(crypto::AccountKey k) : key(std::move(k)) {}
};

struct Problems {
    std::mutex mu;
    std::vector<std::string> list;
    void add(const std::string& p) {
        std::lock_guard lock(mu);
        std::cout << "chaos: PROBLEM: " << p << std::endl;
        list.push_back(p);
    }
};

struct Shared {
    Net* net = nullptr;
    std::string chain_id;
    std::uint64_t seed = 0;
    std::atomic<bool> up[k_nodes];            // routes load to the node (not stopped or killed)
    std::atomic<std::uint64_t> gen[k_nodes];  // incremented once a node instance is dead
    std::atomic<std::int64_t> height[k_nodes];
    std::atomic<int> best{0};  // the up node with the greatest height
    std::atomic<bool> draining{false};
    std::atomic<int> flood_tokens{0};
    std::atomic<int> rebroadcasts{0};
    std::atomic<int> held_back{0};  // resends not made: an accepted tx whose node stayed alive
    Problems problems;
    Shared() {
        for (int i = 0; i < k_nodes; ++i) {
            up[i] = true;
            gen[i] = 0;
            height[i] = 0;
        }
    }
    /// Lost only with the nodes that accepted it: every one of them has died since.
    bool exposed(const TxRecord& t) const {
        return std::all_of(t.accepts.begin(), t.accepts.end(),
                           [&](const Accept& a) { return gen[a.node].load() > a.generation; });
    }
};

enum class Sent { accepted, duplicate, seq_mismatch, retry, no_answer, refused };
struct SendResult {
    Sent kind = Sent::no_answer;
    std::uint64_t expected = 0;  // seq_mismatch: the node's next sequence
    std::string text;
};

SendResult broadcast(std::uint16_t rpc, const std::string& tx) {
    const std::string body =
        json::serialize(json::object{{"jsonrpc", "2.0"},
                                     {"id", 1},
                                     {"method", "broadcast_tx_sync"},
                                     {"params", json::object{{"tx", to_base64(as_bytes(tx))}}}});
    auto r = http_exchange(
        rpc,
        "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nConnection: "
        "close\r\nContent-Length: " +
            std::to_string(body.size()) + "\r\n\r\n" + body,
        10);
    SendResult out;
    if (!r || r->status != 200) return out;
    boost::system::error_code ec;
    auto v = json::parse(r->body, ec);
    if (ec || !v.is_object()) return out;
    out.text = r->body;
    if (v.as_object().contains("error")) {
        // "tx already exists in cache": it is in that mempool or committed.
        out.kind =
            out.text.find("already exists") != std::string::npos ? Sent::duplicate : Sent::retry;
        return out;
    }
    const auto& res = v.at("result");
    const auto code = num(res.at("code"));
    const std::string space = s(res.at("codespace"));
    const std::string log = s(res.at("log"));
    if (code == 0) {
        out.kind = Sent::accepted;
    } else if (space == "sdk" && code == 32) {
        out.kind = Sent::seq_mismatch;
        const auto at = log.find("expected ");
        out.expected = at == std::string::npos ? 0 : std::stoull(log.substr(at + 9));
    } else if ((space == "async" && (code == 10 || code == 14)) || code == 1) {
        out.kind = Sent::retry;  // pending cap, backlog full, node busy: the same bytes later
    } else {
        out.kind = Sent::refused;
    }
    return out;
}

/// An account's committed sequence on the most advanced node that is up.
std::optional<std::uint64_t> committed_sequence(Shared& c, const Account& a) {
    const int best = c.best.load();
    auto body = http_get(c.net->api(best), "/cosmos/auth/v1beta1/accounts/" + a.address);
    if (!body) return std::nullopt;
    boost::system::error_code ec;
    auto v = json::parse(*body, ec);
    if (ec || !v.is_object() || !v.as_object().contains("account")) return std::nullopt;
    return static_cast<std::uint64_t>(num(v.at("account").at("sequence")));
}

std::string hashchain(const std::string& data, int iterations) {
    auto h = crypto::sha256(as_bytes(data));
    for (int i = 1; i < iterations; ++i)
        h = crypto::sha256(ByteView(h.data(), h.size()));
    return to_hex(ByteView(h.data(), h.size()));
}

TxRecord make_tx(Shared& c, Account& a, std::uint64_t seq, std::mt19937_64& rng) {
    TxRecord t;
    t.seq = seq;
    const std::string tag = std::to_string(a.index) + "-" + std::to_string(seq);
    const int pick = static_cast<int>(rng() % 100);
    if (a.flood || pick < 5) {
        t.handler = "exec:slow";
        t.input = "s" + tag;
        t.expected = "slow:" + t.input + "\n";
    } else if (pick < 40) {
        t.handler = "echo";
        t.input = "echo-" + tag + "-" + std::to_string(rng() % 1000000);
        t.expected = t.input;
    } else if (pick < 70) {
        const std::int64_t x = static_cast<std::int64_t>(rng() % 1000),
                           y = static_cast<std::int64_t>(rng() % 1000),
                           z = static_cast<std::int64_t>(rng() % 1000),
                           w = static_cast<std::int64_t>(rng() % 1000);
        t.handler = "math";
        t.input = "(" + std::to_string(x) + "+" + std::to_string(y) + ")*" + std::to_string(z) +
                  "-" + std::to_string(w);
        t.expected = std::to_string((x + y) * z - w);
    } else {
        const int n = 1 + static_cast<int>(rng() % 3000);
        t.handler = "hashchain";
        t.input = "{\"data\":\"hc-" + tag + "\",\"iterations\":" + std::to_string(n) + "}";
        t.expected = hashchain("hc-" + tag, n);
    }
    t.bytes = add_future_tx(a.key, a.address, c.chain_id, a.number, seq, t.handler, t.input);
    t.hash = to_hex(crypto::sha256(as_bytes(t.bytes)), true);
    return t;
}

/// One account's client: signs its txs in sequence order and sends each until a node has it.
/// Resends (the same bytes) only txs that no living node accepted (Shared::exposed).
void run_account(std::stop_token stop, Shared& c, Account& a) {
    std::mt19937_64 rng(c.seed * 1000003u + static_cast<std::uint64_t>(a.index));
    auto due = Clock::now() + milliseconds(rng() % 1000);
    std::uint64_t next = a.first_seq;  // the next sequence no node is known to hold
    std::uint64_t last_cs = a.first_seq;
    auto last_progress = Clock::now();
    auto last_repair = Clock::now();
    int target = a.index % k_nodes;
    int mismatches = 0;
    auto pick = [&] {  // the preferred node if it is up and not behind, else the next such one
        const std::int64_t top = c.height[c.best.load()].load();
        for (int k = 0; k < k_nodes; ++k) {
            const int i = (target + k) % k_nodes;
            if (c.up[i] && c.height[i] >= top - 3) return target = i;
        }
        for (int k = 0; k < k_nodes; ++k)
            if (c.up[(target + k) % k_nodes]) return target = (target + k) % k_nodes;
        return target;
    };
    auto rotate = [&] { target = (target + 1) % k_nodes; };
    auto nap = [&](int ms) {
        for (int i = 0; i < ms / 50 && !stop.stop_requested(); ++i)
            std::this_thread::sleep_for(milliseconds(50));
    };
    auto send = [&](TxRecord& t) {
        const int node = pick();
        const std::uint64_t g = c.gen[node].load();
        auto r = broadcast(c.net->rpc(node), t.bytes);
        if (r.kind == Sent::accepted) t.accepts.push_back({node, g});
        if (r.kind == Sent::no_answer) rotate();
        return r;
    };
    // Resends, from the committed sequence on, the txs no living node accepted.
    auto repair = [&](bool force) {
        auto cs = committed_sequence(c, a);
        if (!cs) return;
        if (*cs > last_cs) {
            last_cs = *cs;
            last_progress = Clock::now();
            if (!force) return;
        }
        if (*cs >= next) return;
        if (!force && Clock::now() - last_progress < seconds(5)) return;
        last_progress = Clock::now();
        for (std::uint64_t q = *cs; q < next; ++q) {
            TxRecord& t = a.txs[q - a.first_seq];
            if (!c.exposed(t)) {
                ++c.held_back;
                break;
            }
            ++t.rebroadcasts;
            ++c.rebroadcasts;
            if (send(t).kind == Sent::no_answer) break;
        }
    };
    while (!stop.stop_requested()) {
        const bool draining = c.draining;
        if (next - a.first_seq == a.txs.size() && !draining) {
            bool make = false;
            if (a.flood) {
                int tokens = c.flood_tokens.load();
                while (tokens > 0 && !c.flood_tokens.compare_exchange_weak(tokens, tokens - 1)) {
                }
                make = tokens > 0;
            } else if (Clock::now() >= due) {
                make = true;
                due += milliseconds(400 + rng() % 800);
            }
            if (make) a.txs.push_back(make_tx(c, a, next, rng));
        }
        if (next - a.first_seq < a.txs.size()) {
            TxRecord& t = a.txs[next - a.first_seq];
            const auto r = send(t);
            switch (r.kind) {
                case Sent::accepted:
                case Sent::duplicate:
                    ++next;
                    mismatches = 0;
                    break;
                case Sent::seq_mismatch:
                    if (r.expected > t.seq) {  // committed, and out of that node's cache
                        ++next;
                        break;
                    }
                    rotate();  // that node lacks an earlier tx, or is behind
                    if (++mismatches >= 3) {
                        repair(true);
                        mismatches = 0;
                    }
                    nap(300);
                    break;
                case Sent::retry:
                case Sent::no_answer:
                    nap(300);
                    break;
                case Sent::refused:
                    c.problems.add("account " + std::to_string(a.index) + " seq " +
                                   std::to_string(t.seq) + " (" + t.handler +
                                   ") refused: " + r.text);
                    return;
            }
            continue;
        }
        if (Clock::now() - last_repair > seconds(2)) {
            last_repair = Clock::now();
            repair(false);
            if (draining && last_cs >= next) {
                a.done = true;
                return;
            }
        }
        nap(100);
    }
}

// ---- The sign state: never backwards, never two messages at one position.
struct SignState {
    std::int64_t height = 0;
    std::int64_t round = 0;
    std::int64_t step = 0;
    std::string signbytes;
    auto key() const { return std::tuple(height, round, step); }
};
std::optional<SignState> read_sign_state(const std::string& path) {
    boost::system::error_code ec;
    auto v = json::parse(read_file(path), ec);
    if (ec || !v.is_object()) return std::nullopt;
    const auto& o = v.as_object();
    SignState st;
    st.height = num(o.at("height"));
    st.round = num(o.at("round"));
    st.step = num(o.at("step"));
    if (o.contains("signbytes")) st.signbytes = s(o.at("signbytes"));
    return st;
}

std::string tail_of(const std::string& path, std::size_t lines) {
    const std::string text = read_file(path);
    std::size_t at = text.size();
    for (std::size_t n = 0; n <= lines && at > 0; ++n)
        at = text.rfind('\n', at - 1);
    return text.substr(at == std::string::npos ? 0 : at + 1);
}

// ---- The checks, once every node is at `checked` or beyond.
using Accounts = std::vector<std::unique_ptr<Account>>;

// The checks' reads, retried: a slow answer on a busy machine is not a failure.
std::optional<json::value> rpc_read(std::uint16_t port, const std::string& target) {
    for (int attempt = 0;; ++attempt) {
        if (auto r = rpc_get(port, target); r || attempt == 4) return r;
        std::this_thread::sleep_for(seconds(1));
    }
}
std::optional<std::string> rest_read(std::uint16_t port, const std::string& target) {
    for (int attempt = 0;; ++attempt) {
        if (auto r = http_get(port, target); r || attempt == 4) return r;
        std::this_thread::sleep_for(seconds(1));
    }
}

/// Node 0's chain up to the checked height, with what the checks read from it.
struct ChainView {
    std::map<std::string, std::vector<std::int64_t>> tx_heights;  // tx hash -> heights
    std::map<std::string, json::value> tx_result;                 // tx hash -> its result
    std::map<std::uint64_t, std::vector<std::pair<std::string, std::int64_t>>> verdicts;
    std::size_t precommits = 0;  // (height, round, validator) positions compared
};

/// 1. The same blocks, app hashes and results on every node; one precommit per validator and
/// position in every commit any node holds.
ChainView check_blocks(Net& net, Problems& problems, std::int64_t checked) {
    ChainView out;
    std::map<std::int64_t, std::pair<std::string, std::string>> chain;  // node 0: hash, app hash
    std::map<std::tuple<std::int64_t, std::int64_t, std::string>, std::set<std::string>> sigs;
    auto add_commit = [&](const json::value& commit) {
        const auto h = num(commit.at("height"));
        const auto r = num(commit.at("round"));
        for (const auto& sg : commit.at("signatures").as_array()) {
            if (num(sg.at("block_id_flag")) == 1) continue;  // absent
            sigs[{h, r, s(sg.at("validator_address"))}].insert(
                s(sg.at("block_id_flag")) + ":" + s(sg.at("signature")) +
                (num(sg.at("block_id_flag")) == 2 ? ":" + s(commit.at("block_id").at("hash"))
                                                  : std::string()));
        }
    };
    int mismatches = 0;
    auto mismatch = [&](const std::string& p) {
        if (++mismatches <= 10) problems.add(p);
    };
    for (int i = 0; i < k_nodes; ++i) {
        for (std::int64_t lo = 1; lo <= checked; lo += 20) {
            const std::int64_t hi = std::min(checked, lo + 19);
            auto r = rpc_read(net.rpc(i), "/blockchain?minHeight=" + std::to_string(lo) +
                                              "&maxHeight=" + std::to_string(hi));
            if (!r) {
                mismatch("node " + std::to_string(i) + ": no /blockchain " + std::to_string(lo));
                continue;
            }
            for (const auto& m : r->at("block_metas").as_array()) {
                const auto h = num(m.at("header").at("height"));
                const std::pair<std::string, std::string> v{s(m.at("block_id").at("hash")),
                                                            s(m.at("header").at("app_hash"))};
                if (i == 0)
                    chain[h] = v;
                else if (chain[h] != v)
                    mismatch("height " + std::to_string(h) + ": node " + std::to_string(i) +
                             " has block " + v.first + " app hash " + v.second + ", node 0 " +
                             chain[h].first + " app hash " + chain[h].second);
            }
        }
    }
    if (static_cast<std::int64_t>(chain.size()) != checked)
        mismatch("node 0 listed " + std::to_string(chain.size()) + " of " +
                 std::to_string(checked) + " heights");
    // Blocks, results and verdicts from node 0; results and commits compared on every node.
    for (std::int64_t h = 1; h <= checked; ++h) {
        auto b = rpc_read(net.rpc(0), "/block?height=" + std::to_string(h));
        std::optional<json::value> res[k_nodes];
        for (int i = 0; i < k_nodes; ++i) {
            res[i] = rpc_read(net.rpc(i), "/block_results?height=" + std::to_string(h));
            auto cm = rpc_read(net.rpc(i), "/commit?height=" + std::to_string(h));
            if (cm)
                add_commit(cm->at("signed_header").at("commit"));
            else
                mismatch("node " + std::to_string(i) + ": no /commit at " + std::to_string(h));
            if (i > 0 && res[0] && res[i] && json::serialize(*res[i]) != json::serialize(*res[0]))
                mismatch("height " + std::to_string(h) + ": node " + std::to_string(i) +
                         " has other block results than node 0");
        }
        if (!b || !res[0]) {
            mismatch("node 0: no block or results at " + std::to_string(h));
            continue;
        }
        if (h > 1) add_commit(b->at("block").at("last_commit"));
        const auto& txs = b->at("block").at("data").at("txs").as_array();
        const auto& results = res[0]->at("txs_results");
        for (std::size_t k = 0; k < txs.size(); ++k) {
            const auto raw = from_base64(s(txs[k]));
            if (!raw || raw->empty() || (*raw)[0] == 0x00) continue;  // the results tx
            const std::string hash = to_hex(crypto::sha256(*raw), true);
            out.tx_heights[hash].push_back(h);
            if (results.is_array() && k < results.as_array().size())
                out.tx_result[hash] = results.as_array()[k];
        }
        for (const auto& e : res[0]->at("finalize_block_events").as_array()) {
            const std::string type = s(e.at("type"));
            if (type != "future_verified" && type != "future_failed" && type != "future_timed_out")
                continue;
            for (const auto& at : e.at("attributes").as_array())
                if (s(at.at("key")) == "future_id")
                    out.verdicts[std::stoull(s(at.at("value")))].push_back({type, h});
        }
    }
    std::int64_t conflicts = 0;
    for (const auto& [key, set] : sigs)
        if (set.size() > 1 && ++conflicts <= 10)
            problems.add("validator " + std::get<2>(key) + " signed " + std::to_string(set.size()) +
                         " different precommits at height " + std::to_string(std::get<0>(key)) +
                         " round " + std::to_string(std::get<1>(key)));
    out.precommits = sigs.size();
    return out;
}

struct TxSummary {
    std::int64_t signed_txs = 0, accepted = 0, committed = 0;
    std::map<std::uint64_t, const TxRecord*> futures;  // future id -> its tx
};

/// 2. Every accepted tx in exactly one block, delivered with code 0; none of ours twice;
/// nothing the test did not sign.
TxSummary check_txs(Net& net, Shared& c, const Accounts& accounts, ChainView& chain) {
    TxSummary out;
    std::set<std::string> ours;
    for (const auto& a : accounts)
        for (const auto& t : a->txs) {
            ours.insert(t.hash);
            ++out.signed_txs;
            out.accepted += !t.accepts.empty();
        }
    std::int64_t foreign = 0, lost = 0;
    for (const auto& [hash, heights] : chain.tx_heights) {
        if (!ours.count(hash)) ++foreign;
        if (heights.size() > 1)
            c.problems.add("tx " + hash + " committed " + std::to_string(heights.size()) +
                           " times (heights " + std::to_string(heights[0]) + ", " +
                           std::to_string(heights[1]) + ")");
    }
    if (foreign > 0)
        c.problems.add(std::to_string(foreign) + " committed txs the test never signed");
    int looked_up = 0;
    for (const auto& a : accounts)
        for (const auto& t : a->txs) {
            auto it = chain.tx_heights.find(t.hash);
            if (it == chain.tx_heights.end()) {
                if (!t.accepts.empty() && ++lost <= 10) {
                    std::ostringstream os;
                    os << "accepted tx " << t.hash << " (account " << a->index << " seq " << t.seq
                       << ", " << t.handler << ") never committed; accepted by";
                    for (const auto& x : t.accepts)
                        os << " node " << x.node << " (instance " << x.generation
                           << (c.gen[x.node] > x.generation ? ", since killed)" : ", alive)");
                    c.problems.add(os.str());
                }
                continue;
            }
            ++out.committed;
            // The tx index of some node agrees.
            const int node = looked_up++ % k_nodes;
            auto q = rpc_read(net.rpc(node), "/tx?hash=0x" + t.hash);
            if (!q || num(q->at("height")) != it->second[0])
                c.problems.add("node " + std::to_string(node) + " /tx?hash=0x" + t.hash +
                               " does not give height " + std::to_string(it->second[0]));
            const auto& r = chain.tx_result[t.hash];
            if (!r.is_object() || num(r.at("code")) != 0) {
                c.problems.add("tx " + t.hash + " committed with " +
                               (r.is_object() ? json::serialize(r) : std::string("no result")));
                continue;
            }
            for (const auto& e : r.at("events").as_array())
                if (s(e.at("type")) == "future_created")
                    for (const auto& at : e.at("attributes").as_array())
                        if (s(at.at("key")) == "future_id")
                            out.futures[std::stoull(s(at.at("value")))] = &t;
        }
    if (lost > 10) c.problems.add(std::to_string(lost) + " accepted txs never committed in all");
    if (static_cast<std::int64_t>(out.futures.size()) != out.committed)
        c.problems.add(std::to_string(out.committed) + " txs committed but " +
                       std::to_string(out.futures.size()) + " futures created");
    return out;
}

/// 3. One verdict per future, the same final status and height on every node, right outputs.
/// The counts by handler and status.
std::map<std::string, std::map<std::string, int>> check_futures(
    Net& net, Problems& problems, const ChainView& chain,
    const std::map<std::uint64_t, const TxRecord*>& futures) {
    std::map<std::string, std::map<std::string, int>> by_handler;
    int future_problems = 0;
    auto future_problem = [&](const std::string& p) {
        if (++future_problems <= 10) problems.add(p);
    };
    for (const auto& [id, events] : chain.verdicts)
        if (!futures.count(id))
            future_problem("a verdict for future " + std::to_string(id) +
                           " that no tx of the test created");
    for (const auto& [id, t] : futures) {
        const std::string name = "future " + std::to_string(id) + " (" + t->handler + ")";
        auto v = chain.verdicts.find(id);
        if (v == chain.verdicts.end() || v->second.size() != 1) {
            future_problem(name + " has " +
                           std::to_string(v == chain.verdicts.end() ? 0 : v->second.size()) +
                           " verdict events");
            if (v == chain.verdicts.end()) continue;
        }
        const auto [type, final_h] = v->second[0];
        const std::string status = type == "future_verified" ? "VERIFIED"
                                   : type == "future_failed" ? "FAILED"
                                                             : "TIMED_OUT";
        ++by_handler[t->handler][status];
        if (status == "FAILED") future_problem(name + " FAILED, on a valid input " + t->input);
        for (int i = 0; i < k_nodes; ++i) {
            auto body = rest_read(net.api(i), "/seer/async/v1/futures/" + std::to_string(id));
            if (!body) {
                future_problem(name + ": node " + std::to_string(i) + " does not answer for it");
                continue;
            }
            const auto f = json::parse(*body).at("future");
            if (s(f.at("status")) != "FUTURE_STATUS_" + status ||
                num(f.at("final_height")) != final_h)
                future_problem(name + ": node " + std::to_string(i) + " says " + s(f.at("status")) +
                               " at " + s(f.at("final_height")) + ", the verdict event " + type +
                               " at " + std::to_string(final_h));
            if (status == "VERIFIED" &&
                s(f.at("result").at("output")) != to_base64(as_bytes(t->expected)))
                future_problem(name + ": node " + std::to_string(i) + " VERIFIED output " +
                               s(f.at("result").at("output")) + " for input " + t->input);
        }
    }
    return by_handler;
}

/// 4. No equivocation, fatal error or broken invariant in any node's log.
void check_logs(Net& net, Problems& problems) {
    for (int i = 0; i < k_nodes; ++i) {
        std::istringstream log(read_file(net.home(i) + "/seer.log"));
        int shown = 0;
        for (std::string line; std::getline(log, line);) {
            std::string lower = line;
            std::transform(lower.begin(), lower.end(), lower.begin(),
                           [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
            if ((lower.find("equivocation") != std::string::npos ||
                 lower.find("fatal") != std::string::npos ||
                 lower.find("invariant failed") != std::string::npos) &&
                shown++ < 5)
                problems.add("node " + std::to_string(i) + " log: " + line);
        }
    }
}

enum Fault { kill9, sigstop, sigterm, two_down, all_restart, exec_flood, k_fault_kinds };
constexpr const char* k_fault_names[] = {"kill9",    "stop",        "term",
                                         "two_down", "all_restart", "exec_flood"};

TEST_CASE("e2e: chaos: 4 validators under signed load and faults stay consistent") {
    const std::uint64_t seed = env_u64("CHAOS_SEED", std::random_device{}());
    const std::uint64_t chaos_s = env_u64("CHAOS_SECONDS", 300);
    std::cout << "chaos: seed=" << seed << " seconds=" << chaos_s << " (replay: CHAOS_SEED=" << seed
              << " CHAOS_SECONDS=" << chaos_s << ")" << std::endl;
    std::mt19937 rng(static_cast<std::mt19937::result_type>(seed));
    const auto t_begin = Clock::now();

    Net net;
    std::string templ = (fs::temp_directory_path() / "seer-chaos-XXXXXX").string();
    REQUIRE(mkdtemp(templ.data()) != nullptr);
    net.dir = templ;
    net.base = free_port_range(20 * k_nodes);  // p2p/RPC/metrics/gRPC, then REST, every 10th
    REQUIRE(net.base != 0);
    net.api_base = static_cast<std::uint16_t>(net.base + 10 * k_nodes);
    const std::string slow = net.dir + "/slow.sh";
    std::ofstream(slow) << "#!/bin/sh\nread -r line\nsleep 1\nprintf 'slow:%s\\n' \"$line\"\n";
    fs::permissions(slow, fs::perms::owner_all | fs::perms::group_read | fs::perms::others_read);
    {
        Process gen;
        gen.start({SEER_BINARY, "testnet", "--validators", std::to_string(k_nodes), "--output",
                   net.dir + "/net", "--starting-port", std::to_string(net.base),
                   "--api-starting-port", std::to_string(net.api_base), "--exec", "slow=" + slow},
                  net.dir + "/testnet.log");
        REQUIRE(gen.wait_exit(seconds(60)) == 0);
    }
    constexpr int k_accounts = k_steady_accounts + k_flood_accounts;
    for (int i = 0; i < k_nodes; ++i) {
        Process g;
        g.start({SEER_BINARY, "bench", "genesis", "--accounts", std::to_string(k_accounts),
                 "--home", net.home(i)},
                net.dir + "/genesis.log");
        REQUIRE(g.wait_exit(seconds(60)) == 0);
    }
    for (int i = 0; i < k_nodes; ++i)
        net.start(i);
    // A node left SIGSTOPped by a failed assertion still dies: SIGCONT before the Network stops.
    struct Resume {
        Net& n;
        ~Resume() {
            for (auto& p : n.nodes)
                if (p.pid() > 0) ::kill(p.pid(), SIGCONT);
        }
    } resume{net};
    REQUIRE(wait_until(seconds(120), [&] {
        for (int i = 0; i < k_nodes; ++i)
            if (net.height(i) < 2) return false;
        return true;
    }));

    Shared c;
    c.net = &net;
    c.seed = seed;
    const auto status = rpc_read(net.rpc(0), "/status");
    REQUIRE(status);
    c.chain_id = s(status->at("node_info").at("network"));
    std::vector<std::unique_ptr<Account>> accounts;
    for (int i = 0; i < k_accounts; ++i) {
        auto a = std::make_unique<Account>(bench_key(i));
        a->index = i;
        a->flood = i >= k_steady_accounts;
        a->address = crypto::to_bech32_address(a->key.address());
        auto body = rest_read(net.api(0), "/cosmos/auth/v1beta1/accounts/" + a->address);
        REQUIRE_MESSAGE(body, "bench account " << i << " not in genesis");
        const auto acc = json::parse(*body).at("account");
        a->number = static_cast<std::uint64_t>(num(acc.at("account_number")));
        a->first_seq = static_cast<std::uint64_t>(num(acc.at("sequence")));
        accounts.push_back(std::move(a));
    }

    // The watcher: heights of the nodes that are up, and every node's sign state.
    std::mutex sign_mu;
    std::optional<SignState> last_sign[k_nodes];
    std::int64_t sign_samples = 0;
    std::jthread watcher([&](std::stop_token stop) {
        int tick = 0;
        while (!stop.stop_requested()) {
            for (int i = 0; i < k_nodes; ++i) {
                auto st = read_sign_state(net.home(i) + "/data/priv_validator_state.json");
                if (!st) continue;
                std::lock_guard lock(sign_mu);
                ++sign_samples;
                auto& last = last_sign[i];
                if (last && st->key() < last->key())
                    c.problems.add("node " + std::to_string(i) + " sign state went backwards: " +
                                   std::to_string(last->height) + "/" +
                                   std::to_string(last->round) + "/" + std::to_string(last->step) +
                                   " -> " + std::to_string(st->height) + "/" +
                                   std::to_string(st->round) + "/" + std::to_string(st->step));
                else if (last && st->key() == last->key() && st->signbytes != last->signbytes)
                    c.problems.add("node " + std::to_string(i) + " signed two messages at " +
                                   std::to_string(st->height) + "/" + std::to_string(st->round) +
                                   "/" + std::to_string(st->step));
                last = *st;
            }
            if (++tick % 5 == 0) {
                int best = c.best.load();
                for (int i = 0; i < k_nodes; ++i) {
                    if (!c.up[i]) continue;
                    const auto h = net.height(i);
                    if (h >= 0) c.height[i] = h;
                    if (!c.up[best] || c.height[i] > c.height[best]) best = i;
                }
                c.best = best;
            }
            std::this_thread::sleep_for(milliseconds(100));
        }
    });
    std::vector<std::jthread> workers;
    for (auto& a : accounts)
        workers.emplace_back([&c, &a](std::stop_token st) { run_account(st, c, *a); });

    // ---- The faults.
    int counts[k_fault_kinds] = {};
    bool running[k_nodes] = {true, true, true, true};
    auto check_exits = [&] {  // a node that exits by itself is a bug: reported, restarted
        for (int i = 0; i < k_nodes; ++i) {
            if (!running[i]) continue;
            auto st = net.nodes[i].poll_exit();
            if (!st) continue;
            ++c.gen[i];
            c.problems.add("node " + std::to_string(i) + " exited by itself (wait status " +
                           std::to_string(*st) + "); log tail:\n" +
                           tail_of(net.home(i) + "/seer.log", 20));
            net.start(i);
        }
    };
    auto pause = [&](double secs) {
        const auto until = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                              std::chrono::duration<double>(secs));
        while (Clock::now() < until) {
            check_exits();
            std::this_thread::sleep_for(milliseconds(100));
        }
    };
    auto take_down = [&](int i, bool graceful) {
        c.up[i] = false;
        running[i] = false;
        if (!graceful) {
            net.nodes[i].kill9();
        } else {
            ::kill(net.nodes[i].pid(), SIGTERM);
            const int code = net.nodes[i].wait_exit(seconds(90));
            if (code != 0)
                c.problems.add("node " + std::to_string(i) + " did not exit 0 within 90 s of " +
                               "SIGTERM (" + std::to_string(code) + "); log tail:\n" +
                               tail_of(net.home(i) + "/seer.log", 20));
        }
        ++c.gen[i];  // after it is dead: whatever it accepted is gone with it
    };
    auto bring_up = [&](const std::vector<int>& which) {
        for (int i : which) {
            net.start(i);
            running[i] = true;
        }
        for (int i : which) {
            const bool ok = wait_until(seconds(180), [&] {
                check_exits();
                return net.height(i) >= 0;
            });
            if (!ok)
                c.problems.add("node " + std::to_string(i) + " did not answer within 180 s of " +
                               "its restart; log tail:\n" + tail_of(net.home(i) + "/seer.log", 20));
            c.height[i] = std::max<std::int64_t>(net.height(i), 0);
            c.up[i] = true;
        }
    };
    auto top_height = [&] {
        std::int64_t h = -1;
        for (int i = 0; i < k_nodes; ++i)
            if (c.up[i]) h = std::max(h, net.height(i));
        return h;
    };
    auto between = [&](double lo, double hi) {
        return std::uniform_real_distribution<double>(lo, hi)(rng);
    };
    auto node_pick = [&] { return static_cast<int>(rng() % k_nodes); };

    std::vector<Fault> plan;
    for (int f = 0; f < k_fault_kinds; ++f)
        plan.push_back(static_cast<Fault>(f));
    std::shuffle(plan.begin(), plan.end(), rng);
    const double max_gap = std::max(2.0, static_cast<double>(chaos_s) / 20.0);
    const auto t_chaos = Clock::now();
    bool stalled = false;
    for (std::size_t k = 0; !stalled; ++k) {
        if (k >= plan.size()) {
            if (since(t_chaos) >= static_cast<double>(chaos_s)) break;
            const int weights[k_fault_kinds] = {3, 2, 2, 1, 1, 1};
            std::discrete_distribution<int> d(std::begin(weights), std::end(weights));
            plan.push_back(static_cast<Fault>(d(rng)));
        }
        const Fault f = plan[k];
        pause(between(1.0, max_gap));
        const std::int64_t before = top_height();
        std::ostringstream what;
        what << "chaos: t=" << static_cast<int>(since(t_chaos)) << "s h=" << before << " "
             << k_fault_names[f];
        switch (f) {
            case kill9: {
                const int i = node_pick();
                const double down = between(0.5, 4.0);
                // One in three: killed again while it starts (replay, handshake), then back.
                const bool again = rng() % 3 == 0;
                const double after = between(0.05, 1.5);
                what << " node " << i << ", down " << down << " s";
                if (again) what << ", killed again " << after << " s into its restart";
                std::cout << what.str() << std::endl;
                take_down(i, false);
                pause(down);
                if (again) {
                    net.start(i);
                    running[i] = true;
                    pause(after);
                    take_down(i, false);
                    pause(0.5);
                }
                bring_up({i});
                break;
            }
            case sigstop: {
                const int i = node_pick();
                const double stopped = between(2.0, 6.0);
                what << " node " << i << ", stopped " << stopped << " s";
                std::cout << what.str() << std::endl;
                c.up[i] = false;
                ::kill(net.nodes[i].pid(), SIGSTOP);
                std::this_thread::sleep_for(std::chrono::duration<double>(stopped));
                ::kill(net.nodes[i].pid(), SIGCONT);
                c.up[i] = true;
                break;
            }
            case sigterm: {
                const int i = node_pick();
                const double down = between(0.5, 4.0);
                what << " node " << i << ", down " << down << " s";
                std::cout << what.str() << std::endl;
                take_down(i, true);
                pause(down);
                bring_up({i});
                break;
            }
            case two_down: {
                const int i = node_pick();
                const int j = (i + 1 + static_cast<int>(rng() % (k_nodes - 1))) % k_nodes;
                const bool gi = rng() % 2, gj = rng() % 2;
                const double down = between(2.0, 8.0);
                what << " nodes " << i << (gi ? " (term)" : " (kill9)") << " and " << j
                     << (gj ? " (term)" : " (kill9)") << ", down " << down << " s";
                std::cout << what.str() << std::endl;
                take_down(i, gi);
                take_down(j, gj);
                pause(down);
                bring_up({i, j});
                break;
            }
            case all_restart: {
                bool graceful[k_nodes];
                for (auto& g : graceful)
                    g = rng() % 2;
                const double down = between(0.5, 3.0);
                what << " (";
                for (int i = 0; i < k_nodes; ++i)
                    what << (i ? " " : "") << (graceful[i] ? "term" : "kill9");
                what << "), down " << down << " s";
                std::cout << what.str() << std::endl;
                for (int i = 0; i < k_nodes; ++i)
                    take_down(i, graceful[i]);
                pause(down);
                bring_up({0, 1, 2, 3});
                break;
            }
            case exec_flood:
                what << " of " << k_flood_size << " exec:slow futures";
                std::cout << what.str() << std::endl;
                c.flood_tokens += k_flood_size;
                break;
            case k_fault_kinds:
                break;
        }
        ++counts[f];
        // Every fault is over: the chain commits again (3 of 4 validators are up).
        const bool moved = wait_until(seconds(240), [&] {
            check_exits();
            return top_height() >= std::max<std::int64_t>(before, 0) + 2;
        });
        if (!moved) {
            c.problems.add(std::string("the chain did not commit 2 blocks within 240 s after ") +
                           k_fault_names[f] + " (height " + std::to_string(top_height()) + ")");
            stalled = true;
        }
    }
    const double chaos_took = since(t_chaos);

    // ---- Drain: no new txs; every signed tx reaches a block, every future a verdict.
    c.draining = true;
    const bool drained = wait_until(seconds(300), [&] {
        check_exits();
        for (const auto& a : accounts)
            if (!a->done) return false;
        return true;
    });
    if (!drained) c.problems.add("not every account's txs were committed within 300 s");
    workers.clear();  // stops and joins
    const bool final_all = wait_until(seconds(300), [&] {
        check_exits();
        auto q = rpc_get(net.rpc(c.best.load()), "/abci_query?path=%22async/counts%22");
        if (!q) return false;
        auto text = from_base64(s(q->at("response").at("value")));
        if (!text) return false;
        const std::string t = to_string(*text);
        return t.find("PENDING=0\n") != std::string::npos &&
               t.find("EXECUTED=0\n") != std::string::npos;
    });
    if (!final_all) c.problems.add("futures still PENDING or EXECUTED 300 s after the load");
    // Every node at the same height, then the checks up to it.
    std::int64_t top = top_height();
    if (!wait_until(seconds(180), [&] {
            for (int i = 0; i < k_nodes; ++i)
                if (net.height(i) < top) return false;
            return true;
        }))
        c.problems.add("not every node reached height " + std::to_string(top) + " within 180 s");
    watcher.request_stop();
    watcher.join();
    std::int64_t checked = top;
    for (int i = 0; i < k_nodes; ++i)
        checked = std::min(checked, net.height(i));
    REQUIRE(checked > 0);

    ChainView chain = check_blocks(net, c.problems, checked);
    const TxSummary txs = check_txs(net, c, accounts, chain);
    const auto by_handler = check_futures(net, c.problems, chain, txs.futures);
    check_logs(net, c.problems);

    // ---- The summary.
    std::ostringstream faults;
    for (int f = 0; f < k_fault_kinds; ++f)
        faults << " " << k_fault_names[f] << "=" << counts[f];
    std::ostringstream statuses;
    for (const auto& [handler, st] : by_handler) {
        statuses << " " << handler << "{";
        for (const auto& [name, n] : st)
            statuses << name << "=" << n << (&n == &st.rbegin()->second ? "" : ",");
        statuses << "}";
    }
    std::cout << "chaos: chaos phase " << static_cast<int>(chaos_took) << " s, whole run "
              << static_cast<int>(since(t_begin)) << " s; signed " << txs.signed_txs
              << ", accepted " << txs.accepted << ", resent " << c.rebroadcasts << " (held back "
              << c.held_back << "); precommits compared " << chain.precommits
              << "; sign-state samples " << sign_samples << "; futures" << statuses.str()
              << std::endl;
    const bool pass = c.problems.list.empty();
    std::cout << "chaos: seed=" << seed << " faults:" << faults.str() << " heights=" << checked
              << " txs=" << txs.committed << " futures=" << txs.futures.size() << ": "
              << (pass ? "PASS" : "FAIL") << std::endl;
    for (int f = 0; f < k_fault_kinds; ++f)
        CHECK_MESSAGE(counts[f] >= 1, k_fault_names[f] << " was never injected");
    CHECK_MESSAGE(txs.accepted > 0, "no tx was accepted");
    for (const auto& p : c.problems.list)
        FAIL_CHECK(p);
    CHECK_MESSAGE(pass, "chaos: seed=" << seed << " failed; replay with CHAOS_SEED=" << seed);
}

}  // namespace
}  // namespace seer::e2e
