. "$HERE/lib.sh"
# The demos strategy: its parameter in the config and as a flag (bad values
# refused before any call), a project with one case refused, a run that puts
# few-shot examples from train cases only into the prompt, and --resume
# after SIGKILL ending exactly as the uninterrupted run.
P=pr-faq-validator
expect_exit 0 "$PO" init $P
cfg=prompt_tuning_results_$P/config_$P.json
set_strategy() {
	python3 -c "
import json, sys
d = json.load(open('$cfg'))
d['strategy'] = json.loads(sys.argv[1])
json.dump(d, open('$cfg', 'w'), indent=2)" "$1"
}
set_strategy '{"name": "demos", "max_examples": 9}'
expect_exit 5 "$PO" run --project $P --provider sim --iterations 2 --no-report
expect_line err.txt "promptopt: error: $cfg: strategy demos: max_examples must be an integer from 1 to 8 (the examples a template holds), e.g. 3"
set_strategy '{"name": "demos", "max_exampels": 2}'
expect_exit 5 "$PO" run --project $P --provider sim --iterations 2 --no-report
expect_line err.txt "promptopt: error: $cfg: strategy demos has no parameter 'max_exampels' (did you mean 'max_examples'?)"
[ ! -e prompt_tuning_results_$P/simulation_iteration_000.json ] || die "the run started despite the bad parameter"
expect_exit 2 "$PO" run --project $P --provider sim --strategy demos --max-examples 0 --no-report
expect_grep err.txt "--max-examples"
expect_exit 5 "$PO" run --project $P --provider sim --strategy hillclimb --max-examples 2 --no-report
expect_line err.txt "promptopt: error: --max-examples: strategy hillclimb has no parameter 'max_examples'"

# one test case: no other case to take an example from
expect_exit 0 "$PO" init one
python3 - <<'PY'
import json
p = "prompt_tuning_results_one/test_cases_one.json"
d = json.load(open(p))
d["test_cases"] = d["test_cases"][:1]
json.dump(d, open(p, "w"), indent=2)
PY
expect_exit 5 "$PO" run --project one --provider sim --strategy demos --iterations 2 --no-report
expect_line err.txt "promptopt: error: strategy demos needs at least 2 training cases to take examples from, and this run has 1 (1 test cases); add test cases, or choose another strategy"
[ ! -e prompt_tuning_results_one/llm_calls.jsonl ] || [ ! -s prompt_tuning_results_one/llm_calls.jsonl ] || die "calls were made"
# a split that leaves one case to train on
expect_exit 0 "$PO" init five
python3 - <<'PY'
import copy, json
p = "prompt_tuning_results_five/test_cases_five.json"
d = json.load(open(p))
c = d["test_cases"]
d["test_cases"] = [dict(copy.deepcopy(c[i % len(c)]), id="case-%d" % i) for i in range(5)]
json.dump(d, open(p, "w"), indent=2)
PY
expect_exit 5 "$PO" run --project five --provider sim --strategy demos --split 0.2,0.4,0.4 --iterations 2 --no-report
expect_line err.txt "promptopt: error: strategy demos needs at least 2 training cases to take examples from, and this run has 1 (5 test cases); add test cases, use --split none, or choose another strategy"

# a run with the default split: examples come from train cases only, and
# the nominees are named by their edit
set_strategy '{"name": "demos", "max_examples": 2}'
expect_exit 0 "$PO" run --project $P --provider sim --iterations 6 --no-convergence --no-report
expect_grep out.txt "strategy demos"
python3 - <<PY || die "the demos run is not as expected"
import json
d = "prompt_tuning_results_$P"
res = json.load(open(d + "/optimization_final_results.json"))
split = json.load(open(d + "/checkpoint.json"))["split"]
cases = {c["id"]: c for c in json.load(open(d + "/test_cases_$P.json"))["test_cases"]}
seen = 0
for k in range(1, 7):
    e = json.load(open(d + "/evaluation_iteration_%03d.json" % k))
    for r in e["population"]:
        if not r["nominated"]:
            continue
        assert r["candidate"].startswith("demos: "), r
        words = r["candidate"].split()
        for w in words:
            if w in cases:
                assert w in split["train"], (w, "is not a train case")
                seen += 1
assert seen > 0
PY

# --resume after SIGKILL ends as the uninterrupted run
same() {
	python3 -c "
import json, sys
a = json.load(open('$1/optimization_final_results.json'))
b = json.load(open('$2/optimization_final_results.json'))
for k in ('iteration_history', 'best_prompts', 'calls', 'tokens', 'convergence', 'final_score', 'iterations_run'):
    if a[k] != b[k]:
        sys.exit('%s differs: %s vs %s' % (k, a[k], b[k]))"
}
set_strategy '"hillclimb"'
for split in none default; do
	s=""
	[ $split = none ] && s="--split none"
	expect_exit 0 "$PO" run $s --project $P --provider sim --strategy demos --iterations 40 --no-convergence --no-report --results-dir full-$split
	expect_grep full-$split/prompts_$P.json "<examples>"
	"$PO" respond --project $P --continuous >resp.txt 2>&1 &
	resp=$!
	"$PO" run $s --project $P --strategy demos --iterations 40 --no-convergence --no-report \
		--results-dir killed-$split --no-auto-responder >run.txt 2>&1 &
	run=$!
	n=0
	while [ ! -e killed-$split/evaluation_iteration_003.json ] && [ $n -lt 400 ]; do sleep 0.02; n=$((n + 1)); done
	kill -KILL $run
	wait $run 2>/dev/null
	kill -TERM $resp
	wait $resp
	[ -e killed-$split/checkpoint.json ] || die "no checkpoint after the kill"
	[ ! -e killed-$split/optimization_final_results.json ] || die "the killed run finished before it was killed (machine too fast?)"
	expect_exit 0 "$PO" run $s --project $P --provider sim --strategy demos --iterations 40 --no-convergence --no-report --results-dir killed-$split --resume
	expect_grep out.txt "Resuming after iteration "
	same full-$split killed-$split || die "the demos run resumed after SIGKILL ($split split) differs from the uninterrupted one"
done
