"""The batch APIs of the mock LLM server (imported by mock_llm.py):
Anthropic's Message Batches (POST /v1/messages/batches, GET .../{id},
GET .../{id}/results) and OpenAI's Batch (POST /v1/files multipart,
POST /v1/batches, GET /v1/batches/{id}, GET /v1/files/{id}/content).

Each request of a batch is answered as the ordinary endpoint would answer
it (the same canned replies and usage), so a run gives the same scores
with and without the batch API.

A batch moves validating -> in_progress -> ended/completed after `polls`
polls. What goes wrong is set by POST /_mock/batch with an object (or
mock_llm.py --batch JSON), kept until the next one:
  polls=N       polls before the batch ends (default 2)
  hold=true     does not end while set (a run killed while it is pending);
                hold and polls apply to the batches made before too
  hold_after=N  the same for the batches after the N-th
  fail_poll=N   the next N polls answer HTTP 500
  errors=N      the first N requests come back errored
  expire=true   every request expired (OpenAI: the batch expired)
  cancel=true   every request canceled (OpenAI: the batch was cancelled)
  reject=true   creation answers HTTP 400 (a bad JSONL line / too many requests)
  invalid=true  OpenAI: the batch fails validation (status failed, a line named)
  bad_line=true the second results line is not JSON
  unknown_id=true an extra results line with custom_id "zz9"
/_mock/stats counts batches_created, batch_polls and batch_requests.
"""
import json
import re
import threading

LOCK = threading.Lock()
OPTS = {}
BATCHES = {}
FILES = {}
COUNT = {"batches_created": 0, "batch_polls": 0, "batch_requests": 0, "files": 0}


def configure(obj):
    with LOCK:
        OPTS.clear()
        OPTS.update(obj or {})


def reset():
    with LOCK:
        BATCHES.clear()
        FILES.clear()
        for k in COUNT:
            COUNT[k] = 0


def stats():
    with LOCK:
        return dict(COUNT)


def error_json(api, status, msg):
    if api == "anthropic":
        return status, {"type": "error", "error": {"type": "invalid_request_error", "message": msg}}
    return status, {"error": {"message": msg, "type": "invalid_request_error", "code": None}}


def handles(path):
    return bool(re.match(r"^(/v1)?/(messages/batches|batches|files)(/|$)", path))


def api_of(path):
    return "anthropic" if "/messages/batches" in path else "openai"


def answer_all(batch, plan):
    """Results per custom_id: ("ok", body) or ("error", status, body)."""
    out = []
    for i, (cid, params) in enumerate(batch["requests"]):
        r = plan(batch["api"], batch["headers"], json.dumps(params), 100000 + i)
        body = json.loads(r.body.decode() or "{}")
        out.append((cid, r.status, body))
    return out


def anthropic_lines(batch, answers):
    lines = []
    for i, (cid, status, body) in enumerate(answers):
        if batch["opts"].get("expire"):
            res = {"type": "expired"}
        elif batch["opts"].get("cancel"):
            res = {"type": "canceled"}
        elif i < int(batch["opts"].get("errors", 0)) or status != 200:
            res = {"type": "errored", "error": {"type": "error", "error": {
                "type": "api_error", "message": "Internal server error"}}}
        else:
            res = {"type": "succeeded", "message": body}
        lines.append(json.dumps({"custom_id": cid, "result": res}))
    return lines


def openai_files(batch, answers):
    out, err = [], []
    for i, (cid, status, body) in enumerate(answers):
        line = {"id": "batch_req_%d" % i, "custom_id": cid, "error": None}
        if batch["opts"].get("expire") or batch["opts"].get("cancel"):
            code = "batch_expired" if batch["opts"].get("expire") else "batch_cancelled"
            line.update(response=None, error={"code": code, "message": "not run: " + code})
            err.append(json.dumps(line))
        elif i < int(batch["opts"].get("errors", 0)) or status != 200:
            line["response"] = {"status_code": 500, "request_id": "req_%d" % i,
                                "body": {"error": {"message": "Internal server error",
                                                   "type": "server_error"}}}
            err.append(json.dumps(line))
        else:
            line["response"] = {"status_code": 200, "request_id": "req_%d" % i, "body": body}
            out.append(json.dumps(line))
    return out, err


def finish(batch, plan):
    """Computes the results once, the first time the batch ends."""
    if batch.get("done"):
        return
    answers = answer_all(batch, plan)
    if batch["api"] == "anthropic":
        lines = anthropic_lines(batch, answers)
        errs = []
    else:
        lines, errs = openai_files(batch, answers)
    if batch["opts"].get("bad_line") and lines:
        lines.insert(1, '{"custom_id": "r1", "result": {"type": "succ')
        lines.pop(2 if len(lines) > 2 else 1)
    if batch["opts"].get("unknown_id"):
        lines.append(lines[0].replace('"r0"', '"zz9"'))
    batch["out"] = "\n".join(lines) + ("\n" if lines else "")
    batch["err"] = "\n".join(errs) + ("\n" if errs else "")
    batch["done"] = True
    if batch["api"] == "openai":
        with LOCK:
            if lines:
                FILES["file-out-" + batch["id"]] = batch["out"]
            if errs:
                FILES["file-err-" + batch["id"]] = batch["err"]


