#!/usr/bin/env python3
"""Mock Anthropic (POST /v1/messages) and OpenAI-compatible
(POST /v1/chat/completions) server for the tests and the benchmark.

Listens on 127.0.0.1 only, on a free port it prints as "PORT <n>" (and
writes to --port-file). It answers with canned but valid content: a judge
JSON for judge prompts, a <prompt>...</prompt> that keeps the template's
placeholders for mutate prompts, a short document otherwise.

Misbehaviour is chosen per request, first match wins:
  1. the queue filled by POST /_mock/queue {"behaviors": ["429,retry-after=1", ...]}
  2. the X-Mock request header
  3. a [[mock:...]] marker anywhere in the request body
  4. --default (default "ok")
A behaviour is comma-separated tokens:
  ok | latency=MS | 400 401 403 404 429 500 503 529 (status) | quota |
  retry-after=S | retry-after-ms=MS | badjson (a 200 body cut after its usage) |
  cut | endless | huge=BYTES |
  flaky=N (the status token applies to the first N requests with the same body,
  then ok) | ratelimit=REMAINING | strerror (OpenAI: "error" as a string) |
  nousage | cachetokens | echokey (the reply text and model name carry the
  request's API key, as a careless server's might)
Anthropic's prompt cache: text up to a block marked cache_control is written
by the first request that carries it (cache_creation_input_tokens) and read
by the next ones (cache_read_input_tokens), tokens counted as len / 4;
/_mock/stats counts cache_writes and cache_reads.
Models whose name contains "no-temp" refuse a temperature with a 400.
GET /_mock/stats returns counters (requests, max_in_flight,
connections, statuses, last_headers, last_body, last_pairwise_body: the last
request that held a pairwise judge prompt); POST /_mock/reset clears them.
A pairwise judge prompt (two outputs between <output_a> and <output_b>) is
answered with a verdict {"winner", "strength", "reason"}.
The providers' batch APIs, and how to make them misbehave (POST
/_mock/batch), are in mock_batch.py (threads transport only).

Two transports give the same answers: --server threads (http.server, a
thread per connection; the default, used by the tests) and --server asyncio
(an event loop per process, latency as a timer; used by bench_http, where
the threaded server's CPU time limits high concurrencies on a small machine).
"""
import argparse
import asyncio
import hashlib
import itertools
import json
import os
import re
import signal
import socket
import sys
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mock_batch  # noqa: E402

LOCK = threading.Lock()
STATE = {"queue": [], "requests": 0, "prompt_cache": set(), "cache_reads": 0, "cache_writes": 0, "temperature_refused": 0, "by_path": {}, "in_flight": 0,
         "max_in_flight": 0,
         "flaky": {}, "last_headers": {}, "statuses": {}, "connections": 0,
         "last_body": None, "last_pairwise_body": None}
OPTS = None


def parse_behavior(text):
    b = {"status": 200}
    for tok in (t.strip() for t in text.split(",")):
        if not tok:
            continue
        key, _, val = tok.partition("=")
        if key.isdigit():
            b["status"] = int(key)
        elif key in ("latency", "retry-after", "retry-after-ms", "huge", "flaky", "ratelimit"):
            b[key] = val
        else:
            b[key] = True
    return b


def choose(headers, raw):
    with LOCK:
        if STATE["queue"]:
            return parse_behavior(STATE["queue"].pop(0))
    if headers.get("X-Mock"):
        return parse_behavior(headers.get("X-Mock"))
    m = re.search(r"\[\[mock:([^\]]*)\]\]", raw)
    if m:
        return parse_behavior(m.group(1))
    return parse_behavior(OPTS.default)


def request_text(api, req):
    parts = []
    if api == "anthropic" and isinstance(req.get("system"), str):
        parts.append(req["system"])
    for m in req.get("messages") or []:
        c = m.get("content") if isinstance(m, dict) else None
        if isinstance(c, str):
            parts.append(c)
        elif isinstance(c, list):
            # Anthropic's text blocks, the parts of one message.
            parts.append("".join(blk.get("text", "") for blk in c
                                 if isinstance(blk, dict) and isinstance(blk.get("text"), str)))
    return "\n".join(parts)


