"""test_hostile.py - hostile servers and bad input (issue 6; the P1 cases of
shared/research/security-cases.md that a client can meet).  Each case runs
the built smtpsh against test/fakesmtp.py and checks that it does not crash
(the exit status is a documented one, never a signal), that its memory
stays bounded (peak RSS from GNU time), that it says plainly what happened,
that nothing half-made reached the wire, and that the session is still
usable where the connection survives (a later NOOP gets its own reply)."""
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from harness import (BANNER, SMTPSH, WRAPPER, FakeServer, json_records,  # noqa: E402
                     reply_records, unread_by_client)

DOCUMENTED = {0, 2, 3, 4, 5}
RSS_LIMIT_KIB = 64 * 1024
NOOP_OK = [{"expect": "NOOP"}, {"send": "250 still here\r\n"}]
QUIT_OK = [{"expect": "QUIT"}, {"send": "221 bye\r\n"}]


def run(args, timeout=60):
    """Run smtpsh under GNU time; returns (proc, peak RSS in KiB)."""
    with tempfile.NamedTemporaryFile(delete=False) as tf:
        tpath = tf.name
    env = dict(os.environ, HOME=tempfile.gettempdir())
    env.pop("NO_COLOR", None)
    p = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", tpath] + WRAPPER + [SMTPSH] + args,
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout, env=env)
    with open(tpath) as f:
        lines = [l for l in f.read().split() if l.isdigit()]
    os.unlink(tpath)
    return p, int(lines[-1]) if lines else 0


def read_stdout_until(proc, done, out=b"", timeout=10):
    """Read proc's stdout (without blocking past the deadline) until
    done(everything read so far); returns everything read."""
    deadline = time.time() + timeout
    fd = proc.stdout.fileno()
    while not done(out):
        left = deadline - time.time()
        if left <= 0:
            raise AssertionError(f"timed out; smtpsh printed: {out!r}")
        ready, _, _ = select.select([fd], [], [], min(left, 0.05))
        if ready:
            data = os.read(fd, 65536)
            if not data:
                raise AssertionError(f"smtpsh closed stdout early: {out!r}")
            out += data
    return out


