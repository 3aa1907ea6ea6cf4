#!/usr/bin/env python3
"""startup.py - issue 20's start-up benchmark, run by hand (not by meson
test): smtpsh against the tool a user would otherwise reach for, measured
side by side in one run -- interleaved pairs, medians -- on 127.0.0.1.

  1. `smtpsh --version` against `nc -h` (the process alone);
  2. a whole session, connect + banner + EHLO + QUIT, as a whole process:
     `smtpsh -e 'ehlo bench.example' -e quit` against `nc -N` piping the
     same two commands, and `swaks --quit-after EHLO` when installed.

Each run is checked for doing the work before it is timed: the session
runs must have read the server's 221 (smtpsh prints it; nc copies it).
The server is `smtpsh --serve --quiet` on a free loopback port.

    test/bench/startup.py [BUILD_DIR] [ROUNDS] [BASELINE_BUILD_DIR]

With a baseline build (say, the previous landing), its --version and its
session run in the same interleaved rounds.
"""
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time

BUILD = sys.argv[1] if len(sys.argv) > 1 else "build"
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 300
SMTPSH = os.path.realpath(os.path.join(BUILD, "src", "shell", "smtpsh"))
BASELINE = (os.path.realpath(os.path.join(sys.argv[3], "src", "shell", "smtpsh"))
            if len(sys.argv) > 3 else None)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def timed(argv, stdin=None):
    t0 = time.perf_counter()
    p = subprocess.run(argv, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return time.perf_counter() - t0, p


def main():
    port = str(free_port())
    server = subprocess.Popen([SMTPSH, "--serve", "127.0.0.1:" + port, "--quiet"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    server.stderr.readline()                         # "listening ..."
    session = b"EHLO bench.example\r\nQUIT\r\n"
    cases = {
        "smtpsh --version": ([SMTPSH, "--version"], None, b"smtpsh "),
        "nc -h": (["nc", "-h"], None, None),
        "smtpsh session": ([SMTPSH, "--no-color", "-e", "ehlo bench.example", "-e", "quit",
                            "127.0.0.1", port], None, b"< 221"),
        "nc -N session": (["nc", "-N", "127.0.0.1", port], session, b"221"),
    }
    if BASELINE is not None:
        cases["baseline --version"] = ([BASELINE, "--version"], None, b"smtpsh ")
        cases["baseline session"] = ([BASELINE, "--no-color", "-e", "ehlo bench.example",
                                      "-e", "quit", "127.0.0.1", port], None, b"< 221")
    if shutil.which("swaks"):
        cases["swaks session"] = (["swaks", "--silent", "2", "--server", "127.0.0.1:" + port,
                                   "--quit-after", "EHLO", "--helo", "bench.example"], None, None)
    times = {name: [] for name in cases}
    try:
        for r in range(ROUNDS + 10):
            for name, (argv, stdin, must) in cases.items():
                if name.startswith("swaks") and r % 10 != 0:
                    continue                          # swaks is slow: every tenth round
                secs, p = timed(argv, stdin)
                out = p.stdout + p.stderr
                if must is not None and must not in out:
                    sys.exit(f"{name}: did not do the work (no {must!r}): {out[-300:]!r}")
                if r >= 10:                           # the first ten warm the caches
                    times[name].append(secs)
    finally:
        server.terminate()
        server.wait()
    med = {n: statistics.median(t) * 1000 for n, t in times.items() if t}
    print(f"== {os.uname().sysname} {os.uname().release} {os.uname().machine}, "
          f"{os.cpu_count()} cores; {ROUNDS} interleaved rounds; medians")
    for n, m in med.items():
        print(f"{n:20s} {m:7.2f} ms  ({len(times[n])} runs)")
    print(f"--version / nc -h:        {med['smtpsh --version'] / med['nc -h']:.2f}x")
    print(f"session / nc -N session:  {med['smtpsh session'] / med['nc -N session']:.2f}x")
    if "baseline session" in med:
        print(f"baseline --version / nc -h:  {med['baseline --version'] / med['nc -h']:.2f}x")
        print(f"baseline session / nc -N:    {med['baseline session'] / med['nc -N session']:.2f}x")
    if "swaks session" in med:
        print(f"swaks / smtpsh session:   {med['swaks session'] / med['smtpsh session']:.1f}x")


if __name__ == "__main__":
    main()
