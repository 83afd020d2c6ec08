#!/usr/bin/env python3
"""The configuration table of Deploy/README.md, generated from `postillon --help`.

Usage: config-table.py [--postillon BIN]            print the Markdown table
       config-table.py [--postillon BIN] --check F   exit 1 unless F holds exactly that table
                                                     between the <!-- config-table --> markers
       config-table.py [--postillon BIN] --write F   replace the table between the markers in F
"""

import argparse
import os
import re
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BEGIN, END = "<!-- config-table:begin (Tests/Deploy/config-table.py) -->", "<!-- config-table:end -->"


def rows(binary):
    out = subprocess.run([binary, "--help"], capture_output=True, text=True, check=True).stdout
    options = out.split("OPTIONS:", 1)[1]
    result = []
    for block in re.split(r"\n  (?=--)", options):
        text = " ".join(block.split())
        m = re.match(r"(--[a-z0-9-]+)(?: <[^>]+>)? (.*)", text)
        env = re.search(r"Env: (POSTILLON_[A-Z0-9_]+)\.", text)
        if not m or not env:
            continue
        flag, rest = m.groups()
        default = re.search(r"Default: (.*?)\.?$", rest)
        meaning = rest[: rest.index("Env:")].strip()
        if default:
            value = f"`{default.group(1)}`"
        else:
            inline = re.search(r"\(default: ([^)]*)\)", meaning)
            value = inline.group(1) if inline else "(none)"
        result.append((flag, env.group(1), value, meaning.replace("|", "\\|")))
    return result


def table(binary):
    lines = ["| Flag | Environment variable | Default | Meaning |", "|---|---|---|---|"]
    lines += [f"| `{f}` | `{e}` | {d} | {m} |" for f, e, d, m in rows(binary)]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--postillon", default=os.environ.get("POSTILLON_BIN", os.path.join(REPO, ".build", "release", "postillon")))
    parser.add_argument("--check")
    parser.add_argument("--write")
    args = parser.parse_args()
    generated = table(args.postillon)
    if args.write:
        text = open(args.write).read()
        if BEGIN not in text or END not in text:
            print(f"[docs] FAIL: {args.write} has no config-table markers")
            return 1
        head, rest = text.split(BEGIN, 1)
        open(args.write, "w").write(f"{head}{BEGIN}\n{generated}\n{END}{rest.split(END, 1)[1]}")
        return 0
    if not args.check:
        print(f"{BEGIN}\n{generated}\n{END}")
        return 0
    text = open(args.check).read()
    if BEGIN not in text or END not in text:
        print(f"[docs] FAIL: {args.check} has no config-table markers")
        return 1
    current = text.split(BEGIN, 1)[1].split(END, 1)[0].strip()
    if current != generated:
        print(f"[docs] FAIL: the configuration table in {args.check} is not what `postillon --help` says; "
              f"regenerate it with Tests/Deploy/config-table.py")
        return 1
    print(f"[docs] ok: configuration table in {os.path.relpath(args.check, REPO)} matches `postillon --help` "
          f"({len(generated.splitlines()) - 2} keys)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
