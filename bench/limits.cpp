#include "limits.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>

#include "seer/crypto/ed25519.hpp"
#include "seer/crypto/hash.hpp"
#include "seer/crypto/secp256k1.hpp"
#include "seer/prophet/prophet.hpp"

namespace seer::bench {

namespace {

using Clock = std::chrono::steady_clock;

Bytes message(int i) {
    Bytes m(200);
    for (std::size_t j = 0; j < m.size(); ++j)
        m[j] = static_cast<std::uint8_t>(i * 31 + static_cast<int>(j));
    return m;
}

/// Runs `op(i)` for about `seconds` (after a short warm-up) and returns calls per second.
template <class Op>
double rate(double seconds, Op op) {
    for (int i = 0; i < 64; ++i)
        op(i);
    const auto start = Clock::now();
    const auto until = start + std::chrono::duration_cast<Clock::duration>(
                                   std::chrono::duration<double>(seconds));
    std::uint64_t n = 0;
    while (Clock::now() < until)
        for (int k = 0; k < 64; ++k)
            op(static_cast<int>(n++ % 64));
    return static_cast<double>(n) / std::chrono::duration<double>(Clock::now() - start).count();
}

Row limit(std::string name, std::string label, double value, std::string unit) {
    Row r;
    r.name = std::move(name);
    r.label = std::move(label);
    r.value = value;
    r.unit = std::move(unit);
    return r;
}

}  // namespace

unsigned cores() {
    return std::max(1u, std::thread::hardware_concurrency());
}

Row ed25519_verify_per_core(double seconds) {
    std::vector<crypto::PrivateKey> keys;
    std::vector<Bytes> msgs;
    std::vector<crypto::Signature> sigs;
    for (int i = 0; i < 64; ++i) {
        crypto::Seed seed{};
        seed[0] = static_cast<std::uint8_t>(i + 1);
        keys.push_back(crypto::PrivateKey::from_seed(seed));
        msgs.push_back(message(i));
        sigs.push_back(keys.back().sign(msgs.back()));
    }
    bool all = true;
    const double r = rate(seconds, [&](int i) {
        all &= crypto::verify(keys[static_cast<std::size_t>(i)].public_key(),
                              msgs[static_cast<std::size_t>(i)], sigs[static_cast<std::size_t>(i)]);
    });
    Row row = limit("ed25519_verify_per_s_per_core", "limit: ed25519 verifications/s, one core",
                    all ? r : 0, "1/s");
    if (!all) row.note = "a verification failed";
    return row;
}

Row secp256k1_verify_per_core(double seconds) {
    std::vector<crypto::secp256k1::PrivateKey> keys;
    std::vector<Bytes> msgs;
    std::vector<crypto::secp256k1::Signature> sigs;
    for (int i = 0; i < 64; ++i) {
        crypto::secp256k1::Secret secret{};
        secret[31] = static_cast<std::uint8_t>(i + 1);
        keys.push_back(*crypto::secp256k1::PrivateKey::from_secret(secret));
        msgs.push_back(message(i));
        sigs.push_back(keys.back().sign(msgs.back()));
    }
    bool all = true;
    const double r = rate(seconds, [&](int i) {
        const auto k = static_cast<std::size_t>(i);
        all &= crypto::secp256k1::verify(keys[k].public_key(), msgs[k], sigs[k]);
    });
    Row row = limit("secp256k1_verify_per_s_per_core", "limit: secp256k1 verifications/s, one core",
                    all ? r : 0, "1/s");
    if (!all) row.note = "a verification failed";
    return row;
}

Row sha256_mb_per_s(double seconds) {
    Bytes buf(1 << 20, 0xab);
    volatile std::uint8_t sink = 0;
    const double r = rate(seconds / 16, [&](int i) {
        buf[0] = static_cast<std::uint8_t>(i);
        sink = sink ^ crypto::sha256(buf)[0];
    });
    return limit("sha256_mb_per_s", "limit: SHA-256, one core", r * static_cast<double>(buf.size()) / 1e6,
                 "MB/s");
}

Row fdatasync_latency(const std::string& dir, int samples) {
    const std::string path = dir + "/fdatasync.probe";
    Row row = limit("fdatasync_ms", "limit: fdatasync of 4 KiB on the data directory (p50)", 0, "ms");
    const int fd = ::open(path.c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        row.note = "cannot create " + path;
        return row;
    }
    std::vector<char> block(4096, 'x');
    std::vector<double> ms;
    for (int i = 0; i < samples; ++i) {
        const auto t = Clock::now();
        if (::write(fd, block.data(), block.size()) != static_cast<ssize_t>(block.size()) ||
            ::fdatasync(fd) != 0) {
            row.note = "write or fdatasync failed";
            break;
        }
        ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t).count());
    }
    ::close(fd);
    ::unlink(path.c_str());
    if (ms.empty()) return row;
    std::sort(ms.begin(), ms.end());
    row.value = ms[ms.size() / 2];
    row.p99 = ms[std::min(ms.size() - 1, ms.size() * 99 / 100)];
    return row;
}

std::vector<Row> prophet_scaling(double seconds_per_point) {
    // Each hashchain execution is `iterations` SHA-256 rounds of 32 bytes (~1 ms here).
    const std::string input = R"({"data":"seer-bench","iterations":3000})";
    auto point = [&](unsigned workers) -> double {
        prophet::Options o;
        o.workers = workers;
        o.queue_capacity = 1 << 16;
        o.max_entries = 1 << 20;
        auto p = prophet::make_prophet(o);
        if (!p) return 0;
        std::uint64_t next = 1;
        auto fill = [&](std::size_t n) {
            for (std::size_t i = 0; i < n; ++i)
                (*p)->offer_execution({next++, "hashchain", Bytes(input.begin(), input.end())});
        };
        fill(256);  // warm-up, not counted
        (*p)->wait_idle(std::chrono::seconds(30));
        const auto base = (*p)->metrics().executed;
        const auto start = Clock::now();
        const auto until = start + std::chrono::duration_cast<Clock::duration>(
                                       std::chrono::duration<double>(seconds_per_point));
        while (Clock::now() < until) {
            if ((*p)->metrics().execution_queue_depth < 512) fill(512);
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
        const double secs = std::chrono::duration<double>(Clock::now() - start).count();
        const double r = static_cast<double>((*p)->metrics().executed - base) / secs;
        (*p)->stop();
        return r;
    };
    const double one = point(1);
    const double two = point(2);
    std::vector<Row> rows;
    rows.push_back(limit("prophet_hashchain_per_s_1_worker", "prophet: hashchain executions/s, 1 worker",
                         one, "1/s"));
    rows.push_back(limit("prophet_hashchain_per_s_2_workers",
                         "prophet: hashchain executions/s, 2 workers", two, "1/s"));
    Row r = limit("prophet_scaling_1_to_2_workers", "prophet scaling, 1 -> 2 workers",
                  one > 0 ? two / one : 0, "x");
    r.target = ">= 1.8x";
    r.ratio = r.value / 1.8;
    if (cores() >= 2)
        r.pass = r.value >= 1.8;
    else
        r.note = "fewer than 2 cores: not judged";
    rows.push_back(r);
    return rows;
}

}  // namespace seer::bench
