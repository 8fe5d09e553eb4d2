#!/usr/bin/env bash
# `make fuzz` (docs/fuzzing.md): builds every libFuzzer target with clang-14, ASan and UBSan in
# build-fuzz, then runs each for FUZZ_RUNS executions (default 1,000,000) on a copy of its seed
# corpus and regressions (libFuzzer adds what it finds to the copy, never to tests/fuzz/corpus),
# and fails if any target crashes, leaks, times out or violates an invariant.
#
#   FUZZ_RUNS=N         executions per target (default 1000000)
#   FUZZ_TARGETS="a b"  only these targets (default: every directory of tests/fuzz/corpus)
#   FUZZ_BUILD_DIR=dir  the clang build directory (default build-fuzz)
#   FUZZ_JOBS=N         build jobs (default 2)
#   FUZZ_FLAGS="..."    more libFuzzer flags (e.g. -max_total_time=600)
#
# Per target: build-fuzz/fuzz-work/<target>/{corpus,artifacts,log}; a summary table at the end
# (and in build-fuzz/fuzz-work/summary.txt). A crash leaves its input in artifacts/; replay it
# with build-fuzz/tests/fuzz/fuzz_<target> <file>, and once fixed add it to
# tests/fuzz/regressions/<target>/.
set -euo pipefail

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${FUZZ_BUILD_DIR:-$src/build-fuzz}
runs=${FUZZ_RUNS:-1000000}
jobs=${FUZZ_JOBS:-2}
corpus_root=$src/tests/fuzz/corpus
regressions_root=$src/tests/fuzz/regressions

if [[ -n "${FUZZ_TARGETS:-}" ]]; then
  read -r -a targets <<<"$FUZZ_TARGETS"
else
  targets=()
  for d in "$corpus_root"/*/; do targets+=("$(basename "$d")"); done
fi

command -v clang++-14 >/dev/null || {
  echo "make fuzz: clang++-14 not found (sudo apt-get install clang-14 libclang-rt-14-dev)" >&2
  exit 1
}

# Every folder the targets need (gRPC is not one of them). The libraries get coverage feedback,
# ASan and UBSan (an undefined behaviour aborts, so libFuzzer reports it), but not UBSan's
# `function` check: clang 14 cannot compile the p2p coroutines with it ("Cannot represent a
# difference across sections", llvm-project#49689).
folders="common;proto;crypto;store;consensus;prophet;p2p;bank;async;app;rpc;node"
flags="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize=function"
flags+=" -fno-sanitize-recover=undefined"
CC=clang-14 CXX=clang++-14 cmake -S "$src" -B "$build" -DSEER_FUZZ=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSEER_WERROR=OFF "-DCMAKE_CXX_FLAGS=$flags" \
  "-DSEER_FOLDERS=$folders" >/dev/null
cmake --build "$build" --target seer_fuzz_targets -j "$jobs"

work=$build/fuzz-work
mkdir -p "$work"
summary=$work/summary.txt
printf '%-18s %12s %10s %10s %8s  %s\n' target executions seconds exec/s rss_mb result >"$summary"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=0
for t in "${targets[@]}"; do
  bin=$build/tests/fuzz/fuzz_$t
  if [[ ! -x "$bin" ]]; then
    echo "make fuzz: no binary $bin" >&2
    failed=1
    continue
  fi
  dir=$work/$t
  rm -rf "$dir"
  mkdir -p "$dir/corpus" "$dir/artifacts"
  # The committed inputs, copied: libFuzzer writes into the first corpus directory it is given.
  find "$corpus_root/$t" "$regressions_root/$t" -maxdepth 1 -type f ! -name '.*' \
    -exec cp {} "$dir/corpus/" \; 2>/dev/null || true
  echo "make fuzz: fuzz_$t, $runs runs" >&2
  start=$(date +%s.%N)
  rc=0
  # shellcheck disable=SC2086
  "$bin" -runs="$runs" -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$dir/artifacts/" ${FUZZ_FLAGS:-} "$dir/corpus" >"$dir/log" 2>&1 || rc=$?
  end=$(date +%s.%N)
  secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
  execs=$(awk '/stat::number_of_executed_units:/ { print $2 }' "$dir/log" | tail -1)
  rate=$(awk '/stat::average_exec_per_sec:/ { print $2 }' "$dir/log" | tail -1)
  rss=$(awk '/stat::peak_rss_mb:/ { print $2 }' "$dir/log" | tail -1)
  result=ok
  if [[ $rc -ne 0 ]]; then
    result="FAILED (exit $rc)"
    failed=1
    echo "make fuzz: fuzz_$t failed; last lines of $dir/log:" >&2
    tail -n 40 "$dir/log" >&2
    ls -l "$dir/artifacts" >&2
  fi
  printf '%-18s %12s %10s %10s %8s  %s\n' "$t" "${execs:-?}" "$secs" "${rate:-?}" "${rss:-?}" \
    "$result" >>"$summary"
done
cat "$summary"
exit $failed
