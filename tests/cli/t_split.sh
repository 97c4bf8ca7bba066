. "$HERE/lib.sh"
# Splits and held-out reporting: the default split of a project with enough
# test cases, --split none, bad specs refused before anything runs, too few
# cases named with their counts, the acceptance rules' settings checked.
P=pr-faq-validator
expect_exit 0 "$PO" run --project $P --provider sim --iterations 3 --no-report --results-dir def
expect_grep out.txt "held-out test cases x 2"
python3 - <<'PY' || die "the default split or its held-out figures are missing"
import json
f = json.load(open("def/optimization_final_results.json"))
sp, h = f["split"], f["heldout"]
assert sp["spec"] == "0.25/0.5/0.25", sp
assert sp["train"] + sp["validation"] + sp["test"] == len(json.load(open("def/test_cases_pr-faq-validator.json"))["test_cases"])
for k in ("improvement", "ci_low", "ci_high", "better", "worse", "same", "validation_improvement", "gap", "true_improvement"):
    assert k in h, k
assert h["ci_low"] <= h["improvement"] <= h["ci_high"]
assert h["cases"] == sp["test"]
PY
grep -q -E "^(Held-out improvement|No improvement shown on held-out cases): " out.txt || die "no held-out line on the console"

expect_exit 0 "$PO" run --project $P --provider sim --iterations 3 --no-report --results-dir none --split none
expect_line out.txt "No held-out test cases (--split none): the improvement above was measured on the cases it was selected on"
[ "$(json_get none/optimization_final_results.json "['heldout']")" = None ] || die "--split none has held-out figures"

expect_exit 2 "$PO" run --project $P --provider sim --split 0.6,0.3,0.3
expect_line err.txt "promptopt: error: --split '0.6,0.3,0.3': the fractions must add up to 1"
expect_exit 2 "$PO" run --project $P --provider sim --accept bayes
expect_line err.txt "promptopt: error: unknown acceptance rule 'bayes'; use greedy or paired"
expect_exit 2 "$PO" run --project $P --provider sim --alpha 0.7
expect_line err.txt "promptopt: error: --alpha must be between 0.0001 and 0.4999, not 0.7"

# too few test cases for the split asked for: the counts named, nothing run
mkdir tiny && cp -r "$FIXTURES/projects/." tiny/ 2>/dev/null
"$PO" init small >/dev/null
python3 - <<'PY'
import json
p = "prompt_tuning_results_small/test_cases_small.json"
d = json.load(open(p))
d["test_cases"] = d["test_cases"][:3]
json.dump(d, open(p, "w"), indent=2)
c = "prompt_tuning_results_small/config_small.json"
cfg = json.load(open(c))
cfg["split"] = {"train": 0.5, "validation": 0.25, "test": 0.25}
json.dump(cfg, open(c, "w"), indent=2)
PY
expect_exit 5 "$PO" run --project small --provider sim --iterations 2 --no-report
expect_grep err.txt "3 test cases are too few for a split of 0.5/0.25/0.25"
[ ! -e prompt_tuning_results_small/simulation_iteration_000.json ] || die "a run started with too few cases for its split"

# the config's split and accept are checked with their positions
python3 - <<'PY'
import json
c = "prompt_tuning_results_small/config_small.json"
cfg = json.load(open(c))
cfg["split"] = {"train": 0.5, "validation": 0.3, "test": 0.3}
json.dump(cfg, open(c, "w"), indent=2)
PY
expect_exit 5 "$PO" run --project small --provider sim --iterations 2 --no-report
expect_grep err.txt "the split's fractions add up to 1.1; they must add up to 1"
python3 - <<'PY'
import json
c = "prompt_tuning_results_small/config_small.json"
cfg = json.load(open(c))
cfg["split"] = 0
cfg["accept"] = {"rule": "bayes"}
json.dump(cfg, open(c, "w"), indent=2)
PY
expect_exit 5 "$PO" run --project small --provider sim --iterations 2 --no-report
expect_grep err.txt "unknown acceptance rule; use \"greedy\" or \"paired\""

# paired acceptance runs and says so in the results
expect_exit 0 "$PO" run --project $P --provider sim --iterations 3 --no-report --results-dir paired --accept paired
[ "$(json_get paired/optimization_final_results.json "['settings']['accept']['rule']")" = paired ] || die "the rule is not in the results"
[ "$(json_get paired/optimization_final_results.json "['settings']['accept']['rounds']")" = 2 ] || die "the rounds are not in the results"
[ "$(json_get paired/optimization_final_results.json "['settings']['accept']['incumbent_samples']")" = 3 ] || die "the incumbent samples are not in the results"
# racing's parameters: flags, config, bad values
expect_exit 0 "$PO" run --project $P --provider sim --iterations 2 --no-report --results-dir paired1 --accept paired --race-rounds 1 --incumbent-samples 1
[ "$(json_get paired1/optimization_final_results.json "['settings']['accept']['rounds']")" = 1 ] || die "--race-rounds was not applied"
expect_exit 2 "$PO" run --project $P --provider sim --iterations 2 --no-report --accept paired --race-rounds 0
expect_line err.txt "promptopt: error: --race-rounds must be between 1 and 8, not 0"
python3 - <<'PY'
import json
c = "prompt_tuning_results_small/config_small.json"
cfg = json.load(open(c))
cfg["accept"] = {"rule": "paired", "incumbent_samples": 12}
json.dump(cfg, open(c, "w"), indent=2)
PY
expect_exit 5 "$PO" run --project small --provider sim --iterations 2 --no-report
expect_grep err.txt "\"incumbent_samples\" is 12; use a number from 1 up to (not including) 9"

# with a split and racing, a resumed run ends where the uninterrupted one does
expect_exit 0 "$PO" run --project $P --provider sim --iterations 12 --no-convergence --no-report --results-dir pfull --accept paired
expect_exit 0 "$PO" run --project $P --provider sim --iterations 5 --no-convergence --no-report --results-dir ppart --accept paired
expect_exit 0 "$PO" run --project $P --provider sim --iterations 12 --no-convergence --no-report --results-dir ppart --accept paired --resume
python3 - <<'PY' || die "the resumed paired run differs from the uninterrupted one"
import json
a = json.load(open("pfull/optimization_final_results.json"))
b = json.load(open("ppart/optimization_final_results.json"))
for k in ("iteration_history", "best_prompts", "calls", "heldout", "racing", "noise_floor", "split"):
    assert a[k] == b[k], (k, a[k], b[k])
PY
# batch passes the paired settings on to its experiments
expect_exit 0 "$PO" batch --experiments 1 --iterations 1 --no-report --results-root br --accept paired --alpha 0.1 --min-delta 0.5 --race-rounds 3 --incumbent-samples 2
python3 - <<'PY' || die "batch dropped a paired setting"
import glob, json
f = glob.glob("br/**/optimization_final_results.json", recursive=True)[0]
a = json.load(open(f))["settings"]["accept"]
assert a == {"rule": "paired", "alpha": 0.1, "min_delta": 0.5, "rounds": 3, "incumbent_samples": 2}, a
PY
