. "$HERE/lib.sh"
# A call that stops the run (here an exhausted quota) does not throw away the
# answers of its batch that came before it: they were paid for, so they are
# journaled, priced and cached, and the rerun gets them from the cache.
KEY=sk-ant-kept-Hh28FAKEkey5y
start_mock "$KEY"
python3 -c "
import json, urllib.request as u
b = json.dumps({'behaviors': ['ok'] * 5 + ['quota']}).encode()
u.urlopen(u.Request('$URL/_mock/queue', data=b, headers={'Content-Type': 'application/json'}))"

expect_exit 8 env ANTHROPIC_API_KEY="$KEY" ANTHROPIC_BASE_URL="$URL" "$PO" run --strategy hillclimb \
	--project pr-faq-validator --iterations 1 --provider anthropic --concurrency 1 \
	--cache c.sqlite --no-report --results-dir r1
expect_grep err.txt "out of credit"
# (6 calls; the mock may count one more when libcurl resends a request on a
# new connection because the reused one was closed under it)
r=$(mock_stat requests)
[ "$r" -ge 6 ] && [ "$r" -le 7 ] || die "expected 6 requests, the mock saw $r"
j=r1/llm_calls.jsonl
[ "$(wc -l < $j)" = 6 ] || { cat $j; die "the journal does not hold the 6 calls made"; }
[ "$(grep -c '"error":null' $j)" = 5 ] || { cat $j; die "the 5 answers are not journaled as answers"; }
expect_exit 0 env "$PO" cache stats --cache c.sqlite
expect_grep out.txt "Entries: 5"

# the rerun pays only for what it did not have
expect_exit 0 env ANTHROPIC_API_KEY="$KEY" ANTHROPIC_BASE_URL="$URL" "$PO" run --strategy hillclimb \
	--project pr-faq-validator --iterations 1 --provider anthropic --concurrency 1 \
	--cache c.sqlite --no-report --results-dir r2
[ "$(json_get r2/optimization_final_results.json "['calls']['cache_hits']")" = 5 ] || die "the rerun did not reuse the 5 paid answers"
