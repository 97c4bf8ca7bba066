#!/bin/sh
# Records the golden outputs of the reference commands into OUT (a new
# folder), masked (tests/golden/mask.py): for seeds 1, 7 and 42 a 20-iteration
# run on the simulator and the same through the file bridge, and a batch of
# 3 experiments of 10 iterations. Every results file, checkpoint, journal,
# report and batch file is kept, with the console output of each command.
#
# usage: tests/golden/record.sh PATH/TO/promptopt OUT
# To accept an intended change of output: record into tests/golden/expected
# (after removing it) and review the diff before committing.
set -eu
PO=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$2"
OUT=$(cd "$2" && pwd)
unset ANTHROPIC_API_KEY OPENAI_API_KEY ANTHROPIC_BASE_URL OPENAI_BASE_URL

scenario() {
	name=$1; shift
	mkdir "$OUT/$name"
	(cd "$OUT/$name" && "$PO" "$@" >console.txt 2>&1) || {
		echo "record.sh: '$*' failed:" >&2; cat "$OUT/$name/console.txt" >&2; exit 1; }
	# Transport and machine state, not outputs: the bridge folder, the
	# response cache, the results folder's lock, the record of the last
	# run's pid and clock times (tests/cli/t_hostile_disk_full.sh checks it)
	# and its progress (t_status_live.sh).
	rm -rf "$OUT/$name/.pr-faq-validator" "$OUT/$name/.promptopt"
	find "$OUT/$name" \( -name .promptopt.lock -o -name run_state.json -o -name progress.json \) -delete
	# The run history (runs/) copies files recorded above, with clock times.
	find "$OUT/$name" -type d -name runs -prune -exec rm -rf {} +
	python3 "$HERE/mask.py" "$OUT/$name" "$OUT/$name"
}

for s in 1 7 42; do
	scenario "sim-$s" run --project pr-faq-validator --iterations 20 --provider sim --seed "$s"
	scenario "bridge-$s" run --project pr-faq-validator --iterations 20 --provider bridge --seed "$s"
done
scenario batch batch --experiments 3 --iterations 10