def cached_prefix(api, req):
    """Anthropic's prompt cache: the text up to the last block marked with
    cache_control (system and messages), or None."""
    if api != "anthropic":
        return None
    text, marked = [], None
    sysp = req.get("system")
    if isinstance(sysp, str):
        text.append(sysp + "\n")
    for m in req.get("messages") or []:
        c = m.get("content") if isinstance(m, dict) else None
        for blk in (c if isinstance(c, list) else []):
            if isinstance(blk, dict) and isinstance(blk.get("text"), str):
                text.append(blk["text"])
                if isinstance(blk.get("cache_control"), dict):
                    marked = "".join(text)
    return marked


MUTATIONS = itertools.count(1)


def canned_reply(text):
    """generate / judge / mutate, detected from the prompt as the seed did."""
    m = re.search(r"<current_prompt>\n?(.*?)</current_prompt>", text, re.S)
    if m:
        # Each mutation differs from the ones before, as a sampled model's
        # would: promptopt rejects a candidate it has evaluated already.
        n = next(MUTATIONS)
        tpl = m.group(1).rstrip("\n")
        return ("Here is the improved template.\n<prompt>\n" + tpl +
                "\nQuantify the customer problem with a figure" +
                ("." if n == 1 else " (take %d)." % n) + "\n</prompt>")
    if "<output_a>" in text and "<output_b>" in text:
        h = int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)
        return json.dumps({"winner": "AB"[h % 2], "strength": 1 + h % 5,
                           "reason": "a mock verdict"})
    if "overall_score" in text:
        keys = re.findall(r'"([A-Za-z0-9_]+)": <number from 0 to 5>', text)
        keys = [k for k in keys if k != "overall_score"]
        h = int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)
        score = 2.5 + (h % 21) / 10.0
        return json.dumps({
            "overall_score": score,
            "criteria_scores": {k: score for k in keys},
            "content_quality": "solid draft",
            "feedback": "The problem is not quantified.",
            "strengths": ["clear headline"],
            "improvements": ["a quantified customer problem"],
            "evolutionary_strategy": "ask for figures",
        })
    first = text.strip().splitlines()[0][:80] if text.strip() else "empty prompt"
    return ("# Press release\n\nA mock answer to: " + first +
            "\n\n## FAQ\n\nQ: What does it cost?\nA: Nothing.\n")


class Reply:
    """What to answer to an API request, after `delay` seconds:
    mode "send" (status, headers, body), "cut" (a 200 that promises 4000
    bytes, sends a few and closes) or "endless" (a chunked 200 that never
    ends)."""
    __slots__ = ("status", "headers", "body", "delay", "mode")

    def __init__(self, status, headers, body=b"", delay=0.0, mode="send"):
        self.status, self.headers, self.body = status, headers, body
        self.delay, self.mode = delay, mode


CUT_START = b'{"id":"msg_cut","content":[{"type":"text","text":"par'
ENDLESS_START = b'{"id":"msg_endless","content":[{"type":"text","text":"'


def api_of(path):
    if path.endswith("/v1/messages"):
        return "anthropic"
    if path.endswith("/chat/completions"):
        return "openai"
    return None


def control(path, raw):
    """POST /_mock/queue and /_mock/reset: (status, answer)."""
    if path == "/_mock/queue":
        req = json.loads(raw or "{}")
        with LOCK:
            STATE["queue"].extend(req.get("behaviors", []))
            return 200, {"queued": len(STATE["queue"])}
    if path == "/_mock/batch":
        mock_batch.configure(json.loads(raw or "{}"))
        return 200, {"ok": True}
    if path == "/_mock/reset":
        mock_batch.reset()
        with LOCK:
            STATE.update(queue=[], requests=0, temperature_refused=0, by_path={},
                         max_in_flight=0, flaky={},
                         last_headers={}, statuses={}, connections=0,
                         prompt_cache=set(), cache_reads=0, cache_writes=0)
        return 200, {"ok": True}
    return 404, {"error": "no such control"}


