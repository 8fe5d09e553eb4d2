#include "client.hpp"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/type_resolver_util.h>
#include <boost/json.hpp>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "cosmos/auth/v1beta1/auth.pb.h"
#include "cosmos/bank/v1beta1/bank.pb.h"
#include "cosmos/base/abci/v1beta1/abci.pb.h"
#include "cosmos/crypto/ed25519/keys.pb.h"
#include "cosmos/crypto/secp256k1/keys.pb.h"
#include "cosmos/tx/v1beta1/service.pb.h"
#include "cosmos/tx/v1beta1/tx.pb.h"
#include "follow.hpp"
#include "seer/app/tx.hpp"
#include "seer/async/tx.hpp"
#include "seer/async/status.hpp"
#include "seer/async/v1/async.pb.h"
#include "seer/bank/coins.hpp"
#include "seer/common/base64.hpp"
#include "seer/crypto/address.hpp"
#include "seer/crypto/hash.hpp"
#include "seer/node/keyring.hpp"
#include "seer/store/durable_value.hpp"

namespace seer::cli {

namespace json = boost::json;
namespace v1 = seer::async::v1;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t k_max_response_bytes = 64u << 20;

int fail(const std::string& message) {
    std::cerr << "Error: " << message << "\n";
    return 1;
}

struct Endpoint {
    std::string host;
    std::string port;
};

Result<Endpoint> parse_url(const std::string& url) {
    std::string s = url;
    if (s.rfind("http://", 0) == 0)
        s = s.substr(7);
    else if (s.rfind("tcp://", 0) == 0)
        s = s.substr(6);
    else if (s.find("://") != std::string::npos)
        return make_error("bad_url", "--node must be http://host:port, got " + url);
    while (!s.empty() && s.back() == '/')
        s.pop_back();
    const auto colon = s.rfind(':');
    if (colon == std::string::npos) return Endpoint{s, "80"};
    return Endpoint{s.substr(0, colon), s.substr(colon + 1)};
}

Result<std::string> http_post(const std::string& url, const std::string& body, int timeout_s) {
    auto ep = parse_url(url);
    if (!ep) return ep.error();
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (getaddrinfo(ep->host.c_str(), ep->port.c_str(), &hints, &res) != 0 || !res)
        return make_error("unreachable", "cannot resolve " + ep->host + " (node " + url + ")");
    int fd = -1;
    for (addrinfo* a = res; a; a = a->ai_next) {
        fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) continue;
        timeval tv{timeout_s, 0};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
        ::close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) return make_error("unreachable", "node unreachable at " + url);
    const std::string req =
        "POST / HTTP/1.1\r\nHost: " + ep->host +
        "\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + body;
    if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
        ::close(fd);
        return make_error("unreachable", "node at " + url + " closed the connection");
    }
    std::string resp;
    char buf[16384];
    for (;;) {
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        resp.append(buf, static_cast<std::size_t>(n));
        if (resp.size() > k_max_response_bytes) break;
    }
    ::close(fd);
    const auto pos = resp.find("\r\n\r\n");
    if (pos == std::string::npos || resp.rfind("HTTP/1.", 0) != 0)
        return make_error("bad_response", "no HTTP response from " + url);
    // "HTTP/1.1 413 Payload Too Large": a refusal that is not JSON-RPC is reported as what it
    // is, with the node's own reason (the body names the limit), not as "invalid JSON".
    const auto line_end = resp.find("\r\n");
    const std::string status_line = resp.substr(0, line_end);
    const auto sp = status_line.find(' ');
    const int code = sp == std::string::npos ? 0 : std::atoi(status_line.c_str() + sp + 1);
    std::string answer = resp.substr(pos + 4);
    if (code != 200) {
        boost::system::error_code ec;
        auto parsed = json::parse(answer, ec);
        if (ec || !parsed.is_object()) {
            std::string reason = answer.substr(0, 300);
            while (!reason.empty() && (reason.back() == '\n' || reason.back() == '\r'))
                reason.pop_back();
            return make_error("http_" + std::to_string(code),
                              "node refused the request: " + status_line.substr(sp + 1) +
                                  (reason.empty() ? "" : " (" + reason + ")"));
        }
    }
    return answer;
}

Result<json::value> call(const ClientOptions& c, const std::string& method, json::object params) {
    json::object req{
        {"jsonrpc", "2.0"}, {"id", 1}, {"method", method}, {"params", std::move(params)}};
    auto body = http_post(c.node, json::serialize(req), c.timeout_s);
    if (!body) return body.error();
    boost::system::error_code ec;
    auto v = json::parse(*body, ec);
    if (ec || !v.is_object()) return make_error("bad_response", "node answered with invalid JSON");
    const auto& o = v.as_object();
    if (auto e = o.find("error"); e != o.end() && e->value().is_object()) {
        const auto& eo = e->value().as_object();
        std::string msg =
            eo.contains("message") ? std::string(eo.at("message").as_string()) : "error";
        if (eo.contains("data") && eo.at("data").is_string())
            msg += ": " + std::string(eo.at("data").as_string());
        return make_error("rpc_error", msg);
    }
    if (!o.contains("result")) return make_error("bad_response", "node answered without a result");
    return o.at("result");
}

std::string str(const json::value& v, std::initializer_list<const char*> path) {
    const json::value* cur = &v;
    for (const char* k : path) {
        if (!cur->is_object() || !cur->as_object().contains(k)) return "";
        cur = &cur->as_object().at(k);
    }
    if (cur->is_string()) return std::string(cur->as_string());
    if (cur->is_int64()) return std::to_string(cur->as_int64());
    if (cur->is_bool()) return cur->as_bool() ? "true" : "false";
    return "";
}

