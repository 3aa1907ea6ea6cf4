"""test_lookup.py - lookups at scale (issue 11): `smtpsh --lookup FILE HOST PORT`
and the shell's `lookup` against test/fakesmtp.py's directory server with
every defence it has (closing after N commands, 421, 554 after 10, a tarpit,
252 to everything, a catch-all, slow pipelined groups, mixed and temporary
answers) and against the teaching server.  In every case each name has
exactly one final verdict, in input order."""
import csv
import io
import json
import os
import pty
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from harness import (BANNER, FakeDNS, FakeServer, SMTPSH, WRAPPER, json_records,  # noqa: E402
                     make_certs, run_smtpsh)

USERS = {"alice": None, "bob": None, "carol": None, "postmaster": None}


def names_file(d, names):
    path = os.path.join(d, "names.txt")
    with open(path, "w") as f:
        f.write("# a comment, then the names\n\n")
        for n in names:
            f.write(n + "\n")
    return path


def lookup_records(stdout):
    recs = json_records(stdout)
    rows = [r for r in recs if r["type"] == "lookup"]
    summary = [r for r in recs if r["type"] == "lookup-summary"]
    return rows, summary[-1] if summary else None, recs


class LookupCase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="smtpsh-lookup-")
        self.d = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def run_fake(self, names, serve, args=(), connections=1, timeout=60):
        """smtpsh --json --lookup against the lookup server; returns
        (process, rows, summary, all records, wire bytes, seconds)."""
        path = names_file(self.d, names)
        steps = [BANNER, dict(serve, serve="lookup")]
        with FakeServer(steps, connections=connections) as srv:
            t0 = time.monotonic()
            p = run_smtpsh(["--json", "--lookup", path] + list(args) + ["127.0.0.1", str(srv.port)],
                           timeout=timeout)
            secs = time.monotonic() - t0
            wire = srv.stop()
        rows, summary, recs = lookup_records(p.stdout)
        return p, rows, summary, recs, wire, secs

    def assert_every_name_once(self, names, rows):
        self.assertEqual([r["name"] for r in rows], names)

    def verdicts(self, rows):
        return {r["name"]: r["verdict"] for r in rows}


