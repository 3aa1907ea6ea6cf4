#!/usr/bin/env python3
"""mta.py - issue 22's runs by hand, repeatable (not part of `meson test`),
as root: `smtpsh --audit` side by side with nmap's smtp scripts and
testssl.sh against real mail servers on 127.0.0.1 -- Exim, OpenSMTPD and
Sendmail, which cannot be installed beside Postfix (they conflict as
MTAs), so their Debian packages are fetched with `apt-get download`,
unpacked with `dpkg -x` under WORK/root and run from there, each with a
minimal configuration written here, STARTTLS on with a certificate made
with openssl -- and Postfix (installed) in the tests' open configuration
(127.0.0.0/8 in mynetworks) and the closed one of test_audit_postfix.py.

    test/bench/mta.py [--build DIR] [--work DIR] [--only NAME,...] [--rounds N]
    test/bench/mta.py --serve NAME        start one, print its port, wait for ^C

NAME: exim, opensmtpd, sendmail, postfix-open, postfix-closed.  Each run's
output goes to WORK/runs/NAME.{smtpsh.txt,smtpsh.json,nmap,testssl}; a
table of wall times (median of --rounds) is printed at the end.

Nothing is installed and the machine's files are left alone: each daemon
runs in a mount namespace of its own (unshare -m) where a copy of
/etc/passwd and /etc/group with its users (Debian-exim, opensmtpd,
opensmtpq) is bind-mounted; OpenSMTPD gets private tmpfs on /var/spool,
/var/lib and /run (its spool, chroot and control socket are compiled in);
Sendmail a UTS namespace too (unshare -u) with the host name
sendmail.smtpsh.test and an /etc/hosts that names it -- otherwise it
sleeps a minute at start trying to qualify the machine's short name.
Sendmail is setgid, which makes the loader ignore LD_LIBRARY_PATH: a copy
without the bit is run, with libwrap0 unpacked beside it.

Needs: apt-get (download only), dpkg, unshare, m4 from the sendmail-cf
tree (unpacked), nmap, testssl (testssl.sh), openssl, postfix."""
import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "servers"))
from realservers import Postfix, wait_banner  # noqa: E402
from test_audit_postfix import CLOSED  # noqa: E402

DEBS = ["exim4-daemon-light", "exim4-base", "exim4-config", "opensmtpd", "sendmail-bin",
        "sendmail-base", "sendmail-cf", "m4", "libwrap0"]
USERS = [("Debian-exim", 60101), ("opensmtpd", 60102), ("opensmtpq", 60103)]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sh(args, **kw):
    return subprocess.run(args, check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          **kw).stdout.decode(errors="replace")


class Tree:
    """The unpacked packages and the namespace's passwd and group."""

    def __init__(self, work):
        self.work = work
        self.root = os.path.join(work, "root")
        self.debs = os.path.join(work, "debs")
        self.versions = {}

    def prepare(self):
        os.makedirs(self.debs, exist_ok=True)
        have = os.listdir(self.debs)
        missing = [d for d in DEBS if not any(f.startswith(d + "_") for f in have)]
        if missing:
            sh(["apt-get", "download"] + missing, cwd=self.debs)
        for f in sorted(os.listdir(self.debs)):
            deb = os.path.join(self.debs, f)
            self.versions[f.split("_")[0]] = sh(["dpkg-deb", "-f", deb, "Version"]).strip()
            if not os.path.isdir(self.root) or not os.path.exists(
                    os.path.join(self.work, ".unpacked-" + f)):
                sh(["dpkg", "-x", deb, self.root])
                open(os.path.join(self.work, ".unpacked-" + f), "w").close()
        for name, extra in (("passwd", "{u}:x:{i}:{i}::/nonexistent:/usr/sbin/nologin\n"),
                            ("group", "{u}:x:{i}:\n")):
            with open(f"/etc/{name}") as f:
                text = f.read()
            text += "".join(extra.format(u=u, i=i) for u, i in USERS
                            if not text.startswith(u + ":") and f"\n{u}:" not in text)
            with open(os.path.join(self.work, name), "w") as f:
                f.write(text)


