#include "seer/node/config.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string_view>

namespace seer::node {

namespace {

using Setter = std::function<Status(const toml::node&)>;

Status type_error(const std::string& key, const char* want) {
    return make_error("bad_config", key + ": expected " + want);
}

Setter int_key(const std::string& key, std::int64_t& out, std::int64_t lo, std::int64_t hi) {
    return [&out, key, lo, hi](const toml::node& n) -> Status {
        auto v = n.value<std::int64_t>();
        if (!n.is_integer() || !v) return type_error(key, "an integer");
        if (*v < lo || *v > hi)
            return make_error("bad_config", key + ": must be in " + std::to_string(lo) + ".." +
                                                std::to_string(hi));
        out = *v;
        return {};
    };
}

Setter int_key(const std::string& key, int& out, int lo, int hi) {
    return [&out, key, lo, hi](const toml::node& n) -> Status {
        auto v = n.value<std::int64_t>();
        if (!n.is_integer() || !v) return type_error(key, "an integer");
        if (*v < lo || *v > hi)
            return make_error("bad_config", key + ": must be in " + std::to_string(lo) + ".." +
                                                std::to_string(hi));
        out = static_cast<int>(*v);
        return {};
    };
}

Setter bool_key(const std::string& key, bool& out) {
    return [&out, key](const toml::node& n) -> Status {
        if (!n.is_boolean()) return type_error(key, "true or false");
        out = *n.value<bool>();
        return {};
    };
}

Setter double_key(const std::string& key, double& out, double lo, double hi) {
    return [&out, key, lo, hi](const toml::node& n) -> Status {
        auto v = n.value<double>();
        if (!(n.is_floating_point() || n.is_integer()) || !v) return type_error(key, "a number");
        if (*v < lo || *v > hi) return make_error("bad_config", key + ": out of range");
        out = *v;
        return {};
    };
}

Setter string_key(const std::string& key, std::string& out) {
    return [&out, key](const toml::node& n) -> Status {
        if (!n.is_string()) return type_error(key, "a string");
        out = *n.value<std::string>();
        return {};
    };
}

// spdlog's level names, and CometBFT's "none": anything else (a typo such as "verbose") is
// an error, not silence (spdlog reads an unknown name as "off").
constexpr std::array<std::string_view, 10> k_log_levels{"trace", "debug", "info",  "warn",
                                                        "warning", "error", "err", "critical",
                                                        "off",   "none"};

Setter log_level_key(const std::string& key, std::string& out) {
    return [&out, key](const toml::node& n) -> Status {
        if (!n.is_string()) return type_error(key, "a string");
        const std::string v = *n.value<std::string>();
        if (std::find(k_log_levels.begin(), k_log_levels.end(), v) == k_log_levels.end())
            return make_error("bad_config", key + ": unknown level \"" + v.substr(0, 32) +
                                                "\" (trace, debug, info, warn, error, critical "
                                                "or off)");
        out = v == "none" ? "off" : v;
        return {};
    };
}

Setter laddr_key(const std::string& key, std::string& out) {
    return [&out, key](const toml::node& n) -> Status {
        if (!n.is_string()) return type_error(key, "a string");
        auto s = *n.value<std::string>();
        if (auto hp = parse_laddr(s); !hp)
            return make_error("bad_config", key + ": " + hp.error().message);
        out = s;
        return {};
    };
}

Result<std::vector<std::string>> strings_of(const toml::node& n, const std::string& key) {
    std::vector<std::string> out;
    // CometBFT writes persistent_peers as one comma-separated string; accept that and arrays.
    if (n.is_string()) {
        std::stringstream ss(*n.value<std::string>());
        std::string item;
        while (std::getline(ss, item, ','))
            if (!item.empty()) out.push_back(item);
        return out;
    }
    const auto* arr = n.as_array();
    if (!arr) return type_error(key, "an array of strings").error();
    for (const auto& e : *arr) {
        if (!e.is_string()) return type_error(key, "an array of strings").error();
        out.push_back(*e.value<std::string>());
    }
    return out;
}

Setter strings_key(const std::string& key, std::vector<std::string>& out) {
    return [&out, key](const toml::node& n) -> Status {
        auto v = strings_of(n, key);
        if (!v) return v.error();
        out = std::move(*v);
        return {};
    };
}

Status apply(const toml::table& table, const std::string& section,
             const std::map<std::string, Setter>& keys) {
    for (const auto& [k, v] : table) {
        const std::string name(k.str());
        auto it = keys.find(name);
        const std::string full = section.empty() ? name : section + "." + name;
        if (it == keys.end()) return make_error("bad_config", "unknown key " + full);
        if (auto s = it->second(v); !s) return s;
    }
    return {};
}

Result<ExecHandlerConfig> parse_exec(const toml::table& t, std::size_t index) {
    ExecHandlerConfig e;
    const std::string where = "prophet.exec[" + std::to_string(index) + "]";
    std::map<std::string, Setter> keys{
        {"name", string_key(where + ".name", e.name)},
        {"argv", strings_key(where + ".argv", e.argv)},
        {"verify_argv", strings_key(where + ".verify_argv", e.verify_argv)},
        {"timeout_ms", int_key(where + ".timeout_ms", e.timeout_ms, 1, 3'600'000)},
        {"max_output_bytes", int_key(where + ".max_output_bytes", e.max_output_bytes, 1, 64 << 20)},
        {"max_cpu_ms", int_key(where + ".max_cpu_ms", e.max_cpu_ms, 0, 3'600'000)},
        {"max_memory_bytes",
         int_key(where + ".max_memory_bytes", e.max_memory_bytes, 0, std::int64_t{1} << 46)},
        {"max_file_bytes",
         int_key(where + ".max_file_bytes", e.max_file_bytes, 0, std::int64_t{1} << 46)},
        {"max_open_files", int_key(where + ".max_open_files", e.max_open_files, 0, 1 << 20)},
    };
    if (auto s = apply(t, where, keys); !s) return s.error();
    if (e.name.empty() || e.argv.empty())
        return make_error("bad_config", where + ": name and argv are required");
    if (e.argv[0].empty() || e.argv[0][0] != '/')
        return make_error("bad_config", where + ".argv[0]: must be an absolute path");
    return e;
}

}  // namespace

Result<HostPort> parse_laddr(std::string_view laddr) {
    std::string_view s = laddr;
    if (s.rfind("tcp://", 0) == 0) s.remove_prefix(6);
    const auto colon = s.rfind(':');
    if (colon == std::string_view::npos || colon == 0)
        return make_error("bad_laddr", "'" + std::string(laddr) + "' is not tcp://host:port");
    HostPort hp;
    hp.host = std::string(s.substr(0, colon));
    const auto port = s.substr(colon + 1);
    unsigned v = 0;
    auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), v);
    if (ec != std::errc() || ptr != port.data() + port.size() || v > 65535)
        return make_error("bad_laddr", "'" + std::string(laddr) + "' has a bad port");
    hp.port = static_cast<std::uint16_t>(v);
    return hp;
}