class Basics(LookupCase):
    def test_vrfy_auto_verdicts_and_record_shape(self):
        names = ["alice", "nobody", "bob", "ghost"]
        p, rows, summary, recs, wire, _ = self.run_fake(names, {"users": USERS})
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assert_every_name_once(names, rows)
        self.assertEqual(self.verdicts(rows), {"alice": "exists", "nobody": "unknown",
                                               "bob": "exists", "ghost": "unknown"})
        a = rows[0]
        self.assertEqual(a["method"], "vrfy")
        self.assertEqual(a["code"], 250)
        self.assertIsNone(a["enhanced"])
        self.assertEqual(a["lines"], ["Alice <alice@fake.test>"])
        self.assertEqual(a["addresses"], ["alice@fake.test"])
        self.assertEqual(a["attempts"], 1)
        self.assertEqual(rows[1]["enhanced"], "5.1.1")
        self.assertEqual(summary["total"], 4)
        self.assertEqual(summary["by_verdict"]["exists"], 2)
        self.assertEqual(summary["by_verdict"]["unknown"], 2)
        self.assertEqual(summary["connections"], 1)
        self.assertIsInstance(summary["elapsed_ms"], (int, float))
        # Only lookup records (and notes) on stdout: no reply records.
        self.assertFalse([r for r in recs if r["type"] == "reply"])
        self.assertIn(b"VRFY postmaster\r\n", wire)       # the auto probe
        self.assertIn(b"VRFY alice\r\nVRFY nobody\r\nVRFY bob\r\nVRFY ghost\r\n", wire)
        self.assertNotIn(b"DATA", wire)
        self.assertTrue(wire.endswith(b"QUIT\r\n"), wire[-40:])

    def test_252_to_everything_chooses_rcpt(self):
        names = ["alice", "nobody", "bob"]
        p, rows, summary, _, wire, _ = self.run_fake(
            names, {"users": USERS, "vrfy": "252"}, ["--domain", "fake.test"])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assert_every_name_once(names, rows)
        self.assertEqual(self.verdicts(rows), {"alice": "exists", "nobody": "unknown", "bob": "exists"})
        self.assertTrue(all(r["method"] == "rcpt" for r in rows))
        self.assertIn(b"MAIL FROM:<>\r\n", wire)
        self.assertIn(b"RCPT TO:<alice@fake.test>\r\n", wire)
        self.assertNotIn(b"DATA", wire)
        self.assertIn(b"RSET\r\nQUIT\r\n", wire)
        self.assertIs(summary["catch_all"], False)

    def test_502_vrfy_chooses_rcpt_with_from(self):
        names = ["alice", "nobody"]
        p, rows, _, _, wire, _ = self.run_fake(
            names, {"users": USERS, "vrfy": "502"}, ["--domain", "fake.test", "--from", "probe@client.test"])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.verdicts(rows), {"alice": "exists", "nobody": "unknown"})
        self.assertIn(b"MAIL FROM:<probe@client.test>\r\n", wire)

    def test_rset_every_100_recipients(self):
        names = [f"user{i:03d}" for i in range(130)]
        p, rows, _, _, wire, _ = self.run_fake(
            names, {"users": USERS, "vrfy": "252", "pipelining": True}, ["--domain", "fake.test"])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assert_every_name_once(names, rows)
        txns = wire.split(b"MAIL FROM:<>\r\n")[1:]
        # RFC 5321 4.5.3.1.8: 100 recipients per transaction (the catch-all
        # probe is the first of them), then RSET and a new MAIL.
        self.assertEqual([t.count(b"RCPT TO:") for t in txns], [100, 31])
        self.assertTrue(txns[0].endswith(b"RSET\r\n"))
        self.assertTrue(wire.endswith(b"RSET\r\nQUIT\r\n"))

    def test_a_pipelined_group_goes_in_one_write(self):
        """RFC 2920 3.1: RSET, MAIL and the group's RCPTs leave in one
        write, so the server reads them together and answers in one flush.
        Sent one write each, the server answered the first alone, and its
        next flush waited for our delayed ACK: 40 ms a group against
        Postfix (pipelining was 3.5 times slower than without)."""
        names = [f"user{i:03d}" for i in range(130)]
        path = names_file(self.d, names)
        serve = {"serve": "lookup", "users": USERS, "vrfy": "252", "pipelining": True,
                 "log_batches": True}
        with FakeServer([BANNER, serve]) as srv:
            p = run_smtpsh(["--json", "--lookup", path, "--domain", "fake.test",
                            "127.0.0.1", str(srv.port)])
            srv.stop()
        self.assertEqual(p.returncode, 0, p.stderr)
        rows, _, _ = lookup_records(p.stdout)
        self.assert_every_name_once(names, rows)
        batches = [l.split()[2:] for l in srv.stderr.splitlines() if l.startswith("fakesmtp: batch")]
        # The second transaction: RSET, MAIL and its 31 RCPTs together,
        # and the NOOP that shows the replies were in step (issue 17).
        self.assertIn(["RSET", "MAIL"] + ["RCPT"] * 31 + ["NOOP"], batches, batches)
        # Every other group of the first transaction: 50 RCPTs together.
        self.assertIn(["RCPT"] * 50 + ["NOOP"], batches, batches)

    def test_mail_refused_leaves_every_name_untested(self):
        names = ["alice", "bob", "carol"]
        for pipelining in (False, True):
            with self.subTest(pipelining=pipelining):
                p, rows, _, _, wire, _ = self.run_fake(
                    names, {"users": USERS, "vrfy": "252", "pipelining": pipelining,
                            "mail_reply": "550 5.7.1 null sender refused"}, ["--domain", "fake.test"])
                self.assertEqual(p.returncode, 3, p.stderr)
                self.assert_every_name_once(names, rows)
                for r in rows:
                    self.assertEqual(r["verdict"], "untested")
                    self.assertIn("550 5.7.1 null sender refused", r["reason"])

    def test_catch_all(self):
        names = ["alice", "nobody", "whoever"]
        p, rows, summary, recs, wire, _ = self.run_fake(
            names, {"users": USERS, "vrfy": "252", "catch_all": True}, ["--domain", "fake.test"])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assert_every_name_once(names, rows)
        self.assertEqual(set(self.verdicts(rows).values()), {"accepted"})
        self.assertIs(summary["catch_all"], True)
        notes = [r for r in recs if r["type"] == "lookup-event" and r["event"] == "catch-all"]
        self.assertEqual(len(notes), 1, recs)

    def test_method_expn_and_vrfy_forced(self):
        names = ["staff", "nobody"]
        users = {"staff": "250-Alice <alice@fake.test>\\r\\n250 Bob <bob@fake.test>"}
        p, rows, _, _, wire, _ = self.run_fake(names, {"users": users}, ["--method", "expn"])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(rows[0]["verdict"], "exists")
        self.assertEqual(rows[0]["method"], "expn")
        self.assertEqual(rows[0]["addresses"], ["alice@fake.test", "bob@fake.test"])
        self.assertIn(b"EXPN staff\r\n", wire)
        self.assertNotIn(b"VRFY postmaster", wire)      # no probe when the method is given

    def test_vrfy_calls_it_a_list_then_expn(self):
        users = {"staff": "250-Alice <alice@fake.test>\\r\\n250 Bob <bob@fake.test>"}
        p, rows, _, _, wire, _ = self.run_fake(["staff"], {"users": dict(USERS, **users)})
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(b"VRFY staff\r\nEXPN staff\r\n", wire)
        self.assertEqual(rows[0]["method"], "expn")
        self.assertEqual(rows[0]["addresses"], ["alice@fake.test", "bob@fake.test"])

    def test_temporary_retried_then_final(self):
        names = ["alice", "bob", "carol"]
        p, rows, _, _, wire, _ = self.run_fake(
            names, {"users": USERS, "temp_once": ["bob"], "temp_always": ["carol"]},
            ["--retries", "1"])
        self.assertEqual(p.returncode, 4, p.stderr)
        self.assert_every_name_once(names, rows)
        self.assertEqual(self.verdicts(rows), {"alice": "exists", "bob": "exists", "carol": "temporary"})
        self.assertEqual(rows[1]["attempts"], 2)
        self.assertEqual(rows[2]["attempts"], 2)
        self.assertEqual(wire.count(b"VRFY carol\r\n"), 2)

    def test_untrusted_text_escaped_everywhere(self):
        users = {"evil": "250 \x1b[31mred\x1b[0m <evil@fake.test>"}
        path = names_file(self.d, ["evil"])
        for fmt in ([], ["--csv"], ["--json"]):
            with self.subTest(fmt=fmt):
                with FakeServer([BANNER, {"serve": "lookup", "users": dict(USERS, **users)}]) as srv:
                    p = run_smtpsh(["--no-color", "--lookup", path] + fmt + ["127.0.0.1", str(srv.port)])
                    srv.stop()
                self.assertEqual(p.returncode, 0, p.stderr)
                self.assertNotIn(b"\x1b", p.stdout)
                self.assertIn(b"red", p.stdout)


