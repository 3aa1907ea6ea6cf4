#!/usr/bin/env python3
"""include_rules.py - who may include whom (docs/architecture.md):

1. The core (src/core) includes only the core's headers: no shell, no
   server, no terminal library.
2. The teaching server (src/server) includes the core's headers and its own;
   the shell includes of the server only its public server.h.
3. A module's private header (NAME_int.h) is included only by the files in
   its own folder.
4. The renderers' headers (render.h, records.h) are included only inside
   the output module (src/shell/output).

Each rule is checked on every #include "..." of every .c and .h under
SRC_DIR; a rule broken is one line naming the file and the header.

    include_rules.py SRC_DIR
"""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.M)
TERMINAL = re.compile(r'^\s*#\s*include\s*<(readline/|curses|ncurses|term\.h)', re.M)
OUTPUT_ONLY = {"render.h", "records.h"}


def main():
    root = os.path.abspath(sys.argv[1])
    where = {}                      # header name -> its path under src/
    files = []
    for d, _, names in os.walk(root):
        for n in names:
            if n.endswith((".c", ".h")):
                rel = os.path.relpath(os.path.join(d, n), root)
                files.append(rel)
                if n.endswith(".h"):
                    where.setdefault(n, rel)
    bad = []
    checked = 0
    for f in sorted(files):
        text = open(os.path.join(root, f), errors="replace").read()
        top = f.split(os.sep)[0]
        folder = os.path.dirname(f)
        if top in ("core", "server") and TERMINAL.search(text):
            bad.append(f"{f}: includes a terminal library (the {top} has no terminal code)")
        for h in INCLUDE.findall(text):
            name = os.path.basename(h)
            path = where.get(name)
            if path is None:
                continue            # generated (smtpsh_config.h) or a test's
            checked += 1
            htop = path.split(os.sep)[0]
            if top == "core" and htop != "core":
                bad.append(f"{f}: includes {path}: the core includes only the core")
            if top == "server" and htop not in ("core", "server"):
                bad.append(f"{f}: includes {path}: the server includes the core and its own")
            if top == "shell" and htop == "server" and name != "server.h":
                bad.append(f"{f}: includes {path}: the shell uses the server through server.h")
            if name.endswith("_int.h") and os.path.dirname(path) != folder:
                bad.append(f"{f}: includes {path}: a module's private header stays in its folder")
            if name in OUTPUT_ONLY and not folder.startswith(os.path.join("shell", "output")):
                bad.append(f"{f}: includes {path}: the renderers are the output module's")
    for line in bad:
        print(line)
    # Blind checker guard: the tree has includes to check at all.
    if checked < 100:
        print(f"include_rules.py checked only {checked} includes: it is blind")
        return 1
    print(f"{checked} includes checked, {len(bad)} against the rules")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
