# seer: the two set-up commands of the README are `make localnet` and `make test`.
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
MAKEFLAGS += --no-print-directory

.PHONY: all deps configure build test test-asan test-tsan sim sim-scale unit e2e chaos bench fuzz format clean localnet

all: build

deps:
	@bash scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS) >/dev/null

# Quiet: one line, the compiler's output in $(BUILD_DIR)/build.log (its errors printed when the
# build fails). V=1 shows everything.
build: configure
ifeq ($(V),1)
	@cmake --build $(BUILD_DIR) -j $(JOBS)
else
	@echo "build: compiling seer in $(BUILD_DIR) (log: $(BUILD_DIR)/build.log)"
	@cmake --build $(BUILD_DIR) -j $(JOBS) >$(BUILD_DIR)/build.log 2>&1 || { \
	  grep -E -A4 "error|Error [0-9]" $(BUILD_DIR)/build.log | head -80; \
	  echo "build: FAILED, the whole log is $(BUILD_DIR)/build.log"; exit 1; }
endif

test: build
	@bash scripts/install-test-deps.sh
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) -LE sim-scale

# make test under ASan+UBSan (build-asan), and the concurrency tests (prophet, p2p, rpc, store)
# under TSan (build-tsan). Separate build directories; each takes a full build. docs/security.md.
test-asan: deps
	@cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSEER_SANITIZE=address,undefined >/dev/null
	@cmake --build build-asan -j $(JOBS)
	@cd build-asan && ctest --output-on-failure -j $(JOBS) -LE sim-scale

test-tsan: deps
	@cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSEER_SANITIZE=thread >/dev/null
	@cmake --build build-tsan -j $(JOBS) --target seer_prophet_tests seer_p2p_tests seer_rpc_tests seer_store_tests
	@# The exec handler's tests fork a supervisor from a threaded process, which TSan's runtime
	@# does not follow (the first run's supervisor dies without a status); they run under ASan.
	@cd build-tsan && ./tests/seer_prophet_tests --test-case-exclude='exec:*' && \
	  for t in p2p rpc store; do ./tests/seer_$${t}_tests || exit 1; done

unit: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) -L unit

sim: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) -L '^sim$$'

# The 100- and 200-validator simulations (issue 15), minutes each; not part of `make test`.
sim-scale: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -L '^sim-scale$$'

e2e: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -L e2e

# 4 validators under signed load and seeded faults for 5 minutes, then consistency checks
# (docs/chaos.md). CHAOS_SEED=S replays a run's schedule; CHAOS_SECONDS=N sets its length.
chaos: build
	@CHAOS_SECONDS=$${CHAOS_SECONDS:-300} $(BUILD_DIR)/tests/e2e/seer_e2e_tests '--test-case=e2e: chaos*'

# Benchmarks on real processes against this machine's limits, measured in the same run; prints
# a table and writes bench/results.json (QUICK=1: under 3 minutes). docs/performance.md.
bench: build
	@bash scripts/install-bench-deps.sh
	@QUICK=$(QUICK) $(BUILD_DIR)/bench/seer_bench $(BUILD_DIR)/seer $(CURDIR)/bench/results.json

# libFuzzer (clang-14, ASan, UBSan) in build-fuzz, never $(BUILD_DIR): builds every fuzz target,
# runs each for FUZZ_RUNS executions on a copy of its seed corpus and fails on any crash
# (FUZZ_TARGETS="tx rest" for some only). docs/fuzzing.md.
FUZZ_RUNS ?= 1000000
fuzz:
	@FUZZ_RUNS=$(FUZZ_RUNS) FUZZ_TARGETS="$(FUZZ_TARGETS)" bash tests/fuzz/run_fuzz.sh

format:
	@clang-format -i $$(git ls-files '*.cpp' '*.hpp')

clean:
	@rm -rf $(BUILD_DIR)

# A 4-validator network on 127.0.0.1 in $(BUILD_DIR)/localnet (kept between runs; RESET=1 to
# start afresh). Ctrl-C stops every node.
localnet: build
	@$(BUILD_DIR)/seer localnet --validators 4 --home $(CURDIR)/$(BUILD_DIR)/localnet $(if $(RESET),--reset,)
