#pragma once
// The command-line modes every fuzz smoke binary shares (docs/fuzzing.md):
//
//   --replay <target> <dir>...       run one target's entry point over every file of the dirs
//                                    (the committed corpus and regressions; ctest
//                                    seer_fuzz_replay.<target>)
//   --write-corpus <target> <dir>    write the target's seed corpus (small valid inputs, made by
//                                    code) into <dir>, replacing the files there
//
// A failing input aborts (fuzz_common.hpp); the abort handler names the file being replayed.

#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "seer/common/bytes.hpp"

namespace seer::fuzz {

using Entry = int (*)(const std::uint8_t* data, std::size_t size);

struct Target {
    const char* name;  // "consensus_message": the libFuzzer binary is fuzz_<name>
    Entry entry;
};

namespace detail {
inline char g_replaying[512] = {};
extern "C" inline void on_replay_abort(int) {
    std::fputs("seer fuzz replay: failing input ", stderr);
    std::fputs(g_replaying, stderr);
    std::fputs("\n", stderr);
}
}  // namespace detail

/// The regular files of `dir` whose names do not start with '.', sorted by name.
inline std::optional<std::vector<std::filesystem::path>> list_inputs(const std::string& dir) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) return std::nullopt;
    std::vector<std::filesystem::path> out;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
        if (!e.is_regular_file()) continue;
        if (e.path().filename().string().starts_with(".")) continue;
        out.push_back(e.path());
    }
    if (ec) return std::nullopt;
    std::sort(out.begin(), out.end());
    return out;
}

inline Bytes read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

/// Runs `t` over every file of `dirs`. Every dir must exist and the first must hold at least
/// one input (a mistyped corpus path must not pass quietly); later ones may be empty.
inline int replay(const Target& t, std::span<char*> dirs) {
    std::signal(SIGABRT, detail::on_replay_abort);
    std::size_t count = 0;
    for (std::size_t i = 0; i < dirs.size(); ++i) {
        auto files = list_inputs(dirs[i]);
        if (!files) {
            std::fprintf(stderr, "seer fuzz replay: %s is not a directory\n", dirs[i]);
            return 1;
        }
        if (i == 0 && files->empty()) {
            std::fprintf(stderr, "seer fuzz replay: %s holds no input\n", dirs[i]);
            return 1;
        }
        for (const auto& f : *files) {
            const Bytes b = read_file(f);
            std::snprintf(detail::g_replaying, sizeof detail::g_replaying, "%s",
                          f.string().c_str());
            t.entry(b.data(), b.size());
            ++count;
        }
    }
    std::signal(SIGABRT, SIG_DFL);
    std::fprintf(stderr, "seer fuzz replay: fuzz_%s, %zu inputs, no invariant violated\n", t.name,
                 count);
    return 0;
}

/// Replaces the inputs in `dir` by `inputs`, named 000, 001, ...
inline int write_corpus(const std::string& dir, const std::vector<Bytes>& inputs) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (auto old = list_inputs(dir)) {
        for (const auto& f : *old)
            std::filesystem::remove(f, ec);
    }
    std::size_t total = 0;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        char name[32];
        std::snprintf(name, sizeof name, "%03zu", i);
        std::ofstream out(std::filesystem::path(dir) / name, std::ios::binary);
        out.write(reinterpret_cast<const char*>(inputs[i].data()),
                  static_cast<std::streamsize>(inputs[i].size()));
        if (!out) {
            std::fprintf(stderr, "seer fuzz: cannot write %s/%s\n", dir.c_str(), name);
            return 1;
        }
        total += inputs[i].size();
    }
    std::fprintf(stderr, "seer fuzz: %zu inputs (%zu bytes) written to %s\n", inputs.size(), total,
                 dir.c_str());
    return 0;
}

/// The shared modes; nullopt when none was asked for (the caller runs its smoke corpus).
/// `corpus(target)` gives a target's seed corpus.
inline std::optional<int> run_modes(
    int argc, char** argv, std::span<const Target> targets,
    const std::function<std::vector<Bytes>(std::string_view target)>& corpus) {
    if (argc < 2) return std::nullopt;
    const std::string_view mode = argv[1];
    if (mode != "--replay" && mode != "--write-corpus") return std::nullopt;
    const Target* t = nullptr;
    if (argc >= 3) {
        for (const auto& candidate : targets)
            if (std::string_view(candidate.name) == argv[2]) t = &candidate;
    }
    if (!t) {
        std::fprintf(stderr, "usage: %s --replay|--write-corpus <target> <dir>...; targets:",
                     argv[0]);
        for (const auto& candidate : targets)
            std::fprintf(stderr, " %s", candidate.name);
        std::fprintf(stderr, "\n");
        return 2;
    }
    if (mode == "--replay") {
        if (argc < 4) return 2;
        return replay(*t, std::span<char*>(argv + 3, static_cast<std::size_t>(argc - 3)));
    }
    if (argc != 4) return 2;
    const std::vector<Bytes> inputs = corpus(t->name);
    // The seed corpus must pass its own target (what libFuzzer starts from must be clean).
    for (const auto& b : inputs)
        t->entry(b.data(), b.size());
    return write_corpus(argv[3], inputs);
}

/// The first `n` of `candidates` that `accepted` takes, in order: how a smoke binary picks a
/// target's seed corpus from its seeds and mutated inputs.
inline std::vector<Bytes> pick(const std::vector<Bytes>& candidates, std::size_t n,
                               const std::function<bool(const Bytes&)>& accepted,
                               std::size_t max_bytes = 4096) {
    std::vector<Bytes> out;
    for (const auto& b : candidates) {
        if (out.size() >= n) break;
        if (b.size() > max_bytes || !accepted(b)) continue;
        if (std::find(out.begin(), out.end(), b) != out.end()) continue;
        out.push_back(b);
    }
    return out;
}

}  // namespace seer::fuzz
