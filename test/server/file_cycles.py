#!/usr/bin/env python3
"""file_cycles.py - no two source files call each other, directly or round a
circle (issue 18: modules are chains, not circles).

A -> B when A calls a function that B defines (and A does not; a name
defined in more than one file is ignored).  Definitions are found the way
this code base writes them: a line at column 0 naming a function and its
opening parenthesis, not ending in ';'.  Every strongly connected group of
more than one file is a circle; those listed in KNOWN (debts, each to be
cut) are reported but pass, and a KNOWN circle that is gone or has grown
fails, so the list can only shrink.

    file_cycles.py SRC_DIR
"""
import collections
import os
import re
import sys

# Circles not yet cut (issue 18), as sets of paths under src/.
KNOWN = [
]

DEF = re.compile(r"^(?!static\s+inline)[A-Za-z_][\w \t\*]*?\b([A-Za-z_]\w*)\s*\([^;]*$")
CALL = re.compile(r"\b([A-Za-z_]\w*)\s*\(")
KEYWORDS = {"if", "for", "while", "switch", "return", "sizeof", "defined"}


def strip(src):
    src = re.sub(r"/\*.*?\*/", " ", src, flags=re.S)
    src = re.sub(r"//[^\n]*", " ", src)
    src = re.sub(r"'(\\.|[^'\\])'", "' '", src)
    return re.sub(r'"(\\.|[^"\\])*"', '""', src)


def graph(root):
    files = sorted(os.path.relpath(os.path.join(d, f), root)
                   for d, _, fs in os.walk(root) for f in fs if f.endswith(".c"))
    text = {f: strip(open(os.path.join(root, f), errors="replace").read()) for f in files}
    owners = collections.defaultdict(set)
    for f, t in text.items():
        for line in t.splitlines():
            m = DEF.match(line)
            if m and m.group(1) not in KEYWORDS:
                owners[m.group(1)].add(f)
    edges = collections.defaultdict(set)
    for f, t in text.items():
        for name in set(CALL.findall(t)):
            o = owners.get(name, set())
            if len(o) == 1 and f not in o:
                edges[f].add(next(iter(o)))
    return files, edges


def circles(files, edges):
    """Tarjan's strongly connected components of more than one file."""
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = [0]
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = set()
            while True:
                w = stack.pop()
                on.discard(w)
                comp.add(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(comp)

    for f in files:
        if f not in index:
            visit(f)
    return out


def main():
    root = sys.argv[1]
    files, edges = graph(root)
    found = circles(files, edges)
    bad = 0
    for c in found:
        if c in KNOWN:
            print(f"known circle (to cut): {' '.join(sorted(c))}")
        else:
            print(f"file circle: {' '.join(sorted(c))}")
            bad += 1
    for k in KNOWN:
        if k not in found:
            print(f"KNOWN lists a circle that is gone or changed; update the list: {' '.join(sorted(k))}")
            bad += 1
    # The checker must see the call graph at all: a known edge.
    if "core/session/session.c" not in edges.get("core/session/session_send.c", set()) and \
       "core/session/session_send.c" not in edges.get("core/session/session.c", set()):
        print("file_cycles.py found no call between session.c and session_send.c: it is blind")
        bad += 1
    print(f"{len(found)} circles, {bad} not allowed")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
