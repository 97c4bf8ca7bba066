#!/bin/sh
# Builds the libFuzzer targets in tests/fuzz/ with clang and runs each for
# FUZZ_SECONDS (default 30) from its corpus in tests/fuzz/corpus/<name>/.
set -eu
cd "$(dirname "$0")/.."
command -v clang >/dev/null || { echo "fuzz: needs clang (apt-get install clang)" >&2; exit 1; }
SECS=${FUZZ_SECONDS:-30}
OUT=build-fuzz
mkdir -p "$OUT"
python3 scripts/embed.py projects "$OUT/embedded.c" pr-faq-validator/test_cases.json \
	pr-faq-validator/prompts.json pr-faq-validator/config.json scaffold/test_cases.json \
	scaffold/prompts.json scaffold/config.json ../data/prices.json
SRC=$(find src -name '*.c' ! -path 'src/cli/*' | sort)
for f in tests/fuzz/fuzz_*.c; do
	name=$(basename "$f" .c)
	clang -g -O1 -std=c17 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
		-Iinclude -Isrc "$f" $SRC "$OUT/embedded.c" -ljansson -lcurl -lsqlite3 -lpcre2-8 -lm -lpthread -o "$OUT/$name"
	mkdir -p "tests/fuzz/corpus/$name" "$OUT/corpus-$name"
	echo "fuzz: $name for ${SECS}s"
	"$OUT/$name" -max_total_time="$SECS" -print_final_stats=1 "$OUT/corpus-$name" \
		"tests/fuzz/corpus/$name" 2>&1 | tail -n 3
done
