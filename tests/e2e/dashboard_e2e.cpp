// End-to-end: the web dashboard (docs/dashboard.md) of a 4-validator network of real `seer`
// processes, driven in headless Chromium (Debian's `chromium`) over the DevTools protocol on a
// pipe (--remote-debugging-pipe): no npm, no browser download, no port for the browser. The
// test submits a future with the CLI, watches the page show it VERIFIED, checks the DOM, and
// saves screenshots into tests/e2e/artifacts/ of the build directory.

#include <doctest/doctest.h>

#include <poll.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>

#include "network.hpp"
#include "process.hpp"
#include "seer/common/base64.hpp"

namespace seer::e2e {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr const char* k_chromium = "/usr/bin/chromium";
constexpr auto k_cdp_call_timeout = 30s;
constexpr std::size_t k_max_cdp_message_bytes = 64u << 20;  // a full-page screenshot fits

/// Headless Chromium with the DevTools protocol on fds 3 (its input) and 4 (its output):
/// NUL-terminated JSON messages. One page target, attached in flat mode, takes the calls.
/// Stopped by PID (Browser.close, then SIGTERM, then SIGKILL of its process group).
class Browser {
public:
    Browser(const std::string& profile_dir, const std::string& log) {
        int in[2], out[2];  // in: test -> chromium, out: chromium -> test
        REQUIRE(::pipe2(in, O_CLOEXEC) == 0);
        REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
        m_pid = fork();
        REQUIRE(m_pid >= 0);
        if (m_pid == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            setpgid(0, 0);  // its helpers (zygote, renderer, GPU) share the group, stopped with it
            // Above any fd the dup2 calls below write, then onto 3 and 4 (dup2 clears CLOEXEC).
            const int r = fcntl(in[0], F_DUPFD, 10), w = fcntl(out[1], F_DUPFD, 10);
            dup2(r, 3);
            dup2(w, 4);
            const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
            if (fd >= 0) {
                dup2(fd, STDOUT_FILENO);
                dup2(fd, STDERR_FILENO);
            }
            const std::string profile = "--user-data-dir=" + profile_dir;
            const char* argv[] = {k_chromium,
                                  "--headless=new",
                                  "--no-sandbox",  // root in a container has no user namespace
                                  "--disable-gpu",
                                  "--disable-dev-shm-usage",
                                  "--remote-debugging-pipe",
                                  profile.c_str(),
                                  "--no-first-run",
                                  "--no-default-browser-check",
                                  "--disable-extensions",
                                  "--disable-background-networking",
                                  "--disable-component-update",
                                  "--disable-sync",
                                  "--disable-default-apps",
                                  "--no-pings",
                                  "--hide-scrollbars",
                                  "--window-size=1400,1800",
                                  "about:blank",
                                  nullptr};
            execv(k_chromium, const_cast<char* const*>(argv));
            _exit(127);
        }
        ::close(in[0]);
        ::close(out[1]);
        m_write = in[1];
        m_read = out[0];
    }
    Browser(const Browser&) = delete;
    Browser& operator=(const Browser&) = delete;

    ~Browser() {
        if (m_pid <= 0) return;
        send("Browser.close", {}, false);
        ::close(m_write);
        ::close(m_read);
        for (int i = 0; i < 100; ++i) {  // 5 s for a clean exit
            if (waitpid(m_pid, nullptr, WNOHANG) == m_pid) {
                m_pid = -1;
                break;
            }
            std::this_thread::sleep_for(50ms);
        }
        if (m_pid > 0) {
            ::kill(m_pid, SIGTERM);
            std::this_thread::sleep_for(500ms);
            ::kill(-m_pid, SIGKILL);
            waitpid(m_pid, nullptr, 0);
        }
        m_pid = -1;
    }

