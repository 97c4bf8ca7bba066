#!/bin/sh
# Shell tests: run the real binary the way a user does, in a fresh temporary
# folder per test, comparing output and exact error text.
# A passing test's lines that start with "skip: " (it could not run here,
# e.g. no Chromium) or "note: " (e.g. where it kept a screenshot) are shown.
# usage: tests/cli/run.sh PATH/TO/promptopt
set -u
PO=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
FIXTURES=$(cd "$HERE/../fixtures" && pwd)
export PO FIXTURES HERE
pass=0
fail=0
skip=0
failed=""
for t in "$HERE"/t_*.sh; do
	name=$(basename "$t" .sh)
	dir=$(mktemp -d /tmp/promptopt-cli-XXXXXX)
	if (cd "$dir" && sh "$t") >"$dir.log" 2>&1; then
		if grep -q '^skip: ' "$dir.log"; then
			skip=$((skip + 1))
			echo "skip $name"
		else
			pass=$((pass + 1))
			echo "ok   $name"
		fi
		grep '^skip: \|^note: ' "$dir.log" | sed 's/^/     /'
	else
		fail=$((fail + 1))
		failed="$failed $name"
		echo "FAIL $name"
		sed 's/^/     /' "$dir.log" | tail -n 40
	fi
	rm -rf "$dir" "$dir.log"
done
if [ "$skip" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
