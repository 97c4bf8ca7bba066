. "$HERE/lib.sh"
# A metric in any language: the examples in Python and in shell score a run
# on the simulator end to end (their results in the evaluation files); a
# metric that crashes on one case, one that hangs and one that prints
# garbage fail their cases with clear messages and the run goes on.
EX=$(cd "$HERE/../../examples/command-metric" && pwd)
cp -r "$FIXTURES/projects/prompt_tuning_results_rules" .
r=prompt_tuning_results_rules

# set_metric RUN-JSON [EXTRA-JSON]: the config's only scorer is that command
set_metric() {
python3 - "$r/config_rules.json" "$1" "${2:-{\}}" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["scorers"] = [dict({"type": "command", "run": json.loads(sys.argv[2])}, **json.loads(sys.argv[3]))]
json.dump(d, open(sys.argv[1], "w"))
PY
}

# cases_say DIR: every case of every evaluation has the command's result
cases_say() {
python3 - "$1" "$2" <<'PY' || die "$1: the command's results are not in the evaluation files"
import glob, json, sys
files = sorted(glob.glob(sys.argv[1] + "/evaluation_iteration_*.json"))
assert files
for f in files:
    for c in json.load(open(f))["cases"]:
        names = [s["name"] for s in c["scorers"]]
        assert names[0] == "command", names
        s = c["scorers"][0]
        if sys.argv[2] == "ok":
            assert 0 <= s["score"] <= 100, s
        else:
            assert sys.argv[2] in s.get("error", ""), (s, sys.argv[2])
PY
}

# t2_check DIR TEXT: t1 and t3 scored, t2 failed with TEXT, in every evaluation
t2_check() {
python3 - "$1" "$2" <<'PY' || die "$1: one bad case should fail that case only"
import glob, json, sys
files = sorted(glob.glob(sys.argv[1] + "/evaluation_iteration_*.json"))
assert files
for f in files:
    cases = {c["test_case_id"]: c for c in json.load(open(f))["cases"]}
    assert cases["t1"]["scorers"][0]["score"] == 50 and cases["t3"]["scorers"][0]["score"] == 50, cases
    err = cases["t2"]["scorers"][0]["error"]
    assert sys.argv[2] in err, err
PY
}

set_metric "[\"python3\", \"$EX/metric.py\"]"
expect_exit 0 "$PO" run --strategy hillclimb --project rules --provider sim --iterations 2 --no-report
cases_say "$r" ok

if command -v jq >/dev/null; then
	set_metric "[\"sh\", \"$EX/metric.sh\"]"
	expect_exit 0 "$PO" run --strategy hillclimb --project rules --provider sim --iterations 1 \
		--no-report --results-dir sh-run
	cases_say sh-run ok
else
	echo "skip: jq is not installed; the shell example was not run"
fi

# relative to the project folder: a metric beside the config
cat > "$r/crash_on_t2.py" <<'PY'
import json, sys
for line in sys.stdin:
    case = json.loads(line)
    if case["id"] == "t2":
        sys.exit("cannot score t2")
    print(json.dumps({"score": 0.5}), flush=True)
PY
set_metric '["python3", "crash_on_t2.py"]' '{"workers": 1}'
expect_exit 0 "$PO" run --strategy hillclimb --project rules --provider sim --iterations 1 \
	--no-report --results-dir crash-run
t2_check crash-run 'exited with status 1 before replying; its stderr ends: "cannot score t2"'

# a metric in shell that hangs on t2, then one that prints garbage for it
ON_T2='while read -r l; do case "$l" in *"\"id\":\"t2\""*) %s;; *) echo "{\"score\": 0.5}";; esac; done'
set_metric "$(python3 -c 'import json,sys; print(json.dumps(["sh", "-c", sys.argv[1] % "sleep 60"]))' "$ON_T2")" \
	'{"timeout": 0.5}'
expect_exit 0 "$PO" run --strategy hillclimb --project rules --provider sim --iterations 1 \
	--no-report --results-dir hang-run
t2_check hang-run "timed out after 0.5s without a reply line"

set_metric "$(python3 -c 'import json,sys; print(json.dumps(["sh", "-c", sys.argv[1] % "echo oops"]))' "$ON_T2")"
expect_exit 0 "$PO" run --strategy hillclimb --project rules --provider sim --iterations 1 \
	--no-report --results-dir garbage-run
t2_check garbage-run 'bad reply "oops": not JSON'

# when no case can be scored there is no baseline: the run says why
set_metric '["sh", "-c", "while read l; do echo oops; done"]'
expect_exit 9 "$PO" run --strategy hillclimb --project rules --provider sim --iterations 1 \
	--no-report --results-dir none-run
expect_grep err.txt 'the baseline evaluation failed for every test case (command sh: bad reply "oops": not JSON'
