"""test_tls_details.py - what `tls` shows and the TLS options (issue 12),
through the built smtpsh against test/fakesmtp.py speaking real TLS with
certificates made here: the whole chain as the server sent it (subject,
issuer, names, validity, days to expiry, SHA-256 fingerprints matching the
openssl CLI's), the SNI sent (--sni, and none for an address) as the
server saw it, --tls-protocol as a minimum, --tls-cipher, and a client
certificate (--cert/--key) the server requires and sees."""
import subprocess
import tempfile
import unittest

from harness import BANNER, FakeServer, json_records, make_certs, run_smtpsh


def fingerprint(path):
    out = subprocess.run(["openssl", "x509", "-in", path, "-noout", "-fingerprint", "-sha256"],
                         check=True, stdout=subprocess.PIPE).stdout.decode()
    return out.strip().split("=", 1)[1]


class TLSDetails(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="smtpsh-certs-")
        cls.c = make_certs(cls.tmp.name, chain=True)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def starttls(self, after):
        return [BANNER, {"expect": "EHLO"}, {"send": "250-fake.test\r\n250 STARTTLS\r\n"},
                {"expect": "STARTTLS"}, {"send": "220 go ahead\r\n"}, {"starttls": True}] + after

    AFTER = [{"expect": "EHLO"}, {"send": "250 fake.test\r\n"}, {"expect": "QUIT"},
             {"send": "221 bye\r\n"}]

    def run_tls(self, opts, host="localhost", server_tls=None, tls_args=(), after=None):
        tls = server_tls or (self.c["chain.pem"], self.c["chain.key"])
        with FakeServer(self.starttls(self.AFTER if after is None else after), tls=tls,
                        tls_args=tls_args) as srv:
            p = run_smtpsh(["--no-color", "--cafile", self.c["ca.pem"]] + opts +
                           ["-e", "ehlo me.example", "-e", "starttls", "-e", "tls", "-e", "quit",
                            host, str(srv.port)])
            srv.finish()
            return p, srv.tls_info(), srv.received()

    def test_chain_text(self):
        p, info, _ = self.run_tls([])
        out = p.stdout.decode()
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("chain:        2 certificates as the server sent them", out)
        self.assertIn("[0] subject:  CN=localhost\n    issuer:   CN=smtpsh test intermediate\n"
                      "    names:    DNS:localhost, IP:127.0.0.1\n", out)
        self.assertIn("[1] subject:  CN=smtpsh test intermediate\n    issuer:   CN=smtpsh test CA\n"
                      "    names:    (no subjectAltName)\n", out)
        # -days 30 and -days 2, made moments ago (whole days, rounded down).
        self.assertRegex(out, r"\[0\] [^[]*\((29|30) days left\)")
        self.assertRegex(out, r"\[1\] [^[]*\((1 day|2 days) left\)")
        self.assertIn("    sha256:   " + fingerprint(self.c["leaf2.pem"]) + "\n", out)
        self.assertIn("    sha256:   " + fingerprint(self.c["inter.pem"]) + "\n", out)
        self.assertIn("SNI sent:     localhost\n", out)
        self.assertEqual(info["sni"], "localhost")
        self.assertIn("verification: ok", out)

    def test_chain_json(self):
        p, _, _ = self.run_tls(["--json"])
        self.assertEqual(p.returncode, 0, p.stderr)
        show = [r for r in json_records(p.stdout) if r["type"] == "tls" and r["how"] == "show"][0]
        self.assertEqual([c["subject"] for c in show["chain"]],
                         ["CN=localhost", "CN=smtpsh test intermediate"])
        self.assertEqual([c["sha256"] for c in show["chain"]],
                         [fingerprint(self.c["leaf2.pem"]), fingerprint(self.c["inter.pem"])])
        self.assertIn(show["chain"][0]["days_left"], (29, 30))
        self.assertIn(show["chain"][1]["days_left"], (1, 2))
        self.assertEqual(show["sni"], "localhost")
        self.assertEqual(show["subject"], "CN=localhost")
        self.assertFalse(show["client_cert"])

    def test_sni_option_and_none_for_an_address(self):
        p, info, _ = self.run_tls(["--sni", "mx.example.test"])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(info["sni"], "mx.example.test")
        self.assertIn("SNI sent:     mx.example.test\n", p.stdout.decode())
        # The certificate is still checked against the host typed.
        self.assertIn("checked name: localhost\n", p.stdout.decode())
        p, info, _ = self.run_tls([], host="127.0.0.1")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIsNone(info["sni"])
        self.assertIn("SNI sent:     none", p.stdout.decode())

    def test_sni_with_implicit_tls(self):
        steps = [BANNER, {"expect": "QUIT"}, {"send": "221 bye\r\n"}]
        with FakeServer(steps, tls=(self.c["chain.pem"], self.c["chain.key"]),
                        implicit_tls=True) as srv:
            p = run_smtpsh(["--tls", "--sni", "smtps.example.test", "--cafile", self.c["ca.pem"],
                            "-e", "quit", "localhost", str(srv.port)])
            srv.finish()
            self.assertEqual(srv.tls_info()["sni"], "smtps.example.test")
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_protocol_minimum(self):
        # The server stops at TLS 1.2: accepted by default, refused with 1.3.
        p, info, _ = self.run_tls([], tls_args=["--tls-max", "1.2"])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("version:      TLSv1.2\n", p.stdout.decode())
        p, info, wire = self.run_tls(["--tls-protocol", "1.3"], tls_args=["--tls-max", "1.2"],
                                     after=[{"drain": True}])
        self.assertEqual(p.returncode, 3)
        self.assertIn("TLS handshake failed", p.stderr.decode())
        self.assertEqual(wire, b"EHLO me.example\r\nSTARTTLS\r\n")
        self.assertIsNone(info)
        p, info, _ = self.run_tls(["--tls-protocol", "TLSv1.3"])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(info["version"], "TLSv1.3")

    def test_cipher_option(self):
        p, info, _ = self.run_tls(["--tls-cipher", "ECDHE-RSA-AES128-GCM-SHA256"])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual((info["version"], info["cipher"]), ("TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256"))
        self.assertIn("cipher:       ECDHE-RSA-AES128-GCM-SHA256\n", p.stdout.decode())
        p, info, _ = self.run_tls(["--tls-cipher", "TLS_CHACHA20_POLY1305_SHA256"])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(info["cipher"], "TLS_CHACHA20_POLY1305_SHA256")

    def test_client_certificate(self):
        require = ["--tls-client-ca", self.c["ca.pem"]]
        p, info, _ = self.run_tls(["--cert", self.c["client.pem"], "--key", self.c["client.key"]],
                                  tls_args=require)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(info["client_subject"], "commonName=smtpsh test client")
        self.assertIn("client cert:  offered (--cert)", p.stdout.decode())
        # Without one, the server ends the handshake: no EHLO gets through.
        p, info, wire = self.run_tls([], tls_args=require, after=[{"drain": True}])
        self.assertEqual(p.returncode, 3)
        self.assertIsNone(info)
        self.assertNotIn(b"QUIT", wire)

    def test_bad_settings_said_before_connecting(self):
        for opts, status, words in (
                (["--cert", "/nonexistent.pem"], 3, "cannot load the client certificate"),
                (["--cert", self.c["client.pem"], "--key", self.c["leaf.key"]], 3,
                 "is not the certificate's"),
                (["--tls-cipher", "NO-SUCH"], 2, "OpenSSL knows no such cipher"),
                (["--key", self.c["client.key"]], 2, "--key goes with --cert"),
                (["--tls-protocol", "1.1"], 2, "RFC 8996")):
            with self.subTest(opts=opts), FakeServer([{"drain": True}]) as srv:
                p = run_smtpsh(opts + ["-e", "quit", "127.0.0.1", str(srv.port)], timeout=10)
                self.assertEqual(p.returncode, status, p.stderr)
                self.assertIn(words, p.stderr.decode())
                self.assertIsNone(srv.peer())
                srv.kill()


if __name__ == "__main__":
    unittest.main()
