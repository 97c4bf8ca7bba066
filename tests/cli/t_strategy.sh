. "$HERE/lib.sh"
# A strategy's parameters in the project config: the known ones taken, an
# unknown one refused before anything runs (exit 5, naming the file and the
# parameter); an unknown strategy likewise.
P=pr-faq-validator
expect_exit 0 "$PO" init $P
cfg=prompt_tuning_results_$P/config_$P.json
set_strategy() {
	python3 -c "
import json, sys
d = json.load(open('$cfg'))
d['strategy'] = json.loads(sys.argv[1])
json.dump(d, open('$cfg', 'w'), indent=2)" "$1"
}
set_strategy '{"name": "hillclimb", "minibatch": 3}'
expect_exit 5 "$PO" run --project $P --provider sim --iterations 2 --no-report
expect_line err.txt "promptopt: error: $cfg: strategy hillclimb has no parameter 'minibatch'"
[ ! -e prompt_tuning_results_$P/simulation_iteration_000.json ] || die "the run started despite the bad parameter"
set_strategy '{"name": "hillclimb"}'
expect_exit 0 "$PO" run --project $P --provider sim --iterations 2 --no-report
expect_grep out.txt "strategy hillclimb"
# every evaluated candidate of an iteration is recorded, the nominee marked
python3 - <<PY || die "the population of an iteration is not recorded"
import json
e = json.load(open("prompt_tuning_results_$P/evaluation_iteration_001.json"))
pop = e["population"]
nom = [r for r in pop if r["nominated"]]
# one nominee, scored on the validation cases; with the default split the
# step also scored the incumbent on the train cases (its feedback)
assert len(nom) == 1 and nom[0]["cases"] == e["total"], pop
assert nom[0]["accepted"] == e["improved"], pop
assert all(not r["accepted"] for r in pop if not r["nominated"]), pop
b = json.load(open("prompt_tuning_results_$P/evaluation_iteration_000.json"))
assert b["population"][0]["candidate"] == "baseline" and b["population"][0]["accepted"]
PY
