. "$HERE/lib.sh"
# --jobs 2 runs experiments in parallel with the same results as --jobs 1, and
# a shared --max-calls limit holds across the parallel experiments.
expect_exit 0 "$PO" batch --split none --experiments 4 --iterations 5 --batch-id j1 --results-root one --no-report -q
expect_exit 0 "$PO" batch --split none --experiments 4 --iterations 5 --batch-id j1 --results-root two --no-report --jobs 2
expect_line out.txt "Batch: 4 experiments, 2 at once"
[ "$(grep -c ': started$' out.txt)" -eq 4 ] || die "not 4 starts"
python3 - <<'PY' || die "--jobs 2 gave other results than --jobs 1"
import json
T = {'timestamp', 'unixtime', 'elapsed_seconds', 'wall_seconds', 'report', 'stdout', 'stderr'}
def strip(v):
    if isinstance(v, dict): return {k: strip(x) for k, x in v.items() if k not in T}
    if isinstance(v, list): return [strip(x) for x in v]
    if isinstance(v, str): return v.replace('one/', 'ROOT/').replace('two/', 'ROOT/')
    return v
a = strip(json.load(open('one/batch_results_j1.json')))
b = strip(json.load(open('two/batch_results_j1.json')))
assert a == b
PY
# one limit for all: 4 experiments of ~170 calls each cannot all fit in 400
expect_exit 12 "$PO" batch --split none --experiments 4 --iterations 5 --jobs 2 --max-calls 400 --no-report -q
expect_grep err.txt "experiments stopped at the limit of calls or budget (results so far saved)"
python3 - <<'PY' || die "the shared limit was not shared"
import json, glob
d = json.load(open(sorted(glob.glob('batch_results/batch_results_*.json'))[-1]))
calls = sum(e['summary']['calls'] for e in d['experiments'] if e['summary'])
assert calls <= 400, calls
assert d['stopped'] >= 1 and 'limit' in [e for e in d['experiments'] if e['status'] == 'stopped'][0]['error']
PY
# one experiment stopped before its baseline: said so, no legend for empty cells
expect_exit 12 "$PO" batch --split none --experiments 1 --iterations 1 --max-calls 10 --no-report -q --batch-id m1
expect_line err.txt "promptopt: error: the experiment stopped at the limit of calls or budget (results so far saved); raise --max-calls or --budget-usd"
# only the limit that is set is named
expect_line out.txt "    Error: the baseline did not fit in the limits (nothing to save): shared call limit reached: 0 of --max-calls 10 made by all experiments, the next batch needs 40 more; to go on, run again with a higher limit of the batch"
expect_line out.txt "all                            0  n/a       n/a    n/a          n/a   n/a    n/a    n/a     n/a"
expect_no_grep out.txt "± n/a: one experiment"
