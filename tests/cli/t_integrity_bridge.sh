. "$HERE/lib.sh"
# Mutation integrity through the bridge, answered by a hand-written responder
# (below) whose mutate replies break the template in turn: the line with
# {input} deleted (cannot be put back: rejected), {input} replaced by a phrase
# (put back: evaluated), an unknown placeholder {context} (rejected). Its judge
# scores outputs of prompts that say "BETTER" higher, so before the check a
# template without {input} won and was deployed. Now: no generate request
# ever carries a template without {input}, the deployed prompts file keeps
# it, and the rejections are counted in the results, summary and report.
P=myproj
expect_exit 0 "$PO" init $P

cat > responder.py <<'PY'
import json, os, re, sys, time
d = sys.argv[1]
req, resp = d + "/llm_requests", d + "/llm_responses"
log = open("templates.log", "a")
n_mutate = 0
def between(s, a, b):
    i = s.find(a)
    j = s.find(b, i + len(a)) if i >= 0 else -1
    return s[i + len(a):j] if j >= 0 else None
def answer(r):
    global n_mutate
    role, prompt = r.get("role"), r["prompt"]
    if role == "generate":
        log.write(json.dumps(r["metadata"]["template"]) + "\n")
        log.flush()
        return ("BETTER " if "BETTER" in prompt else "") + "Reset it from the login page."
    if role == "judge":
        out = between(prompt, "<output_to_evaluate>", "</output_to_evaluate>") or ""
        s = 4.5 if "BETTER" in out else 2.0
        return json.dumps({"overall_score": s, "feedback": "ok", "improvements": ["be better"]})
    n_mutate += 1
    t = between(prompt, "<current_prompt>", "</current_prompt>").strip()
    kind = n_mutate % 3
    if kind == 1:    # the line with {input} deleted
        t = "\n".join(l for l in t.split("\n") if "{input}" not in l)
    elif kind == 2:  # {input} replaced by a phrase, as a model simplifying it
        t = t.replace("{input}", "the customer's question")
    else:            # a placeholder no test case provides
        t += "\nContext: {context}"
    return "<prompt>%s\nBETTER answers, take %d.</prompt>" % (t, n_mutate)
deadline = time.time() + 120
while time.time() < deadline and not os.path.exists("stop"):
    for name in sorted(os.listdir(req)):
        m = re.fullmatch(r"request_(\d+)\.json", name)
        if not m:
            continue
        claim = "%s/%s.claimed.%d" % (req, name, os.getpid())
        try:
            os.rename(req + "/" + name, claim)
        except OSError:
            continue
        r = json.load(open(claim))
        out = {"request_id": r.get("request_id"), "run_id": r.get("run_id"), "content": answer(r)}
        tmp = "%s/.hand.%s" % (resp, m.group(1))
        with open(tmp, "w") as f:
            json.dump(out, f)
        os.rename(tmp, "%s/response_%s.json" % (resp, m.group(1)))
        os.unlink(claim)
    time.sleep(0.02)
PY

mkdir -p .$P/llm_requests .$P/llm_responses
python3 responder.py .$P >responder.txt 2>&1 &
rp=$!
trap 'touch stop; kill $rp 2>/dev/null' EXIT
expect_exit 0 "$PO" run --strategy hillclimb --project $P --provider bridge --no-auto-responder --split none \
	--iterations 6 --no-convergence --timeout 30
touch stop
wait $rp || die "responder failed: $(cat responder.txt)"

# No generate request ran a template without {input}; some ran a repaired one.
[ -s templates.log ] || die "no generate request reached the responder"
if grep -v '{input}' templates.log >bad.txt; then
	die "a template without {input} was evaluated: $(head -n 3 bad.txt)"
fi
grep -q 'Question: {input}.*BETTER answers, take 2' templates.log ||
	die "the repaired candidate was not evaluated: $(sort -u templates.log)"
grep -q 'take 1\.' templates.log && die "the candidate without its {input} line was evaluated"
grep -q '{context}' templates.log && die "the candidate with {context} was evaluated"

# The deployed prompts keep the placeholder (the repaired candidate won).
R=prompt_tuning_results_$P
python3 - "$R" <<'PY' || die "bad results: $(cat $R/prompts_$P.json)"
import json, sys
r = sys.argv[1]
deployed = json.load(open(r + "/prompts_myproj.json"))["main"]
assert "Question: {input}" in deployed and "BETTER" in deployed, deployed
f = json.load(open(r + "/optimization_final_results.json"))
assert f["best_prompts"]["main"] == deployed
rej = f["candidates_rejected"]
assert rej == {"lost_placeholder": 2, "unknown_placeholder": 2, "empty": 0, "duplicate": 0,
               "too_long": 0, "unusable_reply": 0, "total": 4}, rej
