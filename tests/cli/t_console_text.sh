. "$HERE/lib.sh"
# The console's wording: lines fit 100 columns (the seed's iteration lines
# aside), an early stop says what it saved, a run cut short says how to go
# on, and a run that did not converge prints no empty plateau lines.
fits() {
	python3 - "$1" <<'PY' || die "lines wider than 100 columns in $1"
import sys
bad = [l for l in open(sys.argv[1], encoding='utf-8').read().split('\n')
       if len(l) > 100 and not l.startswith('=== Iteration')]
for l in bad:
    print(len(l), l)
sys.exit(1 if bad else 0)
PY
}
expect_exit 0 "$PO" run --project pr-faq-validator --provider sim --iterations 20 --seed 1 --strategy hillclimb
fits out.txt
expect_line out.txt "1. Convergence detected at iteration 8; stopping early saved 12 of 20 iterations."
expect_no_grep out.txt "Could have stopped"
expect_grep out.txt "Plateau Variance: "

# cut short before the first iteration (as by Ctrl-C): --resume, and no plateau lines
expect_exit 12 "$PO" run --project pr-faq-validator --provider sim --iterations 20 --max-calls 150
fits out.txt
expect_line out.txt "1. The run ended after 0 of 20 iterations, before converging; to go on, run it again with --resume."
expect_no_grep out.txt "No convergence within 0 iterations"
expect_no_grep out.txt "Plateau Variance"
expect_no_grep out.txt "Plateau Average"
expect_line out.txt "Converged: No"
# status prints the same block
expect_exit 0 "$PO" status --project pr-faq-validator
expect_no_grep out.txt "Plateau Variance"
