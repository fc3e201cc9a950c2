#!/usr/bin/env python3
"""Adds up the test cases of one or more meson test runs and prints one line:
'N passed, N failed'. A Boost.Test executable counts as its test cases; any
other test (compile-fail checks, the consumer build) counts as one.

usage: summarize.py BUILD_DIR [BUILD_DIR ...]
Exit status: 0 when nothing failed and something ran, 1 otherwise.
"""
import json
import pathlib
import re
import sys

CASES = re.compile(r"(\d+) test cases? out of \d+ (passed|failed|aborted|skipped)")

passed = failed = 0
for build in sys.argv[1:]:
    log = pathlib.Path(build) / "meson-logs" / "testlog.json"
    if not log.exists():
        print(f"summarize: no test log in {build}", file=sys.stderr)
        failed += 1
        continue
    for line in log.read_text().splitlines():
        t = json.loads(line)
        text = (t.get("stdout") or "") + (t.get("stderr") or "")
        counts = {"passed": 0, "failed": 0, "aborted": 0, "skipped": 0}
        for n, kind in CASES.findall(text):
            counts[kind] += int(n)
        ok = t["result"] == "OK"
        if sum(counts.values()):
            passed += counts["passed"]
            failed += counts["failed"] + counts["aborted"]
            if not ok and counts["failed"] + counts["aborted"] == 0:
                failed += 1  # crashed or timed out after its report
        else:
            passed += 1 if ok else 0
            failed += 0 if ok else 1

print(f"{passed} passed, {failed} failed")
sys.exit(0 if failed == 0 and passed > 0 else 1)
