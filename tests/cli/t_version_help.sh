. "$HERE/lib.sh"
expect_exit 0 "$PO" --version
grep -Eq '^promptopt [0-9]+\.[0-9]+\.[0-9]+$' out.txt || die "bad --version: $(cat out.txt)"
expect_exit 0 "$PO" --help
expect_grep out.txt "Commands:"
expect_grep out.txt "Exit codes:"
for c in run init status; do
	expect_exit 0 "$PO" $c --help
	expect_grep out.txt "usage: promptopt $c"
done
expect_exit 2 "$PO"
expect_exit 2 "$PO" frobnicate
expect_line err.txt "promptopt: error: unknown command 'frobnicate'; see 'promptopt --help'"
