#include "http_bench.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>

#include "../tests/e2e/process.hpp"

namespace seer::bench {

namespace {

struct WrkResult {
    bool ok = false;
    double req_per_s = 0;
    double p50_ms = 0;
    double p99_ms = 0;
    std::string error;
};

double to_ms(double v, const std::string& unit) {
    if (unit == "us") return v / 1000.0;
    if (unit == "s") return v * 1000.0;
    if (unit == "m") return v * 60000.0;
    return v;  // ms
}

WrkResult wrk(std::uint16_t port, const std::string& path, double seconds, int connections,
              int threads) {
    WrkResult r;
    if (!std::filesystem::exists("/usr/bin/wrk")) {
        r.error = "wrk is not installed (scripts/install-bench-deps.sh)";
        return r;
    }
    const std::string cmd = "/usr/bin/wrk -t" + std::to_string(threads) + " -c" +
                            std::to_string(connections) + " -d" +
                            std::to_string(static_cast<int>(seconds + 0.5)) +
                            "s --latency http://127.0.0.1:" + std::to_string(port) + path +
                            " 2>&1";
    FILE* f = ::popen(cmd.c_str(), "r");
    if (!f) {
        r.error = "cannot run wrk";
        return r;
    }
    std::string out;
    char buf[4096];
    while (std::size_t n = std::fread(buf, 1, sizeof buf, f))
        out.append(buf, n);
    ::pclose(f);
    std::smatch m;
    if (std::regex_search(out, m, std::regex(R"(Requests/sec:\s+([0-9.]+))")))
        r.req_per_s = std::stod(m[1]);
    if (std::regex_search(out, m, std::regex(R"(\n\s+50%\s+([0-9.]+)(us|ms|s|m))")))
        r.p50_ms = to_ms(std::stod(m[1]), m[2]);
    if (std::regex_search(out, m, std::regex(R"(\n\s+99%\s+([0-9.]+)(us|ms|s|m))")))
        r.p99_ms = to_ms(std::stod(m[1]), m[2]);
    if (std::regex_search(out, m, std::regex(R"(Non-2xx or 3xx responses:\s+([0-9]+))")))
        r.error = std::string(m[1]) + " non-2xx answers";
    r.ok = r.req_per_s > 0 && r.error.empty();
    if (!r.ok && r.error.empty()) r.error = "wrk: " + out.substr(0, 200);
    return r;
}

Row row(std::string name, std::string label, double value, std::string unit) {
    Row r;
    r.name = std::move(name);
    r.label = std::move(label);
    r.value = value;
    r.unit = std::move(unit);
    return r;
}

}  // namespace

std::vector<Row> rest_vs_nginx(std::uint16_t rest_port, const std::string& path,
                               const std::string& workdir, double seconds, int connections,
                               int threads) {
    std::vector<Row> rows;
    Row nginx_row = row("nginx_req_per_s", "limit: nginx serving the same bytes (wrk)", 0, "req/s");
    Row rest_row = row("rest_req_per_s", "REST GET " + path + " (wrk)", 0, "req/s");
    Row lat_row = row("rest_latency_ms", "REST latency under wrk (p50; p99)", 0, "ms");
    auto give_up = [&](const std::string& why) {
        nginx_row.note = rest_row.note = lat_row.note = why;
        return std::vector<Row>{nginx_row, rest_row, lat_row};
    };
    auto resp = e2e::http_request(rest_port, path);
    if (!resp || resp->status != 200) return give_up("REST " + path + " did not answer 200");
    std::string content_type = "application/json";
    {
        std::smatch m;
        if (std::regex_search(resp->headers, m, std::regex(R"((?:^|\n)[Cc]ontent-[Tt]ype:\s*([^\r\n]+))")))
            content_type = m[1];
    }
    if (!std::filesystem::exists("/usr/sbin/nginx"))
        return give_up("nginx is not installed (scripts/install-bench-deps.sh)");
    std::filesystem::create_directories(workdir + "/logs");
    std::filesystem::create_directories(workdir + "/www");
    std::ofstream(workdir + "/www/body") << resp->body;
    const std::uint16_t port = e2e::free_port_range(1);
    {
        std::ofstream conf(workdir + "/nginx.conf");
        conf << "worker_processes " << std::max(1u, std::thread::hardware_concurrency()) << ";\n"
             << "pid " << workdir << "/nginx.pid;\nerror_log " << workdir << "/logs/error.log;\n"
             << "events { worker_connections 1024; }\n"
             << "http {\n  access_log off;\n  keepalive_requests 1000000;\n"
             << "  server {\n    listen 127.0.0.1:" << port << ";\n"
             << "    location = " << path << " {\n      default_type \"" << content_type << "\";\n"
             << "      alias " << workdir << "/www/body;\n    }\n  }\n}\n";
    }
    e2e::Process nginx;
    nginx.start({"/usr/sbin/nginx", "-p", workdir, "-c", workdir + "/nginx.conf", "-g",
                 "daemon off;"},
                workdir + "/logs/stdout.log");
    const bool up = e2e::wait_until(std::chrono::seconds(10), [&] {
        auto r = e2e::http_request(port, path);
        return r && r->status == 200 && r->body == resp->body;
    });
    if (!up) {
        nginx.stop();
        return give_up("nginx did not serve the bytes");
    }
    const WrkResult n = wrk(port, path, seconds, connections, threads);
    nginx.stop();
    const WrkResult s = wrk(rest_port, path, seconds, connections, threads);
    nginx_row.value = n.req_per_s;
    nginx_row.p99 = n.p99_ms;
    nginx_row.note = n.ok ? std::to_string(resp->body.size()) + " bytes per answer" : n.error;
    rest_row.value = s.req_per_s;
    rest_row.p99 = s.p99_ms;
    rest_row.target = ">= 0.50 x nginx";
    if (n.ok && s.ok) {
        rest_row.ratio = s.req_per_s / n.req_per_s;
        rest_row.pass = *rest_row.ratio >= 0.5;
    } else {
        rest_row.note = s.ok ? n.error : s.error;
    }
    lat_row.value = s.p50_ms;
    lat_row.p99 = s.p99_ms;
    lat_row.target = "p99 <= 5 ms";
    if (s.ok) {
        lat_row.ratio = 5.0 / s.p99_ms;
        lat_row.pass = s.p99_ms <= 5.0;
    }
    return {nginx_row, rest_row, lat_row};
}

Row rpc_status_req_per_s(std::uint16_t rpc_port, double seconds, int connections, int threads) {
    const WrkResult s = wrk(rpc_port, "/status", seconds, connections, threads);
    Row r = row("rpc_status_req_per_s", "RPC GET /status (wrk; p99 ms)", s.req_per_s, "req/s");
    r.p99 = s.p99_ms;
    if (!s.ok) r.note = s.error;
    return r;
}

}  // namespace seer::bench
