# Thin wrapper over Meson + Ninja so that `make run` and `make test` work on a
# fresh machine. The real build description is meson.build.
BUILD    ?= build
ASAN     ?= build-asan
PROJECT  ?= pr-faq-validator
ITERATIONS ?= 20
PREFIX   ?= /usr/local
MESON_OPTS ?=

.PHONY: all deps build run test test-unit test-cli test-asan test-fuzz bench fuzz fuzz-corpus install uninstall clean

all: build

deps:
	@sh scripts/install-deps.sh

$(BUILD)/build.ninja:
	@sh scripts/install-deps.sh
	meson setup $(BUILD) --prefix=$(PREFIX) $(MESON_OPTS)

build: $(BUILD)/build.ninja
	ninja -C $(BUILD)

run: build
	./$(BUILD)/promptopt run --project $(PROJECT) --iterations $(ITERATIONS)

test: build
	meson test -C $(BUILD) --print-errorlogs
	$(MAKE) test-asan
	$(MAKE) test-fuzz

test-unit: build
	meson test -C $(BUILD) --suite unit --print-errorlogs

test-cli: build
	meson test -C $(BUILD) --suite cli --print-errorlogs

# The whole suite again under AddressSanitizer + UndefinedBehaviorSanitizer.
$(ASAN)/build.ninja:
	@sh scripts/install-deps.sh
	meson setup $(ASAN) -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug $(MESON_OPTS)

test-asan: $(ASAN)/build.ninja
	ninja -C $(ASAN)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		meson test -C $(ASAN) --print-errorlogs

bench: build
	./$(BUILD)/bench/bench_run
	./$(BUILD)/bench/bench_bridge ./$(BUILD)/promptopt
	./$(BUILD)/bench/bench_http
	./$(BUILD)/bench/bench_endpoints
	./$(BUILD)/bench/bench_batch
	./$(BUILD)/bench/bench_scale
	@d=$$(mktemp -d) && trap 'rm -rf "$$d"' EXIT INT TERM && cd "$$d" && \
		$(CURDIR)/$(BUILD)/promptopt bench --seeds 1-20 --strategies hillclimb,reflect \
		--iterations 30 --no-convergence --json bench.json --no-report

# Every fuzz target for FUZZ_SECONDS (30 by default) from its corpus.
test-fuzz fuzz:
	sh scripts/fuzz.sh

# The same, then the inputs that add coverage merged into tests/fuzz/corpus.
fuzz-corpus:
	FUZZ_MERGE=1 sh scripts/fuzz.sh

# PREFIX is applied here too: the build folder may have been set up before
# (by `make run`) with another one. DESTDIR is honoured by meson install.
install: build
	meson configure $(BUILD) -Dprefix=$(PREFIX)
	meson install -C $(BUILD)

# Removes what the last `make install` from this build folder installed
# (meson's install log: the binary, the library, the header, promptopt.pc,
# the man pages and the completions).
uninstall:
	ninja -C $(BUILD) uninstall

clean:
	rm -rf $(BUILD) $(ASAN) build-fuzz
