# The front door. `make demo` and `make test` are all a newcomer needs.
#
#   make demo      weights, wasm and page; serve http://127.0.0.1:$(PORT)/ until Ctrl-C
#   make test      every test: Go units + fuzz smoke, parity, browser (Chromium), edge (wrangler dev) + the deploy bundle check
#   make weights   the default model file(s) in weights/, from their pinned sources
#   make bench     benchmarks; writes bench/RESULTS.md
#   make edge-dev  the edge worker at http://127.0.0.1:8787/

SHELL := /bin/bash
PORT ?= 8080
export PORT
# Every test and tool stays offline: no telemetry, no browser downloads.
export WRANGLER_SEND_METRICS := false
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

DEFAULT_MODEL := weights/resnet50-keras.rnm

.PHONY: all demo test weights bench test-go test-fuzz vet node_modules fixtures

all: weights wasm

include web/Makefile.inc
include edge/Makefile.inc
include bench/Makefile.inc

demo: weights wasm
	go run ./cmd/serve

weights: $(DEFAULT_MODEL)

$(DEFAULT_MODEL): scripts/weights.sh $(shell find tools/convert engine -name '*.go' ! -name '*_test.go')
	scripts/weights.sh

node_modules: node_modules/.package-lock.json
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	@touch $@

test: vet test-go test-kernels test-fuzz test-web edge-test edge-check

vet:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	go vet ./...
	GOOS=js GOARCH=wasm go vet ./wasm ./engine/...

# RESNET_REQUIRE_WEIGHTS makes tests that use the default model fail, not
# skip, when it is missing.
test-go: weights
	RESNET_REQUIRE_WEIGHTS=1 go test -count=1 ./...

# Each fuzz target briefly, from its seed corpus onwards: a smoke run, not a
# campaign. Budgets are execution counts (pkg:Target:count, about 8 s each
# on 2 cores), not durations: with a duration, Go 1.26's fuzz coordinator can
# report its own deadline as a failure, "context deadline exceeded", with no
# failing input (golang/go#75804, fixed in Go 1.27). FUZZTIME=60s (or 1000000x)
# overrides every budget for a longer run.
FUZZ_TARGETS := \
	./engine/modelfile:FuzzParse:150000x \
	./engine/modelfile:FuzzReadFrom:150000x \
	./engine/modelfile:FuzzCheckLists:250000x \
	./engine:FuzzLoad:20000x \
	./cmd/classify:FuzzDisplay:150000x \
	./cmd/serve:FuzzPath:100000x \
	./engine/preprocess:FuzzDecode:60000x \
	./engine/preprocess/jpegscale:FuzzDecode:2000x \
	./tools/convert/pth:FuzzReadBytes:150000x \
	./tools/convert/onnx:FuzzReadBytes:45000x \
	./tools/convert/onnx:FuzzCheckWire:80000x \
	./tools/convert/tfjs:FuzzModelJSON:60000x \
	./tools/convert:FuzzSniff:150000x \
	./tools/convert:FuzzLabelsText:80000x

