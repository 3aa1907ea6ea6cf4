"""test_audit_postfix.py - `smtpsh --audit` against a real Postfix on
loopback (issue 22), in two configurations: the tests' usual one, where
127.0.0.1 is in mynetworks -- an open relay as seen from smtpsh -- and a
closed one (mynetworks elsewhere, VRFY disabled), which must get no high
finding and a pass for open-relay.  Postfix is recognised from its banner,
so the fixes name Postfix's settings.  With STARTTLS and --to, the TLS
checks and smtp-smuggling: Debian's Postfix 3.7.11 as configured by
default accepts TLS 1.0 and 1.1, anonymous suites and LF.LF as the end of
data; the settings the fixes name clear all three.  Skips like the other
real-server tests when Postfix cannot run here."""
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from harness import json_records, make_certs, run_smtpsh  # noqa: E402
from realservers import DOMAIN, REQUIRED, Postfix  # noqa: E402

CLOSED = """mynetworks = 127.0.0.2/32
smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination
disable_vrfy_command = yes
"""

# The fixes audit_fix.c gives Postfix for tls-protocols, tls-ciphers and
# smtp-smuggling (no exclusions: the audit comes from mynetworks).
HARDENED = """smtpd_forbid_bare_newline = normalize
smtpd_forbid_bare_newline_exclusions =
smtpd_tls_protocols = >=TLSv1.2
smtpd_tls_mandatory_protocols = >=TLSv1.2
smtpd_tls_exclude_ciphers = aNULL, eNULL, EXPORT, RC4, DES, 3DES, MD5
"""


class PostfixAudit(unittest.TestCase):
    def audit(self, extra, args=()):
        srv = Postfix(extra)
        why = srv.unavailable()
        if why:
            if REQUIRED:
                raise AssertionError(f"Postfix is required here: {why}")
            raise unittest.SkipTest(f"Postfix: {why}")
        srv.start()
        try:
            p = run_smtpsh(["--json", "--timeout", "20"] + list(args) +
                           ["--audit", "127.0.0.1", str(srv.port)], timeout=180)
        finally:
            srv.stop()
        recs = json_records(p.stdout)
        res = {r["check"]: r for r in recs if r["type"] in ("finding", "check")}
        summary = [r for r in recs if r["type"] == "audit-summary"]
        self.assertEqual(len(summary), 1, p.stderr)
        self.assertEqual(summary[0]["software"], "postfix")
        return p, res

    def test_closed_configuration_has_no_high_finding(self):
        p, res = self.audit(CLOSED)
        high = [r for r in res.values() if r.get("severity") == "high"]
        self.assertEqual(high, [])
        self.assertEqual(res["open-relay"]["result"], "pass", res["open-relay"])
        self.assertEqual(res["vrfy-exposes-users"]["result"], "pass")
        self.assertEqual(res["auth-before-tls"]["result"], "pass")
        # No TLS in the test configuration: said, with Postfix's setting.
        self.assertEqual(res["no-starttls"]["result"], "finding")
        self.assertIn("smtpd_tls_security_level", res["no-starttls"]["fix"])
        # Its banner says "Postfix".
        self.assertEqual(res["banner-disclosure"]["severity"], "low")
        self.assertIn("smtpd_banner", res["banner-disclosure"]["fix"])
        self.assertEqual(p.returncode, 7)      # no-starttls is medium

    def test_open_relay_configuration(self):
        _, res = self.audit("")
        f = res["open-relay"]
        self.assertEqual((f["result"], f["severity"]), ("finding", "high"), f)
        self.assertIn("external", f["detail"].split(", "))
        self.assertIn("smtpd_relay_restrictions", f["fix"])

    def tls_audit(self, extra):
        """STARTTLS with a test certificate, --to a mailbox of Postfix's."""
        with tempfile.TemporaryDirectory(prefix="pfc", dir="/tmp") as tmp:
            os.chmod(tmp, 0o755)
            c = make_certs(tmp)
            tls = (f"smtpd_tls_security_level = may\n"
                   f"smtpd_tls_chain_files = {c['leaf.key']}, {c['leaf.pem']}\n")
            _, res = self.audit(tls + extra, ["--cafile", c["ca.pem"], "--to",
                                              "alice@" + DOMAIN])
        self.assertIn("verification: ok (chain trusted, name 127.0.0.1 matches, dates valid)",
                      res["tls-certificate"]["evidence"])
        return res

    def test_tls_and_smuggling_default(self):
        res = self.tls_audit("")
        f = res["tls-protocols"]
        self.assertEqual((f["result"], f["detail"]), ("finding", "TLSv1.0, TLSv1.1"), f)
        self.assertIn("smtpd_tls_protocols", f["fix"])
        f = res["tls-ciphers"]
        self.assertEqual(f["result"], "finding", f)
        self.assertIn("anonymous (", f["detail"])
        self.assertIn("smtpd_tls_exclude_ciphers", f["fix"])
        f = res["smtp-smuggling"]
        self.assertEqual((f["result"], f["severity"]), ("finding", "high"), f)
        self.assertEqual(f["detail"], "LF.LF, LF.CRLF, CRLF.LF")
        self.assertIn("smtpd_forbid_bare_newline = normalize", f["fix"])

    def test_tls_and_smuggling_hardened(self):
        res = self.tls_audit(HARDENED)
        for c in ("tls-protocols", "tls-ciphers", "smtp-smuggling"):
            self.assertEqual(res[c]["result"], "pass", res[c])


if __name__ == "__main__":
    unittest.main()