def stats():
    with LOCK:
        s = {k: v for k, v in STATE.items() if k not in ("queue", "flaky", "prompt_cache")}
        s["queued"] = len(STATE["queue"])
    s.update(mock_batch.stats())
    return s


def begin(path, headers):
    """Counts an API request in; returns its id."""
    with LOCK:
        STATE["requests"] += 1
        STATE["by_path"][path] = STATE["by_path"].get(path, 0) + 1
        STATE["in_flight"] += 1
        STATE["max_in_flight"] = max(STATE["max_in_flight"], STATE["in_flight"])
        STATE["last_headers"] = {k.lower(): v for k, v in headers.items()}
        return STATE["requests"]


def end():
    with LOCK:
        STATE["in_flight"] -= 1


def error_body(api, etype, msg, b):
    if api == "anthropic":
        return {"type": "error", "error": {"type": etype, "message": msg}}
    if b.get("strerror"):
        return {"error": msg}
    return {"error": {"message": msg, "type": etype, "code": etype}}


def auth_error(api, headers):
    want = OPTS.api_key
    if not want:
        return None
    if api == "anthropic":
        got = headers.get("x-api-key")
        if headers.get("anthropic-version") != "2023-06-01":
            return (400, "invalid_request_error", "anthropic-version header is required")
    else:
        got = (headers.get("Authorization") or "").removeprefix("Bearer ")
    if got != want:
        # Echo the key as some servers do: the client must redact it.
        return (401, "authentication_error", "invalid x-api-key: %s" % got)
    return None


def json_reply(status, obj, extra, delay=0.0):
    return Reply(status, dict(extra, **{"Content-Type": "application/json"}),
                 json.dumps(obj).encode(), delay)


