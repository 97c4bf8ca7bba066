. "$HERE/lib.sh"
# The simulator's judge bias for long outputs (config sim.verbosity_bias)
# reaches the judge, in-process and through the bridge alike, and changes
# the reported scores while the true ones stay unbiased.
P=pr-faq-validator
"$PO" init $P >/dev/null || die "init"
expect_exit 0 "$PO" run --project $P --provider sim --iterations 3 --no-report --results-dir plain --split none
python3 - <<PY
import json
p = "prompt_tuning_results_$P/config_$P.json"
d = json.load(open(p))
d.setdefault("sim", {})["verbosity_bias"] = 25
json.dump(d, open(p, "w"), indent=2)
PY
expect_exit 0 "$PO" run --project $P --provider sim --iterations 3 --no-report --results-dir biased --split none
expect_exit 0 "$PO" run --project $P --provider bridge --iterations 3 --no-report --results-dir bridged --split none
python3 - <<'PY' || die "the verbosity bias did not reach the judge the same way in-process and through the bridge"
import json
def f(d): return json.load(open(d + "/optimization_final_results.json"))
plain, biased, bridged = f("plain"), f("biased"), f("bridged")
assert plain["baseline_score"] != biased["baseline_score"], "no effect on the reported score"
assert plain["true_score"]["baseline"] == biased["true_score"]["baseline"], "the true score moved"
assert biased["iteration_history"] == bridged["iteration_history"], "bridge and in-process differ"
PY
