"""test_tls_auth.py - STARTTLS, implicit TLS and AUTH through the built
smtpsh against test/fakesmtp.py speaking real TLS with certificates made by
the openssl CLI here: a trusted chain verifies, a self-signed one fails
with its reason and nothing more is sent, bytes injected after the 220 are
discarded and reported, AUTH PLAIN is byte-exact (RFC 4616) and its secret
never reaches stdout, stderr or the transcript."""
import base64
import os
import tempfile
import unittest

from harness import BANNER, FakeServer, json_records, make_certs, run_smtpsh


class TLS(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="smtpsh-certs-")
        cls.c = make_certs(cls.tmp.name)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def starttls_steps(self, after=None):
        return [BANNER, {"expect": "EHLO"}, {"send": "250-fake.test\r\n250 STARTTLS\r\n"},
                {"expect": "STARTTLS"}, {"send": "220 go ahead\r\n"}, {"starttls": True}] + (after or [])

    def test_starttls_trusted_then_ehlo_again(self):
        after = [{"expect": "EHLO"}, {"send": "250-fake.test\r\n250 AUTH PLAIN\r\n"},
                 {"expect": "QUIT"}, {"send": "221 bye\r\n"}]
        with FakeServer(self.starttls_steps(after), tls=(self.c["leaf.pem"], self.c["leaf.key"])) as srv:
            p = run_smtpsh(["--no-color", "--cafile", self.c["ca.pem"], "-e", "ehlo me.example",
                            "-e", "starttls", "-e", "tls", "-e", "quit",
                            "localhost", str(srv.port)])
            wire = srv.received()
        out = p.stdout.decode()
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("verification: ok", out)
        # RFC 3207 4.2: smtpsh asks again by itself, with the same domain,
        # as the help text says (issue 10: help and behaviour agree).
        self.assertIn("asking again with EHLO", out)
        help_text = run_smtpsh(["-e", "? starttls"]).stdout.decode()
        self.assertIn("then EHLO again", help_text)
        self.assertEqual(wire.count(b"EHLO me.example\r\n"), 2, wire)
        self.assertIn("< 250 AUTH PLAIN", out)
        self.assertIn("subject:", out)
        # The server could only read the commands after STARTTLS through TLS.
        self.assertEqual(wire, b"EHLO me.example\r\nSTARTTLS\r\nEHLO me.example\r\nQUIT\r\n")

    def test_self_signed_fails_and_sends_nothing_more(self):
        with FakeServer(self.starttls_steps([{"drain": True}]),
                        tls=(self.c["self.pem"], self.c["self.key"])) as srv:
            p = run_smtpsh(["--no-color", "-e", "ehlo me.example", "-e", "starttls",
                            "-e", "noop", "localhost", str(srv.port)])
        err = p.stderr.decode().lower()
        self.assertIn("self-signed", err)
        self.assertEqual(p.returncode, 3)
        self.assertNotIn("verification: ok", p.stdout.decode())

    def test_insecure_goes_on_and_says_why(self):
        after = [{"expect": "NOOP"}, {"send": "250 ok\r\n"}]
        with FakeServer(self.starttls_steps(after), tls=(self.c["self.pem"], self.c["self.key"])) as srv:
            p = run_smtpsh(["--no-color", "--insecure", "-e", "ehlo me.example", "-e", "starttls",
                            "-e", "noop", "localhost", str(srv.port)])
        out = p.stdout.decode()
        self.assertIn("self-signed", out)
        self.assertIn("--insecure", out)
        self.assertIn("< 250 ok", out)

    def test_wrong_name_fails(self):
        # The self-signed certificate is trusted here (--cafile) but names only
        # "localhost": reaching it as 127.0.0.1 must fail on the name alone.
        after = [{"drain": True}]
        with FakeServer(self.starttls_steps(after), tls=(self.c["self.pem"], self.c["self.key"])) as srv:
            p = run_smtpsh(["--no-color", "--cafile", self.c["self.pem"], "-e", "ehlo me.example",
                            "-e", "starttls", "-e", "noop", "127.0.0.1", str(srv.port)])
            wire = srv.received()
        self.assertIn("mismatch", p.stderr.decode().lower())
        self.assertNotIn("self-signed", p.stderr.decode().lower())
        self.assertEqual(p.returncode, 3)
        self.assertEqual(wire, b"EHLO me.example\r\nSTARTTLS\r\n")

    def test_injected_bytes_discarded(self):
        steps = [BANNER, {"expect": "EHLO"}, {"send": "250-fake.test\r\n250 STARTTLS\r\n"},
                 {"expect": "STARTTLS"}, {"send": "220 go ahead\r\n250 injected\r\n"},
                 {"starttls": True}, {"expect": "NOOP"}, {"send": "250 real\r\n"}]
        with FakeServer(steps, tls=(self.c["leaf.pem"], self.c["leaf.key"])) as srv:
            p = run_smtpsh(["--no-color", "--cafile", self.c["ca.pem"], "-e", "ehlo me.example",
                            "-e", "starttls", "-e", "noop", "localhost", str(srv.port)])
        self.assertIn("discarded", p.stderr.decode())
        self.assertIn("250 injected", p.stderr.decode())
        out = p.stdout.decode()
        self.assertIn("< 250 real", out)
        self.assertNotIn("< 250 injected", out)

    def test_implicit_tls(self):
        steps = [BANNER, {"expect": "QUIT"}, {"send": "221 bye\r\n"}]
        with FakeServer(steps, tls=(self.c["leaf.pem"], self.c["leaf.key"]), implicit_tls=True) as srv:
            p = run_smtpsh(["--no-color", "--tls", "--cafile", self.c["ca.pem"], "-e", "quit",
                            "localhost", str(srv.port)])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("verification: ok", p.stdout.decode())
        self.assertIn("< 220 fake.test", p.stdout.decode())

    def test_auth_plain_exact_and_secret_never_shown(self):
        secret = "tanstaaf-secret-9"
        expect = base64.b64encode(b"\0tim\0" + secret.encode()).decode()
        after = [{"expect": "EHLO"}, {"send": "250-fake.test\r\n250 AUTH PLAIN\r\n"},
                 {"expect": "AUTH PLAIN " + expect}, {"send": "235 2.7.0 ok\r\n"},
                 {"expect": "QUIT"}, {"send": "221 bye\r\n"}]
        tdir = tempfile.TemporaryDirectory()
        transcript = os.path.join(tdir.name, "t.log")
        with FakeServer(self.starttls_steps(after), tls=(self.c["leaf.pem"], self.c["leaf.key"])) as srv:
            p = run_smtpsh(["--no-color", "--cafile", self.c["ca.pem"], "--transcript", transcript,
                            "-e", "ehlo me.example", "-e", "starttls", "-e", "auth plain tim",
                            "-e", "quit", "localhost", str(srv.port)],
                           env_extra={"SMTPSH_PASSWORD": secret})
            srv.finish()
            self.assertNotIn("expected", srv.stderr)   # the AUTH line matched byte for byte
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(transcript, "rb") as f:
            t = f.read()
        tdir.cleanup()
        for blob in (p.stdout, p.stderr, t):
            self.assertNotIn(secret.encode(), blob)
            self.assertNotIn(expect.encode(), blob)
        self.assertIn(b"AUTH PLAIN <secret>", p.stdout)
        self.assertIn(b"235", t)

    def test_reconnect_replays_ehlo_starttls_and_auth(self):
        # Issue 18: `reconnect` does the connection recipe again on a new
        # connection -- the same EHLO, STARTTLS (verified again), EHLO after
        # it and AUTH, each shown, the secret asked once and never shown.
        secret = "recipe-secret-18"
        expect = base64.b64encode(b"\0tim\0" + secret.encode()).decode()
        after = [{"expect": "EHLO"}, {"send": "250-fake.test\r\n250 AUTH PLAIN\r\n"},
                 {"expect": "AUTH PLAIN " + expect}, {"send": "235 2.7.0 ok\r\n"},
                 {"expect": "QUIT"}, {"send": "221 bye\r\n"}]
        with FakeServer(self.starttls_steps(after), tls=(self.c["leaf.pem"], self.c["leaf.key"]),
                        connections=2) as srv:
            p = run_smtpsh(["--no-color", "--cafile", self.c["ca.pem"],
                            "-e", "ehlo me.example", "-e", "starttls", "-e", "auth plain tim",
                            "-e", "quit", "-e", "reconnect", "-e", "quit",
                            "localhost", str(srv.port)],
                           env_extra={"SMTPSH_PASSWORD": secret})
            srv.finish()
            wire = srv.received()
            self.assertNotIn("expected", srv.stderr)
        out = p.stdout.decode()
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("reconnecting to localhost, then again: EHLO me.example, STARTTLS, AUTH PLAIN",
                      p.stdout.decode() + p.stderr.decode())
        self.assertEqual(out.count("verification: ok"), 2, out)
        self.assertEqual(out.count("< 235 2.7.0 ok"), 2, out)
        self.assertEqual(wire.count(b"EHLO me.example\r\n"), 4, wire)
        self.assertEqual(wire.count(b"STARTTLS\r\n"), 2, wire)
        self.assertEqual(wire.count(b"QUIT\r\n"), 2, wire)
        for blob in (p.stdout, p.stderr):
            self.assertNotIn(secret.encode(), blob)
            self.assertNotIn(expect.encode(), blob)

    def test_reconnect_with_nothing_opened_is_a_usage_error(self):
        p = run_smtpsh(["--no-color", "-e", "reconnect"])
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("nothing to reconnect to", p.stderr.decode())

    def test_unwritable_transcript_is_a_usage_error(self):
        # Reported before any session exists: status 2, not a crash.
        for args in (["--transcript", "/nonexistent/dir/t.log"], ["--json", "--transcript",
                                                                   "/nonexistent/dir/t.log"]):
            p = run_smtpsh(args + ["-e", "quit", "127.0.0.1", "1"])
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn(b"cannot create transcript", p.stdout + p.stderr)

    def test_auth_without_tls_refused_in_scripts(self):
        steps = [BANNER, {"expect": "NOOP"}, {"send": "250 ok\r\n"}]
        with FakeServer(steps) as srv:
            p = run_smtpsh(["-e", "auth plain tim", "-e", "noop", "127.0.0.1", str(srv.port)],
                           env_extra={"SMTPSH_PASSWORD": "x"})
            self.assertEqual(srv.received(), b"NOOP\r\nQUIT\r\n")
        self.assertIn("allow-plaintext-auth", p.stderr.decode())


if __name__ == "__main__":
    unittest.main()
