. "$HERE/lib.sh"
# status of a run in flight: progress.json in the results folder, `status`
# and `status --json` report it running, --watch refreshes until it ends,
# and a run killed with SIGKILL is reported as dead (its pid is gone).
KEY=sk-ant-live-Q81FAKEkey0x
start_mock "$KEY" --default latency=200
ANTHROPIC_API_KEY=$KEY
ANTHROPIC_BASE_URL=$URL
export ANTHROPIC_API_KEY ANTHROPIC_BASE_URL
R=prompt_tuning_results_pr-faq-validator

"$PO" run --project pr-faq-validator --provider anthropic --concurrency 2 --iterations 20 \
	--no-cache -q >run.out 2>run.err &
RUN=$!
trap 'kill $MOCK_PID $RUN 2>/dev/null' EXIT
n=0
while ! grep -q '"iterating"' $R/progress.json 2>/dev/null && [ $n -lt 300 ]; do
	sleep 0.1; n=$((n + 1))
done
expect_file $R/progress.json
expect_exit 0 "$PO" status --project pr-faq-validator --json
python3 - "$RUN" <<'PY' || die "status --json of a running run: $(cat out.txt)"
import json, sys
d = json.load(open('out.txt'))
assert d['run']['state'] == 'running' and d['run']['alive'] is True, d['run']
assert d['run']['pid'] == int(sys.argv[1]), d['run']
p = d['progress']
assert p['pid'] == int(sys.argv[1]) and p['phase'] == 'iterating', p
assert p['iteration'] >= 1 and p['max_iterations'] == 20 and p['calls'] > 0, p
assert isinstance(p['best'], float) and isinstance(p['baseline'], float), p
assert d['summary'] is None
PY
expect_exit 0 "$PO" status --project pr-faq-validator
expect_grep out.txt "Last run: running (pid $RUN"
expect_grep out.txt "Progress: iteration "
expect_grep out.txt "Best: "
# the call journal grows while the run goes (tail -f it), a batch of calls
# at a time, and progress.json follows it
a=$(wc -l < $R/llm_calls.jsonl)
c1=$(json_get $R/progress.json "['calls']")
n=0
while [ "$(wc -l < $R/llm_calls.jsonl)" -le "$a" ] && [ $n -lt 150 ]; do sleep 0.1; n=$((n + 1)); done
b=$(wc -l < $R/llm_calls.jsonl)
[ "$b" -gt "$a" ] || die "llm_calls.jsonl did not grow ($a, then $b lines)"
sleep 0.5
c2=$(json_get $R/progress.json "['calls']")
[ "$c2" -gt "$c1" ] || die "progress.json calls did not move ($c1, then $c2)"

# --watch prints again until the run ends (stopped here with SIGINT)
"$PO" status --project pr-faq-validator --watch --interval 0.2 >watch.out 2>&1 &
WATCH=$!
trap 'kill $MOCK_PID $RUN $WATCH 2>/dev/null' EXIT
sleep 1
kill -INT $RUN
wait $RUN
echo "run exit $?" >> run.err
n=0
while kill -0 $WATCH 2>/dev/null && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
kill -0 $WATCH 2>/dev/null && die "status --watch did not end with the run"
[ "$(grep -c 'Last run: running' watch.out)" -ge 2 ] || { cat watch.out; die "--watch did not refresh"; }
expect_grep run.err "run exit 11"
expect_exit 0 "$PO" status --project pr-faq-validator --json
python3 - <<'PY' || die "status --json after an interrupt: $(cat out.txt)"
import json
d = json.load(open('out.txt'))
assert d['run']['state'] == 'interrupted' and d['run']['alive'] is False, d['run']
assert d['progress']['phase'] == 'interrupted', d['progress']
assert d['summary'] is None or d['summary']['project'] == 'pr-faq-validator', d['summary']
PY

# a run killed outright leaves "running" with a dead pid
"$PO" run --project pr-faq-validator --provider anthropic --concurrency 2 --iterations 20 \
	--no-cache -q >/dev/null 2>&1 &
RUN=$!
trap 'kill $MOCK_PID $RUN 2>/dev/null' EXIT
n=0
while ! grep -q '"iterating"' $R/progress.json 2>/dev/null && [ $n -lt 300 ]; do
	sleep 0.1; n=$((n + 1))
done
kill -KILL $RUN
wait $RUN 2>/dev/null
expect_exit 0 "$PO" status --project pr-faq-validator --json
python3 - <<'PY' || die "status --json of a dead run: $(cat out.txt)"
import json
d = json.load(open('out.txt'))
assert d['run']['state'] == 'dead' and d['run']['alive'] is False, d['run']
PY
expect_exit 0 "$PO" status --project pr-faq-validator
expect_grep out.txt "is gone: killed, crashed or out of disk space"
