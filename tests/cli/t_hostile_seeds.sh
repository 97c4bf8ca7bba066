# Issue 14, hostile input 7: seeds of 2^53 and above (2^63, 2^64 - 1) are
# refused up front with the valid range; the largest valid one is recorded
# exactly and repeats its run.
. "$HERE/lib.sh"
for s in 9007199254740992 9223372036854775808 18446744073709551615; do
	expect_exit 2 "$PO" run --project pr-faq-validator --iterations 1 --no-report --seed $s
	expect_line err.txt "promptopt: error: --seed $s is out of range; use a whole number from 0 to 9007199254740991 (a seed every JSON reader keeps exactly)"
done
[ ! -e prompt_tuning_results_pr-faq-validator ] || die "a refused run created the project"
expect_exit 2 "$PO" batch --experiments 3 --iterations 1 --seed 9007199254740990 --no-report
expect_line err.txt "promptopt: error: seeds 9007199254740990 to 9007199254740992: the last is out of range; use a base seed up to 9007199254740989 for 3 experiments"
printf '{"experiments": [{"name": "a", "seed": 9223372036854775808}]}' > big.json
expect_exit 4 "$PO" batch --config big.json --no-report
expect_grep err.txt "big.json"
# the largest seed: recorded as given, and the same seed gives the same run
R=prompt_tuning_results_pr-faq-validator/optimization_final_results.json
expect_exit 0 "$PO" run --project pr-faq-validator --iterations 2 --no-report --provider sim --seed 9007199254740991
[ "$(json_get $R "['seed']")" = 9007199254740991 ] || die "seed recorded as $(json_get $R "['seed']")"
python3 -c "import json; d=json.load(open('$R')); print(json.dumps(d['iteration_history']))" > first.txt
expect_exit 0 "$PO" run --project pr-faq-validator --iterations 2 --no-report --provider sim --seed "$(json_get $R "['seed']")"
python3 -c "import json; d=json.load(open('$R')); print(json.dumps(d['iteration_history']))" > second.txt
cmp -s first.txt second.txt || die "the recorded seed did not repeat the run"
