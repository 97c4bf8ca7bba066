. "$HERE/lib.sh"
# The project config's "endpoints" (issue 15, item 3): a run spreads its
# calls over the two mock servers the config lists and reports each one's
# calls; --base-url beats the config; a bad list stops the run naming the
# config file, line and column.
KEY=sk-ant-endpoints-cfg-4Rt9
start_mock "$KEY"
URL1=$URL
python3 "$HERE/../mock/mock_llm.py" --port-file port2.txt --api-key "$KEY" >/dev/null 2>mock2.err &
MOCK2_PID=$!
trap 'kill $MOCK_PID $MOCK2_PID 2>/dev/null' EXIT
n=0
while [ ! -s port2.txt ] && [ $n -lt 200 ]; do sleep 0.05; n=$((n + 1)); done
[ -s port2.txt ] || die "second mock server did not start: $(cat mock2.err)"
URL2=http://127.0.0.1:$(cat port2.txt)
export ANTHROPIC_API_KEY=$KEY
P=demo
C=prompt_tuning_results_$P/config_$P.json
R=prompt_tuning_results_$P/optimization_final_results.json

expect_exit 0 "$PO" init $P
set_endpoints() {
	python3 - "$C" "$1" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["endpoints"] = json.loads(sys.argv[2])
with open(sys.argv[1], "w") as f:
    json.dump(c, f, indent=2)
PY
}

set_endpoints "[\"$URL1\", \"$URL2\"]"
expect_exit 0 "$PO" run --project $P --provider anthropic --iterations 1 --no-report -q \
	--split none --strategy hillclimb
python3 - "$R" "$URL1" "$URL2" <<'PY' || die "bad endpoints in the results"
import json, sys
f = json.load(open(sys.argv[1]))
eps = f["endpoints"]["anthropic"]
assert [e["url"] for e in eps] == [sys.argv[2] + "/v1/messages", sys.argv[3] + "/v1/messages"], eps
assert all(e["calls"] > 0 and e["errors"] == 0 and e["up"] for e in eps), eps
assert sum(e["calls"] for e in eps) == f["calls"]["total"], (eps, f["calls"])
PY
one=$(python3 -c "import json,urllib.request as u; print(json.load(u.urlopen('$URL1/_mock/stats'))['requests'])")
two=$(python3 -c "import json,urllib.request as u; print(json.load(u.urlopen('$URL2/_mock/stats'))['requests'])")
[ "$one" -eq "$(json_get $R "['endpoints']['anthropic'][0]['calls']")" ] || die "endpoint 1: mock $one"
[ "$two" -eq "$(json_get $R "['endpoints']['anthropic'][1]['calls']")" ] || die "endpoint 2: mock $two"

# The flag beats the config: one endpoint, no per-endpoint list.
rm -rf prompt_tuning_results_$P/optimization_final_results.json
expect_exit 0 "$PO" run --project $P --provider anthropic --base-url "$URL2" --iterations 1 \
	--no-report -q --split none --strategy hillclimb --no-cache
python3 -c "import json,sys; f=json.load(open(sys.argv[1])); assert 'endpoints' not in f, f['endpoints']" "$R" ||
	die "--base-url did not replace the config's endpoints"
[ "$(python3 -c "import json,urllib.request as u; print(json.load(u.urlopen('$URL1/_mock/stats'))['requests'])")" -eq "$one" ] ||
	die "the config's first endpoint was called despite --base-url"

# Bad lists: the config's file, line and column, before any call.
set_endpoints "[\"$URL1\", \"ftp://replica-2\"]"
expect_exit 5 "$PO" run --project $P --provider anthropic --iterations 1 --no-report -q
expect_line err.txt "promptopt: error: $C:46:5: \"ftp://replica-2\" (endpoint 2 of 2) is not an http:// or https:// base URL; give each endpoint as one, e.g. \"http://gpu1:8000/v1\""
set_endpoints '[]'
expect_exit 5 "$PO" run --project $P --provider anthropic --iterations 1 --no-report -q
expect_line err.txt "promptopt: error: $C:44:16: \"endpoints\" is empty; list one base URL or more, e.g. [\"http://gpu1:8000/v1\", \"http://gpu2:8000/v1\"]"
set_endpoints '"http://gpu1:8000/v1"'
expect_exit 5 "$PO" run --project $P --provider anthropic --iterations 1 --no-report -q
expect_line err.txt "promptopt: error: $C:44:16: expected an array of base URLs for \"endpoints\", found a string"
set_endpoints '["http://a:1/v1,http://b:1/v1"]'
expect_exit 5 "$PO" run --project $P --provider anthropic --iterations 1 --no-report -q
expect_line err.txt "promptopt: error: $C:45:5: \"http://a:1/v1,http://b:1/v1\" (endpoint 1 of 1) holds a comma; give each endpoint as a string of its own"
