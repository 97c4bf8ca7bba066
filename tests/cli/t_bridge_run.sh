. "$HERE/lib.sh"
# `run` through the bridge with its managed auto-responder: the same run as the
# in-process simulator, logs, no process left behind, a responder killed mid-run,
# an external responder, the timeout, two runs of one project at once.
P=pr-faq-validator
gone() { ! kill -0 "$1" 2>/dev/null; }
rpid() { sed -n 's/^Auto-responder: started (pid \([0-9]*\)).*/\1/p' "$1" | head -n 1; }

expect_exit 0 "$PO" run --split none --project $P --iterations 6 --no-report --results-dir viasim --provider sim
expect_no_grep out.txt "Auto-responder"
expect_exit 0 "$PO" run --split none --project $P --iterations 6 --no-report --results-dir viabridge
expect_grep out.txt "Auto-responder: started (pid "
expect_grep out.txt "answering .$P/llm_requests/ with sim"
expect_grep out.txt "  (logs in .$P/auto_responder_stdout.log)"
expect_grep out.txt "Provider: bridge"
pid=$(rpid out.txt)
[ -n "$pid" ] && gone "$pid" || die "the auto-responder ($pid) outlived the run"
n=$(json_get viabridge/optimization_final_results.json "['calls']['total']")
expect_line out.txt "Auto-responder: answered $n requests (0 errors); stopped"
expect_grep .$P/auto_responder_stdout.log "request_0001.json run "
[ ! -s .$P/auto_responder_stderr.log ] || die "responder wrote errors: $(cat .$P/auto_responder_stderr.log)"
h() { python3 -c "import json; d=json.load(open('$1/optimization_final_results.json')); print(json.dumps(d['iteration_history']), json.dumps(d['best_prompts']), json.dumps(d['true_score']))"; }
[ "$(h viasim)" = "$(h viabridge)" ] || die "bridged run differs from the in-process run"
# nothing left in the bridge folders
[ -z "$(ls .$P/llm_requests .$P/llm_responses | grep json)" ] || die "leftover bridge files: $(ls .$P/*)"

# ids continue after leftovers of an earlier (crashed) run, which never answer this run
printf '{"request_id": 900, "run_id": "old", "content": "stale"}' > .$P/llm_responses/response_0900.json
expect_exit 0 "$PO" run --split none --project $P --iterations 1 --no-report --results-dir after
[ -f .$P/llm_responses/response_0900.json ] || die "a stale response was consumed"
expect_grep .$P/auto_responder_stdout.log "request_0901.json"

# the responder is killed (SIGKILL) mid-run: the run says so, restarts it, finishes
"$PO" run --split none --project $P --iterations 100000 --no-convergence --no-report --results-dir killed \
	>out.txt 2>err.txt &
run=$!
n=0; while [ ! -f killed/evaluation_iteration_002.json ] && [ $n -lt 200 ]; do sleep 0.05; n=$((n + 1)); done
first=$(rpid out.txt)
[ -n "$first" ] || die "no responder pid"
kill -KILL "$first"
# The run is fast: it may be many iterations further by now. Wait for it to
# notice, then for one more iteration than it had done when it noticed.
n=0; while ! grep -q "was killed by signal 9" err.txt && [ $n -lt 200 ]; do sleep 0.05; n=$((n + 1)); done
grep -q "was killed by signal 9" err.txt || { cat err.txt; die "the run did not notice the responder was killed"; }
last=$(ls killed | sed -n 's/^evaluation_iteration_\([0-9]*\).json$/\1/p' | sort -n | tail -n 1)
next=$(printf '%03d' $(( $(echo "$last" | sed 's/^0*//;s/^$/0/') + 2 )))
n=0; while [ ! -f killed/evaluation_iteration_$next.json ] && [ $n -lt 200 ]; do sleep 0.05; n=$((n + 1)); done
[ -f killed/evaluation_iteration_$next.json ] || { cat err.txt; die "the run did not go on after the responder was killed"; }
kill -INT $run
wait $run
code=$?
[ $code -eq 11 ] || { cat err.txt; die "exit $code, expected 11"; }
expect_grep err.txt "promptopt: warning: the auto-responder (pid $first) was killed by signal 9; restarting it (1 of 3)"
expect_grep out.txt "restarted 1 time"
second=$(sed -n 's/.*answering .* with sim (pid \([0-9]*\)).*/\1/p' .$P/auto_responder_stdout.log | tail -n 1)
[ "$second" != "$first" ] && gone "$second" || die "the restarted responder ($second) outlived the run"

# an external responder: --no-auto-responder starts none
"$PO" respond --project $P --continuous -q >ext.txt 2>&1 &
ext=$!
expect_exit 0 "$PO" run --split none --project $P --iterations 2 --no-report --results-dir ext --no-auto-responder
expect_no_grep out.txt "Auto-responder"
kill -TERM $ext; wait $ext || die "external responder exit $?"
# ... and with nobody answering, the wait times out naming both files
expect_exit 8 "$PO" run --split none --project $P --iterations 2 --no-report --results-dir none --no-auto-responder --timeout 0.3
grep -Eq "^promptopt: error: no response to '.$P/llm_requests/request_[0-9]{4,}.json' \(and 39 more\) within 0.3 s: expected '.$P/llm_responses/response_[0-9]{4,}.json' \(the requests were withdrawn\); start a responder \('promptopt respond --dir .$P --continuous'\) or answer the request files by hand while the run waits, or raise --timeout$" err.txt \
	|| { cat err.txt; die "timeout message"; }
[ -z "$(ls .$P/llm_requests | grep json)" ] || die "requests of a failed run left behind: $(ls .$P/llm_requests)"