// abci_query: the decoded value bytes, or an error with the module's log.
Result<Bytes> abci_query(const ClientOptions& c, const std::string& path, ByteView data) {
    auto r = call(c, "abci_query", json::object{{"path", path}, {"data", to_hex(data)}});
    if (!r) return r.error();
    const std::string code = str(*r, {"response", "code"});
    if (!code.empty() && code != "0")
        return make_error("query_failed", "code " + code + " (" +
                                              str(*r, {"response", "codespace"}) +
                                              "): " + str(*r, {"response", "log"}));
    auto value = from_base64(str(*r, {"response", "value"}));
    if (!value) return make_error("bad_response", "query value is not base64");
    return *value;
}

std::string status_name(v1::FutureStatus s) {
    std::string n = v1::FutureStatus_Name(s);
    const std::string prefix = "FUTURE_STATUS_";
    return n.rfind(prefix, 0) == 0 ? n.substr(prefix.size()) : n;
}

std::string to_json(const google::protobuf::Message& m) {
    google::protobuf::util::JsonPrintOptions o;
    o.preserve_proto_field_names = true;
    o.always_print_primitive_fields = true;
    o.add_whitespace = true;
    std::string out;
    (void)google::protobuf::util::MessageToJsonString(m, &out, o);
    return out;
}

/// proto3 JSON of txs with the SDK's type URLs ("/cosmos.bank.v1beta1.MsgSend", no host part),
/// as REST prints them: what --generate-only writes and `seer tx sign|broadcast` read.
google::protobuf::util::TypeResolver* tx_type_resolver() {
    static const std::unique_ptr<google::protobuf::util::TypeResolver> resolver = [] {
        // The messages a tx may carry, linked in so the generated pool knows them.
        (void)v1::MsgAddFuture::descriptor();
        (void)cosmos::bank::v1beta1::MsgSend::descriptor();
        (void)cosmos::crypto::secp256k1::PubKey::descriptor();
        (void)cosmos::crypto::ed25519::PubKey::descriptor();
        return std::unique_ptr<google::protobuf::util::TypeResolver>(
            google::protobuf::util::NewTypeResolverForDescriptorPool(
                "", google::protobuf::DescriptorPool::generated_pool()));
    }();
    return resolver.get();
}

constexpr const char* k_tx_type_url = "/cosmos.tx.v1beta1.Tx";

/// A TxRaw as the JSON of the Tx it encodes; `with_signatures` false leaves them out.
Result<std::string> tx_raw_to_json(ByteView raw_bytes, bool with_signatures) {
    cosmos::tx::v1beta1::TxRaw raw;
    cosmos::tx::v1beta1::Tx tx;
    if (!raw.ParseFromArray(raw_bytes.data(), static_cast<int>(raw_bytes.size())) ||
        !tx.mutable_body()->ParseFromString(raw.body_bytes()) ||
        !tx.mutable_auth_info()->ParseFromString(raw.auth_info_bytes()))
        return make_error("bad_tx", "the tx does not decode");
    if (with_signatures)
        for (const auto& sig : raw.signatures()) tx.add_signatures(sig);
    google::protobuf::util::JsonPrintOptions opts;
    opts.preserve_proto_field_names = true;
    opts.always_print_primitive_fields = true;  // "signatures": [] as the SDK writes it
    opts.add_whitespace = true;
    std::string text;
    if (!google::protobuf::util::BinaryToJsonString(tx_type_resolver(), k_tx_type_url,
                                                    tx.SerializeAsString(), &text, opts)
             .ok())
        return make_error("bad_tx", "the tx has no JSON form");
    return text;
}

/// A Tx's JSON (from --generate-only or `seer tx sign`), read back from a file.
Result<cosmos::tx::v1beta1::Tx> tx_from_json_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error("no_file", "cannot read " + path);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string binary;
    google::protobuf::util::JsonParseOptions opts;
    const auto st = google::protobuf::util::JsonToBinaryString(tx_type_resolver(), k_tx_type_url,
                                                               ss.str(), &binary, opts);
    cosmos::tx::v1beta1::Tx tx;
    if (!st.ok() || !tx.ParseFromString(binary))
        return make_error("bad_tx", path + " is not a tx's JSON (as --generate-only writes it): " +
                                        std::string(st.message()));
    if (tx.body().messages_size() == 0) return make_error("bad_tx", path + ": the tx has no message");
    return tx;
}

std::string printable(const std::string& bytes) {
    for (unsigned char ch : bytes)
        if (ch < 0x20 && ch != '\n' && ch != '\t') return "base64:" + to_base64(as_bytes(bytes));
    return bytes;
}

void print_future(const v1::Future& f) {
    auto line = [](const char* k, const std::string& v) {
        std::printf("%-10s %s\n", k, v.c_str());
    };
    line("id:", std::to_string(f.id()));
    line("status:", status_name(f.status()));
    line("handler:", f.handler());
    line("input:", printable(f.input()));
    if (f.has_result()) {
        if (f.result().output_sha256().size() == 32)
            line("output:", "off chain, " + std::to_string(f.result().output_size()) +
                                " bytes, sha256 " + to_hex(as_bytes(f.result().output_sha256())) +
                                " (--output-file to fetch)");
        else if (f.result().error().empty())
            line("output:", printable(f.result().output()));
        else
            line("error:", f.result().error());
    }
    if (!f.final_reason().empty()) line("reason:", f.final_reason());
    line("creator:", f.creator());
    if (!f.tx_hash().empty()) line("txhash:", to_hex(as_bytes(f.tx_hash()), true));
    line("created:", "height " + std::to_string(f.created_height()) + " (deadline " +
                         std::to_string(f.deadline_height()) + ")");
    if (f.has_result())
        line("executed:", "height " + std::to_string(f.result().height()) + " by " +
                              to_hex(as_bytes(f.result().submitter()), true));
    if (f.final_height() > 0) line("final:", "height " + std::to_string(f.final_height()));
    line("attempts:", std::to_string(f.attempts()));
    if (f.tally().total_power() > 0) {
        char buf[160];
        const double total = static_cast<double>(f.tally().total_power());
        std::snprintf(
            buf, sizeof buf, "verified %.1f%%, rejected %.1f%% of the voting power (%d votes)",
            100.0 * static_cast<double>(f.tally().verified_power()) / total,
            100.0 * static_cast<double>(f.tally().rejected_power()) / total, f.votes_size());
        line("tally:", buf);
    }
}

