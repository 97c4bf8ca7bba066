. "$HERE/lib.sh"
expect_exit 2 "$PO" run --project pr-faq-validator --iterations abc
expect_line err.txt "promptopt: error: --iterations expects a whole number, not 'abc'"
expect_exit 2 "$PO" run --project pr-faq-validator --iterations -3
expect_line err.txt "promptopt: error: --iterations must be between 0 and 100000, not -3"
expect_exit 2 "$PO" run --project pr-faq-validator --iterations
expect_line err.txt "promptopt: error: option --iterations needs a value"
expect_exit 2 "$PO" run --iterations 3
expect_line err.txt "promptopt: error: run needs --project NAME (e.g. --project pr-faq-validator)"
expect_exit 2 "$PO" run --project pr-faq-validator --strategy annealing
expect_line err.txt "promptopt: error: unknown strategy 'annealing'; available: hillclimb, reflect, opro, ga, demos"
expect_exit 2 "$PO" run --project pr-faq-validator --provider gpt9
expect_line err.txt "promptopt: error: unknown provider 'gpt9'; available: sim, bridge, anthropic, openai"
expect_exit 2 "$PO" run --project pr-faq-validator --frobnicate
expect_line err.txt "promptopt: error: unknown option '--frobnicate' for run; see 'promptopt run --help'"
expect_exit 2 "$PO" run --project pr-faq-validator --seed=-1
expect_exit 3 "$PO" run --project ../escape --iterations 1
expect_grep err.txt "promptopt: error: invalid project name '../escape'"
[ ! -e ../prompt_tuning_results_escape ] || die "escaped the working folder"
# nothing was created by refused runs
[ -z "$(ls)" ] || [ "$(ls | grep -v -e out.txt -e err.txt)" = "" ] || die "refused runs created files: $(ls)"
# a missing API key is reported before anything is created
env -u ANTHROPIC_API_KEY "$PO" run --project fresh --real-api >out.txt 2>err.txt
[ $? -eq 8 ] || die "missing key: wrong exit code"
expect_line err.txt "promptopt: error: anthropic: ANTHROPIC_API_KEY is not set; export it (or put it in .env), or use --provider sim"
[ ! -e prompt_tuning_results_fresh ] || die "a run without a key created the project"
