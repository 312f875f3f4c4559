"""Reads one conformance-suite log and prints an honest verdict for the
scenario: passed (every check that ran succeeded; checks the suite marks
"Not testable" against a server without its diagnostic fixtures are counted
apart), failed, or ran no check (never reported as passed). Exit status:
0 passed, 1 failed, 2 ran no check. Usage: conformance_verdict.py LOG"""

import re
import sys

text = re.sub(r"\x1b\[[0-9;]*m", "", open(sys.argv[1], encoding="utf-8", errors="replace").read())
totals = re.findall(r"^Passed: (\d+)/(\d+), (\d+) failed, (\d+) warnings", text, re.M)
if not totals:
    print("no result line (the suite did not run)")
    sys.exit(1)
passed, total, failed, warnings = map(int, totals[-1])
errors = re.findall(r"^    Error: (.*)$", text, re.M)
untestable = sum(1 for e in errors if e.startswith("Not testable"))
real_failures = failed - untestable
if total == 0:
    print("ran no check")
    sys.exit(2)
note = f", {untestable} not testable here" if untestable else ""
note += f", {warnings} warnings" if warnings else ""
if real_failures > 0:
    print(f"FAILED: {passed}/{total} checks passed{note}")
    for line in re.findall(r"^  - (\w+): .*\n    Error: (?!Not testable)(.*)$", text, re.M):
        print(f"  {line[0]}: {line[1][:300]}")
    sys.exit(1)
print(f"passed {passed}/{total} checks{note}")
