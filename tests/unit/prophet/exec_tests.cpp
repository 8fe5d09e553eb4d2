// exec:<name> with small /bin/sh scripts written to a temporary directory.

#include <doctest/doctest.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "seer/prophet/options.hpp"
#include "seer/prophet/prophet.hpp"
#include "support.hpp"

using namespace seer;
using namespace seer::prophet;

namespace {

class ScriptDir {
public:
    ScriptDir() {
        std::string tmpl =
            (std::filesystem::temp_directory_path() / "seer-prophet-XXXXXX").string();
        REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
        m_dir = tmpl;
    }
    ~ScriptDir() {
        std::error_code ec;
        std::filesystem::remove_all(m_dir, ec);
    }
    ScriptDir(const ScriptDir&) = delete;
    ScriptDir& operator=(const ScriptDir&) = delete;

    std::string write(const std::string& name, const std::string& body) {
        const auto path = m_dir / name;
        {
            std::ofstream out(path);
            out << "#!/bin/sh\n" << body << "\n";
        }
        REQUIRE(::chmod(path.c_str(), 0755) == 0);
        return path.string();
    }

private:
    std::filesystem::path m_dir;
};

std::unique_ptr<Handler> exec_handler(ExecProgram program) {
    if (program.timeout.count() == 0) program.timeout = std::chrono::milliseconds(2000);
    auto h = make_exec_handler(std::move(program));
    INFO((h ? "" : h.error().message));
    REQUIRE(h.ok());
    return std::move(h).value();
}

Context ctx_for(std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
    return test::context_with_timeout(timeout);
}

// No child of this test process is left unreaped.
bool no_children_left() {
    return ::waitpid(-1, nullptr, WNOHANG) == -1 && errno == ECHILD;
}

}  // namespace

TEST_CASE("exec: an echo-like program gets stdin and gives stdout") {
    ScriptDir dir;
    auto h = exec_handler({"cat", {dir.write("cat.sh", "exec cat")}, {}, {}, {}, 1 << 20});
    CHECK(h->name() == "exec:cat");
    auto r = h->execute(as_bytes("hello\nworld"), ctx_for());
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? std::string() : r.error().message));
    CHECK(seer::to_string(*r) == "hello\nworld");
    // A large input flows through without deadlock (stdin and stdout are serviced together).
    const std::string big(300'000, 'q');
    auto large = h->execute(as_bytes(big), ctx_for());
    REQUIRE(large.ok());
    CHECK(large->size() == big.size());
    CHECK(no_children_left());
}

TEST_CASE("exec: arguments and environment, no shell, no inherited environment") {
    ScriptDir dir;
    const std::string script =
        dir.write("args.sh", R"(printf '%s|%s|%s|%s' "$1" "$2" "$GREETING" "$HOME")");
    auto h = exec_handler({"args", {script, "a b", "$(id)"}, {}, {"GREETING=hi"}, {}, 1 << 20});
    auto r = h->execute(as_bytes(""), ctx_for());
    REQUIRE(r.ok());
    CHECK(seer::to_string(*r) == "a b|$(id)|hi|");
}

TEST_CASE("exec: non-zero exit is an error result with a stderr excerpt") {
    ScriptDir dir;
    auto h = exec_handler(
        {"fail", {dir.write("fail.sh", "echo 'it broke' >&2; exit 3")}, {}, {}, {}, 1 << 20});
    auto r = h->execute(as_bytes("x"), ctx_for());
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().reason == "exit_status");
    CHECK(r.error().message.find("status 3") != std::string::npos);
    CHECK(r.error().message.find("it broke") != std::string::npos);
    // Verification by re-execution agrees with the same error.
    const Outcome claimed = Outcome::failure(r.error());
    CHECK(h->verify(as_bytes("x"), claimed, ctx_for()) == Verdict::verified);
    CHECK(h->verify(as_bytes("x"), Outcome::success(to_bytes("fine")), ctx_for()) ==
          Verdict::rejected);
    CHECK(no_children_left());
}

TEST_CASE("exec: a program that ignores its input does not hurt the node (no SIGPIPE)") {
    ScriptDir dir;
    auto h = exec_handler({"quiet", {dir.write("quiet.sh", "echo done")}, {}, {}, {}, 1 << 20});
    const std::string big(2'000'000, 'z');
    auto r = h->execute(as_bytes(big), ctx_for());
    REQUIRE(r.ok());
    CHECK(seer::to_string(*r) == "done\n");
}