class Formats(LookupCase):
    def test_csv_rfc4180(self):
        names = ["alice", "nobody", '"we,ird"@fake.test']
        path = names_file(self.d, names)
        out = os.path.join(self.d, "out.csv")
        with FakeServer([BANNER, {"serve": "lookup", "users": USERS}]) as srv:
            p = run_smtpsh(["--csv", "--output", out, "--lookup", path, "127.0.0.1", str(srv.port)])
            srv.stop()
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotIn(b"alice", p.stdout)             # the results went to the file
        with open(out, "rb") as f:
            data = f.read()
        self.assertTrue(data.startswith(b"name,method,verdict,code,enhanced,text,addresses,attempts,reason\r\n"), data[:120])
        rows = list(csv.DictReader(io.StringIO(data.decode(), newline="")))
        self.assertEqual([r["name"] for r in rows], names)
        self.assertEqual([r["verdict"] for r in rows], ["exists", "unknown", "unknown"])
        self.assertEqual(rows[0]["addresses"], "alice@fake.test")
        self.assertEqual(rows[1]["code"], "550")

    def test_csv_formulas_neutralised_and_resumed(self):
        # Issue 17: a cell a spreadsheet would run as a formula (server
        # text is the attacker's) starts with "'"; --resume reads the names
        # back as they were.
        names = ["alice", "-bob", "=carol"]
        users = {"alice": "250 =HYPERLINK(\"http://evil.test\",\"x\")",
                 "-bob": "250 +cmd|' /C calc'!A0", "=carol": "250 @SUM(1+1)"}
        path = names_file(self.d, names)
        out = os.path.join(self.d, "out.csv")
        with FakeServer([BANNER, {"serve": "lookup", "users": users}]) as srv:
            p = run_smtpsh(["--csv", "--method", "vrfy", "--output", out, "--lookup", path,
                            "127.0.0.1", str(srv.port)])
            srv.stop()
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = list(csv.DictReader(open(out, newline="")))
        self.assertEqual([r["name"] for r in rows], ["alice", "'-bob", "'=carol"])
        for r in rows:
            for k, v in r.items():
                self.assertFalse(v[:1] in ("=", "+", "-", "@", "\t", "\r"), f"{k}: {v!r}")
        self.assertTrue(rows[0]["text"].startswith("'=HYPERLINK"), rows[0])
        # Every name already has its verdict: a resume asks nothing.
        with FakeServer([BANNER, {"serve": "lookup", "users": users}]) as srv:
            p = run_smtpsh(["--csv", "--method", "vrfy", "--resume", out, "--output", out,
                            "--lookup", path, "127.0.0.1", str(srv.port)])
            wire = srv.stop()
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotIn(b"VRFY", wire)
        again = list(csv.DictReader(open(out, newline="")))
        self.assertEqual([r["name"] for r in again], ["alice", "'-bob", "'=carol"])

    def test_table_on_stdout(self):
        path = names_file(self.d, ["alice", "nobody"])
        with FakeServer([BANNER, {"serve": "lookup", "users": USERS}]) as srv:
            p = run_smtpsh(["--no-color", "--lookup", path, "127.0.0.1", str(srv.port)])
            srv.stop()
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = p.stdout.decode().splitlines()
        self.assertTrue(lines[0].startswith("NAME"), lines)
        self.assertRegex(lines[1], r"^alice\s+exists\s+250\s+-\s+Alice <alice@fake.test>$")
        self.assertRegex(lines[2], r"^nobody\s+unknown\s+550\s+5\.1\.1\s+")
        self.assertIn("2 names", lines[-1])
        self.assertNotIn("\r", p.stderr.decode())         # no progress bar: stderr is no tty

    def test_shell_lookup_names_and_file(self):
        path = names_file(self.d, ["bob", "nobody"])
        steps = [BANNER, {"serve": "lookup", "users": USERS}]
        with FakeServer(steps) as srv:
            p = run_smtpsh(["--json", "-e", "ehlo client.test", "-e", "lookup alice ghost",
                            "-e", f"lookup {path}", "-e", "quit", "127.0.0.1", str(srv.port)])
            wire = srv.stop()
        self.assertEqual(p.returncode, 0, p.stderr)
        rows, _, recs = lookup_records(p.stdout)
        self.assertEqual([(r["name"], r["verdict"]) for r in rows],
                         [("alice", "exists"), ("ghost", "unknown"), ("bob", "exists"), ("nobody", "unknown")])
        self.assertEqual(len([r for r in recs if r["type"] == "lookup-summary"]), 2)
        self.assertEqual(wire.count(b"EHLO"), 1)          # the shell's connection was used

    def test_explain_verdicts(self):
        p = run_smtpsh(["--json", "-e", "explain cannot-verify", "-e", "explain accepted"])
        self.assertEqual(p.returncode, 0, p.stderr)
        recs = [r for r in json_records(p.stdout) if r["type"] == "explain"]
        self.assertEqual(recs[0]["verdict"], "cannot-verify")
        self.assertIn("252", recs[0]["meaning"])
        self.assertIn("catch-all", recs[1]["meaning"])

    def test_usage_errors(self):
        path = names_file(self.d, ["alice"])
        for args in (["--method", "smtp"], ["--rate", "fast"], ["--retries", "-1"], ["--csv", "--json"]):
            with self.subTest(args=args):
                p = run_smtpsh(["--lookup", path] + args + ["127.0.0.1", "1"])
                self.assertEqual(p.returncode, 2, p.stderr)
        p = run_smtpsh(["--lookup", os.path.join(self.d, "missing"), "127.0.0.1", "1"])
        self.assertEqual(p.returncode, 2, p.stderr)