    /// Opens a page target and attaches to it: later calls go to that page.
    void open_page() {
        const auto target = call("Target.createTarget", {{"url", "about:blank"}}, false);
        const std::string id(target.at("targetId").as_string());
        const auto session =
            call("Target.attachToTarget", {{"targetId", id}, {"flatten", true}}, false);
        m_session = std::string(session.at("sessionId").as_string());
        call("Runtime.enable");
        call("Page.enable");
        call("Network.enable");
        call("Emulation.setDeviceMetricsOverride",
             {{"width", 1400}, {"height", 1800}, {"deviceScaleFactor", 1}, {"mobile", false}});
    }

    /// Sends a command and waits (bounded) for its answer's `result`; events in between are
    /// recorded. A CDP error fails the test.
    json::object call(const std::string& method, json::object params = {}, bool to_page = true) {
        const auto id = send(method, std::move(params), to_page);
        const auto deadline = Clock::now() + k_cdp_call_timeout;
        for (;;) {
            auto msg = read_message(deadline);
            if (!msg) FAIL("no DevTools answer to " << method << " within 30 s");
            const auto& o = msg->as_object();
            if (const auto* mid = o.if_contains("id"); mid && mid->to_number<std::int64_t>() == id) {
                if (const auto* err = o.if_contains("error"))
                    FAIL("DevTools " << method << ": " << json::serialize(*err));
                return o.at("result").as_object();
            }
            on_event(o);
        }
    }

    /// Evaluates a JS expression in the page (promises awaited): its value, by JSON.
    json::value eval(const std::string& expression) {
        auto r = call("Runtime.evaluate", {{"expression", expression},
                                           {"returnByValue", true},
                                           {"awaitPromise", true}});
        if (const auto* ex = r.if_contains("exceptionDetails"))
            FAIL("page script threw: " << json::serialize(*ex) << "\nin: " << expression);
        const auto& res = r.at("result").as_object();
        const auto* v = res.if_contains("value");
        return v ? *v : json::value(nullptr);
    }

    /// Polls `expression` (every 250 ms, bounded) until it is true; while it throws (the page
    /// still loading) it counts as false.
    bool wait_for(const std::string& expression, std::chrono::seconds limit) {
        const std::string guarded =
            "(() => { try { return !!(" + expression + "); } catch (e) { return false; } })()";
        const auto deadline = Clock::now() + limit;
        while (Clock::now() < deadline) {
            const auto v = eval(guarded);
            if (v.is_bool() && v.as_bool()) return true;
            std::this_thread::sleep_for(250ms);
        }
        return false;
    }

    /// A PNG of the whole page, written to `path`.
    void screenshot(const std::string& path) {
        auto r = call("Page.captureScreenshot",
                      {{"format", "png"}, {"captureBeyondViewport", true}});
        auto png = from_base64(std::string_view(r.at("data").as_string()));
        REQUIRE(png);
        std::ofstream(path, std::ios::binary)
            .write(reinterpret_cast<const char*>(png->data()), static_cast<std::streamsize>(png->size()));
        std::printf("dashboard screenshot: %s\n", path.c_str());  // shown by ctest -V too
        std::fflush(stdout);
    }

    const std::vector<std::string>& exceptions() const { return m_exceptions; }
    const std::set<std::string>& urls() const { return m_urls; }

private:
    std::int64_t send(const std::string& method, json::object params, bool to_page) {
        const std::int64_t id = ++m_next_id;
        json::object msg{{"id", id}, {"method", method}, {"params", std::move(params)}};
        if (to_page && !m_session.empty()) msg["sessionId"] = m_session;
        std::string text = json::serialize(msg);
        text.push_back('\0');
        std::size_t done = 0;
        while (done < text.size()) {
            const ssize_t n = ::write(m_write, text.data() + done, text.size() - done);
            if (n <= 0) break;  // chromium is gone: the read times out and says so
            done += static_cast<std::size_t>(n);
        }
        return id;
    }

