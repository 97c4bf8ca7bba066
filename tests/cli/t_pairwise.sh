. "$HERE/lib.sh"
# The pairwise judge (issue 12, item 4): paired acceptance by a judge that
# compares the nominee's output with the incumbent's, in the simulator, through
# the bridge and its auto-responder (the same run), against the OpenAI and
# Anthropic mocks (the request carries the structured-output fields), and the
# bad inputs: without paired acceptance, from the flag and from the config.
P=pr-faq-validator
R=optimization_final_results.json
judge_calls() { python3 -c "import json,sys; print(sum(1 for l in open(sys.argv[1]) if json.loads(l)['role'] == 'judge'))" "$1/llm_calls.jsonl"; }

# In-process simulator: the comparisons are made and counted as judge calls
# (one per generated output, and one per comparison), and a rerun repeats
# the run exactly.
expect_exit 0 "$PO" run --project $P --provider sim --accept paired --iterations 3 --no-report -q \
	--results-dir plain
expect_exit 0 "$PO" run --project $P --provider sim --accept paired --pairwise-judge --iterations 3 \
	--no-report -q --results-dir pw
expect_exit 0 "$PO" run --project $P --provider sim --accept paired --pairwise-judge --iterations 3 \
	--no-report -q --results-dir pw2
python3 - plain/$R pw/$R <<'PY' || die "bad pairwise figures in the results"
import json, sys
plain, pw = (json.load(open(p)) for p in sys.argv[1:])
assert "pairwise_judge" not in plain, plain.get("pairwise_judge")
n = pw["pairwise_judge"]
assert n["comparisons"] >= 5 and n["failed"] == 0, n
assert plain["calls"]["judge"] == plain["calls"]["generate"], plain["calls"]
assert pw["calls"]["judge"] == pw["calls"]["generate"] + n["comparisons"], (pw["calls"], n)
PY
[ "$(judge_calls pw)" = "$(json_get pw/$R "['calls']['judge']")" ] || die "the journal misses judge calls"
h() { python3 -c "import json; d=json.load(open('$1/$R')); print(json.dumps(d['iteration_history']), json.dumps(d['best_prompts']), json.dumps(d['pairwise_judge']))"; }
[ "$(h pw)" = "$(h pw2)" ] || die "the same pairwise run gave another result"

# Through the bridge and the managed auto-responder: the same run.
expect_exit 0 "$PO" run --project $P --accept paired --pairwise-judge --iterations 3 --no-report \
	--results-dir viabridge
expect_grep out.txt "Provider: bridge"
[ "$(h pw)" = "$(h viabridge)" ] || die "the bridged pairwise run differs from the in-process one"
[ ! -s .$P/auto_responder_stderr.log ] || die "responder wrote errors: $(cat .$P/auto_responder_stderr.log)"
grep -q ' judge (pairwise): answered in ' .$P/auto_responder_stdout.log ||
	die "the responder's log names no pairwise request: $(tail -3 .$P/auto_responder_stdout.log)"

# The config's "pairwise_judge": true does the same; the flag needs no config.
expect_exit 0 "$PO" init demo
python3 - prompt_tuning_results_demo/config_demo.json <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["pairwise_judge"] = True
c["accept"] = {"rule": "paired"}
json.dump(c, open(sys.argv[1], "w"), indent=2)
PY
expect_exit 0 "$PO" run --project demo --provider sim --iterations 2 --no-report -q --results-dir cfg
[ "$(json_get cfg/$R "['pairwise_judge']['failed']")" = 0 ] || die "no pairwise figures from the config"

# A batch passes the flag to its experiments.
expect_exit 0 "$PO" batch --experiments 1 --iterations 2 --accept paired --pairwise-judge \
	--provider sim -q --no-report --results-root br
f=$(find br -path '*experiment-1/optimization_final_results.json' | head -n 1)
[ -n "$f" ] && [ "$(json_get "$f" "['pairwise_judge']['failed']")" = 0 ] ||
	die "the batch's experiment ran without the pairwise judge"

# Bad input: the pairwise judge without paired acceptance.
expect_exit 2 "$PO" run --project $P --provider sim --pairwise-judge --iterations 1 -q --results-dir bad
expect_line err.txt "promptopt: error: --pairwise-judge needs paired acceptance (--accept paired): the greedy rule compares means and measures no incumbent output to compare with"
expect_exit 5 "$PO" run --project demo --provider sim --accept greedy --iterations 1 -q --results-dir bad2
expect_line err.txt "promptopt: error: prompt_tuning_results_demo/config_demo.json: \"pairwise_judge\" is true but acceptance is greedy; the pairwise judge compares a nominee's outputs with the incumbent's measured again, which only paired acceptance does: set \"accept\": {\"rule\": \"paired\"} (or run with --accept paired)"
python3 - prompt_tuning_results_demo/config_demo.json <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["pairwise_judge"] = "yes"
json.dump(c, open(sys.argv[1], "w"), indent=2)
PY
expect_exit 5 "$PO" run --project demo --provider sim --iterations 1 -q --results-dir bad3
expect_grep err.txt 'config_demo.json:'
expect_grep err.txt 'expected true or false for "pairwise_judge", found a string'
expect_exit 2 "$PO" bench --strategies reflect --seeds 1 --iterations 1 --pairwise-judge --no-report -q \
	--json b.json
expect_line err.txt "promptopt: error: --pairwise-judge needs paired acceptance (--accept paired): the greedy rule compares means and measures no incumbent output to compare with"

# The mocks: the pairwise requests carry each API's structured-output fields.
KEY=sk-pairwise-mock-7Hq2
start_mock "$KEY"
export OPENAI_API_KEY=$KEY ANTHROPIC_API_KEY=$KEY
for api in openai anthropic; do
	base=$URL
	[ $api = openai ] && base=$URL/v1
	expect_exit 0 "$PO" run --project $P --provider $api --base-url "$base" --accept paired \
		--pairwise-judge --strategy hillclimb --iterations 1 --no-report -q --no-cache --results-dir mock-$api
	python3 - "$URL" $api mock-$api/$R <<'PY' || die "$api: no structured output in the pairwise request"
import json, sys, urllib.request as u
url, api, res = sys.argv[1:]
body = json.load(u.urlopen(url + "/_mock/stats"))["last_pairwise_body"]
assert body, "no pairwise request reached the mock"
if api == "openai":
    rf = body["response_format"]
    assert rf["type"] == "json_schema", rf
    schema = rf["json_schema"]["schema"]
else:
    assert body["tool_choice"]["type"] == "tool", body.get("tool_choice")
    schema = body["tools"][0]["input_schema"]
assert schema["required"] == ["winner", "strength", "reason"], schema
assert schema["properties"]["winner"]["enum"] == ["A", "B", "tie"], schema
f = json.load(open(res))
assert f["pairwise_judge"]["comparisons"] > 0 and f["pairwise_judge"]["failed"] == 0, f["pairwise_judge"]
PY
	curl -s -X POST "$URL/_mock/reset" >/dev/null
done
