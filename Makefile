# faxpipe — the two set-up commands are `make run` and `make test`.
SHELL := /bin/bash
GO ?= go
BIN := $(CURDIR)/bin
CONFIG ?= deploy/config/faxpipe.example.yaml
GOLANGCI_LINT_VERSION := v2.15.0
NATSCLI_VERSION := v0.5.1
BENCHTIME ?= 5s

.PHONY: all build run test test-short bench lint nats-cli clean

all: build

## build: the static faxpipe binary in bin/
build:
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN)/faxpipe .

## run: the whole pipeline in one process on an embedded NATS server
run: build
	$(BIN)/faxpipe -config $(CONFIG) all

## test: the whole test suite, with the race detector
test:
	$(GO) test -race -count=1 -timeout 15m ./...

## test-short: the suite without the race detector, for quick iterations
test-short:
	$(GO) test -count=1 -timeout 15m ./...

## bench: ingress vs the HTTP and broker limits, side by side in one run
bench:
	@echo "machine: $$(nproc) cores, $$(awk '/MemTotal/ {printf "%.0f GiB", $$2/1048576}' /proc/meminfo), $$(go version | cut -d' ' -f3-)"
	$(GO) test -run '^$$' -bench . -benchtime $(BENCHTIME) ./ingress/ | tee $(BIN)/bench.txt
	@awk '/^BenchmarkCallbacks\// { name=$$1; sub(/-[0-9]+$$/, "", name); sub(/.*\//, "", name); \
	  for (i=1;i<=NF;i++) { if ($$i=="req/s") rps[name]=$$(i-1); if ($$i=="p50-ms") p50[name]=$$(i-1); if ($$i=="p99-ms") p99[name]=$$(i-1) } } \
	  END { printf "\n%-20s %10s %8s %8s %14s\n", "load (64 clients)", "req/s", "p50 ms", "p99 ms", "vs no-op HTTP"; \
	  n=split("noop-echo ingress jetstream-publish", order, " "); \
	  for (k=1;k<=n;k++) { x=order[k]; if (x in rps) printf "%-20s %10.0f %8.2f %8.2f %13.0f%%\n", x, rps[x], p50[x], p99[x], 100*rps[x]/rps["noop-echo"] } }' $(BIN)/bench.txt

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

clean:
	rm -rf $(BIN) data
