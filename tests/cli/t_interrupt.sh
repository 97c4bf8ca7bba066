. "$HERE/lib.sh"
# Ctrl-C (SIGINT) or SIGTERM mid-run: the run stops after the iteration in flight,
# saves what it has, says so and exits 11.
for sig in INT TERM; do
	"$PO" run --project pr-faq-validator --iterations 100000 --no-convergence --no-report \
		--results-dir r$sig >out.txt 2>err.txt &
	pid=$!
	n=0
	while [ ! -f r$sig/evaluation_iteration_003.json ] && [ $n -lt 200 ]; do sleep 0.05; n=$((n + 1)); done
	kill -$sig $pid
	wait $pid
	code=$?
	[ $code -eq 11 ] || { cat err.txt; die "SIG$sig: exit $code, expected 11"; }
	expect_grep err.txt "promptopt: error: interrupted after iteration"
	expect_grep err.txt "results so far saved in r$sig"
	expect_line out.txt "CONVERGENCE ANALYSIS"
	python3 -c "
import json; d=json.load(open('r$sig/optimization_final_results.json'))
assert d['interrupted'] is True and 3 <= d['iterations_run'] < 100000
assert len(d['iteration_history']) == d['iterations_run']" || die "SIG$sig: bad saved results"
done
