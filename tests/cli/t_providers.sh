. "$HERE/lib.sh"
# The HTTP providers end to end against the mock server (tests/mock/mock_llm.py
# on 127.0.0.1): a 5-iteration run with --provider anthropic and with
# --provider openai, the missing key, a refused key, an unreachable server,
# and no API key in any file or message the runs leave behind.
KEY=sk-ant-e2e-Zq81SECRETkey7
WRONG=sk-wrong-Pp42OTHERkey9
start_mock "$KEY"

# Every command's output is kept in printed.log (expect_exit writes out.txt
# and err.txt afresh each time), so the key search at the end reads all that
# was printed. The command lines are not logged: they hold the key.
expect_exit() {
	want=$1; shift
	"$@" >out.txt 2>err.txt
	got=$?
	cat out.txt err.txt >>printed.log
	[ "$got" -eq "$want" ] || { cat out.txt err.txt; die "'$*' exited $got, expected $want"; }
}

mock_requests() { mock_stat requests; }
mock_refused() { mock_stat temperature_refused; }

# No key: a clear error before any call.
expect_exit 8 "$PO" run --project pr-faq-validator --iterations 5 --provider anthropic
expect_line err.txt "promptopt: error: anthropic: ANTHROPIC_API_KEY is not set; export it (or put it in .env), or use --provider sim"
expect_exit 8 "$PO" run --project pr-faq-validator --iterations 5 --provider openai
expect_line err.txt "promptopt: error: openai: OPENAI_API_KEY is not set; export it (or put it in .env), or point --base-url / OPENAI_BASE_URL at a local server"
[ "$(mock_requests)" = 0 ] || die "a call was made without a key"

# Anthropic, 5 iterations.
expect_exit 0 env ANTHROPIC_API_KEY="$KEY" ANTHROPIC_BASE_URL="$URL" \
	"$PO" run --project pr-faq-validator --iterations 5 --provider anthropic --no-convergence \
	--results-dir ra --concurrency 16
expect_grep out.txt "Provider: anthropic"
[ "$(json_get ra/optimization_final_results.json "['iterations_run']")" = 5 ] || die "anthropic: not 5 iterations"
calls=$(mock_requests)
[ "$calls" -gt 100 ] || die "anthropic: only $calls calls reached the mock"

# OpenAI-compatible, 5 iterations, base URL as a flag.
expect_exit 0 env OPENAI_API_KEY="$KEY" "$PO" run --project pr-faq-validator --iterations 5 \
	--provider openai --base-url "$URL/v1" --no-convergence --results-dir ro --no-cache
expect_grep out.txt "Provider: openai"
[ "$(json_get ro/optimization_final_results.json "['iterations_run']")" = 5 ] || die "openai: not 5 iterations"
[ "$(mock_requests)" -gt "$calls" ] || die "openai: no calls reached the mock"

# --real-api is --provider anthropic.
expect_exit 0 env ANTHROPIC_API_KEY="$KEY" ANTHROPIC_BASE_URL="$URL" \
	"$PO" run --project pr-faq-validator --iterations 1 --real-api --results-dir rr --no-cache -q
expect_grep out.txt "Provider: anthropic"

# A refused key stops the run (exit 8), names the variable, never shows the key
# (the mock echoes the key it got, as some servers do).
expect_exit 8 env ANTHROPIC_API_KEY="$WRONG" ANTHROPIC_BASE_URL="$URL" \
	"$PO" run --project pr-faq-validator --iterations 5 --provider anthropic --results-dir rw --no-cache
expect_grep err.txt "promptopt: error: anthropic: HTTP 401 authentication_error: invalid x-api-key: [redacted] (request req_mock_"
expect_grep err.txt "); the key was refused; check ANTHROPIC_API_KEY"
cp err.txt err-wrong.txt

# Nothing listening: the calls fail with what to check.
expect_exit 9 env ANTHROPIC_API_KEY="$KEY" "$PO" run --project pr-faq-validator --iterations 1 \
	--provider anthropic --base-url http://127.0.0.1:9 --max-attempts 1 --no-cache --results-dir rn
expect_grep err.txt "anthropic: Failed to connect to 127.0.0.1 port 9"
expect_grep err.txt "check --base-url and that the server is reachable"

# A case whose calls fail (the mock refuses it with a 400, never retried) is
# a failed evaluation: left out of the score, and said so on the console.
"$PO" init fe >>printed.log 2>&1
python3 -c "
import json; p='prompt_tuning_results_fe/test_cases_fe.json'; d=json.load(open(p))
d['test_cases'][1]['inputs']['input'] += ' [[mock:400]]'; json.dump(d, open(p, 'w'))"
expect_exit 0 env OPENAI_API_KEY="$KEY" "$PO" run --project fe --iterations 1 --provider openai \
	--base-url "$URL/v1" --no-cache --no-report
expect_line out.txt "    (1 of 3 evaluations failed and was left out of this score; see the evaluation file)"
[ "$(json_get prompt_tuning_results_fe/evaluation_iteration_000.json "['failed']")" = 1 ] || die "failed case not recorded"

# A model that refuses a temperature, declared nowhere: its first call is
# refused and sent again without, the rest of the run never sends one. One
# request more than calls, not one per call of the first batch.
# (Refusals are counted: a request count may hold one more when libcurl
# resends a request on a new connection because the reused one was closed.)
before=$(mock_refused)
expect_exit 0 env ANTHROPIC_API_KEY="$KEY" ANTHROPIC_BASE_URL="$URL" "$PO" run \
	--project pr-faq-validator --iterations 1 --provider anthropic --model claude-no-temp-1 \
	--no-convergence --no-cache --results-dir rt --concurrency 16
[ $(( $(mock_refused) - before )) = 1 ] ||
	die "temperature refused $(( $(mock_refused) - before )) times, expected once"
[ "$(json_get rt/optimization_final_results.json "['calls']['retries']")" = 1 ] || die "not one retry"

# ... and declared with --prices ("temperature": false): never sent, no refusal.
printf '{"date": "2030-01-01", "providers": {"anthropic": {"claude-no-temp*": {"input": 1, "output": 5, "temperature": false}}}}\n' >prices-nt.json
before=$(mock_refused)
expect_exit 0 env ANTHROPIC_API_KEY="$KEY" ANTHROPIC_BASE_URL="$URL" "$PO" run \
	--project pr-faq-validator --iterations 1 --provider anthropic --model claude-no-temp-1 \
	--no-convergence --no-cache --results-dir rt2 --concurrency 16 --prices prices-nt.json
[ $(( $(mock_refused) - before )) = 0 ] ||
	die "temperature declared false, yet refused $(( $(mock_refused) - before )) times"
[ "$(json_get rt2/optimization_final_results.json "['calls']['retries']")" = 0 ] || die "declared false: a retry"

# No key in any file the runs wrote (results, journal, cache, report) nor in
# anything they printed (printed.log: every command's output).
rm -f port.txt
if grep -rlaF -e "$KEY" -e "$WRONG" . >leaks.txt 2>/dev/null; then
	die "API key found in: $(cat leaks.txt)"
fi
# (and the search did look at them, the output of every command included)
[ "$(find . -type f | wc -l)" -gt 40 ] || die "too few files written: $(find . -type f)"
expect_grep printed.log "Provider: openai"
expect_grep printed.log "invalid x-api-key: [redacted]"
expect_grep printed.log "Failed to connect to 127.0.0.1 port 9"
echo "$KEY" >canary.txt
grep -rlaF -e "$KEY" . | grep -qx ./canary.txt || die "the key search finds nothing"
