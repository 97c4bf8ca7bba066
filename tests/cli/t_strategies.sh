. "$HERE/lib.sh"
# The population strategies (reflect, opro, ga): parameters from the
# command line (NAME:KEY=VALUE) and the config, refused before any call when
# unknown, out of range or too large for the training set; lineage in the
# population rows; and --resume after SIGKILL ends exactly as the
# uninterrupted run, for each.
P=pr-faq-validator
expect_exit 0 "$PO" init $P
expect_exit 2 "$PO" run --project $P --provider sim --strategy reflect:minibach=3
expect_line err.txt "promptopt: error: strategy reflect has no parameter 'minibach' (did you mean 'minibatch'?)"
expect_exit 2 "$PO" run --project $P --provider sim --strategy reflect:minibatch=0
expect_line err.txt "promptopt: error: strategy reflect: \"minibatch\" must be a whole number from 1 to 64"
expect_exit 2 "$PO" run --project $P --provider sim --strategy ga:selection=best
expect_line err.txt "promptopt: error: strategy ga: \"selection\" must be \"tournament\" or \"roulette\""
expect_exit 2 "$PO" run --project $P --provider sim --strategy opro:top_k
expect_line err.txt "promptopt: error: strategy 'opro:top_k': 'top_k' is not KEY=VALUE (e.g. opro:minibatch=4)"
# 40 cases, the default split: 10 training cases
expect_exit 5 "$PO" run --project $P --provider sim --strategy reflect:minibatch=11
expect_line err.txt "promptopt: error: strategy reflect: a minibatch of 11 is larger than the 10 training cases; set \"minibatch\" to 10 or fewer, or give the training set more cases (--split)"
expect_exit 5 "$PO" run --project $P --provider sim --strategy opro:examples=8 --split 0.1,0.6,0.3
expect_grep err.txt "strategy opro: 8 examples is more than the 4 training cases"
[ ! -e prompt_tuning_results_$P/simulation_iteration_000.json ] || die "a refused run made calls"
# the config's parameters apply when the flag names the same strategy
cfg=prompt_tuning_results_$P/config_$P.json
python3 -c "
import json
d = json.load(open('$cfg'))
d['strategy'] = {'name': 'reflect', 'minibatch': 12}
json.dump(d, open('$cfg', 'w'), indent=2)"
expect_exit 5 "$PO" run --project $P --provider sim --strategy reflect
expect_grep err.txt "a minibatch of 12 is larger than the 10 training cases"
expect_exit 0 "$PO" run --project $P --provider sim --strategy reflect:minibatch=2 --iterations 3 --no-report
python3 -c "
import json
d = json.load(open('$cfg'))
d['strategy'] = 'hillclimb'
json.dump(d, open('$cfg', 'w'), indent=2)"
# lineage: every evaluated child names its operator and parents
python3 - <<PY || die "no lineage in the population rows"
import json
ops = set()
for i in (1, 2, 3):
    e = json.load(open("prompt_tuning_results_$P/evaluation_iteration_%03d.json" % i))
    for r in e["population"]:
        if r.get("operator"):
            ops.add(r["operator"])
            assert r["parents"] and all(len(h) == 16 for h in r["parents"]), r
assert ops & {"reflect", "merge"}, ops
PY

same() {
	python3 -c "
import json, sys
a = json.load(open('$1/optimization_final_results.json'))
b = json.load(open('$2/optimization_final_results.json'))
for k in ('iteration_history', 'best_prompts', 'calls', 'tokens', 'convergence', 'final_score', 'iterations_run'):
    if a[k] != b[k]:
        sys.exit('%s differs: %s vs %s' % (k, a[k], b[k]))"
}
for st in reflect opro ga; do
	expect_exit 0 "$PO" run --project $P --provider sim --strategy $st --iterations 8 --no-convergence --no-report --results-dir full-$st
	"$PO" respond --project $P --continuous >resp.txt 2>&1 &
	resp=$!
	"$PO" run --project $P --strategy $st --iterations 8 --no-convergence --no-report \
		--results-dir killed-$st --no-auto-responder >run.txt 2>&1 &
	run=$!
	n=0
	while [ ! -e killed-$st/evaluation_iteration_003.json ] && [ $n -lt 1000 ]; do sleep 0.02; n=$((n + 1)); done
	kill -KILL $run
	wait $run 2>/dev/null
	kill -TERM $resp
	wait $resp
	[ -e killed-$st/checkpoint.json ] || die "no checkpoint after the kill ($st)"
	[ ! -e killed-$st/optimization_final_results.json ] || die "the killed $st run finished before it was killed (machine too fast?)"
	expect_exit 0 "$PO" run --project $P --provider sim --strategy $st --iterations 8 --no-convergence --no-report --results-dir killed-$st --resume
	expect_grep out.txt "Resuming after iteration "
	same full-$st killed-$st || die "the $st run resumed after SIGKILL differs from the uninterrupted one"
done
