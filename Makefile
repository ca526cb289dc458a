# gohub: make deps | build | test | bench | oracle | test-asan | fuzz | run
SHELL := /bin/bash
GOHUB_SHARED ?= $(abspath ../shared)
export GOHUB_SHARED

BUILD      := build
NATIVE_BUILD := $(BUILD)/native
ASAN_BUILD := $(BUILD)/native-asan
PD_INSTALL := third_party/paddle_inference_c
PD_LIB     := $(abspath $(PD_INSTALL)/paddle/lib)
JOBS       ?= $(shell nproc)
GO         ?= go

.PHONY: all deps native build test test-native test-go bench oracle test-asan fuzz run clean

all: build

# Idempotent: installs only what is missing.
deps:
	bash scripts/deps.sh

native:
	cmake -S native -B $(NATIVE_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release \
	  -DCMAKE_INSTALL_PREFIX=$(abspath $(PD_INSTALL))
	cmake --build $(NATIVE_BUILD) -j $(JOBS)
	cmake --install $(NATIVE_BUILD) > /dev/null

build: native
	$(GO) build ./...
	$(GO) vet ./...

test: deps build test-native test-go

test-native:
	cd $(NATIVE_BUILD) && ctest --output-on-failure -j $(JOBS)

test-go:
	$(GO) test -race -count=1 ./...

# Reference outputs from real PaddlePaddle (scripts/oracle creates its venv).
oracle:
	bash scripts/oracle/run.sh

bench: build
	bash scripts/bench/run.sh

# The C++ tests and the Go tests against an ASan/UBSan build of the library.
test-asan: deps
	bash scripts/asan.sh

fuzz: build
	bash scripts/fuzz.sh

run: deps build
	$(GO) run ./examples/lac_seg "今天是个好日子"

clean:
	rm -rf $(BUILD) $(PD_INSTALL)
