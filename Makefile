# swift-hollow: `make demo` runs the pipeline on an embedded broker and a temp store; `make test` runs every test.
SWIFT ?= swift
BUILD_FLAGS := -Xswiftc -warnings-as-errors --explicit-target-dependency-import-check error

.PHONY: deps deps-kea bpf build test demo bench fuzz sanitize soak clean

deps:
	@scripts/install-deps.sh

deps-kea:
	@scripts/install-deps.sh --kea

# kea-edge's tc program (BPF C, clang -target bpf) -> .build-bpf/dhcp_tc.bpf.o, found by kea-edge at run time.
bpf:
	@scripts/kea-build-bpf.sh

build: deps bpf
	$(SWIFT) build $(BUILD_FLAGS)

# The whole suite: unit tests, CLI tests, a real mosquitto per suite, and Kea in network namespaces
# where the machine allows it (those tests say why they skip otherwise). The example packages (examples/) are built
# from this tree and run afterwards, on their own: compiling them would load the machine while the suites that
# start brokers and processes run.
test: deps-kea bpf
	$(SWIFT) build $(BUILD_FLAGS) --build-tests
	$(SWIFT) test $(BUILD_FLAGS) --skip-build --skip ExamplePackageTests
	$(SWIFT) test $(BUILD_FLAGS) --skip-build --filter ExamplePackageTests

# The main job on an embedded default: a private mosquitto on a free loopback port, a temporary store, a producer
# publishing examples/data every second, two `hollow watch` processes, a pin and an unpin with mosquitto_pub.
demo: build
	"$$($(SWIFT) build $(BUILD_FLAGS) --show-bin-path)/hollow" demo

# Benchmarks live in the separate package Benchmarks/: the in-process suites (ordo-one/benchmark: load, delta apply,
# write, zstd; wall clock, CPU, instructions, malloc counts) run here; the cross-process ones are `hollow-bench`.
bench: deps
	$(SWIFT) package --package-path Benchmarks benchmark
	$(SWIFT) build --package-path Benchmarks -c release --product hollow-bench
	@echo "cross-process: $$($(SWIFT) build --package-path Benchmarks -c release --show-bin-path)/hollow-bench load|cycle|mqtt|kea-bpf"

# Reliability (docs/reliability.md): none of these is part of `make test`.
# libFuzzer targets for the parsers of outside input, built into .build-fuzz; FUZZ_SECONDS per target.
FUZZ_SECONDS ?= 60
fuzz:
	scripts/fuzz.sh --seconds $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# ThreadSanitizer and AddressSanitizer runs of the producer, consumer, MQTT and explorer suites (.build-tsan, .build-asan).
sanitize: deps
	scripts/sanitize.sh $(SANITIZERS)

# A producer every second, SOAK_CONSUMERS consumers over MQTT, a pin every minute, a broker restart every five.
SOAK_MINUTES ?= 30
SOAK_CONSUMERS ?= 50
soak: build
	scripts/soak.sh --minutes $(SOAK_MINUTES) --consumers $(SOAK_CONSUMERS)

clean:
	rm -rf .build .build-fuzz .build-tsan .build-asan
