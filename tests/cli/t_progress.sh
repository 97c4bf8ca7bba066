. "$HERE/lib.sh"
# Live progress: plain lines when stdout is not a terminal, --progress=none
# and --quiet silence the iteration lines; on a terminal (tmux, against the
# mock server with latency) one status line redrawn while calls are in
# flight, erased at the end, in colour unless NO_COLOR is set.
expect_exit 0 "$PO" run --project pr-faq-validator --provider sim --iterations 2
expect_grep out.txt "=== Iteration 2/2 ==="
expect_no_grep out.txt "| calls "
! grep -q "$(printf '\033')" out.txt || die "escape sequences in plain output"
expect_exit 0 "$PO" run --project pr-faq-validator --provider sim --iterations 2 --progress=none
expect_no_grep out.txt "=== Iteration"
expect_grep out.txt "CONVERGENCE ANALYSIS"
expect_exit 0 "$PO" run --project pr-faq-validator --provider sim --iterations 2 --progress bar
expect_grep out.txt "iteration 1/2 | calls "
expect_exit 2 "$PO" run --project pr-faq-validator --progress=fancy
expect_line err.txt "promptopt: error: --progress 'fancy': expected plain, bar or none"

if ! command -v tmux >/dev/null 2>&1; then
	echo "skip: tmux is not installed (scripts/install-deps.sh installs it); the terminal part did not run"
	exit 0
fi
KEY=sk-ant-tmux-Q81FAKEkey0x
start_mock "$KEY" --default latency=150
SOCK=po-test-$$
trap 'tmux -L $SOCK kill-server 2>/dev/null; kill $MOCK_PID 2>/dev/null' EXIT
cat > go.sh <<EOF2
export ANTHROPIC_API_KEY=$KEY ANTHROPIC_BASE_URL=$URL
"$PO" run --project pr-faq-validator --provider anthropic --concurrency 4 --iterations 3 --no-cache --results-dir r\$1
echo "run exit \$?"
sleep 60
EOF2
tmux -L $SOCK new-session -d -s live -x 120 -y 40 "sh go.sh 1"
# the status line appears and moves
n=0
while ! tmux -L $SOCK capture-pane -p -t live | grep -q '^iteration [0-9]/3 | calls ' && [ $n -lt 150 ]; do
	sleep 0.1; n=$((n + 1))
done
tmux -L $SOCK capture-pane -p -t live > cap1.txt
grep -q '^iteration [0-9]/3 | calls [0-9/~]* ([0-9]* in all) | best [0-9.]* | \$[0-9.]* | 0:0[0-9]' cap1.txt ||
	{ cat cap1.txt; die "no status line on the terminal"; }
sleep 1.2
tmux -L $SOCK capture-pane -p -t live > cap2.txt
[ "$(grep '| calls ' cap1.txt)" != "$(grep '| calls ' cap2.txt)" ] ||
	{ cat cap2.txt; die "the status line did not move"; }
[ "$(grep -c '| calls ' cap2.txt)" -eq 1 ] || { cat cap2.txt; die "more than one status line"; }
echo "note: status line seen in tmux: $(grep '| calls ' cap1.txt) -> $(grep '| calls ' cap2.txt)"
n=0
while ! tmux -L $SOCK capture-pane -p -t live | grep -q '^run exit' && [ $n -lt 600 ]; do
	sleep 0.1; n=$((n + 1))
done
tmux -L $SOCK capture-pane -p -e -S -100 -t live > cap3.txt
grep -q '^run exit 0' cap3.txt || { cat cap3.txt; die "the run in tmux failed"; }
grep -q 'CONVERGENCE ANALYSIS' cap3.txt || die "no summary in tmux"
! grep -q '| calls ' cap3.txt || { cat cap3.txt; die "the status line was left on the screen"; }
grep -q "$(printf '\033')\[3[23]m=== Iteration" cap3.txt || { cat -v cap3.txt; die "no colour on a terminal"; }
tmux -L $SOCK kill-session -t live

# NO_COLOR: the same without colour
tmux -L $SOCK new-session -d -s plain -x 120 -y 40 "NO_COLOR=1 sh go.sh 2"
n=0
while ! tmux -L $SOCK capture-pane -p -t plain | grep -q '^run exit' && [ $n -lt 600 ]; do
	sleep 0.1; n=$((n + 1))
done
tmux -L $SOCK capture-pane -p -e -S -100 -t plain > cap4.txt
grep -q '^run exit 0' cap4.txt || { cat cap4.txt; die "the NO_COLOR run in tmux failed"; }
! grep -q "$(printf '\033')\[3[23]m" cap4.txt || { cat -v cap4.txt; die "colour despite NO_COLOR"; }
