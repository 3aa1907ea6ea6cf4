#!/usr/bin/env python3
"""lookup.py - issue 11's benchmark, run by hand (not by `meson test`):
1,000 names checked against servers on 127.0.0.1, as root (Postfix).

    test/bench/lookup.py [BUILD_DIR]

1. One session, 1,000 VRFYs: smtpsh --method vrfy against a Python smtplib
   session doing the same (the server's own round trip x 1,000), against
   the teaching server (names it knows: its 20-error limit would end the
   session otherwise) and a private Postfix with its limits raised.
2. The same list by other tools: a swaks loop (one process per name,
   RCPT; timed on 50 names and scaled to 1,000) and nmap's smtp-enum-users
   (VRFY against the teaching server, RCPT against Postfix).
3. RCPT with and without PIPELINING (--no-pipelining), direct and through
   test/bench/delay_proxy.py (5 ms each way), against the raised Postfix.
4. A stock Postfix (default limits: 20 errors end a session, 1 s per reply
   past 10): 1,000 names by VRFY and by RCPT, time and connections.
The machine may be shared: every figure is the best of ROUNDS runs (swaks:
one run of 50 names), and the load average is printed with them.
Needs: postfix, swaks, nmap, python3 (smtplib), root for Postfix."""
import json
import os
import signal
import smtplib
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "servers"))
from realservers import DOMAIN, Postfix, wait_until  # noqa: E402

BUILD = sys.argv[1] if len(sys.argv) > 1 else "build"
SMTPSH = os.path.realpath(os.path.join(BUILD, "src", "shell", "smtpsh"))
N = 1000
ROUNDS = 5
RAISED = ["smtpd_hard_error_limit=100000", "smtpd_soft_error_limit=100000",
          "smtpd_junk_command_limit=100000", "smtpd_error_sleep_time=0",
          "smtpd_recipient_limit=100000"]


def timed(fn):
    t0 = time.monotonic()
    out = fn()
    return time.monotonic() - t0, out


def best(fn, rounds=ROUNDS):
    """The fastest of several runs of fn() -> (seconds, extra)."""
    runs = [fn() for _ in range(rounds)]
    return min(runs, key=lambda r: r[0])