TEST_CASE("exec: a hanging program is killed at the timeout, with its children") {
    ScriptDir dir;
    auto h = exec_handler(
        {"sleep", {dir.write("sleep.sh", "sleep 30; echo late")}, {}, {}, {}, 1 << 20});
    auto r = h->execute(as_bytes(""), ctx_for(std::chrono::milliseconds(300)));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().reason == "timeout");
    CHECK(no_children_left());
    // As a verifier, a timeout cannot judge.
    CHECK(h->verify(as_bytes(""), Outcome::success(to_bytes("late\n")),
                    ctx_for(std::chrono::milliseconds(300))) == Verdict::abstain);
    // A program that exits but leaves a child holding its stdout is not waited for.
    auto bg =
        exec_handler({"bg", {dir.write("bg.sh", "sleep 30 & echo started")}, {}, {}, {}, 1 << 20});
    auto started = bg->execute(as_bytes(""), ctx_for());
    REQUIRE(started.ok());
    CHECK(seer::to_string(*started) == "started\n");
}

TEST_CASE("exec: output cap kills the program") {
    ScriptDir dir;
    auto h = exec_handler({"yes", {dir.write("yes.sh", "exec yes")}, {}, {}, {}, 1000});
    auto r = h->execute(as_bytes(""), ctx_for());
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().reason == "too_large");
    CHECK(no_children_left());
}

TEST_CASE("exec: a missing program is an internal (local) failure") {
    auto h = exec_handler({"ghost", {"/nonexistent/seer-ghost"}, {}, {}, {}, 1000});
    auto r = h->execute(as_bytes(""), ctx_for());
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().reason == "internal");
    CHECK(h->verify(as_bytes(""), Outcome::success({}), ctx_for()) == Verdict::abstain);
}

TEST_CASE("exec: a verify program decides: 0 verified, 1 rejected, else abstain") {
    ScriptDir dir;
    const std::string doubler = dir.write("double.sh", R"(read x; printf '%s%s' "$x" "$x")");
    const std::string check = dir.write("check.sh", R"(read x
[ "$SEER_CLAIMED_STATUS" = ok ] || exit 2
[ "$x" = oops ] && exit 7
[ "$SEER_CLAIMED_OUTPUT" = "$x$x" ] && exit 0
exit 1)");
    auto h = exec_handler({"double", {doubler}, {check}, {}, {}, 1 << 20});
    auto r = h->execute(as_bytes("ab\n"), ctx_for());
    REQUIRE(r.ok());
    CHECK(seer::to_string(*r) == "abab");
    CHECK(h->verify(as_bytes("ab\n"), Outcome::success(to_bytes("abab")), ctx_for()) ==
          Verdict::verified);
    CHECK(h->verify(as_bytes("ab\n"), Outcome::success(to_bytes("abba")), ctx_for()) ==
          Verdict::rejected);
    CHECK(h->verify(as_bytes("oops\n"), Outcome::success(to_bytes("x")), ctx_for()) ==
          Verdict::abstain);
    CHECK(h->verify(as_bytes("ab\n"), Outcome::failure(make_error("e", "m")), ctx_for()) ==
          Verdict::abstain);
    // Without a verify program: re-execution.
    auto plain = exec_handler({"double", {doubler}, {}, {}, {}, 1 << 20});
    CHECK(plain->verify(as_bytes("ab\n"), Outcome::success(to_bytes("abab")), ctx_for()) ==
          Verdict::verified);
    CHECK(plain->verify(as_bytes("ab\n"), Outcome::success(to_bytes("abba")), ctx_for()) ==
          Verdict::rejected);
    CHECK(no_children_left());
}

