#!/usr/bin/env python3
"""A promptopt command metric: does the reply name the expected team?

promptopt starts this program once and keeps it running. For each test case
it writes one JSON line to stdin ({"id", "inputs", "expected", "output", ...})
and reads one JSON line back: {"score": 0..1, "feedback": "..."}.
Anything else you want to print goes to stderr, never to stdout.
"""
import json
import sys


def score(case):
    output = case["output"].lower()
    expected = case.get("expected")
    if not isinstance(expected, str):
        return {"error": "this metric needs a string \"expected\" in each test case"}
    if expected.lower() in output.split() or expected.lower() in output:
        words = len(output.split())
        if words <= 40:
            return {"score": 1.0}
        return {"score": 0.7, "feedback": "Name the team in a short reply (%d words now)." % words}
    return {"score": 0.0, "feedback": "The reply must name the team \"%s\"." % expected}


for line in sys.stdin:
    try:
        reply = score(json.loads(line))
    except Exception as e:  # a bad case is this case's error, not the end of the metric
        reply = {"error": "%s: %s" % (type(e).__name__, e)}
    print(json.dumps(reply), flush=True)
