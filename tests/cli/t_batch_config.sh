. "$HERE/lib.sh"
# promptopt batch --config FILE: the seed's schema (without a key its real-API
# experiment is recorded as failed and the others run; with --strict nothing
# runs), bad command-line defaults,
# run options per experiment, "repeat", a failing experiment, and exact
# messages for bad configs.
cat > seed.json <<'JSON'
{
  "experiments": [
    {
      "name": "Baseline - No Convergence Detection",
      "project": "pr-faq-validator",
      "iterations": 6,
      "use_real_api": false,
      "enable_convergence": false
    },
    {
      "name": "With Convergence Detection",
      "project": "pr-faq-validator",
      "iterations": 6,
      "use_real_api": false,
      "enable_convergence": true
    },
    {
      "name": "Real API Test",
      "project": "pr-faq-validator",
      "iterations": 2,
      "use_real_api": true,
      "enable_convergence": true
    }
  ]
}
JSON
unset ANTHROPIC_API_KEY OPENAI_API_KEY
# The guide's own example without a key: the two simulator experiments run,
# the real-API one is recorded as failed naming the key, said up front; the
# seed's BATCH SUMMARY and the batch file; exit 1 as for any failed experiment
# (t_batch_providers.sh runs it with a key).
expect_exit 1 "$PO" batch --config seed.json --batch-id s0 --no-report
expect_line err.txt "promptopt: warning: experiment 3 \"Real API Test\" cannot run: anthropic: ANTHROPIC_API_KEY is not set; export it (or put it in .env), or use --provider sim; it is recorded as failed and the others run (--strict: run none)"
expect_line err.txt "promptopt: error: 1 of 3 experiments failed (the others ran); see batch_results/batch_results_s0.json"
[ "$(head -n 1 err.txt | cut -c1-19)" = "promptopt: warning:" ] || die "the warning is not said first"
expect_line out.txt "Total Experiments: 3"
expect_line out.txt "Successful: 2"
expect_line out.txt "Failed: 1"
expect_line out.txt "  With Convergence Detection"
expect_line out.txt "Failed Experiments:"
expect_line out.txt "    Error: anthropic: ANTHROPIC_API_KEY is not set; export it (or put it in .env), or use --provider sim; not run"
python3 - <<'PY' || die "bad batch file for the guide's example"
import json
d = json.load(open('batch_results/batch_results_s0.json'))
assert (d['total_experiments'], d['successful'], d['failed']) == (3, 2, 1)
e = d['experiments']
assert [x['status'] for x in e] == ['ok', 'ok', 'failed']
assert 'ANTHROPIC_API_KEY' in e[2]['error'] and e[2]['results'] is None and 'results_dir' not in e[2]
assert 'ANTHROPIC_API_KEY' in e[2]['stderr'] and e[2]['stdout'] == ''
assert all(x['results']['iteration_history'] for x in e[:2])
PY
# --strict: a provider that cannot start (no key) stops the batch before
# anything runs, naming the experiment and the key
rm -rf batch_results
expect_exit 8 "$PO" batch --config seed.json --batch-id s1 --no-report --strict
expect_line err.txt "promptopt: error: anthropic: ANTHROPIC_API_KEY is not set; export it (or put it in .env), or use --provider sim (needed by experiment 3 \"Real API Test\"); nothing was run"
[ ! -s out.txt ] || die "something ran without the key"
[ ! -e batch_results ] || die "a batch without the key wrote files"
printf '{"defaults": {"provider": "openai"}, "experiments": [{"name": "a"}, {"name": "b", "provider": "sim"}, {"name": "c"}, {"name": "d", "judge_provider": "anthropic"}]}\n' > keys.json
# not strict: b runs, the three others are failed, each with its reasons
expect_exit 1 "$PO" batch --config keys.json --batch-id k0 --no-report -q
expect_line err.txt "promptopt: warning: experiment 4 \"d\" cannot run: openai: OPENAI_API_KEY is not set; export it (or put it in .env), or point --base-url / OPENAI_BASE_URL at a local server; anthropic: ANTHROPIC_API_KEY is not set; export it (or put it in .env), or use --provider sim; it is recorded as failed and the others run (--strict: run none)"
expect_line err.txt "promptopt: error: 3 of 4 experiments failed (the others ran); see batch_results/batch_results_k0.json"
rm -rf batch_results
expect_exit 8 "$PO" batch --config keys.json --strict
expect_line err.txt "promptopt: error: openai: OPENAI_API_KEY is not set; export it (or put it in .env), or point --base-url / OPENAI_BASE_URL at a local server (needed by experiments 1 \"a\", 3 \"c\" and 4 \"d\"); anthropic: ANTHROPIC_API_KEY is not set; export it (or put it in .env), or use --provider sim (needed by experiment 4 \"d\"); nothing was run"
# the experiment's use_real_api beats the defaults' provider
printf '{"defaults": {"provider": "sim"}, "experiments": [{"name": "real", "use_real_api": true}]}\n' > real.json
# no experiment can run: nothing runs, strict or not
expect_exit 8 "$PO" batch --config real.json
expect_grep err.txt "(needed by experiment 1 \"real\")"
[ ! -e batch_results ] || die "a batch that could run nothing wrote files"
# the command line's defaults are checked with --config too, before anything runs
for flags in "--strategy foo" "--provider foo" "--project ../x"; do
	# shellcheck disable=SC2086
	"$PO" batch --config seed.json $flags >out.txt 2>err.txt
	echo "$?: $(cat err.txt)" >> cli.txt
	[ ! -s out.txt ] || die "$flags: something ran"