    std::optional<json::value> read_message(Clock::time_point deadline) {
        for (;;) {
            if (const auto nul = m_buffer.find('\0'); nul != std::string::npos) {
                const std::string text = m_buffer.substr(0, nul);
                m_buffer.erase(0, nul + 1);
                boost::system::error_code ec;
                auto v = json::parse(text, ec);
                if (!ec && v.is_object()) return v;
                continue;
            }
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
            if (left.count() <= 0 || m_buffer.size() > k_max_cdp_message_bytes) return std::nullopt;
            pollfd p{m_read, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return std::nullopt;
            char buf[65536];
            const ssize_t n = ::read(m_read, buf, sizeof buf);
            if (n <= 0) return std::nullopt;
            m_buffer.append(buf, static_cast<std::size_t>(n));
        }
    }

    /// Uncaught page exceptions, and every URL the page asked for (HTTP and websocket).
    void on_event(const json::object& o) {
        const auto* method = o.if_contains("method");
        if (!method || !method->is_string()) return;
        const auto& params = o.at("params").as_object();
        if (*method == "Runtime.exceptionThrown")
            m_exceptions.push_back(json::serialize(params.at("exceptionDetails")));
        else if (*method == "Network.requestWillBeSent")
            m_urls.insert(std::string(params.at("request").at("url").as_string()));
        else if (*method == "Network.webSocketCreated")
            m_urls.insert(std::string(params.at("url").as_string()));
    }

    pid_t m_pid = -1;
    int m_write = -1;
    int m_read = -1;
    std::string m_buffer;
    std::string m_session;
    std::int64_t m_next_id = 0;
    std::vector<std::string> m_exceptions;
    std::set<std::string> m_urls;
};

/// The page's state as the test reads it: one JSON object from the DOM.
constexpr const char* k_dom_snapshot = R"JS(JSON.stringify({
  live: document.getElementById('live').dataset.state,
  height: Number(document.getElementById('height').textContent) || 0,
  interval: document.getElementById('interval').textContent,
  avgInterval: document.getElementById('avg-interval').textContent,
  validators: [...document.querySelectorAll('#validators tbody tr')].map(tr => ({
    address: tr.dataset.address,
    power: tr.querySelector('.power').textContent,
    missed: tr.querySelector('.missed').textContent})),
  futures: [...document.querySelectorAll('#futures tbody tr')].map(tr => ({
    id: tr.dataset.id, status: tr.dataset.status})),
  verifiedCount: Number((document.querySelector('#status-counts [data-status=VERIFIED] .count') || {}).textContent) || 0,
  timelineStatus: document.getElementById('timeline').dataset.status || '',
  timeline: [...document.querySelectorAll('#timeline tbody tr')].map(tr => ({
    step: tr.dataset.step, height: tr.querySelector('.height').textContent,
    time: tr.querySelector('.time').textContent, value: tr.dataset.value || '',
    validator: tr.dataset.validator || '', status: tr.dataset.status || ''})),
  handlers: [...document.querySelectorAll('#handlers tbody tr')].map(tr => tr.dataset.handler),
  peers: document.querySelectorAll('#peers tbody tr').length,
  error: document.getElementById('error').textContent
}))JS";

json::object snapshot(Browser& b) {
    const auto v = b.eval(k_dom_snapshot);
    REQUIRE(v.is_string());
    return json::parse(v.as_string()).as_object();
}

std::string artifacts_dir() {
    const std::string dir = SEER_E2E_ARTIFACTS_DIR;
    fs::create_directories(dir);
    return dir;
}

