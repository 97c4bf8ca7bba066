. "$HERE/lib.sh"
# Several endpoints behind one provider (issue 15, item 3): a run through
# two base URLs, one of them a dead port, answers every call from the live
# one and lists both in its results with their calls and errors; a bad URL
# in the list stops the run before anything is created, naming it.
KEY=sk-ant-endpoints-Zq81key7
start_mock "$KEY"
export ANTHROPIC_API_KEY=$KEY
P=pr-faq-validator
R=prompt_tuning_results_$P/optimization_final_results.json

expect_exit 2 "$PO" run --project $P --provider anthropic --base-url "$URL,ftp://replica-2" \
	--iterations 1 --no-report -q
expect_line err.txt 'promptopt: error: --base-url: "ftp://replica-2" (endpoint 2 of 2) is not an http:// or https:// URL; give the endpoints as URLs separated by commas'
[ ! -e prompt_tuning_results_$P ] || die "a refused run created the project"

# Port 9 (discard) is closed here: the calls sent there are refused, sent at
# once to the live endpoint, and the dead one is taken out.
expect_exit 0 "$PO" run --project $P --provider anthropic --base-url "http://127.0.0.1:9,$URL" \
	--iterations 1 --no-report -q --split none --strategy hillclimb
python3 - "$R" "$URL" <<'PY' || die "bad endpoints in the results"
import json, sys
f = json.load(open(sys.argv[1]))
eps = f["endpoints"]["anthropic"]
assert [e["url"] for e in eps] == ["http://127.0.0.1:9/v1/messages", sys.argv[2] + "/v1/messages"], eps
dead, live = eps
assert dead["errors"] == dead["calls"] >= 3 and not dead["up"], dead
assert live["errors"] == 0 and live["up"] and live["calls"] >= f["calls"]["total"], (live, f["calls"])
assert f["failed_evaluations"] == 0, f["failed_evaluations"]
PY
[ "$(mock_stat requests)" -eq "$(json_get $R "['endpoints']['anthropic'][1]['calls']")" ] ||
	die "the live endpoint's count differs from the mock's"
