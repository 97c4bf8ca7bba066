. "$HERE/lib.sh"
# The response cache, cost, budget, journal and .env end to end, against the
# mock server (tests/mock/mock_llm.py on 127.0.0.1): a rerun is served from
# the cache (no request reaches the server, nothing is paid), --no-cache,
# `cache stats|clear`, the estimate, --max-calls and --budget-usd stopping
# cleanly (exit 12) and how to go on, a key read from .env, and no API key in
# any file or message the runs leave behind.
KEY=sk-ant-cache-Wd73FAKEkey0x
start_mock "$KEY"
# Every command's output is kept in printed.log (expect_exit writes out.txt
# and err.txt afresh each time), so the key search at the end reads all that
# was printed.
expect_exit() {
	want=$1; shift
	"$@" >out.txt 2>err.txt
	got=$?
	cat out.txt err.txt >>printed.log
	[ "$got" -eq "$want" ] || { cat out.txt err.txt; die "'$*' exited $got, expected $want"; }
}

mock_requests() { mock_stat requests; }
jsonl_count() { python3 -c "import json,sys; print(sum(1 for l in open(sys.argv[1]) if eval(sys.argv[2], {}, {'d': json.loads(l)})))" "$1" "$2"; }

# The cache command.
expect_exit 2 "$PO" cache
expect_line err.txt "promptopt: error: cache needs an action: 'promptopt cache stats' or 'promptopt cache clear'"
expect_exit 2 "$PO" cache stats --bogus
expect_line err.txt "promptopt: error: unknown option '--bogus' for cache; see 'promptopt cache --help'"
expect_exit 2 "$PO" cache stat
expect_line err.txt "promptopt: error: unknown action 'stat' for cache; did you mean 'stats'?"
expect_exit 2 "$PO" cache --cach x.db stats
expect_line err.txt "promptopt: error: unknown option '--cach' for cache; did you mean '--cache'? (see 'promptopt cache --help')"
expect_exit 0 "$PO" cache stats
expect_line out.txt "Entries: 0 (no cache file yet)"
[ ! -e .promptopt ] || die "cache stats created a file"
printf 'not a database, just text\n' > notdb.sqlite
expect_exit 7 "$PO" cache stats --cache notdb.sqlite
expect_grep err.txt "promptopt: error: response cache 'notdb.sqlite': cannot use it: file is not a database; use --no-cache or another --cache PATH"

# The key comes from .env (never from the environment here).
printf '# keys for the tests\nexport ANTHROPIC_API_KEY="%s"\nANTHROPIC_BASE_URL=%s  # the mock\n' "$KEY" "$URL" > .env

# The simulator is not cached: no cache file.
expect_exit 0 "$PO" run --strategy hillclimb --split none --project pr-faq-validator --iterations 1 --provider sim --results-dir rs -q
[ ! -e .promptopt/cache.sqlite ] || die "the simulator wrote a cache"
[ "$(wc -l < rs/llm_calls.jsonl)" = "$(json_get rs/optimization_final_results.json "['calls']['total']")" ] ||
	die "journal lines != calls"

# First run: every call reaches the mock and is priced.
expect_exit 0 "$PO" run --strategy hillclimb --split none --project pr-faq-validator --iterations 2 --provider anthropic \
	--no-convergence --results-dir r1 --concurrency 16
expect_grep out.txt "Estimate: at most 242 LLM calls, about \$"
expect_grep out.txt "(2 iterations + 1) x 40 cases x 2 + 2 mutations"
expect_grep out.txt "Cost: \$"
first=$(mock_requests)
calls=$(json_get r1/optimization_final_results.json "['calls']['total']")
[ "$first" = "$calls" ] || die "first run: $first requests for $calls calls"
[ "$(json_get r1/optimization_final_results.json "['cache']['hits']")" = 0 ] || die "first run had hits"
python3 -c "import json; d=json.load(open('r1/optimization_final_results.json')); assert d['cost']['total_usd'] > 0 and d['cost']['unpriced_calls'] == 0, d['cost']" ||
	die "first run: no cost"
[ "$(jsonl_count r1/llm_calls.jsonl "d['provider'] == 'anthropic' and len(d['key']) == 64 and d['model'].startswith('claude')")" = "$calls" ] ||
	die "journal lines lack provider, model or key"
expect_grep "$(ls docs/EXPERIMENT_pr-faq-validator_*.md | tail -n 1)" "## LLM Usage and Cost"

# Same run again: served from the cache, nothing reaches the mock, $0.
expect_exit 0 "$PO" run --strategy hillclimb --split none --project pr-faq-validator --iterations 2 --provider anthropic \
	--no-convergence --results-dir r2 --concurrency 16
[ "$(mock_requests)" = "$first" ] || die "rerun reached the mock: $(mock_requests) requests, was $first"
[ "$(json_get r2/optimization_final_results.json "['cache']['hits']")" = "$calls" ] || die "rerun: not all hits"
[ "$(json_get r2/optimization_final_results.json "['cost']['total_usd']")" = 0.0 ] || die "rerun paid"
[ "$(jsonl_count r2/llm_calls.jsonl "d['cached'] and d['cost_usd'] == 0 and d['attempts'] == 0")" = "$calls" ] ||
	die "rerun journal not all cached"
expect_grep out.txt "Cache hits: $calls (saved \$"

