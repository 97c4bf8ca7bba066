. "$HERE/lib.sh"
# 4 responders serve one folder; 10,000 requests, each answered exactly once.
N=10000
mkdir -p .s/llm_requests .s/llm_responses
pids=""
for k in 1 2 3 4; do
	"$PO" respond --dir .s --continuous --interval 0.05 >log$k.txt 2>&1 &
	pids="$pids $!"
done
python3 - $N <<'PY'
import json, os, sys
n = int(sys.argv[1])
d = ".s/llm_requests/"
for i in range(1, n + 1):
    roles = ("generate", "judge", "mutate")
    req = {"protocol": 1, "request_id": i, "run_id": "stress", "role": roles[i % 3],
           "prompt": "Write a PR-FAQ, number %d." % i, "sample": i}
    with open(d + ".tmp", "w") as f:
        json.dump(req, f)
    os.rename(d + ".tmp", d + "request_%04d.json" % i)
PY
n=0
while [ "$(ls .s/llm_responses | grep -c '^response_.*json$')" -lt $N ] && [ $n -lt 600 ]; do
	sleep 0.05; n=$((n + 1))
done
for p in $pids; do kill -TERM $p; done
for p in $pids; do wait $p || die "a responder exited $?"; done
[ "$(ls .s/llm_responses | grep -c '^response_.*json$')" -eq $N ] || die "not every request was answered"
[ -z "$(ls .s/llm_requests)" ] || die "requests left: $(ls .s/llm_requests | head)"
python3 - $N <<'PY' || die "not answered exactly once"
import collections, json, re, sys
n = int(sys.argv[1])
seen = collections.Counter()
busy = 0
for k in (1, 2, 3, 4):
    lines = [l for l in open("log%d.txt" % k) if " request_" in l]
    busy += bool(lines)
    for l in lines:
        assert ": answered in" in l, l
        seen[int(re.search(r"request_(\d+)\.json", l).group(1))] += 1
assert len(seen) == n and set(seen.values()) == {1}, [i for i, c in seen.items() if c != 1][:10]
assert busy >= 2, "only %d responder(s) did any work" % busy
for i in (1, n // 2, n):
    r = json.load(open(".s/llm_responses/response_%04d.json" % i))
    assert r["request_id"] == i and r["run_id"] == "stress" and r["content"], r
PY
grep -h "answered .* requests" log*.txt
