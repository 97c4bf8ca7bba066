# Issue 14, hostile input 4: a run that fails, is killed or finds the disk
# full never leaves the previous run's optimization_final_results.json
# describing files it replaced (the new run sets it aside first), status
# says how the last run ended, and a full disk leaves no empty or partial
# report. The full disk is simulated without root by tests/fault/enospc.c
# (LD_PRELOAD: writes to matching regular files fail with ENOSPC).
. "$HERE/lib.sh"
command -v cc >/dev/null || { echo "skip: no C compiler for the fault library"; exit 0; }
cc -shared -fPIC -o enospc.so "$HERE/../fault/enospc.c" -ldl || die "cannot build the fault library"
# ASan builds: the preloaded library comes before the sanitizer's runtime
ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0"
export ASAN_OPTIONS
R=prompt_tuning_results_pr-faq-validator
full() { env LD_PRELOAD="$PWD/enospc.so" ENOSPC_MATCH="$1" "$PO" run --project pr-faq-validator \
	--iterations 2 --provider sim --no-cache; }
no_empty_files() {
	empty=$(find . -type f -size 0 ! -name .promptopt.lock ! -name out.txt ! -name err.txt)
	[ -z "$empty" ] || die "empty files left: $empty"
}

expect_exit 0 "$PO" run --project pr-faq-validator --iterations 2 --provider sim
expect_file $R/optimization_final_results.json
expect_exit 0 "$PO" status --project pr-faq-validator
expect_grep out.txt "Last run: 2 of 2 iterations"

# 1. the disk fills up at the end: the final results cannot be written
expect_exit 7 full optimization_final_results
expect_line err.txt "promptopt: error: cannot write '$R/optimization_final_results.json': No space left on device"
[ ! -e $R/optimization_final_results.json ] || die "the previous run's final results still stand"
expect_file $R/optimization_final_results.previous.json
no_empty_files
expect_exit 0 "$PO" status --project pr-faq-validator
expect_grep out.txt "Last run: failed after iteration 2 ("
expect_grep out.txt "no final results: cannot write '$R/optimization_final_results.json': No space left on device"
expect_line out.txt "The run before it: $R/optimization_final_results.previous.json (set aside: its iteration files were replaced)"

# 2. full while the report is written: no empty or partial report
ls docs > reports-before.txt
expect_exit 7 full /docs/
expect_grep err.txt "No space left on device"
ls docs > reports-after.txt
cmp -s reports-before.txt reports-after.txt || die "a partial report was left: $(diff reports-before.txt reports-after.txt)"
no_empty_files

# 3. full from the start: nothing can be recorded, status still tells
expect_exit 0 "$PO" run --project pr-faq-validator --iterations 2 --provider sim --no-report
expect_exit 7 full ""
no_empty_files
expect_exit 0 "$PO" status --project pr-faq-validator
expect_grep out.txt "Last run: did not record how it ended (killed at its start, or out of disk space); no final results"

# 4. killed mid-run: status says it did not finish
expect_exit 0 "$PO" run --project pr-faq-validator --iterations 2 --provider sim --no-report
"$PO" run --project pr-faq-validator --iterations 100000 --no-convergence --provider sim --no-report >/dev/null 2>&1 &
pid=$!
n=0
while ! grep -q running $R/run_state.json 2>/dev/null && [ $n -lt 400 ]; do sleep 0.05; n=$((n + 1)); done
[ ! -e $R/optimization_final_results.json ] || die "the previous final results stand during a new run"
expect_exit 0 "$PO" status --project pr-faq-validator
expect_grep out.txt "Last run: running (pid $pid, started "
kill -KILL $pid
wait $pid
expect_exit 0 "$PO" status --project pr-faq-validator
expect_grep out.txt "Last run: did not finish (pid $pid, started "
expect_grep out.txt "is gone: killed, crashed or out of disk space); no final results; continue it with 'promptopt run --project pr-faq-validator --resume'"
# 5. interrupted: the final results are of this run, and status says so
rm -f $R/evaluation_iteration_*.json
"$PO" run --project pr-faq-validator --iterations 100000 --no-convergence --provider sim --no-report >/dev/null 2>&1 &
pid=$!
n=0
while [ ! -e $R/evaluation_iteration_001.json ] && [ $n -lt 400 ]; do sleep 0.05; n=$((n + 1)); done
kill -INT $pid
wait $pid
[ $? -eq 11 ] || die "interrupted run did not exit 11"
expect_exit 0 "$PO" status --project pr-faq-validator
expect_grep out.txt "Ended: interrupted after iteration "