class Defences(LookupCase):
    NAMES = [f"user{i:02d}" for i in range(30)]
    KNOWN = {n: None for n in NAMES[::3]}

    def expected(self):
        return {n: "exists" if n in self.KNOWN else "unknown" for n in self.NAMES}

    def test_close_after_n_commands(self):
        p, rows, summary, _, wire, _ = self.run_fake(
            self.NAMES, {"users": dict(self.KNOWN, postmaster=None), "close_after": 8}, connections=20)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assert_every_name_once(self.NAMES, rows)
        self.assertEqual(self.verdicts(rows), self.expected())
        self.assertGreater(summary["connections"], 3)
        # After the first close the limit is known: every later connection
        # ends with our QUIT, before the server would close it.
        self.assertEqual(wire.count(b"QUIT\r\n"), summary["connections"] - 1)

    def test_421_after_n(self):
        p, rows, summary, _, _, _ = self.run_fake(
            self.NAMES, {"users": dict(self.KNOWN, postmaster=None), "reply_421_after": 10}, connections=20)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assert_every_name_once(self.NAMES, rows)
        self.assertEqual(self.verdicts(rows), self.expected())
        self.assertEqual(max(r["attempts"] for r in rows), 2)

    def test_554_after_10_is_not_a_verdict(self):
        p, rows, summary, _, _, _ = self.run_fake(
            self.NAMES, {"users": dict(self.KNOWN, postmaster=None), "reply_554_after": 10}, connections=20)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assert_every_name_once(self.NAMES, rows)
        self.assertEqual(self.verdicts(rows), self.expected())

    def test_tarpit_noticed(self):
        p, rows, summary, recs, _, secs = self.run_fake(
            self.NAMES, {"users": dict(self.KNOWN, postmaster=None), "tarpit_after": 6, "tarpit": 0.4},
            connections=20)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assert_every_name_once(self.NAMES, rows)
        self.assertEqual(self.verdicts(rows), self.expected())
        events = [r for r in recs if r["type"] == "lookup-event" and r["event"] == "tarpit"]
        self.assertEqual(len(events), 1, recs)
        self.assertIs(summary["tarpit"], True)
        self.assertLess(secs, 12)

    def test_one_slow_reply_is_no_tarpit(self):
        p, rows, summary, recs, wire, _ = self.run_fake(
            self.NAMES, {"users": dict(self.KNOWN, postmaster=None), "spike_at": 8, "spike": 0.6},
            connections=3)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assert_every_name_once(self.NAMES, rows)
        self.assertEqual(self.verdicts(rows), self.expected())
        self.assertIs(summary["tarpit"], False)
        self.assertEqual(summary["connections"], 1)

    def test_pipelined_slow_groups_mixed(self):
        names = [f"user{i:02d}" for i in range(40)]
        users = {n: None for n in names[::2]}
        users["user01"] = "553 5.1.3 bad address"
        users["user05"] = "554 5.7.1 <user05@fake.test>: Relay access denied"
        serve = {"users": users, "vrfy": "252", "pipelining": True, "group_delay": 0.3,
                 "temp_once": ["user07"]}
        p, rows, summary, _, wire, secs = self.run_fake(names, serve, ["--domain", "fake.test"])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assert_every_name_once(names, rows)
        want = {n: "exists" if i % 2 == 0 else "unknown" for i, n in enumerate(names)}
        want["user05"] = "rejected"
        self.assertEqual(self.verdicts(rows), want)
        self.assertEqual(rows[7]["attempts"], 2)
        # One at a time this would take 40 x 0.3 s.
        self.assertLess(secs, 6)
        self.assertNotIn(b"DATA", wire)

    def test_refused_mid_list_then_untested(self):
        p, rows, summary, _, _, _ = self.run_fake(
            self.NAMES, {"users": dict(self.KNOWN, postmaster=None), "close_after": 8}, connections=2)
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assert_every_name_once(self.NAMES, rows)
        untested = [r for r in rows if r["verdict"] == "untested"]
        self.assertTrue(untested)
        self.assertTrue(all(r["reason"] for r in untested))
        answered = [r for r in rows if r["verdict"] != "untested"]
        self.assertEqual(rows[:len(answered)], answered)    # the answered ones come first

    def test_overrides(self):
        names = self.NAMES[:10]
        serve = {"users": dict(self.KNOWN, postmaster=None)}
        p, rows, summary, _, wire, secs = self.run_fake(
            names, serve, ["--method", "vrfy", "--per-connection", "3", "--rate", "20/s"], connections=10)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assert_every_name_once(names, rows)
        self.assertEqual(summary["connections"], 4)
        self.assertEqual(wire.count(b"QUIT\r\n"), 4)
        self.assertGreaterEqual(secs, 9 / 20)
        p, rows, summary, _, _, _ = self.run_fake(
            names, dict(serve, close_after=4), ["--method", "vrfy", "--max-connections", "2"], connections=10)
        self.assertEqual(summary["connections"], 2)
        self.assertTrue(any("max-connections" in r["reason"] for r in rows if r["verdict"] == "untested"))


