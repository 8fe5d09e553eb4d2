#include "bench_cmd.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <ctime>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "cosmos/auth/v1beta1/auth.pb.h"
#include "seer/app/app.hpp"
#include "seer/app/tx.hpp"
#include "seer/bank/coins.hpp"
#include "seer/common/base64.hpp"
#include "seer/common/check.hpp"
#include "seer/crypto/account_key.hpp"
#include "seer/crypto/address.hpp"
#include "seer/crypto/hash.hpp"
#include "seer/node/genesis.hpp"
#include "seer/store/durable_value.hpp"

namespace seer::cli {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::uint64_t k_bench_account_funds = 1'000'000'000'000;  // useer
constexpr std::size_t k_max_response_bytes = 256u << 20;

int fail(const std::string& message) {
    std::cerr << "Error: " << message << "\n";
    return 1;
}

crypto::AccountKey bench_key(int i) {
    const auto secret = crypto::sha256(as_bytes("seer-bench-account-" + std::to_string(i)));
    auto k = crypto::AccountKey::from_secret(crypto::KeyType::secp256k1, secret);
    SEER_CHECK(k.ok());  // a SHA-256 is a valid secret with overwhelming probability
    return std::move(*k);
}

double now_wall_ms() {
    return std::chrono::duration<double, std::milli>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string str(const json::value& v) {
    return v.is_string() ? std::string(v.as_string()) : json::serialize(v);
}

/// A blocking HTTP/1.1 client on one keep-alive connection (reconnects when the server closes).
class Conn {
public:
    explicit Conn(std::string url) {
        std::string s = url;
        if (s.rfind("http://", 0) == 0) s = s.substr(7);
        while (!s.empty() && s.back() == '/')
            s.pop_back();
        const auto colon = s.rfind(':');
        m_host = colon == std::string::npos ? s : s.substr(0, colon);
        m_port = colon == std::string::npos ? "80" : s.substr(colon + 1);
    }
    ~Conn() { close(); }
    Conn(const Conn&) = delete;
    Conn& operator=(const Conn&) = delete;

    std::optional<std::string> post(const std::string& body) {
        return request("POST / HTTP/1.1\r\nHost: " + m_host +
                       "\r\nContent-Type: application/json\r\nContent-Length: " +
                       std::to_string(body.size()) + "\r\n\r\n" + body);
    }
    std::optional<std::string> get(const std::string& target) {
        return request("GET " + target + " HTTP/1.1\r\nHost: " + m_host + "\r\n\r\n");
    }

private:
    std::optional<std::string> request(const std::string& req) {
        for (int attempt = 0; attempt < 2; ++attempt) {
            if (m_fd < 0 && !open()) return std::nullopt;
            if (auto r = exchange(req)) return r;
            close();  // the server closed a kept-alive connection: once more on a new one
        }
        return std::nullopt;
    }
    bool open() {
        addrinfo hints{};
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        addrinfo* res = nullptr;
        if (getaddrinfo(m_host.c_str(), m_port.c_str(), &hints, &res) != 0 || !res) return false;
        for (addrinfo* a = res; a; a = a->ai_next) {
            m_fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
            if (m_fd < 0) continue;
            timeval tv{30, 0};
            setsockopt(m_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
            setsockopt(m_fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
            int one = 1;
            setsockopt(m_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            if (::connect(m_fd, a->ai_addr, a->ai_addrlen) == 0) break;
            ::close(m_fd);
            m_fd = -1;
        }
        freeaddrinfo(res);
        m_buf.clear();
        return m_fd >= 0;
    }
    void close() {
        if (m_fd >= 0) ::close(m_fd);
        m_fd = -1;
        m_buf.clear();
    }
    std::optional<std::string> exchange(const std::string& req) {
        if (::send(m_fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size()))
            return std::nullopt;
        // Headers, then Content-Length bytes of body (seer's servers always send one).
        std::size_t header_end;
        while ((header_end = m_buf.find("\r\n\r\n")) == std::string::npos)
            if (!fill()) return std::nullopt;
        std::string headers = m_buf.substr(0, header_end);
        std::transform(headers.begin(), headers.end(), headers.begin(),
                       [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
        const auto cl = headers.find("content-length:");
        if (cl == std::string::npos) return std::nullopt;
        const std::size_t length = std::strtoull(headers.c_str() + cl + 15, nullptr, 10);
        if (length > k_max_response_bytes) return std::nullopt;
        while (m_buf.size() < header_end + 4 + length)
            if (!fill()) return std::nullopt;
        std::string body = m_buf.substr(header_end + 4, length);
        m_buf.erase(0, header_end + 4 + length);
        if (headers.find("connection: close") != std::string::npos) close();
        return body;
    }
    bool fill() {
        char tmp[65536];
        const ssize_t n = ::recv(m_fd, tmp, sizeof tmp, 0);
        if (n <= 0) return false;
        m_buf.append(tmp, static_cast<std::size_t>(n));
        return true;
    }

    std::string m_host;
    std::string m_port;
    int m_fd = -1;
    std::string m_buf;
};

std::optional<json::value> rpc(Conn& c, const std::string& method, json::object params) {
    json::object req{{"jsonrpc", "2.0"}, {"id", 1}, {"method", method}, {"params", std::move(params)}};
    auto body = c.post(json::serialize(req));
    if (!body) return std::nullopt;
    boost::system::error_code ec;
    auto v = json::parse(*body, ec);
    if (ec || !v.is_object() || !v.as_object().contains("result")) return std::nullopt;
    return v.at("result");
}

/// The account's number and its next sequence.
std::optional<std::pair<std::uint64_t, std::uint64_t>> account_of(Conn& c, const std::string& address) {
    cosmos::auth::v1beta1::QueryAccountRequest q;
    q.set_address(address);
    std::string data;
    q.SerializeToString(&data);
    auto r = rpc(c, "abci_query",
                 {{"path", "/cosmos.auth.v1beta1.Query/Account"}, {"data", to_hex(as_bytes(data))}});
    if (!r || str(r->at("response").at("code")) != "0") return std::nullopt;
    auto value = from_base64(str(r->at("response").at("value")));
    if (!value) return std::nullopt;
    cosmos::auth::v1beta1::QueryAccountResponse resp;
    cosmos::auth::v1beta1::BaseAccount acc;
    if (!resp.ParseFromArray(value->data(), static_cast<int>(value->size())) ||
        !acc.ParseFromString(resp.account().value()))
        return std::nullopt;
    return std::make_pair(acc.account_number(), acc.sequence());
}

struct Dist {
    std::vector<double> xs;
    void add(double x) { xs.push_back(x); }
    double q(double p) {
        if (xs.empty()) return 0;
        std::sort(xs.begin(), xs.end());
        const auto i = static_cast<std::size_t>(p * static_cast<double>(xs.size() - 1) + 0.5);
        return xs[std::min(i, xs.size() - 1)];
    }
    json::object summary() {
        return {{"n", xs.size()}, {"p50", q(0.5)}, {"p99", q(0.99)}, {"max", q(1.0)}};
    }
};

/// One tx to send: which account (so which node and connection) and its bytes.
struct Planned {
    int account = 0;
    Bytes tx;
    std::string hash;  // upper-case hex SHA-256, as blocks name it
};

}  // namespace

int cmd_bench_genesis(const BenchGenesisOptions& o) {
    const std::string path = o.home + "/config/genesis.json";
    std::ifstream in(path);
    if (!in) return fail("cannot read " + path);
    std::stringstream ss;
    ss << in.rdbuf();
    auto doc = node::parse_genesis(ss.str());
    if (!doc) return fail(path + ": " + doc.error().message);
    auto state = app::parse_app_state(doc->app_state_json);
    if (!state) return fail(path + ": " + state.error().message);
    std::set<std::string> have;
    for (const auto& a : state->accounts)
        have.insert(a.address);
    for (int i = 0; i < o.accounts; ++i) {
        const std::string addr = crypto::to_bech32_address(bench_key(i).address());
        if (have.count(addr)) continue;
        state->accounts.push_back({addr, std::nullopt});
        state->balances.push_back(
            {addr, {{std::string(bank::k_native_denom), k_bench_account_funds}}});
    }
    if (o.raise_async_limits) {
        state->async.params.max_pending_per_account = 1'000'000;
        state->async.params.max_unfinished_futures = 1'000'000;
    }
    if (o.prune_after_blocks > 0) state->async.params.prune_after_blocks = o.prune_after_blocks;
    if (o.max_prune_per_block > 0)
        state->async.params.max_prune_per_block = o.max_prune_per_block;
    if (auto s = app::validate_genesis(*state); !s) return fail(s.error().message);
    doc->app_state_json = app::app_state_json(*state);
    store::write_file_atomic(path, as_bytes(node::render_genesis(*doc)), 0644);
    std::cout << "funded " << o.accounts << " bench accounts in " << path << "\n";
    return 0;
}

int cmd_bench_load(const BenchLoadOptions& o) {
    if (o.nodes.empty()) return fail("--nodes: at least one JSON-RPC URL");
    if (o.accounts < 1 || o.connections < 1) return fail("--accounts and --connections must be >= 1");
    if (o.txs < 0 || o.rate < 0 || o.duration_s < 0) return fail("negative --txs, --rate or --duration");
    if (o.rate > 0 && o.duration_s <= 0 && o.txs == 0)
        return fail("--rate needs --duration or --txs");
    Conn control(o.nodes[0]);
    auto status = rpc(control, "status", {});
    if (!status) return fail("node " + o.nodes[0] + " does not answer /status");
    const std::string chain_id = str(status->at("node_info").at("network"));
    const std::int64_t start_height =
        std::stoll(str(status->at("sync_info").at("latest_block_height")));

    // The plan: how many txs, pre-signed (two threads), in the order they go out.
    std::int64_t total = o.txs;
    if (total == 0 && o.rate > 0) total = static_cast<std::int64_t>(o.rate * o.duration_s);
    std::vector<Planned> plan(static_cast<std::size_t>(total));
    std::vector<std::uint64_t> numbers(static_cast<std::size_t>(o.accounts), 0);
    std::vector<std::uint64_t> sequences(static_cast<std::size_t>(o.accounts), 0);
    std::vector<crypto::AccountKey> keys;
    if (o.raw_bytes == 0 && total > 0) {
        for (int i = 0; i < o.accounts; ++i) {
            keys.push_back(bench_key(i));
            auto n = account_of(control, crypto::to_bech32_address(keys.back().address()));
            if (!n) return fail("bench account " + std::to_string(i) + " not found: run `seer bench genesis`");
            numbers[static_cast<std::size_t>(i)] = n->first;
            sequences[static_cast<std::size_t>(i)] = n->second;
        }
    }
    {
        const auto signing_start = Clock::now();
        std::vector<std::thread> signers;
        const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
        for (unsigned w = 0; w < threads; ++w)
            signers.emplace_back([&, w] {
                std::mt19937_64 rng(w * 7919u + 1u);
                for (std::size_t j = w; j < plan.size(); j += threads) {
                    Planned& p = plan[j];
                    p.account = static_cast<int>(j % static_cast<std::size_t>(o.accounts));
                    if (o.raw_bytes > 0) {
                        p.tx.resize(static_cast<std::size_t>(o.raw_bytes));
                        for (auto& b : p.tx)
                            b = static_cast<std::uint8_t>(rng());
                        p.tx[0] |= 0x01;  // never the results-tx marker 0x00
                    } else {
                        app::AddFutureTx t;
                        t.chain_id = chain_id;
                        t.account_number = numbers[static_cast<std::size_t>(p.account)];
                        t.sequence = sequences[static_cast<std::size_t>(p.account)] +
                                     j / static_cast<std::size_t>(o.accounts);
                        t.handler = o.handler;
                        std::string input = "bench-" + std::to_string(j) + "-";
                        input.resize(static_cast<std::size_t>(std::max(o.input_bytes, 1)), 'x');
                        t.input = to_bytes(input);
                        // What a wallet's `--gas auto` asks for: 1.3 x the gas used (10 per
                        // tx byte, about 300 bytes besides the input, a signature, a message
                        // and the built-in handler's gas). The fee is that at the testnet's
                        // 0.001useer, rounded up.
                        const std::uint64_t handler_gas =
                            o.handler == "echo" || o.handler == "math" ? 10000 : 50000;
                        t.gas_limit =
                            (13 * (10 * (input.size() + 300) + 1000 + 10000 + handler_gas)) / 10;
                        t.fee = {{std::string(bank::k_native_denom), (t.gas_limit + 999) / 1000}};
                        p.tx = app::build_add_future_tx(keys[static_cast<std::size_t>(p.account)], t);
                    }
                    p.hash = to_hex(crypto::sha256(p.tx), true);
                }
            });
        for (auto& s : signers)
            s.join();
        std::cerr << "bench load: " << plan.size() << " txs pre-signed in "
                  << std::chrono::duration<double>(Clock::now() - signing_start).count() << " s\n";
    }

    // Sending: connection k of node n carries the accounts a with a % (nodes*conns) == n*conns+k,
    // in sequence order, so no account's txs overtake each other.
    const int lanes = static_cast<int>(o.nodes.size()) * o.connections;
    std::mutex mu;
    std::map<std::string, double> sent_at;  // hash -> wall ms
    std::map<std::string, std::int64_t> refused;
    Dist broadcast_ms;
    std::atomic<std::int64_t> accepted{0};
    const double t0_wall = now_wall_ms();
    const auto t0 = Clock::now();
    std::vector<std::thread> senders;
    for (int lane = 0; lane < lanes; ++lane)
        senders.emplace_back([&, lane] {
            Conn c(o.nodes[static_cast<std::size_t>(lane / o.connections)]);
            std::vector<const Planned*> mine;
            for (const auto& p : plan)
                if (p.account % lanes == lane) mine.push_back(&p);
            const double per_lane_rate = o.rate / lanes;
            std::map<int, bool> account_broken;  // a refused tx breaks its account's sequence
            for (std::size_t k = 0; k < mine.size(); ++k) {
                const Planned& p = *mine[k];
                if (per_lane_rate > 0) {
                    const auto due = t0 + std::chrono::duration_cast<Clock::duration>(
                                              std::chrono::duration<double>(
                                                  static_cast<double>(k) / per_lane_rate));
                    std::this_thread::sleep_until(due);
                }
                if (o.raw_bytes == 0 && account_broken[p.account]) continue;
                const std::string body = json::serialize(json::object{
                    {"jsonrpc", "2.0"},
                    {"id", k},
                    {"method", "broadcast_tx_sync"},
                    {"params", json::object{{"tx", to_base64(p.tx)}}}});
                for (int attempt = 0;; ++attempt) {
                    const auto s = Clock::now();
                    const double wall = now_wall_ms();
                    auto r = c.post(body);
                    const double ms =
                        std::chrono::duration<double, std::milli>(Clock::now() - s).count();
                    std::string why;
                    bool ok = false;
                    bool full = false;
                    if (!r) {
                        why = "no answer";
                    } else {
                        boost::system::error_code ec;
                        auto v = json::parse(*r, ec);
                        if (ec || !v.is_object()) {
                            why = "bad json";
                        } else if (v.as_object().contains("error")) {
                            why = "rpc error";
                            full = str(v.at("error")).find("full") != std::string::npos;
                        } else {
                            const auto code = str(v.at("result").at("code"));
                            const auto log = str(v.at("result").at("log"));
                            ok = code == "0";
                            full = log.find("full") != std::string::npos;
                            why = "code " + code + (full ? " (full)" : "");
                        }
                    }
                    if (full && attempt < 2000) {  // back off: the mempool drains every block
                        std::this_thread::sleep_for(std::chrono::milliseconds(5));
                        continue;
                    }
                    std::lock_guard lock(mu);
                    broadcast_ms.add(ms);
                    if (ok) {
                        sent_at[p.hash] = wall;
                        ++accepted;
                    } else {
                        ++refused[why];
                        account_broken[p.account] = true;
                    }
                    break;
                }
            }
        });

    // Following the chain on the control connection: each new block's txs and verdict events.
    struct Height {
        std::int64_t height = 0;
        double time_ms = 0;  // the header's time
        std::int64_t txs = 0;
    };
    std::vector<Height> heights;
    std::map<std::string, double> committed_at;  // hash -> the block's time
    std::map<std::uint64_t, double> future_sent;  // future id -> its tx's send time
    std::map<std::uint64_t, std::int64_t> future_height;
    Dist future_ms;
    Dist future_blocks;
    double last_verdict_ms = 0;
    std::map<std::string, std::int64_t> verdicts;
    std::int64_t next = start_height + 1;
    bool sending = true;
    const auto deadline = t0 + std::chrono::duration_cast<Clock::duration>(
                                   std::chrono::duration<double>(o.timeout_s));
    std::int64_t unfinished = 0;
    // While txs are being sent, the chain is not followed: reading every block and its results
    // would load node 0 with the observer's work during the measured window. Every figure comes
    // from the headers' times and the send times, so following afterwards changes none.
    auto follow = [&]() {
        {
            std::lock_guard lock(mu);
            if (sending) return;
        }
        auto st = rpc(control, "status", {});
        if (!st) return;
        const auto h = std::stoll(str(st->at("sync_info").at("latest_block_height")));
        for (; next <= h; ++next) {
            auto b = rpc(control, "block", {{"height", std::to_string(next)}});
            auto r = rpc(control, "block_results", {{"height", std::to_string(next)}});
            if (!b || !r) return;  // try again on the next poll
            Height x;
            x.height = next;
            {
                // RFC 3339 with nanoseconds; only differences matter, so parse it ourselves.
                const std::string t = str(b->at("block").at("header").at("time"));
                std::tm tm{};
                std::istringstream in(t.substr(0, 19));
                in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%S");
                double frac = 0;
                if (t.size() > 20 && t[19] == '.') {
                    const auto end = t.find_first_not_of("0123456789", 20);
                    frac = std::stod("0." + t.substr(20, end - 20));
                }
                x.time_ms = (static_cast<double>(timegm(&tm)) + frac) * 1000.0;
            }
            const auto& txs = b->at("block").at("data").at("txs").as_array();
            const auto& results = r->at("txs_results");
            std::lock_guard lock(mu);
            for (std::size_t i = 0; i < txs.size(); ++i) {
                auto bytes = from_base64(str(txs[i]));
                if (!bytes || (!bytes->empty() && (*bytes)[0] == 0x00)) continue;  // results tx
                const std::string hash = to_hex(crypto::sha256(*bytes), true);
                auto sent = sent_at.find(hash);
                if (sent == sent_at.end()) continue;
                ++x.txs;
                committed_at[hash] = x.time_ms;
                if (!results.is_array() || i >= results.as_array().size()) continue;
                for (const auto& e : results.as_array()[i].as_object().at("events").as_array()) {
                    if (str(e.at("type")) != "future_created") continue;
                    for (const auto& a : e.at("attributes").as_array())
                        if (str(a.at("key")) == "future_id") {
                            const auto id = std::stoull(str(a.at("value")));
                            future_sent[id] = sent->second;
                            future_height[id] = next;
                        }
                }
            }
            if (r->as_object().contains("finalize_block_events") &&
                r->at("finalize_block_events").is_array())
                for (const auto& e : r->at("finalize_block_events").as_array()) {
                    const std::string type = str(e.at("type"));
                    if (type != "future_verified" && type != "future_failed" &&
                        type != "future_timed_out")
                        continue;
                    for (const auto& a : e.at("attributes").as_array()) {
                        if (str(a.at("key")) != "future_id") continue;
                        const auto id = std::stoull(str(a.at("value")));
                        auto f = future_sent.find(id);
                        if (f == future_sent.end()) continue;
                        ++verdicts[type];
                        last_verdict_ms = std::max(last_verdict_ms, x.time_ms);
                        future_ms.add(x.time_ms - f->second);
                        future_blocks.add(static_cast<double>(next - future_height[id]));
                        future_sent.erase(f);
                    }
                }
            heights.push_back(x);
        }
        std::lock_guard lock(mu);
        unfinished = static_cast<std::int64_t>(future_sent.size());
    };
    std::thread joiner([&] {
        for (auto& s : senders)
            s.join();
        std::lock_guard lock(mu);
        sending = false;
    });
    double sent_s = 0;
    for (;;) {
        follow();
        bool done;
        {
            std::lock_guard lock(mu);
            if (!sending && sent_s == 0)
                sent_s = std::chrono::duration<double>(Clock::now() - t0).count();
            const bool all_committed = committed_at.size() >= sent_at.size();
            const bool all_final = !o.wait_final || o.raw_bytes > 0 || unfinished == 0;
            const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
            done = !sending && all_committed && all_final &&
                   (total > 0 || elapsed >= o.duration_s);
        }
        if (done || Clock::now() > deadline) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    joiner.join();
    if (sent_s == 0) sent_s = std::chrono::duration<double>(Clock::now() - t0).count();

    // Figures. Rates run from the first to the last block that carried the load's txs; block
    // intervals are over the heights that carried load (or all heights with no load).
    Dist intervals;
    double first_ms = 0;
    double last_ms = 0;
    std::int64_t committed = 0;
    for (std::size_t i = 0; i < heights.size(); ++i) {
        const bool loaded = heights[i].txs > 0;
        if (i > 0 && (total == 0 || loaded || (heights[i - 1].txs > 0)))
            intervals.add(heights[i].time_ms - heights[i - 1].time_ms);
        if (!loaded) continue;
        if (committed == 0) first_ms = heights[i].time_ms;
        last_ms = heights[i].time_ms;
        committed += heights[i].txs;
    }
    // The first loaded block's txs were sent before it: the window starts at the first send.
    const double window_s = std::max(1e-3, (last_ms - std::min(first_ms, t0_wall)) / 1000.0);
    std::int64_t final_count = 0;
    for (const auto& [k, n] : verdicts)
        final_count += n;
    json::object out{
        {"chain_id", chain_id},
        {"planned", total},
        {"accepted", accepted.load()},
        {"committed", committed},
        {"send_s", sent_s},
        {"committed_tx_per_s", committed > 0 ? static_cast<double>(committed) / window_s : 0.0},
        {"broadcast_ms", broadcast_ms.summary()},
        {"block_interval_ms", intervals.summary()},
        {"heights", heights.size()},
        {"future_latency_ms", future_ms.summary()},
        {"future_latency_blocks", future_blocks.summary()},
        {"futures_final", final_count},
        {"futures_unfinished", unfinished},
    };
    json::object v;
    for (const auto& [k, n] : verdicts)
        v[k] = n;
    out["verdicts"] = std::move(v);
    json::object r;
    for (const auto& [k, n] : refused)
        r[k] = n;
    out["refused"] = std::move(r);
    // Futures finished per second: final futures over the window from the first send to the
    // block of the last verdict.
    if (final_count > 0)
        out["futures_per_s"] =
            static_cast<double>(final_count) / std::max(1e-3, (last_verdict_ms - t0_wall) / 1000.0);
    std::cout << json::serialize(out) << "\n";
    return committed >= accepted.load() ? 0 : 2;
}

}  // namespace seer::cli