def plan(api, headers, raw, rid):
    """The answer to an API request (headers: case-insensitive .get())."""
    b = choose(headers, raw)
    try:
        req = json.loads(raw)
        with LOCK:
            STATE["last_body"] = req
            if "<output_a>" in raw:
                STATE["last_pairwise_body"] = req
    except ValueError:
        return json_reply(400, error_body(api, "invalid_request_error", "body is not JSON", b), {})
    delay = float(b.get("latency") or OPTS.latency_ms) / 1000.0
    extra = {"request-id" if api == "anthropic" else "x-request-id": "req_mock_%d" % rid}
    remaining = b.get("ratelimit")
    if remaining is not None:
        if api == "anthropic":
            reset = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 1 + delay))
            extra.update({"anthropic-ratelimit-requests-limit": "100",
                          "anthropic-ratelimit-requests-remaining": remaining,
                          "anthropic-ratelimit-requests-reset": reset})
        else:
            extra.update({"x-ratelimit-limit-requests": "100",
                          "x-ratelimit-remaining-requests": remaining,
                          "x-ratelimit-reset-requests": "1s"})
    if b.get("retry-after"):
        extra["retry-after"] = b["retry-after"]
    if b.get("retry-after-ms"):
        extra["retry-after-ms"] = b["retry-after-ms"]

    auth = auth_error(api, headers)
    if auth:
        return json_reply(auth[0], error_body(api, auth[1], auth[2], b), extra, delay)
    status = b["status"]
    if b.get("flaky"):
        key = hashlib.sha256(raw.encode()).hexdigest()
        with LOCK:
            seen = STATE["flaky"].get(key, 0)
            STATE["flaky"][key] = seen + 1
        if seen >= int(b["flaky"]):
            status = 200
        elif status == 200:
            status = 500
    if b.get("quota"):
        status = 429 if api == "openai" else 400
        msg = ("You exceeded your current quota, please check your plan and billing details."
               if api == "openai" else "Your credit balance is too low to access the API.")
        etype = "insufficient_quota" if api == "openai" else "invalid_request_error"
        return json_reply(status, error_body(api, etype, msg, b), extra, delay)
    model = req.get("model") or ""
    if "no-temp" in model and "temperature" in req:
        with LOCK:
            STATE["temperature_refused"] += 1
        return json_reply(400, error_body(api, "invalid_request_error",
                                          "temperature is not supported with this model", b),
                          extra, delay)
    if status != 200:
        etype = {400: "invalid_request_error", 401: "authentication_error",
                 403: "permission_error", 404: "not_found_error", 429: "rate_limit_error",
                 529: "overloaded_error"}.get(status, "api_error")
        msg = {429: "Number of requests has exceeded your rate limit",
               529: "Overloaded", 404: "model: %s" % model}.get(status, "Internal server error")
        with LOCK:
            STATE["statuses"][str(status)] = STATE["statuses"].get(str(status), 0) + 1
        return json_reply(status, error_body(api, etype, msg, b), extra, delay)
    if b.get("badjson"):
        # Broken after the usage, which a client can still read (billed).
        raw = (b'{"id": "msg_1", "usage": {"input_tokens": 12, "output_tokens": 5}, '
               b'"content": [ {"type": "te' if api == "anthropic" else
               b'{"id": "chatcmpl-1", "usage": {"prompt_tokens": 12, "completion_tokens": 5}, '
               b'"choices": [{"message": {"content": "te')
        return Reply(200, dict(extra, **{"Content-Type": "application/json"}), raw, delay)
    if b.get("cut"):
        return Reply(200, dict(extra, **{"Content-Type": "application/json",
                                          "Content-Length": "4000"}), CUT_START, delay, "cut")
    if b.get("endless"):
        return Reply(200, dict(extra, **{"Content-Type": "application/json",
                                          "Transfer-Encoding": "chunked"}),
                     ENDLESS_START, delay, "endless")
    text = request_text(api, req)
    reply = canned_reply(text)
    if b.get("huge"):
        reply = "x" * int(b["huge"])
    if b.get("echokey"):
        sent = headers.get("x-api-key") or (headers.get("Authorization") or "").removeprefix("Bearer ")
        reply += "\n(the key you sent: %s)" % sent
        model = "%s-%s" % (model, sent)
    tin, tout = max(1, len(text) // 4), max(1, len(reply) // 4)
    if api == "anthropic":
        usage = {"input_tokens": tin, "output_tokens": tout,
                 "cache_creation_input_tokens": 7 if b.get("cachetokens") else 0,
                 "cache_read_input_tokens": 11 if b.get("cachetokens") else 0}
        prefix = cached_prefix(api, req)
        if prefix and not b.get("cachetokens"):
            # The first request with a prefix writes it, the next ones read it.
            ptok = len(prefix) // 4
            with LOCK:
                seen = prefix in STATE["prompt_cache"]
                STATE["prompt_cache"].add(prefix)
                STATE["cache_reads" if seen else "cache_writes"] += 1
            usage["input_tokens"] = max(1, tin - ptok)
            usage["cache_read_input_tokens" if seen else "cache_creation_input_tokens"] = ptok
        body = {"id": "msg_%d" % rid, "type": "message", "role": "assistant",
                "model": model, "content": [{"type": "text", "text": reply}],
                "stop_reason": "end_turn", "usage": usage}
    else:
        body = {"id": "chatcmpl-%d" % rid, "object": "chat.completion", "model": model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": reply},
                             "finish_reason": "stop"}]}
        if not b.get("nousage"):
            body["usage"] = {"prompt_tokens": tin + (11 if b.get("cachetokens") else 0),
                             "completion_tokens": tout,
                             "prompt_tokens_details": {"cached_tokens": 11 if b.get("cachetokens") else 0}}
    return json_reply(200, body, extra, delay)


