. "$HERE/lib.sh"
# The noise-floor stop rule (--stop-rule noise, config convergence.stop_rule):
# it runs instead of the seed's detector, stops when the last `patience`
# nominees were rejected and none gained more than the noise floor, and the
# results say which rule ran and which one stopped the run.
P=pr-faq-validator
expect_exit 2 "$PO" run --project $P --provider sim --stop-rule nose
expect_line err.txt "promptopt: error: unknown stop rule 'nose'; use seed or noise"
expect_exit 0 "$PO" run --project $P --provider sim --accept paired --stop-rule noise --iterations 40 --no-report --results-dir noise
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