class Stopping(LookupCase):
    def test_sigterm_writes_everything(self):
        names = [f"user{i:02d}" for i in range(20)]
        path = names_file(self.d, names)
        out = os.path.join(self.d, "out.json")
        serve = {"serve": "lookup", "users": {"postmaster": None}, "group_delay": 0.2}
        with FakeServer([BANNER, serve]) as srv:
            proc = subprocess.Popen(WRAPPER + [SMTPSH, "--json", "--method", "vrfy", "--output", out,
                                               "--lookup", path, "127.0.0.1", str(srv.port)],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                if os.path.exists(out) and b'"lookup"' in open(out, "rb").read():
                    break
                time.sleep(0.02)
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=30)
            srv.stop()
        self.assertEqual(proc.returncode, 143, err)
        with open(out, "rb") as f:
            rows, summary, _ = lookup_records(f.read())
        self.assert_every_name_once(names, rows)
        self.assertEqual(rows[0]["verdict"], "unknown")
        self.assertEqual(rows[-1]["verdict"], "untested")
        self.assertIs(summary["cancelled"], True)

    def test_sigterm_while_a_reply_is_awaited(self):
        """A server that goes silent (no EHLO reply): SIGTERM still ends the
        run within the few seconds QUIT is given, every name untested."""
        names = [f"user{i:02d}" for i in range(5)]
        path = names_file(self.d, names)
        with FakeServer([BANNER, {"expect": "EHLO"}, {"sleep": 60}]) as srv:
            proc = subprocess.Popen(WRAPPER + [SMTPSH, "--json", "--method", "vrfy",
                                               "--lookup", path, "127.0.0.1", str(srv.port)],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            time.sleep(1)
            started = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            try:
                out, err = proc.communicate(timeout=20)
            finally:
                proc.kill()
                srv.stop()
        self.assertLess(time.monotonic() - started, 10)
        self.assertEqual(proc.returncode, 143, err)
        rows, summary, _ = lookup_records(out)
        self.assertEqual([r["verdict"] for r in rows], ["untested"] * 5)
        self.assertIs(summary["cancelled"], True)

    def test_resume(self):
        names = [f"user{i:02d}" for i in range(12)]
        path = names_file(self.d, names)
        out = os.path.join(self.d, "out.csv")
        users = {"postmaster": None, "user03": None}
        with FakeServer([BANNER, {"serve": "lookup", "users": users, "close_after": 6}]) as srv:
            p = run_smtpsh(["--csv", "--method", "vrfy", "--output", out, "--lookup", path,
                            "127.0.0.1", str(srv.port)])
            srv.stop()
        self.assertEqual(p.returncode, 3, p.stderr)
        first = list(csv.DictReader(open(out, newline="")))
        done = [r["name"] for r in first if r["verdict"] != "untested"]
        self.assertTrue(0 < len(done) < len(names), first)
        with FakeServer([BANNER, {"serve": "lookup", "users": users}]) as srv:
            p = run_smtpsh(["--csv", "--method", "vrfy", "--resume", out, "--output", out,
                            "--lookup", path, "127.0.0.1", str(srv.port)])
            wire = srv.stop()
        self.assertEqual(p.returncode, 0, p.stderr)
        second = list(csv.DictReader(open(out, newline="")))
        self.assertEqual([r["name"] for r in second], names)
        self.assertEqual(second[:len(done)], first[:len(done)])
        for n in done:
            self.assertNotIn(f"VRFY {n}\r\n".encode(), wire)
        self.assertEqual(second[3]["verdict"], "exists")
        self.assertTrue(all(r["verdict"] in ("exists", "unknown") for r in second))


class Reconnect(LookupCase):
    def test_replays_ehlo_starttls_auth(self):
        certs = make_certs(self.d)
        names = [f"user{i:02d}" for i in range(8)]
        path = names_file(self.d, names)
        steps = [BANNER, {"serve": "lookup", "users": {"postmaster": None}, "offer_starttls": True,
                          "require_auth": True, "close_after": 7}]
        with FakeServer(steps, tls=(certs["leaf.pem"], certs["leaf.key"]), connections=6) as srv:
            p = run_smtpsh(["--json", "--method", "vrfy", "--cafile", certs["ca.pem"],
                            "-e", "ehlo client.test", "-e", "starttls", "-e", "auth plain bob",
                            "-e", f"lookup {path}", "-e", "quit", "localhost", str(srv.port)],
                           env_extra={"SMTPSH_PASSWORD": "secret"})
            wire = srv.stop()
        rows, summary, _ = lookup_records(p.stdout)
        self.assert_every_name_once(names, rows)
        self.assertTrue(all(r["verdict"] == "unknown" for r in rows), rows)
        self.assertGreater(summary["connections"], 1)
        # Every connection (the record holds what the server read, TLS
        # removed) said EHLO, STARTTLS, EHLO again and AUTH before a lookup.
        self.assertEqual(wire.count(b"EHLO client.test\r\nSTARTTLS\r\nEHLO client.test\r\n"
                                    b"AUTH PLAIN "), summary["connections"])


class Route(LookupCase):
    def test_a_domain_through_its_mx_every_connection(self):
        names = [f"user{i:02d}" for i in range(12)]
        path = names_file(self.d, names)
        steps = [BANNER, {"serve": "lookup", "users": {"postmaster": None}, "close_after": 6}]
        with FakeServer(steps, host="127.0.0.2", connections=8) as mx:
            zone = {"example.test": {"MX": [[10, "mx1.example.test"]]},
                    "mx1.example.test": {"A": ["127.0.0.2"]}}
            with FakeDNS(zone) as dns:
                p = run_smtpsh(["--json", "--method", "vrfy", "--mx", "--lookup", path,
                                "example.test", str(mx.port)], env_extra=dns.env)
            mx.stop()
        rows, summary, recs = lookup_records(p.stdout)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assert_every_name_once(names, rows)
        self.assertTrue(all(r["verdict"] == "unknown" for r in rows), rows)
        # mx1.example.test is known only to the fake DNS: each reconnect went
        # through the MX route again, not to the name or the domain directly.
        self.assertGreater(summary["connections"], 1)
        self.assertFalse([r for r in recs if r["type"] in ("reply", "connect")])


class Progress(LookupCase):
    def test_progress_bar_only_on_a_terminal(self):
        names = [f"user{i:02d}" for i in range(5)]
        path = names_file(self.d, names)
        with FakeServer([BANNER, {"serve": "lookup", "users": {"postmaster": None}}]) as srv:
            master, slave = pty.openpty()
            proc = subprocess.Popen(WRAPPER + [SMTPSH, "--csv", "--lookup", path, "127.0.0.1", str(srv.port)],
                                    stdout=subprocess.PIPE, stderr=slave, stdin=subprocess.DEVNULL)
            os.close(slave)
            out, _ = proc.communicate(timeout=30)
            err = b""
            while True:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                err += chunk
            os.close(master)
            srv.stop()
        self.assertEqual(proc.returncode, 0, err)
        self.assertIn(b"5/5", err)
        self.assertIn(b"\r", err)
        self.assertNotIn(b"5/5", out)


class ShellLookupOptions(LookupCase):
    def test_the_shells_lookup_takes_the_lookup_options(self):
        # Issue 19: `lookup --method rcpt alice` sent RCPT TO:<--method>; the
        # shell's lookup takes the command line's lookup options from the
        # same table, for that run only; others are refused, nothing sent.
        out = os.path.join(self.d, "rows.csv")
        with FakeServer([BANNER, {"serve": "lookup", "users": USERS}]) as srv:
            p = run_smtpsh(["-e", "ehlo client.example",
                            "-e", f"lookup --method rcpt --domain fake.test --csv --output {out} "
                                  "alice nobody",
                            "-e", "lookup --tls alice",
                            "127.0.0.1", str(srv.port)])
            wire = srv.stop()
        self.assertIn(b"RCPT TO:<alice@fake.test>", wire)
        self.assertIn(b"RCPT TO:<nobody@fake.test>", wire)
        self.assertNotIn(b"--", wire)
        self.assertNotIn(b"VRFY", wire)
        rows = list(csv.DictReader(open(out, newline="")))
        self.assertEqual([(r["name"], r["verdict"]) for r in rows],
                         [("alice", "exists"), ("nobody", "unknown")])
        self.assertIn(b'not "--tls"', p.stderr)
        self.assertNotIn(b"alice,", p.stdout)          # the rows went to the file


class QuietReconnects(LookupCase):
    def test_reconnects_at_a_known_limit_are_counted_not_printed(self):
        # Issue 19: one line per planned reconnect ran through the table
        # (99 against Postfix); the count goes to the bar and the summary,
        # and --json keeps every event.
        names = [f"user{i}" for i in range(6)]
        path = names_file(self.d, names)
        with FakeServer([BANNER, {"serve": "lookup", "users": USERS}], connections=3) as srv:
            p = run_smtpsh(["--no-color", "--method", "vrfy", "--per-connection", "2", "--lookup",
                            path, "127.0.0.1", str(srv.port)])
            srv.stop()
        err = p.stderr.decode()
        self.assertEqual(p.returncode, 0, err)
        self.assertNotIn("connection 2", err)
        self.assertIn("3 connections", err + p.stdout.decode())
        p, rows, summary, recs, wire, _ = self.run_fake(
            names, {"users": USERS}, ["--method", "vrfy", "--per-connection", "2"], connections=3)
        self.assertEqual(len([r for r in recs if r.get("event") == "reconnect"]), 2)
        self.assertEqual(summary["connections"], 3)


class NothingLost(LookupCase):
    """Issue 17: every write is checked; a result that cannot be written is
    said on stderr and the exit status is not 0; files that would block or
    destroy the names are refused before anything is connected."""

    def test_output_dev_full_is_an_error(self):
        path = names_file(self.d, ["alice", "bob"])
        p = run_smtpsh(["--demo", "--lookup", path, "--output", "/dev/full"])
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn(b"/dev/full", p.stderr)
        self.assertIn(b"No space left", p.stderr)

    def test_json_stdout_dev_full_is_an_error(self):
        with open("/dev/full", "wb") as full:
            p = subprocess.run(WRAPPER + [SMTPSH, "--demo", "--json", "-e", "noop"],
                               stdin=subprocess.DEVNULL, stdout=full, stderr=subprocess.PIPE,
                               timeout=30)
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn(b"standard output", p.stderr)

    def test_closed_stdout_pipe_is_an_error(self):
        path = names_file(self.d, ["alice", "bob"])
        r, w = os.pipe()
        os.close(r)                      # nobody will ever read: EPIPE
        try:
            p = subprocess.run(WRAPPER + [SMTPSH, "--demo", "--csv", "--lookup", path],
                               stdin=subprocess.DEVNULL, stdout=w, stderr=subprocess.PIPE,
                               timeout=30)
        finally:
            os.close(w)
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn(b"Broken pipe", p.stderr)

    def test_transcript_write_error_is_said(self):
        # A regular file that stops growing at 200 bytes (RLIMIT_FSIZE, with
        # SIGXFSZ ignored so the write fails with EFBIG instead).
        log = os.path.join(self.d, "t.log")

        def small_files():
            import resource
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (200, 200))
        p = subprocess.run(WRAPPER + [SMTPSH, "--demo", "--transcript", log, "-e", "noop",
                                      "-e", "noop"], stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30,
                           preexec_fn=small_files)
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn(b"transcript write failed", p.stderr)

    def test_fifo_files_refused_before_connecting(self):
        fifo = os.path.join(self.d, "fifo")
        os.mkfifo(fifo)
        path = names_file(self.d, ["alice"])
        for opt in ("--output", "--transcript", "--cert", "--key"):
            with self.subTest(opt=opt):
                args = [opt, fifo] + (["--cert", path] if opt == "--key" else [])
                with FakeServer([BANNER]) as srv:
                    p = run_smtpsh(args + ["--lookup", path, "127.0.0.1", str(srv.port)],
                                   timeout=20)
                    wire = srv.stop()
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertIn(b"FIFO", p.stderr)
                self.assertIn(opt.encode(), p.stderr)
                self.assertEqual(wire, b"")

    def test_names_that_are_no_mailbox_are_not_sent(self):
        # Issue 17: a names-file line is an RFC 5321 mailbox (or a local
        # part); ">" or a space would smuggle ESMTP parameters in, so such
        # a name is a row `untested` ("not a mailbox") and nothing of it is
        # sent, for every method.
        names = ["alice", "bob> NOTIFY=SUCCESS", "carol smith", "dave"]
        for method in ("rcpt", "vrfy"):
            with self.subTest(method=method):
                p, rows, summary, _, wire, _ = self.run_fake(
                    names, {"users": USERS}, ["--method", method, "--no-pipelining"])
                self.assert_every_name_once(names, rows)
                v = self.verdicts(rows)
                self.assertEqual(v["bob> NOTIFY=SUCCESS"], "untested")
                self.assertEqual(v["carol smith"], "untested")
                self.assertIn("not a mailbox", rows[1]["reason"])
                self.assertEqual(v["alice"], "exists")
                self.assertNotIn(b"NOTIFY", wire)
                self.assertNotIn(b"carol", wire)
                self.assertEqual(p.returncode, 3, p.stderr)

    def test_resume_refuses_a_cut_record(self):
        # Issue 17: a record that is not one whole JSON object (or a CSV row
        # cut short) is refused with file and line; nothing is asked and
        # nothing of it reaches stdout.
        path = names_file(self.d, ["alice", "bob"])
        cut_json = os.path.join(self.d, "cut.json")
        with open(cut_json, "w") as f:
            f.write('{"type":"lookup","name":"alice","method":"vrfy","verdict":"exists"\n')
        cut_csv = os.path.join(self.d, "cut.csv")
        with open(cut_csv, "w", newline="") as f:
            f.write("name,method,verdict,code,enhanced,text,addresses,attempts,reason\r\n"
                    "alice,vrfy,exists,250,,\"x\",\"\",1,")
        for fmt, res, line in (("--json", cut_json, "line 1"), ("--csv", cut_csv, "line 2")):
            with self.subTest(fmt=fmt):
                with FakeServer([BANNER, {"serve": "lookup", "users": USERS}]) as srv:
                    p = run_smtpsh([fmt, "--method", "vrfy", "--resume", res, "--lookup", path,
                                    "127.0.0.1", str(srv.port)])
                    wire = srv.stop()
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertIn(line.encode(), p.stdout + p.stderr)
                self.assertNotIn(b"VRFY", wire)
                if fmt == "--json":
                    json_records(p.stdout)        # stdout stays JSON only
                self.assertNotIn(b"alice", p.stdout)

    def test_output_naming_the_names_file_refused(self):
        path = names_file(self.d, ["alice", "bob"])
        with open(path) as f:
            before = f.read()
        p = run_smtpsh(["--demo", "--lookup", path, "--output", path])
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn(b"names file", p.stderr)
        with open(path) as f:
            self.assertEqual(f.read(), before)


