// The `exec:<name>` handler: an operator-configured external program (see subprocess.hpp).
//
// The child's environment is PATH=/usr/local/bin:/usr/bin:/bin, LANG=C, the program's `env`,
// and for a verify program SEER_CLAIMED_STATUS=ok|error plus SEER_CLAIMED_OUTPUT (the claimed
// output, when it has no NUL byte and fits k_max_env_output) or SEER_CLAIMED_ERROR.

#include <algorithm>

#include <signal.h>

#include "log.hpp"
#include "seer/prophet/options.hpp"
#include "subprocess.hpp"

namespace seer::prophet {
namespace {

constexpr std::size_t k_max_env_output = 64 * 1024;
constexpr std::size_t k_stderr_excerpt = 512;

std::vector<std::string> base_env(const ExecProgram& program) {
    std::vector<std::string> env{"PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C"};
    env.insert(env.end(), program.env.begin(), program.env.end());
    return env;
}

std::string excerpt(const std::string& err) {
    std::string out = err.substr(0, k_stderr_excerpt);
    std::replace_if(
        out.begin(), out.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
    while (!out.empty() && out.back() == ' ')
        out.pop_back();
    return out;
}

class ExecHandler final : public Handler {
public:
    explicit ExecHandler(ExecProgram program)
        : m_program(std::move(program)),
          m_name("exec:" + m_program.name),
          m_limits(process_limits(m_program)) {}

    std::string_view name() const override { return m_name; }
    bool external() const override { return true; }

    Result<Bytes> execute(ByteView input, const Context& ctx) const override {
        ProcessSpec spec;
        spec.argv = m_program.argv;
        spec.env = base_env(m_program);
        spec.input = input;
        spec.deadline = ctx.deadline;
        spec.stop = ctx.stop;
        spec.max_stdout = m_program.max_output_bytes;
        spec.max_stderr = k_stderr_excerpt;
        spec.limits = m_limits;
        ProcessResult run = run_process(spec);
        if (run.leftovers > 0) {
            logger()->warn("exec program left processes behind, killed handler={} count={}",
                           m_name, run.leftovers);
        }
        switch (run.status) {
            case ProcessStatus::exited:
                if (run.code == 0) return std::move(run.out);
                return make_error("exit_status", "program exited with status " +
                                                     std::to_string(run.code) +
                                                     stderr_suffix(run.err));
            case ProcessStatus::limit_exceeded:
                return make_error("local_limit",
                                  run.code == SIGXCPU
                                      ? "program exceeded this node's CPU-time limit"
                                      : "program exceeded this node's file-size limit");
            case ProcessStatus::signaled:
                return make_error("signal", "program killed by signal " + std::to_string(run.code) +
                                                stderr_suffix(run.err));
            case ProcessStatus::timed_out:
                return make_error("timeout", "program killed after the timeout");
            case ProcessStatus::cancelled:
                return make_error("cancelled", "prophet is stopping");
            case ProcessStatus::output_too_large:
                return make_error("too_large", "program output exceeds " +
                                                   std::to_string(m_program.max_output_bytes) +
                                                   " bytes");
            case ProcessStatus::spawn_failed:
                return make_error("internal", run.failure);
        }
        return make_error("internal", "unknown process status");
    }

    Verdict verify(ByteView input, const Outcome& claimed, const Context& ctx) const override {
        if (m_program.verify_argv.empty() || !fits_env(claimed)) {
            return verify_by_reexecution(input, claimed, ctx);
        }
        ProcessSpec spec;
        spec.argv = m_program.verify_argv;
        spec.env = base_env(m_program);
        if (claimed.ok) {
            spec.env.push_back("SEER_CLAIMED_STATUS=ok");
            spec.env.push_back("SEER_CLAIMED_OUTPUT=" + seer::to_string(claimed.output));
        } else {
            spec.env.push_back("SEER_CLAIMED_STATUS=error");
            spec.env.push_back("SEER_CLAIMED_ERROR=" + claimed.error);
        }
        spec.input = input;
        spec.deadline = ctx.deadline;
        spec.stop = ctx.stop;
        spec.max_stdout = 64 * 1024;  // a verify program's output is ignored
        spec.limits = m_limits;
        const ProcessResult run = run_process(spec);
        if (run.status != ProcessStatus::exited) return Verdict::abstain;
        if (run.code == 0) return Verdict::verified;
        if (run.code == 1) return Verdict::rejected;
        return Verdict::abstain;
    }

private:
    static std::string stderr_suffix(const std::string& err) {
        const std::string text = excerpt(err);
        return text.empty() ? std::string() : "; stderr: " + text;
    }

    static bool fits_env(const Outcome& claimed) {
        const auto& text =
            claimed.ok ? claimed.output : Bytes(claimed.error.begin(), claimed.error.end());
        return text.size() <= k_max_env_output &&
               std::find(text.begin(), text.end(), std::uint8_t{0}) == text.end();
    }

    // Error texts are compared without their stderr excerpt, which may vary between runs.
    static std::string error_key(const std::string& error) {
        const auto pos = error.find("; stderr: ");
        return pos == std::string::npos ? error : error.substr(0, pos);
    }

    Verdict verify_by_reexecution(ByteView input, const Outcome& claimed,
                                  const Context& ctx) const {
        Outcome fresh;
        const Outcome* own = ctx.own_execution;
        if (own == nullptr) {
            fresh = Outcome::from(execute(input, ctx));
            own = &fresh;
        }
        if (!own->ok && is_local_failure(own->reason)) return Verdict::abstain;
        if (own->ok != claimed.ok) return Verdict::rejected;
        if (own->ok) return own->output == claimed.output ? Verdict::verified : Verdict::rejected;
        return error_key(own->error) == error_key(claimed.error) ? Verdict::verified
                                                                 : Verdict::rejected;
    }

    static ProcessLimits process_limits(const ExecProgram& program) {
        const auto cpu = program.limits.cpu.count() > 0 ? program.limits.cpu : program.timeout;
        ProcessLimits l;
        l.cpu_seconds = static_cast<std::uint64_t>((cpu.count() + 999) / 1000);  // whole seconds
        l.memory_bytes = program.limits.memory_bytes;
        l.file_bytes = program.limits.file_bytes;
        l.open_files = program.limits.open_files;
        return l;
    }

    ExecProgram m_program;
    std::string m_name;
    ProcessLimits m_limits;
};

Status check_argv(const std::vector<std::string>& argv, const std::string& what) {
    if (argv.empty()) return make_error("bad_option", what + " argv is empty");
    if (argv.front().empty() || argv.front().front() != '/') {
        return make_error("bad_option", what + " argv[0] must be an absolute path");
    }
    return {};
}

}  // namespace

Result<std::unique_ptr<Handler>> make_exec_handler(ExecProgram program) {
    if (program.name.empty()) return make_error("bad_option", "exec program without a name");
    const std::string what = "exec:" + program.name;
    if (auto st = check_argv(program.argv, what); !st) return st.error();
    if (!program.verify_argv.empty()) {
        if (auto st = check_argv(program.verify_argv, what + " verify"); !st) return st.error();
    }
    for (const auto& e : program.env) {
        if (e.find('=') == std::string::npos) {
            return make_error("bad_option", what + " env entry \"" + e + "\" is not KEY=value");
        }
    }
    if (program.timeout.count() <= 0)
        return make_error("bad_option", what + " timeout must be > 0");
    return std::unique_ptr<Handler>(std::make_unique<ExecHandler>(std::move(program)));
}

}  // namespace seer::prophet
