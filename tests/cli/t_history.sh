. "$HERE/lib.sh"
# Run history: every run keeps its final results and best prompts in
# runs/NNN/ with an entry in runs/index.json; status --history lists them;
# diff compares two runs' scores and best prompts.
R=prompt_tuning_results_pr-faq-validator
expect_exit 0 "$PO" run --project pr-faq-validator --provider sim --iterations 2 --seed 3 -q
expect_exit 0 "$PO" status --project pr-faq-validator --history
expect_grep out.txt "results: $R/runs/001/optimization_final_results.json"
expect_exit 0 "$PO" run --project pr-faq-validator --provider sim --iterations 3 --seed 4 -q
expect_exit 12 "$PO" run --project pr-faq-validator --provider sim --iterations 3 --max-calls 10 -q
expect_file $R/runs/001/optimization_final_results.json
expect_file $R/runs/001/prompts_pr-faq-validator.json
expect_file $R/runs/002/optimization_final_results.json
python3 - <<'PY' || die "bad runs/index.json: $(cat $R/runs/index.json)"
import json
r = json.load(open('prompt_tuning_results_pr-faq-validator/runs/index.json'))['runs']
assert [x['run'] for x in r] == [1, 2, 3], r
assert [x['state'] for x in r] == ['finished', 'finished', 'stopped'], r
assert r[0]['seed'] == 3 and r[1]['seed'] == 4 and r[0]['iterations_run'] == 2, r
assert r[0]['results'] == 'runs/001/optimization_final_results.json', r
a = json.load(open('prompt_tuning_results_pr-faq-validator/' + r[0]['results']))
assert a['seed'] == 3 and a['max_iterations'] == 2, a['seed']
assert r[0]['report'] and r[1]['report'] != r[0]['report'], r
PY
expect_exit 0 "$PO" status --project pr-faq-validator --history --json
python3 -c "import json; d = json.load(open('out.txt')); assert len(d['runs']) == 3" ||
	die "status --history --json: $(cat out.txt)"
expect_exit 0 "$PO" status --project pr-faq-validator --history
expect_grep out.txt "Compare two runs with 'promptopt diff --project NAME A B'"
[ "$(grep -c '^[123] ' out.txt)" -eq 3 ] || die "status --history: $(cat out.txt)"

# diff: numbers, the defaults (previous and last finished), files
expect_exit 0 "$PO" diff --project pr-faq-validator 1 2
expect_line out.txt "A: $R/runs/001/optimization_final_results.json"
expect_line out.txt "B: $R/runs/002/optimization_final_results.json"
expect_grep out.txt "Final score"
expect_grep out.txt "Best prompts, A against B ([-removed-] {+added+}):"
expect_grep out.txt "--- generate_prfaq: "
grep -q '^Seed  *3  *4   (differs)$' out.txt || die "no seed row: $(cat out.txt)"
expect_exit 0 "$PO" diff --project pr-faq-validator
expect_line out.txt "A: $R/runs/001/optimization_final_results.json"
expect_line out.txt "B: $R/runs/002/optimization_final_results.json"
expect_exit 0 "$PO" diff $R/runs/001/optimization_final_results.json $R/runs/001
expect_grep out.txt "--- generate_prfaq: the same"
expect_exit 10 "$PO" diff --project pr-faq-validator 1 3
expect_line err.txt "promptopt: error: no run '3' with final results in $R/runs/index.json; see 'promptopt status --history'"
expect_exit 10 "$PO" diff --project pr-faq-validator 1 9
expect_exit 2 "$PO" diff 1 2
expect_grep err.txt "give --project NAME"
expect_exit 2 "$PO" diff --project pr-faq-validator --projct x
expect_grep err.txt "did you mean '--project'?"