done
expect_line cli.txt "2: promptopt: error: unknown strategy 'foo'; available: hillclimb, reflect, opro, ga, demos"
expect_line cli.txt "2: promptopt: error: unknown provider 'foo'; available: sim, bridge, anthropic, openai"
expect_line cli.txt "3: promptopt: error: invalid project name '../x': it contains '..'; use a plain name of letters, digits, '-' and '_', e.g. 'x'"
[ ! -e batch_results ] || die "a bad command line wrote files"
# only the shard's experiments need their keys
expect_exit 0 "$PO" batch --config keys.json --shard 2/4 --no-report -q
# run options per experiment, defaults, repeat; a project with a bad file fails alone
cp -r "$FIXTURES"/projects/prompt_tuning_results_bad-json .
cat > opts.json <<'JSON'
{"description": "patience sweep",
 "defaults": {"iterations": 8, "noise": 2},
 "experiments": [
  {"name": "patience 2", "patience": 2, "repeat": 2},
  {"name": "patience 8", "patience": 8, "seed": 7},
  {"name": "broken", "project": "bad-json"}
 ]}
JSON
expect_exit 1 "$PO" batch --config opts.json --batch-id o1 --no-report -q
expect_grep out.txt "    Error: prompt_tuning_results_bad-json/test_cases_bad-json.json:4:3: invalid JSON: unexpected token near ']'"
python3 - <<'PY' || die "bad results for per-experiment options"
import json
d = json.load(open('batch_results/batch_results_o1.json'))
e = d['experiments']
assert [x['name'] for x in e] == ['patience 2 #1', 'patience 2 #2', 'patience 8', 'broken']
assert [x['config']['seed'] for x in e] == [42, 43, 7, 45]
assert [x['status'] for x in e] == ['ok', 'ok', 'ok', 'failed']
for x in e[:3]:
    f = json.load(open(x['results_dir'] + '/optimization_final_results.json'))
    assert f['settings']['convergence']['no_improvement_threshold'] == x['config']['patience']
    assert f['max_iterations'] == 8 and f['seed'] == x['config']['seed']
