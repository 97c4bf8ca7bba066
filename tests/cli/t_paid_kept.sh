. "$HERE/lib.sh"
# A call that stops the run (here an exhausted quota) does not throw away the
# answers of its batch that came before it: they were paid for, so they are
# journaled, priced and cached, and the rerun gets them from the cache.
KEY=sk-ant-kept-Hh28FAKEkey5y
MOCK=$HERE/../mock/mock_llm.py
python3 "$MOCK" --port-file port.txt --api-key "$KEY" >/dev/null 2>mock.err &
MOCK_PID=$!
trap 'kill $MOCK_PID 2>/dev/null' EXIT
n=0
while [ ! -s port.txt ] && [ $n -lt 200 ]; do sleep 0.05; n=$((n + 1)); done
[ -s port.txt ] || die "mock server did not start: $(cat mock.err)"
URL=http://127.0.0.1:$(cat port.txt)
unset ANTHROPIC_API_KEY ANTHROPIC_BASE_URL OPENAI_API_KEY OPENAI_BASE_URL
stat() { python3 -c "import json,urllib.request as u; print(json.load(u.urlopen('$URL/_mock/stats'))['$1'])"; }
python3 -c "
import json, urllib.request as u
b = json.dumps({'behaviors': ['ok'] * 5 + ['quota']}).encode()
u.urlopen(u.Request('$URL/_mock/queue', data=b, headers={'Content-Type': 'application/json'}))"

expect_exit 8 env ANTHROPIC_API_KEY="$KEY" ANTHROPIC_BASE_URL="$URL" "$PO" run \
	--project pr-faq-validator --iterations 1 --provider anthropic --concurrency 1 \
	--cache c.sqlite --no-report --results-dir r1
expect_grep err.txt "out of credit"
[ "$(stat requests)" = 6 ] || die "expected 6 requests, the mock saw $(stat requests)"
j=r1/llm_calls.jsonl
[ "$(wc -l < $j)" = 6 ] || { cat $j; die "the journal does not hold the 6 calls made"; }
[ "$(grep -c '"error":null' $j)" = 5 ] || { cat $j; die "the 5 answers are not journaled as answers"; }
expect_exit 0 env "$PO" cache stats --cache c.sqlite
expect_grep out.txt "Entries: 5"

# the rerun pays only for what it did not have
expect_exit 0 env ANTHROPIC_API_KEY="$KEY" ANTHROPIC_BASE_URL="$URL" "$PO" run \
	--project pr-faq-validator --iterations 1 --provider anthropic --concurrency 1 \
	--cache c.sqlite --no-report --results-dir r2
[ "$(json_get r2/optimization_final_results.json "['calls']['cache_hits']")" = 5 ] || die "the rerun did not reuse the 5 paid answers"
