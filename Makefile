# Marginal: `make demo` and `make test` are all a new machine needs.
# Each installs the Debian packages that are missing, builds, and runs.

SWIFT       ?= swift
APT_PACKAGES = pkg-config libopenblas-dev liblapacke-dev libnlopt-dev
SUDO        := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
RELEASE_BIN := .build/release/marginal

.PHONY: all deps browser build demo test bench clean fuzz-build fuzz fuzz-smoke

all: build

# Install the system libraries only when one is missing.
deps:
	@missing=""; \
	for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -q && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	fi

# The browser check of the HTML reports (Tests/MarginalTests/Reporting/BrowserCheckTests.swift)
# opens them in headless Chromium. Installed where it can be; without it the check is skipped with
# a message, so a failed install does not stop `make test` (and `make demo` never needs it).
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || { \
	  echo "Installing chromium for the browser check of the HTML reports (optional)"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -q && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium \
	  || echo "chromium could not be installed: the browser check will be skipped"; }

build: deps
	$(SWIFT) build -c release --product marginal

demo: build
	$(RELEASE_BIN) fit Examples/sleepstudy.csv -f 'Reaction ~ 1 + Days + (1 + Days | Subject)'

# Tests are compiled with optimization: the sampler tests run NUTS thousands of times, which
# takes minutes in an unoptimized build and seconds in an optimized one.
test: deps browser
	$(SWIFT) build --build-tests -Xswiftc -O
	$(SWIFT) test --skip-build
	$(MAKE) fuzz-smoke

# Fuzzing (Fuzz/README.md): two libFuzzer targets, the CSV reader with the writer's round trip and
# formula → ModelDesign, built from the library's sources with swiftc -sanitize=fuzzer.
# `make fuzz FUZZ_SECONDS=N` runs each for N seconds; `make test` runs each for FUZZ_RUNS
# executions. FUZZ_SANITIZE=fuzzer,address adds AddressSanitizer.
FUZZ_SECONDS ?= 600
FUZZ_RUNS    ?= 100000
FUZZ_SANITIZE ?= fuzzer

fuzz-build: deps
	FUZZ_SANITIZE=$(FUZZ_SANITIZE) Fuzz/build.sh

fuzz: fuzz-build
	FUZZ_SANITIZE=$(FUZZ_SANITIZE) Fuzz/run.sh seconds $(FUZZ_SECONDS)

fuzz-smoke: fuzz-build
	FUZZ_SANITIZE=$(FUZZ_SANITIZE) Fuzz/run.sh runs $(FUZZ_RUNS)

bench: deps
	cd Benchmarks && $(SWIFT) package --allow-writing-to-package-directory benchmark --target MarginalBenchmarks

clean:
	rm -rf .build Benchmarks/.build
