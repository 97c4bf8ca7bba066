#!/usr/bin/env python3
"""Masks what differs between two runs of the same command (clock times,
durations, pids, run ids, the working folder) in a tree of golden outputs,
in place, so that the rest can be compared byte for byte.

usage: mask.py DIR WORKDIR
Files and folders whose names hold a Unix time are renamed (time -> T).
"""
import os
import re
import sys

# JSON keys whose values are clock readings or durations.
KEYS = ("ts", "run_id", "latency_ms", "wall_seconds", "elapsed_seconds", "timestamp",
        "unixtime", "started", "pid", "batch_id")
KEY_RE = re.compile(r'"(%s)":(\s*)' % "|".join(KEYS))
UNIX_RE = re.compile(r"(?<![0-9])1[6-9][0-9]{8}(?![0-9])")
ISO_RE = re.compile(r"\b20\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def skip_value(text, i):
    """Index just past the JSON value starting at text[i]."""
    if text[i] in "{[":
        depth, instr = 0, False
        j = i
        while j < len(text):
            c = text[j]
            if instr:
                if c == "\\":
                    j += 1
                elif c == '"':
                    instr = False
            elif c == '"':
                instr = True
            elif c in "{[":
                depth += 1
            elif c in "}]":
                depth -= 1
                if depth == 0:
                    return j + 1
            j += 1
        return j
    if text[i] == '"':
        j = i + 1
        while text[j] != '"':
            j += 2 if text[j] == "\\" else 1
        return j + 1
    m = re.compile(r"[^,}\]\s]*").match(text, i)
    return m.end()


def mask_json_keys(text):
    out, pos = [], 0
    for m in KEY_RE.finditer(text):
        if m.start() < pos:
            continue
        end = skip_value(text, m.end())
        out.append(text[pos:m.end()])
        out.append('"<masked>"')
        pos = end
    out.append(text[pos:])
    return "".join(out)


def mask_tables(text):
    """The time column of Markdown and console tables: the last cell of each
    row under a header whose last column is a time."""
    lines = text.split("\n")
    in_md = in_con = False
    for k, line in enumerate(lines):
        s = line.rstrip()
        if s.startswith("|") and s.endswith("| Time (s) |"):
            in_md = True
            continue
        if in_md:
            if not s.startswith("|"):
                in_md = False
            elif not s.startswith("|---"):
                cells = s.split("|")
                cells[-2] = " <t> "
                lines[k] = "|".join(cells)
            continue
        if re.search(r"\bTime s$", s):
            in_con = True
            continue
        if in_con:
            if not s:
                in_con = False
            else:
                lines[k] = re.sub(r"(\S+( ± \S+)?|\S+ \[\S+, \S+\])$", "<t>", s)
    return "\n".join(lines)


# The console prints this legend only when some cell of the comparison is
# "± n/a" or a cut interval, which the time column alone can cause.
LEGEND = ("\n\n± n/a: one experiment, no interval; [low, high]: the interval cut at what "
          "the value can be\n")


def mask_text(text, workdir):
    text = text.replace(workdir, "<DIR>")
    text = text.replace(LEGEND, "\n")
    text = mask_json_keys(text)
    text = mask_tables(text)
    text = ISO_RE.sub("<ISO-TIME>", text)
    text = UNIX_RE.sub("<T>", text)
    text = re.sub(r"\(pid \d+\)", "(pid <pid>)", text)
    text = re.sub(r"(Wall time:?\s*\|?\s*)[0-9.]+ ?s", r"\1<t> s", text)
    text = re.sub(r'(<span class="time">)[^<]*(</span>)', r"\1<t>\2", text)
    text = re.sub(r"\bTime: [0-9.]+s", "Time: <t>s", text)
    text = re.sub(r"( calls, )[0-9.]+s\b", r"\1<t>s", text)
    return text


def main():
    root, workdir = sys.argv[1], sys.argv[2]
    for dirpath, dirnames, filenames in os.walk(root, topdown=False):
        for name in filenames + dirnames:
            path = os.path.join(dirpath, name)
            if name in filenames:
                with open(path, "rb") as f:
                    data = f.read()
                try:
                    text = data.decode("utf-8")
                except UnicodeDecodeError:
                    continue
                masked = mask_text(text, workdir)
                if masked != text:
                    with open(path, "w", encoding="utf-8", newline="") as f:
                        f.write(masked)
            new = UNIX_RE.sub("T", name)
            if new != name:
                os.rename(path, os.path.join(dirpath, new))


if __name__ == "__main__":
    main()
