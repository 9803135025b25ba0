# Marginal: `make demo` and `make test` are all a new machine needs.
# Each installs the Debian packages that are missing, builds, and runs.

SWIFT       ?= swift
APT_PACKAGES = pkg-config libopenblas-dev liblapacke-dev libnlopt-dev
SUDO        := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
RELEASE_BIN := .build/release/marginal

.PHONY: all deps build demo test bench clean

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

build: deps
	$(SWIFT) build -c release --product marginal

demo: build
	$(RELEASE_BIN) fit Examples/sleepstudy.csv -f 'Reaction ~ 1 + Days + (1 + Days | Subject)'

# Tests are compiled with optimization: the sampler tests run NUTS thousands of times, which
# takes minutes in an unoptimized build and seconds in an optimized one.
test: deps
	$(SWIFT) build --build-tests -Xswiftc -O
	$(SWIFT) test --skip-build

bench: deps
	cd Benchmarks && $(SWIFT) package --allow-writing-to-package-directory benchmark --target MarginalBenchmarks

clean:
	rm -rf .build Benchmarks/.build