/// The future from state, or from the node's archive once state pruned it (`pruned`).
Result<v1::QueryFutureResponse> fetch_future_response(const ClientOptions& c, std::uint64_t id) {
    auto bytes = abci_query(c, "async/future/" + std::to_string(id), {});
    if (!bytes) return bytes.error();
    v1::QueryFutureResponse r;
    if (!r.ParseFromArray(bytes->data(), static_cast<int>(bytes->size())))
        return make_error("bad_response", "future does not decode");
    return r;
}

Result<v1::Future> fetch_future(const ClientOptions& c, std::uint64_t id) {
    auto r = fetch_future_response(c, id);
    if (!r) return r.error();
    return r->future();
}

/// The future's output bytes (fetched from the node when off chain), checked against the
/// SHA-256 on chain, written to `path`.
Status write_output(const ClientOptions& c, const v1::Future& f, const std::string& path) {
    const auto& res = f.result();
    if (!f.has_result() || !res.error().empty())
        return make_error("no_output", "future " + std::to_string(f.id()) + " has no output (" +
                                           status_name(f.status()) + ")");
    Bytes bytes;
    std::string want;
    if (res.output_sha256().size() == 32) {
        want = res.output_sha256();
        auto got = abci_query(c, "async/output/" + to_hex(as_bytes(want)), {});
        if (!got) return make_error("no_output", "off-chain output: " + got.error().message);
        bytes = std::move(*got);
    } else {
        bytes = to_bytes(res.output());
        const auto h = crypto::sha256(bytes);
        want.assign(h.begin(), h.end());
    }
    const auto h = crypto::sha256(bytes);
    if (std::string(h.begin(), h.end()) != want)
        return make_error("bad_output", "the node's output does not match the SHA-256 on chain");
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
    if (!out) return make_error("io", "cannot write " + path);
    std::fprintf(stderr, "wrote %zu bytes to %s (sha256 %s, checked)\n", bytes.size(), path.c_str(),
                 to_hex(h).c_str());
    return {};
}

}  // namespace

int cmd_status(const ClientOptions& c) {
    auto r = call(c, "status", {});
    if (!r) return fail(r.error().message);
    if (c.output == "json") {
        std::cout << json::serialize(*r) << "\n";
        return 0;
    }
    std::printf("%-12s %s\n", "moniker:", str(*r, {"node_info", "moniker"}).c_str());
    std::printf("%-12s %s\n", "chain:", str(*r, {"node_info", "network"}).c_str());
    std::printf("%-12s %s\n", "node id:", str(*r, {"node_info", "id"}).c_str());
    std::printf("%-12s %s\n", "height:", str(*r, {"sync_info", "latest_block_height"}).c_str());
    std::printf("%-12s %s\n", "block time:", str(*r, {"sync_info", "latest_block_time"}).c_str());
    std::printf("%-12s %s\n", "catching up:", str(*r, {"sync_info", "catching_up"}).c_str());
    std::printf("%-12s %s (power %s)\n",
                "validator:", str(*r, {"validator_info", "address"}).c_str(),
                str(*r, {"validator_info", "voting_power"}).c_str());
    return 0;
}

int cmd_query_future(const ClientOptions& c, const std::string& id_text,
                     const std::string& output_file) {
    std::uint64_t id = 0;
    try {
        std::size_t pos = 0;
        id = std::stoull(id_text, &pos);
        if (pos != id_text.size() || id_text[0] == '-') throw std::invalid_argument("id");
    } catch (...) {
        return fail("future ID must be an unsigned integer, got '" + id_text + "'");
    }
    auto r = fetch_future_response(c, id);
    if (!r) return fail(r.error().message);
    if (!output_file.empty())
        if (auto w = write_output(c, r->future(), output_file); !w) return fail(w.error().message);
    if (c.output == "json") {
        std::cout << to_json(*r);  // {"future": ..., "pruned": ...}, as REST
        return 0;
    }
    print_future(r->future());
    if (r->pruned())
        std::printf("%-10s %s\n", "pruned:",
                    "yes: consensus state pruned it; this answer is from the node's archive");
    return 0;
}

int cmd_query_txs(const ClientOptions& c, const std::string& query, std::int64_t page,
                  std::int64_t per_page, const std::string& order) {
    json::object params{
        {"query", query}, {"page", std::to_string(page)}, {"per_page", std::to_string(per_page)}};
    if (!order.empty()) params["order_by"] = order;
    auto r = call(c, "tx_search", std::move(params));
    if (!r) return fail(r.error().message);
    if (c.output == "json") {
        std::cout << json::serialize(*r) << "\n";
        return 0;
    }
    std::printf("%-8s %-5s %-5s %s\n", "HEIGHT", "INDEX", "CODE", "HASH");
    if (r->is_object() && r->as_object().contains("txs") && r->at("txs").is_array()) {
        for (const auto& t : r->at("txs").as_array())
            std::printf("%-8s %-5s %-5s %s\n", str(t, {"height"}).c_str(),
                        str(t, {"index"}).c_str(), str(t, {"tx_result", "code"}).c_str(),
                        str(t, {"hash"}).c_str());
    }
    std::printf("(%s matching, page %lld)\n", str(*r, {"total_count"}).c_str(),
                static_cast<long long>(page));
    return 0;
}