def multipart_file(headers, raw):
    m = re.search(r"boundary=\"?([^\";]+)", headers.get("Content-Type") or "")
    if not m:
        return None, None
    purpose, content = None, None
    for part in raw.split(b"--" + m.group(1).encode()):
        head, _, body = part.partition(b"\r\n\r\n")
        body = body[:-2] if body.endswith(b"\r\n") else body
        if b'name="purpose"' in head:
            purpose = body.decode()
        elif b'name="file"' in head:
            content = body.decode()
    return purpose, content


def create(api, path, headers, raw, base):
    opts = dict(OPTS)
    if opts.get("reject"):
        return error_json(api, 400, "requests: too many requests in one batch, or line 2 is not valid JSONL")
    if api == "anthropic":
        req = json.loads(raw)
        reqs = [(r["custom_id"], r["params"]) for r in req["requests"]]
    else:
        req = json.loads(raw)
        text = FILES.get(req.get("input_file_id"))
        if text is None:
            return error_json(api, 404, "no such file: %s" % req.get("input_file_id"))
        reqs = []
        for line in text.splitlines():
            if line.strip():
                r = json.loads(line)
                reqs.append((r["custom_id"], r["body"]))
    with LOCK:
        COUNT["batches_created"] += 1
        COUNT["batch_requests"] += len(reqs)
        n = COUNT["batches_created"]
        bid = ("msgbatch_mock_%d" if api == "anthropic" else "batch_mock_%d") % n
        BATCHES[bid] = {"id": bid, "n": n, "api": api, "requests": reqs, "polls": 0, "opts": opts,
                        "headers": headers, "base": base}
    return 200, describe(BATCHES[bid], None)


def describe(b, plan):
    # hold and polls are read live: a test releases a held batch
    with LOCK:
        live = dict(OPTS)
    held = live.get("hold") or ("hold_after" in live and b["n"] > int(live["hold_after"]))
    ended = not held and b["polls"] >= int(live.get("polls", 2))
    if ended and plan:
        finish(b, plan)
    n = len(b["requests"])
    if b["api"] == "anthropic":
        return {"id": b["id"], "type": "message_batch",
                "processing_status": "ended" if ended else "in_progress",
                "request_counts": {"processing": 0 if ended else n, "succeeded": n if ended else 0,
                                   "errored": 0, "canceled": 0, "expired": 0},
                "results_url": (b["base"] + "/v1/messages/batches/%s/results" % b["id"]) if ended else None}
    o = b["opts"]
    status = ("validating" if b["polls"] == 0 else "in_progress") if not ended else \
        "failed" if o.get("invalid") else "expired" if o.get("expire") else \
        "cancelled" if o.get("cancel") else "completed"
    d = {"id": b["id"], "object": "batch", "endpoint": "/v1/chat/completions",
         "completion_window": "24h", "status": status, "output_file_id": None,
         "error_file_id": None, "request_counts": {"total": n, "completed": 0, "failed": 0}}
    if status == "failed":
        d["errors"] = {"object": "list", "data": [{"code": "invalid_json_line", "line": 2,
                                                    "message": "This line is not parseable as valid JSON."}]}
    elif ended:
        if "file-out-" + b["id"] in FILES:
            d["output_file_id"] = "file-out-" + b["id"]
        if "file-err-" + b["id"] in FILES:
            d["error_file_id"] = "file-err-" + b["id"]
    return d


def get(path, plan):
    """(status, body, content type) of a GET, or None when not ours."""
    m = re.match(r"^(?:/v1)?/messages/batches/([^/]+)(/results)?$", path) or \
        re.match(r"^(?:/v1)?/batches/([^/]+)()$", path)
    if m:
        b = BATCHES.get(m.group(1))
        if not b:
            return 404, json.dumps(error_json(api_of(path), 404, "no batch %s" % m.group(1))[1]), "application/json"
        if m.group(2):
            finish(b, plan)
            return 200, b["out"], "application/binary"
        with LOCK:
            COUNT["batch_polls"] += 1
            if int(OPTS.get("fail_poll", 0)) > 0:
                OPTS["fail_poll"] = int(OPTS["fail_poll"]) - 1
                return 500, json.dumps({"error": {"message": "poll failed", "type": "server_error"}}), "application/json"
            b["polls"] += 1
        return 200, json.dumps(describe(b, plan)), "application/json"
    m = re.match(r"^(?:/v1)?/files/([^/]+)/content$", path)
    if m:
        text = FILES.get(m.group(1))
        if text is None:
            return 404, json.dumps({"error": {"message": "no such file"}}), "application/json"
        return 200, text, "application/jsonl"
    return None


def post(path, headers, raw_bytes, base):
    api = api_of(path)
    if re.match(r"^(?:/v1)?/files$", path):
        purpose, content = multipart_file(headers, raw_bytes)
        if purpose != "batch" or content is None:
            return error_json(api, 400, "expected a multipart upload with purpose=batch and a file")
        with LOCK:
            COUNT["files"] += 1
            fid = "file-in-%d" % COUNT["files"]
            FILES[fid] = content
        return 200, {"id": fid, "object": "file", "purpose": "batch", "bytes": len(content)}
    if re.match(r"^(?:/v1)?/(messages/batches|batches)$", path):
        try:
            return create(api, path, headers, raw_bytes.decode(), base)
        except (ValueError, KeyError, TypeError) as e:
            return error_json(api, 400, "bad batch request: %s" % e)
    return error_json(api, 404, "no route " + path)
