"""test_audit_tls.py - the audit's TLS checks and its SMTP smuggling probe
(issue 22): tls-protocols, tls-ciphers, tls-certificate and smtp-smuggling
against scripted servers on 127.0.0.1 (test/fakesmtp_audit.py) with one
weakness each -- TLS 1.0 and 1.1 at security level 0, NULL and anonymous
suites, a certificate that expires in 5 days, a 1024-bit RSA key, a SHA-1
signature (made here with the openssl command), a server that ends DATA
at a bare LF.LF -- and the same servers without it, which get no finding
from these checks."""
import os
import re
import ssl
import subprocess
import tempfile
import unittest

from harness import FakeServer, json_records, run_smtpsh

TLS_CHECKS = ["tls-protocols", "tls-ciphers", "tls-certificate"]
# A server at security level 0, TLS 1.2 and up, the default suites.
LEVEL0 = ["--tls-ciphers", "DEFAULT:@SECLEVEL=0"]
# Every probe on a connection of its own: enough for one audit.
CONNECTIONS = 40


def openssl(d, *args):
    subprocess.run(["openssl"] + list(args), check=True, cwd=d,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def make_ca(d):
    """A CA for a year: ca.pem, ca.key in d."""
    openssl(d, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key",
            "-out", "ca.pem", "-days", "365", "-subj", "/CN=smtpsh audit test CA")
    return os.path.join(d, "ca.pem")


def make_leaf(d, name, days=365, bits=2048, md="sha256"):
    """A certificate for localhost signed by d's CA: (NAME.pem, NAME.key)."""
    openssl(d, "req", "-newkey", f"rsa:{bits}", "-nodes", "-keyout", name + ".key",
            "-out", name + ".csr", "-subj", "/CN=localhost")
    with open(os.path.join(d, "ext.cnf"), "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    openssl(d, "x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", name + ".pem", "-days", str(days), "-" + md,
            "-extfile", "ext.cnf")
    return os.path.join(d, name + ".pem"), os.path.join(d, name + ".key")


def server(**opt):
    step = {"serve": "audit", "greet_wait": 0.3, "pregreet": "reject"}
    step.update(opt)
    return [step]


class AuditTLS(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="smtpsh-audit-tls-")
        d = cls.tmp.name
        cls.ca = make_ca(d)
        cls.good = make_leaf(d, "good")
        cls.soon = make_leaf(d, "soon", days=5)
        cls.small = make_leaf(d, "small", bits=1024)
        cls.sha1 = make_leaf(d, "sha1", md="sha1")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def audit(self, steps, cert=None, tls_args=(), extra=(), implicit=False, cafile=True):
        """Run --json --audit against steps; ({check: record}, lines the
        server read, its stderr, the exit status)."""
        cert = cert or self.good
        args = ["--json"] + (["--cafile", self.ca] if cafile else []) + list(extra)
        with FakeServer(steps, connections=CONNECTIONS, tls=cert, tls_args=list(tls_args),
                        implicit_tls=implicit) as srv:
            r = run_smtpsh(args + ["--audit", "localhost", str(srv.port)], timeout=120)
            srv.stop()
            log = srv.finish()
        res = {}
        for rec in json_records(r.stdout):
            if rec["type"] in ("finding", "check"):
                res[rec["check"]] = rec
        lines = [l for l in log.splitlines() if l.startswith("fakesmtp: audit ")]
        return res, lines, log, r.returncode

    def assertResult(self, rec, result, severity=None):
        self.assertEqual(rec["result"], result, rec)
        if severity is not None:
            self.assertEqual(rec["severity"], severity, rec)

    # ---- without a weakness: no finding from the new checks ----

    def test_sound_tls_no_finding(self):
        res, _, _, _ = self.audit(server())
        for c in TLS_CHECKS:
            self.assertResult(res[c], "pass")
        self.assertIn("verification: ok (chain trusted, name localhost matches, dates valid)",
                      res["tls-certificate"]["evidence"])
        self.assertIn("key: RSA 2048 bits; signature: RSA-SHA256",
                      res["tls-certificate"]["evidence"])
        self.assertIn("TLSv1.0: refused", res["tls-protocols"]["evidence"][0])

    def test_no_starttls_skips_tls_checks(self):
        res, lines, _, _ = self.audit(server(extensions=["SIZE 10240000"]))
        for c in TLS_CHECKS:
            self.assertResult(res[c], "skipped")
            self.assertIn("STARTTLS is not offered", res[c]["reason"])
        self.assertNotIn("fakesmtp: audit STARTTLS", lines)

    def test_starttls_offered_but_every_handshake_fails(self):
        # OpenSMTPD 6.8.0p2 on Debian 12 (OpenSSL 3) offers STARTTLS and
        # answers every ClientHello with an internal_error alert: no
        # version or suite is "refused" there, TLS does not work at all.
        res, lines, _, rc = self.audit(server(tls_fails=True))
        f = res["tls-certificate"]
        self.assertResult(f, "finding", "medium")
        self.assertEqual(f["detail"], "no TLS 1.2 or 1.3 handshake succeeds")
        self.assertIn("STARTTLS is offered but its TLS handshake fails", f["reason"])
        self.assertIn("TLS handshake failed: tlsv1 alert internal error", f["evidence"])
        for c in ("tls-protocols", "tls-ciphers"):
            self.assertResult(res[c], "skipped")
            self.assertIn("no TLS 1.2 or 1.3 handshake succeeds either", res[c]["reason"])
        self.assertIn("fakesmtp: audit STARTTLS", lines)
        self.assertEqual(rc, 7)

    # ---- tls-protocols ----

    def test_tls_1_0_and_1_1_accepted(self):
        res, _, _, rc = self.audit(server(), tls_args=["--tls-min", "1.0"])
        f = res["tls-protocols"]
        self.assertResult(f, "finding", "medium")
        self.assertEqual(f["detail"], "TLSv1.0, TLSv1.1")
        self.assertTrue(f["evidence"][0].startswith("TLSv1.0: accepted (TLSv1, "), f)
        self.assertIn("1.2", f["fix"])
        self.assertResult(res["tls-ciphers"], "pass")
        self.assertResult(res["tls-certificate"], "pass")
        self.assertEqual(rc, 7)

    def test_implicit_tls_probes(self):
        # --tls: every probe shakes hands right after its connect.
        res, lines, _, _ = self.audit(server(extensions=["SIZE 10240000"]),
                                      tls_args=["--tls-min", "1.0"], extra=["--tls"],
                                      implicit=True)
        self.assertResult(res["tls-protocols"], "finding", "medium")
        self.assertEqual(res["tls-protocols"]["detail"], "TLSv1.0, TLSv1.1")
        self.assertResult(res["tls-certificate"], "pass")
        self.assertNotIn("fakesmtp: audit STARTTLS", lines)

    def test_postfix_fixes(self):
        res, _, _, _ = self.audit(server(banner="mx.fake.test ESMTP Postfix"),
                                  tls_args=["--tls-min", "1.0"])
        self.assertIn("smtpd_tls_protocols = >=TLSv1.2", res["tls-protocols"]["fix"])
        self.assertIn("smtpd_tls_mandatory_protocols", res["tls-protocols"]["fix"])

    # ---- tls-ciphers ----

    def test_null_and_anonymous_suites_accepted(self):
        res, _, _, _ = self.audit(server(banner="mx.fake.test ESMTP Postfix"),
                                  tls_args=["--tls-ciphers", "ALL:eNULL:@SECLEVEL=0"])
        f = res["tls-ciphers"]
        self.assertResult(f, "finding", "medium")
        self.assertRegex(f["detail"], r"^NULL \([A-Z0-9-]*NULL[A-Z0-9-]*\), "
                                      r"anonymous \(A[A-Z0-9-]*\)$")
        self.assertIn("smtpd_tls_exclude_ciphers", f["fix"])
        # What this OpenSSL cannot offer is said, never counted as refused.
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        try:
            ctx.set_ciphers("3DES:@SECLEVEL=0")
        except ssl.SSLError:
            self.assertTrue([e for e in f["evidence"] if e.startswith("not asked") and
                             "3DES" in e], f)
        self.assertResult(res["tls-protocols"], "pass")

    # ---- tls-certificate ----

    def test_certificate_expires_in_5_days(self):
        res, _, _, _ = self.audit(server(), cert=self.soon)
        f = res["tls-certificate"]
        self.assertResult(f, "finding", "medium")
        self.assertRegex(f["detail"], r"^expires in [45] days$")

    def test_certificate_1024_bit_rsa(self):
        # The server at level 0, so that it can load the key at all.
        res, _, _, _ = self.audit(server(), cert=self.small, tls_args=LEVEL0)
        f = res["tls-certificate"]
        self.assertResult(f, "finding", "medium")
        self.assertEqual(f["detail"], "RSA key of 1024 bits")

    def test_certificate_sha1_signature(self):
        res, _, _, _ = self.audit(server(), cert=self.sha1, tls_args=LEVEL0)
        f = res["tls-certificate"]
        self.assertResult(f, "finding", "medium")
        self.assertEqual(f["detail"], "signed with RSA-SHA1")

    def test_certificate_untrusted(self):
        # Without --cafile the test CA is not trusted.
        res, _, _, _ = self.audit(server(), cafile=False)
        f = res["tls-certificate"]
        self.assertResult(f, "finding", "medium")
        self.assertEqual(f["detail"], "chain does not verify")

    # ---- smtp-smuggling ----

    def test_smuggling_needs_to(self):
        res, lines, _, _ = self.audit(server(data="bare-lf"))
        f = res["smtp-smuggling"]
        self.assertResult(f, "skipped")
        self.assertIn("--to ADDR", f["reason"])
        self.assertFalse([l for l in lines if "DATA" in l], lines)

    def test_smuggling_bare_lf_server(self):
        res, lines, log, rc = self.audit(
            server(data="bare-lf", mailboxes=["me@mx.fake.test"],
                   banner="mx.fake.test ESMTP Postfix"),
            extra=["--to", "me@mx.fake.test", "--from", "auditor@example.org"])
        f = res["smtp-smuggling"]
        self.assertResult(f, "finding", "high")
        self.assertEqual(f["detail"], "LF.LF, LF.CRLF, CRLF.LF")
        self.assertIn("> (a body ending in LF.LF, then MAIL, RCPT, DATA and a second message)",
                      f["evidence"])
        self.assertIn("smtpd_forbid_bare_newline = normalize", f["fix"])
        # The smuggled commands reached the server as commands.
        self.assertIn("fakesmtp: audit MAIL FROM:<auditor@example.org>", lines)
        self.assertEqual(rc, 7)

    def test_smuggling_strict_server_no_finding(self):
        res, lines, log, _ = self.audit(
            server(data="strict", mailboxes=["me@mx.fake.test"]),
            extra=["--to", "me@mx.fake.test"])
        f = res["smtp-smuggling"]
        self.assertResult(f, "pass")
        # Seven forms, each its own message on its own connection, each one
        # message whole (nothing smuggled).
        self.assertEqual(len([l for l in lines if l == "fakesmtp: audit DATA"]), 7, lines)
        self.assertEqual(len(re.findall(r"fakesmtp: audit body \d+ bytes", log)), 7)
        self.assertFalse([l for l in lines if "SMUGGLED" in l], lines)

    def test_smuggling_refused_bodies_are_said(self):
        # Sendmail 8.17.1.9-2+deb12u2 answers a body with a bare LF or CR
        # with 421 and hangs up; OpenSMTPD 6.8.0p2 ends DATA at LF.LF and
        # refuses what follows with 500 (no pipelining).  Nothing is
        # smuggled, but the bodies were refused, not taken whole.
        res, _, _, _ = self.audit(server(data="reject-bare", mailboxes=["me@mx.fake.test"]),
                                  extra=["--to", "me@mx.fake.test"])
        f = res["smtp-smuggling"]
        self.assertResult(f, "pass")
        self.assertIn("refused", f["reason"])
        self.assertEqual(f["detail"], "refused: LF.LF, LF.CRLF, CR.CRLF, CRLF.CR, CR.CR, "
                         "CRLF.LF (421)")

    def test_smuggling_refused_message_is_skipped(self):
        # RCPT refused: no form can be tried, which is no pass.
        res, _, _, _ = self.audit(server(data="strict"), extra=["--to", "me@mx.fake.test"])
        self.assertResult(res["smtp-smuggling"], "skipped")

    def test_shell_audit_to(self):
        # The shell's `audit --to ADDR HOST PORT` hands ADDR on: the probes
        # ask RCPT for it (refused here, which keeps the test short).
        with FakeServer(server(data="bare-lf"), connections=CONNECTIONS) as srv:
            r = run_smtpsh(["--json", "-e", f"audit --to me@mx.fake.test 127.0.0.1 {srv.port}"],
                           timeout=120)
            srv.stop()
            log = srv.finish()
        res = {x["check"]: x for x in json_records(r.stdout) if x["type"] in ("finding", "check")}
        self.assertResult(res["smtp-smuggling"], "skipped")
        self.assertIn("the test message was refused", res["smtp-smuggling"]["reason"])
        self.assertIn("fakesmtp: audit RCPT TO:<me@mx.fake.test>", log)

    def test_one_to_only(self):
        r = run_smtpsh(["--audit", "--to", "a@example.org", "--to", "b@example.org",
                        "127.0.0.1", "25"])
        self.assertEqual(r.returncode, 2)
        self.assertIn("--audit", r.stderr.decode())


if __name__ == "__main__":
    unittest.main()
