# nfstrace: build, test, benchmark and regenerate.
GO        ?= go
BIN       ?= bin/nfstrace
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT    ?= $(shell git rev-parse HEAD 2>/dev/null)
# The build date; SOURCE_DATE_EPOCH (reproducible builds) overrides the clock.
BUILD_DATE ?= $(shell date -u -d "@$${SOURCE_DATE_EPOCH:-$$(date +%s)}" +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS   := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.buildDate=$(BUILD_DATE)
# The whole suite, privileged tests included, must stay well inside CI's 90 minutes.
TESTFLAGS ?= -count=1 -timeout 60m

.PHONY: all build deb test bench generate lint lab clean

all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/nfstrace

# The Debian package nfsd-trace (the name nfstrace is taken in Debian by an
# unrelated pcap analyser; see dist/deb/build.sh) from the release binary,
# with the unit, completions, man pages, dashboards and rules; into DEBDIR.
DEBDIR     ?= bin
DEBVERSION ?= $(shell dist/deb/version.sh)
deb: build
	dist/deb/build.sh $(BIN) $(DEBVERSION) $(DEBDIR)

# Unit tests everywhere; privileged tests (root, BPF, loop devices) and the lab
# skip where their prerequisites are missing, and fail instead with NFSTRACE_STRICT=1.
test:
	$(GO) vet ./...
	$(GO) test $(TESTFLAGS) ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem -count=1 ./...

# Regenerates the eBPF objects and Go bindings (needs clang, llvm-strip, bpftool).
generate:
	$(GO) generate ./...

lint:
	test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

# Builds (cached in ~/.cache/nfstrace/lab) and boots the real-nfsd guests on
# Debian's 6.1 and 6.12 kernels and runs every scenario; needs root and QEMU.
# LABFLAGS="-kernels 6.12 -scenarios baseline" narrows it.
LABFLAGS ?= -parallel -scenarios all
lab:
	$(GO) run ./lab/cmd/nfstrace-lab run $(LABFLAGS)

clean:
	rm -rf bin
