. "$HERE/lib.sh"
# Several runs at once in one folder. Creating the project: all of them find
# it missing, one creates it, the others use it.
pids=""
for i in 1 2 3 4 5 6; do
	"$PO" run --project shared --provider sim --iterations 1 --no-report \
		--results-dir r$i --seed $i >o$i.txt 2>&1 &
	pids="$pids $!"
done
fails=0
for j in $pids; do wait $j || fails=$((fails + 1)); done
[ $fails -eq 0 ] || { cat o*.txt; die "$fails of 6 runs failed while creating one project"; }
[ "$(grep -l "Initialized project 'shared'" o*.txt | wc -l)" -eq 1 ] || die "not exactly one run created the project"

# Writing into one results folder: the second run is refused (exit 13) while
# the first holds it; it gets the folder once the first is done.
"$PO" init busy >/dev/null
"$PO" run --project busy --iterations 1 --no-report --no-auto-responder --timeout 30 >first.txt 2>&1 &
first=$!
n=0
while ! ls .busy/llm_requests/request_*.json >/dev/null 2>&1 && [ $n -lt 200 ]; do sleep 0.05; n=$((n + 1)); done
expect_exit 13 "$PO" run --project busy --provider sim --iterations 1 --no-report
expect_line err.txt "promptopt: error: another run (pid $first) is writing to 'prompt_tuning_results_busy'; wait for it to finish, or give this run its own folder with --results-dir"
[ ! -e prompt_tuning_results_busy/evaluation_iteration_000.json ] || die "the refused run wrote results"
# ... another folder is fine
expect_exit 0 "$PO" run --project busy --provider sim --iterations 1 --no-report --results-dir elsewhere
kill -INT $first
wait $first
expect_exit 0 "$PO" run --project busy --provider sim --iterations 1 --no-report
