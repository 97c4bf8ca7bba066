# Issue 14, hostile input 3: a stale next_request_id near 2^63 (and a
# leftover file with such an id) in the bridge folder: the run restarts
# its ids above what is in the folder instead of failing, now and later.
. "$HERE/lib.sh"
mkdir -p .pr-faq-validator/llm_requests .pr-faq-validator/llm_responses
echo 9223372036854775800 > .pr-faq-validator/next_request_id
echo '{}' > .pr-faq-validator/llm_requests/request_9223372036854775801.json
echo '{"request_id": 70, "content": "stale"}' > .pr-faq-validator/llm_responses/response_0070.json
expect_exit 0 "$PO" run --project pr-faq-validator --iterations 1 --no-report
expect_grep out.txt "CONVERGENCE ANALYSIS"
next=$(cat .pr-faq-validator/next_request_id)
[ "$next" -gt 71 ] && [ "$next" -lt 9007199254740992 ] || die "counter not restarted: $next"
# ids at the top of the range: restarted too, and the next run goes on from the counter
echo 18446744073709551615 > .pr-faq-validator/next_request_id
expect_exit 0 "$PO" run --project pr-faq-validator --iterations 1 --no-report
echo 9007199254740990 > .pr-faq-validator/next_request_id
expect_exit 0 "$PO" run --project pr-faq-validator --iterations 1 --no-report
[ "$(cat .pr-faq-validator/next_request_id)" -lt 9007199254740990 ] || die "ids not restarted below 2^53"
