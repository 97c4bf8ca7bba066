. "$HERE/lib.sh"
# The HTML report in a real browser: a 20-iteration run of the built-in
# project on the simulator, its page opened from file:// in headless
# Chromium; the DOM has the diff's insertions, a lineage node per evaluated
# candidate and a heat map row per test case, and the console no error. The
# screenshot is kept (its path is printed). Skipped only without Chromium.
CHROME=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$CHROME" ]; then
	echo "skip: t_html_report needs Chromium (scripts/install-deps.sh installs the Debian package 'chromium')"
	exit 0
fi
SHOT=${PROMPTOPT_SCREENSHOT:-/tmp/promptopt-html-report.png}

"$PO" run --project pr-faq-validator --iterations 20 --provider sim --seed 42 >run.txt 2>&1 ||
	{ cat run.txt; die "run failed"; }
html=$(ls docs/EXPERIMENT_pr-faq-validator_*.html)
[ "$(echo "$html" | wc -l)" -eq 1 ] || die "expected one HTML report, got: $html"
size=$(wc -c <"$html")
[ "$size" -lt 2000000 ] || die "$html is $size bytes, over 2 MB"
expect_no_grep "$html" "<script"
if grep -Eq '(src|href)="(https?:)?//' "$html"; then die "$html loads something from the network"; fi

url="file://$PWD/$html"
flags="--headless --disable-gpu --no-sandbox --user-data-dir=$PWD/profile --hide-scrollbars"
timeout 60 "$CHROME" $flags --enable-logging=stderr --v=0 --dump-dom "$url" >dom.html 2>console.txt ||
	{ tail -20 console.txt; die "chromium --dump-dom failed"; }
if grep -q "Uncaught\|CONSOLE.*[Ee]rror" console.txt; then
	grep "Uncaught\|CONSOLE" console.txt; die "script errors in the console"
fi
timeout 60 "$CHROME" $flags --window-size=1280,4800 --screenshot="$SHOT" "$url" >shot.txt 2>&1 ||
	{ tail -20 shot.txt; die "chromium --screenshot failed"; }
[ -s "$SHOT" ] || die "no screenshot at $SHOT"

python3 - "$html" dom.html prompt_tuning_results_pr-faq-validator <<'PY' || die "the DOM does not hold what the report should show"
import glob, json, re, sys
src, dom, res = open(sys.argv[1]).read(), open(sys.argv[2]).read(), sys.argv[3]
ok = True
def check(cond, msg):
    global ok
    if not cond:
        print("FAILED:", msg); ok = False
check("<body" in dom and "</html>" in dom, "no document in --dump-dom")
check("<script" not in dom, "a <script> element")
diff = dom[dom.index('id="diff"'):dom.index('id="steps"')]
check(diff.count("<ins>") > 0, "no <ins> in the baseline-vs-best diff")
nodes = 0
for f in sorted(glob.glob(res + "/evaluation_iteration_*.json")):
    e = json.load(open(f))
    pop = e.get("population") or []
    nodes += len(pop) if pop else (1 if e.get("score") is not None else 0)
got = len(re.findall(r'<li class="node ', dom))
check(got == nodes, "lineage has %d nodes, the evaluation files %d candidates" % (got, nodes))
# the cases the candidates were scored on: every case, or the validation
# cases of a split
ncases = len(json.load(open(res + "/evaluation_iteration_000.json"))["cases"])
rows = len(re.findall(r'<tr class="case">', dom))
check(rows == ncases, "heat map has %d rows, the candidates were scored on %d test cases" % (rows, ncases))
accepted = sum(1 for f in glob.glob(res + "/evaluation_iteration_*.json")
               if json.load(open(f)).get("improved")) + 1
check(len(re.findall(r'<li class="node accepted"', dom)) == accepted, "accepted nodes")
check(dom.count('class="example"') >= 1, "no sample outputs side by side")
check('class="bar best"' in dom, "no criteria bars")
check("<svg" in dom, "no inline chart")
sys.exit(0 if ok else 1)
PY
echo "note: screenshot of the HTML report ($size bytes): $SHOT"
