. "$HERE/lib.sh"
# Ctrl-C stops the batch cleanly: the experiment in flight saves what it has,
# the others do not start, the batch file records it all; exit 11.
cat > long.json <<'JSON'
{"experiments": [
 {"name": "short", "iterations": 2},
 {"name": "long", "iterations": 100000, "enable_convergence": false},
 {"name": "never", "iterations": 2}
]}
JSON
"$PO" batch --config long.json --batch-id i1 >out.txt 2>err.txt &
pid=$!
n=0
while [ ! -f batch_results/i1/02-long/evaluation_iteration_003.json ] && [ $n -lt 400 ]; do sleep 0.05; n=$((n + 1)); done
kill -INT $pid
wait $pid
code=$?
[ $code -eq 11 ] || { cat err.txt; die "exit $code, expected 11"; }
expect_line err.txt "promptopt: error: interrupted: 1 of 3 experiments finished; results so far saved in batch_results/batch_results_i1.json"
expect_line out.txt "BATCH SUMMARY"
expect_line out.txt "Successful: 1"
expect_grep out.txt "    Error: interrupted after iteration"
expect_file batch_results/batch_results_i1.md
python3 - <<'PY' || die "bad saved batch"
import json
d = json.load(open('batch_results/batch_results_i1.json'))
assert [e['status'] for e in d['experiments']] == ['ok', 'interrupted', 'not_run'], d['experiments']
assert (d['successful'], d['failed'], d['interrupted'], d['not_run']) == (1, 2, 1, 1)
long = d['experiments'][1]
assert long['summary']['interrupted'] is True and 3 <= long['summary']['iterations_run'] < 100000
f = json.load(open(long['results_dir'] + '/optimization_final_results.json'))
assert f['interrupted'] is True
# the one not run has no folder, so no link to one
assert 'results_dir' not in d['experiments'][2]
PY
