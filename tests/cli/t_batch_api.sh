. "$HERE/lib.sh"
# --batch-api: the evaluation calls go as provider batches (Anthropic Message
# Batches, OpenAI Batch) to the mock's batch endpoints. The same scores as
# ordinary calls, at half the price; errored and expired requests sent again
# as ordinary calls; a failing poll survived; a run killed while its batch is
# pending polls the same batch when resumed; bad batches named clearly.
export PROMPTOPT_BATCH_POLL_SECONDS=0.02
PROVIDERS=${BATCH_API_PROVIDERS:-anthropic openai}

batch_opts() { # JSON: how the mock's batches behave from now on
	python3 -c "
import urllib.request as u
u.urlopen(u.Request('$URL/_mock/batch', data=b'$1', headers={'Content-Type': 'application/json'}))"
}

mock_path() { # requests the mock saw on an ordinary endpoint
	python3 -c "
import json, urllib.request as u
s = json.load(u.urlopen('$URL/_mock/stats'))['by_path']
print(sum(v for k, v in s.items() if k.endswith('$1')))"
}

restart_mock() {
	kill "$MOCK_PID" 2>/dev/null
	wait "$MOCK_PID" 2>/dev/null
	rm -f port.txt
	start_mock "$KEY"
}

po_run() { # provider results-dir [flags...]
	p=$1 dir=$2
	shift 2
	if [ "$p" = anthropic ]; then
		set -- env ANTHROPIC_API_KEY="$KEY" ANTHROPIC_BASE_URL="$URL" "$PO" run "$@"
	else
		set -- env OPENAI_API_KEY="$KEY" OPENAI_BASE_URL="$URL/v1" "$PO" run "$@"
	fi
	${EXEC:+exec} "$@" --project pr-faq-validator --provider "$p" --strategy hillclimb \
		--no-report --results-dir "$dir" --cache "$dir.sqlite"
}

final() { json_get "$1/optimization_final_results.json" "$2"; }

# sim and bridge have no batch API: a usage error before anything runs
expect_exit 2 "$PO" run --project pr-faq-validator --provider sim --batch-api --iterations 0
expect_grep err.txt "--batch-api: the generate role uses provider sim, which has no batch API; use anthropic or openai for it, or drop --batch-api"

KEY=sk-batch-FAKEkey-77aa
start_mock "$KEY"
for P in $PROVIDERS; do
	echo "--- $P"
	mkdir "$P" && cd "$P" || die "cannot make $P"
	case $P in
	anthropic) MSG="message batch" PATHEND=/messages ;;
	*) MSG="batch" PATHEND=/chat/completions ;;
	esac

	# 1. the same run with and without the batch API, each on a fresh mock
	restart_mock
	expect_exit 0 po_run "$P" plain --iterations 1
	restart_mock
	expect_exit 0 po_run "$P" batched --iterations 1 --batch-api
	[ "$(final plain "['final_score']")" = "$(final batched "['final_score']")" ] ||
		die "$P: the scores differ with --batch-api"
	created=$(mock_stat batches_created)
	[ "$created" -ge 2 ] || die "$P: expected batches, the mock saw $created"
	python3 - "$P" <<'EOF' || die "$P: the batch run is not priced at half"
import json, sys
a = json.load(open("plain/optimization_final_results.json"))
b = json.load(open("batched/optimization_final_results.json"))
def role(d, r):
    c = d["cost"]
    return c["by_role"][r] if "by_role" in c else c[r]
for r in ("generate", "judge"):
    x, y = role(a, r), role(b, r)
    x = x["usd"] if isinstance(x, dict) else x
    y = y["usd"] if isinstance(y, dict) else y
    assert abs(y - x / 2) <= 1e-6 + x * 0.001, (r, x, y)
