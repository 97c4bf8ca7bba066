. "$HERE/lib.sh"
# Settings in config_NAME.json are the defaults of a run; flags beat them.
"$PO" init cfg >/dev/null
c=prompt_tuning_results_cfg/config_cfg.json
python3 -c "
import json; d=json.load(open('$c')); d['iterations']=3; d['seed']=99
d['convergence']={'no_improvement_threshold': 1, 'enable_early_stop': False}
json.dump(d, open('$c','w'), indent=2)"
cp $c config.before
expect_exit 0 "$PO" run --project cfg --no-report
cmp -s $c config.before || die "the run rewrote the user's config"
expect_grep out.txt "up to 3 iterations"
expect_grep out.txt "seed 99"
expect_grep out.txt "=== Iteration 3/3 ==="
python3 -c "
import json; d=json.load(open('prompt_tuning_results_cfg/optimization_final_results.json'))
s=d['settings']; assert s['iterations']==3 and s['seed']==99, s
assert s['convergence']['no_improvement_threshold']==1 and s['convergence']['enable_early_stop'] is False, s" \
	|| die "config settings not used"
expect_exit 0 "$PO" run --project cfg --iterations 5 --seed 1 --no-report
expect_grep out.txt "up to 5 iterations"
expect_grep out.txt "seed 1"
# an unknown strategy in the config is the config's error
python3 -c "
import json; d=json.load(open('$c')); d['strategy']='annealing'; json.dump(d, open('$c','w'))"
expect_exit 5 "$PO" run --project cfg --no-report
expect_line err.txt "promptopt: error: prompt_tuning_results_cfg/config_cfg.json:1:853: unknown strategy 'annealing'; available: hillclimb, reflect, opro, ga, demos"
# ... whatever the flags say: a typo in the config is fixed, not hidden
expect_exit 5 "$PO" run --project cfg --strategy hillclimb --iterations 1 --no-report
# a key that is accepted but not applied is said, never silently ignored
"$PO" init unapplied >/dev/null
python3 -c "
import json; p='prompt_tuning_results_unapplied/config_unapplied.json'
d=json.load(open(p)); d['budget']=5; json.dump(d, open(p,'w'))"
expect_exit 0 "$PO" run --project unapplied --iterations 1 --provider sim --no-report
expect_line err.txt "promptopt: warning: prompt_tuning_results_unapplied/config_unapplied.json: \"budget\" is not applied (promptopt does not read it); set limits with --budget-usd X and --max-calls N (batch keys budget_usd, max_calls), and remove it"
