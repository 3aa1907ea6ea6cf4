"""test_client.py - the built smtpsh in script mode (-e, piped stdin, --json)
against test/fakesmtp.py: exact bytes on the wire, JSON records, verdicts,
states and exit statuses (0 positive, 4 a 4xx, 5 a 5xx, 3 local error,
2 usage)."""
import json
import os
import re
import socket
import tempfile
import unittest

from harness import BANNER, FakeServer, reply_records, run_smtpsh

QUIT_OK = [{"expect": "QUIT"}, {"send": "221 bye\r\n"}]


class ScriptMode(unittest.TestCase):
    def test_banner_ehlo_quit_json(self):
        steps = [BANNER, {"expect": "EHLO"},
                 {"send": "250-fake.test hello\r\n250-SIZE 52428800\r\n250-PIPELINING\r\n250 STARTTLS\r\n"}] + QUIT_OK
        with FakeServer(steps) as srv:
            p = run_smtpsh(["--json", "-e", "ehlo client.example", "-e", "quit", "127.0.0.1", str(srv.port)])
            self.assertEqual(srv.received(), b"EHLO client.example\r\nQUIT\r\n")
        self.assertEqual(p.returncode, 0, p.stderr)
        recs = reply_records(p.stdout)
        self.assertEqual([r["code"] for r in recs], [220, 250, 221])
        self.assertIsNone(recs[0]["command"])
        self.assertEqual(recs[1]["command"], "EHLO client.example")
        self.assertEqual(recs[1]["lines"], ["fake.test hello", "SIZE 52428800", "PIPELINING", "STARTTLS"])
        self.assertEqual(recs[1]["verdict"], "success")
        self.assertEqual(recs[2]["verdict"], "success")
        for r in recs:
            self.assertIn("meaning", r)
            self.assertIsInstance(r["elapsed_ms"], (int, float))
        self.assertEqual(recs[0]["meaning"], "<domain> Service ready")

    def test_full_transaction_exact_wire(self):
        body = b"Subject: t\n\n.leading dot\nplain\r\n.\nbare\rcr\n..two"
        with tempfile.NamedTemporaryFile(delete=False) as f:
            f.write(body)
            path = f.name
        steps = [BANNER, {"expect": "HELO"}, {"send": "250 hi\r\n"},
                 {"expect": "MAIL"}, {"send": "250 ok\r\n"},
                 {"expect": "RCPT"}, {"send": "250 ok\r\n"},
                 {"expect": "RCPT"}, {"send": "251 User not local; will forward to <b@elsewhere>\r\n"},
                 {"expect": "DATA"}, {"send": "354 go\r\n"},
                 {"read_data": True}, {"send": "250 queued\r\n"}] + QUIT_OK
        try:
            with FakeServer(steps) as srv:
                p = run_smtpsh(["--json", "-e", "helo client.example", "-e", "mail a@client.example",
                                "-e", "rcpt postmaster", "-e", "rcpt b@x", "-e", f"data {path}",
                                "-e", "quit", "127.0.0.1", str(srv.port)])
                wire = srv.received()
        finally:
            os.unlink(path)
        self.assertEqual(wire,
                         b"HELO client.example\r\nMAIL FROM:<a@client.example>\r\n"
                         b"RCPT TO:<postmaster>\r\nRCPT TO:<b@x>\r\nDATA\r\n"
                         b"Subject: t\r\n\r\n..leading dot\r\nplain\r\n..\r\nbare\r\ncr\r\n...two\r\n.\r\n"
                         b"QUIT\r\n")
        self.assertEqual(p.returncode, 0, p.stderr)
        recs = reply_records(p.stdout)
        self.assertEqual([r["code"] for r in recs], [220, 250, 250, 250, 251, 354, 250, 221])
        self.assertEqual(recs[4]["verdict"], "success")      # 251 to RCPT
        self.assertEqual(recs[5]["verdict"], "intermediate")

    def test_mail_full_form_sent_as_typed(self):
        steps = [BANNER, {"expect": "MAIL"}, {"send": "250 ok\r\n"}] + QUIT_OK
        with FakeServer(steps) as srv:
            run_smtpsh(["-e", "mail from:<a@b> SIZE=10", "-e", "quit", "127.0.0.1", str(srv.port)])
            self.assertEqual(srv.received(), b"MAIL from:<a@b> SIZE=10\r\nQUIT\r\n")

    def test_ehlo_refused_falls_back_to_helo(self):
        steps = [BANNER, {"expect": "EHLO"}, {"send": "502 5.5.1 what is EHLO?\r\n"},
                 {"expect": "HELO"}, {"send": "250 old.server\r\n"}] + QUIT_OK
        with FakeServer(steps) as srv:
            p = run_smtpsh(["--no-color", "-e", "ehlo me.example", "-e", "quit", "127.0.0.1", str(srv.port)])
            self.assertEqual(srv.received(), b"EHLO me.example\r\nHELO me.example\r\nQUIT\r\n")
        self.assertIn("not ESMTP", p.stdout.decode())
        self.assertIn("< 250 old.server", p.stdout.decode())

    def test_enhanced_codes_in_json(self):
        steps = [BANNER, {"expect": "RCPT"}, {"send": "550 5.1.1 no such user\r\n"}] + QUIT_OK
        with FakeServer(steps) as srv:
            p = run_smtpsh(["--json", "-e", "rcpt x@y", "-e", "quit", "127.0.0.1", str(srv.port)])
        recs = reply_records(p.stdout)
        self.assertEqual(recs[1]["enhanced"], "5.1.1")
        self.assertEqual(recs[1]["verdict"], "failure")
        self.assertIsNone(recs[2]["enhanced"])

    def test_piped_stdin_is_script_mode(self):
        steps = [BANNER, {"expect": "VRFY"}, {"send": "250 Alice <alice@fake.test>\r\n"},
                 {"expect": "EXPN"}, {"send": "250-Alice <alice@x>\r\n250 Bob <bob@x>\r\n"}] + QUIT_OK
        with FakeServer(steps) as srv:
            p = run_smtpsh(["--json", "127.0.0.1", str(srv.port)],
                           stdin_bytes=b"vrfy alice\nexpn \"staff\"\nquit\n")
            self.assertEqual(srv.received(), b"VRFY alice\r\nEXPN staff\r\nQUIT\r\n")
        recs = reply_records(p.stdout)
        self.assertEqual(recs[2]["lines"], ["Alice <alice@x>", "Bob <bob@x>"])
        self.assertEqual(p.returncode, 0)

    def test_human_output_shows_lines_and_meaning(self):
        steps = [BANNER, {"expect": "RCPT"}, {"send": "550 5.1.1 <nobody@x>: no such user\r\n"}] + QUIT_OK
        with FakeServer(steps) as srv:
            p = run_smtpsh(["--no-color", "-e", "rcpt nobody@x", "-e", "quit", "127.0.0.1", str(srv.port)])
        out = p.stdout.decode()
        self.assertIn("550 5.1.1 <nobody@x>: no such user", out)
        self.assertIn("mailbox unavailable", out)       # code table text
        self.assertIn("Bad destination mailbox address", out)   # RFC 3463 detail
        self.assertIn("failure", out.lower())
        self.assertEqual(p.returncode, 5)

    def test_ipv6_loopback(self):
        try:
            s = socket.socket(socket.AF_INET6)
            s.bind(("::1", 0))
            s.close()
        except OSError:
            self.skipTest("no IPv6 loopback on this machine")
        with FakeServer([BANNER] + QUIT_OK, ipv6=True) as srv:
            p = run_smtpsh(["-6", "--json", "-e", "quit", "::1", str(srv.port)])
            self.assertEqual(srv.received(), b"QUIT\r\n")
        self.assertEqual(p.returncode, 0, p.stderr)


