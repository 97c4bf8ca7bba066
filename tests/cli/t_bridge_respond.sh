. "$HERE/lib.sh"
# `promptopt respond`: seed-style requests, bad requests answered with an error,
# one log line per request, claims of dead responders taken over, clean stop.
R=.p/llm_requests
mkdir -p $R
# requests written in place exactly as the seed's Python client wrote them (no role,
# no run_id, json.dump with indent=2)
python3 - <<'PY'
import json
def seed_write(n, prompt, system=None):
    req = {"request_id": n, "timestamp": "2025-11-24T10:15:31.402113",
           "model": "claude-3-5-sonnet-20241022", "max_tokens": 4096, "temperature": 0.7,
           "system_prompt": system, "prompt": prompt}
    with open(".p/llm_requests/request_%04d.json" % n, "w") as f:
        json.dump(req, f, indent=2)
seed_write(1, "Write a press release and FAQ for a new product: a solar kettle.")
seed_write(2, "Evaluate this PR-FAQ and return JSON with overall_score and criteria_scores.")
seed_write(3, "Improve this prompt so that the outputs score higher: Write a PR-FAQ.")
PY
# bad requests: truncated, not JSON, wrong types, unknown role, id mismatch, a folder
printf '{"prompt": "abc' > $R/request_0004.json
printf 'hello' > $R/request_0005.json
printf '{"prompt": 5}' > $R/request_0006.json
printf '{"prompt": "x", "role": "dance"}' > $R/request_0007.json
printf '{"prompt": "x", "request_id": 99}' > $R/request_0008.json
mkdir $R/request_0009.json
printf '{"prompt": "x"}' > $R/request_0010.json.tmp.123
touch -d '-10 seconds' $R/*
expect_exit 0 "$PO" respond --project p --once
expect_grep out.txt "request_0001.json generate (detected): answered in"
expect_grep out.txt "request_0002.json judge (detected): answered in"
expect_grep out.txt "request_0003.json mutate (detected): answered in"
expect_grep out.txt "request_0004.json: error: request_0004.json is not valid JSON: 1:"
expect_grep out.txt "request_0005.json: error: request_0005.json is not valid JSON"
expect_grep out.txt "request_0006.json: error: \"prompt\" must be a string, not an integer"
expect_grep out.txt "request_0007.json: error: unknown role 'dance'; expected generate, judge or mutate"
expect_grep out.txt "request_0008.json: error: its request_id 99 does not match its file name request_0008.json"
expect_grep out.txt "request_0009.json: error: '.p/llm_requests/request_0009.json' is not a regular file"
expect_grep out.txt "answered 9 requests (6 errors, 0 taken over)"
[ "$(grep -c 'request_00' out.txt)" -eq 9 ] || die "not one line per request"
python3 - <<'PY' || die "bad responses"
import json
d = ".p/llm_responses/"
for n in (1, 2, 3):
    r = json.load(open(d + "response_%04d.json" % n))
    assert r["request_id"] == n and isinstance(r["content"], str) and r["content"], r
    assert "run_id" not in r and r["usage"]["output_tokens"] > 0, r
for n in range(4, 10):
    r = json.load(open(d + "response_%04d.json" % n))
    assert r["request_id"] == n and r["error"] and "content" not in r, r
PY
# answered requests are gone, the folder is kept aside, the temporary file untouched
[ "$(ls $R | tr '\n' ' ')" = "request_0009.json.rejected request_0010.json.tmp.123 " ] || die "left in requests: $(ls $R)"
# a second pass has nothing to do
expect_exit 0 "$PO" respond --project p --once
expect_grep out.txt "answered 0 requests"
# a claim left by a responder that died is taken over
sh -c 'exit 0' & dead=$!; wait $dead
printf '{"prompt": "Write a PR-FAQ.", "role": "generate", "run_id": "r1", "request_id": 11}' > $R/request_0011.json.claimed.$dead
# a claim of a live process is left alone
sleep 30 & live=$!
printf '{"prompt": "x"}' > $R/request_0012.json.claimed.$live
expect_exit 0 "$PO" respond --dir .p --once
expect_grep out.txt "request_0011.json run r1 generate (taken over from a stopped responder): answered"
[ -f $R/request_0012.json.claimed.$live ] || die "took over a live responder's claim"
kill $live
[ "$(json_get .p/llm_responses/response_0011.json "['run_id']")" = r1 ] || die "run_id not echoed"
# --continuous: answers as files appear, stops cleanly on SIGTERM and SIGINT
for sig in TERM INT; do
	"$PO" respond --dir .q --continuous --interval 5 >cont.txt 2>&1 &
	pid=$!
	n=0; while [ ! -d .q/llm_requests ] && [ $n -lt 100 ]; do sleep 0.05; n=$((n + 1)); done
	printf '{"prompt": "Write a PR-FAQ.", "role": "generate"}' > .q/llm_requests/.tmp
	mv .q/llm_requests/.tmp .q/llm_requests/request_0001.json
	n=0; while [ ! -f .q/llm_responses/response_0001.json ] && [ $n -lt 40 ]; do sleep 0.05; n=$((n + 1)); done
	# inotify, not the 5 s polling, answered it
	[ -f .q/llm_responses/response_0001.json ] || die "no response within 2 s"
	kill -$sig $pid
	wait $pid || die "respond exited $? on SIG$sig"
	expect_grep cont.txt "stopped; answered 1 request (0 errors"
	rm -rf .q
done
# usage errors
expect_exit 2 "$PO" respond --once
expect_line err.txt "promptopt: error: respond needs --project NAME or --dir PATH (one of them)"
expect_exit 2 "$PO" respond --dir x --once --continuous
expect_line err.txt "promptopt: error: --once and --continuous exclude each other; pick one"
expect_exit 3 "$PO" respond --project ../x
expect_exit 2 "$PO" respond --dir x --provider gpt9
expect_line err.txt "promptopt: error: unknown provider 'gpt9'; available: sim, bridge, anthropic, openai"
: > blocker
expect_exit 7 "$PO" respond --dir blocker/sub --once
expect_grep err.txt "promptopt: error: cannot set up the bridge folder 'blocker/sub'"
