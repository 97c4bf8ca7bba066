# Issue 14, hostile input 9: a server that echoes the API key in its reply
# text (and model name): the key is redacted before the answer is stored,
# so no results file, cache, journal, report or output holds it.
. "$HERE/lib.sh"
KEY=sk-ant-echo-Vb73SECRETkey2
start_mock "$KEY" --default echokey
expect_exit 0 env ANTHROPIC_API_KEY="$KEY" ANTHROPIC_BASE_URL="$URL" \
	"$PO" run --project pr-faq-validator --iterations 2 --provider anthropic --no-convergence \
	--results-dir ra > printed.log 2>&1
expect_exit 0 env OPENAI_API_KEY="$KEY" "$PO" run --project pr-faq-validator --iterations 2 \
	--provider openai --base-url "$URL/v1" --no-convergence --results-dir ro
cat out.txt err.txt >> printed.log
# the gateway: respond forwarding a bridge request to the echoing server
mkdir -p gw/llm_requests gw/llm_responses
printf '{"protocol":1,"request_id":1,"run_id":"r","role":"generate","model":"m","prompt":"Say hi","max_tokens":50}' \
	> gw/llm_requests/request_0001.json
expect_exit 0 env ANTHROPIC_API_KEY="$KEY" ANTHROPIC_BASE_URL="$URL" \
	"$PO" respond --dir gw --once --provider anthropic
cat out.txt err.txt >> printed.log
expect_grep gw/llm_responses/response_0001.json "[redacted]"
# the echo happened, and was replaced
grep -rqF "(the key you sent: [redacted])" ra || die "the mock did not echo the key into ra/"
grep -rqF "(the key you sent: [redacted])" ro || die "the mock did not echo the key into ro/"
# nowhere on disk, in any file (the cache's SQLite included), nor printed
if grep -rlaF "$KEY" . --exclude=mock.err; then
	die "the API key was stored in the files above"
fi
