# Thin wrapper around CMake. The two commands of the quick start:
#   make serve   install what is missing, build, serve the sample data
#   make test    install what is missing, build, lint, run every test (ctest)
#   make package install what is missing, build, the Debian package in $(BUILD)/deb/
# and for the sanitizers and fuzzers:
#   make test-asan   ASan+UBSan build: unit tests, fuzz regressions, a short run of each fuzzer
#   make fuzz        every fuzzer for FUZZ_SECONDS, one line of figures each (fuzz/run_all.sh)
#   make lint        clang-format and clang-tidy (scripts/lint.sh) over $(BUILD)'s compile commands
# Every build here has warnings as errors (-DREDLINE_WERROR=ON); a plain cmake build does not.
BUILD      ?= build
TSAN_BUILD ?= build-tsan
ASAN_BUILD ?= build-asan
# How long `make fuzz` runs each fuzzer; the smoke runs of `make test-asan`
# take REDLINE_FUZZ_SMOKE_SECONDS from the environment if set (default 20).
FUZZ_SECONDS ?= 600
JOBS       ?= $(shell nproc)
LISTEN     ?= 127.0.0.1:50051
CONFIG     ?= data/sample/redline.yaml

.PHONY: all deps build serve package lint test test-tsan test-asan fuzzers fuzz bench clean

all: build

deps:
	@scripts/deps.sh

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release -DREDLINE_WERROR=ON

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

serve: build
	$(BUILD)/redlined --config $(CONFIG) --listen $(LISTEN)

# The Debian packages (cmake/package.cmake) in $(BUILD)/deb/: redline_<version>-1_<arch>.deb
# and python3-redline_<version>-1_all.deb.
# CMake runs again first: the version's git description (redlined --version,
# the changelog) is taken when it configures, and must be this commit's. Only
# what the packages hold is built (redline_packaged), not the tests.
package: deps $(BUILD)/build.ninja
	cmake -S . -B $(BUILD)
	cmake --build $(BUILD) -j $(JOBS) --target redline_packaged
	cd $(BUILD) && cpack -G DEB

$(TSAN_BUILD)/build.ninja:
	cmake -S . -B $(TSAN_BUILD) -G Ninja -DREDLINE_TSAN=ON -DREDLINE_BUILD_BENCH=OFF \
	  -DREDLINE_WERROR=ON

# The ThreadSanitizer build holds only the core and its concurrency tests.
test-tsan: deps $(TSAN_BUILD)/build.ninja
	cmake --build $(TSAN_BUILD) -j $(JOBS)
	cd $(TSAN_BUILD) && ctest --output-on-failure

# AddressSanitizer + UndefinedBehaviorSanitizer, with clang for libFuzzer:
# the core, the server library and their unit tests, and fuzz/'s harnesses.
$(ASAN_BUILD)/build.ninja:
	CC=clang-14 CXX=clang++-14 cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug \
	  -DREDLINE_SANITIZE=ON -DREDLINE_BUILD_BENCH=OFF -DREDLINE_WERROR=ON

# Only what its tests need: no server binary, CLI, web page or stubs.
ASAN_TARGETS = redline_spatial_tests redline_server_tests redline_fuzzers

# ctest runs the unit tests, fuzz.<harness>.regressions (every input a fuzzer
# crashed on, replayed) and fuzz.<harness>.smoke (a short fuzzing run).
test-asan: deps $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD) -j $(JOBS) --target $(ASAN_TARGETS)
	cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS)

fuzzers: deps $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD) -j $(JOBS) --target redline_fuzzers

fuzz: fuzzers
	REDLINE_ASAN_BUILD=$(ASAN_BUILD) fuzz/run_all.sh $(FUZZ_SECONDS)

# clang-tidy needs the build's compile commands and generated headers, so lint follows build.
lint: build
	scripts/lint.sh $(BUILD)

test: build lint test-tsan test-asan
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

bench: build
	bench/run.sh

clean:
	rm -rf $(BUILD) $(TSAN_BUILD) $(ASAN_BUILD)