class Hostile(unittest.TestCase):
    def check_sane(self, p, rss):
        self.assertIn(p.returncode, DOCUMENTED, p.stderr[-2000:])
        if not WRAPPER:           # under valgrind the RSS is valgrind's
            self.assertLess(rss, RSS_LIMIT_KIB, "peak RSS too high")
        for b in p.stdout:
            self.assertFalse(b < 0x20 and b != 0x0a, f"raw control byte {b:#x} on stdout")

    def session(self, server_steps, cmds, extra=()):
        with FakeServer([BANNER] + server_steps) as srv:
            args = list(extra) + [a for c in cmds for a in ("-e", c)] + ["127.0.0.1", str(srv.port)]
            p, rss = run(args)
            wire = srv.received()
        self.check_sane(p, rss)
        return p, wire

    def test_reply_with_no_text(self):
        for reply in ("250\r\n", "250 \r\n"):
            p, wire = self.session([{"expect": "NOOP"}, {"send": reply}] + NOOP_OK,
                                   ["noop", "noop"], ["--json"])
            recs = reply_records(p.stdout)
            self.assertEqual([r["code"] for r in recs], [220, 250, 250, 221])   # 221: our QUIT
            self.assertEqual(recs[1]["lines"], [""])
            self.assertEqual(recs[2]["lines"], ["still here"])

    def test_codes_outside_range(self):
        for reply in ("099 low\r\n", "600 high\r\n", "999 way out\r\n", "25x bad\r\n"):
            p, _ = self.session([{"expect": "NOOP"}, {"send": reply}] + NOOP_OK, ["noop", "noop"])
            out = p.stdout.decode()
            self.assertIn("could not be parsed (local code 600)", out)
            self.assertIn("< 250 still here", out)
            self.assertEqual(p.returncode, 3)

    def test_mixed_codes_do_not_advance_state(self):
        p, _ = self.session([{"expect": "MAIL"}, {"send": "250-accepted\r\n550 5.7.1 denied\r\n"}] + NOOP_OK,
                            ["ehlo x.example", "mail a@b.example", "noop"][1:], ["--json"])
        recs = reply_records(p.stdout)
        self.assertIn("mixed_codes", recs[1]["flags"])
        self.assertEqual(recs[1]["lines"], ["accepted", "5.7.1 denied"])
        self.assertNotEqual(recs[1]["state"], "mail")
        p, _ = self.session([{"expect": "MAIL"}, {"send": "250-accepted\r\n550 denied\r\n"}] + NOOP_OK,
                            ["mail a@b.example", "noop"])
        self.assertIn("protocol violation", p.stdout.decode())

    def test_endless_continuation_lines(self):
        # Under the line budget: kept in bounded memory, every line counted.
        steps = [{"expect": "EHLO"}, {"send_repeat": "250-" + "x" * 60 + "\r\n", "count": 9000},
                 {"send": "250 finally\r\n"}] + NOOP_OK
        p, _ = self.session(steps, ["ehlo x.example", "noop"])
        out = p.stdout.decode()
        self.assertIn("more lines not kept", out)
        self.assertIn("< 250 finally", out)
        self.assertIn("< 250 still here", out)
        # Past it (issue 9): a local error, the connection closed, status 3.
        steps = [{"expect": "EHLO"}, {"send_repeat": "250-" + "x" * 60 + "\r\n", "count": 100000},
                 {"send": "250 finally\r\n"}] + NOOP_OK
        p, _ = self.session(steps, ["ehlo x.example", "noop"])
        self.assertIn("budget", p.stderr.decode())
        self.assertNotIn("< 250 finally", p.stdout.decode())
        self.assertEqual(p.returncode, 3)

    def test_one_mebibyte_line(self):
        steps = [{"expect": "NOOP"}, {"send": "250 " + "y" * (1 << 20) + "\r\n"}] + NOOP_OK
        p, _ = self.session(steps, ["noop", "noop"])
        out = p.stdout.decode()
        self.assertIn("more bytes of this line not kept", out)
        self.assertLess(len(p.stdout), 64 * 1024)
        self.assertIn("< 250 still here", out)

    def test_nul_bytes(self):
        steps = [{"expect": "NOOP"}, {"send": "250 a\x00b\r\n"}] + NOOP_OK
        p, _ = self.session(steps, ["noop", "noop"])
        self.assertIn("a\\x00b", p.stdout.decode())
        self.assertIn("NUL", p.stdout.decode())
        p, _ = self.session(steps, ["noop", "noop"], ["--json"])
        self.assertEqual(reply_records(p.stdout)[1]["lines"], ["a\x00b"])

    def test_terminal_attacks_escaped(self):
        evil = ("250-\x1b[2J\x1b[H\x1b]52;c;cGF5bG9hZA==\x07clip\r\n250-\x1b[6n query\r\n"
                "250-over\rwrite\x08\x08\r\n250-\xe2\x80\xae reversed\r\n250 \x9b31m c1\r\n")
        p, _ = self.session([{"expect": "NOOP"}, {"send": evil}] + NOOP_OK, ["noop", "noop"])
        out = p.stdout
        self.assertNotIn(b"\x1b", out)
        self.assertNotIn(b"\x9b", out)
        self.assertNotIn(b"\xe2\x80\xae", out)
        self.assertIn(b"\\e[2J", out)

    def test_421_at_any_point(self):
        # As the greeting
        with FakeServer([{"send": "421 busy, try later\r\n"}, {"drain": True}]) as srv:
            p, rss = run(["-e", "noop", "127.0.0.1", str(srv.port)])
        self.check_sane(p, rss)
        self.assertIn("not connected", p.stderr.decode())
        # In answer to MAIL, and after the body
        for steps, cmds in (
                ([{"expect": "MAIL"}, {"send": "421 shutting down\r\n"}], ["mail a@b", "rcpt c@d"]),
                ([{"expect": "MAIL"}, {"send": "250 ok\r\n"}, {"expect": "RCPT"}, {"send": "250 ok\r\n"},
                  {"expect": "DATA"}, {"send": "354 go\r\n"}, {"read_data": True},
                  {"send": "421 lost it\r\n"}], ["mail a@b", "rcpt c@d", "data /etc/hostname", "noop"])):
            p, wire = self.session(steps, cmds, ["--json"])
            recs = reply_records(p.stdout)
            self.assertEqual(recs[-1]["code"], 421)
            self.assertEqual(recs[-1]["state"], "closed")
            errors = [r for r in json_records(p.stdout) if r["type"] == "error"]
            self.assertIn("not connected", errors[-1]["message"])
            self.assertEqual(p.stderr, b"")        # --json: stdout only
            # The 421 is the outcome; the commands that found the
            # connection gone add no local error of their own.
            self.assertEqual(p.returncode, 4)

    def test_reset_during_large_body(self):
        big = tempfile.NamedTemporaryFile(delete=False)
        big.write((b"0123456789abcde" + b"\n") * (4 << 20))   # 64 MiB
        big.close()
        try:
            steps = [{"expect": "DATA"}, {"send": "354 go\r\n"}, {"read_line": True}, {"close": "rst"}]
            with FakeServer([BANNER] + steps) as srv:
                p, rss = run(["-e", f"data {big.name}", "-e", "noop", "127.0.0.1", str(srv.port)])
            self.check_sane(p, rss)
            self.assertNotEqual(p.returncode, -signal.SIGPIPE)
            err = p.stderr.decode().lower()
            self.assertTrue("closed" in err or "reset" in err, err)
        finally:
            os.unlink(big.name)

    def test_554_banner(self):
        with FakeServer([{"send": "554 no SMTP service here\r\n"}] + QUIT_OK) as srv:
            p, rss = run(["--no-color", "-e", "quit", "127.0.0.1", str(srv.port)])
            wire = srv.received()
        self.check_sane(p, rss)
        self.assertIn("refusal", p.stdout.decode())
        self.assertEqual(wire, b"QUIT\r\n")
        self.assertEqual(p.returncode, 5)

    def test_reply_before_command(self):
        # The server speaks while the client is idle (the user is typing):
        # the stray reply must be shown as such, and NOOP must get its own.
        stray = b"250 nobody asked\r\n"
        steps = [BANNER, {"wait_go": True}, {"send": stray.decode()}, {"expect": "NOOP"},
                 {"send": "250 real\r\n"}] + QUIT_OK
        with FakeServer(steps) as srv:
            proc = subprocess.Popen([SMTPSH, "--no-color", "127.0.0.1", str(srv.port)],
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE)
            # Idle: the banner is handled and no command has been typed.
            early = read_stdout_until(proc, lambda o: b"state: greeted" in o)
            srv.go()
            # The stray reply has reached smtpsh (in its socket, unread, or
            # already shown) before it is given a command.
            early = read_stdout_until(proc, lambda o: (unread_by_client(srv.port) >= len(stray)
                                                       or b"nobody asked" in o), early)
            out, err = proc.communicate(b"noop\nquit\n", timeout=30)
        out = (early + out).decode()
        self.assertIn("before any command asked", out)
        self.assertLess(out.index("nobody asked"), out.index("> NOOP"))
        self.assertIn("> NOOP\n< 250 real", out)
        self.assertIn(proc.returncode, DOCUMENTED)

    def test_user_bad_input(self):
        p, wire = self.session(NOOP_OK, ["frobnicate now", 'vrfy "open', r"vrfy a\r\nQUIT",
                                         "data /nonexistent", "data /tmp", "noop"])
        err = p.stderr.decode()
        self.assertEqual(wire, b"NOOP\r\nQUIT\r\n")       # QUIT: the script's end
        self.assertIn("unknown command", err)
        self.assertIn("unterminated", err)
        self.assertIn("not a regular file (it is a directory)", err)
        self.assertEqual(len(err.strip().splitlines()), 5, err)

    def test_503_explained(self):
        p, _ = self.session([{"expect": "RCPT"}, {"send": "503 5.5.1 need MAIL\r\n"}], ["rcpt a@b"])
        out = p.stdout.decode()
        self.assertIn("came out of sequence", out)
        self.assertIn("RFC 821's order", out)

    def test_unresolvable_host(self):
        p, rss = run(["-e", "noop", "no-such-host.invalid", "25"])
        self.check_sane(p, rss)
        self.assertEqual(p.returncode, 3)
        self.assertIn("cannot resolve no-such-host.invalid", p.stderr.decode())

    def test_transcript_survives_kill_9(self):
        tdir = tempfile.TemporaryDirectory()
        t = os.path.join(tdir.name, "t.log")
        steps = [BANNER, {"expect": "NOOP"}, {"send": "250 before-the-kill\r\n"},
                 {"expect": "NOOP"}, {"sleep": 20}]
        with FakeServer(steps) as srv:
            proc = subprocess.Popen([SMTPSH, "--transcript", t, "-e", "noop", "-e", "noop",
                                     "127.0.0.1", str(srv.port)],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.time() + 10
            while time.time() < deadline:
                if os.path.exists(t) and open(t, "rb").read().count(b"NOOP") >= 2:
                    break
                time.sleep(0.05)
            proc.kill()
            proc.wait()
        with open(t, "rb") as f:
            data = f.read()
        tdir.cleanup()
        self.assertIn(b"220 fake.test ESMTP ready", data)
        self.assertIn(b"250 before-the-kill", data)
        self.assertEqual(data.count(b"NOOP"), 2)


if __name__ == "__main__":
    unittest.main()
