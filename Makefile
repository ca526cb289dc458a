# gohub: make deps | build | test | run | bench | oracle | oracle-lac | oracle-ops | test-asan | fuzz
SHELL := /bin/bash
GOHUB_SHARED ?= $(abspath ../shared)
export GOHUB_SHARED

BUILD      := build
NATIVE_BUILD := $(BUILD)/native
ASAN_BUILD := $(BUILD)/native-asan
PD_INSTALL := third_party/paddle_inference_c
PD_LIB     := $(abspath $(PD_INSTALL)/paddle/lib)
JOBS       ?= $(shell nproc)
# Where scripts/onednn.sh keeps the oneDNN it installs (make deps); GOHUB_ONEDNN_DIR overrides.
ONEDNN_DIR := $(shell bash scripts/onednn.sh --print-prefix)
GO         ?= go

GOHUB      := $(BUILD)/gohub

.PHONY: all deps native build test test-native test-go lac-pkg bench oracle oracle-lac \
	oracle-ops oracle-grads oracle-models oracle-lite oracle-faces test-asan fuzz run clean proto

all: build

# Idempotent: installs only what is missing.
deps:
	bash scripts/deps.sh

native:
	cmake -S native -B $(NATIVE_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release \
	  -DCMAKE_INSTALL_PREFIX=$(abspath $(PD_INSTALL)) -Ddnnl_DIR=$(ONEDNN_DIR)/lib/cmake/dnnl
	cmake --build $(NATIVE_BUILD) -j $(JOBS)
	cmake --install $(NATIVE_BUILD) > /dev/null

build: native
	$(GO) build ./...
	$(GO) vet ./...
	$(GO) build -o $(GOHUB) ./cmd/gohub

test: deps build test-native test-go

test-native:
	cd $(NATIVE_BUILD) && ctest --output-on-failure -j $(JOBS)

# The LAC package (PyPI) holds Baidu's full lexical-analysis model that the lac module runs;
# without it (no network) those tests skip and say so.
lac-pkg:
	@bash scripts/lac_pkg.sh >/dev/null || echo "lac-pkg: LAC package unavailable; its tests will skip" >&2

test-go: lac-pkg
	$(GO) test -race -count=1 -timeout 30m ./...

# Regenerates the Go code of the .proto files (committed, so that building needs neither):
# protoc from Debian's protobuf-compiler, protoc-gen-go at the version go.mod pins.
proto:
	GOBIN=$(abspath $(BUILD))/bin $(GO) install google.golang.org/protobuf/cmd/protoc-gen-go
	PATH=$(abspath $(BUILD))/bin:$$PATH $(GO) generate ./paddle/framework ./hub/internal/moduledesc

# Reference outputs from real PaddlePaddle (scripts/oracle creates its venv).
oracle:
	bash scripts/oracle/run.sh

# LAC's own Python API (paddlepaddle 1.8.5, Python 3.8) on the lac module's sentence set.
oracle-lac:
	bash scripts/oracle/lac_pkg_run.sh

# Single-op programs written and run by real Paddle: testdata/ops.
oracle-ops:
	bash scripts/oracle/ops_run.sh

# Gradients from real Paddle's append_backward on small training programs: testdata/grads.
oracle-grads:
	bash scripts/oracle/grads_run.sh

# Paddle-Lite .nb models run by real Paddle-Lite (paddlelite 2.12, Python 3.7): testdata/lite.
oracle-lite:
	bash scripts/oracle/lite_run.sh

# PaddleHub's face modules (pipeline re-implemented in Python) on real Paddle-Lite: testdata/faces.
oracle-faces:
	bash scripts/oracle/face_run.sh

# Whole-model golden cases from real PaddlePaddle; also writes build/models/resnet50_seeded.
oracle-models:
	bash scripts/oracle/models_run.sh

bench: build
	bash scripts/bench/run.sh

# The C++ tests and the Go tests against an ASan/UBSan build of the library.
test-asan: deps
	bash scripts/asan.sh

fuzz: build
	bash scripts/fuzz.sh

# The main job: install lac (official server, else the LAC package from PyPI) and run it.
run: deps build
	$(GOHUB) install lac
	$(GOHUB) run lac --input_text "今天是个好日子"

clean:
	rm -rf $(BUILD) $(PD_INSTALL)