TEST_CASE("exec: stop() returns promptly with a hanging program and kills it") {
    ScriptDir dir;
    Options options;
    options.workers = 1;
    options.enabled = {};
    options.exec = {ExecProgram{
        "sleep", {dir.write("sleep.sh", "exec sleep 30")}, {}, {}, std::chrono::minutes(5), 1000}};
    auto made = make_prophet(options);
    REQUIRE(made.ok());
    auto p = std::move(made).value();
    CHECK(p->handlers() == std::vector<std::string>{"exec:sleep"});
    CHECK(p->offer_execution(ExecRequest{1, "exec:sleep", {}}) == Offer::accepted);
    REQUIRE(test::eventually([&] { return p->metrics().running == 1; }));
    p->stop();
    CHECK_FALSE(p->result(1).has_value());
    CHECK(no_children_left());
}

namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::string text;
    std::getline(in, text);
    return text;
}

// The process named by the pid file no longer exists (it was killed and reaped).
bool process_gone(const std::string& pid_text) {
    const long pid = std::strtol(pid_text.c_str(), nullptr, 10);
    REQUIRE(pid > 1);
    return test::eventually([&] { return ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH; });
}

}  // namespace

TEST_CASE("exec: a program that escapes with setsid and keeps stdout open is not waited for") {
    // The issue's case: `setsid sleep 40 &` with stdout open held a worker for 40 s against a
    // 10 s timeout, and left the sleep behind.
    ScriptDir dir;
    const std::string pidfile = dir.write("unused", "") + ".pid";
    auto h = exec_handler(
        {"escape",
         {dir.write("escape.sh", "setsid sh -c 'echo $$ > " + pidfile +
                                     "; exec sleep 300' &\nwhile [ ! -s " + pidfile +
                                     " ]; do sleep 0.01; done\necho done")},
         {},
         {},
         std::chrono::milliseconds(10'000),
         1 << 20});
    const auto started = std::chrono::steady_clock::now();
    auto r = h->execute(as_bytes(""), ctx_for(std::chrono::milliseconds(10'000)));
    const auto elapsed = std::chrono::steady_clock::now() - started;
    REQUIRE(r.ok());
    CHECK(seer::to_string(*r) == "done\n");
    CHECK(elapsed < std::chrono::seconds(60));  // not the escapee's 300 s
    CHECK(process_gone(read_file(pidfile)));
    CHECK(no_children_left());
}

TEST_CASE("exec: at the timeout the whole tree dies, escaped processes included") {
    ScriptDir dir;
    const std::string pidfile = dir.write("unused", "") + ".pid";
    auto h = exec_handler({"hang",
                           {dir.write("hang.sh", "setsid sh -c 'echo $$ > " + pidfile +
                                                     "; exec sleep 300' &\nsleep 300")},
                           {},
                           {},
                           std::chrono::milliseconds(10'000),
                           1 << 20});
    auto r = h->execute(as_bytes(""), ctx_for(std::chrono::milliseconds(500)));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().reason == "timeout");
    CHECK(process_gone(read_file(pidfile)));
    CHECK(no_children_left());
}

TEST_CASE("exec: resource limits reach the program") {
    ScriptDir dir;
    ExecProgram program{"limits",
                        {dir.write("limits.sh", "ulimit -t; ulimit -v; ulimit -f; ulimit -n")},
                        {},
                        {},
                        std::chrono::milliseconds(5000),
                        1 << 20};
    program.limits.cpu = std::chrono::milliseconds(2500);  // whole seconds, rounded up
    program.limits.memory_bytes = 512ULL << 20;
    program.limits.file_bytes = 1ULL << 20;
    program.limits.open_files = 64;
    auto h = exec_handler(program);
    auto r = h->execute(as_bytes(""), ctx_for());
    REQUIRE(r.ok());
    // dash prints seconds, KiB, 512-byte blocks and a count.
    CHECK(seer::to_string(*r) == "3\n524288\n2048\n64\n");
}

TEST_CASE("exec: a busy loop is stopped by its CPU-time limit, a local limit") {
    ScriptDir dir;
    ExecProgram program{"spin",
                        {dir.write("spin.sh", "while :; do :; done")},
                        {},
                        {},
                        std::chrono::milliseconds(60'000),
                        1 << 20};
    program.limits.cpu = std::chrono::milliseconds(1000);
    auto h = exec_handler(program);
    auto r = h->execute(as_bytes(""), ctx_for(std::chrono::milliseconds(60'000)));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().reason == "local_limit");
    CHECK(is_local_failure(r.error().reason));
    CHECK(no_children_left());
}
