. "$HERE/lib.sh"
# Behaviour unchanged, proven: the reference commands (tests/golden/record.sh)
# give, byte for byte, the outputs recorded in tests/golden/expected (clock
# times, durations, pids and run ids masked). An intended change of output
# records the fixtures again and shows the change in their diff.
GOLDEN=$(cd "$HERE/../golden" && pwd)
sh "$GOLDEN/record.sh" "$PO" got || die "recording failed"
if ! diff -r "$GOLDEN/expected" got >diff.txt; then
	head -n 60 diff.txt
	die "outputs differ from tests/golden/expected ($(grep -c '^diff\|^Only' diff.txt) files); if the change is intended, run tests/golden/record.sh build/promptopt tests/golden/expected (after removing it) and review the diff"
fi