# --no-cache goes to the server again.
expect_exit 0 "$PO" run --strategy hillclimb --split none --project pr-faq-validator --iterations 0 --provider anthropic --no-cache \
	--results-dir r3 -q
[ "$(mock_requests)" -gt "$first" ] || die "--no-cache did not reach the mock"

# cache stats, then clear.
expect_exit 0 "$PO" cache stats
expect_line out.txt "Entries: $calls"
expect_grep out.txt "anthropic  claude-sonnet-4-5"
expect_exit 0 "$PO" cache clear
expect_line out.txt "Removed $calls entries from .promptopt/cache.sqlite"
expect_exit 0 "$PO" cache stats
expect_line out.txt "Entries: 0"

# --max-calls: stops cleanly before an iteration that does not fit.
expect_exit 12 "$PO" run --strategy hillclimb --split none --project pr-faq-validator --iterations 5 --provider anthropic \
	--no-convergence --results-dir rb --max-calls 200
expect_line err.txt "promptopt: error: call limit reached: 39 calls left, an iteration needs about 81; stopped after iteration 1, results so far saved in rb; to go on, run again with --resume and a higher --max-calls (the limits count the whole run)"
[ "$(json_get rb/optimization_final_results.json "['budget']['stopped']")" = True ] || die "budget.stopped"
[ "$(json_get rb/optimization_final_results.json "['iterations_run']")" = 1 ] || die "not 1 iteration"
expect_grep out.txt "CONVERGENCE ANALYSIS"
# ... and going on with a higher limit pays only for the new calls.
before=$(mock_requests)
expect_exit 0 "$PO" run --strategy hillclimb --split none --project pr-faq-validator --iterations 2 --provider anthropic \
	--no-convergence --results-dir rb2 --max-calls 100
[ "$(json_get rb2/optimization_final_results.json "['cache']['hits']")" = 161 ] || die "continuation: cached calls not reused"
[ $(( $(mock_requests) - before )) = 81 ] || die "continuation: $(( $(mock_requests) - before )) new requests, expected 81"
# ... --resume with a higher limit goes on from iteration 2 (the limit counts
# the 161 calls already made; the new ones come from the cache rb2 filled)
expect_exit 0 "$PO" run --strategy hillclimb --split none --project pr-faq-validator --iterations 3 --provider anthropic \
	--no-convergence --results-dir rb --max-calls 330 --resume
expect_grep out.txt "Resuming after iteration 1 of 3"
[ "$(json_get rb/optimization_final_results.json "['calls']['total']")" = 323 ] || die "resumed: not 161 + 2 x 81 calls"

# The baseline alone does not fit: nothing to save, exit 12.
expect_exit 12 "$PO" run --strategy hillclimb --split none --project pr-faq-validator --iterations 1 --provider anthropic --no-cache \
	--results-dir rc --max-calls 5
expect_line err.txt "promptopt: error: the baseline did not fit in the limits (nothing to save): call limit reached: 0 of --max-calls 5 made, the next batch needs 40 more; to go on, run again with a higher --max-calls"
expect_no_grep out.txt "CONVERGENCE ANALYSIS"
expect_no_grep err.txt "warning"

# --budget-usd with a price table of our own: stops before passing it.
cat > prices.json <<PRICES
{"date": "2030-01-01", "source": "test", "providers": {"anthropic": {"*": {"input": 100, "output": 100}}}}
PRICES
expect_exit 12 "$PO" run --strategy hillclimb --split none --project pr-faq-validator --iterations 10 --provider anthropic --no-cache \
	--results-dir rd --prices prices.json --budget-usd 20
expect_grep out.txt "prices of 2030-01-01"
expect_grep err.txt "promptopt: error: budget reached: \$"
expect_grep err.txt "to go on, run again with --resume and a higher --budget-usd"
python3 -c "import json; d=json.load(open('rd/optimization_final_results.json')); c=d['cost']['total_usd']; assert 0 < c <= 20, c" ||
	die "spent more than the budget"
expect_exit 10 "$PO" run --strategy hillclimb --split none --project pr-faq-validator --iterations 1 --provider anthropic --prices nope.json
expect_line err.txt "promptopt: error: --prices: cannot read 'nope.json': No such file or directory"
printf '{"date": "x", "providers": {"anthropic": {"m": {"input": 1}}}}\n' > bad-prices.json
expect_exit 5 "$PO" run --strategy hillclimb --split none --project pr-faq-validator --iterations 1 --provider anthropic --prices bad-prices.json
expect_line err.txt "promptopt: error: bad-prices.json:1:48: the price of \"m\" has no \"output\"; see docs/costs-and-cache.md"

# No key anywhere but in .env: not in the results, journals, reports, the
# cache, nor in anything printed (printed.log: every command's output).
found=$(grep -r -a -l -F -- "$KEY" . | sort | tr '\n' ' ')
[ "$found" = "./.env " ] || die "the API key was found in: $found"
expect_grep printed.log "Entries: 0 (no cache file yet)"
expect_grep printed.log "Cache hits: "
expect_grep printed.log "promptopt: error: budget reached: \$"

# A bad .env stops before any work, without showing the line.
printf 'GOOD=1\nsk-ant-pasted-by-mistake\n' > .env
expect_exit 5 "$PO" run --strategy hillclimb --split none --project pr-faq-validator --iterations 1 --provider sim
expect_line err.txt "promptopt: error: .env:2: expected KEY=VALUE (no '=' after the name)"