assert e[3]['results'] is None
# it never made its folder: no link to one
assert 'results_dir' not in e[3] and all('results_dir' in x for x in e[:3])
# a group of one has a mean and no interval; intervals of counts stay possible
g = {(x['setting'], x['value']): x for x in d['comparison']['groups']}
one = g[('patience', 8)]
assert one['successful'] == 1 and one['final_score']['low'] is None and one['final_score']['high'] is None
for x in d['comparison']['groups']:
    for k in ('iterations_run', 'iterations_saved', 'calls'):
        if x[k] and x[k]['low'] is not None:
            assert 0 <= x[k]['low'] <= x[k]['mean'] <= x[k]['high'], (x['setting'], k, x[k])
    if x['iterations_run'] and x['iterations_run']['high'] is not None:
        assert x['iterations_run']['high'] <= 8
PY
grep -Eq '^patience=8 +1  [0-9.]+ ± n/a  +[0-9.]+ ± n/a ' out.txt || { cat out.txt; die "no '± n/a' for a group of one"; }
expect_line out.txt "± n/a: one experiment, no interval; [low, high]: the interval cut at what the value can be"
# every experiment failed: said so
printf '{"experiments": [{"name": "x", "project": "bad-json"}, {"name": "y", "project": "bad-json"}]}\n' > allbad.json
expect_exit 1 "$PO" batch --config allbad.json --batch-id f1 --no-report -q
expect_line err.txt "promptopt: error: all 2 experiments failed; see batch_results/batch_results_f1.json"
# bad configs: one line, file:line:col, exit 5 (4 for invalid JSON), nothing run
check() { # code file expected-stderr
	expect_exit "$1" "$PO" batch --config "$2"
	expect_line err.txt "$3"
	[ "$(wc -l < err.txt)" -eq 1 ] || die "more than one line of error for $2"
	[ ! -s out.txt ] || die "$2: something ran"
}
printf '{"experiments": [\n  {"name": "a", "iterations": 2},\n  "oops"\n]}\n' > malformed.json
check 5 malformed.json "promptopt: error: malformed.json:3:3: experiment 2 is a string; expected an object like {\"name\": \"...\", \"iterations\": 20}"
printf '{"experiments": [\n  {"name": "a",\n   "iteratons": 2}\n]}\n' > unknown.json
check 5 unknown.json "promptopt: error: unknown.json:3:4: unknown key \"iteratons\" in experiment 1; did you mean \"iterations\"? (known: accept, alpha, base_url, batch_api, bridge_dir, budget_usd, cache, cache_path, concurrency, enable_convergence, generate_model, generate_provider, incumbent_samples, interval, iterations, judge_model, judge_provider, length_penalty, max_attempts, max_calls, max_prompt_chars, min_delta, min_improvement, model, mutate_model, mutate_provider, name, noise, pairwise_judge, patience, prices, project, provider, race_rounds, repeat, seed, split, strategy, timeout, use_real_api)"
printf '{"experiments": [{"name": "a", "iterations": "ten"}]}\n' > type.json
check 5 type.json "promptopt: error: type.json:1:46: expected a whole number for \"iterations\" in experiment 1, found a string"
printf '{"experiments": [{"name": "a", "concurrency": 0}]}\n' > range.json
check 5 range.json "promptopt: error: range.json:1:47: \"concurrency\" in experiment 1 must be between 1 and 4096, not 0"
printf '{"experiments": [{"project": "../etc"}]}\n' > name.json
check 5 name.json "promptopt: error: name.json:1:30: in experiment 1: invalid project name '../etc': it contains '..'; use a plain name of letters, digits, '-' and '_', e.g. 'etc'"
printf '{"experiments": [{"name": "a",}]}\n' > syntax.json
check 4 syntax.json "promptopt: error: syntax.json:1:31: invalid JSON: string or '}' expected near '}'"
printf '{"experiments": []}\n' > empty.json
check 5 empty.json "promptopt: error: empty.json:1:17: \"experiments\" is empty; add at least one experiment"
check 10 missing.json "promptopt: error: batch config 'missing.json' not found; see docs/batch.md for its schema"
