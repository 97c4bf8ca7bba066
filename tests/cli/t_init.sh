. "$HERE/lib.sh"
expect_exit 0 "$PO" init my-project
expect_grep out.txt "Created project 'my-project'"
for f in test_cases_my-project.json prompts_my-project.json config_my-project.json; do
	expect_file prompt_tuning_results_my-project/$f
done
# a second init refuses to overwrite
expect_exit 7 "$PO" init my-project
# prompts from prompts/*.txt
mkdir prompts
printf 'Answer the question: {input}\n' > prompts/answer.txt
expect_exit 0 "$PO" init from-files
python3 -c "
import json; d=json.load(open('prompt_tuning_results_from-files/prompts_from-files.json'))
assert d == {'answer': 'Answer the question: {input}\n'}, d" || die "prompts not taken from prompts/*.txt"
# the scaffold runs as it is
expect_exit 0 "$PO" run --project from-files --iterations 3 --no-report
expect_grep out.txt "CONVERGENCE ANALYSIS"
# names that could escape the folder are refused, and nothing is created
for bad in ../x a/b .hidden ..; do
	expect_exit 3 "$PO" init "$bad"
	expect_grep err.txt "invalid project name"
done
expect_exit 2 "$PO" init
expect_exit 2 "$PO" init a b
expect_exit 2 "$PO" init a --form tests.csv
expect_line err.txt "promptopt: error: unknown option '--form' for init; did you mean '--from'? (see 'promptopt init --help')"
# a project without a config file runs with defaults, also into another results folder
"$PO" init noconf >/dev/null
rm prompt_tuning_results_noconf/config_noconf.json
expect_exit 0 "$PO" run --project noconf --iterations 2 --no-report --results-dir elsewhere
expect_file elsewhere/test_cases_noconf.json
expect_file elsewhere/prompts_noconf.json
[ ! -e elsewhere/config_noconf.json ] || die "invented a config file"
# a name with a space at either end (the folder would be hard to tell apart)
expect_exit 3 "$PO" init " my-project"
expect_line err.txt "promptopt: error: invalid project name ' my-project': it starts or ends with a space; use a plain name of letters, digits, '-' and '_', e.g. 'my-project'"
