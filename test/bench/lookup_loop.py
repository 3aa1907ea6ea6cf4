#!/usr/bin/env python3
"""lookup_loop.py - issue 20's lookup benchmark, run by hand (not by meson
test): N VRFY lookups by `smtpsh --lookup` (the whole process: start,
connect, EHLO, every name, QUIT, the CSV written) against a plain Python
smtplib loop over one connection (its in-loop time only: the fairest
number for Python), side by side in interleaved rounds, medians, on
127.0.0.1.

Servers: the teaching server (`smtpsh --serve --quiet --error-limit N+10`,
so that neither client is cut off by the 20-error limit), and Postfix's
smtp-sink when it is installed.  Each run is checked for doing the work
before it is timed: smtpsh's CSV must have N rows with a code, and every
reply of the Python loop must be a code.

    test/bench/lookup_loop.py [BUILD_DIR] [N] [ROUNDS]
"""
import os
import shutil
import smtplib
import socket
import statistics
import subprocess
import sys
import tempfile
import time

BUILD = sys.argv[1] if len(sys.argv) > 1 else "build"
N = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
ROUNDS = int(sys.argv[3]) if len(sys.argv) > 3 else 7
SMTPSH = os.path.realpath(os.path.join(BUILD, "src", "shell", "smtpsh"))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port):
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"nothing listens on {port}")


def smtpsh_run(port, names, out):
    t0 = time.perf_counter()
    p = subprocess.run([SMTPSH, "--lookup", names, "--method", "vrfy", "--csv",
                        "--output", out, "127.0.0.1", str(port)],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    secs = time.perf_counter() - t0
    with open(out) as f:
        rows = f.read().splitlines()[1:]
    coded = [r for r in rows if r.split(",")[3].isdigit()]
    if len(coded) != N:
        sys.exit(f"smtpsh answered {len(coded)} of {N}: {p.stderr.decode()[-300:]}")
    return secs


def python_run(port):
    s = smtplib.SMTP("127.0.0.1", port)
    s.ehlo("bench.example")
    t0 = time.perf_counter()
    codes = [s.verify(f"user{i}")[0] for i in range(N)]
    secs = time.perf_counter() - t0
    s.quit()
    if not all(100 <= c < 600 for c in codes):
        sys.exit("the Python loop got no reply for some names")
    return secs


def bench(name, port, tmp):
    names = os.path.join(tmp, "names.txt")
    with open(names, "w") as f:
        f.writelines(f"user{i}\n" for i in range(N))
    out = os.path.join(tmp, "out.csv")
    a, b = [], []
    for _ in range(ROUNDS):
        a.append(smtpsh_run(port, names, out))
        b.append(python_run(port))
    ma, mb = statistics.median(a) * 1000, statistics.median(b) * 1000
    print(f"{name}: smtpsh --lookup (whole process) {ma:.0f} ms ({ma * 1000 / N:.0f} us/name); "
          f"Python smtplib loop (in-loop) {mb:.0f} ms ({mb * 1000 / N:.0f} us/name); "
          f"ratio {ma / mb:.2f}x")


def main():
    print(f"== {os.uname().sysname} {os.uname().release} {os.uname().machine}, "
          f"{os.cpu_count()} cores; {N} names, {ROUNDS} interleaved rounds, medians")
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        srv = subprocess.Popen([SMTPSH, "--serve", f"127.0.0.1:{port}", "--quiet",
                                "--error-limit", str(N + 10)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_port(port)
            bench("teaching server", port, tmp)
        finally:
            srv.terminate()
            srv.wait()
        if shutil.which("smtp-sink"):
            port = free_port()
            srv = subprocess.Popen(["smtp-sink", "-u", os.environ.get("USER", "root"),
                                    f"127.0.0.1:{port}", "256"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                wait_port(port)
                bench("Postfix smtp-sink", port, tmp)
            finally:
                srv.terminate()
                srv.wait()


if __name__ == "__main__":
    main()