int cmd_query_futures(const ClientOptions& c, const std::string& creator, const std::string& status,
                      const std::string& handler, std::uint64_t limit, const std::string& page_key,
                      bool pending_only) {
    v1::QueryFuturesRequest req;
    req.set_creator(creator);
    req.set_handler(handler);
    if (!status.empty()) {
        const auto s = async::parse_future_status(status);
        if (!s)
            return fail("unknown status '" + status + "' (" +
                        std::string(async::k_future_status_names) + ")");
        req.set_status(*s);
    }
    req.mutable_pagination()->set_limit(limit);
    if (!page_key.empty()) {
        auto key = from_base64(page_key);
        if (!key || key->empty())
            return fail("--page-key '" + page_key + "' is not base64 (use the key a page printed)");
        req.mutable_pagination()->set_key(std::string(key->begin(), key->end()));
    }
    Result<Bytes> bytes = make_error("", "");
    if (pending_only) {
        const std::string page = req.pagination().SerializeAsString();
        bytes = abci_query(c, "async/pending_futures", as_bytes(page));
    } else {
        const std::string data = req.SerializeAsString();
        bytes = abci_query(c, "async/futures", as_bytes(data));
    }
    if (!bytes) return fail(bytes.error().message);
    v1::QueryFuturesResponse r;
    if (!r.ParseFromArray(bytes->data(), static_cast<int>(bytes->size())))
        return fail("the node's answer does not decode");
    if (c.output == "json") {
        std::cout << to_json(r);
        return 0;
    }
    std::printf("%-8s %-10s %-10s %-8s %s\n", "ID", "STATUS", "HANDLER", "CREATED", "CREATOR");
    for (const auto& f : r.futures())
        std::printf("%-8llu %-10s %-10s %-8lld %s\n", static_cast<unsigned long long>(f.id()),
                    status_name(f.status()).c_str(), f.handler().c_str(),
                    static_cast<long long>(f.created_height()), f.creator().c_str());
    if (!r.pagination().next_key().empty())
        std::printf("(more: --page-key %s)\n",
                    to_base64(as_bytes(r.pagination().next_key())).c_str());
    return 0;
}

int cmd_query_simple(const ClientOptions& c, const std::string& what) {
    auto bytes = abci_query(c, "async/" + what, {});
    if (!bytes) return fail(bytes.error().message);
    if (what == "params") {
        v1::QueryParamsResponse r;
        if (!r.ParseFromArray(bytes->data(), static_cast<int>(bytes->size())))
            return fail("bad answer");
        if (c.output == "json") {
            std::cout << to_json(r);
            return 0;
        }
        const auto* d = r.params().GetDescriptor();
        const auto* refl = r.params().GetReflection();
        for (int i = 0; i < d->field_count(); ++i) {
            const auto* f = d->field(i);
            std::string v = f->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_UINT32
                                ? std::to_string(refl->GetUInt32(r.params(), f))
                                : std::to_string(refl->GetUInt64(r.params(), f));
            std::printf("%-26s %s\n", (f->name() + ":").c_str(), v.c_str());
        }
        return 0;
    }
    v1::QueryHandlersResponse r;
    if (!r.ParseFromArray(bytes->data(), static_cast<int>(bytes->size())))
        return fail("bad answer");
    if (c.output == "json") {
        std::cout << to_json(r);
        return 0;
    }
    for (const auto& h : r.handlers())
        std::printf("%s  (fee %llu, gas %llu)\n    %s\n", h.name().c_str(),
                    static_cast<unsigned long long>(h.fee()),
                    static_cast<unsigned long long>(h.gas()),
                    h.description().empty() ? "(no description)" : h.description().c_str());
    return 0;
}

Result<std::int64_t> rpc_height(const std::string& rpc_url, int timeout_s) {
    ClientOptions c;
    c.node = rpc_url;
    c.timeout_s = timeout_s;
    auto st = call(c, "status", {});
    if (!st) return st.error();
    try {
        return std::stoll(str(*st, {"sync_info", "latest_block_height"}));
    } catch (const std::exception&) {
        return make_error("bad_response", "status without latest_block_height");
    }
}

int cmd_query_tx(const ClientOptions& c, const std::string& hash) {
    // Hex as CometBFT and this CLI print it, or base64 as REST and `-o json` carry the bytes
    // (proto3 JSON): a hash copied from either works.
    auto bytes = from_hex(hash.rfind("0x", 0) == 0 ? hash.substr(2) : hash);
    if (!bytes || bytes->size() != 32) bytes = from_base64(hash);
    if (!bytes || bytes->size() != 32)
        return fail("tx hash must be 64 hex digits or the base64 of 32 bytes");
    auto r = call(c, "tx", json::object{{"hash", to_base64(*bytes)}});
    if (!r) return fail(r.error().message);
    if (c.output == "json") {
        std::cout << json::serialize(*r) << "\n";
        return 0;
    }
    std::printf("%-8s %s\n%-8s %s\n%-8s %s\n%-8s %s\n", "hash:", str(*r, {"hash"}).c_str(),
                "height:", str(*r, {"height"}).c_str(),
                "code:", str(*r, {"tx_result", "code"}).c_str(),
                "log:", str(*r, {"tx_result", "log"}).c_str());
    return 0;
}

namespace {

/// The account's number and next sequence. The node's check state answers first, so a tx
/// signed right after another one (still in the mempool) gets the sequence after it; a node
/// without that query answers from the committed state (auth's Account query).
Result<cosmos::auth::v1beta1::BaseAccount> fetch_account(const ClientOptions& c,
                                                         const std::string& address) {
    cosmos::auth::v1beta1::QueryAccountRequest req;
    req.set_address(address);
    const auto data = req.SerializeAsString();
    auto bytes = abci_query(c, std::string(app::k_pending_account_path), to_bytes(data));
    if (!bytes && bytes.error().message.find("unknown query path") != std::string::npos)
        bytes = abci_query(c, "/cosmos.auth.v1beta1.Query/Account", to_bytes(data));
    if (!bytes) {
        if (bytes.error().message.find("NotFound") != std::string::npos)
            return make_error("no_account",
                              "account " + address +
                                  " not found: it has never received funds (fund it first, e.g. "
                                  "`seer tx bank send faucet " + address + " 1000000useer`)");
        return make_error("query", "account " + address + ": " + bytes.error().message);
    }
    cosmos::auth::v1beta1::QueryAccountResponse resp;
    cosmos::auth::v1beta1::BaseAccount acc;
    if (!resp.ParseFromArray(bytes->data(), static_cast<int>(bytes->size())) ||
        !acc.ParseFromString(resp.account().value()))
        return make_error("decode", "account answer does not decode");
    return acc;
}

std::string chain_id_of(const ClientOptions& c, const TxOptionsCli& o) {
    if (!o.chain_id.empty()) return o.chain_id;
    auto st = call(c, "status", {});
    return st ? str(*st, {"node_info", "network"}) : std::string();
}

}  // namespace

