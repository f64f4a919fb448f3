# faxpipe — the two set-up commands are `make run` and `make test`.
SHELL := /bin/bash
GO ?= go
BIN := $(CURDIR)/bin
CONFIG ?= deploy/config/faxpipe.example.yaml
GOLANGCI_LINT_VERSION := v2.15.0
NATSCLI_VERSION := v0.5.1
# How long a round of each benchmark runs; in a round the loads take turns
# (the ingress's four, about 4 s each; the processor's two, about 5 s each).
INGRESS_BENCHTIME ?= 15s
PROCESSOR_BENCHTIME ?= 10s
# Images: the base of both (scratch needs no registry; where one is reachable,
# IMAGE_BASE=gcr.io/distroless/static-debian12:nonroot) and their tag.
IMAGE_BASE ?= scratch
IMAGE_TAG ?= dev

$(shell mkdir -p $(BIN))

.PHONY: all build run demo test test-short soak bench profile lint nats-cli clean image cluster-up cluster-down

all: build

## build: the static faxpipe binary in bin/
build:
	@echo "building bin/faxpipe (the first build downloads the modules and compiles nats-server: a few minutes)…"
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN)/faxpipe .

## run: the whole pipeline in one process on an embedded NATS server
run: build
	@echo "starting faxpipe all with $(CONFIG); Ctrl-C stops it"
	$(BIN)/faxpipe -config $(CONFIG) all

## demo: faxpipe all and the provider simulator together; events and documents shown as they land
demo: build
	$(BIN)/faxpipe -config $(CONFIG) demo

## test: the whole test suite, with the race detector
test:
	@docker info >/dev/null 2>&1 || echo "*** Docker is not available: the container suite (deploy/docker) is SKIPPED (it fails under CI) ***" >&2
	$(GO) test -race -count=1 -timeout 15m ./...

## test-short: the suite without the race detector, for quick iterations
test-short:
	$(GO) test -count=1 -timeout 15m ./...

## soak: the reliability suites (crashes, broker loss, failover, overload; then the container failover) for minutes each, with their figures
soak:
	set -o pipefail; FAXPIPE_SOAK=1 $(GO) test -count=1 -timeout 30m -v -run 'TestCrashes|TestBrokerLoss|TestClusterFailover|TestOverload' ./pkg/e2e/ | tee $(BIN)/soak.txt | grep --line-buffered -E '^(=== RUN|--- |\s+\S+_test.go:[0-9]+: FIGURE|PASS|FAIL|ok)'
	set -o pipefail; FAXPIPE_SOAK=1 $(GO) test -count=1 -timeout 30m -v -run 'TestContainers/broker_loss' ./deploy/docker/ | tee -a $(BIN)/soak.txt | grep --line-buffered -E '^(=== RUN|--- |\s+\S+_test.go:[0-9]+: FIGURE|PASS|FAIL|ok)'

## bench: ingress and processor beside their limits, side by side in one run, then the pipeline end to end
bench:
	@echo "machine: $$(nproc) cores, $$(awk '/MemTotal/ {printf "%.0f GiB", $$2/1048576}' /proc/meminfo), $$(go version | cut -d' ' -f3-)"
	set -o pipefail; $(GO) test -run '^$$' -bench . -benchtime $(INGRESS_BENCHTIME) ./ingress/ | tee $(BIN)/bench.txt
	set -o pipefail; $(GO) test -run '^$$' -bench . -benchtime $(PROCESSOR_BENCHTIME) ./processor/ | tee -a $(BIN)/bench.txt
	set -o pipefail; $(GO) test -run '^$$' -bench EndToEnd -benchtime 1x ./pkg/e2e/ | grep -v '^\s*\[' | tee -a $(BIN)/bench.txt

## profile: one round of the ingress's benchmark under the CPU profiler, each load's CPU split into its clients and its server and broker
profile:
	set -o pipefail; $(GO) test -run '^$$' -bench 'Callbacks/round1$$' -benchtime $(INGRESS_BENCHTIME) -cpuprofile $(BIN)/ingress.cpu.pprof -o $(BIN)/ingress.test ./ingress/ | tee $(BIN)/profile.txt | grep -E '^(RATIO|MEASURE|\||FAIL|---|panic)'
	$(GO) tool pprof -tags $(BIN)/ingress.test $(BIN)/ingress.cpu.pprof | sed -n '/ load:/,/^$$/p'
	@echo "one load's server and broker: go tool pprof -tagfocus='load=^ingress$$' -top $(BIN)/ingress.test $(BIN)/ingress.cpu.pprof"

## lint: go vet and golangci-lint (installed into bin/ on first use)
lint: $(BIN)/golangci-lint
	$(GO) vet ./...
	$(BIN)/golangci-lint run ./...

$(BIN)/golangci-lint:
	GOBIN=$(BIN) $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)

## nats-cli: the nats command-line tool in bin/, to look into the streams
nats-cli: $(BIN)/nats
$(BIN)/nats:
	GOBIN=$(BIN) $(GO) install github.com/nats-io/natscli/nats@$(NATSCLI_VERSION)

## image: the faxpipe:$(IMAGE_TAG) and faxpipe-nats:$(IMAGE_TAG) images, from static binaries built here
image:
	IMAGE_BASE=$(IMAGE_BASE) IMAGE_TAG=$(IMAGE_TAG) GO=$(GO) deploy/docker/build-images.sh

## cluster-up: a 3-node NATS JetStream cluster, the four services (each its own NATS user) and the simulator in Docker
cluster-up: image
	IMAGE_TAG=$(IMAGE_TAG) deploy/compose/cluster.sh up

## cluster-down: remove the local cluster's containers, network and volumes
cluster-down:
	deploy/compose/cluster.sh down

clean:
	rm -rf $(BIN) data