class Daemon:
    """One MTA from the unpacked tree, in a namespace of its own."""
    name = "?"
    package = "?"
    unshare = ["unshare", "-m"]

    def __init__(self, tree, port=None):
        self.tree = tree
        self.port = port or free_port()
        self.dir = os.path.join(tree.work, self.name)
        self.domain = self.name + ".smtpsh.test"
        self.proc = None

    @property
    def version(self):
        return f"{self.package} {self.tree.versions.get(self.package, '?')}"

    def cert(self, ec=False):
        key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"] if ec else \
            ["-newkey", "rsa:2048"]
        sh(["openssl", "req", "-x509"] + key + ["-nodes", "-keyout", "key.pem", "-out",
            "cert.pem", "-days", "2", "-subj", "/CN=" + self.domain, "-addext",
            f"subjectAltName=DNS:{self.domain},IP:127.0.0.1"], cwd=self.dir)
        os.chmod(os.path.join(self.dir, "key.pem"), 0o600)
        self.cafile = os.path.join(self.dir, "cert.pem")

    def start(self):
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        os.chmod(self.dir, 0o755)
        self.configure()
        w = self.tree.work
        script = (f"mount --bind {w}/passwd /etc/passwd && mount --bind {w}/group /etc/group "
                  f"&& {self.mounts()} {self.command()}")
        self.log = open(os.path.join(self.dir, "daemon.log"), "wb")
        self.proc = subprocess.Popen(self.unshare + ["sh", "-c", script], stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        if not wait_banner(self.port, timeout=30):
            self.stop()
            with open(os.path.join(self.dir, "daemon.log"), errors="replace") as f:
                raise RuntimeError(f"{self.name} did not greet on {self.port}:\n{f.read()}")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None

    def mounts(self):
        return ""


class Exim(Daemon):
    name = "exim"
    package = "exim4-daemon-light"

    def configure(self):
        d = self.dir
        for sub in ("spool", "log", "mail"):
            os.makedirs(os.path.join(d, sub))
            os.chown(os.path.join(d, sub), 60101, 60101)
        self.cert()
        os.chmod(os.path.join(d, "key.pem"), 0o644)  # read after the switch to Debian-exim
        with open(os.path.join(d, "exim.conf"), "w") as f:
            f.write(f"""primary_hostname = {self.domain}
exim_user = Debian-exim
exim_group = Debian-exim
keep_environment =
spool_directory = {d}/spool
log_file_path = {d}/log/%slog
local_interfaces = 127.0.0.1
tls_certificate = {d}/cert.pem
tls_privatekey = {d}/key.pem
tls_advertise_hosts = *
host_lookup =
rfc1413_hosts =
queue_only = true
domainlist local_domains = {self.domain}
acl_smtp_rcpt = acl_check_rcpt
acl_smtp_data = acl_check_data
begin acl
acl_check_rcpt:
  accept domains = +local_domains
         local_parts = alice : bob : postmaster
  deny   domains = +local_domains
         message = unknown user
  deny   message = relay not permitted
acl_check_data:
  accept
begin routers
local:
  driver = accept
  domains = +local_domains
  transport = mbox
begin transports
mbox:
  driver = appendfile
  file = {d}/mail/$local_part
  user = nobody
""")

    def command(self):
        return (f"exec {self.tree.root}/usr/sbin/exim4 -bdf -oX {self.port} "
                f"-C {self.dir}/exim.conf")


class OpenSMTPD(Daemon):
    name = "opensmtpd"
    package = "opensmtpd"

    def configure(self):
        d = self.dir
        os.makedirs(os.path.join(d, "mail"))
        os.chmod(os.path.join(d, "mail"), 0o777)
        self.cert(ec=True)   # RSA or EC: the same failure (see docs/audit.md)
        users = ", ".join(f"{u}@{self.domain} = nobody" for u in ("alice", "bob", "postmaster"))
        with open(os.path.join(d, "smtpd.conf"), "w") as f:
            f.write(f"""pki {self.domain} cert "{d}/cert.pem"
pki {self.domain} key "{d}/key.pem"
table vusers {{ {users} }}
listen on 127.0.0.1 port {self.port} tls pki {self.domain} hostname {self.domain}
action "local" maildir "{d}/mail/%{{rcpt.user}}" virtual <vusers>
match from any for domain "{self.domain}" action "local"
""")

    def mounts(self):
        return ("mount -t tmpfs tmpfs /var/spool && mount -t tmpfs tmpfs /var/lib && "
                "mkdir -p /var/lib/opensmtpd/empty && mount -t tmpfs tmpfs /run &&")

    def command(self):
        return f"exec {self.tree.root}/usr/sbin/smtpd -d -f {self.dir}/smtpd.conf"


class Sendmail(Daemon):
    name = "sendmail"
    package = "sendmail-bin"
    unshare = ["unshare", "-m", "-u"]

    def configure(self):
        d, r = self.dir, self.tree.root
        os.makedirs(os.path.join(d, "queue"), mode=0o700)
        self.cert()
        files = {
            "aliases": "alice: /dev/null\nbob: /dev/null\npostmaster: /dev/null\n"
                       "staff: alice, bob\n",
            "local-host-names": self.domain + "\n",
            "service.switch": "hosts files\naliases files\n",
            "hosts": f"127.0.0.1 localhost\n127.0.0.1 {self.domain} sendmail\n",
            "statistics": "",
        }
        for name, text in files.items():
            with open(os.path.join(d, name), "w") as f:
                f.write(text)
        with open(os.path.join(d, "sendmail.mc"), "w") as f:
            f.write(f"""divert(-1)
divert(0)dnl
OSTYPE(`linux')dnl
define(`confDOMAIN_NAME', `{self.domain}')dnl
define(`confDONT_PROBE_INTERFACES', `True')dnl
define(`QUEUE_DIR', `{d}/queue')dnl
define(`ALIAS_FILE', `{d}/aliases')dnl
define(`confCW_FILE', `{d}/local-host-names')dnl
define(`STATUS_FILE', `{d}/statistics')dnl
define(`confPID_FILE', `{d}/sendmail.pid')dnl
define(`confDELIVERY_MODE', `queueonly')dnl
define(`confCACERT_PATH', `{d}')dnl
define(`confCACERT', `{d}/cert.pem')dnl
define(`confSERVER_CERT', `{d}/cert.pem')dnl
define(`confSERVER_KEY', `{d}/key.pem')dnl
define(`confHELP_FILE', `{r}/etc/mail/helpfile')dnl
define(`confSERVICE_SWITCH_FILE', `{d}/service.switch')dnl
define(`confDONT_BLAME_SENDMAIL', `TrustStickyBit')dnl
FEATURE(`use_cw_file')dnl
DAEMON_OPTIONS(`Family=inet, Name=MTA, Port={self.port}, Addr=127.0.0.1')dnl
FEATURE(`no_default_msa')dnl
MAILER(`local')dnl
MAILER(`smtp')dnl
""")
        cf = sh([f"{r}/usr/bin/m4", f"-D_CF_DIR_={r}/usr/share/sendmail/cf/",
                 f"{r}/usr/share/sendmail/cf/m4/cf.m4", "sendmail.mc"], cwd=d)
        with open(os.path.join(d, "sendmail.cf"), "w") as f:
            f.write(cf)
        shutil.copy(f"{r}/usr/libexec/sendmail/sendmail", os.path.join(d, "sendmail"))
        os.chmod(os.path.join(d, "sendmail"), 0o755)     # no setgid: LD_LIBRARY_PATH works

    def mounts(self):
        return (f"mount --bind {self.dir}/hosts /etc/hosts && hostname {self.domain} && "
                f"export LD_LIBRARY_PATH={self.tree.root}/usr/lib/x86_64-linux-gnu &&")

    def command(self):
        # newaliases too in the namespace: outside it, it sleeps a minute
        # over the machine's short name like the daemon.
        return (f"{self.dir}/sendmail -C {self.dir}/sendmail.cf -bi >/dev/null && "
                f"exec {self.dir}/sendmail -bD -C {self.dir}/sendmail.cf")


class PostfixRun:
    """realservers.Postfix with STARTTLS on, in the open or closed setup."""

    def __init__(self, tree, closed):
        self.tree = tree
        self.name = "postfix-closed" if closed else "postfix-open"
        self.closed = closed
        self.domain = "postfix.smtpsh.test"

    def start(self):
        self.dir = os.path.join(self.tree.work, self.name)
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        os.chmod(self.dir, 0o755)
        Daemon.cert(self)
        os.chmod(os.path.join(self.dir, "key.pem"), 0o644)
        tls = (f"smtpd_tls_cert_file = {self.dir}/cert.pem\n"
               f"smtpd_tls_key_file = {self.dir}/key.pem\nsmtpd_tls_security_level = may\n")
        self.pf = Postfix(tls + (CLOSED if self.closed else ""))
        why = self.pf.unavailable()
        if why:
            raise RuntimeError(f"Postfix: {why}")
        self.pf.start()
        self.port = self.pf.port
        self.version = f"postfix {self.pf.version}"

    def stop(self):
        self.pf.stop()


def timed(args, out):
    t0 = time.monotonic()
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=900)
    secs = time.monotonic() - t0
    with open(out, "wb") as f:
        f.write(p.stdout)
    return secs, p.returncode


