. "$HERE/lib.sh"
# run --json and batch --json: one JSON object on stdout, the human lines on
# stderr, exit codes unchanged; "did you mean" for a mistyped flag.
"$PO" run --project pr-faq-validator --provider sim --iterations 2 --json >run.json 2>run.err
[ $? -eq 0 ] || die "run --json failed: $(cat run.err)"
[ "$(wc -l < run.json)" -eq 1 ] || die "run --json printed more than one line: $(cat run.json)"
expect_grep run.err "CONVERGENCE ANALYSIS"
python3 - <<'PY' || die "bad run --json: $(cat run.json)"
import json, os
d = json.load(open('run.json'))
assert d['status'] == 'finished' and d['exit_code'] == 0 and d['error'] is None, d
assert d['project'] == 'pr-faq-validator' and d['iterations_run'] == 2, d
for k in ('baseline_score', 'final_score', 'improvement', 'calls', 'strategy', 'seed',
          'results_dir', 'report', 'best_prompts', 'true_best_score'):
    assert k in d, k
assert os.path.exists(d['best_prompts']) and os.path.exists(d['report']), d
PY
# a run stopped at its call limit: exit 12 still, and the object says so
"$PO" run --project pr-faq-validator --provider sim --iterations 5 --max-calls 150 --json >stop.json 2>stop.err
[ $? -eq 12 ] || die "run --json at a limit did not exit 12: $(cat stop.err)"
python3 -c "
import json; d = json.load(open('stop.json'))
assert d['status'] == 'stopped' and d['exit_code'] == 12 and 'max-calls' in d['error'], d" ||
	die "bad run --json at a limit: $(cat stop.json)"
# a usage error: exit 2, the object carries the message
"$PO" run --json >usage.json 2>usage.err
[ $? -eq 2 ] || die "run --json without a project did not exit 2"
python3 -c "
import json; d = json.load(open('usage.json'))
assert d['status'] == 'failed' and d['exit_code'] == 2 and '--project' in d['error'], d" ||
	die "bad run --json for a usage error: $(cat usage.json)"

"$PO" batch --experiments 2 --iterations 2 --provider sim --batch-id J --json >batch.json 2>batch.err
[ $? -eq 0 ] || die "batch --json failed: $(cat batch.err)"
[ "$(wc -l < batch.json)" -eq 1 ] || die "batch --json printed more than one line"
expect_grep batch.err "Batch results: batch_results/batch_results_J.json"
python3 - <<'PY' || die "bad batch --json: $(cat batch.json)"
import json
d = json.load(open('batch.json'))
assert d['batch_id'] == 'J' and d['exit_code'] == 0 and d['total_experiments'] == 2, d
assert d['results_file'] == 'batch_results/batch_results_J.json', d
assert [e['status'] for e in d['experiments']] == ['ok', 'ok'], d['experiments']
assert 'final_score' in d['experiments'][0]['summary'] and 'stdout' not in d['experiments'][0]
assert 'groups' in d['comparison'] or 'experiments' in d['comparison']
PY
"$PO" batch --experiments 2 --config x.json --json >bad.json 2>/dev/null
[ $? -eq 2 ] || die "batch --json with a usage error did not exit 2"
python3 -c "import json; d = json.load(open('bad.json')); assert d['exit_code'] == 2, d" ||
	die "bad batch --json for a usage error: $(cat bad.json)"

# did you mean
expect_exit 2 "$PO" run --project x --itrations 3
expect_line err.txt "promptopt: error: unknown option '--itrations' for run; did you mean '--iterations'? (see 'promptopt run --help')"
expect_exit 2 "$PO" batch --experimnts 3
expect_grep err.txt "did you mean '--experiments'?"
expect_exit 2 "$PO" status --project x --jsn
expect_grep err.txt "did you mean '--json'?"
expect_exit 2 "$PO" run --project x --frobnicate
expect_line err.txt "promptopt: error: unknown option '--frobnicate' for run; see 'promptopt run --help'"
