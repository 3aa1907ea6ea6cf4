"""harness.py - shared helpers for the integration tests: start test/fakesmtp.py
on an ephemeral loopback port with a script, run the built smtpsh, and read
back exactly what the server received.  Stdlib only; /usr/bin/python3."""
import json
import os
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
FAKE = os.path.join(os.path.dirname(HERE), "fakesmtp.py")
SMTPSH = os.environ.get("SMTPSH", os.path.join(HERE, "..", "..", "build", "src", "shell", "smtpsh"))
PYTHON = "/usr/bin/python3"
# SMTPSH_WRAPPER, e.g. "valgrind --error-exitcode=99 ...", runs smtpsh under a tool.
WRAPPER = os.environ.get("SMTPSH_WRAPPER", "").split()


class FakeServer:
    """One scripted connection.  Use as a context manager."""

    def __init__(self, steps, ipv6=False, tls=None, implicit_tls=False, host=None, port=0,
                 unix=None, tls_args=(), connections=1):
        self.dir = tempfile.TemporaryDirectory(prefix="smtpsh-it-")
        self.script = os.path.join(self.dir.name, "script.json")
        self.portfile = os.path.join(self.dir.name, "port")
        self.recordfile = os.path.join(self.dir.name, "record")
        with open(self.script, "w") as f:
            json.dump(steps, f)
        args = [PYTHON, FAKE, "--script", self.script, "--port-file", self.portfile,
                "--record", self.recordfile]
        if ipv6:
            args.append("--ipv6")
        if tls:
            args += ["--tls-cert", tls[0], "--tls-key", tls[1]]
        if implicit_tls:
            args.append("--implicit-tls")
        if connections != 1:
            args += ["--connections", str(connections)]
        self.peerfile = os.path.join(self.dir.name, "peer")
        args += ["--peer-file", self.peerfile, "--port", str(port)]
        if host:
            args += ["--host", host]
        if unix:
            args += ["--unix", unix]
        self.tlsinfo = os.path.join(self.dir.name, "tlsinfo")
        if tls:
            args += ["--tls-info", self.tlsinfo] + list(tls_args)
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.time() + 10
        while not os.path.exists(self.portfile):
            if time.time() > deadline or self.proc.poll() is not None:
                raise RuntimeError("fakesmtp did not start")
            time.sleep(0.01)
        with open(self.portfile) as f:
            self.port = int(f.read())

    def __enter__(self):
        return self

    def go(self):
        """Release a {"wait_go": true} step."""
        self.proc.stdin.write(b"go\n")
        self.proc.stdin.flush()

    def __exit__(self, *exc):
        self.finish()
        self.dir.cleanup()

    def finish(self, timeout=15):
        """Wait for the server to end; returns its stderr text."""
        try:
            _, err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, err = self.proc.communicate()
        self.stderr = err.decode("latin-1") if err else ""
        return self.stderr

    def kill(self):
        """Stop a server that was not meant to be reached."""
        self.proc.kill()
        self.finish()

    def peer(self):
        """The client's address, once it has connected (None before)."""
        try:
            with open(self.peerfile) as f:
                return f.read()
        except FileNotFoundError:
            return None

    def tls_info(self):
        """What the TLS handshake showed the server (None: no handshake)."""
        try:
            with open(self.tlsinfo) as f:
                return json.load(f)
        except FileNotFoundError:
            return None

    def stop(self):
        """End the server now (it may still be waiting for a connection
        that will never come) and return every byte the client sent."""
        if self.proc.poll() is None:
            self.proc.terminate()
        return self.received()

    def received(self):
        """Every byte the client sent (call after finish())."""
        self.finish()
        try:
            with open(self.recordfile, "rb") as f:
                return f.read()
        except FileNotFoundError:
            return b""


def unread_by_client(port):
    """Bytes waiting, not yet read, in the receive queues of the TCP
    connections to 127.0.0.1:port (the client side; from /proc/net/tcp)."""
    peer = "0100007F:%04X" % port
    total = 0
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            fields = line.split()
            if fields[2] == peer and fields[3] == "01":     # ESTABLISHED
                total += int(fields[4].split(":")[1], 16)
    return total


