"""test_server_tls.py - STARTTLS and AUTH in the teaching server (issue 21),
against `smtpsh --serve` on 127.0.0.1 with Python's ssl module as a real
TLS client: the throw-away certificate --serve writes verifies for the
server's name and 127.0.0.1; EHLO offers STARTTLS before TLS and AUTH
only after it; AUTH PLAIN, LOGIN and CRAM-MD5 sign in with the demo
accounts; every code docs/teaching-server.md promises (454, 501, 503,
504, 530, 535, 538, 334, 235) comes on its recipe; plaintext sent after
STARTTLS is dropped, not executed (CVE-2011-0411); a stalled handshake
does not stop the server answering others; the teacher's log never shows
a password.  And smtpsh itself, under --demo, does starttls then
auth plain alice without --insecure."""
import base64
import hashlib
import hmac
import os
import re
import select
import signal
import socket
import ssl
import subprocess
import time
import unittest

from harness import SMTPSH, WRAPPER, json_records, run_smtpsh

HOST = "demo.smtpsh.test"


def b64(s):
    return base64.b64encode(s.encode() if isinstance(s, str) else s).decode()


class Serve:
    """`smtpsh --serve 127.0.0.1:0`: its port, the certificate path it
    prints, its log (stdout) once stopped."""

    def __init__(self, env_extra=None):
        env = dict(os.environ)
        env.update(env_extra or {})
        # Unbuffered: select() below must see what readline() has not
        # taken yet (a buffered reader may hold both lines already).
        self.p = subprocess.Popen(WRAPPER + [SMTPSH, "--serve", "127.0.0.1:0"], bufsize=0,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        line = self.p.stderr.readline().decode()
        m = re.search(r"port (\d+)", line)
        assert m, line
        self.port = int(m.group(1))
        # The line after it: the certificate's path, or why there is none.
        ready, _, _ = select.select([self.p.stderr], [], [], 5)
        self.second = self.p.stderr.readline().decode() if ready else ""
        m = re.search(r"--cafile (\S+)\)", self.second)
        self.cert = m.group(1) if m else None

    def stop(self):
        self.p.send_signal(signal.SIGINT)
        out, err = self.p.communicate(timeout=30)
        return out.decode(errors="replace"), err.decode(errors="replace")


class Client:
    def __init__(self, port, cafile=None):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.cafile = cafile
        self.buf = b""
        self.greeting = self.reply()

    def _read(self):
        d = self.sock.recv(4096)
        if not d:
            raise EOFError("server closed")
        self.buf += d

    def reply(self):
        """(code, [lines]) of one whole reply."""
        lines = []
        while True:
            while b"\r\n" not in self.buf:
                self._read()
            line, self.buf = self.buf.split(b"\r\n", 1)
            line = line.decode()
            lines.append(line)
            if line[3:4] != "-":
                return int(line[:3]), lines

    def cmd(self, line):
        self.sock.sendall(line.encode() + b"\r\n")
        return self.reply()

    def code(self, line):
        return self.cmd(line)[0]

    def starttls(self, name=HOST, extra=b""):
        self.sock.sendall(b"STARTTLS\r\n" + extra)
        code, lines = self.reply()
        assert code == 220, lines
        ctx = ssl.create_default_context(cafile=self.cafile)
        self.sock = ctx.wrap_socket(self.sock, server_hostname=name)
        self.buf = b""

    def close(self):
        self.sock.close()


class ServerTls(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = Serve()
        assert cls.srv.cert is not None, cls.srv.second

    @classmethod
    def tearDownClass(cls):
        cls.log, cls.err = cls.srv.stop()

    def client(self):
        c = Client(self.srv.port, self.srv.cert)
        self.addCleanup(c.close)
        return c

    def tls_client(self):
        c = self.client()
        c.cmd("EHLO class.example")
        c.starttls()
        self.assertEqual(c.code("EHLO class.example"), 250)
        return c

    def test_certificate_names_the_server_and_loopback(self):
        for name in (HOST, "127.0.0.1"):
            c = self.client()
            c.cmd("EHLO class.example")
            c.starttls(name)
            self.assertGreaterEqual(c.sock.version(), "TLSv1.2")
        c = self.client()
        c.cmd("EHLO class.example")
        with self.assertRaises(ssl.SSLCertVerificationError):
            c.starttls("other.example")

    def test_ehlo_offers_starttls_then_auth(self):
        c = self.client()
        _, before = c.cmd("EHLO class.example")
        self.assertIn("STARTTLS", [l[4:] for l in before])
        self.assertFalse([l for l in before if l[4:].startswith("AUTH")])
        c.starttls()
        # RFC 3207 4.2: back at the greeting, EHLO again.
        self.assertEqual(c.code("MAIL FROM:<a@class.example>"), 503)
        _, after = c.cmd("EHLO class.example")
        self.assertNotIn("STARTTLS", [l[4:] for l in after])
        self.assertIn("AUTH PLAIN LOGIN CRAM-MD5", [l[4:] for l in after])
        self.assertEqual(c.code("STARTTLS"), 503)       # again: RFC 3207 4.2

    def test_auth_plain(self):
        c = self.tls_client()
        self.assertEqual(c.cmd("AUTH PLAIN " + b64("\0alice\0wrong"))[0], 535)
        code, lines = c.cmd("AUTH PLAIN")
        self.assertEqual((code, lines), (334, ["334 "]))
        code, lines = c.cmd(b64("\0alice\0wonderland"))
        self.assertEqual(code, 235, lines)
        self.assertEqual(c.code("AUTH PLAIN " + b64("\0bob\0builder")), 503)   # twice

    def test_auth_login(self):
        c = self.tls_client()
        self.assertEqual(c.cmd("AUTH LOGIN"), (334, ["334 " + b64("Username:")]))
        self.assertEqual(c.cmd(b64("bob")), (334, ["334 " + b64("Password:")]))
        self.assertEqual(c.code(b64("nope")), 535)
        c.cmd("AUTH LOGIN " + b64("bob"))
        self.assertEqual(c.code(b64("builder")), 235)

    def test_auth_cram_md5(self):
        c = self.tls_client()
        for password, want in (("nope", 535), ("wonderland", 235)):
            code, lines = c.cmd("AUTH CRAM-MD5")
            self.assertEqual(code, 334, lines)
            challenge = base64.b64decode(lines[0][4:])
            self.assertRegex(challenge.decode(), r"^<\d+\.\d+@demo\.smtpsh\.test>$")
            digest = hmac.new(password.encode(), challenge, hashlib.md5).hexdigest()
            self.assertEqual(c.code(b64("alice " + digest)), want)

    def test_auth_error_codes(self):
        c = self.client()
        c.cmd("EHLO class.example")
        self.assertEqual(c.code("AUTH PLAIN " + b64("\0alice\0wonderland")), 538)
        self.assertEqual(c.code("STARTTLS now"), 501)
        c = self.tls_client()
        self.assertEqual(c.code("AUTH GSSAPI"), 504)
        self.assertEqual(c.code("AUTH PLAIN not*base64"), 501)
        self.assertEqual(c.code("AUTH LOGIN"), 334)
        self.assertEqual(c.code("*"), 501)                  # cancelled
        self.assertEqual(c.code("MAIL FROM:<a@class.example>"), 250)
        self.assertEqual(c.code("AUTH PLAIN"), 503)         # inside a transaction
        self.assertEqual(c.code("RCPT TO:<vault>"), 530)
        self.assertEqual(c.code("RSET"), 250)
        self.assertEqual(c.code("AUTH PLAIN " + b64("\0alice\0wonderland")), 235)
        c.cmd("MAIL FROM:<a@class.example>")
        self.assertEqual(c.code("RCPT TO:<vault>"), 250)

    def test_stalled_handshake_does_not_block_others(self):
        a = self.client()
        a.cmd("EHLO slow.example")
        a.sock.sendall(b"STARTTLS\r\n")
        self.assertEqual(a.reply()[0], 220)
        a.sock.sendall(b"\x16\x03\x01")                   # a ClientHello's first bytes, no more
        t = time.monotonic()
        b = self.client()
        self.assertEqual(b.code("EHLO quick.example"), 250)
        b.starttls()
        self.assertEqual(b.code("EHLO quick.example"), 250)
        self.assertEqual(b.code("QUIT"), 221)
        self.assertLess(time.monotonic() - t, 5)


class ServerTlsLog(unittest.TestCase):
    def test_log_never_shows_a_password(self):
        srv = Serve()
        try:
            c = Client(srv.port, srv.cert)
            c.cmd("EHLO class.example")
            c.starttls()
            c.cmd("EHLO class.example")
            c.cmd("AUTH PLAIN " + b64("\0alice\0wonderland"))
            c.close()
            c = Client(srv.port, srv.cert)
            c.cmd("EHLO class.example")
            c.starttls()
            c.cmd("EHLO class.example")
            c.cmd("AUTH LOGIN " + b64("bob"))
            c.cmd(b64("builder"))
            c.close()
        finally:
            log, _ = srv.stop()
        for secret in ("wonderland", "builder", b64("\0alice\0wonderland"), b64("builder"),
                       b64("bob")):
            self.assertNotIn(secret, log)
        # The handshake is an event of its own: the session is back at the greeting.
        self.assertRegex(log, r"#1 127\.0\.0\.1 \(class\.example\) STARTTLS -> 220")
        self.assertRegex(log, r"#1 127\.0\.0\.1 TLS on \(TLSv1\.[23]\) -> greeted: EHLO again")
        self.assertRegex(log, r"AUTH PLAIN <secret> -> 235")
        self.assertRegex(log, r"AUTH LOGIN <secret> -> 334")
        self.assertRegex(log, r"<secret> -> 235")
        self.assertFalse(os.path.exists(srv.cert), "the certificate file outlives --serve")

    def test_plaintext_after_starttls_is_dropped(self):
        srv = Serve()
        try:
            c = Client(srv.port, srv.cert)
            c.cmd("EHLO class.example")
            # One write: STARTTLS and a command meant to run inside TLS.
            c.sock.sendall(b"STARTTLS\r\nVRFY injected\r\n")
            self.assertEqual(c.reply()[0], 220)
            # Nothing more in clear: the VRFY got no reply before TLS...
            ready, _, _ = select.select([c.sock], [], [], 0.3)
            self.assertEqual((c.buf, ready), (b"", []))
            c.sock = ssl.create_default_context(cafile=srv.cert).wrap_socket(
                c.sock, server_hostname=HOST)
            # ... and none inside it: the first reply there is NOOP's.
            code, lines = c.cmd("NOOP")
            self.assertEqual(code, 250, lines)
            self.assertIn("NOOP", lines[0])
            self.assertEqual(c.code("QUIT"), 221)
            c.close()
        finally:
            log, _ = srv.stop()
        self.assertNotIn("injected", log)

    def test_454_without_openssl(self):
        srv = Serve({"SMTPSH_LIBSSL": "/nonexistent/libssl.so.3"})
        try:
            self.assertIn("STARTTLS will get 454", srv.second)
            c = Client(srv.port)
            c.cmd("EHLO class.example")
            code, lines = c.cmd("STARTTLS")
            self.assertEqual(code, 454, lines)
            self.assertIn("TLS not available", lines[0])
            self.assertEqual(c.code("NOOP"), 250)           # still in clear, still served
            c.close()
        finally:
            srv.stop()


class DemoClient(unittest.TestCase):
    def test_smtpsh_starttls_then_auth_against_demo(self):
        p = run_smtpsh(["--demo", "--json", "-e", "ehlo", "-e", "starttls",
                        "-e", "auth plain alice", "-e", "mail a@class.example",
                        "-e", "rcpt vault", "-e", "quit"],
                       env_extra={"SMTPSH_PASSWORD": "wonderland"})
        recs = json_records(p.stdout)
        codes = [r["code"] for r in recs if r["type"] == "reply"]
        self.assertEqual(codes, [220, 250, 220, 250, 235, 250, 250, 221], p.stderr)
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_454_recipe_under_demo(self):
        """docs/teaching-server.md's recipe: an OpenSSL that is not there."""
        p = run_smtpsh(["--demo", "--json", "-e", "ehlo c.example", "-e", "starttls"],
                       env_extra={"SMTPSH_LIBSSL": "/nonexistent"})
        got = [(r["code"], r["verdict"]) for r in json_records(p.stdout) if r["type"] == "reply"]
        self.assertEqual(got[2], (454, "failure"), got)

    def test_smtpsh_judges_every_code_as_expected(self):
        """The client's verb tables know each reply the server gives here:
        no verdict "unexpected"."""
        p = run_smtpsh(["--demo", "--json", "-e", "ehlo",
                        "-e", "raw AUTH PLAIN " + b64("\0alice\0wonderland"),
                        "-e", "mail a@class.example", "-e", "rcpt vault", "-e", "rset",
                        "-e", "starttls", "-e", "auth plain alice", "-e", "raw AUTH GSSAPI",
                        "-e", "raw AUTH PLAIN %%%", "-e", "raw STARTTLS", "-e", "quit"],
                       env_extra={"SMTPSH_PASSWORD": "nope"})
        got = [(r["code"], r["verdict"]) for r in json_records(p.stdout) if r["type"] == "reply"]
        self.assertEqual([c for c, _ in got], [220, 250, 538, 250, 530, 250, 220, 250, 535,
                                               504, 501, 503, 221], p.stderr)
        self.assertFalse([g for g in got if g[1] == "unexpected"], got)


if __name__ == "__main__":
    unittest.main()
