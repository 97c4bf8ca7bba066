# Issue 14, hostile input 5: a NUL (\u0000) in a template or an input is
# refused before any call, with the file, the position and the prompt or
# case named; never cut short silently (on any provider).
. "$HERE/lib.sh"
"$PO" init p >/dev/null
sed -i 's/What can I do?/What can\\u0000 I do?/' prompt_tuning_results_p/test_cases_p.json
for prov in sim bridge; do
	expect_exit 5 "$PO" run --project p --iterations 1 --no-report --provider $prov
	expect_line err.txt "promptopt: error: prompt_tuning_results_p/test_cases_p.json:9:18: input \"input\" of test case \"case-001\" holds a NUL character (\\u0000) at character 65; remove it (no LLM API carries one: the text would be cut short)"
done
"$PO" init q >/dev/null
sed -i 's/accurately/accur\\u0000ately/' prompt_tuning_results_q/prompts_q.json
cp prompt_tuning_results_q/prompts_q.json before.json
for prov in sim bridge; do
	expect_exit 5 "$PO" run --project q --iterations 1 --no-report --provider $prov
	expect_grep err.txt "promptopt: error: prompt_tuning_results_q/prompts_q.json:2:11: prompt \"main\" holds a NUL character (\\u0000) at character 76 of its template; remove it"
done
cmp -s before.json prompt_tuning_results_q/prompts_q.json || die "the prompts file was rewritten"
[ ! -e prompt_tuning_results_q/llm_calls.jsonl ] || die "calls were made"
# a prompt file with a raw NUL byte, at init
mkdir -p z/prompts
printf 'Answer\nthe\0 question: {input}\n' > z/prompts/a.txt
cd z
expect_exit 5 "$PO" init z
expect_line err.txt "promptopt: error: prompts/a.txt:2:4: prompt 'a' holds a NUL byte; remove it (no LLM API carries one: the text would be cut short)"
[ ! -e prompt_tuning_results_z ] || die "init created the project"
