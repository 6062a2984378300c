# Thin wrapper around CMake. The two commands of the quick start:
#   make serve   install what is missing, build, serve the sample data
#   make test    install what is missing, build, run every test (ctest)
BUILD      ?= build
TSAN_BUILD ?= build-tsan
JOBS       ?= $(shell nproc)
LISTEN     ?= 127.0.0.1:50051
CONFIG     ?= data/sample/redline.yaml

.PHONY: all deps build serve test test-tsan bench clean

all: build

deps:
	@scripts/deps.sh

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

serve: build
	$(BUILD)/redlined --config $(CONFIG) --listen $(LISTEN)

$(TSAN_BUILD)/build.ninja:
	cmake -S . -B $(TSAN_BUILD) -G Ninja -DREDLINE_TSAN=ON -DREDLINE_BUILD_BENCH=OFF

# The ThreadSanitizer build holds only the core and its concurrency tests.
test-tsan: deps $(TSAN_BUILD)/build.ninja
	cmake --build $(TSAN_BUILD) -j $(JOBS)
	cd $(TSAN_BUILD) && ctest --output-on-failure

test: build test-tsan
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

bench: build
	bench/run.sh

clean:
	rm -rf $(BUILD) $(TSAN_BUILD)
