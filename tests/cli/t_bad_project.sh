. "$HERE/lib.sh"
# Each bad project file: one clear message with file:line:col, a distinct exit code,
# and nothing written.
cp -r "$FIXTURES"/projects/prompt_tuning_results_* .
check() { # code project expected-stderr
	expect_exit "$1" "$PO" run --project "$2" --iterations 2
	expect_line err.txt "$3"
	[ "$(wc -l < err.txt)" -eq 1 ] || die "more than one line of error for $2"
	[ ! -e "prompt_tuning_results_$2/optimization_final_results.json" ] || die "$2 wrote results"
}
check 5 bad-inputs "promptopt: error: prompt_tuning_results_bad-inputs/test_cases_bad-inputs.json:6:17: expected an object for \"inputs\" in test case \"tc-02\", found a string"
check 4 bad-json "promptopt: error: prompt_tuning_results_bad-json/test_cases_bad-json.json:4:3: invalid JSON: unexpected token near ']'"
check 5 dup-id "promptopt: error: prompt_tuning_results_dup-id/test_cases_dup-id.json:5:12: duplicate test case id \"tc-01\": test case 1 (line 3) has it too; give each test case a unique \"id\""
check 5 empty-cases "promptopt: error: prompt_tuning_results_empty-cases/test_cases_empty-cases.json:3:17: there are no test cases; add at least one, e.g. {\"id\": \"case-001\", \"inputs\": {\"input\": \"...\"}}"
check 5 unknown-key "promptopt: error: prompt_tuning_results_unknown-key/config_unknown-key.json:3:3: unknown setting \"rubrik\"; did you mean \"rubric\"? (known: accept, batch_api, budget, convergence, description, endpoints, iterations, judge, judge_samples, judge_structured, judge_weight, length_penalty, main_prompt, max_prompt_chars, pairwise_judge, project, roles, rubric, scorers, seed, sim, split, strategy, system_prompt)"
check 6 unknown-placeholder "promptopt: error: prompt_tuning_results_unknown-placeholder/prompts_unknown-placeholder.json:2:11: template 'main' uses placeholder {budget}, but test case 'tc-01' has no input 'budget'; add \"budget\" to its inputs or remove {budget} from the template"
# the good fixture runs
expect_exit 0 "$PO" run --project good --iterations 2 --no-report
# a test cases "file" that is a folder
"$PO" init folderish >/dev/null
rm prompt_tuning_results_folderish/test_cases_folderish.json
mkdir prompt_tuning_results_folderish/test_cases_folderish.json
expect_exit 7 "$PO" run --project folderish --iterations 1
expect_grep err.txt "test_cases_folderish.json"
# an empty file is invalid JSON, with a position
"$PO" init empty >/dev/null
: > prompt_tuning_results_empty/prompts_empty.json
expect_exit 4 "$PO" run --project empty --iterations 1
expect_grep err.txt "prompt_tuning_results_empty/prompts_empty.json:1:"
# a results folder that cannot be created
"$PO" init ro >/dev/null
: > blocker
expect_exit 7 "$PO" run --project ro --iterations 1 --results-dir blocker/sub
expect_grep err.txt "blocker"
# a project whose test cases file is gone: said so, not re-created over
"$PO" init lost >/dev/null
rm prompt_tuning_results_lost/test_cases_lost.json
expect_exit 10 "$PO" run --project lost --iterations 1
expect_line err.txt "promptopt: error: project 'lost' has no test cases file 'prompt_tuning_results_lost/test_cases_lost.json'; restore it (the seed's shape: {\"test_cases\": [...]}), or remove 'prompt_tuning_results_lost' to start the project over"
[ -e prompt_tuning_results_lost/test_cases_lost.json ] && die "run re-created the test cases"
# a project folder that cannot be read (needs a user without root's rights)
"$PO" init locked >/dev/null
chmod 000 prompt_tuning_results_locked
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
	chmod 777 .
	expect_exit 7 setpriv --reuid=65534 --regid=65534 --clear-groups "$PO" run --project locked --iterations 1
	expect_grep err.txt "cannot read 'prompt_tuning_results_locked/test_cases_locked.json': Permission denied"
	expect_no_grep err.txt "cannot write"
elif [ "$(id -u)" != 0 ]; then
	expect_exit 7 "$PO" run --project locked --iterations 1
	expect_grep err.txt "cannot read 'prompt_tuning_results_locked/test_cases_locked.json': Permission denied"
fi
chmod 755 prompt_tuning_results_locked
