# hostmind: a thin wrapper over CMake. `make run` and `make test` work on a fresh Debian 12.
JOBS ?= $(shell nproc)
RELEASE_DIR := build/release
ASAN_DIR := build/asan
HOSTMIND := $(RELEASE_DIR)/src/cli/hostmind
CTEST_ARGS ?=

.PHONY: all deps build run test test-deps bench bench-deps bench-footprint bench-sensor bench-alloc bench-detector bench-prefetch bench-sched bench-swf package clean

all: build

deps:
	scripts/install-deps.sh build

$(RELEASE_DIR)/CMakeCache.txt:
	cmake -S . -B $(RELEASE_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHOSTMIND_TESTS=OFF

build: deps $(RELEASE_DIR)/CMakeCache.txt
	cmake --build $(RELEASE_DIR) -j $(JOBS)

# Foreground agent with the embedded defaults: state in ./var, HTTP on 127.0.0.1:9464.
run: build
	exec $(HOSTMIND) run

test-deps:
	scripts/install-deps.sh build test

# Debug + ASan/UBSan build of everything, then the whole ctest suite (unit and runtime tiers).
test: test-deps
	cmake -S . -B $(ASAN_DIR) -DCMAKE_BUILD_TYPE=Debug -DHOSTMIND_SANITIZE=ON -DHOSTMIND_BENCH=OFF
	cmake --build $(ASAN_DIR) -j $(JOBS)
	cd $(ASAN_DIR) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS) --timeout 300 $(CTEST_ARGS)

# A .deb of the release build (CPack): build/release/hostmind_<version>-1_<arch>.deb
package: build
	scripts/install-deps.sh test
	cd $(RELEASE_DIR) && cpack -G DEB

bench-deps:
	scripts/install-deps.sh build bench

bench: bench-footprint bench-sensor bench-alloc bench-detector bench-prefetch bench-sched bench-swf

bench-footprint: build bench-deps
	bench/footprint.sh $(HOSTMIND)

# eBPF sensor: getppid() overhead (off / bare counter / full sensor side by side), exec and
# connect storms at the default buffer sizes. Needs root and a BTF kernel.
bench-sensor: build
	$(RELEASE_DIR)/bench/hostmind-sensor-bench all

# The cgroup controller vs static limits and a PSI-threshold rule (about 10 min; QUICK=1: 3 min).
bench-alloc: build bench-deps
	python3 bench/alloc_bench.py --hostmind $(HOSTMIND) $(if $(QUICK),--quick)

# The metric anomaly detector: samples/s on one core (detector alone, the live analyzer path,
# windowedGaussian beside them) and bytes of state per series.
bench-detector: build
	$(RELEASE_DIR)/bench/hostmind-detector-bench

# Cold starts of real programs: no prefetch vs Debian's preload vs hostmind (root; ~8 min).
# SLOW_DISK=1: on an emulated SD-card-class disk (blkio-throttled to 1,500 IOPS / 90 MB/s; ~11 min).
bench-prefetch: build bench-deps
	bench/prefetch_bench.py --hostmind $(HOSTMIND) $(if $(SLOW_DISK),--disk-iops 1500 --disk-mbps 90 --rounds 5)

clean:
	rm -rf build

# Scheduling hints on and off, side by side (docs/BENCHMARKS.md, issue 7).
bench-sched: build
	python3 bench/sched_bench.py --hostmind $(HOSTMIND) $(if $(QUICK),--phase 8 --rounds 1)

# The scheduler and run-time predictor on the shared Parallel Workloads Archive traces.
SCHED_DATA ?= ../shared/data/sched
bench-swf: build
	for t in HPC2N-2002-2.2-cln.swf.gz CTC-SP2-1996-3.1-cln.swf.gz lublin_256.swf lublin_256_new2; do \
	  $(HOSTMIND) eval swf --trace $(SCHED_DATA)/$$t --policy all --protocol both --json || exit 1; done
