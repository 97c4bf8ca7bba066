# Issue 14, hostile input 6: project files, .env, price tables and batch
# configs that are not regular files (a FIFO, /dev/zero, a folder) or are
# larger than the cap (64 MiB; PROMPTOPT_MAX_FILE_MB raises it): a clear
# error naming the file, no hang, no out-of-memory abort.
. "$HERE/lib.sh"
# nothing may hang: every command gets 20 s
t() { timeout 20 "$@"; }
# a test-case file that is a FIFO with no writer
"$PO" init fifo >/dev/null
rm prompt_tuning_results_fifo/test_cases_fifo.json
mkfifo prompt_tuning_results_fifo/test_cases_fifo.json
expect_exit 7 t "$PO" run --project fifo --iterations 1 --no-report
expect_line err.txt "promptopt: error: cannot read 'prompt_tuning_results_fifo/test_cases_fifo.json': it is a FIFO (named pipe), not a file; give the path of a regular file"
# a prompts file that is /dev/zero
"$PO" init zero >/dev/null
ln -sf /dev/zero prompt_tuning_results_zero/prompts_zero.json
expect_exit 7 t "$PO" run --project zero --iterations 1 --no-report
expect_grep err.txt "prompts_zero.json': it is a device, not a file"
# a config that is a folder
"$PO" init folder >/dev/null
rm prompt_tuning_results_folder/config_folder.json
mkdir prompt_tuning_results_folder/config_folder.json
expect_exit 7 t "$PO" run --project folder --iterations 1 --no-report
expect_grep err.txt "config_folder.json': it is a folder, not a file"
# .env: a FIFO, before any command runs
mkfifo .env
expect_exit 7 t "$PO" status --project fifo
expect_line err.txt "promptopt: error: cannot read '.env': it is a FIFO (named pipe), not a file; give the path of a regular file"
rm .env
# price tables and batch configs: /dev/zero and a FIFO
"$PO" init good >/dev/null
expect_exit 7 t "$PO" run --project good --iterations 1 --no-report --prices /dev/zero
expect_grep err.txt "cannot read '/dev/zero': it is a device, not a file"
mkfifo batch.fifo
expect_exit 7 t "$PO" batch --config batch.fifo --no-report
expect_grep err.txt "cannot read 'batch.fifo': it is a FIFO (named pipe), not a file"
# a file over the cap (sparse: no disk used), and the variable that raises it
truncate -s 65M big.json
expect_exit 7 t "$PO" batch --config big.json --no-report
expect_line err.txt "promptopt: error: cannot read 'big.json': it is larger than the limit of 64 MiB; set PROMPTOPT_MAX_FILE_MB to raise it"
PROMPTOPT_MAX_FILE_MB=1 expect_exit 7 t "$PO" run --project good --iterations 1 --no-report --prices big.json
expect_grep err.txt "it is larger than the limit of 1 MiB"
PROMPTOPT_MAX_FILE_MB=100 expect_exit 4 t "$PO" batch --config big.json --no-report
expect_grep err.txt "big.json"