test-fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; rest=$${t#*:}; fn=$${rest%%:*}; budget=$${FUZZTIME:-$${rest##*:}}; \
		echo "fuzz $$pkg $$fn ($$budget)"; \
		go test -run '^$$' -fuzz "^$$fn\$$" -fuzztime $$budget -fuzzminimizetime 500x $$pkg; \
	done

# The int8 engine against PyTorch on full-size ResNet-18/50 (BatchNorm
# calibrated on real photos) and a 16-photo batch: gen.py --full writes the
# fixtures (≈ 400 MB, a few minutes, Debian's PyTorch), then TestFullParity
# converts each network from .pth, ONNX and folded ONNX to f32 and int8 and
# checks them. Not part of `make test`: PyTorch is not one of its
# dependencies and the fixtures are too large to commit. parity-full-layers
# says which layers lose the int8 precision (tens of minutes).
PARITY_FULL_DIR := build/parity-full
PARITY_FULL_TEST = RESNET_FULL_PARITY=$(CURDIR)/$(PARITY_FULL_DIR) go test -count=1 -timeout 90m -v ./tools/convert

.PHONY: parity-full parity-full-layers
$(PARITY_FULL_DIR)/.stamp: testdata/parity/gen.py testdata/parity/photos.py $(wildcard testdata/photos/*.jpg testdata/photos/*.png) | bench-python
	@mkdir -p $(@D)
	/usr/bin/python3 testdata/parity/gen.py --full $(@D)
	@touch $@

parity-full: $(PARITY_FULL_DIR)/.stamp
	$(PARITY_FULL_TEST) -run '^TestFullParity$$'

parity-full-layers: $(PARITY_FULL_DIR)/.stamp
	RESNET_FULL_PARITY_LAYERS=1 $(PARITY_FULL_TEST) -run '^TestFullParityLayers$$'

# The WebAssembly SIMD kernels (engine/kernels/wat/*.wat) and their twin
# tests, in Node and in Chromium. wabt ≥ 1.0.32 enables SIMD by default.
KERNELS_OUT := build/kernels
KERNELS_EXEC := node --stack-size=8192 $(CURDIR)/engine/kernels/wat/run_go_test.mjs

.PHONY: kernels test-kernels bench-kernels
kernels: $(KERNELS_OUT)/kernels.wasm $(KERNELS_OUT)/forwarder.wasm $(KERNELS_OUT)/kernels-relaxed.wasm \
	$(KERNELS_OUT)/kernels-shared.wasm $(KERNELS_OUT)/kernels-relaxed-shared.wasm
$(KERNELS_OUT)/%.wasm: engine/kernels/wat/%.wat
	@mkdir -p $(KERNELS_OUT)
	wat2wasm --debug-names $< -o $@

# The relaxed-SIMD variant (f32 GEMM on f32x4.relaxed_madd), loaded where
# WebAssembly.validate accepts relaxed SIMD (loader.mjs).
$(KERNELS_OUT)/kernels-relaxed.wasm: engine/kernels/wat/kernels.wat engine/kernels/wat/relaxed.sed
	@mkdir -p $(KERNELS_OUT)
	sed -E -f engine/kernels/wat/relaxed.sed $< > $(KERNELS_OUT)/kernels-relaxed.wat
	@test "$$(grep -c relaxed_madd $(KERNELS_OUT)/kernels-relaxed.wat)" = 10 || \
		{ echo "relaxed.sed rewrote $$(grep -c relaxed_madd $(KERNELS_OUT)/kernels-relaxed.wat) multiply-adds, not 10" >&2; exit 1; }
	wat2wasm --enable-relaxed-simd --debug-names $(KERNELS_OUT)/kernels-relaxed.wat -o $@

# The same modules on a shared memory, for the thread pool (pool.mjs): only
# the memory import changes (an imported memory must match in sharedness).
$(KERNELS_OUT)/kernels-shared.wasm: engine/kernels/wat/kernels.wat
	@mkdir -p $(KERNELS_OUT)
	sed 's/(import "env" "memory" (memory 0))/(import "env" "memory" (memory 0 65536 shared))/' $< > $(KERNELS_OUT)/kernels-shared.wat
	@grep -q 'memory 0 65536 shared' $(KERNELS_OUT)/kernels-shared.wat || { echo "kernels.wat: the memory import line changed" >&2; exit 1; }
	wat2wasm --enable-threads --debug-names $(KERNELS_OUT)/kernels-shared.wat -o $@
$(KERNELS_OUT)/kernels-relaxed-shared.wasm: $(KERNELS_OUT)/kernels-relaxed.wasm
	sed 's/(import "env" "memory" (memory 0))/(import "env" "memory" (memory 0 65536 shared))/' $(KERNELS_OUT)/kernels-relaxed.wat > $(KERNELS_OUT)/kernels-relaxed-shared.wat
	@grep -q 'memory 0 65536 shared' $(KERNELS_OUT)/kernels-relaxed-shared.wat || { echo "kernels.wat: the memory import line changed" >&2; exit 1; }
	wat2wasm --enable-threads --enable-relaxed-simd --debug-names $(KERNELS_OUT)/kernels-relaxed-shared.wat -o $@

# RESNET_THREADS=4: the whole kernel suite again with every call going
# through the thread pool (wat/pool.mjs) on a shared memory, and whole
# networks on 1, 2, 3 and 4 threads compared bit for bit (TestNetworkThreads).
test-kernels: kernels node_modules
	GOOS=js GOARCH=wasm go test -count=1 -exec "$(KERNELS_EXEC)" ./engine/kernels/ ./engine/resnet/
	RESNET_THREADS=4 GOOS=js GOARCH=wasm go test -count=1 -exec "$(KERNELS_EXEC)" ./engine/kernels/ ./engine/resnet/
	node --test engine/kernels/wat/pool.test.mjs
	RESNET_KERNELS=generic GOOS=js GOARCH=wasm go test -count=1 -exec "$(KERNELS_EXEC)" ./engine/kernels/
	GOOS=js GOARCH=wasm go test -c -o $(KERNELS_OUT)/kernels.test ./engine/kernels/
	node engine/kernels/wat/run_go_test_chromium.mjs $(KERNELS_OUT)/kernels.test
	RESNET_KERNELS=relaxed node engine/kernels/wat/run_go_test_chromium.mjs $(KERNELS_OUT)/kernels.test

bench-kernels: kernels node_modules
	GOOS=js GOARCH=wasm go test -c -o $(KERNELS_OUT)/kernels.test ./engine/kernels/
	node engine/kernels/wat/run_go_test_chromium.mjs $(KERNELS_OUT)/kernels.test -test.run '^$$' -test.bench 'Gemm|Forward|Call' -test.benchtime 5x
	RESNET_KERNELS=relaxed node engine/kernels/wat/run_go_test_chromium.mjs $(KERNELS_OUT)/kernels.test -test.run '^$$' -test.bench 'GemmF32|Forward/.*f32' -test.benchtime 5x
	GOOS=js GOARCH=wasm go test -c -o $(KERNELS_OUT)/resnet.test ./engine/resnet/
	node engine/kernels/wat/run_go_test_chromium.mjs $(KERNELS_OUT)/resnet.test -test.run '^$$' -test.bench ConvPaths -test.benchtime 10x

# This engine against ONNX Runtime 1.30 (Web in Chromium, and node) on
# full-size ResNet-18/50; writes bench/RESULTS.md. Several minutes.
bench: wasm node_modules bench-node-modules bench-models
	$(BENCH_RUN)
