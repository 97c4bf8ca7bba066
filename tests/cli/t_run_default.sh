. "$HERE/lib.sh"
# The README's first command: a full run on the built-in project.
expect_exit 0 "$PO" run --project pr-faq-validator --iterations 20
expect_grep out.txt "Initialized project 'pr-faq-validator'"
grep -Eq '^Baseline score: [0-9]+\.[0-9]{2}$' out.txt || die "no baseline line"
expect_grep out.txt "=== Iteration 1/20 ==="
grep -Eq '(✓ Improvement! [0-9.]+ → [0-9.]+|✗ No improvement. Keeping previous prompts.)$' out.txt || die "no iteration verdict"
expect_line out.txt "CONVERGENCE ANALYSIS"
expect_grep out.txt "Converged: "
expect_grep out.txt "Plateau Variance: ±"
expect_grep out.txt "Best Score: "
expect_grep out.txt "No Improvement Count: "
d=prompt_tuning_results_pr-faq-validator
for f in test_cases_pr-faq-validator.json prompts_pr-faq-validator.json config_pr-faq-validator.json \
	optimization_final_results.json simulation_iteration_000.json evaluation_iteration_000.json \
	simulation_iteration_001.json evaluation_iteration_001.json; do
	expect_file "$d/$f"
done
n=$(json_get $d/optimization_final_results.json "['iterations_run']")
[ "$(ls $d/evaluation_iteration_*.json | wc -l)" -eq $((n + 1)) ] || die "iteration files != iterations_run+1"
# seed keys plus ours
for k in project timestamp max_iterations baseline_score final_score improvement iteration_history \
	best_prompts convergence recommendations strategy seed provider calls wall_seconds true_score; do
	python3 -c "import json,sys; d=json.load(open('$d/optimization_final_results.json')); sys.exit(0 if '$k' in d else 1)" \
		|| die "final results lack key $k"
done
# the best prompts file is a flat name -> template object
python3 -c "
import json; d=json.load(open('$d/prompts_pr-faq-validator.json'))
assert isinstance(d, dict) and d and all(isinstance(v, str) for v in d.values())" || die "prompts file not flat"
# final score >= baseline, and the history is consistent
python3 -c "
import json; d=json.load(open('$d/optimization_final_results.json'))
# as the seed's: the history starts at iteration 1, one entry per iteration
# (its scripts count them); the baseline has its own key
h=d['iteration_history']; assert [x['iteration'] for x in h] == list(range(1, d['iterations_run'] + 1))
assert d['baseline']['iteration'] == 0 and d['baseline']['score'] == d['baseline_score']
h=[d['baseline']] + h
c=d['convergence']
for k in ('converged', 'convergence_iteration', 'should_stop', 'plateau_avg', 'plateau_variance',
          'wasted_iterations', 'no_improvement_count', 'best_score', 'total_iterations'):
    assert k in c, k
assert c['plateau_avg'] == c['plateau_average']
assert c['should_stop'] == (c['converged'] and d['settings']['enable_convergence'])
assert d['final_score'] >= d['baseline_score']
assert abs(max(x['score'] for x in h if x['score'] is not None) - d['final_score']) < 1e-9
assert d['true_score']['optimum'] >= d['true_score']['best'] - 1e-9
" || die "inconsistent final results"
# the iteration files carry the seed's aggregate keys next to ours
python3 -c "
import json
seen = 0
for i in range(4):
    e = json.load(open('$d/evaluation_iteration_%03d.json' % i))
    if e['score'] is None:
        continue  # a step that nominated nothing: no candidate's scores
    seen += 1
    assert e['aggregate_scores']['overall'] == e['score'], i
    ok = [c for c in e['cases'] if c['ok']]
    assert ok and all(c['overall_score'] == c['score'] for c in ok), i
    assert all('overall_score' not in c for c in e['cases'] if not c['ok']), i
    assert abs(sum(c['overall_score'] for c in ok) / len(ok) - e['aggregate_scores']['overall']) < 1e-4
assert seen >= 2, seen
" || die "iteration files lack the seed's aggregate keys"
ls docs/EXPERIMENT_pr-faq-validator_*.md >/dev/null 2>&1 || die "no report"
ls docs/EXPERIMENT_pr-faq-validator_*.svg >/dev/null 2>&1 || die "no chart"
md=$(ls docs/EXPERIMENT_pr-faq-validator_*.md)
svg=$(basename "$(ls docs/EXPERIMENT_pr-faq-validator_*.svg)")
expect_grep "$md" "$svg"
# no temporary files left behind by atomic writes
[ -z "$(find . -name '*.tmp.*')" ] || die "temporary files left: $(find . -name '*.tmp.*')"
# status shows the last run
expect_exit 0 "$PO" status --project pr-faq-validator
expect_grep out.txt "CONVERGENCE ANALYSIS"
expect_grep out.txt "Last run: "
# the report lists the files of the results folder
expect_grep "$md" "optimization_final_results.json"
expect_grep "$md" "evaluation_iteration_000.json"
expect_no_grep "$md" "promptopt batch"
