. "$HERE/lib.sh"
# --shard I/N runs a deterministic slice; 'batch merge' combines the shards into
# the result the unsharded batch gives (apart from timings), report included.
cp -r "$FIXTURES"/projects/prompt_tuning_results_bad-json .
cat > plan.json <<'JSON'
{"defaults": {"iterations": 4},
 "experiments": [
  {"name": "on", "repeat": 3},
  {"name": "off", "enable_convergence": false, "repeat": 2},
  {"name": "broken", "project": "bad-json"}
 ]}
JSON
mkdir whole sharded
cp -r plan.json prompt_tuning_results_bad-json whole/
cp -r plan.json prompt_tuning_results_bad-json sharded/
(cd whole && "$PO" batch --config plan.json --batch-id x -q >out.txt 2>&1)
[ -f whole/batch_results/batch_results_x.json ] || { cat whole/out.txt; die "no unsharded result"; }
cd sharded
expect_exit 0 "$PO" batch --config plan.json --batch-id x --shard 1/3 -q
expect_exit 0 "$PO" batch --config plan.json --batch-id x --shard 2/3 -q --jobs 2
expect_exit 1 "$PO" batch --config plan.json --batch-id x --shard 3/3 -q
expect_file batch_results/batch_results_x.shard-2-of-3.json
python3 -c "
import json; d = json.load(open('batch_results/batch_results_x.shard-2-of-3.json'))
assert [e['index'] for e in d['experiments']] == [1, 4] and d['shard'] == {'index': 2, 'count': 3}" ||
	die "shard 2/3 ran the wrong experiments"
# a missing shard is named
mv batch_results/batch_results_x.shard-3-of-3.json .
expect_exit 10 "$PO" batch merge batch_results
expect_line err.txt "promptopt: error: shard 3/3 is missing; run 'promptopt batch ... --shard 3/3' and merge again"
mv batch_results_x.shard-3-of-3.json batch_results/
expect_exit 1 "$PO" batch merge batch_results
expect_line out.txt "Total Experiments: 6"
expect_line out.txt "Successful: 5"
expect_line out.txt "Batch results: batch_results/batch_results_x.json"
expect_file batch_results/batch_results_x.md
expect_file batch_results/batch_results_x.svg
cd ..
python3 - <<'PY' || die "merged result differs from the unsharded one"
import json
T = {'timestamp', 'unixtime', 'elapsed_seconds', 'wall_seconds', 'report', 'stdout', 'stderr'}
def strip(v):
    if isinstance(v, dict): return {k: strip(x) for k, x in v.items() if k not in T}
    if isinstance(v, list): return [strip(x) for x in v]
    return v
a = json.load(open('whole/batch_results/batch_results_x.json'))
b = json.load(open('sharded/batch_results/batch_results_x.json'))
assert strip(a) == strip(b)
assert a['successful'] == 5 and len(a['comparison']['groups']) > 1
PY
# merge errors
expect_exit 2 "$PO" batch merge
expect_line err.txt "promptopt: error: batch merge needs the folders of the shard results, e.g. 'promptopt batch merge batch_results'"
mkdir nothing
expect_exit 10 "$PO" batch merge nothing
expect_line err.txt "promptopt: error: no shard results (batch_results_*.shard-*-of-*.json) in 'nothing'; run 'promptopt batch --shard I/N' first"
# shards of one batch id but of another plan (another config or flags)
mkdir other
(cd other && "$PO" batch --experiments 2 --iterations 1 --batch-id x --shard 2/3 -q --no-report >/dev/null 2>&1)
cp sharded/batch_results/batch_results_x.shard-1-of-3.json sharded/batch_results/batch_results_x.shard-3-of-3.json other/batch_results/
expect_exit 5 "$PO" batch merge other/batch_results
grep -Eq "^promptopt: error: 'other/batch_results/batch_results_x.shard-1-of-3.json' and 'other/batch_results/batch_results_x.shard-2-of-3.json' are shards of batch x but of different plans \(fingerprints [0-9a-f]{16} and [0-9a-f]{16}\): their configs or flags differ; run every shard with the same config and flags$" err.txt ||
	{ cat err.txt; die "merge of two plans: wrong message"; }