namespace {

/// The chain ID, account number and sequence a tx is signed with: the flags', else the node's
/// (--chain-id, --account-number and --sequence together need no node).
Result<app::TxOptions> account_options(const ClientOptions& c, const crypto::AccountKey& key,
                                       const TxOptionsCli& o) {
    app::TxOptions t;
    if (o.account_number < 0 || o.sequence < 0) {
        auto acc = fetch_account(c, crypto::to_bech32_address(key.address()));
        if (!acc) return acc.error();
        t.account_number = acc->account_number();
        t.sequence = acc->sequence();
    }
    if (o.account_number >= 0) t.account_number = static_cast<std::uint64_t>(o.account_number);
    if (o.sequence >= 0) t.sequence = static_cast<std::uint64_t>(o.sequence);
    t.chain_id = chain_id_of(c, o);
    if (t.chain_id.empty()) return make_error("unreachable", "cannot read the chain ID from " + c.node);
    t.memo = o.memo;
    return t;
}

/// Gas (--gas auto simulates), the fee, and the signature; or with --generate-only the tx
/// unsigned, as JSON in `unsigned_json`.
Result<SignedTx> finish_tx(const ClientOptions& c, const crypto::AccountKey& key,
                           const std::vector<app::Msg>& msgs, const TxOptionsCli& o,
                           app::TxOptions t) {
    auto prices = bank::parse_gas_prices(o.gas_prices);
    if (!prices) return make_error("bad_flag", "--gas-prices: " + prices.error().message);
    if (o.gas == "auto") {
        // Simulate, as `--gas auto` does in the SDK's CLI: the estimate times --gas-adjustment.
        cosmos::tx::v1beta1::SimulateRequest req;
        const Bytes unsigned_tx = app::build_unsigned_tx(key.public_key(), t, msgs);
        req.set_tx_bytes(std::string(unsigned_tx.begin(), unsigned_tx.end()));
        auto sim = abci_query(c, "/cosmos.tx.v1beta1.Service/Simulate",
                              to_bytes(req.SerializeAsString()));
        // A tx the node would refuse is refused here, with the node's code and reason.
        if (!sim) return make_error("simulate", "tx rejected: " + sim.error().message);
        cosmos::tx::v1beta1::SimulateResponse resp;
        if (!resp.ParseFromArray(sim->data(), static_cast<int>(sim->size())))
            return make_error("decode", "simulation answer does not decode");
        t.gas_limit = static_cast<std::uint64_t>(
            static_cast<double>(resp.gas_info().gas_used()) * o.gas_adjustment + 0.5);
    } else {
        auto gas = bank::parse_amount(o.gas);
        if (!gas || *gas == 0) return make_error("bad_flag", "--gas must be auto or a positive integer");
        t.gas_limit = *gas;
    }
    if (!o.fees.empty()) {
        auto fees = bank::parse_coins(o.fees);
        if (!fees) return make_error("bad_flag", "--fees: " + fees.error().message);
        t.fee = std::move(*fees);
    } else {
        for (const auto& p : *prices)
            if (const std::uint64_t f = p.fee_for(t.gas_limit); f > 0) t.fee.push_back({p.denom, f});
        if (t.fee.size() > 1) t.fee.resize(1);  // one listed denom pays
    }
    SignedTx out;
    if (o.generate_only) {
        auto json_text = tx_raw_to_json(app::build_unsigned_tx(key.public_key(), t, msgs), false);
        if (!json_text) return json_text.error();
        out.unsigned_json = std::move(*json_text);
        out.gas_limit = t.gas_limit;
        out.fee = bank::to_string(t.fee);
        return out;
    }
    out.tx = app::build_tx(key, t, msgs);
    if (out.tx.size() > app::k_max_tx_bytes)
        return make_error("tx_too_large",
                          "the signed tx is " + std::to_string(out.tx.size()) +
                              " bytes; a node refuses any tx over " +
                              std::to_string(app::k_max_tx_bytes) +
                              " bytes (k_max_tx_bytes): put a large input behind an http or "
                              "exec handler instead");
    out.hash = to_hex(crypto::sha256(out.tx), true);
    out.gas_limit = t.gas_limit;
    out.fee = bank::to_string(t.fee);
    return out;
}

}  // namespace

Result<SignedTx> sign_tx(const ClientOptions& c, const crypto::AccountKey& key,
                         const std::vector<app::Msg>& msgs, const TxOptionsCli& o) {
    auto t = account_options(c, key, o);
    if (!t) return t.error();
    return finish_tx(c, key, msgs, o, std::move(*t));
}


namespace {

/// A future's progress as `--wait` shows it: one line per step.
class FutureProgress {
public:
    explicit FutureProgress(Clock::time_point started) : m_started(started) {}

    void step(const char* format, ...) __attribute__((format(printf, 2, 3))) {
        std::fprintf(stderr, "[%5.1fs] ",
                     std::chrono::duration<double>(Clock::now() - m_started).count());
        va_list args;
        va_start(args, format);
        std::vfprintf(stderr, format, args);
        va_end(args);
        std::fputc('\n', stderr);
    }

