# sbompipe — see README.md. Every target works on a fresh machine.

GO       ?= go
TOOLS    := $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/sbompipe/bin
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT   ?= $(shell git rev-parse HEAD 2>/dev/null)
LDFLAGS  := -X main.version=$(VERSION) -X main.commit=$(COMMIT)
FUZZTIME ?= 30s

export PATH := $(TOOLS):$(PATH)
# The tests and the demo never need cloud credentials: keep the AWS SDK from
# asking an instance-metadata address for them.
export AWS_EC2_METADATA_DISABLED := true

.PHONY: build test test-deps demo bench fuzz lint clean

build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/sbompipe ./cmd/sbompipe

# The test command of the README and of .ci/run: installs what the tests
# need (scripts/test-deps.sh), then runs every test.
test: test-deps
	$(GO) vet ./...
	$(GO) test -count=1 ./...

test-deps:
	scripts/test-deps.sh

demo: build
	scripts/demo.sh

# The Go benchmarks of every package, then the side-by-side comparison with
# syft and cyclonedx-gomod (scripts/compare.sh; ROUNDS, SIZES, BENCH_DIR).
bench: build
	$(GO) test -run '^$$' -bench . -benchmem ./...
	SBOMPIPE=$(CURDIR)/bin/sbompipe scripts/compare.sh

fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for target in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "fuzz $$pkg $$target ($(FUZZTIME))"; \
	    $(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) mod tidy -diff

clean:
	rm -rf bin dist sbom-archive
