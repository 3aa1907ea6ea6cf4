#!/usr/bin/python3
"""tally.py - count test cases, not test programs, in one `meson test` run.

    tally.py BUILDDIR/meson-logs/testlog.json

Prints "PASSED FAILED SKIPPED" on stdout (test/run adds them up for its
closing line) and, on stderr, each skipped test or case and the slowest
tests.  What one meson test counts as:
  - a TAP test (the Check unit tests): its "ok" / "not ok" / "# SKIP" lines;
  - a Python suite (harness.main): its "N passed, N failed, N skipped" line;
  - anything else (the fuzzers): one case, by meson's result.
A program that failed without saying which case (a crash, a timeout) adds
one failure; one that meson skipped (exit 77) adds one skip."""
import json
import re
import sys

TAP = re.compile(r"^(not ok|ok)\b", re.IGNORECASE)
DIRECTIVE = re.compile(r"\s#\s*(SKIP|TODO)\b", re.IGNORECASE)
SUMMARY = re.compile(r"^(\d+) passed, (\d+) failed, (\d+) skipped$", re.MULTILINE)
GOOD = ("OK", "EXPECTEDFAIL")


def count(test):
    out = test.get("stdout") or ""
    result = test["result"]
    p = f = s = 0
    skipped = []
    tap = [TAP.match(line) for line in out.splitlines()]
    tap = [m for m in tap if m]
    summary = SUMMARY.findall(out)
    if tap:
        for m in tap:
            d = DIRECTIVE.search(m.string)
            directive = d.group(1).upper() if d else ""
            if directive == "SKIP":
                s += 1
                skipped.append(m.string)
            elif m.group(1).lower() == "ok" or directive == "TODO":
                p += 1
            else:
                f += 1
    elif summary:
        p, f, s = (int(x) for x in summary[-1])
    elif result in GOOD:
        p = 1
    elif result == "SKIP":
        s = 1
    else:
        f = 1
    if result not in GOOD + ("SKIP",) and f == 0:
        f = 1                        # crashed or timed out between cases
    if result == "SKIP" and s == 0:
        s = 1
    if s:
        skipped.insert(0, f"{test['name']}: {result}, {s} skipped")
    return p, f, s, skipped


def main():
    tests = []
    with open(sys.argv[1]) as log:
        for line in log:
            if line.strip():
                tests.append(json.loads(line))
    tp = tf = ts = 0
    for t in tests:
        p, f, s, skipped = count(t)
        tp, tf, ts = tp + p, tf + f, ts + s
        for why in skipped:
            print(f"SKIPPED {why}", file=sys.stderr)
    for t in sorted(tests, key=lambda t: -t["duration"])[:3]:
        print(f"slowest: {t['name']} {t['duration']:.1f}s", file=sys.stderr)
    print(tp, tf, ts)


if __name__ == "__main__":
    main()
