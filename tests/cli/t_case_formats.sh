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

# init --from: the cases copied in their format, a first prompt using every input
printf 'ticket,lang,expected\n"I was charged twice",en,billing\n"App crashes",de,technical\n' > tests.csv
expect_exit 0 "$PO" init tix --from tests.csv
expect_file prompt_tuning_results_tix/test_cases_tix.csv
expect_grep prompt_tuning_results_tix/prompts_tix.json 'ticket: {ticket}\nlang: {lang}'
expect_exit 0 "$PO" run --project tix --provider sim --iterations 1
# the simulator on a user's own task: said once on the console and in the report
[ "$(grep -c 'warning: the simulator (provider sim) scores the keyword features of its own tasks, not this project' err.txt)" = 1 ] ||
	die "no single warning about simulated scores"
expect_grep "$(ls docs/EXPERIMENT_tix_*.md)" "> **Simulated scores:** the simulator (provider sim)"
printf 'a,b\n"x,1\n' > bad.csv
expect_exit 5 "$PO" init bad --from bad.csv
expect_line err.txt 'promptopt: error: bad.csv:2:1: a quoted field is not closed; end it with a quote (")'
[ -e prompt_tuning_results_bad ] && die "init --from wrote a project from a bad file"
expect_exit 7 "$PO" init tix --from tests.csv
expect_exit 2 "$PO" init x --from

# the config may be YAML too, with its messages at file:line:col
cd "$r"
cat > test_cases_rules.yaml <<'YAML'
test_cases:
  - {id: t1, inputs: {ticket: "I was charged twice."}, expected: billing}
  - {id: t2, inputs: {ticket: "The app crashes."}, expected: technical}
YAML
rm config_rules.json
cat > config_rules.yaml <<'YAML'
description: Ticket routing, scored by rule checks only.
judge: false
scorers:
  - type: contains-any
    value: [billing, technical, account]
  - {type: length, unit: words, max: 200}
YAML
cd ..
expect_exit 0 "$PO" run --strategy hillclimb --project rules --provider sim --iterations 1 --no-report \
	--results-dir yaml-config-run
expect_file yaml-config-run/config_rules.yaml
sed -i 's/unit: words/unit: wrods/' "$r/config_rules.yaml"
expect_exit 5 "$PO" run --project rules --provider sim --iterations 1 --no-report
expect_grep err.txt "config_rules.yaml:6:"
expect_grep err.txt 'unknown unit "wrods"'

# prompts from the project's prompts/ folder, one .txt per prompt; the best
# prompts are written back there (and to prompts_NAME.json beside)
mkdir prompt_tuning_results_tix/prompts
printf 'Route this ticket to billing, technical or account.\n\nTicket: {ticket} ({lang})\n' \
	> prompt_tuning_results_tix/prompts/main.txt
expect_exit 0 "$PO" run --project tix --provider sim --iterations 2 --no-report
python3 - prompt_tuning_results_tix <<'PY' || die "the best prompts were not written back to prompts/"
import json, sys
d = sys.argv[1]
best = json.load(open(d + "/prompts_tix.json"))
assert list(best) == ["main"], best
assert open(d + "/prompts/main.txt").read() == best["main"]
assert "prompts/main.txt" in json.load(open(d + "/optimization_final_results.json"))["files"]
PY
printf 'Route: {tickt}\n' > prompt_tuning_results_tix/prompts/main.txt
expect_exit 6 "$PO" run --project tix --provider sim --iterations 1 --no-report
expect_grep err.txt "prompt_tuning_results_tix/prompts/"
expect_grep err.txt "did you mean {ticket}"