    /// Prints what changed since the last look: the result on chain, the votes on it (with
    /// their share of the power), the verdict.
    void show(const v1::Future& f) {
        if (f.result().height() != 0 && f.result().height() != m_result_height) {
            m_result_height = f.result().height();
            const std::string what = !f.result().error().empty()
                                         ? "the handler's error \"" + f.result().error() + "\""
                                         : std::to_string(f.result().output_sha256().empty()
                                                              ? f.result().output().size()
                                                              : f.result().output_size()) +
                                               " bytes of output";
            // The proposer's consensus address in hex, as CometBFT's /validators shows it.
            step("result on chain at height %lld: %s, put there by %s",
                 static_cast<long long>(m_result_height), what.c_str(),
                 to_hex(as_bytes(f.result().submitter()), true).c_str());
        }
        const auto& t = f.tally();
        if (f.votes_size() != m_votes || t.verified_power() != m_verified ||
            t.rejected_power() != m_rejected) {
            m_votes = f.votes_size();
            m_verified = t.verified_power();
            m_rejected = t.rejected_power();
            if (m_votes > 0 && t.total_power() > 0) {
                const double total = static_cast<double>(t.total_power());
                step("votes: %d validator%s, %.1f%% of the power verified, %.1f%% rejected "
                     "(more than 66.7%% verifies)",
                     m_votes, m_votes == 1 ? "" : "s", 100.0 * static_cast<double>(m_verified) / total,
                     100.0 * static_cast<double>(m_rejected) / total);
            }
        }
        if (f.status() != m_status) {
            m_status = f.status();
            if (is_final(m_status))
                step("verdict: %s at height %lld%s", status_name(m_status).c_str(),
                     static_cast<long long>(f.final_height()),
                     f.final_reason().empty() ? "" : (" (" + f.final_reason() + ")").c_str());
            else if (m_status == v1::FUTURE_STATUS_PENDING && f.attempts() > 0)
                step("pending again: %u result%s rejected so far", f.attempts(),
                     f.attempts() == 1 ? "" : "s");
        }
    }

    static bool is_final(v1::FutureStatus s) {
        return s == v1::FUTURE_STATUS_VERIFIED || s == v1::FUTURE_STATUS_FAILED ||
               s == v1::FUTURE_STATUS_TIMED_OUT;
    }

private:
    Clock::time_point m_started;
    std::int64_t m_result_height = 0;
    int m_votes = 0;
    std::int64_t m_verified = 0;
    std::int64_t m_rejected = 0;
    v1::FutureStatus m_status = v1::FUTURE_STATUS_PENDING;
};

struct Included {
    std::uint64_t future_id = 0;
    std::string height;
};

/// The tx's block and the future ID it was given, if the tx is in a block yet.
Result<std::optional<Included>> find_included(const ClientOptions& c, const std::string& hash) {
    auto found = call(c, "tx", json::object{{"hash", to_base64(*from_hex(hash))}});
    if (!found) {
        // "tx (...) not found" while it waits in the mempool; anything else is an error.
        if (found.error().message.find("not found") != std::string::npos)
            return std::optional<Included>{};
        return found.error();
    }
    if (str(*found, {"tx_result", "code"}) != "0")
        return make_error("tx_failed", "tx failed in block " + str(*found, {"height"}) + ": " +
                                           str(*found, {"tx_result", "log"}));
    auto data = from_base64(str(*found, {"tx_result", "data"}));
    cosmos::base::abci::v1beta1::TxMsgData msg_data;
    v1::MsgAddFutureResponse resp;
    if (!data || !msg_data.ParseFromArray(data->data(), static_cast<int>(data->size())) ||
        msg_data.msg_responses_size() != 1 ||
        !resp.ParseFromString(msg_data.msg_responses(0).value()))
        return make_error("bad_response", "the tx result carries no future ID");
    return std::optional<Included>{Included{resp.id(), str(*found, {"height"})}};
}

/// How long the follower waits for a block before it asks whether the node is still there.
constexpr std::chrono::seconds k_block_silence{4};

/// Waits for the next block. An error when the node is gone: its websocket closed, or no block
/// came for k_block_silence and /status does not answer either (a stopped or hung node is
/// noticed within about 5 s, not at the end of --timeout).
Status await_block(const ClientOptions& c, BlockStream* blocks, FutureProgress& progress,
                   Clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return {};
    if (!blocks) {
        // No websocket (the node refused the subscription): a short poll, and the node's
        // /status each time, so a dead node is still noticed at once.
        std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(left, std::chrono::milliseconds(500)));
        ClientOptions probe = c;
        probe.timeout_s = 2;
        if (auto st = call(probe, "status", {}); !st)
            return make_error("node_gone", "lost the node at " + c.node + ": " + st.error().message);
        return {};
    }
    auto h = blocks->next(std::min<std::chrono::milliseconds>(left, k_block_silence));
    if (!h) return make_error("node_gone", "lost the node at " + c.node + ": " + h.error().message);
    if (*h != 0 || Clock::now() >= deadline) return {};
    ClientOptions probe = c;
    probe.timeout_s = 1;
    if (auto st = call(probe, "status", {}); !st)
        return make_error("node_gone", "the node at " + c.node +
                                           " stopped answering: no block for " +
                                           std::to_string(k_block_silence.count()) +
                                           " s and no answer to /status (" + st.error().message +
                                           ")");
    progress.step("no new block for %lld s; the node answers, still waiting",
                  static_cast<long long>(k_block_silence.count()));
    return {};
}

}  // namespace

