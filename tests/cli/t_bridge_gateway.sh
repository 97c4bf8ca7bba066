. "$HERE/lib.sh"
# `promptopt respond --provider openai` as a gateway to the mock server
# (tests/mock/mock_llm.py on 127.0.0.1): the requests found together are sent
# concurrently, a failing call is answered with an error naming the cause and
# --max-attempts, a key is required, and a whole run goes through it.
KEY=sk-gw-Tq52SECRETkey1
start_mock "$KEY"
reset() { python3 -c "import urllib.request as u; u.urlopen(u.Request('$URL/_mock/reset', data=b'{}'))"; }

# No key, or one the API refuses: the gateway stops (exit 8) and gives the
# request back, rather than answer every request with its own problem.
mkdir -p .g/llm_requests
printf '{"prompt": "x", "role": "generate"}' > .g/llm_requests/request_0001.json
expect_exit 8 "$PO" respond --dir .g --once --provider anthropic
expect_grep err.txt "promptopt: error: anthropic: ANTHROPIC_API_KEY is not set"
expect_exit 8 env OPENAI_API_KEY=sk-wrong "$PO" respond --dir .g --once --provider openai --base-url "$URL/v1"
expect_grep err.txt "promptopt: error: openai: HTTP 401 authentication_error"
expect_grep err.txt "the key was refused; check OPENAI_API_KEY"
[ -f .g/llm_requests/request_0001.json ] || die "the request was not given back: $(ls .g/llm_requests)"
[ ! -e .g/llm_responses/response_0001.json ] || die "answered with the gateway's own problem"
rm .g/llm_requests/request_0001.json

# 8 slow requests (0.4 s each) are in flight together; one that fails for good
# is answered with the error and the advice to raise --max-attempts.
for i in 1 2 3 4 5 6 7 8; do
	printf '{"prompt": "Write a PR-FAQ %d [[mock:latency=400]]", "role": "generate", "run_id": "gw", "request_id": %d, "model": "gpt-gw"}' $i $i \
		> .g/llm_requests/request_000$i.json
done
printf '{"prompt": "Write a PR-FAQ [[mock:500]]", "role": "generate"}' > .g/llm_requests/request_0009.json
reset
expect_exit 0 env OPENAI_API_KEY="$KEY" "$PO" respond --dir .g --once --provider openai \
	--base-url "$URL/v1" --max-attempts 2 --concurrency 8
expect_grep out.txt "answering .g/llm_requests/ with openai"
expect_grep out.txt "request_0001.json run gw generate: answered in"
expect_grep out.txt "request_0009.json generate: error: openai: HTTP 500 api_error: Internal server error (request req_mock_"
expect_grep out.txt "2 attempts); the server failed; try again later or raise --max-attempts"
expect_grep out.txt "answered 9 requests (1 error, 0 taken over)"
inflight=$(mock_stat max_in_flight)
[ "$inflight" -ge 4 ] || die "the gateway sent the requests one at a time (max in flight $inflight)"
[ "$(mock_stat requests)" -eq 10 ] || die "expected 8 calls + 2 attempts, the mock got $(mock_stat requests)"
python3 - <<'PY' || die "bad gateway responses"
import json
d = ".g/llm_responses/"
for i in range(1, 9):
    r = json.load(open(d + "response_%04d.json" % i))
    assert r["request_id"] == i and r["run_id"] == "gw" and r["model"] == "gpt-gw", r
    assert ("Write a PR-FAQ %d" % i) in r["content"] and r["usage"]["output_tokens"] > 0, r
r = json.load(open(d + "response_0009.json"))
assert "HTTP 500" in r["error"] and "content" not in r, r
PY
[ -z "$(ls .g/llm_requests)" ] || die "requests left: $(ls .g/llm_requests)"
expect_exit 2 "$PO" respond --dir .g --once --max-attempts 0
expect_grep err.txt "--max-attempts"
expect_exit 2 "$PO" respond --dir .g --once --concurrency x
expect_grep err.txt "--concurrency"

# A whole run through the gateway: the run writes the files, the gateway
# forwards them to the (mock) API.
OPENAI_API_KEY="$KEY" "$PO" respond --project pr-faq-validator --continuous --provider openai \
	--base-url "$URL/v1" -q >gw.txt 2>&1 &
gw=$!
expect_exit 0 "$PO" run --project pr-faq-validator --iterations 2 --no-report --no-auto-responder \
	--results-dir viagw --timeout 30
kill -TERM $gw
wait $gw || die "gateway exit $?: $(cat gw.txt)"
[ "$(json_get viagw/optimization_final_results.json "['iterations_run']")" = 2 ] || die "not 2 iterations"
[ "$(mock_stat requests)" -gt 20 ] || die "the run's calls did not reach the mock"
# no key in any file left behind
if grep -rlaF -e "$KEY" . >leaks.txt 2>/dev/null; then
	die "API key found in: $(cat leaks.txt)"
fi
