# Front door: `make run` installs, builds and starts Fulcrum; `make test` runs every test.
BUILD_DIR ?= build
ASAN_DIR ?= build-asan
JOBS ?= $(shell nproc)
CONFIG ?= examples/quickstart.yaml
CMAKE_GEN := $(shell command -v ninja >/dev/null 2>&1 && echo "-G Ninja")

.PHONY: all deps build build-fulcrum build-asan run test test-unit test-asan bench bench-gateway bench-llm studies fmt fmt-check tidy clean

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD_DIR)/CMakeCache.txt:
	cmake -S . -B $(BUILD_DIR) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Release

build: $(BUILD_DIR)/CMakeCache.txt
	cmake --build $(BUILD_DIR) -j $(JOBS)

# Only the binary: what `make run` needs (tests and benchmarks take as long again to build).
build-fulcrum: $(BUILD_DIR)/CMakeCache.txt
	cmake --build $(BUILD_DIR) -j $(JOBS) --target fulcrum

$(ASAN_DIR)/CMakeCache.txt:
	cmake -S . -B $(ASAN_DIR) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug -DFULCRUM_SANITIZE=ON -DFULCRUM_BENCH=OFF

build-asan: $(ASAN_DIR)/CMakeCache.txt
	cmake --build $(ASAN_DIR) -j $(JOBS) --target unit_tests

run: deps build-fulcrum
	./$(BUILD_DIR)/fulcrum serve --config $(CONFIG)

# Every test: the whole suite, the unit tests again under ASan+UBSan, and a bounded fuzz run.
test: deps build test-unit test-asan test-fuzz

# ctest ends with the time of each label: unit (every unit test), and one per body for the tests
# that start processes (gateway, scheduler, sim, ...), to keep each within its share of the suite.
test-unit: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS)

test-asan: build-asan
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
		LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp ctest --test-dir $(ASAN_DIR) --output-on-failure -j $(JOBS) -L unit

bench: deps build
	./$(BUILD_DIR)/micro_bench --benchmark_min_time=0.2

bench-gateway: deps build
	@bash scripts/install-deps.sh bench
	bash bench/gateway_vs_peers.sh all

# The LLM routing benchmark: emulated replicas behind the gateway, every routing policy on a slice
# of the Mooncake trace (bench/llm_routing.sh).
bench-llm: deps build
	bash bench/llm_routing.sh

# The simulator studies of docs/performance.md: tables, CSVs and PNGs regenerated from the traces
# in ../shared/data (each bench/studies_*.sh writes its own section).
studies: deps build
	@bash scripts/install-deps.sh bench
	@set -e; for study in bench/studies_*.sh; do echo "== $$study"; bash "$$study"; done

fmt:
	find src tests bench -name '*.cpp' -o -name '*.h' | xargs clang-format -i

fmt-check:
	find src tests bench -name '*.cpp' -o -name '*.h' | xargs clang-format --dry-run --Werror

tidy: build
	find src -name '*.cpp' | xargs clang-tidy -p $(BUILD_DIR) --quiet

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) build-fuzz

FUZZ_DIR ?= build-fuzz
FUZZ_SECONDS ?= 60
TEST_FUZZ_SECONDS ?= 60

# libFuzzer run over the HTTP codec, built with clang. New inputs go to $(FUZZ_DIR)/corpus; the
# committed seeds in tests/fuzz/corpus are only read.
.PHONY: fuzz test-fuzz
test-fuzz:
	$(MAKE) fuzz FUZZ_SECONDS=$(TEST_FUZZ_SECONDS)

fuzz:
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_DIR) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DFULCRUM_FUZZ=ON -DFULCRUM_BENCH=OFF
	cmake --build $(FUZZ_DIR) -j $(JOBS) --target http_fuzz
	mkdir -p $(FUZZ_DIR)/corpus
	$(FUZZ_DIR)/http_fuzz -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
		-dict=tests/fuzz/http.dict $(FUZZ_DIR)/corpus tests/fuzz/corpus
