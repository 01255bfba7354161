# LatticeFF — the two set-up commands of the README are `make demo` and `make test`.
# Each first installs the Debian packages it needs (idempotent, quiet when already present).
SHELL := /bin/bash
export PATH := /opt/swift/usr/bin:$(PATH)
DEBIAN_PACKAGES := libopenblas-dev liblapacke-dev libfftw3-dev libopenmpi-dev openmpi-bin gnuplot-nox pkg-config
BIN := .build/release/latticeff

.PHONY: deps demo test build release bench clean

deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi
	@python3 -c "import numpy" 2>/dev/null || { echo "installing python3-numpy (tests compare with numpy)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-numpy >/dev/null; }
	@command -v swift >/dev/null || { echo "error: swift not found (expected at /opt/swift/usr/bin)"; exit 1; }

release: deps
	swift build -c release --product latticeff

# Main job on a small built-in default: a REDUCED version of the paper's Sec. III with the shipped model
# (ML vs ED correlations on 24×24, quenches to kT = 0.1, 0.2, 0.3 on 64×64, analysis, figures, report;
# about 5 minutes on 2 cores). Rerunning continues from what is already in demo-output/.
demo: release
	$(BIN) reproduce --preset demo --output demo-output
	@echo "see demo-output/report.md and the figures next to it"

# Tests run one at a time: OpenBLAS's thread count is process-global, and the bit-for-bit
# reproducibility tests (resume, batch strategies) need it fixed while they run.
test: deps
	swift build --build-tests
	swift test --no-parallel

bench: release
	$(BIN) bench features --sizes 40,200,1000
	$(BIN) bench ed --sizes 20,30,40,50
	$(BIN) bench enn
	$(BIN) bench dynamics

clean:
	rm -rf .build

# Formats Sources, Tests and Package.swift in place with the committed .swift-format (swift-format
# ships with the toolchain). First a blank line goes between a file's header comment and its first
# import, so that sorting the imports (rule OrderedImports) keeps the header at the top of the file
# instead of moving it along with the import it was attached to.
.PHONY: format
format:
	@perl -0pi -e 'if (/^(?:\@testable )?import /m) { my $$p = $$-[0]; if ($$p > 0 && substr($$_, 0, $$p) =~ /(?:^|\n)\/\/[^\n]*\n\z/) { substr($$_, $$p, 0) = "\n" } }' \
	  Package.swift $$(find Sources Tests -name '*.swift')
	swift-format format --configuration .swift-format --in-place --recursive --parallel Sources Tests Package.swift
