. "$HERE/lib.sh"
# A person answering the bridge by hand writes response_N.json and may leave
# request_N.json where it is: the run removes the request when it takes the
# response, and a responder that finds a request already answered removes it
# instead of answering it twice.
# The "person": answers every request it finds with what the simulator says
# (through a scratch folder), writing the response file without touching the
# request.
cat > person.py <<'PY'
import os, shutil, subprocess, sys, time
po, live = sys.argv[1], sys.argv[2]
req, resp = '.p/llm_requests', '.p/llm_responses'
done = set()
while os.path.exists(live):
    todo = [n for n in os.listdir(req) if n.startswith('request_') and n.endswith('.json')
            and n not in done] if os.path.isdir(req) else []
    if not todo:
        time.sleep(0.02)
        continue
    shutil.rmtree('scratch', ignore_errors=True)
    os.makedirs('scratch/llm_requests')
    for n in todo:
        shutil.copy(os.path.join(req, n), 'scratch/llm_requests/' + n)
    subprocess.run([po, 'respond', '--dir', 'scratch', '--once', '-q'], check=True)
    for n in todo:
        r = n.replace('request_', 'response_')
        shutil.copy('scratch/llm_responses/' + r, os.path.join(resp, '.hand.tmp'))
        os.rename(os.path.join(resp, '.hand.tmp'), os.path.join(resp, r))
        done.add(n)
PY
mkdir -p .p/llm_requests .p/llm_responses
: > live
python3 person.py "$PO" live &
person=$!
expect_exit 0 "$PO" run --project p --split none --iterations 1 --no-report --no-auto-responder --timeout 20
rm live
wait $person || die "the person failed"
left=$(ls .p/llm_requests | grep -c '^request_.*\.json$')
[ "$left" -eq 0 ] || die "$left answered requests were left for a responder to answer again"
# a responder meeting a request answered by hand removes it, answers nothing
printf '{"prompt": "Write a PR-FAQ.", "role": "generate"}' > .p/llm_requests/request_9000.json
printf '{"request_id": 9000, "content": "by hand"}' > .p/llm_responses/response_9000.json
expect_exit 0 "$PO" respond --project p --once
expect_grep out.txt "notice: request_9000.json: already answered ('.p/llm_responses/response_9000.json' exists, written by hand?); the request was removed"
expect_grep out.txt "answered 0 requests"
[ ! -e .p/llm_requests/request_9000.json ] || die "the request answered by hand is still there"
[ "$(cat .p/llm_responses/response_9000.json)" = '{"request_id": 9000, "content": "by hand"}' ] || die "the hand-written answer was replaced"
# docs/troubleshooting.md's recipe: a request claimed by hand (the shell's pid)
# is left alone by a responder; the person's answer is published whole
printf '{"prompt": "Write a PR-FAQ.", "role": "generate"}' > .p/llm_requests/request_9100.json
mv .p/llm_requests/request_9100.json .p/llm_requests/request_9100.json.claimed.$$
expect_exit 0 "$PO" respond --project p --once
expect_grep out.txt "answered 0 requests"
[ -e .p/llm_requests/request_9100.json.claimed.$$ ] || die "a responder took a live claim made by hand"
printf '%s' '{"content": "the answer text"}' > .p/llm_responses/.answer.tmp
mv .p/llm_responses/.answer.tmp .p/llm_responses/response_9100.json
rm .p/llm_requests/request_9100.json.claimed.$$
expect_exit 0 "$PO" respond --project p --once
expect_grep out.txt "answered 0 requests"
[ "$(json_get .p/llm_responses/response_9100.json "['content']")" = "the answer text" ] || die "the hand answer changed"