# ---- transport 1: http.server, a thread per connection (the default) ----

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def setup(self):
        super().setup()
        # Headers and body go out in two writes: without this, Nagle holds the
        # second until the client's delayed ACK, 40 ms later.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with LOCK:
            STATE["connections"] += 1

    def send_json(self, status, obj):
        self.deliver(json_reply(status, obj, {}))

    def deliver(self, r):
        self.send_response(r.status)
        for k, v in r.headers.items():
            self.send_header(k, v)
        if r.mode == "send":
            self.send_header("Content-Length", str(len(r.body)))
        self.end_headers()
        if r.mode == "send":
            self.wfile.write(r.body)
        elif r.mode == "cut":
            self.wfile.write(r.body)
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
        else:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(r.body), r.body))
            while True:
                self.wfile.write(b"1\r\na\r\n")
                self.wfile.flush()
                time.sleep(0.02)

    def do_GET(self):
        if self.path == "/_mock/stats":
            return self.send_json(200, stats())
        if mock_batch.handles(self.path):
            auth = auth_error(mock_batch.api_of(self.path), self.headers)
            if auth:
                return self.send_json(auth[0], error_body(mock_batch.api_of(self.path),
                                                          auth[1], auth[2], {}))
            status, text, ctype = mock_batch.get(self.path, plan)
            return self.deliver(Reply(status, {"Content-Type": ctype}, text.encode()))
        self.send_json(404, {"error": "not found"})

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw_bytes = self.rfile.read(n) if n else b""
        raw = raw_bytes.decode("utf-8", "replace")
        if self.path.startswith("/_mock/"):
            return self.send_json(*control(self.path, raw))
        if mock_batch.handles(self.path):
            api = mock_batch.api_of(self.path)
            auth = auth_error(api, self.headers)
            if auth:
                return self.send_json(auth[0], error_body(api, auth[1], auth[2], {}))
            hdrs = Headers({k.lower(): v for k, v in self.headers.items()})
            base = "http://127.0.0.1:%d" % self.server.server_address[1]
            return self.send_json(*mock_batch.post(self.path, hdrs, raw_bytes, base))
        api = api_of(self.path)
        if not api:
            return self.send_json(404, {"error": {"type": "not_found_error",
                                                  "message": "no route " + self.path}})
        rid = begin(self.path, self.headers)
        try:
            r = plan(api, self.headers, raw, rid)
            if r.delay:
                time.sleep(r.delay)
            self.deliver(r)
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            end()


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass  # clients that hang up (timeouts, interrupts) are part of the tests


# ---- transport 2: asyncio, one thread per process (--server asyncio) ----
# The same answers (plan()) without a thread per connection: latency is a
# timer, not a sleeping thread, and a request costs a fraction of
# http.server's parsing. For the benchmark, where the threaded server's CPU
# time is what limits high concurrencies on a small machine.

class Headers(dict):
    """Request headers, names lowercased; .get() ignores case."""

    def get(self, name, default=None):
        return dict.get(self, name.lower(), default)


