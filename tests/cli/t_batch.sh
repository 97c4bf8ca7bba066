. "$HERE/lib.sh"
# promptopt batch --experiments N --iterations K: N experiments with seeds 42,
# 43, ..., each in its own folder with its own report; the seed's totals and a
# comparison in batch_results/batch_results_ID.json; the BATCH SUMMARY block.
expect_exit 0 "$PO" batch --experiments 3 --iterations 4 --batch-id b1
expect_line out.txt "Batch: 3 experiments, 1 at once"
expect_line out.txt "BATCH SUMMARY"
expect_line out.txt "Total Experiments: 3"
expect_line out.txt "Successful: 3"
expect_line out.txt "Failed: 0"
expect_line out.txt "Successful Experiments:"
expect_line out.txt "  Experiment 3"
expect_grep out.txt "    Baseline: "
expect_grep out.txt "    Improvement: +"
expect_grep out.txt "    Time: "
expect_line out.txt "COMPARISON (mean ± 95% CI over successful experiments)"
expect_grep out.txt "all                            3 "
expect_line out.txt "Batch results: batch_results/batch_results_b1.json"
expect_line out.txt "Batch report: batch_results/batch_results_b1.md"
[ ! -s err.txt ] || { cat err.txt; die "unexpected stderr"; }
expect_file batch_results/batch_results_b1.md
expect_file batch_results/batch_results_b1.svg
expect_grep batch_results/batch_results_b1.md "| all | 3 | 3 |"
expect_grep batch_results/batch_results_b1.svg "</svg>"
# the seed's --output-dir names the folder as --results-root does
expect_exit 0 "$PO" batch --experiments 1 --iterations 1 --batch-id o1 --output-dir seed_out -q --no-report
expect_file seed_out/batch_results_o1.json
expect_line out.txt "Batch results: seed_out/batch_results_o1.json"
python3 - <<'PY' || die "bad batch results"
import json, os
d = json.load(open('batch_results/batch_results_b1.json'))
for k in ('timestamp', 'total_experiments', 'successful', 'failed', 'experiments', 'comparison'):
    assert k in d, k
assert (d['total_experiments'], d['successful'], d['failed']) == (3, 3, 0)
dirs = set()
for i, e in enumerate(d['experiments']):
    for k in ('name', 'config', 'success', 'elapsed_seconds', 'results'):
        assert k in e, k
    assert e['success'] is True and e['config']['seed'] == 42 + i, e['config']
    assert e['results_dir'] == 'batch_results/b1/0%d-experiment-%d' % (i + 1, i + 1)
    f = json.load(open(os.path.join(e['results_dir'], 'optimization_final_results.json')))
    assert f['seed'] == 42 + i and f['max_iterations'] == 4
    assert abs(f['final_score'] - e['summary']['final_score']) < 1e-6
    assert os.path.isfile(e['summary']['report']), e['summary']['report']
    assert e['summary']['report'].startswith(e['results_dir'] + '/docs/')
    assert len(e['summary']['best_scores']) == e['summary']['iterations_run'] + 1
    # as the seed's: "results" is the experiment's whole final results file,
    # with the console text of the experiment beside it
    assert e['results'] == f, 'results is not the final results file'
    assert len(e['results']['iteration_history']) == f['iterations_run']
    for k in ('convergence', 'best_prompts', 'recommendations', 'baseline_score'):
        assert k in e['results'], k
    assert 'Baseline score: ' in e['stdout'] and '=== Iteration 4/4 ===' in e['stdout']
    # stderr: only warnings (a candidate rejected before evaluation is one)
    assert 'CONVERGENCE ANALYSIS' in e['stdout']
    assert all(l.startswith('promptopt: warning: ') for l in e['stderr'].splitlines()), e['stderr']
    dirs.add(e['results_dir'])
assert len(dirs) == 3
finals = [e['summary']['final_score'] for e in d['experiments']]
assert len(set(finals)) > 1, "different seeds gave the same runs"
g = d['comparison']['groups'][0]
assert g['setting'] == 'all' and g['experiments'] == [0, 1, 2] and g['successful'] == 3
m = g['final_score']
assert m['low'] <= m['mean'] <= m['high'] and abs(m['mean'] - sum(finals) / 3) < 1e-6
assert g['cost_usd']['mean'] == 0
assert len(d['comparison']['experiments']) == 3
PY
# the project's own files are not touched by the batch
[ ! -e prompt_tuning_results_pr-faq-validator/optimization_final_results.json ] ||
	die "the batch wrote into the project's folder"
# a second batch overwrites nothing: a new id and new folders
expect_exit 0 "$PO" batch --experiments 1 --iterations 1 -q
expect_exit 0 "$PO" batch --experiments 1 --iterations 1 -q
[ "$(ls batch_results/batch_results_*.json | wc -l)" -eq 3 ] || { ls batch_results; die "a batch overwrote another"; }
# usage errors
expect_exit 2 "$PO" batch --experiments 0
expect_line err.txt "promptopt: error: --experiments must be between 1 and 10000, not 0"
expect_exit 2 "$PO" batch --shard 3/2
expect_line err.txt "promptopt: error: --shard expects I/N with 1 <= I <= N <= 100000 (e.g. 2/4), not '3/2'"
expect_exit 2 "$PO" batch --experiments 2 --config x.json
expect_line err.txt "promptopt: error: --experiments and --config cannot be combined: the config lists the experiments"
expect_exit 2 "$PO" batch --provider nope
expect_line err.txt "promptopt: error: unknown provider 'nope'; available: sim, bridge, anthropic, openai"
expect_exit 2 "$PO" batch --bogus
expect_line err.txt "promptopt: error: unknown option '--bogus' for batch; see 'promptopt batch --help'"
expect_exit 2 "$PO" batch --batch-id ../up --experiments 1
expect_line err.txt "promptopt: error: invalid batch id '../up': use 1 to 100 characters, no '/', not starting with '.'"
expect_exit 0 "$PO" batch --help
expect_grep out.txt "usage: promptopt batch [--experiments N]"
