# Issue 14, hostile input 8: `promptopt run ... | head -3`: the closed pipe
# is not an error for the run; it finishes and saves its results.
. "$HERE/lib.sh"
{ "$PO" run --project pr-faq-validator --iterations 3 --no-report; echo $? > rc.txt; } | head -3 > head.txt
[ "$(cat rc.txt)" = 0 ] || die "run | head -3 exited $(cat rc.txt)"
[ "$(wc -l < head.txt)" -eq 3 ] || die "head saw: $(cat head.txt)"
expect_file prompt_tuning_results_pr-faq-validator/optimization_final_results.json
[ "$(json_get prompt_tuning_results_pr-faq-validator/optimization_final_results.json "['max_iterations']")" = 3 ] ||
	die "final results not from this run"
{ "$PO" batch --experiments 2 --iterations 2 --no-report; echo $? > rc.txt; } | head -1 > /dev/null
[ "$(cat rc.txt)" = 0 ] || die "batch | head -1 exited $(cat rc.txt)"
ls batch_results/batch_results_*.json > /dev/null || die "no batch results"
