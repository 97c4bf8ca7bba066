# Issue 14, hostile input 2: names that are not valid UTF-8 and ids with
# control characters are refused by validation, before anything is created
# or any call is made.
. "$HERE/lib.sh"
bad=$(printf 'a\377b')
expect_exit 3 "$PO" init "$bad"
expect_line err.txt "promptopt: error: invalid project name 'a?b': it is not valid UTF-8 (shown with '?' for the bad bytes); use a plain name of letters, digits, '-' and '_', e.g. 'a-b'"
expect_exit 3 "$PO" run --project "$(printf '\377')" --iterations 1 --no-report
expect_grep err.txt "invalid project name '?': it is not valid UTF-8"
expect_exit 3 "$PO" status --project "$bad"
# nothing was created: no results folder, no bridge folder
[ -z "$(ls -A)" ] || [ "$(ls -A | tr '\n' ' ')" = "err.txt out.txt " ] || die "created: $(ls -A)"
# an overlong UTF-8 form of '/' is not valid UTF-8 either
expect_exit 3 "$PO" init "$(printf 'x\300\257y')"
# valid UTF-8 is a valid name
expect_exit 0 "$PO" init "café"
expect_file "prompt_tuning_results_café/prompts_café.json"
# batch ids: a newline, a tab, bad UTF-8
for id in "$(printf 'a\nb')" "$(printf 'a\tb')" "$bad"; do
	expect_exit 2 "$PO" batch --experiments 1 --iterations 1 --batch-id "$id" --no-report
	expect_grep err.txt "invalid batch id 'a?b': "
done
[ ! -e batch_results ] || [ -z "$(ls -A batch_results)" ] || die "a batch folder was created: $(ls batch_results)"
