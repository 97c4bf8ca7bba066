. "$HERE/lib.sh"
# A batch against real providers, here the mock server on 127.0.0.1: the seed's
# config with its real-API experiment, and --budget-usd shared by parallel
# experiments never overshot (calls in flight hold their estimated cost).
KEY=sk-ant-batch-Q81FAKEkey0x
start_mock "$KEY"
ANTHROPIC_API_KEY=$KEY
ANTHROPIC_BASE_URL=$URL
export ANTHROPIC_API_KEY ANTHROPIC_BASE_URL

# The seed's config: the real-API experiment runs, priced.
cat > seed.json <<'JSON'
{"experiments": [
  {"name": "Baseline - No Convergence Detection", "project": "pr-faq-validator",
   "iterations": 3, "use_real_api": false, "enable_convergence": false},
  {"name": "Real API Test", "project": "pr-faq-validator", "iterations": 2,
   "use_real_api": true, "enable_convergence": true}
]}
JSON
expect_exit 0 "$PO" batch --strategy hillclimb --split none --config seed.json --batch-id s1 --no-report -q
python3 - <<'PY' || die "bad results for the seed's config with a key"
import json
d = json.load(open('batch_results/batch_results_s1.json'))
e = d['experiments']
assert [x['status'] for x in e] == ['ok', 'ok'], [x.get('error') for x in e]
assert e[1]['config']['provider'] == 'anthropic' and e[1]['summary']['provider'] == 'anthropic'
assert e[0]['summary']['cost_usd'] == 0 and e[1]['summary']['cost_usd'] > 0
labels = [(g['setting'], g['value'], g['experiments']) for g in d['comparison']['groups']]
assert ('use_real_api', True, [1]) in labels and ('provider', 'anthropic', [1]) in labels, labels
PY

# --budget-usd with --jobs 4: what all the experiments spent (their journals)
# stays within the budget, run after run.
cat > budget.json <<'JSON'
{"defaults": {"iterations": 10, "provider": "anthropic", "cache": false},
 "experiments": [{"name": "b", "repeat": 4}]}
JSON
for i in 1 2 3 4 5; do
	expect_exit 12 "$PO" batch --strategy hillclimb --split none --config budget.json --jobs 4 --budget-usd 3 --batch-id b$i --no-report -q
	expect_grep err.txt "experiments stopped at the limit of calls or budget (results so far saved); raise --max-calls or --budget-usd"
done
python3 - <<'PY' || die "the shared budget was overshot"
import glob, json
for i in range(1, 6):
    spent = sum(json.loads(l)['cost_usd'] for f in glob.glob('batch_results/b%d/*/llm_calls.jsonl' % i)
                for l in open(f))
    assert 0.8 < spent <= 3, (i, spent)
PY

# Calls in flight are shared too: --jobs 4 x concurrency 4 puts at most 4 calls
# at once to the provider (+1: the mock counts a call until its handler
# returns, after the answer left), not 16.
python3 "$HERE/../mock/mock_llm.py" --port-file port2.txt --api-key "$KEY" --latency-ms 30 >/dev/null 2>mock2.err &
MOCK2_PID=$!
trap 'kill $MOCK_PID $MOCK2_PID 2>/dev/null' EXIT
n=0
while [ ! -s port2.txt ] && [ $n -lt 200 ]; do sleep 0.05; n=$((n + 1)); done
[ -s port2.txt ] || die "mock server did not start: $(cat mock2.err)"
cat > conc.json <<'JSON'
{"defaults": {"iterations": 2, "provider": "anthropic", "cache": false, "concurrency": 4},
 "experiments": [{"name": "c", "repeat": 4}]}
JSON
ANTHROPIC_BASE_URL=http://127.0.0.1:$(cat port2.txt) expect_exit 0 "$PO" batch --strategy hillclimb --split none --config conc.json --jobs 4 --batch-id c1 --no-report -q
python3 -c "import json,urllib.request as u; m=json.load(u.urlopen('http://127.0.0.1:$(cat port2.txt)/_mock/stats'))['max_in_flight']; assert m <= 5, m" ||
	die "parallel experiments put more calls in flight than one experiment may"
