"""test_lazy_libs.py - OpenSSL and libidn are loaded when a feature first
needs them, not at start (issue 20): the binary does not link them; a plain
session works when they cannot be loaded at all; TLS, SCRAM and SASLprep
then say in one line which library they need, and nothing is sent that
should not be."""
import os
import shutil
import subprocess
import tempfile
import unittest

from harness import BANNER, SMTPSH, FakeServer, make_certs, run_smtpsh

GONE = {"SMTPSH_LIBSSL": "/nonexistent/libssl.so.3", "SMTPSH_LIBIDN": "/nonexistent/libidn.so.12"}


class LazyLibs(unittest.TestCase):
    def test_binary_does_not_link_them(self):
        out = subprocess.run(["readelf", "-d", SMTPSH], capture_output=True, check=True).stdout.decode()
        needed = [l for l in out.splitlines() if "(NEEDED)" in l]
        self.assertTrue(needed, out)                   # the check sees the list at all
        # Issue 20 again: Readline and ncurses too (termlibs.c), loaded by
        # the prompt, colours and the view only.
        for lib in ("libssl", "libcrypto", "libidn", "libreadline", "libncurses", "libtinfo"):
            self.assertFalse([l for l in needed if lib in l], needed)

    def test_plain_session_needs_neither(self):
        p = run_smtpsh(["--demo", "--no-color", "-e", "ehlo x.example", "-e", "vrfy alice"],
                       env_extra=GONE)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("< 250", p.stdout.decode())
        self.assertNotIn("OpenSSL", p.stderr.decode())

    def test_script_and_lookup_need_no_terminal_library(self):
        gone = dict(GONE, SMTPSH_LIBREADLINE="/nonexistent/libreadline.so.8",
                    SMTPSH_LIBCURSES="/nonexistent/libncursesw.so.6")
        p = run_smtpsh(["--demo", "-e", "ehlo x.example", "-e", "vrfy alice", "-e", "?"],
                       env_extra=gone)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("< 250", p.stdout.decode())
        self.assertEqual(p.stderr.decode(), "")
        p = run_smtpsh(["--demo", "--no-color"], stdin_bytes=b"ehlo x.example\nquit\n",
                       env_extra=gone)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("< 221", p.stdout.decode())

    def test_starttls_says_it_needs_openssl(self):
        steps = [BANNER, {"expect": "EHLO"}, {"send": "250-fake.test\r\n250 STARTTLS\r\n"},
                 {"expect": "STARTTLS"}, {"send": "220 go ahead\r\n"}]
        with FakeServer(steps) as srv:
            p = run_smtpsh(["--no-color", "-e", "ehlo me.example", "-e", "starttls", "-e", "noop",
                            "127.0.0.1", str(srv.port)], env_extra=GONE)
            wire = srv.received()
        err = p.stderr.decode()
        self.assertIn("TLS needs OpenSSL 3: /nonexistent/libssl.so.3 could not be loaded", err)
        self.assertEqual(err.count("needs OpenSSL"), 1, err)
        self.assertEqual(p.returncode, 3, err)
        # Never plaintext after the 220 to STARTTLS: the NOOP was not sent.
        self.assertNotIn(b"NOOP", wire)

    def test_tls_options_checked_before_connecting(self):
        p = run_smtpsh(["--tls-cipher", "ECDHE-RSA-AES128-GCM-SHA256", "-e", "quit",
                        "127.0.0.1", "9"], env_extra=GONE)
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn("TLS needs OpenSSL 3", p.stderr.decode())
        self.assertNotIn("connected", p.stdout.decode())

    def test_scram_says_it_needs_openssl_and_sends_nothing(self):
        steps = [BANNER, {"expect": "EHLO"}, {"send": "250-fake.test\r\n250 AUTH SCRAM-SHA-256\r\n"}]
        with FakeServer(steps) as srv:
            p = run_smtpsh(["--no-color", "--allow-plaintext-auth", "-e", "ehlo me.example",
                            "-e", "auth scram-sha-256 bob", "127.0.0.1", str(srv.port)],
                           env_extra=dict(GONE, SMTPSH_PASSWORD="pw"))
            wire = srv.received()
        self.assertIn("SCRAM-SHA-256 needs OpenSSL 3", p.stderr.decode())
        self.assertNotIn(b"AUTH", wire)

    def test_saslprep_needs_libidn_only_for_non_ascii(self):
        # An ASCII password goes through (RFC 4013 changes nothing there)
        # with libidn gone; a non-ASCII one says what it needs.
        steps = [BANNER, {"expect": "EHLO"}, {"send": "250-fake.test\r\n250 AUTH SCRAM-SHA-256\r\n"},
                 {"expect": "AUTH SCRAM-SHA-256"}, {"send": "535 no\r\n"}]
        with FakeServer(steps) as srv:
            p = run_smtpsh(["--no-color", "--allow-plaintext-auth", "-e", "ehlo me.example",
                            "-e", "auth scram-sha-256 bob", "127.0.0.1", str(srv.port)],
                           env_extra={"SMTPSH_LIBIDN": GONE["SMTPSH_LIBIDN"], "SMTPSH_PASSWORD": "pw"})
            wire = srv.received()
        self.assertIn(b"AUTH SCRAM-SHA-256 ", wire)
        self.assertNotIn("libidn", p.stderr.decode())
        steps = [BANNER, {"expect": "EHLO"}, {"send": "250-fake.test\r\n250 AUTH SCRAM-SHA-256\r\n"}]
        with FakeServer(steps) as srv:
            p = run_smtpsh(["--no-color", "--allow-plaintext-auth", "-e", "ehlo me.example",
                            "-e", "auth scram-sha-256 bob", "127.0.0.1", str(srv.port)],
                           env_extra={"SMTPSH_LIBIDN": GONE["SMTPSH_LIBIDN"],
                                      "SMTPSH_PASSWORD": "pässwörd"})
            wire = srv.received()
        self.assertIn("needs GNU libidn: /nonexistent/libidn.so.12 could not be loaded",
                      p.stderr.decode())
        self.assertNotIn(b"AUTH", wire)


if __name__ == "__main__":
    unittest.main()