class TeachingServer(LookupCase):
    def serve(self):
        proc = subprocess.Popen([SMTPSH, "--serve", "127.0.0.1:0"], stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        line = proc.stderr.readline().decode()
        port = line.rsplit("port", 1)[1].split()[0]
        return proc, port

    def test_teaching_server_vrfy_and_rcpt(self):
        proc, port = self.serve()
        try:
            unknown = [f"nobody{i:02d}" for i in range(25)]
            names = ["alice", "dave", "erin", "smith", "staff", "bob"] + unknown + ["shutdown", "postmaster"]
            path = names_file(self.d, names)
            p = run_smtpsh(["--json", "--lookup", path, "127.0.0.1", port], timeout=60)
            rows, summary, _ = lookup_records(p.stdout)
            self.assert_every_name_once(names, rows)
            v = self.verdicts(rows)
            self.assertEqual([v[n] for n in names[:6]],
                             ["exists", "exists", "unknown", "ambiguous", "exists", "exists"])
            self.assertEqual(rows[1]["addresses"], ["dave@new.example"])
            self.assertEqual(rows[2]["addresses"], ["erin@elsewhere.example"])
            self.assertEqual(len(rows[3]["addresses"]), 2)
            self.assertTrue(all(v[n] == "unknown" for n in unknown))
            # "shutdown" makes the server answer 421: asked a bounded number
            # of times, then untested -- and the names after it still answered.
            self.assertEqual(v["shutdown"], "untested")
            self.assertEqual(v["postmaster"], "exists")
            self.assertGreater(summary["connections"], 2)    # 20 errors end a session there
            self.assertEqual(p.returncode, 3, p.stderr)
            p = run_smtpsh(["--json", "--method", "rcpt", "--domain", "demo.smtpsh.test",
                            "--lookup", path, "127.0.0.1", port], timeout=60)
            rows, summary, _ = lookup_records(p.stdout)
            self.assert_every_name_once(names, rows)
            v = self.verdicts(rows)
            self.assertEqual([v[n] for n in names[:6]],
                             ["exists", "exists", "unknown", "ambiguous", "exists", "exists"])
            self.assertIs(summary["catch_all"], False)
        finally:
            proc.send_signal(signal.SIGINT)
            proc.communicate(timeout=20)


if __name__ == "__main__":
    unittest.main()
