#!/usr/bin/env python3
"""Prints the ninja targets (one a line) of the executables that the tests of
one meson suite run, so that a build can stop at what that suite needs.

usage: suite_targets.py BUILD_DIR SUITE
"""
import json
import os
import subprocess
import sys

build, suite = os.path.abspath(sys.argv[1]), sys.argv[2]
tests = json.loads(subprocess.run(["meson", "introspect", "--tests", build],
                                  capture_output=True, text=True, check=True).stdout)
targets = set()
for t in tests:
    if not any(s == suite or s.endswith(":" + suite) for s in t["suite"]):
        continue
    for arg in t["cmd"]:
        path = os.path.abspath(arg)
        if path.startswith(build + os.sep):
            targets.add(os.path.relpath(path, build))
if not targets:
    sys.exit(f"suite_targets: no test executable in suite '{suite}'")
print("\n".join(sorted(targets)))
