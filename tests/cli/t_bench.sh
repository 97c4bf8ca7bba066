. "$HERE/lib.sh"
# promptopt bench: bad arguments refused with a clear message (exit 2); the
# figures deterministic whatever the number of jobs; each run's figures the
# same as a `run` with that seed; the JSON keys docs/bench.md names; the
# report and its chart written.
expect_exit 2 "$PO" bench --seeds 1-x
expect_line err.txt "promptopt: error: seeds '1-x': expected a number at 'x' (e.g. --seeds 1-100 or --seeds 1,5,9-12)"
expect_exit 2 "$PO" bench --seeds 9-3
expect_line err.txt "promptopt: error: seeds '9-3': the range 9-3 runs backwards"
expect_exit 2 "$PO" bench --strategies hillclimb,nope
expect_line err.txt "promptopt: error: unknown strategy 'nope'; available: hillclimb, reflect, opro, ga, demos"
expect_exit 2 "$PO" bench --strategies hillclimb,,x
expect_line err.txt "promptopt: error: --strategies 'hillclimb,,x': an empty name; give names separated by commas, e.g. hillclimb,reflect"
expect_exit 2 "$PO" bench --provider openai
expect_line err.txt "promptopt: error: bench runs on the simulator (its ground truth is the yardstick), not 'openai'; leave out --provider"
expect_exit 2 "$PO" bench --jobs 99
expect_exit 2 "$PO" bench --frobnicate
expect_line err.txt "promptopt: error: unknown option '--frobnicate' for bench; see 'promptopt bench --help'"
expect_exit 0 "$PO" bench --help
expect_grep out.txt "usage: promptopt bench"

expect_exit 0 "$PO" bench --seeds 3-6 --iterations 6 --no-convergence --jobs 1 --json one/b.json
expect_grep out.txt "Bench results: one/b.json"
expect_file one/b.md
expect_file one/b.svg
expect_exit 0 "$PO" bench --seeds 3-6 --iterations 6 --no-convergence --jobs 2 --json two/b.json -q --no-report
[ ! -e two/b.md ] || die "--no-report wrote a report"
python3 - <<'PY' || die "bench results differ between --jobs 1 and --jobs 2, or miss keys"
import json
def load(p):
    d = json.load(open(p))
    d.pop("wall_seconds")
    d["settings"].pop("jobs")
    for s in d["strategies"]:
        s.pop("wall_mean")
    return d
a, b = load("one/b.json"), load("two/b.json")
assert a == b, "not deterministic"
s = a["strategies"][0]
for k in ("strategy", "runs", "calls_to_90", "calls_to_95", "final_true", "optimum",
          "overstatement", "false_accept_rate", "missed_improvement_rate", "ci_coverage",
          "heldout_gap", "calls_mean"):
    assert k in s, k
assert set(s["calls_to_90"]) >= {"median", "p90", "reached"}
assert set(s["final_true"]) >= {"mean", "p5", "p50", "p95"}
assert set(s["overstatement"]) >= {"mean", "sd"}
# the default split: held-out figures
assert 0 <= s["ci_coverage"] <= 1 and "mean" in s["heldout_gap"]
assert s["runs"] == 4 and len(a["runs"]) == 4
import xml.dom.minidom
xml.dom.minidom.parse("one/b.svg")
PY
# without a split, no held-out figures
expect_exit 0 "$PO" bench --seeds 3-4 --iterations 3 --split none --json none/b.json -q --no-report
[ "$(json_get none/b.json "['strategies'][0]['ci_coverage']")" = None ] || die "held-out figures without a split"
# seed 5 of the bench is the run with seed 5
expect_exit 0 "$PO" run --project pr-faq-validator --provider sim --seed 5 --iterations 6 --no-convergence --no-report --results-dir r5
python3 - <<'PY' || die "the bench's run of seed 5 differs from 'run --seed 5'"
import json
b = [r for r in json.load(open("one/b.json"))["runs"] if r["seed"] == 5][0]
f = json.load(open("r5/optimization_final_results.json"))
assert abs(b["reported_improvement"] - f["improvement"]) < 1e-6, (b, f["improvement"])
assert abs(b["true_best"] - f["true_score"]["best"]) < 1e-6, (b, f["true_score"])
assert abs(b["true_baseline"] - f["true_score"]["baseline"]) < 1e-6
assert b["calls"] == f["calls"]["total"], (b["calls"], f["calls"])
PY
# --json names a file: a folder is refused before any run; a pipe takes the
# JSON in place (as /dev/null would) and is still a pipe afterwards
expect_exit 2 "$PO" bench --seeds 1 --iterations 1 --json one/
expect_line err.txt "promptopt: error: --json 'one/': a folder; give a file name, e.g. --json one/bench.json"
expect_exit 2 "$PO" bench --seeds 1 --iterations 1 --json one
expect_line err.txt "promptopt: error: --json 'one': a folder; give a file name, e.g. --json one/bench.json"
mkfifo pipe.json
cat pipe.json > from-pipe.json &
expect_exit 0 "$PO" bench --seeds 1 --iterations 1 -q --json pipe.json
wait
[ -p pipe.json ] || die "the pipe was replaced by a file"
[ "$(json_get from-pipe.json "['project']")" = pr-faq-validator ] || die "the JSON did not go through the pipe"
[ ! -e pipe.md ] && [ ! -e pipe.svg ] || die "a report beside a pipe"