TEST_CASE("e2e: the dashboard in headless Chromium shows a future go to VERIFIED") {
    REQUIRE_MESSAGE(fs::exists(k_chromium),
                    "Chromium is not installed (" << k_chromium << "): the dashboard test needs "
                    "Debian's chromium package; `make test` installs it with "
                    "scripts/install-test-deps.sh, or run: apt-get install chromium");

    TempDir tmp("seer-e2e-dashboard");  // first, so it goes after the nodes are stopped
    REQUIRE(tmp.ok());
    Network<4> net;
    net.dir = tmp.path() + "/chain";
    fs::create_directories(net.dir);
    net.base = free_port_range(80);
    REQUIRE(net.base != 0);
    net.api_base = static_cast<std::uint16_t>(net.base + 40);
    {
        Process gen;
        gen.start({SEER_BINARY, "testnet", "--validators", "4", "--output", net.dir + "/net",
                   "--starting-port", std::to_string(net.base), "--api-starting-port",
                   std::to_string(net.api_base)},
                  net.dir + "/testnet.log");
        REQUIRE(gen.wait_exit(30s) == 0);
    }
    for (int i = 0; i < 4; ++i)
        net.start(i);
    REQUIRE_MESSAGE(wait_until(120s, [&] {
                        for (int i = 0; i < 4; ++i)
                            if (net.height(i) < 3) return false;
                        return true;
                    }),
                    "the 4 validators did not reach height 3 within 120 s");

    const std::string origin = "http://127.0.0.1:" + std::to_string(net.api(0));
    Browser browser(tmp.path() + "/chromium-profile", tmp.path() + "/chromium.log");
    browser.open_page();
    browser.call("Page.navigate", {{"url", origin + "/"}});

    // 1. Live over the websocket, with the validators and peers listed and the height moving.
    // A failure's text is built before the assertion: doctest's message of a failing check must
    // not run another check (snapshot() talks to the browser), or the reporter deadlocks.
    if (!browser.wait_for("document.getElementById('live').dataset.state === 'live' && "
                          "document.querySelectorAll('#validators tbody tr').length === 4 && "
                          "document.querySelectorAll('#peers tbody tr').length === 3",
                          60s)) {
        const std::string page = json::serialize(snapshot(browser));
        FAIL("the page did not go live with 4 validators and 3 peers: "
             << page << "\n" << read_file(tmp.path() + "/chromium.log"));
    }
    const auto first = snapshot(browser);
    const auto h0 = first.at("height").as_int64();
    CHECK(h0 >= 3);
    // Pushed by NewBlock events: two more blocks show without a reload.
    REQUIRE(browser.wait_for("Number(document.getElementById('height').textContent) >= " +
                                 std::to_string(h0 + 2),
                             30s));
    {
        const auto s = snapshot(browser);
        CHECK(s.at("interval").as_string() != "–");
        CHECK(s.at("avgInterval").as_string() != "–");
        std::set<std::string> addresses;
        for (const auto& v : s.at("validators").as_array()) {
            addresses.insert(std::string(v.at("address").as_string()));
            CHECK(std::stoll(std::string(v.at("power").as_string())) > 0);
            CHECK(std::string(v.at("missed").as_string()).find_first_not_of("0123456789") ==
                  std::string::npos);
        }
        CHECK(addresses.size() == 4);
        const auto rest_vals = rpc_get(net.rpc(0), "/validators");
        REQUIRE(rest_vals);
        for (const auto& v : rest_vals->at("validators").as_array())
            CHECK(addresses.contains(std::string(v.at("address").as_string())));
    }
    const std::string dir = artifacts_dir();
    browser.screenshot(dir + "/dashboard-overview.png");

    // 2. A future from the CLI, seen on the page until its timeline says VERIFIED.
    copy_testnet_keys(net.dir, net.dir + "/cli");
    Process cli;
    const std::string cli_log = net.dir + "/cli-math.log";
    cli.start({SEER_BINARY, "--home", net.dir + "/cli", "--node",
               "http://127.0.0.1:" + std::to_string(net.rpc(0)), "tx", "async", "add-future",
               "--handler", "math", "--input", "2+4", "--from", "alice", "--wait", "--output",
               "json"},
              cli_log);
    if (!browser.wait_for("document.querySelectorAll('#futures tbody tr').length > 0", 60s))
        FAIL("the new future did not appear in the page's list: " << read_file(cli_log));
    const std::string id(snapshot(browser).at("futures").at(0).at("id").as_string());
    MESSAGE("future " << id << " is on the page");
    // Through the page's own search form, as a user would.
    browser.eval("document.getElementById('search-id').value = " + json::serialize(json::string(id)) +
                 "; document.getElementById('search').requestSubmit(); true");
    std::set<std::string> seen;  // the statuses the timeline showed on the way
    const auto deadline = Clock::now() + 90s;
    while (Clock::now() < deadline) {
        const auto s = snapshot(browser);
        const std::string st(s.at("timelineStatus").as_string());
        if (!st.empty()) seen.insert(st);
        if (st == "VERIFIED") break;
        std::this_thread::sleep_for(250ms);
    }
    std::string seen_text;
    for (const auto& s : seen)
        seen_text += s + " ";
    std::printf("future %s: the timeline showed %s\n", id.c_str(), seen_text.c_str());
    if (!seen.contains("VERIFIED")) {
        const std::string page = json::serialize(snapshot(browser));
        FAIL("the page did not show future " << id << " VERIFIED within 90 s: " << page);
    }
    REQUIRE(cli.wait_exit(60s) == 0);
    const std::string out = read_file(cli_log);
    const auto brace = out.find('{');
    REQUIRE(brace != std::string::npos);
    const auto from_cli = json::parse(out.substr(brace)).as_object();
    CHECK(from_cli.at("id").as_string() == id);
    CHECK(from_cli.at("status").as_string() == "FUTURE_STATUS_VERIFIED");

    // 3. The timeline against the node's REST record: heights, times, one row per vote.
    const auto rest_body = http_get(net.api(0), "/seer/async/v1/futures/" + id);
    REQUIRE(rest_body);
    const auto fut = json::parse(*rest_body).at("future").as_object();
    // The DOM again, after the page's next refresh (the list and counts follow every block).
    REQUIRE(browser.wait_for(
        "[...document.querySelectorAll('#futures tbody tr')].some(tr => tr.dataset.id === " +
            json::serialize(json::string(id)) + " && tr.dataset.status === 'VERIFIED')",
        30s));
    const auto s = snapshot(browser);
    std::map<std::string, std::vector<json::object>> rows;
    for (const auto& r : s.at("timeline").as_array())
        rows[std::string(r.at("step").as_string())].push_back(r.as_object());
    REQUIRE(rows["created"].size() == 1);
    CHECK(rows["created"][0].at("height").as_string() == fut.at("created_height").as_string());
    REQUIRE(rows["result"].size() == 1);
    CHECK(rows["result"][0].at("height").as_string() == fut.at("result").at("height").as_string());
    CHECK(rows["vote"].size() == fut.at("votes").as_array().size());
    CHECK(rows["vote"].size() >= 2);
    for (const auto& v : rows["vote"]) {
        CHECK(v.at("value").as_string() == "VERIFIED");
        CHECK(v.at("validator").as_string().size() == 40);
    }
    REQUIRE(rows["verdict"].size() == 1);
    CHECK(rows["verdict"][0].at("status").as_string() == "VERIFIED");
    CHECK(rows["verdict"][0].at("height").as_string() == fut.at("final_height").as_string());
    for (const char* step : {"created", "result", "verdict"})
        CHECK_MESSAGE(rows[step][0].at("time").as_string().find("UTC") != std::string::npos, step);
    CHECK(s.at("verifiedCount").as_int64() >= 1);
    const auto& handlers = s.at("handlers").as_array();
    CHECK(std::find(handlers.begin(), handlers.end(), json::value("math")) != handlers.end());
    CHECK(s.at("peers").as_int64() == 3);
    CHECK(s.at("height").as_int64() > h0);
    browser.screenshot(dir + "/dashboard-future-" + id + ".png");
    browser.call("Runtime.evaluate",
                 {{"expression", "document.getElementById('timeline-card').scrollIntoView()"}});
    browser.screenshot(dir + "/dashboard-timeline.png");

    // 4. The page threw nothing and asked nothing of anyone but this node (REST and RPC).
    CHECK_MESSAGE(browser.exceptions().empty(),
                  "page exceptions: " << (browser.exceptions().empty() ? "" : browser.exceptions()[0]));
    const std::string ws = "ws://127.0.0.1:" + std::to_string(net.rpc(0)) + "/websocket";
    bool saw_ws = false;
    for (const auto& url : browser.urls()) {
        saw_ws |= url == ws;
        CHECK_MESSAGE((url.rfind(origin + "/", 0) == 0 || url == ws || url == "about:blank"), url);
    }
    CHECK(saw_ws);
}

}  // namespace
}  // namespace seer::e2e
