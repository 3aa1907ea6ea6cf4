"""test_serve_log.py - `smtpsh --serve` shows the teacher the class (issue
21): one line per event on stdout -- a session's number, the client's
address, its HELO name, each command and the reply's code and state, the
"." that ends a body, the client leaving -- with a student's escape
sequences escaped, never passed to the teacher's terminal; --quiet
silences it; --error-limit N ends a session with 421 after N errors."""
import os
import re
import signal
import subprocess
import unittest

from harness import SMTPSH, WRAPPER, json_records, run_smtpsh


class ServeLog(unittest.TestCase):
    def serve(self, *extra):
        env = dict(os.environ)
        p = subprocess.Popen(WRAPPER + [SMTPSH, "--serve", "127.0.0.1:0"] + list(extra),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        line = p.stderr.readline().decode()
        m = re.search(r"port (\d+)", line)
        self.assertIsNotNone(m, line)
        return p, m.group(1)

    def stop(self, p):
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=30)
        return out.decode(errors="replace"), err.decode(errors="replace")

    def test_one_line_per_event(self):
        p, port = self.serve()
        try:
            body = os.path.join(os.path.dirname(os.path.abspath(__file__)), "harness.py")
            c = run_smtpsh(["-e", "helo class.example", "-e", "vrfy alice",
                            "-e", "raw bogus \x1b[31mred", "-e", "mail a@class.example",
                            "-e", "rcpt alice", "-e", "data " + body, "-e", "quit",
                            "127.0.0.1", port])
            self.assertEqual(c.returncode, 5, c.stderr)      # the 500 to "bogus"
            c2 = run_smtpsh(["-e", "noop", "-e", "quit", "127.0.0.1", port])
            self.assertEqual(c2.returncode, 0, c2.stderr)
        finally:
            out, err = self.stop(p)
        lines = out.splitlines()
        self.assertNotIn("\x1b", out)
        want = [
            r" #1 127\.0\.0\.1 connected -> 220, greeted$",
            r" #1 127\.0\.0\.1 \(class\.example\) HELO class\.example -> 250, ready$",
            r" #1 127\.0\.0\.1 \(class\.example\) VRFY alice -> 250, ready$",
            r" #1 .* bogus \\e\[31mred -> 500, ready, 1 error$",
            r" #1 .* DATA -> 354, data, 1 error$",
            r" #1 .* \. -> 250, ready, 1 error$",
            r" #1 .* QUIT -> 221, closed, 1 error$",
            r" #1 .* left after 1 error$",
            r" #2 127\.0\.0\.1 connected -> 220, greeted$",
            r" #2 127\.0\.0\.1 NOOP -> 250, greeted$",
        ]
        for w in want:
            self.assertTrue(any(re.search(w, l) for l in lines), (w, lines))
        # In the order they happened, each with its time first.
        self.assertTrue(all(re.match(r"\d\d:\d\d:\d\d ", l) for l in lines), lines)
        self.assertLess(next(i for i, l in enumerate(lines) if "HELO" in l),
                        next(i for i, l in enumerate(lines) if " . -> 250" in l))

    def test_json_log_stays_json(self):
        """--serve --json: stdout is JSON only, one serve-event a line."""
        p, port = self.serve("--json")
        try:
            c = run_smtpsh(["-e", "helo class.example", "-e", "raw bogus \x1b[31m", "-e", "quit",
                            "127.0.0.1", port])
            self.assertEqual(c.returncode, 5, c.stderr)
        finally:
            out, err = self.stop(p)
        recs = json_records(out.encode())
        self.assertTrue(recs)
        self.assertTrue(all(r["type"] == "serve-event" for r in recs), recs)
        helo = [r for r in recs if r["event"] == "command" and r["line"] == "HELO class.example"]
        self.assertEqual(len(helo), 1, recs)
        self.assertEqual((helo[0]["code"], helo[0]["state"], helo[0]["session"]), (250, "ready", 1))
        self.assertEqual([r["event"] for r in recs][0], "connect")
        self.assertEqual([r["event"] for r in recs][-1], "left")
        self.assertNotIn("\x1b", out)          # the ESC is \u001b inside a JSON string

    def test_quiet_logs_nothing(self):
        p, port = self.serve("--quiet")
        try:
            c = run_smtpsh(["-e", "helo class.example", "-e", "quit", "127.0.0.1", port])
            self.assertEqual(c.returncode, 0, c.stderr)
        finally:
            out, err = self.stop(p)
        self.assertEqual(out, "")

    def test_error_limit_ends_a_session(self):
        # Students doing the guide's error exercises meet RFC 5321's 421.
        p, port = self.serve("--error-limit", "2")
        try:
            c = run_smtpsh(["--json", "-e", "raw bogus", "-e", "raw bogus", "-e", "noop",
                            "127.0.0.1", port])
        finally:
            out, err = self.stop(p)
        codes = [r["code"] for r in json_records(c.stdout) if r["type"] == "reply"]
        self.assertEqual(codes[:4], [220, 500, 500, 421], codes)
        self.assertTrue(any(re.search(r"left after 3 errors$", l) for l in out.splitlines()), out)
        d = run_smtpsh(["--demo", "--json", "--error-limit", "2", "-e", "raw bogus",
                        "-e", "raw bogus", "-e", "noop"])
        codes = [r["code"] for r in json_records(d.stdout) if r["type"] == "reply"]
        self.assertEqual(codes[:4], [220, 500, 500, 421], codes)

    def test_error_limit_checked(self):
        p = run_smtpsh(["--serve", "0", "--error-limit", "lots"])
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("--error-limit wants a number", p.stderr.decode())


if __name__ == "__main__":
    unittest.main()