def run_smtpsh(args, stdin_bytes=None, timeout=30, env_extra=None):
    env = dict(os.environ)
    env.pop("NO_COLOR", None)
    env["HOME"] = env.get("SMTPSH_TEST_HOME", tempfile.gettempdir())
    if env_extra:
        env.update(env_extra)
    return subprocess.run(WRAPPER + [SMTPSH] + list(args), input=stdin_bytes if stdin_bytes is not None else b"",
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=timeout, env=env)


def json_records(stdout):
    """Parse --json output: one object per line, each with a "type"; fails
    on anything else."""
    out = []
    for line in stdout.decode("utf-8").splitlines():
        if line.strip():
            rec = json.loads(line)
            if not isinstance(rec, dict) or "type" not in rec:
                raise ValueError(f"--json record without a type: {line!r}")
            out.append(rec)
    return out


def reply_records(stdout):
    """The --json records of replies only (not connect, error, summary...)."""
    return [r for r in json_records(stdout) if r["type"] == "reply"]


BANNER = {"send": "220 fake.test ESMTP ready\r\n"}

FAKEDNS = os.path.join(os.path.dirname(HERE), "fakedns.py")


class FakeDNS:
    """test/fakedns.py serving a zone on 127.0.0.1; .env points smtpsh's
    resolver at it (SMTPSH_DNS_SERVER) for one run only."""

    def __init__(self, zone):
        self.dir = tempfile.TemporaryDirectory(prefix="smtpsh-dns-")
        zfile = os.path.join(self.dir.name, "zone.json")
        self.portfile = os.path.join(self.dir.name, "port")
        self.logfile = os.path.join(self.dir.name, "log")
        with open(zfile, "w") as f:
            json.dump(zone, f)
        self.proc = subprocess.Popen([PYTHON, FAKEDNS, "--zone", zfile, "--port-file",
                                      self.portfile, "--log", self.logfile],
                                     stderr=subprocess.PIPE)
        deadline = time.time() + 10
        while not os.path.exists(self.portfile):
            if time.time() > deadline or self.proc.poll() is not None:
                self.proc.kill()
                raise RuntimeError("fakedns did not start: " +
                                   self.proc.communicate()[1].decode("latin-1", "replace"))
            time.sleep(0.01)
        with open(self.portfile) as f:
            self.port = int(f.read())
        self.env = {"SMTPSH_DNS_SERVER": f"127.0.0.1:{self.port}",
                    "RES_OPTIONS": "timeout:2 attempts:1"}

    def queries(self):
        """The questions asked so far, as "name TYPE" strings."""
        try:
            with open(self.logfile) as f:
                return f.read().split("\n")[:-1]
        except FileNotFoundError:
            return []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.proc.kill()
        self.proc.communicate()
        self.dir.cleanup()


