. "$HERE/lib.sh"
# `promptopt respond`: seed-style requests, bad requests answered with an error,
# one log line per request, claims of dead responders taken over, clean stop.
R=.p/llm_requests
mkdir -p $R
# requests written in place exactly as the seed's Python client wrote them (no role,
# no run_id, json.dump with indent=2)
python3 - <<'PY'
import json
def seed_write(n, prompt, system=None):
    req = {"request_id": n, "timestamp": "2025-11-24T10:15:31.402113",
           "model": "claude-3-5-sonnet-20241022", "max_tokens": 4096, "temperature": 0.7,
           "system_prompt": system, "prompt": prompt}
    with open(".p/llm_requests/request_%04d.json" % n, "w") as f:
        json.dump(req, f, indent=2)
seed_write(1, "Write a press release and FAQ for a new product: a solar kettle.")
seed_write(2, "Evaluate this PR-FAQ and return JSON with overall_score and criteria_scores.")
seed_write(3, "Improve this prompt so that the outputs score higher: Write a PR-FAQ.")
PY
# bad requests: truncated, not JSON, wrong types, unknown role, id mismatch, a folder
printf '{"prompt": "abc' > $R/request_0004.json
printf 'hello' > $R/request_0005.json
printf '{"prompt": 5}' > $R/request_0006.json
printf '{"prompt": "x", "role": "dance"}' > $R/request_0007.json
printf '{"prompt": "x", "request_id": 99}' > $R/request_0008.json
mkdir $R/request_0009.json
printf '{"prompt": "x"}' > $R/request_0010.json.tmp.123
# names with other paddings than 4 digits are served under their own numbers
printf '{"prompt": "Write a PR-FAQ.", "role": "generate"}' > $R/request_12.json
printf '{"prompt": "Write a PR-FAQ.", "role": "generate", "request_id": 13}' > $R/request_000013.json
# not regular files: a FIFO, a symbolic link (to a good request)
mkfifo $R/request_0014.json
printf '{"prompt": "x"}' > target.json
ln -s "$PWD/target.json" $R/request_0015.json
touch -h -d '-10 seconds' $R/*
expect_exit 0 "$PO" respond --project p --once
expect_grep out.txt "request_0001.json generate (detected): answered in"
expect_grep out.txt "request_0002.json judge (detected): answered in"
expect_grep out.txt "request_0003.json mutate (detected): answered in"
expect_grep out.txt "request_0004.json: error: request_0004.json is not valid JSON: 1:"
expect_grep out.txt "request_0005.json: error: request_0005.json is not valid JSON"
expect_grep out.txt "request_0006.json: error: \"prompt\" must be a string, not an integer"
expect_grep out.txt "request_0007.json: error: unknown role 'dance'; expected generate, judge or mutate"
expect_grep out.txt "request_0008.json: error: its request_id 99 does not match its file name request_0008.json"
expect_grep out.txt "request_0009.json: error: '.p/llm_requests/request_0009.json' is not a regular file"
expect_grep out.txt "request_12.json generate: answered in"
expect_grep out.txt "request_000013.json generate: answered in"
expect_grep out.txt "request_0014.json: error: '.p/llm_requests/request_0014.json' is not a regular file"
expect_grep out.txt "request_0015.json: error: '.p/llm_requests/request_0015.json' is a symbolic link, not a regular file"
# a file that looks meant as a request but is not named like one is said, once
expect_grep out.txt "notice: 'request_0010.json.tmp.123' in .p/llm_requests/ is not served: requests are named request_<number>.json"
expect_grep out.txt "answered 13 requests (8 errors, 0 taken over)"
[ "$(grep -c ' request_[0-9]*\.json' out.txt)" -eq 13 ] || die "not one line per request"
python3 - <<'PY' || die "bad responses"
import json
d = ".p/llm_responses/"
for n in (1, 2, 3):
    r = json.load(open(d + "response_%04d.json" % n))
    assert r["request_id"] == n and isinstance(r["content"], str) and r["content"], r
    assert "run_id" not in r and r["usage"]["output_tokens"] > 0, r
for n in (4, 5, 6, 7, 8, 9, 14, 15):
    r = json.load(open(d + "response_%04d.json" % n))
    assert r["request_id"] == n and r["error"] and "content" not in r, r
for name, n in (("response_12.json", 12), ("response_000013.json", 13)):
    r = json.load(open(d + name))
    assert r["request_id"] == n and r["content"], r
PY
# answered requests are gone; what is not a regular file (folder, FIFO,
# symbolic link) is set aside; the temporary file is left alone
[ "$(ls $R | tr '\n' ' ')" = "request_0009.json.rejected request_0010.json.tmp.123 request_0014.json.rejected request_0015.json.rejected " ] || die "left in requests: $(ls $R)"
[ -p $R/request_0014.json.rejected ] && [ -L $R/request_0015.json.rejected ] || die "not set aside as they were"
[ "$(cat target.json)" = '{"prompt": "x"}' ] || die "the symbolic link's target was changed"
# a second pass has nothing to do
expect_exit 0 "$PO" respond --project p --once
expect_grep out.txt "answered 0 requests"
[ "$(grep -c "notice: 'request_0010.json.tmp.123'" out.txt)" -eq 1 ] || die "the notice is not said once per run"
# a claim left by a responder that died is taken over
sh -c 'exit 0' & dead=$!; wait $dead
printf '{"prompt": "Write a PR-FAQ.", "role": "generate", "run_id": "r1", "request_id": 11}' > $R/request_0011.json.claimed.$dead
# a claim of a live process is left alone
sleep 30 & live=$!
printf '{"prompt": "x"}' > $R/request_0012.json.claimed.$live
# one that died after publishing its answer, before removing its claim: the
# claim is removed, the request is not answered twice
printf '{"prompt": "x", "request_id": 16}' > $R/request_0016.json.claimed.$dead
printf '{"request_id": 16, "content": "first answer"}' > .p/llm_responses/response_0016.json
expect_exit 0 "$PO" respond --dir .p --once
expect_grep out.txt "request_0011.json run r1 generate (taken over from a stopped responder): answered"
expect_grep out.txt "notice: request_0016.json: already answered by a responder that stopped ('.p/llm_responses/response_0016.json' exists); its claim was removed"
expect_grep out.txt "answered 1 request (0 errors, 2 taken over)"
[ ! -e $R/request_0016.json.claimed.$dead ] || die "the claim of an answered request is left"
[ "$(json_get .p/llm_responses/response_0016.json "['content']")" = "first answer" ] || die "answered twice"
[ -f $R/request_0012.json.claimed.$live ] || die "took over a live responder's claim"
kill $live
[ "$(json_get .p/llm_responses/response_0011.json "['run_id']")" = r1 ] || die "run_id not echoed"
# --continuous: answers as files appear, stops cleanly on SIGTERM and SIGINT
for sig in TERM INT; do
	"$PO" respond --dir .q --continuous --interval 5 >cont.txt 2>&1 &
	pid=$!
	n=0; while [ ! -d .q/llm_requests ] && [ $n -lt 100 ]; do sleep 0.05; n=$((n + 1)); done
	printf '{"prompt": "Write a PR-FAQ.", "role": "generate"}' > .q/llm_requests/.tmp
	mv .q/llm_requests/.tmp .q/llm_requests/request_0001.json
	n=0; while [ ! -f .q/llm_responses/response_0001.json ] && [ $n -lt 40 ]; do sleep 0.05; n=$((n + 1)); done
	# inotify, not the 5 s polling, answered it
	[ -f .q/llm_responses/response_0001.json ] || die "no response within 2 s"
	kill -$sig $pid
	wait $pid || die "respond exited $? on SIG$sig"
	expect_grep cont.txt "stopped; answered 1 request (0 errors"
	rm -rf .q
done
# usage errors
expect_exit 2 "$PO" respond --once --project p --dir .p
expect_line err.txt "promptopt: error: respond takes --project NAME or --dir PATH, not both"
expect_exit 2 "$PO" respond --dir x --once --continuous
expect_line err.txt "promptopt: error: --once and --continuous exclude each other; pick one"
expect_exit 3 "$PO" respond --project ../x
expect_exit 2 "$PO" respond --dir x --provider gpt9
expect_line err.txt "promptopt: error: unknown provider 'gpt9'; available: sim, bridge, anthropic, openai"
: > blocker
expect_exit 7 "$PO" respond --dir blocker/sub --once
expect_grep err.txt "promptopt: error: cannot set up the bridge folder 'blocker/sub'"
# a folder that is not writable (as root, checked as an unprivileged user)
AS=""
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
	AS="setpriv --reuid=65534 --regid=65534 --clear-groups"
	chmod 777 .
fi
if [ "$(id -u)" != 0 ] || [ -n "$AS" ]; then
	mkdir -p ro/llm_requests ro/llm_responses && chmod 555 ro ro/llm_requests ro/llm_responses
	printf '{"prompt": "x"}' > ro/llm_requests/request_0001.json 2>/dev/null
	expect_exit 7 $AS "$PO" respond --dir ro --once
	expect_line err.txt "promptopt: error: bridge folder 'ro' is not writable: Permission denied; fix its permissions"
	chmod 755 ro ro/llm_requests ro/llm_responses
fi
# without inotify (here: the user's inotify instances used up), the responder
# says once that it polls every --interval, and does
NPY=""
for py in "$(command -v python3)" /usr/bin/python3; do
	if [ -n "$AS" ] && [ -x "$py" ] && $AS "$py" -c pass 2>/dev/null; then NPY=$py; break; fi
done
if [ -n "$NPY" ]; then
	mkdir -m 777 np
	$AS "$NPY" -c '
import ctypes, resource, time
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
libc = ctypes.CDLL(None, use_errno=True)
fds = []
while libc.inotify_init() >= 0:
    fds.append(1)
open("np/hog.ready", "w").write(str(len(fds)))
time.sleep(20)' &
	hog=$!
	n=0; while [ ! -s np/hog.ready ] && [ $n -lt 100 ]; do sleep 0.05; n=$((n + 1)); done
	$AS "$PO" respond --dir np/b --continuous --interval 0.1 >np.txt 2>&1 &
	pid=$!
	n=0; while ! grep -q "answering" np.txt && [ $n -lt 100 ]; do sleep 0.05; n=$((n + 1)); done
	kill $hog; wait $hog
	printf '{"prompt": "Write a PR-FAQ.", "role": "generate"}' > np/b/llm_requests/.tmp
	mv np/b/llm_requests/.tmp np/b/llm_requests/request_0001.json
	n=0; while [ ! -f np/b/llm_responses/response_0001.json ] && [ $n -lt 100 ]; do sleep 0.05; n=$((n + 1)); done
	kill -TERM $pid
	wait $pid || die "respond exited $?"
	expect_grep np.txt "notice: inotify is not available (Too many open files): polling np/b/llm_requests/ every 0.1 s (--interval)"
	[ "$(grep -c 'notice: inotify' np.txt)" -eq 1 ] || die "the notice is not said once"
	expect_grep np.txt "request_0001.json generate: answered in"
fi
