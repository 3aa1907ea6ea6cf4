#!/usr/bin/env python3
"""test/bench/lookup_memory.py - issue 17's memory benchmark for lookups, run
by hand (not by `meson test`): does smtpsh's memory stay flat whatever the
length of the names file?

    test/bench/lookup_memory.py BUILD_DIR [--names N] [--limit-mib M]

1. N names (default 1,000,000; alice, bob, dave, staff in turn, so the
   teaching server knows every one and never ends the session) checked by
   pipelined RCPT against `smtpsh --serve 127.0.0.1:0` (loopback only),
   results as CSV to /dev/null;
2. `--lookup /dev/zero` (an endless line of NUL bytes), which must stop
   with an error at once.

Prints smtpsh's peak RSS (its VmHWM: by GNU time's %M when /usr/bin/time
is there, else read from /proc while it runs) for each, and exits 1 when
one is over the limit (default 16 MiB).  Needs only python3.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

KNOWN = ["alice", "bob", "dave", "staff"]


def run_measured(argv):
    """Run argv; return (exit status, peak RSS in KiB, seconds, stderr).

    The peak is the process's own VmHWM.  Not ru_maxrss from wait4: a child
    forked from this Python process counts the parent's pages it shared
    before exec (with a million names in memory, 10 MiB and more).  GNU time
    forks from its own small image, so /usr/bin/time -f %M is used when
    present; else /proc/PID/status is read until the process ends."""
    t0 = time.monotonic()
    err = tempfile.TemporaryFile()
    use_time = os.access("/usr/bin/time", os.X_OK)
    mfile = tempfile.NamedTemporaryFile(prefix="smtpsh-rss-", delete=False)
    mfile.close()
    full = (["/usr/bin/time", "-f", "%M", "-o", mfile.name] if use_time else []) + argv
    proc = subprocess.Popen(full, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
    hwm = 0
    while not use_time and proc.poll() is None:
        hwm = max(hwm, vm_hwm(proc.pid))
        time.sleep(0.01)
    proc.wait()
    if use_time:
        with open(mfile.name) as f:
            hwm = int(f.read().split()[-1])
    os.unlink(mfile.name)
    err.seek(0)
    return proc.returncode, hwm, time.monotonic() - t0, err.read().decode(errors="replace")


def vm_hwm(pid):
    """VmHWM of a running process in KiB (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--names", type=int, default=1_000_000)
    ap.add_argument("--limit-mib", type=float, default=16.0)
    a = ap.parse_args()
    smtpsh = os.path.join(a.build, "src", "shell", "smtpsh")
    failed = False
    with tempfile.TemporaryDirectory(prefix="smtpsh-lookup-mem-") as d:
        path = os.path.join(d, "names.txt")
        with open(path, "w") as f:
            for i in range(a.names):
                f.write(KNOWN[i % len(KNOWN)] + "\n")
        server = subprocess.Popen([smtpsh, "--serve", "127.0.0.1:0", "--quiet"], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE)
        try:
            port = server.stderr.readline().decode().rsplit("port", 1)[1].split()[0]
            cmd = [smtpsh, "--csv", "--output", "/dev/null", "--method", "rcpt", "--domain",
                   "demo.smtpsh.test", "--lookup", path, "127.0.0.1", port]
            rc, kib, secs, err = run_measured(cmd)
            print(f"{a.names:,} names: exit {rc}, {secs:.1f} s, peak RSS {kib / 1024:.1f} MiB")
            print("    " + " ".join(cmd[:-3] + ["names.txt", "127.0.0.1", "PORT"]))
            if rc != 0:
                print(err[-2000:], file=sys.stderr)
                failed = True
            failed |= kib / 1024 > a.limit_mib
            rc, kib, secs, err = run_measured([smtpsh, "--csv", "--lookup", "/dev/zero",
                                               "127.0.0.1", port])
            print(f"--lookup /dev/zero: exit {rc}, {secs:.1f} s, peak RSS {kib / 1024:.1f} MiB: "
                  f"{err.strip()[:200]}")
            failed |= kib / 1024 > a.limit_mib or rc == 0
        finally:
            server.terminate()
            server.wait(timeout=20)
    print(f"limit {a.limit_mib:g} MiB: {'over' if failed else 'within'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
