. "$HERE/lib.sh"
# --resume continues an interrupted run after its last finished iteration and
# ends where the run would have ended uninterrupted.
P=pr-faq-validator
same() { # dir-a dir-b: same history, best prompts, calls and convergence
	python3 -c "
import json, sys
a = json.load(open('$1/optimization_final_results.json'))
b = json.load(open('$2/optimization_final_results.json'))
for k in ('iteration_history', 'best_prompts', 'calls', 'tokens', 'convergence', 'final_score', 'iterations_run'):
    if a[k] != b[k]:
        sys.exit('%s differs: %s vs %s' % (k, a[k], b[k]))"
}
expect_exit 0 "$PO" run --strategy hillclimb --split none --project $P --provider sim --iterations 20 --no-convergence --no-report --results-dir full

# a run stopped after 8 iterations, then taken to 20
expect_exit 0 "$PO" run --strategy hillclimb --split none --project $P --provider sim --iterations 8 --no-convergence --no-report --results-dir part
expect_exit 0 "$PO" run --strategy hillclimb --split none --project $P --provider sim --iterations 20 --no-convergence --no-report --results-dir part --resume
expect_grep out.txt "Resuming after iteration 8 of 20: baseline 50.40, best 60.32 (checkpoint in part)"
expect_grep out.txt "=== Iteration 9/20 ==="
expect_no_grep out.txt "=== Iteration 8/20 ==="
same full part || die "the resumed run differs from the uninterrupted one"

# a run killed (SIGKILL) in the middle: through the bridge, answered by a
# responder of our own, killed once a few iterations are on disk (200
# iterations, so that a loaded machine cannot let it finish first)
expect_exit 0 "$PO" run --strategy hillclimb --split none --project $P --provider sim --iterations 200 --no-convergence --no-report --results-dir full200
"$PO" respond --project $P --continuous >resp.txt 2>&1 &
resp=$!
"$PO" run --strategy hillclimb --split none --project $P --iterations 200 --no-convergence --no-report --results-dir killed \
	--no-auto-responder >run.txt 2>&1 &
run=$!
n=0
while [ ! -e killed/evaluation_iteration_005.json ] && [ $n -lt 400 ]; do sleep 0.02; n=$((n + 1)); done
kill -KILL $run
wait $run 2>/dev/null
kill -TERM $resp
wait $resp
[ -e killed/checkpoint.json ] || die "no checkpoint after the kill"
[ ! -e killed/optimization_final_results.json ] || die "the killed run finished before it was killed (machine too fast?)"
expect_exit 0 "$PO" run --strategy hillclimb --split none --project $P --provider sim --iterations 200 --no-convergence --no-report --results-dir killed --resume
expect_grep out.txt "Resuming after iteration "
same full200 killed || die "the run resumed after SIGKILL differs from the uninterrupted one"

# Ctrl-C says how to go on
expect_exit 0 "$PO" run --strategy hillclimb --split none --project $P --provider sim --iterations 3 --no-report --results-dir conv --patience 1
# a run that converged has nothing left to do
expect_exit 0 "$PO" run --strategy hillclimb --split none --project $P --provider sim --iterations 20 --no-report --results-dir conv --patience 1 --resume
expect_no_grep out.txt "=== Iteration"

# another seed or strategy than the run's: refused, saying what to use
expect_exit 2 "$PO" run --strategy hillclimb --split none --project $P --provider sim --iterations 20 --no-report --results-dir part --resume --seed 7
expect_line err.txt "promptopt: error: the run in 'part' used seed 42 and strategy hillclimb; resume it with --seed 42 --strategy hillclimb, or start a new run without --resume"

# no checkpoint: a new run
expect_exit 0 "$PO" run --strategy hillclimb --split none --project $P --provider sim --iterations 2 --no-report --results-dir fresh --resume
expect_grep out.txt "No checkpoint in fresh: starting a new run"
expect_grep out.txt "=== Iteration 2/2 ==="

# a damaged checkpoint is an error that says what to do
echo '{"version": 1}' > fresh/checkpoint.json
expect_exit 5 "$PO" run --strategy hillclimb --split none --project $P --provider sim --iterations 4 --no-report --results-dir fresh --resume
expect_line err.txt "promptopt: error: fresh/checkpoint.json: not a checkpoint of this version of promptopt; start a new run without --resume (the results in its folder are replaced)"
# ... and a new run replaces it
expect_exit 0 "$PO" run --strategy hillclimb --split none --project $P --provider sim --iterations 1 --no-report --results-dir fresh
[ "$(json_get fresh/checkpoint.json "['iteration']")" = 1 ] || die "the new run did not replace the checkpoint"

# the checkpoint's log: a line written after the checkpoint (a run killed
# between the two writes) is dropped on resume; a log cut short is an error
expect_exit 0 "$PO" run --strategy hillclimb --split none --project $P --provider sim --iterations 8 --no-convergence --no-report --results-dir logtail
lines=$(wc -l < logtail/checkpoint_log.jsonl)
[ "$lines" -eq 9 ] || die "expected one log line per save (9), got $lines"
[ "$(json_get logtail/checkpoint.json "['log']['lines']")" = 9 ] || die "the checkpoint does not count its log lines"
echo '{"iteration": 9, "history": [{"iteration": 9}], "files": [], "archive": []}' >> logtail/checkpoint_log.jsonl
expect_exit 0 "$PO" run --strategy hillclimb --split none --project $P --provider sim --iterations 20 --no-convergence --no-report --results-dir logtail --resume
expect_grep out.txt "Resuming after iteration 8 of 20"
same full logtail || die "the run resumed past a stray log line differs from the uninterrupted one"
expect_exit 0 "$PO" run --strategy hillclimb --split none --project $P --provider sim --iterations 4 --no-convergence --no-report --results-dir logcut
head -c 100 logcut/checkpoint_log.jsonl > cut.tmp && mv cut.tmp logcut/checkpoint_log.jsonl
expect_exit 5 "$PO" run --strategy hillclimb --split none --project $P --provider sim --iterations 8 --no-report --results-dir logcut --resume
expect_line err.txt "promptopt: error: logcut/checkpoint_log.jsonl: it is shorter than its checkpoint says; start a new run without --resume (the results in its folder are replaced)"