assert f["candidates_repaired"] == 2, f["candidates_repaired"]
h = {e["iteration"]: e for e in f["iteration_history"]}
for k in (1, 4):
    assert h[k]["candidate"] == "none" and h[k]["rejected"] == {"lost_placeholder": 1}, h[k]
for k in (3, 6):
    assert h[k]["candidate"] == "none" and h[k]["rejected"] == {"unknown_placeholder": 1}, h[k]
assert h[2]["improved"] and "rejected" not in h[2], h[2]
assert all(e["prompt_chars"] > 0 for e in f["iteration_history"] if e["candidate"] != "none")
assert f["prompt_length"]["best_chars"] == len(deployed), f["prompt_length"]
pop = json.load(open(r + "/evaluation_iteration_002.json"))["population"]
assert pop and pop[0]["prompt_chars"] == len(deployed), pop
PY
expect_grep err.txt "promptopt: warning: iteration 1: no candidate (candidate rejected before evaluation (lost_placeholder): template 'main' lost {input}, which the test cases provide, and it cannot be put back unambiguously)"
expect_grep err.txt "promptopt: warning: iteration 3: no candidate (candidate rejected before evaluation (unknown_placeholder): template 'main' uses {context}, which no test case input provides)"
expect_line out.txt "Candidates rejected before evaluation: 4 (lost_placeholder 2, unknown_placeholder 2); placeholders put back: 2"
report=$(ls docs/EXPERIMENT_${P}_*.md)
expect_grep "$report" "## Candidates Rejected"
expect_grep "$report" "| lost a placeholder the test cases provide (\`lost_placeholder\`) | 2 |"
expect_grep "${report%.md}.html" "<h2 id=\"rejected\">Candidates rejected</h2>"

# The cap: every candidate here is longer than 120 characters (the baseline
# too, but it is never rejected): no candidate is evaluated.
expect_exit 0 "$PO" run --strategy hillclimb --project $P --provider sim --split none --iterations 2 --no-report \
	--max-prompt-chars 120 --results-dir capped
python3 -c "
import json; f = json.load(open('capped/optimization_final_results.json'))
assert f['candidates_rejected']['too_long'] >= 1, f['candidates_rejected']
assert f['prompt_length']['max_prompt_chars'] == 120
assert f['prompt_length']['best_chars'] == f['prompt_length']['baseline_chars']
assert all(h['candidate'] == 'none' for h in f['iteration_history'][1:])" || die "the cap was not applied"
expect_exit 2 "$PO" run --strategy hillclimb --project $P --max-prompt-chars -1
expect_grep err.txt "--max-prompt-chars"

# The counts are in the checkpoint: a run resumed half-way counts the whole
# run, as the uninterrupted one does (ticket-router: its mutations often
# repeat an earlier candidate).
T=ticket-router
expect_exit 0 "$PO" run --strategy hillclimb --project $T --provider sim --iterations 16 --no-convergence --no-report \
	--results-dir whole
expect_exit 0 "$PO" run --strategy hillclimb --project $T --provider sim --iterations 8 --no-convergence --no-report \
	--results-dir halves
expect_exit 0 "$PO" run --strategy hillclimb --project $T --provider sim --iterations 16 --no-convergence --no-report \
	--results-dir halves --resume
expect_grep out.txt "Resuming after iteration 8 of 16"
python3 -c "
import json
w, h = (json.load(open(d + '/optimization_final_results.json')) for d in ('whole', 'halves'))
assert w['candidates_rejected']['total'] > 0, w['candidates_rejected']
assert w['candidates_rejected'] == h['candidates_rejected'], (w['candidates_rejected'], h['candidates_rejected'])
assert w['candidates_repaired'] == h['candidates_repaired']
assert w['iteration_history'] == h['iteration_history']" || die "a resumed run lost its counts"

# The length penalty decides where acceptance compares: every accepted
# candidate beat the best by more than its length cost, no other did, and at
# least one candidate with a higher score was turned down for its length.
expect_exit 0 "$PO" run --strategy hillclimb --project pr-faq-validator --provider sim --iterations 30 --no-convergence \
	--no-report --split none --length-penalty 20 --seed 3 --results-dir penalty
python3 - <<'PY' || die "the length penalty was not applied as documented"
import json
f = json.load(open('penalty/optimization_final_results.json'))
h, P = f['iteration_history'], 20
assert f['prompt_length']['length_penalty'] == P
base = h[0]['prompt_chars']
best, inc, blocked = h[0]['score'], base, 0
ex = lambda c: max(0, c - base)
for e in h[1:]:
    if e['score'] is None:
        continue
    cost = P * (ex(e['prompt_chars']) - ex(inc)) / 1000
    assert e['improved'] == (e['score'] - cost > best), (e, best, cost)
    if e['improved']:
        best, inc = e['score'], e['prompt_chars']
    elif e['score'] > best:
        blocked += 1
assert blocked >= 1, "no candidate was turned down for its length"
PY