class RefusalsAndErrors(unittest.TestCase):
    def test_crlf_injection_refused_nothing_sent(self):
        steps = [BANNER, {"expect": "NOOP"}, {"send": "250 ok\r\n"}] + QUIT_OK
        with FakeServer(steps) as srv:
            p = run_smtpsh(["-e", r"mail a@b\r\nRCPT TO:<victim@x>", "-e", r"vrfy a\x00b",
                            "-e", 'vrfy "unterminated', "-e", "noop", "-e", "quit",
                            "127.0.0.1", str(srv.port)])
            self.assertEqual(srv.received(), b"NOOP\r\nQUIT\r\n")
        err = p.stderr.decode()
        self.assertIn("nothing was sent", err)
        self.assertIn("unterminated", err)
        self.assertEqual(p.returncode, 2)      # the user's input was refused

    def test_missing_data_file_sends_nothing(self):
        steps = [BANNER, {"expect": "NOOP"}, {"send": "250 ok\r\n"}] + QUIT_OK
        with FakeServer(steps) as srv:
            p = run_smtpsh(["-e", "data /nonexistent/file.eml", "-e", "noop", "-e", "quit",
                            "127.0.0.1", str(srv.port)])
            self.assertEqual(srv.received(), b"NOOP\r\nQUIT\r\n")
        self.assertIn("/nonexistent/file.eml", p.stderr.decode())
        self.assertEqual(len([l for l in p.stderr.decode().splitlines() if "file.eml" in l]), 1)

    def test_stop_on_error_sends_quit(self):
        steps = [BANNER, {"expect": "MAIL"}, {"send": "250 ok\r\n"},
                 {"expect": "RCPT"}, {"send": "550 no such user\r\n"}] + QUIT_OK
        with FakeServer(steps) as srv:
            p = run_smtpsh(["--stop-on-error", "-e", "mail a@b", "-e", "rcpt nobody@x",
                            "-e", "rcpt second@x", "-e", "data", "127.0.0.1", str(srv.port)])
            self.assertEqual(srv.received(), b"MAIL FROM:<a@b>\r\nRCPT TO:<nobody@x>\r\nQUIT\r\n")
        self.assertEqual(p.returncode, 5)

    def test_exit_status_4xx(self):
        steps = [BANNER, {"expect": "MAIL"}, {"send": "451 try later\r\n"}] + QUIT_OK
        with FakeServer(steps) as srv:
            p = run_smtpsh(["-e", "mail a@b", "-e", "quit", "127.0.0.1", str(srv.port)])
        self.assertEqual(p.returncode, 4)

    def test_usage_error(self):
        p = run_smtpsh(["--no-such-option"])
        self.assertEqual(p.returncode, 2)
        self.assertTrue(p.stderr)
        # Issue 19: --demo --serve said "too many arguments".
        p = run_smtpsh(["--demo", "--serve", "0"])
        self.assertEqual(p.returncode, 2)
        self.assertIn(b"choose one", p.stderr)

    def test_timing_shows_each_replys_latency(self):
        # Issue 19: --timing (and `timing on|off`) shows each reply's latency
        # in line mode, as swaks' --show-time-lapse; a reply held 300 ms
        # shows at least that.
        steps = [BANNER, {"expect": "NOOP"}, {"sleep": 0.3}, {"send": "250 slow\r\n"},
                 {"expect": "NOOP"}, {"send": "250 quick\r\n"}] + QUIT_OK
        with FakeServer(steps) as srv:
            p = run_smtpsh(["--timing", "-e", "noop", "-e", "timing off", "-e", "noop",
                            "127.0.0.1", str(srv.port)])
        out = p.stdout.decode()
        times = [float(m) for m in re.findall(r"^= time: ([0-9.]+) ms$", out, re.M)]
        self.assertEqual(len(times), 2, out)          # the greeting and the slow NOOP only
        self.assertGreaterEqual(times[1], 300.0)
        self.assertLess(out.index("time:", out.index("< 250 slow")), out.index("< 250 quick"))
        with FakeServer([BANNER, {"expect": "NOOP"}, {"send": "250 ok\r\n"}] + QUIT_OK) as srv:
            p = run_smtpsh(["-e", "noop", "127.0.0.1", str(srv.port)])
        self.assertNotIn("time:", p.stdout.decode())

    def test_summary_names_the_step_that_decided_the_status(self):
        # Issue 19: a 5xx to VRFY, then a reply that cannot be parsed (600):
        # the status is 3
        # and the summary names the step that made it, not the first 5xx.
        steps = [BANNER, {"expect": "VRFY"}, {"send": "550 no\r\n"}, {"expect": "NOOP"},
                 {"send": "what is this\r\n"}] + QUIT_OK
        with FakeServer(steps) as srv:
            p = run_smtpsh(["--json", "-e", "vrfy alice", "-e", "noop", "127.0.0.1", str(srv.port)])
        recs = [json.loads(l) for l in p.stdout.decode().splitlines() if l.strip()]
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertEqual(recs[-1]["type"], "summary")
        self.assertEqual((recs[-1]["status"], recs[-1]["failed_stage"]), (3, "noop"))

    def test_help_and_man_page_list_every_exit_status(self):
        # Issue 18: one exit-status table feeds --help and the man page
        # (--help omitted 6); the worst-wins order is the table's.
        p = run_smtpsh(["--help"])
        self.assertEqual(p.returncode, 0)
        # Issue 19: --help fits 80 columns.
        wide = [l for l in p.stdout.decode().splitlines() if len(l) > 80]
        self.assertEqual(wide, [])
        lines = p.stdout.decode().split("Exit status", 1)[1].splitlines()
        codes = [int(l.split()[0]) for l in lines[1:] if l.split()[:1] and l.split()[0].isdigit()]
        # Issue 22: 7, an audit's findings of medium severity or worse.
        self.assertEqual(codes, [0, 4, 6, 7, 5, 2, 3])
        man = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs",
                                "smtpsh.1")).read().split(".SH EXIT STATUS", 1)[1].split(".SH ", 1)[0]
        # Issue 19: --stage-status's table (swaks' numbers) follows, in both.
        stages = [1, 2, 6, 21, 22, 23, 24, 25, 26, 27, 28, 29, 32, 33, 34, 36]
        self.assertEqual([int(c) for c in re.findall(r"\.TP\n\\fB(\d+)\\fR", man)],
                         codes + stages)

    def test_unparsable_reply_is_600(self):
        steps = [BANNER, {"expect": "NOOP"}, {"send": "hello there\r\n"}] + QUIT_OK
        with FakeServer(steps) as srv:
            p = run_smtpsh(["--json", "-e", "noop", "-e", "quit", "127.0.0.1", str(srv.port)])
        recs = reply_records(p.stdout)
        self.assertEqual(recs[1]["code"], 600)
        self.assertEqual(recs[1]["lines"], ["hello there"])
        self.assertEqual(recs[1]["verdict"], "error")
        self.assertEqual(p.returncode, 3)

    def test_eof_mid_reply_is_621(self):
        steps = [BANNER, {"expect": "EHLO"}, {"send": "250-fake.test\r\n250-SIZE"}, {"close": "fin"}]
        with FakeServer(steps) as srv:
            p = run_smtpsh(["--json", "-e", "ehlo x.example", "-e", "noop", "127.0.0.1", str(srv.port)])
        recs = reply_records(p.stdout)
        self.assertEqual(recs[1]["code"], 621)
        self.assertEqual(recs[1]["lines"], ["fake.test", "250-SIZE"])
        self.assertEqual(p.returncode, 3)

    def test_close_without_221_reported(self):
        steps = [BANNER, {"expect": "NOOP"}, {"close": "fin"}]
        with FakeServer(steps) as srv:
            p = run_smtpsh(["-e", "noop", "127.0.0.1", str(srv.port)])
        self.assertIn("closed", p.stderr.decode().lower())
        self.assertEqual(p.returncode, 3)

    def test_silent_server_times_out(self):
        steps = [{"sleep": 5}]
        with FakeServer(steps) as srv:
            p = run_smtpsh(["--timeout", "1", "-e", "quit", "127.0.0.1", str(srv.port)])
        self.assertIn("timeout", p.stderr.decode().lower() + p.stdout.decode().lower())
        self.assertEqual(p.returncode, 3)

    def test_connection_refused(self):
        # A port bound but not listening refuses connections, and stays ours
        # for the whole test (closing it first would let another process
        # take it).
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
            p = run_smtpsh(["-e", "quit", "127.0.0.1", str(port)])
        self.assertEqual(p.returncode, 3)
        err = p.stderr.decode()
        self.assertIn("refused", err.lower())
        self.assertLessEqual(len(err.strip().splitlines()), 2)

    def test_escape_sequences_never_reach_stdout(self):
        evil = "250-\x1b]0;owned\x07title\r\n250-\x1b[2J\x1b[31mred\r\n250-\x9b31m c1\r\n250 \xc2\x9b utf8 c1\r\n"
        steps = [BANNER, {"expect": "NOOP"}, {"send": evil}] + QUIT_OK
        for mode in (["--no-color"], ["--json"]):
            with FakeServer(steps) as srv:
                p = run_smtpsh(mode + ["-e", "noop", "-e", "quit", "127.0.0.1", str(srv.port)])
            for b in p.stdout:
                self.assertFalse(b < 0x20 and b not in (0x0a,), f"{mode}: raw control byte {b:#x}")
                self.assertNotEqual(b, 0x7f)
            self.assertNotIn(b"\xc2\x9b", p.stdout)
            self.assertNotIn(b"\x9b", p.stdout)


if __name__ == "__main__":
    unittest.main()
