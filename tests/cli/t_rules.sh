. "$HERE/lib.sh"
# A project scored by rule checks only ("judge": false) runs on the
# simulator and against the mock OpenAI server: each case's scorers are in
# the evaluation files, and the journal has no judge call.
cp -r "$FIXTURES/projects/prompt_tuning_results_rules" .
r=prompt_tuning_results_rules

check_results() {
python3 - "$1" <<'PY' || die "$1: per-scorer results missing from the evaluation files"
import glob, json, sys
files = sorted(glob.glob(sys.argv[1] + "/evaluation_iteration_*.json"))
assert len(files) == 3, files
for f in files:
    d = json.load(open(f))
    for c in d["cases"]:
        names = [s["name"] for s in c["scorers"]]
        own = {"t1": ["not-contains"], "t2": ["icontains"], "t3": []}[c["test_case_id"]]
        assert names == ["length", "contains-any", "regex", "f1", "cost"] + own, (f, names)
        for s in c["scorers"]:
            assert 0 <= s["score"] <= 100 and isinstance(s["passed"], bool), s
            assert s["passed"] or s["message"], s
        assert "criteria_scores" not in c and c["judge_attempts"] == 0, c
PY
python3 - "$1/llm_calls.jsonl" <<'PY' || die "$1: the journal has judge calls"
import json, sys
roles = [json.loads(l)["role"] for l in open(sys.argv[1])]
assert "judge" not in roles and "generate" in roles, roles
PY
}

expect_exit 0 "$PO" run --strategy hillclimb --project rules --provider sim --iterations 2 --no-report
check_results "$r"

KEY=sk-rules-Xy12key
start_mock "$KEY"
expect_exit 0 env OPENAI_API_KEY="$KEY" "$PO" run --strategy hillclimb --project rules --provider openai \
	--base-url "$URL" --iterations 2 --no-report --results-dir ro
check_results ro
# generate and mutate calls only: 3 cases x 3 evaluations + 2 mutations
[ "$(mock_stat requests)" = 11 ] || die "the mock saw $(mock_stat requests) requests, not 11"
# a misspelt check type is the config's error, with a suggestion
python3 -c "
import json; c='$r/config_rules.json'; d=json.load(open(c))
d['scorers'][0]['type']='lenght'; json.dump(d, open(c, 'w'))"
expect_exit 5 "$PO" run --strategy hillclimb --project rules --provider sim --iterations 1 --no-report
expect_grep err.txt "config_rules.json:1:"
expect_grep err.txt 'unknown check type "lenght"; did you mean "length"?'
