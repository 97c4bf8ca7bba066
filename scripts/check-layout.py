#!/usr/bin/env python3
"""Checks that the source tree keeps the shape docs/ARCHITECTURE.md states:

- every #include in src/ points down the layer order (or within its folder):
  util < core < llm/providers < sim < bridge < llm < eval < {opt, report} < run < cli
  (include/promptopt.h, the public API, may be included from anywhere);
- no file in src/ is over 800 lines;
- no function in src/ is over 80 lines, except tables (a function whose body
  is mostly one initializer) and those listed in ALLOWED below with a reason.

usage: scripts/check-layout.py [SRC_DIR]   (exit 1 and a list when it fails)
"""
import os
import re
import sys

RANK = {
    "util": 0, "core": 1, "llm/providers": 2, "sim": 3, "bridge": 4, "llm": 5,
    "eval": 6, "opt": 7, "report": 7, "run": 8, "cli": 9,
}
MAX_FILE_LINES = 800
MAX_FUNCTION_LINES = 80
# Functions allowed over the limit, with why.
ALLOWED = {}

INCLUDE_RE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def layer_of(rel):
    """The layer of a path relative to src/ ("llm/providers/http.c" ->
    "llm/providers"), or None."""
    parts = rel.split("/")
    for n in (2, 1):
        key = "/".join(parts[:n])
        if len(parts) > n and key in RANK:
            return key
    return None


def check_includes(src, rel, text, errors):
    mine = layer_of(rel)
    if mine is None:
        errors.append(f"{rel}: not in a known layer folder ({', '.join(sorted(RANK))})")
        return
    for m in INCLUDE_RE.finditer(text):
        inc = m.group(1)
        if inc == "promptopt.h":
            continue
        theirs = layer_of(inc)
        line = text.count("\n", 0, m.start()) + 1
        if theirs is None:
            if not os.path.exists(os.path.join(src, os.path.dirname(rel), inc)):
                errors.append(f"{rel}:{line}: includes \"{inc}\", which is in no layer")
            continue
        if theirs == mine:
            continue
        if RANK[theirs] >= RANK[mine]:
            errors.append(f"{rel}:{line}: includes \"{inc}\": {mine} may not depend on "
                          f"{theirs} (layers: util < core < llm/providers < sim < bridge < "
                          f"llm < eval < opt, report < run < cli)")


def functions(text):
    """(name, first line, line count, body) of each top-level function."""
    out = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("{") and i > 0:
            # the signature is on the lines above, starting at column 0
            j = i - 1
            while j > 0 and not re.match(r"^[A-Za-z_]", lines[j]):
                j -= 1
            sig = " ".join(lines[j:i])
            m = re.search(r"([A-Za-z_][A-Za-z0-9_]*)\s*\(", sig)
            k = i + 1
            while k < len(lines) and not lines[k].startswith("}"):
                k += 1
            if m and "=" not in sig.split("(")[0]:
                out.append((m.group(1), i + 1, k - i + 1, "\n".join(lines[i:k + 1])))
            i = k + 1
            continue
        i += 1
    return out


def is_table(body):
    """A body that is mostly one initializer list (a table)."""
    rows = [l for l in body.split("\n") if l.strip().startswith("{") or l.strip().startswith('"')]
    return len(rows) * 2 > body.count("\n")


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "src")
    errors = []
    for dirpath, _, files in os.walk(src):
        for f in sorted(files):
            if not f.endswith((".c", ".h")):
                continue
            path = os.path.join(dirpath, f)
            rel = os.path.relpath(path, src).replace(os.sep, "/")
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
            check_includes(src, rel, text, errors)
            n = text.count("\n")
            if n > MAX_FILE_LINES:
                errors.append(f"{rel}: {n} lines (at most {MAX_FILE_LINES}): split it by job")
            if f.endswith(".c"):
                for name, first, count, body in functions(text):
                    if count > MAX_FUNCTION_LINES and not is_table(body) and name not in ALLOWED:
                        errors.append(f"{rel}:{first}: {name}() is {count} lines "
                                      f"(at most {MAX_FUNCTION_LINES}): split it")
    for e in sorted(errors):
        print(e)
    if errors:
        print(f"check-layout: {len(errors)} problems")
        return 1
    print("check-layout: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
