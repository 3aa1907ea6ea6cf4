"""test_profiles.py - issue 19's profiles: $XDG_CONFIG_HOME/smtpsh/config,
an INI file of [NAME] sections whose keys are long option names; `smtpsh
NAME`, --profile NAME, `open NAME` and `profiles` in the shell; the
command line wins; a profile never holds a password; every bad line is
named with its file and line."""
import os
import tempfile
import unittest

from harness import BANNER, FakeServer, json_records, run_smtpsh

QUIT_OK = [{"expect": "QUIT"}, {"send": "221 bye\r\n"}]
EHLO_OK = [{"expect": "EHLO"}, {"send": "250 fake.test\r\n"}]


class Profiles(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="smtpsh-profiles-")
        os.makedirs(os.path.join(self.tmp.name, "smtpsh"))
        self.env = {"XDG_CONFIG_HOME": self.tmp.name}

    def tearDown(self):
        self.tmp.cleanup()

    def config(self, text):
        with open(os.path.join(self.tmp.name, "smtpsh", "config"), "w") as f:
            f.write(text)

    def test_name_where_host_goes_uses_the_profile(self):
        with FakeServer([BANNER] + EHLO_OK + QUIT_OK) as srv:
            self.config(f"# mine\n[default]\ntiming = yes\n\n[work]\nhost = 127.0.0.1\n"
                        f"port = {srv.port}\nhelo = client.example.org\n")
            p = run_smtpsh(["work", "-e", "ehlo"], env_extra=self.env)
            wire = srv.received()
        self.assertEqual(wire, b"EHLO client.example.org\r\nQUIT\r\n")
        self.assertIn("= time:", p.stdout.decode())          # [default] applies too
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_command_line_wins_and_profile_option(self):
        with FakeServer([BANNER] + EHLO_OK + QUIT_OK) as srv:
            self.config(f"[work]\nhost = 127.0.0.1\nport = {srv.port}\nhelo = client.example.org\n")
            p = run_smtpsh(["--helo", "other.example.org", "--profile", "work", "-e", "ehlo"],
                           env_extra=self.env)
            wire = srv.received()
        self.assertEqual(wire, b"EHLO other.example.org\r\nQUIT\r\n")
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_shell_profiles_and_open_name(self):
        with FakeServer([BANNER, {"expect": "NOOP"}, {"send": "250 ok\r\n"}] + QUIT_OK) as srv:
            self.config(f"[work]\nhost = 127.0.0.1\nport = {srv.port}\n[other]\nhost = mx.example\n")
            p = run_smtpsh(["--json"], stdin_bytes=b"profiles\nopen work\nnoop\n", env_extra=self.env)
            wire = srv.received()
        self.assertEqual(wire, b"NOOP\r\nQUIT\r\n")
        notes = [r["message"] for r in json_records(p.stdout) if r["type"] == "note"]
        self.assertIn(f"[work] 127.0.0.1 port {srv.port}", notes)
        self.assertIn("[other] mx.example", notes)

    def test_bad_lines_named_with_file_and_line(self):
        cases = [
            ("[work]\nhost = h\npassword = hunter2\n", "line 3", "password-file"),
            ("host = h\n", "line 1", "before any [section]"),
            ("[work]\ntsl = yes\n", "line 2", "no setting"),
            ("[work]\ntls = maybe\n", "line 2", "yes or no"),
            ("[work]\n[work]\n", "line 2", "twice"),
            ("[wo rk]\n", "line 1", "section"),
        ]
        for text, line, words in cases:
            with self.subTest(text=text):
                self.config(text)
                p = run_smtpsh(["work", "-e", "noop"], env_extra=self.env)
                err = p.stderr.decode()
                self.assertEqual(p.returncode, 2, err)
                self.assertIn("config " + line, err)
                self.assertIn(words, err)
                self.assertNotIn("hunter2", err)
        self.config("[work]\nport = 25\n")
        p = run_smtpsh(["work"], env_extra=self.env)
        self.assertEqual(p.returncode, 2)
        self.assertIn("has no host", p.stderr.decode())
        p = run_smtpsh(["--profile", "nosuch", "-e", "noop"], env_extra=self.env)
        self.assertEqual(p.returncode, 2)
        self.assertIn('no profile "nosuch"', p.stderr.decode())


if __name__ == "__main__":
    unittest.main()