/// TOML allows non-ASCII text only in strings and comments (bare keys, numbers, booleans and
/// dates are ASCII). Debian's toml++ 3.3.0 reaches __builtin_unreachable() on some non-ASCII
/// characters elsewhere (tomlplusplus#190, #295), so such a file is refused here, before toml++
/// sees it, with the line: the same verdict a correct parser gives, without the undefined
/// behaviour.
static Status check_ascii_outside_strings(std::string_view t) {
    std::size_t line = 1;
    auto starts = [&](std::size_t i, std::string_view s) { return t.substr(i, s.size()) == s; };
    for (std::size_t i = 0; i < t.size(); ++i) {
        const char ch = t[i];
        if (ch == '\n') {
            ++line;
        } else if (ch == '#') {
            while (i + 1 < t.size() && t[i + 1] != '\n') ++i;
        } else if (ch == '"' || ch == '\'') {
            const bool multi = starts(i, ch == '"' ? "\"\"\"" : "\'\'\'");
            const std::string_view close = multi ? (ch == '"' ? "\"\"\"" : "\'\'\'")
                                                 : (ch == '"' ? "\"" : "\'");
            i += multi ? 3 : 1;
            while (i < t.size() && !starts(i, close)) {
                if (t[i] == '\n') {
                    if (!multi) break;  // toml++ reports the unterminated string
                    ++line;
                }
                if (ch == '"' && t[i] == '\\' && i + 1 < t.size()) {
                    ++i;  // an escape: skip the escaped character
                    if (t[i] == '\n') ++line;
                }
                ++i;
            }
            if (i < t.size() && starts(i, close)) i += close.size() - 1;
        } else if (static_cast<unsigned char>(ch) >= 0x80) {
            return make_error("bad_config", "config.toml: a non-ASCII character outside a string "
                                            "or comment at line " + std::to_string(line));
        }
    }
    return {};
}

