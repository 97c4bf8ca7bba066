# Helpers for the shell tests (sourced). Each helper exits non-zero with a
# message on failure, which fails the test.
die() { echo "FAILED: $*" >&2; exit 1; }

# expect_exit CODE cmd...: runs cmd, stdout+stderr to out.txt, checks the code.
expect_exit() {
	want=$1; shift
	"$@" >out.txt 2>err.txt
	got=$?
	[ "$got" -eq "$want" ] || { cat out.txt err.txt; die "'$*' exited $got, expected $want"; }
}

# expect_line FILE TEXT: FILE has a line exactly TEXT.
expect_line() {
	grep -Fxq -- "$2" "$1" || { echo "--- $1:"; cat "$1"; die "no line '$2' in $1"; }
}

# expect_grep FILE TEXT: FILE contains TEXT.
expect_grep() {
	grep -Fq -- "$2" "$1" || { echo "--- $1:"; cat "$1"; die "'$2' not found in $1"; }
}

expect_no_grep() {
	! grep -Fq -- "$2" "$1" || { echo "--- $1:"; cat "$1"; die "'$2' unexpectedly found in $1"; }
}

expect_file() { [ -f "$1" ] || die "missing file $1"; }

json_get() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval('d'+sys.argv[2]))" "$1" "$2"; }