class AsyncHandler(asyncio.Protocol):
    def connection_made(self, transport):
        self.t = transport
        self.buf = b""
        self.busy = False      # one request at a time, in order
        self.endless = None    # the timer of a body that never ends
        transport.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP,
                                                      socket.TCP_NODELAY, 1)
        with LOCK:
            STATE["connections"] += 1

    def connection_lost(self, exc):
        if self.endless:
            self.endless.cancel()
            self.endless = None
            end()
        self.t = None

    def data_received(self, data):
        self.buf += data
        self.next_request()

    def next_request(self):
        if self.busy or not self.t:
            return
        i = self.buf.find(b"\r\n\r\n")
        if i < 0:
            return
        lines = self.buf[:i].decode("latin-1").split("\r\n")
        headers = Headers()
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        n = int(headers.get("Content-Length") or 0)
        if len(self.buf) < i + 4 + n:
            return
        raw = self.buf[i + 4:i + 4 + n].decode("utf-8", "replace")
        self.buf = self.buf[i + 4 + n:]
        method, path = (lines[0].split(" ") + ["", ""])[:2]
        self.busy = True
        if method == "GET":
            return self.send(json_reply(*((200, stats()) if path == "/_mock/stats" else
                                          (404, {"error": "not found"})), {}))
        if path.startswith("/_mock/"):
            return self.send(json_reply(*control(path, raw), {}))
        api = api_of(path)
        if not api:
            return self.send(json_reply(404, {"error": {"type": "not_found_error",
                                                        "message": "no route " + path}}, {}))
        r = plan(api, headers, raw, begin(path, headers))
        asyncio.get_running_loop().call_later(r.delay, self.deliver, r)

    def head(self, r):
        phrase = HTTPStatus(r.status).phrase if r.status in HTTPStatus._value2member_map_ else "Error"
        out = ["HTTP/1.1 %d %s" % (r.status, phrase)]
        out += ["%s: %s" % kv for kv in r.headers.items()]
        if r.mode == "send":
            out.append("Content-Length: %d" % len(r.body))
        return ("\r\n".join(out) + "\r\n\r\n").encode("latin-1")

    def send(self, r):
        if self.t:
            self.t.write(self.head(r) + r.body)
        self.busy = False
        self.next_request()

    def deliver(self, r):
        if r.mode == "send":
            end()
            return self.send(r)
        if not self.t:
            return end()
        if r.mode == "cut":
            self.t.write(self.head(r) + r.body)
            self.t.close()  # after the write: the client sees a short body
            return end()
        self.t.write(self.head(r) + b"%x\r\n%s\r\n" % (len(r.body), r.body))
        self.tick()

    def tick(self):
        if not self.t:
            return
        self.t.write(b"1\r\na\r\n")
        self.endless = asyncio.get_running_loop().call_later(0.02, self.tick)


def serve_asyncio(sock):
    async def run():
        srv = await asyncio.get_running_loop().create_server(AsyncHandler, sock=sock,
                                                              backlog=1024)
        await srv.serve_forever()
    asyncio.run(run())


def listen_socket(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    s.bind(("127.0.0.1", port))  # loopback only, never beyond
    s.listen(1024)
    return s


def main():
    global OPTS
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--latency-ms", type=float, default=0)
    ap.add_argument("--api-key", help="the key requests must carry (default: any)")
    ap.add_argument("--default", default="ok", help="behaviour when nothing else chooses")
    ap.add_argument("--batch", help="how the batch APIs behave (JSON, see mock_batch.py)")
    ap.add_argument("--workers", type=int, default=1,
                    help="processes sharing the port (SO_REUSEPORT), for benchmarks; "
                         "counters and queues are per process")
    ap.add_argument("--server", choices=("threads", "asyncio"), default="threads",
                    help="threads: http.server, a thread per connection (default); "
                         "asyncio: one event loop per process, same answers, less CPU")
    OPTS = ap.parse_args()
    if OPTS.batch:
        mock_batch.configure(json.loads(OPTS.batch))
    if OPTS.server == "asyncio":
        sock = listen_socket(OPTS.port)
        port = sock.getsockname()[1]

        def serve(s):
            serve_asyncio(s)
    else:
        srv = Server(("127.0.0.1", OPTS.port), Handler, bind_and_activate=False)
        srv.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        srv.server_bind()  # loopback only, never beyond
        srv.server_activate()
        port = srv.server_address[1]

        def serve(s):
            s.serve_forever(poll_interval=0.05)
    children = []
    for _ in range(OPTS.workers - 1):
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
            if OPTS.server == "asyncio":
                sock.close()
                serve(listen_socket(port))
            else:
                srv.server_close()
                w = Server(("127.0.0.1", port), Handler, bind_and_activate=False)
                w.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
                w.server_bind()
                w.server_activate()
                serve(w)
            os._exit(0)
        children.append(pid)

    def stop(*args):
        for c in children:
            try:
                os.kill(c, signal.SIGTERM)
                os.waitpid(c, 0)
            except OSError:
                pass
        os._exit(0)
    signal.signal(signal.SIGTERM, stop)
    if OPTS.port_file:
        with open(OPTS.port_file + ".tmp", "w") as f:
            f.write("%d\n" % port)
        os.replace(OPTS.port_file + ".tmp", OPTS.port_file)
    print("PORT %d" % port, flush=True)
    try:
        serve(sock if OPTS.server == "asyncio" else srv)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
