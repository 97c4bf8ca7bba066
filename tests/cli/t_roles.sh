. "$HERE/lib.sh"
# Each role may have its own provider and model: from the project's config
# ("roles") and from flags (--judge-provider, --judge-model ...), flags first.
KEY=sk-ant-roles-Tt61FAKEkey2z
start_mock "$KEY"
requests() { mock_stat requests; }
journal() { python3 -c "
import json, collections
c = collections.Counter((d['role'], d['provider'], d['model']) for d in map(json.loads, open('$1')))
print(' '.join('%s=%s/%s:%d' % (k[0], k[1], k[2], v) for k, v in sorted(c.items())))"; }

"$PO" init demo >/dev/null
c=prompt_tuning_results_demo/config_demo.json
python3 -c "
import json; d=json.load(open('$c')); d['roles']={'judge': {'provider': 'anthropic', 'model': 'claude-haiku-4-5'}, 'mutate': 'sim'}
json.dump(d, open('$c','w'), indent=2)"

# the config's judge needs a key: checked before anything is written
expect_exit 8 "$PO" run --strategy hillclimb --project demo --iterations 1 --generate-provider sim --no-report --results-dir r0
expect_grep err.txt "ANTHROPIC_API_KEY is not set"
[ ! -e r0 ] || die "a results folder was created before the key check"

# generate on the simulator (flag), judge on the API (config), mutate on the simulator (config)
export ANTHROPIC_API_KEY="$KEY" ANTHROPIC_BASE_URL="$URL"
expect_exit 0 "$PO" run --strategy hillclimb --project demo --iterations 1 --generate-provider sim --no-report --results-dir r1 --no-cache
expect_grep out.txt "provider generate: sim/sim, judge: anthropic/claude-haiku-4-5, mutate: sim/sim, seed 42"
[ "$(journal r1/llm_calls.jsonl)" = "generate=sim/sim:6 judge=anthropic/claude-haiku-4-5:6 mutate=sim/sim:1" ] \
	|| die "roles not as configured: $(journal r1/llm_calls.jsonl)"
[ "$(requests)" = 6 ] || die "the mock saw $(requests) requests, expected the 6 judge calls"
[ "$(json_get r1/optimization_final_results.json "['providers']['judge']")" = anthropic ] || die "results do not name the judge's provider"

# a flag for one role beats the config for that role only
expect_exit 0 "$PO" run --strategy hillclimb --project demo --iterations 1 --generate-provider sim --judge-model claude-sonnet-4-5 \
	--no-report --results-dir r2 --no-cache
[ "$(journal r2/llm_calls.jsonl)" = "generate=sim/sim:6 judge=anthropic/claude-sonnet-4-5:6 mutate=sim/sim:1" ] \
	|| die "--judge-model not used: $(journal r2/llm_calls.jsonl)"

# --provider names the provider of every role: the config's roles step aside
expect_exit 0 "$PO" run --strategy hillclimb --project demo --iterations 1 --provider sim --no-report --results-dir r3
[ "$(journal r3/llm_calls.jsonl)" = "generate=sim/sim:6 judge=sim/sim:6 mutate=sim/sim:1" ] \
	|| die "--provider did not decide: $(journal r3/llm_calls.jsonl)"

# an unknown provider in the config is the config's error, with its position
python3 -c "
import json; d=json.load(open('$c')); d['roles']={'judge': {'provider': 'antropic'}}
json.dump(d, open('$c','w'), indent=2)"
expect_exit 5 "$PO" run --strategy hillclimb --project demo --iterations 1 --provider sim --no-report
expect_grep err.txt "config_demo.json:"
expect_grep err.txt ": unknown provider 'antropic' for role judge; available: "
python3 -c "
import json; d=json.load(open('$c')); d['roles']={'judge': {'provider': 'sim', 'temprature': 1}}
json.dump(d, open('$c','w'), indent=2)"
expect_exit 5 "$PO" run --strategy hillclimb --project demo --iterations 1 --provider sim --no-report
expect_grep err.txt "unknown role setting \"temprature\""
