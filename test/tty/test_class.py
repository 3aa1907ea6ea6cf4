"""test_class.py - the teacher's live view (issue 21): tmux runs
`smtpsh --serve PORT --tui` at 80x24 while three students (python sockets
on 127.0.0.1, one of them through STARTTLS and AUTH PLAIN) talk to it; the
test waits, with a deadline, for each student's row to show the state,
the last command (escaped), the reply code, the error count, TLS and AUTH;
a student who leaves stays dimmed; a resize redraws; q stops the server
cleanly.  Without a terminal, --tui is refused with one line.  The
capture in docs/teaching-server.md is the one this test takes (port,
certificate name and ages masked); SMTPSH_DOCS_UPDATE=1 rewrites it."""
import base64
import os
import re
import socket
import ssl
import subprocess
import time
import unittest

from test_tty import SMTPSH, Pane

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
DOC = os.path.join(ROOT, "docs", "teaching-server.md")
BEGIN = "<!-- the live view, captured by test/tty/test_class.py -->"
END = "<!-- end of the capture -->"


def masked(rows, port):
    out = []
    for r in rows:
        r = r.replace(f"port {port}", "port 2525")
        r = re.sub(r"smtpsh-serve-cert-\w{6}\.pem", "smtpsh-serve-cert-XXXXXX.pem", r)
        r = re.sub(r" \d+(s|m\d\d|h\d\d)$", " 9s", r.rstrip())
        out.append(r)
    while out and out[-1] == "":
        out.pop()
    return out