int cmd_add_future(const ClientOptions& c, const AddFutureOptions& o) {
    const auto started = Clock::now();
    auto key = node::load_account_key(c.home, c.keyring_backend, o.from);
    if (!key) return fail(key.error().message);
    Bytes input;
    if (!o.input_file.empty()) {
        std::ifstream in(o.input_file, std::ios::binary);
        if (!in) return fail("cannot read " + o.input_file);
        std::stringstream ss;
        ss << in.rdbuf();
        input = to_bytes(ss.str());
    } else {
        input = to_bytes(o.input);
    }
    const std::string address = crypto::to_bech32_address(key->address());
    auto signed_tx = sign_tx(c, *key, {app::msg_add_future(address, o.handler, input)}, o.tx);
    if (!signed_tx) return fail(signed_tx.error().message);
    if (o.tx.generate_only) {
        std::cout << signed_tx->unsigned_json << "\n";
        return 0;
    }
    const std::string& hash = signed_tx->hash;
    // Subscribed before the broadcast, so the block that includes the tx is not missed.
    std::unique_ptr<BlockStream> blocks;
    if (!o.no_follow) {
        auto b = BlockStream::open(c.node);
        if (b)
            blocks = std::move(*b);
        else if (o.wait)
            std::fprintf(stderr, "note: no websocket (%s); polling the node instead\n",
                         b.error().message.c_str());
    }
    auto r = call(c, "broadcast_tx_sync", json::object{{"tx", to_base64(signed_tx->tx)}});
    if (!r) return fail(r.error().message);
    const std::string code = str(*r, {"code"});
    if (code != "0" && !code.empty())
        return fail("tx rejected: code " + code + " (" + str(*r, {"codespace"}) +
                    "): " + str(*r, {"log"}));
    if (o.no_follow) {
        // The future's ID is given in the block: `seer query tx HASH` shows it once there.
        if (c.output == "json")
            std::cout << json::serialize(json::object{{"txhash", hash}}) << "\n";
        else
            std::printf("txhash: %s\n(the future ID is assigned in the block: seer query tx %s)\n",
                        hash.c_str(), hash.c_str());
        return 0;
    }
    FutureProgress progress(started);
    const auto deadline = started + std::chrono::seconds(o.timeout_s);
    if (o.wait) progress.step("submitted txhash=%s", hash.c_str());
    std::optional<Included> included;
    while (!included) {
        auto found = find_included(c, hash);
        if (!found) return fail(found.error().message);
        included = *found;
        if (included) break;
        if (Clock::now() >= deadline)
            return fail("timed out after " + std::to_string(o.timeout_s) + " s waiting for tx " +
                        hash + " to be in a block");
        if (auto s = await_block(c, blocks.get(), progress, deadline); !s) return fail(s.error().message);
    }
    const unsigned long long id = included->future_id;
    if (!o.wait) {
        if (c.output == "json")
            std::cout << json::serialize(json::object{{"future_id", std::to_string(id)},
                                                      {"txhash", hash},
                                                      {"height", included->height}})
                      << "\n";
        else
            std::printf("future_id: %llu\ntxhash:    %s\nheight:    %s\n", id, hash.c_str(),
                        included->height.c_str());
        return 0;
    }
    progress.step("included at height %s: future %llu, pending", included->height.c_str(), id);
    for (;;) {
        auto f = fetch_future(c, id);
        if (f) {
            progress.show(*f);
            if (FutureProgress::is_final(f->status())) {
                if (!o.output_file.empty() && f->status() == v1::FUTURE_STATUS_VERIFIED)
                    if (auto w = write_output(c, *f, o.output_file); !w)
                        return fail(w.error().message);
                if (c.output == "json")
                    std::cout << to_json(*f);
                else
                    print_future(*f);
                return f->status() == v1::FUTURE_STATUS_VERIFIED ? 0 : 1;
            }
        }
        if (Clock::now() >= deadline) {
            const std::string now = f ? status_name(f->status()) : std::string("unknown");
            return fail("timed out after " + std::to_string(o.timeout_s) + " s; future " +
                        std::to_string(id) + " is " + now);
        }
        if (auto s = await_block(c, blocks.get(), progress, deadline); !s) return fail(s.error().message);
    }
}

int cmd_bank_send(const ClientOptions& c, const BankSendOptions& o) {
    auto key = node::load_account_key(c.home, c.keyring_backend, o.from);
    if (!key) return fail(key.error().message);
    auto to = resolve_address(c, o.to);
    if (!to) return fail(to.error().message);
    auto amount = bank::parse_coins(o.amount);
    if (!amount) return fail("amount: " + amount.error().message);
    const std::string from = crypto::to_bech32_address(key->address());
    auto signed_tx = sign_tx(c, *key, {app::msg_send(from, *to, *amount)}, o.tx);
    if (!signed_tx) return fail(signed_tx.error().message);
    if (o.tx.generate_only) {
        std::cout << signed_tx->unsigned_json << "\n";
        return 0;
    }
    auto r = call(c, "broadcast_tx_sync", json::object{{"tx", to_base64(signed_tx->tx)}});
    if (!r) return fail(r.error().message);
    const std::string code = str(*r, {"code"});
    if (code != "0" && !code.empty())
        return fail("tx rejected: code " + code + " (" + str(*r, {"codespace"}) +
                    "): " + str(*r, {"log"}));
    if (o.wait) {
        const auto deadline = Clock::now() + std::chrono::seconds(o.timeout_s);
        while (Clock::now() < deadline) {
            auto found = call(c, "tx", json::object{{"hash", to_base64(*from_hex(signed_tx->hash))}});
            if (found) {
                if (str(*found, {"tx_result", "code"}) != "0")
                    return fail("tx failed in block " + str(*found, {"height"}) + ": " +
                                str(*found, {"tx_result", "log"}));
                if (c.output == "json") {
                    std::cout << json::serialize(*found) << "\n";
                } else {
                    std::printf("sent %s from %s to %s (fee %s, gas %llu) in block %s\ntxhash: %s\n",
                                bank::to_string(*amount).c_str(), from.c_str(), to->c_str(),
                                signed_tx->fee.c_str(),
                                static_cast<unsigned long long>(signed_tx->gas_limit),
                                str(*found, {"height"}).c_str(), signed_tx->hash.c_str());
                }
                return 0;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(300));
        }
        return fail("timed out after " + std::to_string(o.timeout_s) + " s waiting for tx " +
                    signed_tx->hash);
    }
    if (c.output == "json")
        std::cout << json::serialize(*r) << "\n";
    else
        std::printf("txhash: %s\n", signed_tx->hash.c_str());
    return 0;
}

