"""test_audit_postfix.py - `smtpsh --audit` against a real Postfix on
loopback (issue 22), in two configurations: the tests' usual one, where
127.0.0.1 is in mynetworks -- an open relay as seen from smtpsh -- and a
closed one (mynetworks elsewhere, VRFY disabled), which must get no high
finding and a pass for open-relay.  Postfix is recognised from its banner,
so the fixes name Postfix's settings.  Skips like the other real-server
tests when Postfix cannot run here."""
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from harness import json_records, run_smtpsh  # noqa: E402
from realservers import REQUIRED, Postfix  # noqa: E402

CLOSED = """mynetworks = 127.0.0.2/32
smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination
disable_vrfy_command = yes
"""


class PostfixAudit(unittest.TestCase):
    def audit(self, extra):
        srv = Postfix(extra)
        why = srv.unavailable()
        if why:
            if REQUIRED:
                raise AssertionError(f"Postfix is required here: {why}")
            raise unittest.SkipTest(f"Postfix: {why}")
        srv.start()
        try:
            p = run_smtpsh(["--json", "--timeout", "20", "--audit", "127.0.0.1", str(srv.port)],
                           timeout=180)
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


if __name__ == "__main__":
    unittest.main()
