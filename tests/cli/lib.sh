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

# start_mock KEY [MOCK-OPTIONS...]: starts the mock LLM server
# (tests/mock/mock_llm.py) on 127.0.0.1 with that API key, stopped when the
# test ends; sets URL and unsets the providers' variables so that nothing
# reaches a real API.
start_mock() {
	key=$1; shift
	python3 "$HERE/../mock/mock_llm.py" --port-file port.txt --api-key "$key" "$@" >/dev/null 2>mock.err &
	MOCK_PID=$!
	trap 'kill $MOCK_PID 2>/dev/null' EXIT
	n=0
	while [ ! -s port.txt ] && [ $n -lt 200 ]; do sleep 0.05; n=$((n + 1)); done
	[ -s port.txt ] || die "mock server did not start: $(cat mock.err)"
	URL=http://127.0.0.1:$(cat port.txt)
	unset ANTHROPIC_API_KEY ANTHROPIC_BASE_URL OPENAI_API_KEY OPENAI_BASE_URL
}

# mock_stat NAME: a counter of the mock's /_mock/stats (requests, ...).
mock_stat() { python3 -c "import json,urllib.request as u; print(json.load(u.urlopen('$URL/_mock/stats'))['$1'])"; }
