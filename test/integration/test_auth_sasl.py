"""test_auth_sasl.py - AUTH XOAUTH2, OAUTHBEARER (RFC 7628) and
SCRAM-SHA-256 (RFC 7677) through the built smtpsh against test/fakesmtp.py,
which checks the exact bytes (and, for SCRAM, computes the exchange itself
and checks the client's proof).  The token comes from --token-file or
SMTPSH_TOKEN and never reaches stdout, stderr or the transcript; a SCRAM
server that cannot prove it knows the password is cancelled with "*"."""
import base64
import os
import tempfile
import unittest

from harness import BANNER, FakeServer, json_records, run_smtpsh

TOKEN = "ya29.tok-EN_secret-4711"
EHLO = [BANNER, {"expect": "EHLO"},
        {"send": "250-fake.test\r\n250 AUTH XOAUTH2 OAUTHBEARER SCRAM-SHA-256\r\n"}]
QUIT = [{"expect": "QUIT"}, {"send": "221 bye\r\n"}]


class AuthSASL(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.transcript = os.path.join(self.tmp.name, "t.log")

    def tearDown(self):
        self.tmp.cleanup()

    def run_auth(self, steps, mech, args=(), env=None, server_says=None):
        with FakeServer(EHLO + steps) as srv:
            p = run_smtpsh(["--no-color", "--allow-plaintext-auth", "--transcript",
                            self.transcript] + list(args) +
                           ["-e", "ehlo me.example", "-e", f"auth {mech} user@example.com",
                            "-e", "quit", "127.0.0.1", str(srv.port)], env_extra=env)
            srv.finish()
            self.assertNotIn("expected", srv.stderr)
            if server_says is None:
                self.assertNotIn("scram:", srv.stderr)
            else:
                self.assertIn(server_says, srv.stderr)
            wire = srv.received()
        with open(self.transcript, "rb") as f:
            self.log = f.read()
        return p, srv, wire

    def assert_never_shown(self, p, *secrets):
        for s in secrets:
            for blob in (p.stdout, p.stderr, self.log):
                self.assertNotIn(s.encode(), blob)

    def test_xoauth2_from_the_environment(self):
        ir = base64.b64encode(f"user=user@example.com\x01auth=Bearer {TOKEN}\x01\x01".encode()).decode()
        p, _, wire = self.run_auth([{"expect": "AUTH XOAUTH2 " + ir + "\r\n"},
                                    {"send": "235 2.7.0 ok\r\n"}] + QUIT, "xoauth2",
                                   env={"SMTPSH_TOKEN": TOKEN})
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(f"AUTH XOAUTH2 {ir}\r\n".encode(), wire)
        self.assertIn(b"> AUTH XOAUTH2 <secret>", p.stdout)
        self.assert_never_shown(p, TOKEN, ir)

    def test_oauthbearer_from_a_file_and_its_error_dance(self):
        tokfile = os.path.join(self.tmp.name, "token")
        with open(tokfile, "w") as f:
            f.write(TOKEN + "\n")
        err = base64.b64encode(b'{"status":"invalid_token","scope":"mail"}').decode()
        with FakeServer(EHLO + [{"read_line": True}, {"send": f"334 {err}\r\n"},
                                {"expect": "AQ==\r\n"}, {"send": "535 5.7.8 bad token\r\n"}] + QUIT) as srv:
            p = run_smtpsh(["--no-color", "--allow-plaintext-auth", "--token-file", tokfile,
                            "--transcript", self.transcript, "-e", "ehlo me.example",
                            "-e", "auth oauthbearer user@example.com", "-e", "quit",
                            "127.0.0.1", str(srv.port)])
            srv.finish()
            self.assertNotIn("expected", srv.stderr)
            wire = srv.received()
        with open(self.transcript, "rb") as f:
            self.log = f.read()
        gs2 = (f"n,a=user@example.com,\x01host=127.0.0.1\x01port={srv.port}\x01"
               f"auth=Bearer {TOKEN}\x01\x01")
        ir = base64.b64encode(gs2.encode()).decode()
        self.assertEqual(wire, f"EHLO me.example\r\nAUTH OAUTHBEARER {ir}\r\nAQ==\r\nQUIT\r\n".encode())
        self.assertEqual(p.returncode, 5)
        self.assertIn(b'challenge, decoded: {"status":"invalid_token","scope":"mail"}', p.stdout)
        self.assert_never_shown(p, TOKEN, ir)

    def test_long_token_goes_after_the_first_334(self):
        token = "T" * 900     # the AUTH line with it would pass 512 octets
        ir = base64.b64encode(f"user=user@example.com\x01auth=Bearer {token}\x01\x01".encode()).decode()
        p, _, wire = self.run_auth([{"expect": "AUTH XOAUTH2\r\n"}, {"send": "334 \r\n"},
                                    {"expect": ir + "\r\n"}, {"send": "235 2.7.0 ok\r\n"}] + QUIT,
                                   "xoauth2", env={"SMTPSH_TOKEN": token})
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(f"AUTH XOAUTH2\r\n{ir}\r\nQUIT".encode(), wire)
        self.assert_never_shown(p, token[:100], ir[:100])

    def test_scram_sha_256(self):
        p, _, wire = self.run_auth([{"scram": {"user": "user@example.com", "password": "pencil"}}]
                                   + QUIT, "scram-sha-256", env={"SMTPSH_PASSWORD": "pencil"})
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(b"< 235 2.7.0 ok", p.stdout)
        self.assertTrue(wire.startswith(b"EHLO me.example\r\nAUTH SCRAM-SHA-256 "), wire)
        self.assertTrue(wire.endswith(b"\r\n\r\nQUIT\r\n"), wire)   # the empty line after v=
        self.assert_never_shown(p, "pencil")
        # The server's nonce and salt are shown decoded; the proof is not.
        self.assertIn(b"challenge, decoded: r=", p.stdout)

    def test_scram_wrong_password_and_lying_server(self):
        p, srv, _ = self.run_auth([{"scram": {"user": "user@example.com", "password": "pencil"}}]
                                  + QUIT, "scram-sha-256", env={"SMTPSH_PASSWORD": "crayon"},
                                  server_says="the client's proof is wrong")
        self.assertEqual(p.returncode, 5)
        self.assertIn(b"< 535 5.7.8 bad proof", p.stdout)
        # A server that answers with a signature not made from the password
        # is not trusted: "*" (RFC 4954 4), whatever it says next.
        with FakeServer(EHLO + [{"scram": {"user": "user@example.com", "password": "pencil",
                                           "bad_signature": True}}] + QUIT) as srv:
            p = run_smtpsh(["--json", "--allow-plaintext-auth", "-e", "ehlo me.example",
                            "-e", "auth scram-sha-256 user@example.com", "-e", "quit",
                            "127.0.0.1", str(srv.port)], env_extra={"SMTPSH_PASSWORD": "pencil"})
            wire = srv.received()
        self.assertTrue(wire.endswith(b"\r\n*\r\nQUIT\r\n"), wire)
        errors = [r for r in json_records(p.stdout) if r["type"] == "error"]
        self.assertIn("did not prove it knows the password", errors[0]["message"])
        self.assertEqual(errors[0]["stage"], "auth")
        self.assertNotEqual(p.returncode, 0)

    def test_scram_235_without_the_servers_signature_is_a_failure(self):
        """A server that answers the client-final with 235 at once never
        sent v= (RFC 5802 3, RFC 7677): it has not proved it knows the
        password, so the 235 is not trusted -- a failure with the status of
        a server breaking the protocol (3), as for a wrong signature, and
        the connection is closed rather than used as authenticated."""
        with FakeServer(EHLO + [{"scram": {"user": "user@example.com", "password": "pencil",
                                           "skip_final": True}}] + QUIT) as srv:
            p = run_smtpsh(["--json", "--allow-plaintext-auth", "-e", "ehlo me.example",
                            "-e", "auth scram-sha-256 user@example.com", "-e", "quit",
                            "127.0.0.1", str(srv.port)], env_extra={"SMTPSH_PASSWORD": "pencil"})
            srv.finish()
            self.assertNotIn("scram:", srv.stderr)
            wire = srv.received()
        self.assertFalse(wire.endswith(b"QUIT\r\n"), wire)     # closed, not used
        errors = [r for r in json_records(p.stdout) if r["type"] == "error"]
        self.assertTrue(errors, p.stdout)
        self.assertIn("did not prove it knows the password", errors[0]["message"])
        self.assertIn("RFC 5802", errors[0]["message"])
        self.assertEqual(errors[0]["stage"], "auth")
        self.assertEqual(p.returncode, 3, p.stdout)
        with FakeServer(EHLO + [{"scram": {"user": "user@example.com", "password": "pencil",
                                           "skip_final": True}}] + QUIT) as srv:
            p = run_smtpsh(["--allow-plaintext-auth", "--no-color", "-e", "ehlo me.example",
                            "-e", "auth scram-sha-256 user@example.com", "-e", "quit",
                            "127.0.0.1", str(srv.port)], env_extra={"SMTPSH_PASSWORD": "pencil"})
        self.assertNotIn(b"success for AUTH", p.stdout)
        self.assertIn(b"did not prove it knows the password", p.stderr)
        self.assertEqual(p.returncode, 3, p.stdout + p.stderr)

    def test_scram_password_saslprep(self):
        """SASLprep (RFC 4013): a soft hyphen typed into the password is
        mapped to nothing, so the proof is "pencil"'s and the server takes
        it; a control character is refused before AUTH is sent (exit 2)."""
        p, _, wire = self.run_auth([{"scram": {"user": "user@example.com", "password": "pencil"}}]
                                   + QUIT, "scram-sha-256",
                                   env={"SMTPSH_PASSWORD": "pen\u00adcil"})
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(b"AUTH SCRAM-SHA-256 ", wire)
        with FakeServer(EHLO + QUIT) as srv:
            p = run_smtpsh(["--allow-plaintext-auth", "-e", "ehlo me.example",
                            "-e", "auth scram-sha-256 user@example.com", "-e", "quit",
                            "127.0.0.1", str(srv.port)], env_extra={"SMTPSH_PASSWORD": "pen\u0007cil"})
            wire = srv.received()
        self.assertIn(b"SASLprep", p.stderr)
        self.assertEqual(wire, b"EHLO me.example\r\nQUIT\r\n")
        self.assertEqual(p.returncode, 2)

    def test_a_malformed_challenge_is_the_servers_fault(self):
        """A challenge that is not base64, or a SCRAM nonce that does not
        extend ours, is the server breaking the protocol: "*" cancels the
        exchange and the exit status is 3 (a local or connection error),
        not 2 (a usage error: the user did nothing wrong)."""
        for challenge, says in (("334 !!!notbase64", "invalid base64"),
                                ("334 " + base64.b64encode(b"r=abc,s=c2FsdA==,i=4096").decode(),
                                 "nonce does not extend ours")):
            with self.subTest(challenge=challenge):
                with FakeServer(EHLO + [{"expect": "AUTH SCRAM-SHA-256 "},
                                        {"send": challenge + "\r\n"}, {"expect": "*"},
                                        {"send": "501 5.7.0 cancelled\r\n"}] + QUIT) as srv:
                    p = run_smtpsh(["--json", "--allow-plaintext-auth", "-e", "ehlo me.example",
                                    "-e", "auth scram-sha-256 user@example.com", "-e", "quit",
                                    "127.0.0.1", str(srv.port)],
                                   env_extra={"SMTPSH_PASSWORD": "pencil"})
                    wire = srv.received()
                self.assertTrue(wire.endswith(b"\r\n*\r\nQUIT\r\n"), wire)
                errors = [r for r in json_records(p.stdout) if r["type"] == "error"]
                self.assertIn(says, errors[0]["message"])
                self.assertEqual(p.returncode, 3, p.stdout)

    def test_no_token_anywhere(self):
        with FakeServer(EHLO + QUIT) as srv:
            p = run_smtpsh(["--allow-plaintext-auth", "-e", "ehlo me.example",
                            "-e", "auth xoauth2 user@example.com", "-e", "quit",
                            "127.0.0.1", str(srv.port)], env_extra={"SMTPSH_PASSWORD": "not-a-token"})
            wire = srv.received()
        self.assertIn(b"--token-file FILE or set SMTPSH_TOKEN", p.stderr)
        self.assertEqual(wire, b"EHLO me.example\r\nQUIT\r\n")


if __name__ == "__main__":
    unittest.main()
