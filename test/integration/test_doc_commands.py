"""test_doc_commands.py - every smtpsh command shown in README.md ("Using
it") and in the man page's EXAMPLES is run as written, through bash, with
`smtpsh` the built binary.  Only the placeholders for a server are replaced,
because tests talk to loopback alone: HOST and mail.example.org become a
scripted server on 127.0.0.1 (`localhost` where TLS checks the name), and
the port written after them (465, 2525, 25) becomes that server's port.
Synopsis lines (with [optional] parts) are not commands and are skipped.
The files the examples name (report.pdf, names.txt) exist where they run.
Each command must exit 0 and put the commands it names on the wire; an
--audit example exits 7 (the scripted server relays) and sends no DATA."""
import os
import re
import shlex
import signal
import subprocess
import tempfile
import time
import unittest

from harness import FakeServer, SMTPSH, make_certs

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
SERVE = [{"send": "220 fake.test ESMTP\r\n"}, {"serve": "permissive"}]


def readme_commands():
    """The indented command lines of README.md's "Using it" block."""
    with open(os.path.join(ROOT, "README.md")) as f:
        text = f.read()
    block = text.split("## Using it", 1)[1].split("\n- ", 1)[0]
    out = []
    for line in block.splitlines():
        if line.startswith("    ") and "smtpsh" in line:
            cmd = re.split(r"\s{2,}", line.strip())[0]
            if "[" not in cmd:
                out.append(cmd)
    return out


def man_commands():
    """The `.B smtpsh ...` lines of the man page's EXAMPLES section."""
    with open(os.path.join(ROOT, "docs", "smtpsh.1")) as f:
        text = f.read()
    examples = text.split(".SH EXAMPLES", 1)[1].split("\n.SH ", 1)[0]
    return [l[3:].replace("\\-", "-") for l in examples.splitlines() if l.startswith(".B smtpsh")]


class DocCommands(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.bindir = os.path.join(self.tmp.name, "bin")
        os.mkdir(self.bindir)
        os.symlink(os.path.abspath(SMTPSH), os.path.join(self.bindir, "smtpsh"))
        self.certs = make_certs(self.tmp.name)
        # Files the examples name, in the directory they run in.
        with open(os.path.join(self.tmp.name, "report.pdf"), "wb") as f:
            f.write(b"%PDF-1.4 a sample\n")
        with open(os.path.join(self.tmp.name, "names.txt"), "w") as f:
            f.write("# the names a --lookup example checks\nalice\nbob\n")
        # The transcript --replay examples play (the --transcript ones append to it).
        subprocess.run([SMTPSH, "--demo", "--transcript", "session.log", "-e", "vrfy alice"],
                       cwd=self.tmp.name, check=True, stdout=subprocess.DEVNULL)

    def tearDown(self):
        self.tmp.cleanup()

    def run_as_written(self, cmd):
        words = shlex.split(cmd.split("|")[-1])
        tls = "--tls" in words
        if "--serve" in words:
            return self.run_serve(cmd)
        if "--replay" in words:
            p = self.bash(cmd, "\n" * 10)     # Enter, for --step
            self.assertEqual(p.returncode, 0, (cmd, p.stderr))
            self.assertIn(b"> VRFY alice", p.stdout, cmd)
            return
        if "--demo" in words:
            p = self.bash(cmd, "")
            self.assertEqual(p.returncode, 0, (cmd, p.stderr))
            return
        steps = SERVE
        with FakeServer(steps, tls=(self.certs["leaf.pem"], self.certs["leaf.key"]) if tls else None,
                        implicit_tls=tls) as srv:
            host = "localhost" if tls else "127.0.0.1"
            line = re.sub(r"\b(HOST|mail\.example\.org)\b( (465|25))?",
                          lambda m: f"{host} {srv.port}", cmd)
            line = re.sub(r"127\.0\.0\.1:2525", f"127.0.0.1:{srv.port}", line)
            self.assertNotEqual(line, cmd, "no server placeholder in " + cmd)
            p = self.bash(line, "")
            wire = srv.received()
        if "--audit" in words:
            # The scripted server takes every recipient: an open relay,
            # which an audit reports with its own exit status (7).
            self.assertEqual(p.returncode, 7, (cmd, line, p.stdout[-500:], p.stderr[-500:]))
            self.assertIn(b"open-relay", p.stdout, cmd)
            self.assertNotIn(b"DATA", wire, cmd)
            return
        self.assertEqual(p.returncode, 0, (cmd, line, p.stdout[-500:], p.stderr[-500:]))
        for verb in ("ehlo", "vrfy", "quit"):
            if re.search(r"\b" + verb + r"\b", cmd):
                self.assertIn(verb.upper().encode(), wire, cmd)
        if "--json" in words:
            for rec in p.stdout.decode().splitlines():
                self.assertTrue(rec.startswith("{\"type\":"), rec)

    def bash(self, line, stdin):
        env = dict(os.environ, PATH=self.bindir + ":" + os.environ["PATH"],
                   SSL_CERT_FILE=self.certs["ca.pem"], HOME=self.tmp.name)
        return subprocess.run(["bash", "-c", line], input=stdin.encode(), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, env=env, timeout=60, cwd=self.tmp.name)

    def run_serve(self, cmd):
        env = dict(os.environ, PATH=self.bindir + ":" + os.environ["PATH"])
        if "--tui" in shlex.split(cmd):
            # The live table wants a terminal (test/tty/test_class.py runs
            # it in one); here, with none, it says so in one line.
            p = subprocess.run(["bash", "-c", "exec " + cmd], stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, timeout=20)
            self.assertNotEqual(p.returncode, 0, cmd)
            self.assertEqual(p.stderr.count(b"\n"), 1, (cmd, p.stderr))
            self.assertIn(b"--serve --tui needs a terminal", p.stderr, cmd)
            return
        proc = subprocess.Popen(["bash", "-c", "exec " + cmd], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=env)
        err = b""
        deadline = time.monotonic() + 20
        os.set_blocking(proc.stderr.fileno(), False)
        while b"listening" not in err and time.monotonic() < deadline and proc.poll() is None:
            err += proc.stderr.read() or b""
            time.sleep(0.02)
        self.assertIn(b"listening on 127.0.0.1 port", err, cmd)
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=20)
        self.assertEqual(proc.returncode, 0, cmd)

    def test_readme_commands(self):
        cmds = readme_commands()
        self.assertGreaterEqual(len(cmds), 4, cmds)
        for cmd in cmds:
            with self.subTest(cmd=cmd):
                self.run_as_written(cmd)

    def test_man_page_examples(self):
        cmds = man_commands()
        self.assertGreaterEqual(len(cmds), 4, cmds)
        for cmd in cmds:
            with self.subTest(cmd=cmd):
                self.run_as_written(cmd)


if __name__ == "__main__":
    unittest.main()