int cmd_tx_sign(const ClientOptions& c, const std::string& file, const std::string& from,
                const TxOptionsCli& o, const std::string& output_document) {
    auto tx = tx_from_json_file(file);
    if (!tx) return fail(tx.error().message);
    auto key = node::load_account_key(c.home, c.keyring_backend, from);
    if (!key) return fail(key.error().message);
    auto t = account_options(c, *key, o);
    if (!t) return fail(t.error().message);
    // Fee and gas as the generated tx names them; the signer is this key, at t's sequence.
    const auto& fee = tx->auth_info().fee();
    t->gas_limit = fee.gas_limit();
    for (const auto& coin : fee.amount()) {
        auto amount = bank::parse_amount(coin.amount());
        if (!amount) return fail(file + ": fee amount '" + coin.amount() + "' is not a number");
        t->fee.push_back({coin.denom(), *amount});
    }
    const Bytes signed_raw = app::sign_body(*key, *t, as_bytes(tx->body().SerializeAsString()));
    if (signed_raw.size() > app::k_max_tx_bytes)
        return fail("the signed tx is " + std::to_string(signed_raw.size()) +
                    " bytes, over the " + std::to_string(app::k_max_tx_bytes) +
                    "-byte limit (k_max_tx_bytes)");
    auto text = tx_raw_to_json(signed_raw, true);
    if (!text) return fail(text.error().message);
    if (output_document.empty()) {
        std::cout << *text << "\n";
        return 0;
    }
    try {
        store::write_file_atomic(output_document, as_bytes(*text + "\n"), 0644);
    } catch (const std::exception& e) {
        return fail(e.what());
    }
    std::fprintf(stderr, "signed tx written to %s (txhash %s)\n", output_document.c_str(),
                 to_hex(crypto::sha256(signed_raw), true).c_str());
    return 0;
}

int cmd_tx_broadcast(const ClientOptions& c, const std::string& file) {
    auto tx = tx_from_json_file(file);
    if (!tx) return fail(tx.error().message);
    if (tx->signatures_size() == 0) return fail(file + " is not signed: run `seer tx sign` first");
    cosmos::tx::v1beta1::TxRaw raw;
    raw.set_body_bytes(tx->body().SerializeAsString());
    raw.set_auth_info_bytes(tx->auth_info().SerializeAsString());
    for (const auto& sig : tx->signatures()) raw.add_signatures(sig);
    const std::string bytes = raw.SerializeAsString();
    const std::string hash = to_hex(crypto::sha256(as_bytes(bytes)), true);
    auto r = call(c, "broadcast_tx_sync", json::object{{"tx", to_base64(as_bytes(bytes))}});
    if (!r) return fail(r.error().message);
    const std::string code = str(*r, {"code"});
    if (code != "0" && !code.empty())
        return fail("tx rejected: code " + code + " (" + str(*r, {"codespace"}) +
                    "): " + str(*r, {"log"}));
    if (c.output == "json")
        std::cout << json::serialize(json::object{{"txhash", hash}}) << "\n";
    else
        std::printf("txhash: %s\n", hash.c_str());
    return 0;
}

Result<std::string> resolve_address(const ClientOptions& c, const std::string& who) {
    if (crypto::from_bech32_address(who)) return who;
    auto ring = node::parse_keyring_backend(
        c.keyring_backend.empty() ? node::default_keyring_backend(c.home) : c.keyring_backend);
    if (!ring) return ring.error();
    auto k = node::Keyring::open(c.home, *ring);
    if (!k) return k.error();
    auto rec = k->show(who);
    if (!rec)
        return make_error("bad_address", "'" + who + "' is neither a seer1... address nor a key in " +
                                             k->dir());
    return rec->address;
}

int cmd_query_balances(const ClientOptions& c, const std::string& who, const std::string& denom) {
    auto address = resolve_address(c, who);
    if (!address) return fail(address.error().message);
    bank::Coins coins;
    if (!denom.empty()) {
        cosmos::bank::v1beta1::QueryBalanceRequest req;
        req.set_address(*address);
        req.set_denom(denom);
        auto b = abci_query(c, "/cosmos.bank.v1beta1.Query/Balance",
                            to_bytes(req.SerializeAsString()));
        if (!b) return fail(b.error().message);
        cosmos::bank::v1beta1::QueryBalanceResponse resp;
        if (!resp.ParseFromArray(b->data(), static_cast<int>(b->size())))
            return fail("balance answer does not decode");
        auto amount = bank::parse_amount(resp.balance().amount());
        coins.push_back({denom, amount ? *amount : 0});
    } else {
        cosmos::bank::v1beta1::QueryAllBalancesRequest req;
        req.set_address(*address);
        auto b = abci_query(c, "/cosmos.bank.v1beta1.Query/AllBalances",
                            to_bytes(req.SerializeAsString()));
        if (!b) return fail(b.error().message);
        cosmos::bank::v1beta1::QueryAllBalancesResponse resp;
        if (!resp.ParseFromArray(b->data(), static_cast<int>(b->size())))
            return fail("balances answer does not decode");
        for (const auto& coin : resp.balances()) {
            auto amount = bank::parse_amount(coin.amount());
            coins.push_back({coin.denom(), amount ? *amount : 0});
        }
    }
    if (c.output == "json") {
        json::array list;
        for (const auto& coin : coins)
            list.push_back(json::object{{"denom", coin.denom}, {"amount", std::to_string(coin.amount)}});
        std::cout << json::serialize(json::object{{"address", *address}, {"balances", list}}) << "\n";
        return 0;
    }
    std::printf("address: %s\n", address->c_str());
    if (coins.empty()) std::printf("balances: none\n");
    for (const auto& coin : coins)
        std::printf("  %llu%s\n", static_cast<unsigned long long>(coin.amount), coin.denom.c_str());
    return 0;
}

}  // namespace seer::cli