def run_tools(srv, smtpsh, runs, rounds):
    to = "alice@" + srv.domain
    nd = os.path.join(runs, f"nmap-{srv.port}")
    os.makedirs(nd, exist_ok=True)
    # nmap 7.93: --servicedb implies -F, which refuses -p; a data directory
    # with only nmap-services (the rest falls back to the installed files)
    # makes the port "smtp", so the scripts' portrule runs them.
    with open(os.path.join(nd, "nmap-services"), "w") as f:
        f.write(f"smtp\t{srv.port}/tcp\t0.5\n")
    base = [smtpsh, "--cafile", srv.cafile, "--to", to]
    tools = [
        ("smtpsh --audit --starttls", base + ["--starttls", "--audit", "127.0.0.1",
                                              str(srv.port)], "smtpsh.txt"),
        ("smtpsh --audit", base + ["--audit", "127.0.0.1", str(srv.port)], "smtpsh-plain.txt"),
        ("smtpsh --json --audit", [smtpsh, "--json"] + base[1:] + [
            "--audit", "127.0.0.1", str(srv.port)], "smtpsh.json"),
        ("nmap smtp scripts", ["nmap", "-Pn", "-n", "--datadir", nd, "-p", str(srv.port),
                               "--script", "smtp-open-relay,smtp-enum-users,smtp-commands",
                               "127.0.0.1"], "nmap"),
        ("testssl -p -s -S", [shutil.which("testssl") or "testssl.sh", "--quiet", "--color",
                              "0", "--warnings", "off", "--starttls", "smtp", "-p", "-s", "-S",
                              f"127.0.0.1:{srv.port}"], "testssl"),
    ]
    rows = []
    for label, args, out in tools:
        got = [timed(args, os.path.join(runs, f"{srv.name}.{out}")) for _ in range(rounds)]
        rows.append((label, statistics.median(g[0] for g in got), got[0][1]))
    with open(os.path.join(runs, f"{srv.name}.smtpsh.json")) as f:
        summary = [json.loads(l) for l in f if '"audit-summary"' in l]
    return rows, summary[0] if summary else {}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--work", default="/tmp/smtpsh-mta")
    ap.add_argument("--only", default="exim,opensmtpd,sendmail,postfix-open,postfix-closed")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--serve")
    a = ap.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("mta.py needs root (namespaces, Postfix)")
    tree = Tree(os.path.abspath(a.work))
    os.makedirs(tree.work, exist_ok=True)
    tree.prepare()
    make = {"exim": lambda: Exim(tree), "opensmtpd": lambda: OpenSMTPD(tree),
            "sendmail": lambda: Sendmail(tree),
            "postfix-open": lambda: PostfixRun(tree, False),
            "postfix-closed": lambda: PostfixRun(tree, True)}
    if a.serve:
        srv = make[a.serve]()
        srv.start()
        print(f"{srv.version} on 127.0.0.1:{srv.port} (CA file {srv.cafile}); ^C stops it",
              flush=True)
        # ^C or a plain kill (SIGINT is ignored in a background job).
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        try:
            signal.pause()
        except KeyboardInterrupt:
            pass
        finally:
            srv.stop()
        return
    smtpsh = os.path.realpath(os.path.join(a.build, "src", "shell", "smtpsh"))
    runs = os.path.join(tree.work, "runs")
    os.makedirs(runs, exist_ok=True)
    table = []
    for name in a.only.split(","):
        srv = make[name]()
        srv.start()
        try:
            rows, summary = run_tools(srv, smtpsh, runs, a.rounds)
        finally:
            srv.stop()
        table.append((name, srv.version, srv.port, rows, summary))
        print(f"{name}: {srv.version} on port {srv.port}: done", file=sys.stderr, flush=True)
    print(f"outputs in {runs}; wall time, median of {a.rounds}\n")
    print("| server | tool | wall time | exit |")
    print("|---|---|---:|---:|")
    for name, version, _, rows, summary in table:
        for label, secs, rc in rows:
            print(f"| {name} ({version}) | {label} | {secs:.2f} s | {rc} |")
        if summary:
            print(f"| {name} | (smtpsh's summary: {summary.get('connections')} connections, "
                  f"{summary.get('elapsed_ms')} ms, software {summary.get('software')}) | | |")


if __name__ == "__main__":
    main()
