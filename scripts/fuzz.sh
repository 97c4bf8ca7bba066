#!/bin/sh
# Builds the libFuzzer targets in tests/fuzz/ with clang and runs each for
# FUZZ_SECONDS (default 30) from its corpus in tests/fuzz/corpus/<name>/
# (`make test` runs it: every target, every time). The library is compiled
# once (objects in build-fuzz/obj, rebuilt when a source or header is newer);
# FUZZ_TARGETS="fuzz_a fuzz_b" picks targets. Each run's full output is in
# build-fuzz/<name>.log, what it found in build-fuzz/corpus-<name>/, a crash's
# input in build-fuzz/crash-*; a crash or undefined behaviour fails the script.
# FUZZ_MERGE=1 then adds to tests/fuzz/corpus/<name>/ only the inputs that
# reach code (an edge) its corpus does not (libFuzzer's -merge=1, hit counts
# ignored to keep the corpus small): commit those.
set -eu
cd "$(dirname "$0")/.."
command -v clang >/dev/null || { echo "fuzz: needs clang (apt-get install clang)" >&2; exit 1; }
SECS=${FUZZ_SECONDS:-30}
# A fixed seed by default, so a run repeats (FUZZ_SEED=0: a new one each run).
SEED=${FUZZ_SEED:-1}
OUT=build-fuzz
CFLAGS="-g -O1 -std=c17 -D_GNU_SOURCE -fsanitize=address,undefined -fno-sanitize-recover=undefined -Iinclude -Isrc"
mkdir -p "$OUT/obj"
python3 scripts/embed.py projects "$OUT/embedded.c" pr-faq-validator/test_cases.json \
	pr-faq-validator/prompts.json pr-faq-validator/config.json ticket-router/test_cases.json \
	ticket-router/prompts.json ticket-router/config.json scaffold/test_cases.json \
	scaffold/prompts.json scaffold/config.json ../data/prices.json
NEWEST=$(find src include -name '*.h' -newer "$OUT/obj/.stamp" 2>/dev/null | head -n 1 || true)
# the stamp holds the flags: objects built with other flags are built again
[ -f "$OUT/obj/.stamp" ] && [ "$(cat "$OUT/obj/.stamp")" = "$CFLAGS" ] || NEWEST=all
OBJS=""
for f in $(find src -name '*.c' ! -path 'src/cli/*' | sort) "$OUT/embedded.c"; do
	o="$OUT/obj/$(echo "$f" | tr '/' '_' | sed 's/\.c$/.o/')"
	if [ -n "$NEWEST" ] || [ ! -f "$o" ] || [ "$f" -nt "$o" ]; then
		clang $CFLAGS -fsanitize=fuzzer-no-link -c "$f" -o "$o"
	fi
	OBJS="$OBJS $o"
done
echo "$CFLAGS" >"$OUT/obj/.stamp"
FAILED=0
TARGETS=${FUZZ_TARGETS:-$(for f in tests/fuzz/fuzz_*.c; do basename "$f" .c; done)}
for name in $TARGETS; do
	clang $CFLAGS -fsanitize=fuzzer "tests/fuzz/$name.c" $OBJS \
		-ljansson -lcurl -lsqlite3 -lpcre2-8 -lyaml -lm -lpthread -o "$OUT/$name"
	mkdir -p "tests/fuzz/corpus/$name" "$OUT/corpus-$name"
	echo "fuzz: $name for ${SECS}s"
	rc=0
	"$OUT/$name" -max_total_time="$SECS" -seed="$SEED" -print_final_stats=1 -artifact_prefix="$OUT/" \
		"$OUT/corpus-$name" "tests/fuzz/corpus/$name" >"$OUT/$name.log" 2>&1 || rc=$?
	grep -E '^(stat::(number_of_executed_units|average_exec_per_sec|new_units_added)|==[0-9]+==ERROR|SUMMARY|.*runtime error)' \
		"$OUT/$name.log" || true
	[ "$rc" -eq 0 ] || { echo "fuzz: $name failed (exit $rc), see $OUT/$name.log" >&2; FAILED=1; }
	if [ "$rc" -eq 0 ] && [ "${FUZZ_MERGE:-0}" = 1 ]; then
		before=$(ls "tests/fuzz/corpus/$name" | wc -l)
		"$OUT/$name" -merge=1 -use_counters=0 -artifact_prefix="$OUT/" "tests/fuzz/corpus/$name" \
			"$OUT/corpus-$name" >"$OUT/$name.merge.log" 2>&1 ||
			{ echo "fuzz: merging $name failed, see $OUT/$name.merge.log" >&2; FAILED=1; }
		echo "fuzz: $name corpus $before -> $(ls "tests/fuzz/corpus/$name" | wc -l) inputs"
	fi
done
exit "$FAILED"
