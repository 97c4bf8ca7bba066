. "$HERE/lib.sh"
# Experiments on the bridge get a managed auto-responder, one per bridge folder
# however many experiments share it (--jobs), stopped at the end; their results
# equal the in-process simulator's. --no-auto-responder starts none.
P=pr-faq-validator
gone() { ! kill -0 "$1" 2>/dev/null; }
cat > plan.json <<'JSON'
{"defaults": {"iterations": 4, "provider": "bridge", "timeout": 20},
 "experiments": [
  {"name": "shared folder", "repeat": 3},
  {"name": "own folder", "bridge_dir": "bd2"},
  {"name": "in process", "provider": "sim"}
 ]}
JSON
expect_exit 0 "$PO" batch --strategy hillclimb --split none --config plan.json --jobs 3 --batch-id br --no-report
[ "$(grep -c '^Auto-responder: started (pid ' out.txt)" -eq 2 ] || die "not one responder per folder"
expect_grep out.txt "answering .$P/llm_requests/ with sim"
expect_grep out.txt "  (logs in .$P/auto_responder_stdout.log)"
expect_grep out.txt "answering bd2/llm_requests/ with sim"
expect_grep out.txt "  (logs in bd2/auto_responder_stdout.log)"
expect_line out.txt "Auto-responder: answered 1132 requests (0 errors); stopped"
expect_line out.txt "Auto-responder: answered 324 requests (0 errors); stopped"
for pid in $(sed -n 's/^Auto-responder: started (pid \([0-9]*\)).*/\1/p' out.txt); do
	gone "$pid" || die "the auto-responder $pid outlived the batch"
done
[ ! -s .$P/auto_responder_stderr.log ] || die "responder errors: $(cat .$P/auto_responder_stderr.log)"
# the same plan in process: the same results
sed 's/"provider": "bridge"/"provider": "sim"/' plan.json > sim.json
expect_exit 0 "$PO" batch --strategy hillclimb --split none --config sim.json --batch-id sim --no-report -q
python3 - <<'PY' || die "bridged experiments differ from in-process ones"
import json
a = json.load(open('batch_results/batch_results_br.json'))['experiments']
b = json.load(open('batch_results/batch_results_sim.json'))['experiments']
assert [x['status'] for x in a] == ['ok'] * 5, [x.get('error') for x in a]
for x, y in zip(a, b):
    assert x['summary']['best_scores'] == y['summary']['best_scores'], x['name']
    assert x['summary']['true_score'] == y['summary']['true_score'], x['name']
PY
# quiet: the responders say nothing
expect_exit 0 "$PO" batch --strategy hillclimb --split none --config plan.json --jobs 2 --batch-id q --no-report -q
expect_no_grep out.txt "Auto-responder"
# nobody answers: the wait times out
printf '{"experiments": [{"name": "alone", "provider": "bridge", "iterations": 1, "timeout": 0.3}]}\n' > alone.json
expect_exit 1 "$PO" batch --strategy hillclimb --split none --config alone.json --no-auto-responder --batch-id n --no-report
expect_no_grep out.txt "Auto-responder"
expect_grep out.txt "    Error: no response to '.$P/llm_requests/request_"
expect_line err.txt "promptopt: error: the experiment failed; see batch_results/batch_results_n.json"