def check_doc(capture):
    with open(DOC) as f:
        text = f.read()
    start = text.index(BEGIN) + len(BEGIN)
    end = text.index(END)
    want = "\n```\n" + "\n".join(capture) + "\n```\n"
    if os.environ.get("SMTPSH_DOCS_UPDATE") == "1":
        with open(DOC, "w") as f:
            f.write(text[:start] + want + text[end:])
        return
    assert text[start:end] == want, ("docs/teaching-server.md's capture is stale: rerun "
                                     "test/tty/test_class.py with SMTPSH_DOCS_UPDATE=1")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Student:
    """One client on a real socket, reading each reply whole."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""
        self.reply()                   # the 220 greeting

    def reply(self):
        while True:
            lines = self.buf.split(b"\r\n")
            for i, line in enumerate(lines[:-1]):
                if len(line) >= 4 and line[3:4] == b" ":
                    self.buf = b"\r\n".join(lines[i + 1:])
                    return int(line[:3])
            data = self.sock.recv(4096)
            if not data:
                raise AssertionError("the server closed the connection")
            self.buf += data

    def say(self, line):
        self.sock.sendall(line + b"\r\n")
        return self.reply()

    def starttls(self):
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        self.sock = ctx.wrap_socket(self.sock, server_hostname="127.0.0.1")

    def close(self):
        self.sock.close()


class ClassView(unittest.TestCase):
    def setUp(self):
        import tempfile
        self.home = tempfile.TemporaryDirectory(prefix="smtpsh-class-")
        self.env = {"HOME": self.home.name, "XDG_STATE_HOME": self.home.name + "/state",
                    "TERM": "xterm-256color", "LANG": "C.UTF-8", "TMPDIR": "/tmp"}
        self.port = free_port()
        self.pane = Pane(f"c{os.getpid()}", f"{SMTPSH} --serve {self.port} --tui",
                         self.env, cols=80, rows=24)
        self.students = []

    def tearDown(self):
        for s in self.students:
            s.close()
        self.pane.close()
        self.home.cleanup()

    def student(self):
        s = Student(self.port)
        self.students.append(s)
        return s

    def until(self, what, pred, timeout=10, escapes=False):
        """Wait until pred(rows) holds on the screen; its value."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            rows = self.pane.visible(escapes)
            got = pred(rows)
            if got:
                return got
            time.sleep(0.05)
        self.fail(f"{what}: not on the screen after {timeout}s:\n" + "\n".join(self.pane.visible()))

    def row_of(self, helo, pattern, escapes=False):
        """The row showing HELO name helo, once it matches pattern."""
        def pred(rows):
            for r in rows:
                if helo in r and re.search(pattern, r):
                    return r
            return None
        return self.until(f"{helo} {pattern!r}", pred, escapes=escapes)

    def wait_listening(self):
        self.until("the header", lambda rows: rows and f"port {self.port}" in rows[0])

    def test_rows_follow_the_students_at_80x24(self):
        self.wait_listening()
        screen = self.pane.visible()
        self.assertIn("sessions: 0 now, 0 in all", screen[0])
        self.assertRegex(screen[1], r"--cafile /tmp/smtpsh-serve-cert-\w{6}\.pem\)$")
        for title in ("client", "HELO", "state", "last command", "code", "err", "TLS", "AUTH", "age"):
            self.assertIn(title, screen[2])

        ann = self.student()
        self.assertEqual(ann.say(b"HELO ann.ex"), 250)
        self.row_of("ann.ex", r"\bready\s+HELO ann.ex\s+250\s+0\s+no\s+no\s")
        self.assertEqual(ann.say(b"MAIL FROM:<ann@ex>"), 250)
        self.row_of("ann.ex", r"\bmail\s+MAIL FROM:.*\s250\s+0\s")

        bob = self.student()
        self.assertEqual(bob.say(b"HELO bob.ex"), 250)
        self.assertEqual(bob.say(b"RCPT TO:<alice>"), 503)
        self.assertEqual(bob.say(b"VRFY nobody"), 550)
        self.row_of("bob.ex", r"\bready\s+VRFY nobody\s+550\s+2\s+no\s+no\s")
        # A student's bytes are escaped: ESC is shown as \e, never sent.
        bob.say(b"NOOP \x1b[31mX")
        row = self.row_of("bob.ex", r"NOOP \\e\[31")
        self.assertNotIn("\x1b", row)
        # The most recently active first.
        rows = self.pane.visible()
        self.assertLess(next(i for i, r in enumerate(rows) if "bob.ex" in r),
                        next(i for i, r in enumerate(rows) if "ann.ex" in r))

        cat = self.student()
        self.assertEqual(cat.say(b"EHLO cat.ex"), 250)
        self.assertEqual(cat.say(b"STARTTLS"), 220)
        cat.starttls()
        self.assertEqual(cat.say(b"EHLO cat.ex"), 250)
        self.row_of("cat.ex", r"\s250\s+0\s+yes\s+no\s")
        plain = base64.b64encode(b"\0alice\0wonderland")
        self.assertEqual(cat.say(b"AUTH PLAIN " + plain), 235)
        row = self.row_of("cat.ex", r"\s235\s+0\s+yes\s+yes\s")
        self.assertNotIn("wonderland", row)
        self.assertNotIn(plain.decode()[:12], "\n".join(self.pane.visible()))
        self.until("three now", lambda rows: "sessions: 3 now, 3 in all" in rows[0])

        # ann leaves: her row stays, dimmed, below the live ones.
        ann.say(b"QUIT")
        self.until("two now", lambda rows: "sessions: 2 now, 3 in all" in rows[0])
        dim = self.row_of("ann.ex", r"\x1b\[[0-9;]*2[0-9;]*m", escapes=True)
        self.assertIn("closed", dim)
        rows = self.pane.visible()
        self.assertGreater(next(i for i, r in enumerate(rows) if "ann.ex" in r),
                           next(i for i, r in enumerate(rows) if "bob.ex" in r))
        # Every row fits 80 columns: a long command is cut with an ellipsis.
        bob.say(b"VRFY " + b"x" * 60)
        row = self.row_of("bob.ex", "VRFY xxx")
        self.assertIn("\u2026", row)
        self.assertTrue(all(len(r) <= 80 for r in self.pane.visible()))
        check_doc(masked(self.pane.visible(), self.port))

        self.pane.resize(100, 30)
        self.until("wider", lambda rows: len(rows) == 30 and "bob.ex" in "\n".join(rows)
                   and re.search(r"VRFY x{20}", "\n".join(rows)))

        self.pane.keys("q")
        s = self.pane.wait_for("EXITED=0")
        self.assertIn("teaching server stopped (sessions in all: 3)", s)
        with self.assertRaises(OSError):
            socket.create_connection(("127.0.0.1", self.port), timeout=2).close()

    def test_refused_without_a_terminal(self):
        r = subprocess.run([SMTPSH, "--serve", "0", "--tui"], stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=10,
                           env=dict(os.environ, **self.env))
        self.assertEqual(r.stdout, b"")
        err = r.stderr.decode()
        self.assertEqual(err.count("\n"), 1, err)
        self.assertIn("--serve --tui needs a terminal", err)
        self.assertNotEqual(r.returncode, 0)


if __name__ == "__main__":
    unittest.main()
