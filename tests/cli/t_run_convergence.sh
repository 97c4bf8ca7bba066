. "$HERE/lib.sh"
# With --no-convergence every iteration runs; with patience 1 it stops early.
expect_exit 0 "$PO" run --project pr-faq-validator --iterations 12 --no-convergence --no-report
expect_grep out.txt "=== Iteration 12/12 ==="
expect_no_grep out.txt "Stopping early"
d=prompt_tuning_results_pr-faq-validator
[ "$(json_get $d/optimization_final_results.json "['iterations_run']")" = 12 ] || die "not all iterations run"
expect_exit 0 "$PO" run --project pr-faq-validator --iterations 30 --patience 1 --no-report
expect_grep out.txt "Convergence detected at iteration"
expect_grep out.txt "No improvement for 1 consecutive iterations."
expect_grep out.txt "Stopping early. Saved"
expect_grep out.txt "(stopped early from 30)"
expect_line out.txt "Converged: Yes"
n=$(json_get $d/optimization_final_results.json "['iterations_run']")
[ "$n" -lt 30 ] || die "did not stop early"
# stale iteration files of the longer run are gone
[ "$(ls $d/evaluation_iteration_*.json | wc -l)" -eq $((n + 1)) ] || die "stale iteration files"
