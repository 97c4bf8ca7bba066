. "$HERE/lib.sh"
# The second built-in project, ticket-router, on the simulator's exact-answer
# catalogue: scored by the rule "expected" only (0 or 100 per case, no judge
# call in the journal), it improves over 10 iterations, and bench runs on it.
P=ticket-router
expect_exit 0 "$PO" run --project $P --provider sim --iterations 10 --no-report
R=prompt_tuning_results_$P
python3 - "$R" <<'PY' || die "ticket-router run: unexpected results"
import glob, json, sys
r = sys.argv[1]
roles = {json.loads(l)["role"] for l in open(r + "/llm_calls.jsonl")}
assert roles == {"generate", "mutate"}, roles
text = open(r + "/evaluation_iteration_000.json").read()
assert '"score": 0.0' in text and '"score": 100.0' in text, "per-case scores are not 0 or 100"
d = json.load(open(r + "/optimization_final_results.json"))
t = d["true_score"]
assert t["best"] > t["baseline"] + 20, t
assert t["optimum"] >= t["best"], t
PY
expect_exit 0 "$PO" bench --project $P --seeds 1-3 --json bench.json
python3 - <<'PY' || die "ticket-router bench: unexpected figures"
import json
d = json.load(open("bench.json"))
s = d["strategies"][0]
assert s["runs"] == 3 and s["final_true"]["mean"] > 30, s
PY
# the reports show each scorer's mean for the baseline and the best
expect_exit 0 "$PO" run --project $P --provider sim --iterations 3 --results-dir withreport
md=$(ls docs/EXPERIMENT_${P}_*.md | head -1)
html=$(ls docs/EXPERIMENT_${P}_*.html | head -1)
grep -q "^| Scorer | Baseline | Best |" "$md" || die "the Markdown report has no scorer table"
grep -q "^| expected | " "$md" || die "the Markdown report's scorer table lacks 'expected'"
grep -q '<tr class="scorer"><th>expected</th>' "$html" || die "the HTML report has no scorer bars"
