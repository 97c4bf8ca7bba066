. "$HERE/lib.sh"
# Same seed, same run; another seed, another run.
expect_exit 0 "$PO" run --project pr-faq-validator --iterations 8 --seed 7 --results-dir a --no-report
expect_exit 0 "$PO" run --project pr-faq-validator --iterations 8 --seed 7 --results-dir b --no-report
expect_exit 0 "$PO" run --project pr-faq-validator --iterations 8 --seed 8 --results-dir c --no-report
h() { python3 -c "import json; d=json.load(open('$1/optimization_final_results.json')); print(json.dumps(d['iteration_history']), json.dumps(d['best_prompts']))"; }
[ "$(h a)" = "$(h b)" ] || die "same seed gave different runs"
[ "$(h a)" != "$(h c)" ] || die "different seeds gave the same run"
cmp -s a/evaluation_iteration_003.json b/evaluation_iteration_003.json || die "iteration files differ"