def make_certs(d, chain=False):
    """A test CA, a leaf for localhost/127.0.0.1 signed by it, and a
    self-signed certificate, made with the openssl CLI in directory d.
    chain=True adds an intermediate CA, a leaf it signed (chain.pem: that
    leaf then the intermediate, as a server sends them; chain.key) and a
    client certificate signed by the CA (client.pem, client.key)."""
    def run(*args):
        subprocess.run(["openssl"] + list(args), check=True, cwd=d,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
        "-days", "2", "-subj", "/CN=smtpsh test CA")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "leaf.key", "-out", "leaf.csr",
        "-subj", "/CN=localhost")
    with open(os.path.join(d, "ext.cnf"), "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    run("x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "leaf.pem", "-days", "2", "-extfile", "ext.cnf")
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "self.key", "-out", "self.pem",
        "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost")
    names = ["ca.pem", "leaf.pem", "leaf.key", "self.pem", "self.key"]
    if chain:
        with open(os.path.join(d, "ca.cnf"), "w") as f:
            f.write("basicConstraints=critical,CA:TRUE\nkeyUsage=keyCertSign,cRLSign\n")
        run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "inter.key", "-out", "inter.csr",
            "-subj", "/CN=smtpsh test intermediate")
        run("x509", "-req", "-in", "inter.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "inter.pem", "-days", "2", "-extfile", "ca.cnf")
        run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "chain.key", "-out", "chain.csr",
            "-subj", "/CN=localhost")
        run("x509", "-req", "-in", "chain.csr", "-CA", "inter.pem", "-CAkey", "inter.key",
            "-CAcreateserial", "-out", "leaf2.pem", "-days", "30", "-extfile", "ext.cnf")
        with open(os.path.join(d, "chain.pem"), "w") as f:
            for part in ("leaf2.pem", "inter.pem"):
                with open(os.path.join(d, part)) as p:
                    f.write(p.read())
        run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "client.key", "-out", "client.csr",
            "-subj", "/CN=smtpsh test client")
        run("x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "client.pem", "-days", "2")
        names += ["inter.pem", "leaf2.pem", "chain.pem", "chain.key", "client.pem", "client.key"]
    return {k: os.path.join(d, k) for k in names}


# The exit status meson (and automake) read as "skipped".
EXIT_SKIP = 77


# Modules that bind addresses other than 127.0.0.1 on a port another
# server chose (several MX hosts on 127.0.0.2, .3, .4): all in shard 1, so
# the two shards, which meson runs at once, never race for such a port.
SHARD_ONE = ("test_route", "test_audit_domain")


def shard_modules(spec):
    """The test modules of shard "K/N" (K from 1): SHARD_ONE's in shard 1,
    the rest dealt out in turn by name, so each shard gets a share of the
    slow TLS and audit modules."""
    k, n = (int(x) for x in spec.split("/"))
    mods = sorted(f[:-3] for f in os.listdir(HERE) if f.startswith("test_") and f.endswith(".py"))
    rest = [m for m in mods if m not in SHARD_ONE]
    mine = [m for i, m in enumerate(rest) if i % n == k - 1]
    return (list(SHARD_ONE) if k == 1 else []) + mine


class TimedResult(unittest.TextTestResult):
    """Keeps each test's wall time."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.durations_kept = []

    def startTest(self, test):
        self._started_at = time.monotonic()
        super().startTest(test)

    def stopTest(self, test):
        self.durations_kept.append((time.monotonic() - self._started_at, test.id()))
        super().stopTest(test)


def main():
    """Run every test module given on the command line (or discovered) and
    print the closing line test/run reads: 'N passed, N failed, N skipped'.
    Exit 1 on a failure; 77 (meson: SKIP) when nothing passed because
    everything skipped; with SMTPSH_REQUIRE_REAL_SERVERS=1 (CI) any skip
    is a failure."""
    loader = unittest.TestLoader()
    names = sys.argv[1:]
    shard = None
    if names and names[0].startswith("--shard="):
        shard = names.pop(0)[len("--shard="):]
    if names:
        sys.path.insert(0, HERE)
        suite = unittest.TestSuite(loader.loadTestsFromName(n) for n in names)
    elif shard is not None:
        sys.path.insert(0, HERE)
        suite = unittest.TestSuite(loader.loadTestsFromName(n) for n in shard_modules(shard))
    else:
        suite = loader.discover(HERE, pattern="test_*.py")
    result = unittest.TextTestRunner(verbosity=2, resultclass=TimedResult).run(suite)
    # The slowest tests, so that one creeping towards the suite's timeout
    # (and CI's 30 minutes, under valgrind) is seen before it gets there.
    for secs, name in sorted(result.durations_kept, reverse=True)[:8]:
        print(f"slowest test: {secs:6.1f} s  {name}")
    failed = len(result.failures) + len(result.errors)
    skipped = len(result.skipped)
    passed = max(result.testsRun - failed - skipped, 0)
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    for test, why in result.skipped:
        print(f"skipped: {test.id()}: {why}", file=sys.stderr)
    if failed:
        return 1
    if skipped and os.environ.get("SMTPSH_REQUIRE_REAL_SERVERS") == "1":
        print(f"{skipped} skipped, and SMTPSH_REQUIRE_REAL_SERVERS=1 allows none", file=sys.stderr)
        return 1
    if passed == 0:
        return EXIT_SKIP
    return 0
