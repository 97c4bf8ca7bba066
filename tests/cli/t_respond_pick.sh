. "$HERE/lib.sh"
# `promptopt respond` without --project and --dir, as the seed's guide runs it
# (`--continuous --interval 0.2`): the bridge folder of the only project of
# the current folder, or PROMPTOPT_PROJECT's, said on the first line; several
# candidates are listed; --base-dir is the seed's name for --dir.
unset PROMPTOPT_PROJECT
request() { # folder number
	mkdir -p "$1/llm_requests"
	printf '{"prompt": "Write a PR-FAQ.", "role": "generate"}' > "$1/llm_requests/.tmp"
	mv "$1/llm_requests/.tmp" "$1/llm_requests/request_$2.json"
}
# nothing here to answer
expect_exit 2 "$PO" respond --continuous --interval 0.2
expect_line err.txt "promptopt: error: respond: no project in this folder (no prompt_tuning_results_NAME/ and no bridge folder .NAME/llm_requests/); run it where the run runs, or give --project NAME or --dir PATH"
[ ! -s out.txt ] || die "respond said something on stdout"
# one project (its results folder): its bridge folder is answered
mkdir prompt_tuning_results_alpha
request .alpha 0001
"$PO" respond --continuous --interval 0.2 >cont.txt 2>&1 &
pid=$!
n=0; while [ ! -f .alpha/llm_responses/response_0001.json ] && [ $n -lt 100 ]; do sleep 0.05; n=$((n + 1)); done
kill -TERM $pid
wait $pid || die "respond exited $?"
[ -f .alpha/llm_responses/response_0001.json ] || { cat cont.txt; die "the only project's request was not answered"; }
[ "$(head -n 1 cont.txt)" = "promptopt respond: project 'alpha' (the only one in this folder; --project NAME picks another)" ] || { cat cont.txt; die "did not say which project"; }
expect_grep cont.txt "promptopt respond: answering .alpha/llm_requests/ with sim"
# a bridge folder alone counts as a project too; with two, they are listed
request .beta 0001
expect_exit 2 "$PO" respond --once
expect_line err.txt "promptopt: error: respond: this folder has 2 projects (alpha, beta); pick one with --project NAME or PROMPTOPT_PROJECT, or give the bridge folder with --dir PATH"
[ ! -f .beta/llm_responses/response_0001.json ] || die "answered a project nobody picked"
# PROMPTOPT_PROJECT picks one
expect_exit 0 env PROMPTOPT_PROJECT=beta "$PO" respond --once
expect_line out.txt "promptopt respond: project 'beta' (from PROMPTOPT_PROJECT)"
expect_file .beta/llm_responses/response_0001.json
expect_exit 3 env PROMPTOPT_PROJECT=../x "$PO" respond --once
expect_grep err.txt "invalid project name '../x'"
# folders that are not projects are not candidates
mkdir .git .promptopt prompt_tuning_results_
request .gamma 0001
rm -rf .gamma/llm_requests
expect_exit 2 "$PO" respond --once
expect_grep err.txt "this folder has 2 projects (alpha, beta)"
# the seed's --base-dir is --dir
request .beta 0002
expect_exit 0 "$PO" respond --base-dir .beta --once
expect_file .beta/llm_responses/response_0002.json
expect_grep out.txt "answering .beta/llm_requests/"
