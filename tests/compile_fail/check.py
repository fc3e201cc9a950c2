#!/usr/bin/env python3
"""Compiles one file that must not compile, and checks that the compiler's
message is ours (the static_assert text), not some unrelated error.

usage: check.py SOURCE EXPECTED_TEXT COMPILER [ARGS...]
"""
import subprocess
import sys

source, expected, compiler = sys.argv[1], sys.argv[2], sys.argv[3:]
proc = subprocess.run(compiler + ["-fsyntax-only", source], capture_output=True, text=True)
if proc.returncode == 0:
    print(f"FAIL: {source} compiled, but it must not")
    sys.exit(1)
if expected not in proc.stderr:
    print(f"FAIL: {source} failed to compile, but without '{expected}':")
    print(proc.stderr[:4000])
    sys.exit(1)
print(f"ok: {source} is rejected with '{expected}'")
