. "$HERE/lib.sh"
# Test cases written as CSV, JSON Lines or YAML instead of the seed's JSON:
# the project runs from them, the results folder keeps them in their
# format, and a mistake is reported at file:line:col of the file as written.
cp -r "$FIXTURES/projects/prompt_tuning_results_rules" .
r=prompt_tuning_results_rules
rm "$r/test_cases_rules.json"
cat > "$r/test_cases_rules.csv" <<'CSV'
ticket,expected,__id,__metadata
I was charged twice for my subscription this month.,billing,t1,"{""assert"": [{""type"": ""not-contains"", ""value"": ""password"", ""required"": true}]}"
"The app crashes when I open the
settings page.",technical,t2,
"How do I change the ""email"" address on my account?",account,t3,
CSV
expect_exit 0 "$PO" run --strategy hillclimb --project rules --provider sim --iterations 1 --no-report \
	--results-dir csv-run
expect_file csv-run/test_cases_rules.csv
python3 - csv-run <<'PY' || die "the CSV cases did not reach the evaluation files"
import glob, json, sys
f = sorted(glob.glob(sys.argv[1] + "/evaluation_iteration_*.json"))[0]
ids = [c["test_case_id"] for c in json.load(open(f))["cases"]]
assert ids == ["t1", "t2", "t3"], ids
PY

# two formats at once: which one is meant?
echo '{"id": "x", "inputs": {"ticket": "a"}, "expected": "billing"}' > "$r/test_cases_rules.jsonl"
expect_exit 5 "$PO" run --project rules --provider sim --iterations 1 --no-report
expect_grep err.txt "has two test cases files"
rm "$r/test_cases_rules.csv"
printf '{"id": "a", "inputs": {"ticket": "x"}, "expected": "billing"}\n{"id": "b", "inputs": ["y"]}\n' > "$r/test_cases_rules.jsonl"
expect_exit 5 "$PO" run --project rules --provider sim --iterations 1 --no-report
expect_grep err.txt "test_cases_rules.jsonl:2:23: expected an object for \"inputs\""
rm "$r/test_cases_rules.jsonl"

cat > "$r/test_cases_rules.yaml" <<'YAML'
description: Route support tickets to a team.
test_cases:
  - id: t1
    inputs:
      ticket: |
        I was charged twice
        for my subscription this month.
    expected: billing
  - id: t2
    inputs: {ticket: "The app crashes when I open the settings page."}
    expected: technical
YAML
expect_exit 0 "$PO" run --strategy hillclimb --project rules --provider sim --iterations 1 --no-report \
	--results-dir yaml-run
expect_file yaml-run/test_cases_rules.yaml
printf 'test_cases:\n  - id: t1\n    expected: billing\n    inputs:\n      tiket: x\n' > "$r/test_cases_rules.yaml"
expect_exit 6 "$PO" run --project rules --provider sim --iterations 1 --no-report
expect_grep err.txt "has no input 'ticket'"
expect_grep err.txt "did you mean {tiket}"
