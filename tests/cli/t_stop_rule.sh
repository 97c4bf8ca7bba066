. "$HERE/lib.sh"
# The noise-floor stop rule (--stop-rule noise, config convergence.stop_rule):
# it runs instead of the seed's detector, stops when the last `patience`
# nominees were rejected and none gained more than the noise floor, and the
# results say which rule ran and which one stopped the run.
P=pr-faq-validator
expect_exit 2 "$PO" run --project $P --provider sim --stop-rule nose
expect_line err.txt "promptopt: error: unknown stop rule 'nose'; use seed or noise"
expect_exit 0 "$PO" run --project $P --provider sim --strategy hillclimb --accept paired --stop-rule noise --iterations 40 --no-report --results-dir noise
expect_grep out.txt "(stop rule: noise): the last 5 nominees were rejected and none was more than "
python3 - <<PY || die "the results do not say the noise rule stopped the run"
import json
d = json.load(open("noise/optimization_final_results.json"))
c = d["convergence"]
assert c["stop_rule"] == "noise" and c["stopped_by"] == "noise_floor", c
assert c["stopped_early"] and d["iterations_run"] < 40, d["iterations_run"]
h = d["iteration_history"][-5:]
assert not any(x["improved"] for x in h), h
PY
# the seed's detector when nothing says otherwise
expect_exit 0 "$PO" run --project $P --provider sim --iterations 40 --no-report --results-dir seed
json_get seed/optimization_final_results.json "['convergence']['stop_rule']" | grep -qx seed || die "the default stop rule is not the seed's"
# the config's
python3 -c "
import json
p = 'prompt_tuning_results_$P/config_$P.json'
d = json.load(open(p))
d['convergence']['stop_rule'] = 'noise'
json.dump(d, open(p, 'w'), indent=2)"
expect_exit 0 "$PO" run --project $P --provider sim --accept paired --iterations 40 --no-report --results-dir cfg
json_get cfg/optimization_final_results.json "['convergence']['stop_rule']" | grep -qx noise || die "the config's stop rule was not applied"
# Both rules count candidates tested (and lost steps, "lost": true): a step
# whose strategy chose to nominate none (reflect's child lost to its parent
# on the minibatch) is not a step without improvement, so a stop comes on a
# counted step, `patience` of them after the last improvement; a resumed run
# stops where the uninterrupted one does.
for rule in seed noise; do
	for seed in 1 2 3 4 5 6; do
		expect_exit 0 "$PO" run --project $P --provider sim --strategy reflect --accept paired --stop-rule $rule --patience 2 --seed $seed --iterations 40 --no-report --results-dir pc-$rule-$seed
		python3 - "pc-$rule-$seed" "$rule" <<'PY' || die "the $rule rule counted a step without a nominee (seed $seed)"
import json, sys
d = json.load(open(sys.argv[1] + "/optimization_final_results.json"))
# the seed's detector stops at the 2nd nominated step without a gain; the
# noise rule at one whose last 2 nominees were rejected within the floor
h = d["iteration_history"][1:]
if d["convergence"]["stopped_early"]:
    last_gain = max([i for i, x in enumerate(h) if x["improved"]], default=-1)
    after = h[last_gain + 1:]
    counted = lambda x: "no_candidate" not in x or x.get("lost")
    nominated = [x for x in after if counted(x)]
    assert counted(h[-1]), h[-1]
    if sys.argv[2] == "seed":
        assert len(nominated) == 2, [x.get("no_candidate", x["score"]) for x in after]
    else:
        assert len(nominated) >= 2, [x.get("no_candidate", x["score"]) for x in after]
PY
	done
done
grep -l '"stopped_early": true' pc-*/optimization_final_results.json >/dev/null || die "no run stopped early: the check above proved nothing"
python3 - <<'PY' || die "no stopped run had a step without a nominee after its last gain"
import glob, json
ok = False
for f in glob.glob("pc-*/optimization_final_results.json"):
    d = json.load(open(f))
    h = d["iteration_history"][1:]
    if d["convergence"]["stopped_early"]:
        last_gain = max([i for i, x in enumerate(h) if x["improved"]], default=-1)
        ok |= any("no_candidate" in x and not x.get("lost") for x in h[last_gain + 1:])
assert ok
PY
expect_exit 0 "$PO" run --project $P --provider sim --strategy reflect --accept paired --patience 2 --seed 3 --iterations 6 --no-report --results-dir pc-res
expect_exit 0 "$PO" run --project $P --provider sim --strategy reflect --accept paired --patience 2 --seed 3 --iterations 40 --no-report --results-dir pc-res --resume
python3 - <<'PY' || die "the resumed run did not stop where the uninterrupted one did"
import json
a = json.load(open("pc-seed-3/optimization_final_results.json"))
b = json.load(open("pc-res/optimization_final_results.json"))
assert a["iterations_run"] == b["iterations_run"], (a["iterations_run"], b["iterations_run"])
assert a["iteration_history"] == b["iteration_history"]
PY
