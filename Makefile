# Thin wrapper over CMake so the usual verbs do what they say.
#   make            build (Release, gcc) into build/
#   make test       every test: gcc, clang, ASan+UBSan builds, fuzz smoke runs
#   make demo       the end-to-end demo on Fashion-MNIST
#   make bench      benchmarks beside their peers (OpenBLAS, SciPy, PyTorch, ...)
#   make install    install into PREFIX (default /usr/local)
#   make docs       regenerate the guide's figures and numbers
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
PREFIX ?= /usr/local
BUILD ?= build
FUZZ_SECONDS ?= 30

.PHONY: all build test test-quick demo bench install docs clean deps-build

all: build

deps-build:
	@scripts/deps.sh build

build: deps-build
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# The README's test command.
test:
	@scripts/run-tests.sh

# One configuration only (gcc, Release): for quick iteration.
test-quick: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

demo:
	@scripts/demo.sh

bench:
	@scripts/deps.sh bench
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DEO_BUILD_BENCH=ON >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)
	@bench/run.sh $(BUILD)

install: build
	@cmake --install $(BUILD) --prefix $(PREFIX)

docs: build
	@scripts/docs.sh $(BUILD)

clean:
	rm -rf build build-*