# the managed responder runs but hangs (SIGSTOP): the timeout says so, the run
# still stops it (it never outlives the run)
"$PO" run --split none --project $P --iterations 100000 --no-convergence --no-report --results-dir hung \
	--timeout 1 >out.txt 2>err.txt &
run=$!
n=0; while [ -z "$(rpid out.txt)" ] && [ $n -lt 200 ]; do sleep 0.05; n=$((n + 1)); done
hung=$(rpid out.txt)
[ -n "$hung" ] || die "no responder pid"
kill -STOP "$hung"
t0=$(date +%s)
wait $run
code=$?
[ $code -eq 8 ] || { cat err.txt; die "hung responder: exit $code, expected 8"; }
[ $(( $(date +%s) - t0 )) -lt 10 ] || die "the run took too long to give up"
grep -Eq "^promptopt: error: no response to '.$P/llm_requests/request_[0-9]{4,}.json'( \(and [0-9]+ more\))? within 1 s: expected '.$P/llm_responses/response_[0-9]{4,}.json' \((the request was withdrawn|the requests were withdrawn|a responder had claimed it|responders had claimed them|[0-9]+ were withdrawn, [0-9]+ had been claimed by a responder)\); the responder is running but did not answer: is it stopped or stuck\? \(its logs are in '.$P'\); raise --timeout if it is only slow$" err.txt \
	|| { cat err.txt; die "hung responder message"; }
expect_no_grep err.txt "start a responder"
gone "$hung" || die "the stopped responder ($hung) outlived the run"

# two runs of one project at once: both work, answers never mix
expect_exit 0 "$PO" run --split none --project $P --iterations 6 --no-report --results-dir s9 --provider sim --seed 9
"$PO" run --split none --project $P --iterations 6 --no-report --results-dir c1 >c1.txt 2>&1 & a=$!
"$PO" run --split none --project $P --iterations 6 --no-report --results-dir c2 --seed 9 >c2.txt 2>&1 & b=$!
wait $a || { cat c1.txt; die "first concurrent run failed"; }
wait $b || { cat c2.txt; die "second concurrent run failed"; }
[ "$(h c1)" = "$(h viasim)" ] || die "concurrent run 1 differs"
[ "$(h c2)" = "$(h s9)" ] || die "concurrent run 2 differs"

# a bridge folder that cannot be created or written
: > blocker
expect_exit 7 "$PO" run --split none --project $P --iterations 1 --no-report --bridge-dir blocker/sub
expect_grep err.txt "promptopt: error: cannot set up the bridge folder 'blocker/sub'"
# a bridge folder that is not writable (as root, checked as an unprivileged user)
mkdir -p ro/llm_requests ro/llm_responses && chmod 555 ro ro/llm_requests ro/llm_responses
AS=""
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
	AS="setpriv --reuid=65534 --regid=65534 --clear-groups"
	chmod 777 .
fi
if [ "$(id -u)" != 0 ] || [ -n "$AS" ]; then
	expect_exit 7 $AS "$PO" run --split none --project $P --iterations 1 --no-report --bridge-dir ro --results-dir rores
	expect_line err.txt "promptopt: error: bridge folder 'ro' is not writable: Permission denied; fix its permissions or pass --bridge-dir"
	expect_no_grep out.txt "Auto-responder: started"
	expect_exit 7 $AS "$PO" respond --dir ro --once
	expect_line err.txt "promptopt: error: bridge folder 'ro' is not writable: Permission denied; fix its permissions"
fi
chmod 755 ro ro/llm_requests ro/llm_responses

# the managed responder keeps dying: restarted 3 times, then the run stops
# with a clear error (it never hangs)
rm -f .$P/auto_responder_stdout.log
"$PO" run --split none --project $P --iterations 100000 --no-convergence --no-report --results-dir dying \
	--interval 0.05 >out.txt 2>err.txt &
run=$!
killed=""
for k in 1 2 3 4; do
	n=0
	while [ "$(cat .$P/auto_responder_stdout.log 2>/dev/null | grep -c 'promptopt respond: answering')" -lt $k ] && [ $n -lt 200 ]; do
		sleep 0.05; n=$((n + 1))
	done
	pid=$(sed -n 's/.*answering .* with sim (pid \([0-9]*\)).*/\1/p' .$P/auto_responder_stdout.log | tail -n 1)
	[ -n "$pid" ] || { cat err.txt; die "no responder $k"; }
	kill -KILL "$pid"
	killed="$killed $pid"
done
n=0; while kill -0 $run 2>/dev/null && [ $n -lt 200 ]; do sleep 0.05; n=$((n + 1)); done
kill -0 $run 2>/dev/null && { kill -KILL $run; die "the run hangs once its responder is gone for good"; }
wait $run
code=$?
[ $code -eq 8 ] || { cat err.txt; die "restart limit: exit $code, expected 8"; }
last=${killed##* }
expect_grep err.txt "promptopt: warning: the auto-responder (pid "
expect_grep err.txt "restarting it (3 of 3)"
expect_grep err.txt "promptopt: error: the auto-responder (pid $last) was killed by signal 9, and it was restarted 3 times already; giving up (see .$P/auto_responder_stderr.log)"
grep -Eq "^promptopt: error: the responder stopped while waiting for the response to '.$P/llm_requests/request_[0-9]{4,}.json'( \(and [0-9]+ more\))?: expected '.$P/llm_responses/response_[0-9]{4,}.json' \(" err.txt \
	|| { cat err.txt; die "no error naming the files"; }
expect_grep out.txt "restarted 3 times"