EOF
	[ "$(wc -l < batched/llm_calls.jsonl)" = "$(final batched "['calls']['total']")" ] ||
		die "$P: the journal does not hold every batched call"
	[ "$(mock_path $PATHEND)" -lt 10 ] || die "$P: evaluation calls went the ordinary way"
	[ "$(grep -c '"batch":true' batched/llm_calls.jsonl)" = \
		"$(($(final batched "['calls']['generate']") + $(final batched "['calls']['judge']")))" ] ||
		die "$P: the journal does not mark the batch answers"
	! grep -q '"batch":true' plain/llm_calls.jsonl || die "$P: ordinary calls marked as batch answers"

	# 2. a cached request is not submitted: the rerun makes no batch
	expect_exit 0 po_run "$P" batched --iterations 1 --batch-api
	[ "$(mock_stat batches_created)" = "$created" ] || die "$P: cached requests were submitted"

	# the limits estimate batch calls at the batch price too: a budget below
	# the ordinary first batch's estimate ($0.63) and above the batched
	# one's ($0.31) stops the one and lets the other through
	if [ "$P" = anthropic ]; then
		expect_exit 12 po_run "$P" budget1 --iterations 1 --budget-usd 0.5 --no-cache
		expect_exit 0 po_run "$P" budget2 --iterations 1 --budget-usd 0.5 --no-cache --batch-api
	fi

	# 3. errored requests are sent again as ordinary calls
	restart_mock
	batch_opts '{"errors": 3}'
	expect_exit 0 po_run "$P" errored --iterations 0 --batch-api
	b=$(mock_stat batches_created)
	[ "$(mock_path $PATHEND)" = $((3 * b)) ] ||
		die "$P: expected 3 retried calls for each of $b batches, saw $(mock_path $PATHEND)"
	[ "$(final errored "['final_score']")" = "$(final plain "['baseline_score']")" ] ||
		die "$P: retried requests changed the score"

	# 4. an expired batch: every request sent again; a poll that fails once
	restart_mock
	batch_opts '{"expire": true, "fail_poll": 1}'
	expect_exit 0 po_run "$P" expired --iterations 0 --batch-api
	[ "$(final expired "['final_score']")" = "$(final plain "['baseline_score']")" ] ||
		die "$P: the expired batch changed the score"
	restart_mock
	batch_opts '{"cancel": true}'
	expect_exit 0 po_run "$P" canceled --iterations 0 --batch-api

	# 5. killed while the batch is pending: --resume polls the same batch
	restart_mock
	batch_opts '{"hold": true}'
	(EXEC=1 po_run "$P" killed --iterations 0 --batch-api >kill.out 2>&1) &
	pid=$!
	n=0
	while [ "$(mock_stat batch_polls)" -lt 3 ] && [ $n -lt 200 ]; do sleep 0.05; n=$((n + 1)); done
	kill -9 $pid
	wait $pid 2>/dev/null
	expect_file killed/batch_api_$P.json
	id=$(json_get killed/batch_api_$P.json "['batch_id']")
	[ "$(mock_stat batches_created)" = 1 ] || die "$P: expected one batch before the kill"
	batch_opts '{"polls": 1}'
	expect_exit 0 po_run "$P" killed --iterations 0 --batch-api --resume
	# the pending batch was polled, not made again: as many batches as a
	# run that was never killed ($b, the errored run's)
	[ "$(mock_stat batches_created)" = "$b" ] || die "$P: the pending batch $id was submitted again"
	[ "$(final killed "['final_score']")" = "$(final plain "['baseline_score']")" ] ||
		die "$P: the resumed run's score differs"

	# Ctrl-C while a batch is pending: exit 11, the batch named
	if [ "$P" = anthropic ]; then
		restart_mock
		batch_opts '{"hold": true}'
		(EXEC=1 po_run "$P" interrupted --iterations 0 --batch-api >int.out 2>&1) &
		pid=$!
		n=0
		while [ "$(mock_stat batch_polls)" -lt 2 ] && [ $n -lt 200 ]; do sleep 0.05; n=$((n + 1)); done
		kill -INT $pid
		wait $pid
		rc=$?
		[ $rc = 11 ] || { cat int.out; die "$P: Ctrl-C while a batch was pending exited $rc, expected 11"; }
		expect_grep int.out "anthropic: interrupted while message batch msgbatch_mock_1 was pending; --resume polls the same batch (it is not submitted again)"
	fi

	# killed in an iteration, after the checkpoint: the resumed run asks
	# the mutate call again (the cache answers it), builds the same
	# candidate and polls the same generate batch
	if [ "$P" = anthropic ]; then
		restart_mock
		batch_opts '{"hold_after": 4}'
		(EXEC=1 po_run "$P" killed2 --iterations 1 --batch-api >kill2.out 2>&1) &
		pid=$!
		n=0
		while [ "$(mock_stat batches_created)" -lt 5 ] && [ $n -lt 300 ]; do sleep 0.05; n=$((n + 1)); done
		sleep 0.3
		kill -9 $pid
		wait $pid 2>/dev/null
		expect_file killed2/checkpoint.json
		[ "$(json_get killed2/batch_api_$P.json "['batch_id']")" = msgbatch_mock_5 ] ||
			die "$P: the pending batch is not the iteration's generate batch"
		batch_opts '{"polls": 1}'
		expect_exit 0 po_run "$P" killed2 --iterations 1 --batch-api --resume
		expect_grep out.txt "Resum"
		[ "$(mock_stat batches_created)" = "$created" ] ||
			die "$P: $(mock_stat batches_created) batches made, a run never killed makes $created"
	fi

	# 6. per role in the config: only the judge's calls as batches
	if [ "$P" = anthropic ]; then
		cfg=prompt_tuning_results_pr-faq-validator/config_pr-faq-validator.json
		cp $cfg cfg.saved
		python3 - $cfg <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["roles"] = {"judge": {"batch_api": True}}