Result<Config> parse_config(std::string_view text) { return parse_config(text, {}); }

Result<Config> parse_config(std::string_view text, const ConfigOverrides& overrides) {
    if (auto s = check_ascii_outside_strings(text); !s) return s.error();
    toml::table root;
    try {
        root = toml::parse(text);
    } catch (const toml::parse_error& e) {
        std::ostringstream os;
        os << "config.toml: " << e.description() << " at line " << e.source().begin.line;
        return make_error("bad_config", os.str());
    }
    // A flag of `seer start` replaces its key before the keys are read, so it is checked by the
    // same setter, with the same message, as the file's value.
    for (const auto& [dotted, value] : overrides) {
        const auto dot = dotted.find('.');
        if (dot == std::string::npos) {
            root.insert_or_assign(dotted, value);
            continue;
        }
        const std::string section = dotted.substr(0, dot);
        if (!root[section].is_table()) root.insert_or_assign(section, toml::table{});
        root[section].as_table()->insert_or_assign(dotted.substr(dot + 1), value);
    }
    Config c;
    std::map<std::string, Setter> top{
        {"moniker", string_key("moniker", c.moniker)},
        {"log_level", log_level_key("log_level", c.log_level)},
        {"proxy_app", string_key("proxy_app", c.proxy_app)},
        {"min_gas_prices", string_key("min_gas_prices", c.min_gas_prices)},
    };
    std::map<std::string, std::map<std::string, Setter>> sections{
        {"p2p",
         {{"laddr", laddr_key("p2p.laddr", c.p2p_laddr)},
          {"persistent_peers", strings_key("p2p.persistent_peers", c.persistent_peers)},
          {"seeds", strings_key("p2p.seeds", c.seeds)},
          {"pex", bool_key("p2p.pex", c.pex)},
          {"seed_mode", bool_key("p2p.seed_mode", c.seed_mode)},
          {"addr_book_file", string_key("p2p.addr_book_file", c.addr_book_file)},
          {"max_num_inbound_peers",
           int_key("p2p.max_num_inbound_peers", c.max_inbound_peers, 0, 10000)},
          {"max_num_outbound_peers",
           int_key("p2p.max_num_outbound_peers", c.max_outbound_peers, 0, 10000)},
          {"send_queue_capacity",
           int_key("p2p.send_queue_capacity", c.send_queue_capacity, 1, 1 << 20)},
          {"handshake_timeout_ms",
           int_key("p2p.handshake_timeout_ms", c.handshake_timeout_ms, 100, 600'000)},
          {"ban_duration_ms", int_key("p2p.ban_duration_ms", c.ban_duration_ms, 0, 86'400'000)}}},
        {"rpc",
         {{"laddr", laddr_key("rpc.laddr", c.rpc_laddr)},
          {"max_open_connections",
           int_key("rpc.max_open_connections", c.rpc_max_open_connections, 1, 100000)},
          {"max_subscription_clients",
           int_key("rpc.max_subscription_clients", c.rpc_max_subscription_clients, 0, 100000)},
          {"max_open_connections_per_ip", int_key("rpc.max_open_connections_per_ip",
                                                  c.rpc_max_open_connections_per_ip, 0, 100000)},
          {"max_body_bytes", int_key("rpc.max_body_bytes", c.rpc_max_body_bytes, 1024, 64 << 20)},
          {"max_subscriptions_per_client", int_key("rpc.max_subscriptions_per_client",
                                                   c.rpc_max_subscriptions_per_client, 0, 1000)},
          {"cors_allowed_origins",
           strings_key("rpc.cors_allowed_origins", c.rpc_cors_allowed_origins)}}},
        {"api",
         {{"enable", bool_key("api.enable", c.api_enable)},
          {"address", laddr_key("api.address", c.api_laddr)},
          {"cors_allowed_origins",
           strings_key("api.cors_allowed_origins", c.api_cors_allowed_origins)},
          {"max_open_connections",
           int_key("api.max_open_connections", c.api_max_open_connections, 1, 100000)},
          {"max_open_connections_per_ip", int_key("api.max_open_connections_per_ip",
                                                  c.api_max_open_connections_per_ip, 0, 100000)}}},
        {"grpc",
         {{"enable", bool_key("grpc.enable", c.grpc_enable)},
          {"address", laddr_key("grpc.address", c.grpc_address)}}},
        {"consensus",
         {{"timeout_propose_ms",
           int_key("consensus.timeout_propose_ms", c.timeout_propose_ms, 1, 600'000)},
          {"timeout_propose_delta_ms",
           int_key("consensus.timeout_propose_delta_ms", c.timeout_propose_delta_ms, 0, 600'000)},
          {"timeout_prevote_ms",
           int_key("consensus.timeout_prevote_ms", c.timeout_prevote_ms, 1, 600'000)},
          {"timeout_prevote_delta_ms",
           int_key("consensus.timeout_prevote_delta_ms", c.timeout_prevote_delta_ms, 0, 600'000)},
          {"timeout_precommit_ms",
           int_key("consensus.timeout_precommit_ms", c.timeout_precommit_ms, 1, 600'000)},
          {"timeout_precommit_delta_ms", int_key("consensus.timeout_precommit_delta_ms",
                                                 c.timeout_precommit_delta_ms, 0, 600'000)},
          {"timeout_commit_ms",
           int_key("consensus.timeout_commit_ms", c.timeout_commit_ms, 0, 600'000)},
          {"gossip_interval_ms",
           int_key("consensus.gossip_interval_ms", c.gossip_interval_ms, 10, 60'000)}}},
        {"mempool",
         {{"size", int_key("mempool.size", c.mempool_size, 1, 10'000'000)},
          {"max_txs_bytes",
           int_key("mempool.max_txs_bytes", c.mempool_max_txs_bytes, 1024, 1ll << 34)},
          {"max_tx_bytes", int_key("mempool.max_tx_bytes", c.mempool_max_tx_bytes, 64, 64 << 20)},
          {"cache_size", int_key("mempool.cache_size", c.mempool_cache_size, 0, 10'000'000)}}},
        {"async",
         {{"archive",
           [&c](const toml::node& n) -> Status {
               // "all" (the default) or a number of blocks.
               if (n.is_string() && *n.value<std::string>() == "all") {
                   c.async_archive_blocks = 0;
                   return {};
               }
               if (n.is_integer()) {
                   const auto v = *n.value<std::int64_t>();
                   if (v >= 1 && v <= 1'000'000'000) {
                       c.async_archive_blocks = v;
                       return {};
                   }
               }
               return make_error(
                   "bad_config",
                   "async.archive must be \"all\" or a number of blocks in 1..1000000000");
           }},
          {"serve_outputs", bool_key("async.serve_outputs", c.async_serve_outputs)}}},
        {"instrumentation",
         {{"prometheus", bool_key("instrumentation.prometheus", c.prometheus)},
          {"prometheus_listen_addr",
           laddr_key("instrumentation.prometheus_listen_addr", c.prometheus_laddr)},
          {"max_open_connections", int_key("instrumentation.max_open_connections",
                                           c.prometheus_max_open_connections, 1, 10000)}}},
    };
    for (const auto& [k, v] : root) {
        const std::string name(k.str());
        if (auto it = top.find(name); it != top.end()) {
            if (auto s = it->second(v); !s) return s.error();
            continue;
        }
        if (name == "prophet") {
            const auto* t = v.as_table();
            if (!t) return type_error("prophet", "a table").error();
            std::map<std::string, Setter> keys{
                {"enabled", bool_key("prophet.enabled", c.prophet_enabled)},
                {"workers", int_key("prophet.workers", c.prophet_workers, 0, 1024)},
                {"external_workers",
                 int_key("prophet.external_workers", c.prophet_external_workers, 0, 1024)},
                {"max_running_per_account",
                 int_key("prophet.max_running_per_account", c.prophet_max_running_per_account, 1,
                         1024)},
                {"concurrency",
                 [&c](const toml::node& n) -> Status {
                     const auto* t2 = n.as_table();
                     if (!t2)
                         return type_error("prophet.concurrency",
                                           "a table of handler = runs, e.g. { http = 2 }");
                     for (const auto& [handler, value] : *t2) {
                         const std::string key = "prophet.concurrency." + std::string(handler.str());
                         int limit = 0;
                         if (auto st = int_key(key, limit, 1, 1024)(value); !st) return st;
                         c.prophet_concurrency[std::string(handler.str())] = limit;
                     }
                     return {};
                 }},
                {"queue_capacity",
                 int_key("prophet.queue_capacity", c.prophet_queue_capacity, 1, 1 << 24)},
                {"handlers", strings_key("prophet.handlers", c.prophet_handlers)},
                {"default_timeout_ms",
                 int_key("prophet.default_timeout_ms", c.prophet_default_timeout_ms, 1, 3'600'000)},
                {"http_allowlist", strings_key("prophet.http_allowlist", c.http_allowlist)},
                {"http_timeout_ms",
                 int_key("prophet.http_timeout_ms", c.http_timeout_ms, 1, 600'000)},
                {"http_max_response_bytes", int_key("prophet.http_max_response_bytes",
                                                    c.http_max_response_bytes, 1, 64 << 20)},
                {"http_tolerance",
                 double_key("prophet.http_tolerance", c.http_tolerance, 0.0, 1.0)},
                {"exec",
                 [&c](const toml::node& n) -> Status {
                     const auto* arr = n.as_array();
                     if (!arr)
                         return type_error("prophet.exec", "an array of tables ([[prophet.exec]])");
                     for (std::size_t i = 0; i < arr->size(); ++i) {
                         const auto* t2 = (*arr)[i].as_table();
                         if (!t2) return type_error("prophet.exec", "an array of tables");
                         auto e = parse_exec(*t2, i);
                         if (!e) return e.error();
                         c.exec.push_back(std::move(*e));
                     }
                     return {};
                 }},
            };
            if (auto s = apply(*t, "prophet", keys); !s) return s.error();
            continue;
        }
        auto sec = sections.find(name);
        if (sec == sections.end())
            return make_error("bad_config", "unknown key or section " + name);
        const auto* t = v.as_table();
        if (!t) return type_error(name, "a table").error();
        if (auto s = apply(*t, name, sec->second); !s) return s.error();
    }
    if (c.proxy_app != "seer" && c.proxy_app != "noop")
        return make_error("bad_config",
                          "proxy_app must be \"seer\" or \"noop\", got \"" + c.proxy_app + "\"");
    return c;
}

Result<Config> load_config(const std::string& path, const ConfigOverrides& overrides) {
    std::ifstream in(path);
    if (!in) {
        // The usual cause is a home that was never initialized: say how to make one.
        const auto home = std::filesystem::path(path).parent_path().parent_path();
        return make_error("no_config", "cannot read " + path + " (no node home at " +
                                           home.string() + "? create one with `seer init --home " +
                                           home.string() + "`)");
    }
    std::stringstream ss;
    ss << in.rdbuf();
    auto c = parse_config(ss.str(), overrides);
    if (!c) {
        for (const auto& [key, value] : overrides)
            if (c.error().message.rfind(key + ":", 0) == 0)
                return make_error(c.error().reason, "--" + key + ": " + c.error().message.substr(key.size() + 2));
        return make_error(c.error().reason, path + ": " + c.error().message);
    }
    return c;
}

namespace {
std::string quote(const std::string& s) {
    std::string out = "\"";
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if ((c < 0x20 && ch != '\t') || c == 0x7f) {
            // TOML strings hold no raw control character other than tab: \uXXXX.
            static constexpr char k_hex[] = "0123456789ABCDEF";
            out += "\\u00";
            out.push_back(k_hex[c >> 4]);
            out.push_back(k_hex[c & 15]);
            continue;
        }
        if (ch == '"' || ch == '\\') out.push_back('\\');
        out.push_back(ch);
    }
    return out + "\"";
}
std::string list(const std::vector<std::string>& v) {
    std::string out = "[";
    for (std::size_t i = 0; i < v.size(); ++i)
        out += (i ? ", " : "") + quote(v[i]);
    return out + "]";
}
}  // namespace

std::string render_config(const Config& c) {
    std::ostringstream o;
    o << "# seer node configuration (CometBFT-like sections). Unknown keys are errors.\n"
      << "moniker = " << quote(c.moniker) << "\n"
      << "log_level = " << quote(c.log_level) << "\n"
      << "# \"seer\" (the chain's app) or \"noop\" (accepts every tx: consensus benchmarks).\n"
      << "proxy_app = " << quote(c.proxy_app) << "\n"
      << "# The lowest fee per unit of gas the mempool accepts, e.g. \"0.001useer\" (\"\": any).\n"
      << "min_gas_prices = " << quote(c.min_gas_prices) << "\n\n"
      << "[p2p]\n"
      << "laddr = " << quote(c.p2p_laddr) << "\n"
      << "persistent_peers = " << list(c.persistent_peers) << "\n"
      << "# Asked for peer addresses when the address book cannot fill the outbound slots.\n"
      << "seeds = " << list(c.seeds) << "\n"
      << "# Peer exchange: learn addresses from peers; keep max_num_outbound_peers connected.\n"
      << "pex = " << (c.pex ? "true" : "false") << "\n"
      << "seed_mode = " << (c.seed_mode ? "true" : "false") << "\n"
      << "addr_book_file = " << quote(c.addr_book_file) << "\n"
      << "# Inbound connections (persistent peers included), and outbound ones from the address\n"
      << "# book and seeds (persistent peers are dialed besides these).\n"
      << "max_num_inbound_peers = " << c.max_inbound_peers << "\n"
      << "max_num_outbound_peers = " << c.max_outbound_peers << "\n"
      << "send_queue_capacity = " << c.send_queue_capacity << "\n"
      << "handshake_timeout_ms = " << c.handshake_timeout_ms << "\n"
      << "ban_duration_ms = " << c.ban_duration_ms << "\n\n"
      << "[rpc]\n"
      << "laddr = " << quote(c.rpc_laddr) << "\n"
      << "# HTTP connections; at the limit the oldest idle one is closed, and a few reserved\n"
      << "# connections still answer /status and /health (docs/security.md).\n"
      << "max_open_connections = " << c.rpc_max_open_connections << "\n"
      << "# Websocket connections, counted apart from HTTP ones.\n"
      << "max_subscription_clients = " << c.rpc_max_subscription_clients << "\n"
      << "# HTTP plus websocket connections from one address; 0: no such limit.\n"
      << "max_open_connections_per_ip = " << c.rpc_max_open_connections_per_ip << "\n"
      << "max_body_bytes = " << c.rpc_max_body_bytes << "\n"
      << "max_subscriptions_per_client = " << c.rpc_max_subscriptions_per_client << "\n"
      << "# Origins a browser may call from (\"*\": any), as CometBFT's; []: no CORS headers.\n"
      << "cors_allowed_origins = " << list(c.rpc_cors_allowed_origins) << "\n\n"
      << "[api]\n"
      << "enable = " << (c.api_enable ? "true" : "false") << "\n"
      << "address = " << quote(c.api_laddr) << "\n"
      << "cors_allowed_origins = " << list(c.api_cors_allowed_origins) << "\n"
      << "max_open_connections = " << c.api_max_open_connections << "\n"
      << "max_open_connections_per_ip = " << c.api_max_open_connections_per_ip << "\n\n"
      << "[grpc]\n"
      << "enable = " << (c.grpc_enable ? "true" : "false") << "\n"
      << "address = " << quote(c.grpc_address) << "\n\n"
      << "[consensus]\n"
      << "timeout_propose_ms = " << c.timeout_propose_ms << "\n"
      << "timeout_propose_delta_ms = " << c.timeout_propose_delta_ms << "\n"
      << "timeout_prevote_ms = " << c.timeout_prevote_ms << "\n"
      << "timeout_prevote_delta_ms = " << c.timeout_prevote_delta_ms << "\n"
      << "timeout_precommit_ms = " << c.timeout_precommit_ms << "\n"
      << "timeout_precommit_delta_ms = " << c.timeout_precommit_delta_ms << "\n"
      << "timeout_commit_ms = " << c.timeout_commit_ms << "\n"
      << "gossip_interval_ms = " << c.gossip_interval_ms << "\n\n"
      << "[mempool]\n"
      << "size = " << c.mempool_size << "\n"
      << "max_txs_bytes = " << c.mempool_max_txs_bytes << "\n"
      << "max_tx_bytes = " << c.mempool_max_tx_bytes << "\n"
      << "cache_size = " << c.mempool_cache_size << "\n\n"
      << "[prophet]\n"
      << "enabled = " << (c.prophet_enabled ? "true" : "false") << "\n"
      << "workers = " << c.prophet_workers << "\n"
      << "# Threads for exec:* and http, which mostly wait; runs one account may hold there.\n"
      << "external_workers = " << c.prophet_external_workers << "\n"
      << "max_running_per_account = " << c.prophet_max_running_per_account << "\n"
      << "queue_capacity = " << c.prophet_queue_capacity << "\n"
      << "handlers = " << list(c.prophet_handlers) << "\n"
      << "default_timeout_ms = " << c.prophet_default_timeout_ms << "\n"
      << "http_allowlist = " << list(c.http_allowlist) << "\n"
      << "http_timeout_ms = " << c.http_timeout_ms << "\n"
      << "http_max_response_bytes = " << c.http_max_response_bytes << "\n"
      << "http_tolerance = " << c.http_tolerance << "\n";
    if (!c.prophet_concurrency.empty()) {
        o << "concurrency = {";
        const char* sep = " ";
        for (const auto& [handler, limit] : c.prophet_concurrency) {
            o << sep << quote(handler) << " = " << limit;
            sep = ", ";
        }
        o << " }\n";
    }
    for (const auto& e : c.exec) {
        o << "\n[[prophet.exec]]\n"
          << "name = " << quote(e.name) << "\n"
          << "argv = " << list(e.argv) << "\n"
          << "verify_argv = " << list(e.verify_argv) << "\n"
          << "timeout_ms = " << e.timeout_ms << "\n"
          << "max_output_bytes = " << e.max_output_bytes << "\n"
          << "max_cpu_ms = " << e.max_cpu_ms << "\n"
          << "max_memory_bytes = " << e.max_memory_bytes << "\n"
          << "max_file_bytes = " << e.max_file_bytes << "\n"
          << "max_open_files = " << e.max_open_files << "\n";
    }
    o << "\n[async]\n"
      << "# Final futures kept in the node's archive after consensus state prunes them:\n"
      << "# \"all\" or a number of blocks.\n"
      << "archive = "
      << (c.async_archive_blocks == 0 ? std::string("\"all\"")
                                      : std::to_string(c.async_archive_blocks))
      << "\n"
      << "# Answer peers' requests for the bytes of off-chain outputs this node holds.\n"
      << "serve_outputs = " << (c.async_serve_outputs ? "true" : "false") << "\n";
    o << "\n[instrumentation]\n"
      << "prometheus = " << (c.prometheus ? "true" : "false") << "\n"
      << "prometheus_listen_addr = " << quote(c.prometheus_laddr) << "\n"
      << "max_open_connections = " << c.prometheus_max_open_connections << "\n";
    return o.str();
}

}  // namespace seer::node
