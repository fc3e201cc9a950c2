#!/usr/bin/env python3
"""Reads a build directory's .ninja_log and prints the slowest build steps
(the last run of each), then their number and total time.

usage: slowest_tus.py BUILD_DIR [N]     (N: how many to list, default 10)
"""
import pathlib
import sys

build = pathlib.Path(sys.argv[1])
n = int(sys.argv[2]) if len(sys.argv) > 2 else 10
last = {}
for line in (build / ".ninja_log").read_text().splitlines()[1:]:
    start, end, _mtime, output, _hash = line.split("\t")
    last[output] = (int(end) - int(start)) / 1000.0  # a later run replaces an earlier one
steps = sorted(last.items(), key=lambda kv: kv[1], reverse=True)
for output, seconds in steps[:n]:
    print(f"{seconds:8.1f} s  {output}")
print(f"{sum(last.values()):8.1f} s  in all, {len(last)} steps")