json.dump(d, open(sys.argv[1], "w"), indent=2)
EOF
		restart_mock
		expect_exit 0 po_run "$P" perrole --iterations 0
		[ "$(mock_path $PATHEND)" = "$(final perrole "['calls']['generate']")" ] ||
			die "$P: the generate calls did not go the ordinary way"
		[ "$(mock_stat batch_requests)" = "$(final perrole "['calls']['judge']")" ] ||
			die "$P: the judge calls did not go as batches"
		sed 's/"batch_api": true/"batch_api": "yes"/' $cfg > cfg.bad && cp cfg.bad $cfg
		expect_exit 5 po_run "$P" perrole --iterations 0
		expect_grep err.txt "json:43:12: expected true or false for \"batch_api\", found a string"
		cp cfg.saved $cfg
	fi

	# 7. bad batches: refused at creation, a results line that does not
	# parse, an unknown custom_id
	restart_mock
	batch_opts '{"reject": true}'
	expect_exit 8 po_run "$P" rejected --iterations 0 --batch-api
	expect_grep err.txt "$P: creating a $MSG of 20 requests"
	expect_grep err.txt "HTTP 400 invalid_request_error: requests: too many requests in one batch"
	if [ "$P" = openai ]; then
		# OpenAI checks the file after creating the batch: it fails
		restart_mock
		batch_opts '{"invalid": true}'
		expect_exit 8 po_run "$P" invalid --iterations 0 --batch-api
		expect_grep err.txt "openai: batch batch_mock_1 was refused: input line 2: invalid_json_line: This line is not parseable as valid JSON."
	fi
	restart_mock
	batch_opts '{"bad_line": true}'
	expect_exit 8 po_run "$P" badline --iterations 0 --batch-api
	expect_grep err.txt ", results line 2: not JSON"
	expect_grep err.txt "the answers that did arrive are kept"
	[ "$(wc -l < badline/llm_calls.jsonl)" = 19 ] || die "$P: the 19 answers of the batch were not kept"
	# the rerun pays for the missing one only: its first batch holds one
	# request, the others 20 each
	batch_opts '{}'
	expect_exit 0 po_run "$P" badline --iterations 0 --batch-api
	[ "$(mock_stat batch_requests)" = $((20 * b + 1)) ] ||
		die "$P: the rerun sent $(mock_stat batch_requests) requests in batches, expected $((20 * b + 1))"
	restart_mock
	batch_opts '{"unknown_id": true}'
	expect_exit 8 po_run "$P" unknown --iterations 0 --batch-api
	expect_grep err.txt "unknown custom_id \"zz9\""
	[ "$(wc -l < unknown/llm_calls.jsonl)" = 20 ] || die "$P: the answers were not kept"

	# 8. promptopt batch takes --batch-api for every experiment
	if [ "$P" = anthropic ]; then
		restart_mock
		expect_exit 0 env ANTHROPIC_API_KEY="$KEY" ANTHROPIC_BASE_URL="$URL" "$PO" batch \
			--experiments 1 --iterations 0 --provider anthropic --batch-api --no-report -q
		[ "$(mock_stat batches_created)" -ge 2 ] || die "batch --batch-api made no provider batch"
		[ "$(mock_path $PATHEND)" = 0 ] || die "batch --batch-api sent evaluation calls the ordinary way"
	fi
	cd ..
done
