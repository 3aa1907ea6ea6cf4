#!/usr/bin/env python3
"""audit.py - issue 22's timing, run by hand (not by `meson test`), as root:
one whole `smtpsh --audit` of a private Postfix on 127.0.0.1 (STARTTLS
offered with a certificate made here), next to the same questions asked
with the tools an admin uses today: nmap's smtp-open-relay,
smtp-enum-users and smtp-commands scripts, and testssl.sh's protocols,
cipher categories and certificate (`-p -s -S`).  Each run must have done
the work before it counts: smtpsh's JSON has one record per check and its
audit-summary; nmap's output shows each script's section; testssl's shows
its protocol and certificate sections.  Median of ROUNDS runs each.

    test/bench/audit.py [BUILD_DIR] [ROUNDS]

Needs: postfix, nmap, testssl (testssl.sh), openssl, root for Postfix."""
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "servers"))
from realservers import Postfix  # noqa: E402

BUILD = sys.argv[1] if len(sys.argv) > 1 else "build"
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 3
SMTPSH = os.path.realpath(os.path.join(BUILD, "src", "shell", "smtpsh"))


def timed(args, timeout=900):
    t0 = time.monotonic()
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    return time.monotonic() - t0, p.stdout.decode(errors="replace")


def smtpsh_audit(port, d):
    secs, out = timed([SMTPSH, "--json", "--starttls", "--cafile", os.path.join(d, "cert.pem"),
                       "--audit", "127.0.0.1", str(port)])
    recs = [json.loads(l) for l in out.splitlines() if l.strip()]
    checks = [r for r in recs if r["type"] in ("finding", "check")]
    summary = [r for r in recs if r["type"] == "audit-summary"]
    if len(summary) != 1 or len(checks) != summary[0]["checks"] or len(checks) < 10:
        raise SystemExit(f"smtpsh did not do the work:\n{out}")
    ran = [r for r in checks if r.get("result") != "skipped"]
    return secs, f"{len(ran)} ran, {len(checks) - len(ran)} skipped"


def nmap_scripts(port, d):
    # nmap looks for nmap-services in --datadir first, then its own
    # (--servicedb would also turn on -F, which -p refuses).
    datadir = os.path.join(d, "nmap-data")
    os.makedirs(datadir, exist_ok=True)
    with open(os.path.join(datadir, "nmap-services"), "w") as f:
        f.write(f"smtp\t{port}/tcp\t0.5\n")
    secs, out = timed(["nmap", "-Pn", "-n", "--datadir", datadir, "-p", str(port), "--script",
                       "smtp-open-relay,smtp-enum-users,smtp-commands", "127.0.0.1"])
    for script in ("smtp-open-relay", "smtp-commands"):
        if script not in out:
            raise SystemExit(f"nmap did not run {script}: no figure\n{out}")
    return secs, 3


def testssl(port):
    tool = shutil.which("testssl") or shutil.which("testssl.sh")
    secs, out = timed([tool, "--quiet", "--color", "0", "--warnings", "off", "--starttls", "smtp",
                       "-p", "-s", "-S", f"127.0.0.1:{port}"])
    for section in ("Testing protocols", "Testing server defaults"):
        if section not in out:
            raise SystemExit(f"testssl did not test ({section!r} missing): no figure\n{out}")
    return secs, 3


def certs(d):
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                    os.path.join(d, "key.pem"), "-out", os.path.join(d, "cert.pem"), "-days", "2",
                    "-subj", "/CN=postfix.smtpsh.test", "-addext",
                    "subjectAltName=DNS:postfix.smtpsh.test,IP:127.0.0.1"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for f in ("key.pem", "cert.pem"):
        os.chmod(os.path.join(d, f), 0o644)


def main():
    for tool in ("postfix", "nmap", "openssl"):
        if shutil.which(tool) is None:
            raise SystemExit(f"missing: {tool}")
    if shutil.which("testssl") is None and shutil.which("testssl.sh") is None:
        raise SystemExit("missing: testssl.sh")
    d = tempfile.mkdtemp(prefix="smtpsh-bench-audit-")
    os.chmod(d, 0o755)
    certs(d)
    pf = Postfix(f"smtpd_tls_cert_file = {d}/cert.pem\nsmtpd_tls_key_file = {d}/key.pem\n"
                 "smtpd_tls_security_level = may\n")
    why = pf.unavailable()
    if why:
        raise SystemExit(f"Postfix: {why}")
    pf.start()
    try:
        print(f"Postfix {pf.version} on 127.0.0.1:{pf.port}, STARTTLS offered; "
              f"{ROUNDS} runs each, medians\n")
        print("| tool | what it checks | checks | wall time (median) | runs |")
        print("|---|---|---:|---:|---|")
        rows = [
            ("smtpsh --audit --starttls --cafile", "relay, VRFY/EXPN, AUTH before TLS, STARTTLS, "
             "protocols, ciphers, certificate, banner, limits, early talker",
             lambda: smtpsh_audit(pf.port, d)),
            ("nmap smtp-open-relay, smtp-enum-users, smtp-commands", "relay, VRFY/EXPN/RCPT "
             "users, EHLO", lambda: nmap_scripts(pf.port, d)),
            ("testssl.sh --starttls smtp -p -s -S", "protocols, cipher categories, certificate",
             lambda: testssl(pf.port)),
        ]
        for name, what, fn in rows:
            runs = [fn() for _ in range(ROUNDS)]
            times = [r[0] for r in runs]
            print(f"| {name} | {what} | {runs[0][1]} | {statistics.median(times):.2f} s | "
                  + ", ".join(f"{t:.2f}" for t in times) + " |", flush=True)
    finally:
        pf.stop()
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
