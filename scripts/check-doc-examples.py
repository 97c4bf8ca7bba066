#!/usr/bin/env python3
"""Compiles the example code of docs/adding-a-strategy.md and
docs/adding-a-scorer.md against the current headers (-fsyntax-only), so the
pages keep showing code that builds.

usage: scripts/check-doc-examples.py SOURCE_ROOT [CC]
"""
import os
import re
import subprocess
import sys
import tempfile

PAGES = ["docs/adding-a-strategy.md", "docs/adding-a-scorer.md"]


def main():
    root = sys.argv[1]
    cc = sys.argv[2] if len(sys.argv) > 2 else os.environ.get("CC", "cc")
    failed = 0
    for page in PAGES:
        with open(os.path.join(root, page), encoding="utf-8") as f:
            blocks = re.findall(r"```c\n(.*?)```", f.read(), re.S)
        with tempfile.NamedTemporaryFile("w", suffix=".c", delete=False) as t:
            t.write(blocks[0])
        r = subprocess.run([cc, "-std=c17", "-Wall", "-Wextra", "-Werror", "-Wshadow",
                            "-D_GNU_SOURCE", "-fsyntax-only", "-I" + os.path.join(root, "include"),
                            "-I" + os.path.join(root, "src"), t.name],
                           capture_output=True, text=True)
        os.unlink(t.name)
        if r.returncode:
            failed += 1
            print(f"{page}: its example does not compile:\n{r.stderr}")
        else:
            print(f"{page}: example compiles")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
