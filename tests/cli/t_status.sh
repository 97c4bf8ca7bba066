. "$HERE/lib.sh"
expect_exit 10 "$PO" status --project nothing-here
expect_grep err.txt "no project 'nothing-here' here"
expect_exit 0 "$PO" init fresh
expect_exit 0 "$PO" status --project fresh
expect_grep out.txt "No run yet"
expect_exit 2 "$PO" status
expect_exit 3 "$PO" status --project ../x
# a results file that is not one: an error with its position, not a summary of zeros
expect_exit 0 "$PO" run --project fresh --provider sim --iterations 1 --no-report --quiet
f=prompt_tuning_results_fresh/optimization_final_results.json
echo '{}' > $f
expect_exit 5 "$PO" status --project fresh
expect_line err.txt "promptopt: error: $f:1:1: missing \"project\"; this is not a results file of promptopt, or it was edited: run the experiment again"
printf '{"project": "fresh", "max_iterations": 1, "baseline_score": 1,\n "final_score": "high", "iteration_history": []}\n' > $f
expect_exit 5 "$PO" status --project fresh
expect_line err.txt "promptopt: error: $f:2:17: wrong type for \"final_score\", found a string; this is not a results file of promptopt, or it was edited: run the experiment again"