def smtpsh_lookup(port, names, args, d):
    path = os.path.join(d, "names")
    with open(path, "w") as f:
        f.write("\n".join(names) + "\n")
    secs, p = timed(lambda: subprocess.run(
        [SMTPSH, "--json", "--lookup", path] + args + ["127.0.0.1", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600))
    recs = [json.loads(l) for l in p.stdout.decode().splitlines() if l.strip()]
    rows = [r for r in recs if r["type"] == "lookup"]
    summary = [r for r in recs if r["type"] == "lookup-summary"][-1]
    assert [r["name"] for r in rows] == names, "every name once, in order"
    return secs, summary


def smtplib_vrfy(port, names):
    def run():
        s = smtplib.SMTP("127.0.0.1", port)
        s.ehlo("bench.example")
        for n in names:
            s.verify(n)
        s.quit()
    return timed(run)[0]


def swaks_loop(port, addrs):
    def run():
        for a in addrs:
            subprocess.run(["swaks", "--silent", "2", "--server", f"127.0.0.1:{port}", "--to", a,
                            "--from", "", "--quit-after", "RCPT", "--helo", "bench.example"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return timed(run)[0]


def nmap_enum(port, names, method, domain, d, expect):
    """nmap's smtp-enum-users over the names; its script runs only on a
    port nmap takes for SMTP (25, 465, 587 or a service named smtp), so a
    services file names this port smtp (--servicedb): without it nmap
    probed nothing and the first figures timed that (issue 20).  The users
    it reports must be `expect`, or no figure is written."""
    path = os.path.join(d, "nmap-users")
    with open(path, "w") as f:
        f.write("\n".join(names) + "\n")
    # nmap looks for nmap-services in --datadir first, then its own
    # (--servicedb would also turn on -F, which -p refuses).
    datadir = os.path.join(d, "nmap-data")
    os.makedirs(datadir, exist_ok=True)
    with open(os.path.join(datadir, "nmap-services"), "w") as f:
        f.write(f"smtp\t{port}/tcp\t0.5\n")
    args = (f"smtp-enum-users.methods={{{method}}},userdb={path},unpwdb.timelimit=0,"
            f"smtp.domain={domain},smtp-enum-users.domain={domain}")
    secs, p = timed(lambda: subprocess.run(
        ["nmap", "-Pn", "-n", "--datadir", datadir, "-p", str(port), "--script",
         "smtp-enum-users", "--script-args", args, "127.0.0.1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=3600))
    out = p.stdout.decode()
    found = set()
    for line in out.splitlines():
        if line.startswith(("|   ", "|_  ")):
            found.add(line[4:].strip().split("@")[0].lower())
    if found != set(expect):
        raise SystemExit(f"nmap did not do the work (found {sorted(found)}, want "
                         f"{sorted(expect)}): no figure\n{out}")
    return secs, len(found)


def teaching_server():
    proc = subprocess.Popen([SMTPSH, "--serve", "127.0.0.1:0", "--quiet"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    line = proc.stderr.readline().decode()
    return proc, int(line.rsplit("port", 1)[1].split()[0])


def postfix(raised):
    pf = Postfix()
    why = pf.unavailable()
    if why:
        raise SystemExit(f"Postfix: {why}")
    pf.start()
    if raised:
        etc = os.path.join(pf.dir, "etc")
        subprocess.run(["postconf", "-c", etc, "-e"] + RAISED, check=True)
        subprocess.run(["postfix", "-c", etc, "reload"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=True)
        # The reload is done when a new smtpd answers with the raised limit:
        # 25 unknown VRFYs in a row, no 421.
        def raised_now():
            try:
                s = smtplib.SMTP("127.0.0.1", pf.port, timeout=5)
                s.ehlo("bench.example")
                codes = [s.verify(f"nobody{i}@{DOMAIN}")[0] for i in range(25)]
                s.close()
                return 421 not in codes
            except (smtplib.SMTPException, OSError):
                return False
        wait_until(raised_now, 30, "Postfix to reload with raised limits")
    return pf


def row(*cells):
    print("| " + " | ".join(str(c) for c in cells) + " |")


def main():
    for tool in ("swaks", "nmap", "postfix"):
        if subprocess.run(["which", tool], stdout=subprocess.DEVNULL).returncode != 0:
            raise SystemExit(f"missing: {tool}")
    print("== machine")
    print(os.uname().sysname, os.uname().release, os.uname().machine, f"{os.cpu_count()} cores")
    print(subprocess.run([SMTPSH, "--version"], stdout=subprocess.PIPE, text=True).stdout.strip())
    print("load average at the start:", open("/proc/loadavg").read().split()[:3])
    d = tempfile.mkdtemp(prefix="smtpsh-bench-")
    known = ["alice", "bob", "postmaster", "staff", "dave"]
    demo_names = [known[i % len(known)] for i in range(N)]
    pf_names = [f"user{i:04d}@{DOMAIN}" for i in range(N)]
    for slot, u in zip((0, 500, 999), ("alice", "bob", "postmaster")):
        pf_names[slot] = f"{u}@{DOMAIN}"

    print("\n== 1 and 2. one session, 1,000 names; other tools on the same list\n")
    row("server", "tool", "names", "wall time", "per name", "relative to smtplib")
    row("---", "---", "---:", "---:", "---:", "---:")
    demo, dport = teaching_server()
    pf = postfix(raised=True)
    try:
        for label, port, names, domain in (("teaching server", dport, demo_names, "demo.smtpsh.test"),
                                           ("Postfix, limits raised", pf.port, pf_names, DOMAIN)):
            base = best(lambda: (smtplib_vrfy(port, names), None))[0]
            s_secs, summary = best(lambda: smtpsh_lookup(port, names, ["--method", "vrfy"], d))
            assert summary["connections"] == 1, summary
            row(label, "python smtplib, one session, VRFY", N, f"{base:.3f} s",
                f"{base / N * 1000:.3f} ms", "1.00")
            row(label, "smtpsh --lookup --method vrfy", N, f"{s_secs:.3f} s",
                f"{s_secs / N * 1000:.3f} ms", f"{s_secs / base:.2f}")
            addrs = [n if "@" in n else f"{n}@{domain}" for n in names]
            sw = swaks_loop(port, addrs[:50]) * N / 50
            row(label, "swaks loop, RCPT (50 timed, x20)", N, f"{sw:.1f} s",
                f"{sw / N * 1000:.1f} ms", f"{sw / base:.0f}")
            nm_names = names if "@" not in names[0] else [n.split("@")[0] for n in names]
            expect = (set(known) if port == dport else {"alice", "bob", "postmaster"})
            nm, found = best(lambda: nmap_enum(port, nm_names, "VRFY" if port == dport else "RCPT",
                                               domain, d, expect), 3)
            row(label, f"nmap smtp-enum-users ({'VRFY' if port == dport else 'RCPT'})", N,
                f"{nm:.2f} s", f"{nm / N * 1000:.2f} ms", f"{nm / base:.2f}")
            r_secs, summary = best(lambda: smtpsh_lookup(port, names, ["--method", "rcpt", "--domain",
                                                                      domain], d))
            row(label, "smtpsh --lookup --method rcpt (pipelined)", N, f"{r_secs:.3f} s",
                f"{r_secs / N * 1000:.3f} ms", f"{r_secs / base:.2f}")

        print("\n== 3. RCPT with and without PIPELINING (Postfix, limits raised)\n")
        row("link", "smtpsh", "wall time", "speed-up")
        row("---", "---", "---:", "---:")
        pport = int(subprocess.check_output(
            ["/usr/bin/python3", "-c", "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); "
             "print(s.getsockname()[1])"]))
        proxy = subprocess.Popen(["/usr/bin/python3", os.path.join(HERE, "delay_proxy.py"),
                                  str(pport), str(pf.port), "0.005", os.path.join(d, "proxy.log")])
        time.sleep(0.5)
        try:
            for link, port in (("loopback", pf.port), ("5 ms each way (delay_proxy.py)", pport)):
                with_p, _ = best(lambda: smtpsh_lookup(port, pf_names, ["--method", "rcpt"], d), 3)
                without, _ = best(lambda: smtpsh_lookup(port, pf_names, ["--method", "rcpt",
                                                                         "--no-pipelining"], d), 3)
                row(link, "--no-pipelining", f"{without:.3f} s", "1.0")
                row(link, "PIPELINING (groups of 50)", f"{with_p:.3f} s", f"{without / with_p:.1f}")
        finally:
            proxy.terminate()
            proxy.wait()
    finally:
        demo.send_signal(signal.SIGINT)
        demo.wait()
        pf.stop()

    print("\n== 4. a stock Postfix (default limits), 1,000 names\n")
    row("method", "wall time", "connections", "learned per connection", "tarpit noticed")
    row("---", "---:", "---:", "---:", "---")
    pf = postfix(raised=False)
    try:
        for label, args in (("VRFY", ["--method", "vrfy"]), ("auto (RCPT)", [])):
            secs, summary = smtpsh_lookup(pf.port, pf_names, args, d)
            row(label, f"{secs:.2f} s", summary["connections"], summary["per_connection"],
                summary["tarpit"])
    finally:
        pf.stop()
    print("\nload average at the end:", open("/proc/loadavg").read().split()[:3])


if __name__ == "__main__":
    main()
