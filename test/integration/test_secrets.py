"""test_secrets.py - the secrets smtpsh holds (issue 17): SMTPSH_PASSWORD and
SMTPSH_TOKEN leave the environment once read (so /proc/PID/environ and any
child never show them) and still serve every later AUTH; and a server that
echoes a secret back -- the password, or the base64 it was sent as -- gets
it masked on the screen, in --json and in the --transcript file."""
import base64
import os
import subprocess
import tempfile
import time
import unittest

from harness import BANNER, SMTPSH, WRAPPER, FakeServer, json_records, run_smtpsh

PASSWORD = "hunter2-Pa55"
TOKEN = "ya29.env-token-0815"
EHLO = [BANNER, {"expect": "EHLO"}, {"send": "250-fake.test\r\n250 AUTH PLAIN LOGIN XOAUTH2\r\n"}]
QUIT = [{"expect": "QUIT"}, {"send": "221 bye\r\n"}]


def plain_ir(user, secret):
    return base64.b64encode(b"\0" + user.encode() + b"\0" + secret.encode()).decode()


class EnvironmentSecrets(unittest.TestCase):
    def test_env_secrets_leave_the_environment_and_still_serve_every_auth(self):
        ir = plain_ir("alice", PASSWORD)
        xo = base64.b64encode(f"user=alice\x01auth=Bearer {TOKEN}\x01\x01".encode()).decode()
        steps = [{"wait_go": True}] + EHLO + [
            {"expect": "AUTH PLAIN " + ir + "\r\n"}, {"send": "235 2.7.0 ok\r\n"},
            {"expect": "AUTH PLAIN " + ir + "\r\n"}, {"send": "235 2.7.0 ok\r\n"},
            {"expect": "AUTH XOAUTH2 " + xo + "\r\n"}, {"send": "235 2.7.0 ok\r\n"}] + QUIT
        env = dict(os.environ, HOME=tempfile.gettempdir(), SMTPSH_PASSWORD=PASSWORD,
                   SMTPSH_TOKEN=TOKEN)
        with FakeServer(steps) as srv:
            proc = subprocess.Popen(
                WRAPPER + [SMTPSH, "--no-color", "--allow-plaintext-auth", "-e", "ehlo me.example",
                           "-e", "auth plain alice", "-e", "auth plain alice",
                           "-e", "auth xoauth2 alice", "-e", "quit", "127.0.0.1", str(srv.port)],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
            try:
                deadline = time.time() + 30
                while srv.peer() is None:           # connected: startup is over
                    self.assertIsNone(proc.poll(), "smtpsh ended before connecting")
                    self.assertLess(time.time(), deadline, "smtpsh never connected")
                    time.sleep(0.02)
                with open(f"/proc/{proc.pid}/environ", "rb") as f:
                    environ = f.read()
                srv.go()
                out, err = proc.communicate(timeout=60)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.communicate()
            srv.finish()
            self.assertNotIn("expected", srv.stderr)    # each AUTH line byte for byte
        self.assertEqual(proc.returncode, 0, out + err)
        self.assertEqual(out.count(b"success for AUTH"), 3, out)
        if WRAPPER:
            # Under a wrapper (valgrind) /proc/PID/environ is the wrapper's
            # own start-up block, which smtpsh cannot reach; the logins are
            # checked above, the scrubbing in the unwrapped runs (gcc and
            # ASan), and CI allows no skip.
            return
        self.assertIn(b"HOME=", environ)                # the file was read for real
        for name in (b"SMTPSH_PASSWORD", b"SMTPSH_TOKEN"):
            self.assertNotIn(name + b"=", environ)
        self.assertNotIn(PASSWORD.encode(), environ)
        self.assertNotIn(TOKEN.encode(), environ)


class EchoedSecrets(unittest.TestCase):
    """A server that echoes what it was sent: the secret never reaches the
    screen, --json or the transcript, in any of the forms smtpsh sent it."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.transcript = os.path.join(self.tmp.name, "t.log")

    def tearDown(self):
        self.tmp.cleanup()

    def run_auth(self, steps, mech="plain", json=False):
        with FakeServer(EHLO + steps + QUIT) as srv:
            p = run_smtpsh(["--no-color", "--allow-plaintext-auth", "--transcript", self.transcript]
                           + (["--json"] if json else []) +
                           ["-e", "ehlo me.example", "-e", f"auth {mech} alice", "-e", "quit",
                            "127.0.0.1", str(srv.port)], env_extra={"SMTPSH_PASSWORD": PASSWORD})
            srv.finish()
            self.assertNotIn("expected", srv.stderr)
        with open(self.transcript, "rb") as f:
            self.log = f.read()
        return p

    def server_text(self):
        """The server's bytes as the transcript recorded them, joined."""
        out = []
        for rec in self.log.split(b"\n"):
            parts = rec.split(b" ", 2)
            if len(parts) == 3 and parts[1] == b"S:":
                out.append(parts[2])
        return b"".join(out)

    def assert_masked(self, p, *forms):
        for form in (PASSWORD,) + forms:
            for name, blob in (("stdout", p.stdout), ("stderr", p.stderr), ("transcript", self.log)):
                self.assertNotIn(form.encode(), blob, f"{form!r} in {name}")
        # Not even its length: the placeholder is fixed.
        self.assertNotIn(b"*" * len(PASSWORD), p.stdout + self.log)

    def test_plain_credentials_echoed_in_a_refusal(self):
        ir = plain_ir("alice", PASSWORD)
        p = self.run_auth([{"expect": "AUTH PLAIN " + ir},
                           {"send": f"535 5.7.8 bad credentials for alice/{PASSWORD} ({ir})\r\n"}])
        self.assertEqual(p.returncode, 5, p.stdout + p.stderr)
        self.assert_masked(p, ir)
        self.assertIn(b"< 535 5.7.8 bad credentials for alice/<secret> (<secret>)", p.stdout)
        self.assertIn(b"bad credentials for alice/<secret> (<secret>)", self.server_text())

    def test_welcome_echo_in_json(self):
        p = self.run_auth([{"expect": "AUTH PLAIN "},
                           {"send": f"235-welcome alice {PASSWORD}\r\n235 2.7.0 ok\r\n"}], json=True)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assert_masked(p)
        texts = [line for r in json_records(p.stdout) if r["type"] == "reply"
                 for line in r.get("lines", [])]
        self.assertIn("welcome alice <secret>", " ".join(str(t) for t in texts), p.stdout)

    def test_secret_split_across_reads_in_the_transcript(self):
        p = self.run_auth([{"expect": "AUTH PLAIN "},
                           {"send_bytewise": f"535 5.7.8 no such pair alice/{PASSWORD}\r\n"}])
        self.assert_masked(p)
        self.assertIn(b"no such pair alice/<secret>\\r\\n", self.server_text())
        self.assertIn(b"< 535 5.7.8 no such pair alice/<secret>", p.stdout)

    def test_login_echoes_in_a_challenge_and_as_base64(self):
        b64pw = base64.b64encode(PASSWORD.encode()).decode()
        ask = base64.b64encode(f"Password for {PASSWORD[:4]}... no: {PASSWORD}".encode()).decode()
        p = self.run_auth([{"expect": "AUTH LOGIN"}, {"send": "334 VXNlcm5hbWU6\r\n"},
                           {"read_line": True}, {"send": f"334 {ask}\r\n"},
                           {"expect": b64pw}, {"send": f"535 5.7.8 you sent {b64pw}\r\n"}],
                          mech="login")
        self.assert_masked(p, b64pw)
        self.assertIn(b"you sent <secret>", p.stdout)
        self.assertIn(b"challenge, decoded: Password for hunt... no: <secret>", p.stdout)

    def test_env_secret_masked_all_run_even_in_ehlo_extensions(self):
        """SMTPSH_PASSWORD is held for the whole run, so it is masked in
        every reply, also before any AUTH -- and in what the session keeps
        of a reply (the EHLO extensions in --json), not only its lines."""
        with FakeServer([BANNER, {"expect": "EHLO"},
                         {"send": f"250-fake.test\r\n250 X-ECHO {PASSWORD}\r\n"}] + QUIT) as srv:
            p = run_smtpsh(["--json", "--transcript", self.transcript, "-e", "ehlo me.example",
                            "-e", "quit", "127.0.0.1", str(srv.port)],
                           env_extra={"SMTPSH_PASSWORD": PASSWORD})
        with open(self.transcript, "rb") as f:
            self.log = f.read()
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assert_masked(p)
        ehlo = [r for r in json_records(p.stdout) if r["type"] == "reply" and r["stage"] == "ehlo"]
        self.assertEqual(ehlo[0]["extensions"], {"X-ECHO": "<secret>"}, p.stdout)

    def test_short_secret_is_not_masked(self):
        """Below SECRET_MASK_MIN (4 bytes) a secret is left alone: masking
        every "ab" in server text would make replies unreadable."""
        with FakeServer(EHLO + [{"expect": "AUTH PLAIN "}, {"send": "535 5.7.8 no abc here\r\n"}]
                        + QUIT) as srv:
            p = run_smtpsh(["--no-color", "--allow-plaintext-auth", "-e", "ehlo me.example",
                            "-e", "auth plain al", "-e", "quit", "127.0.0.1", str(srv.port)],
                           env_extra={"SMTPSH_PASSWORD": "abc"})
        self.assertIn(b"< 535 5.7.8 no abc here", p.stdout)


if __name__ == "__main__":
    unittest.main()
