"""test_audit_domain.py - `smtpsh --audit DOMAIN` (issue 22): a mail domain
is audited over every MX host, each by its first address that answers,
each host's results under a header of its own (text) and with a "host"
field (JSON), one summary over them all, exit status 7 when any host has
a finding of medium or worse; a null MX and a domain with no MX are
findings of their own; and the DNS checks: reverse-dns (the connected
address's PTR, forward-confirmed), tls-rpt (_smtp._tls TXT, RFC 8460) and
mta-sts (_mta-sts TXT, RFC 8461; the HTTPS policy is not fetched).

The DNS is test/fakedns.py on loopback (SMTPSH_DNS_SERVER); the MX hosts
are scripted audit servers (test/fakesmtp_audit.py) on 127.0.0.2 and
127.0.0.3, one port for both (--mx routes by MX on a given port: the tests
cannot bind port 25)."""
import re
import unittest

from harness import FakeDNS, FakeServer, json_records, run_smtpsh

HOST_CHECKS = ["banner-disclosure", "no-starttls", "auth-before-tls", "limits",
               "vrfy-exposes-users", "expn-exposes-lists", "open-relay", "early-talker",
               "tls-protocols", "tls-ciphers", "tls-certificate", "smtp-smuggling",
               "reverse-dns"]
# No TLS behind STARTTLS here, and no --to: these are skipped.
SKIPPED = {"tls-protocols", "tls-ciphers", "tls-certificate", "smtp-smuggling"}
DOMAIN_CHECKS = ["mx", "tls-rpt", "mta-sts"]


def server(**opt):
    """A closed server (no weakness) with opt changed."""
    step = {"serve": "audit", "greet_wait": 0.3, "pregreet": "reject"}
    step.update(opt)
    return [step]


def zone(**over):
    """example.test with two MX hosts, each with a forward-confirmed PTR,
    TLS-RPT and MTA-STS records: nothing to find.  over replaces names."""
    z = {"example.test": {"MX": [[10, "mx1.example.test"], [20, "mx2.example.test"]]},
         "mx1.example.test": {"A": ["127.0.0.2"]},
         "mx2.example.test": {"A": ["127.0.0.3"]},
         "2.0.0.127.in-addr.arpa": {"PTR": ["mx1.example.test"]},
         "3.0.0.127.in-addr.arpa": {"PTR": ["mx2.example.test"]},
         "_smtp._tls.example.test": {"TXT": ["v=TLSRPTv1; rua=mailto:tlsrpt@example.test"]},
         "_mta-sts.example.test": {"TXT": ["v=STSv1; id=20261208T000000"]}}
    for k, v in over.items():
        if v is None:
            z.pop(k, None)
        else:
            z[k] = v
    return z


class AuditDomain(unittest.TestCase):
    def audit_domain(self, z, one=(), two=(), fmt="--json", domain="example.test"):
        """Audit domain with hosts one (127.0.0.2) and two (127.0.0.3)
        scripted by server(**one/two); the run and its records."""
        one = dict({"banner": "mx1.example.test ESMTP", "ehlo_domain": "mx1.example.test"},
                   **dict(one))
        two = dict({"banner": "mx2.example.test ESMTP", "ehlo_domain": "mx2.example.test"},
                   **dict(two))
        with FakeServer(server(**one), host="127.0.0.2", connections=2) as a, \
                FakeServer(server(**two), host="127.0.0.3", port=a.port,
                           connections=2) as b:
            with FakeDNS(z) as dns:
                r = run_smtpsh([fmt, "--no-color", "--audit", "--mx", domain, str(a.port)],
                               env_extra=dns.env, timeout=90)
            a.stop()
            b.stop()
            a.finish()
            b.finish()
        return r, json_records(r.stdout) if fmt == "--json" else []

    def by_host(self, recs):
        """{host: {check: record}} over every finding and check record."""
        out = {}
        for rec in recs:
            if rec["type"] in ("finding", "check"):
                self.assertIn("host", rec, rec)
                checks = out.setdefault(rec["host"], {})
                self.assertNotIn(rec["check"], checks)
                checks[rec["check"]] = rec
        return out

    def test_every_mx_host_audited_nothing_found(self):
        r, recs = self.audit_domain(zone())
        self.assertEqual(r.returncode, 0, r.stdout.decode() + r.stderr.decode())
        hosts = self.by_host(recs)
        self.assertEqual(sorted(hosts), ["example.test", "mx1.example.test", "mx2.example.test"])
        self.assertEqual(sorted(hosts["example.test"]), sorted(DOMAIN_CHECKS))
        for h in ("mx1.example.test", "mx2.example.test"):
            self.assertEqual(sorted(hosts[h]), sorted(HOST_CHECKS))
        for h, checks in hosts.items():
            for rec in checks.values():
                self.assertEqual(rec["type"], "check", rec)
                self.assertEqual(rec["result"], "skipped" if rec["check"] in SKIPPED else "pass",
                                 rec)
        heads = [x for x in recs if x["type"] == "audit-host"]
        self.assertEqual([(x["host"], x.get("address")) for x in heads],
                         [("example.test", None), ("mx1.example.test", "127.0.0.2"),
                          ("mx2.example.test", "127.0.0.3")])
        self.assertEqual(heads[1]["preference"], 10)
        self.assertIn("not fetched", hosts["example.test"]["mta-sts"]["detail"])
        summary = [x for x in recs if x["type"] == "audit-summary"]
        self.assertEqual(len(summary), 1)
        self.assertEqual(summary[0]["checks"], 2 * len(HOST_CHECKS) + len(DOMAIN_CHECKS))
        self.assertEqual(summary[0]["finding"], 0)

    def test_one_weak_host_sets_the_exit_status(self):
        r, recs = self.audit_domain(zone(), two={"vrfy": "real"})
        self.assertEqual(r.returncode, 7, r.stdout.decode() + r.stderr.decode())
        hosts = self.by_host(recs)
        findings = [(h, c) for h, checks in hosts.items() for c, rec in checks.items()
                    if rec["type"] == "finding"]
        self.assertEqual(findings, [("mx2.example.test", "vrfy-exposes-users")])
        summary = [x for x in recs if x["type"] == "audit-summary"][0]
        self.assertEqual(summary["findings"]["medium"], 1)

    def test_text_groups_checks_under_each_host(self):
        r, _ = self.audit_domain(zone(), two={"vrfy": "real"}, fmt="--no-pager")
        out = r.stdout.decode()
        self.assertEqual(r.returncode, 7, out + r.stderr.decode())
        d = out.index("example.test (domain)")
        m1 = out.index("mx1.example.test (127.0.0.2, preference 10)")
        m2 = out.index("mx2.example.test (127.0.0.3, preference 20)")
        self.assertLess(d, m1)
        self.assertLess(m1, m2)
        found = [m.start() for m in re.finditer(r"vrfy-exposes-users +finding", out)]
        self.assertEqual(len(found), 1, out)
        self.assertGreater(found[0], m2)
        self.assertEqual(out.count("REASON"), 3)
        self.assertEqual(out.count(" checks: "), 1)        # one summary

    def test_null_mx_is_a_finding_not_a_crash(self):
        r, recs = self.audit_domain({"null.test": {"MX": [[0, "."]]}}, domain="null.test")
        self.assertEqual(r.returncode, 0, r.stdout.decode() + r.stderr.decode())
        hosts = self.by_host(recs)
        self.assertEqual(list(hosts), ["null.test"])
        mx = hosts["null.test"]["mx"]
        self.assertEqual((mx["type"], mx["severity"]), ("finding", "info"))
        self.assertIn("null MX", mx["reason"])
        self.assertEqual(hosts["null.test"]["tls-rpt"]["result"], "skipped")

    def test_no_mx_audits_the_domain_itself(self):
        z = {"solo.test": {"A": ["127.0.0.2"]},
             "2.0.0.127.in-addr.arpa": {"PTR": ["solo.test"]},
             "_smtp._tls.solo.test": {"TXT": ["v=TLSRPTv1; rua=mailto:r@solo.test"]},
             "_mta-sts.solo.test": {"TXT": ["v=STSv1; id=1"]}}
        with FakeServer(server(banner="solo.test ESMTP", ehlo_domain="solo.test"),
                        host="127.0.0.2", connections=2) as a:
            with FakeDNS(z) as dns:
                r = run_smtpsh(["--json", "--audit", "--mx", "solo.test", str(a.port)],
                               env_extra=dns.env, timeout=60)
            a.stop()
            a.finish()
        self.assertEqual(r.returncode, 0, r.stdout.decode() + r.stderr.decode())
        hosts = self.by_host(json_records(r.stdout))
        mx = hosts["solo.test"]["mx"]
        self.assertEqual((mx["type"], mx["severity"]), ("finding", "info"))
        self.assertIn("implicit MX", mx["reason"])
        # The domain's own checks and its host's share the name.
        self.assertIn("reverse-dns", hosts["solo.test"])
        self.assertEqual(hosts["solo.test"]["reverse-dns"]["result"], "pass")

    def test_reverse_dns_missing_or_not_confirmed(self):
        z = zone(**{"2.0.0.127.in-addr.arpa": None,
                    "3.0.0.127.in-addr.arpa": {"PTR": ["elsewhere.example.test"]},
                    "elsewhere.example.test": {"A": ["192.0.2.7"]}})
        r, recs = self.audit_domain(z)
        self.assertEqual(r.returncode, 0, r.stdout.decode() + r.stderr.decode())
        hosts = self.by_host(recs)
        one = hosts["mx1.example.test"]["reverse-dns"]
        self.assertEqual((one["type"], one["severity"]), ("finding", "low"))
        self.assertIn("no PTR", one["reason"])
        self.assertEqual(one["evidence"], ["dns: PTR 127.0.0.2: nxdomain"])
        two = hosts["mx2.example.test"]["reverse-dns"]
        self.assertEqual((two["type"], two["severity"]), ("finding", "low"))
        self.assertIn("forward-confirmed", two["reason"])
        self.assertIn("elsewhere.example.test", two["detail"])
        self.assertEqual(two["evidence"], ["dns: PTR 127.0.0.3: elsewhere.example.test",
                                           "dns: A/AAAA elsewhere.example.test: 192.0.2.7"])
        self.assertTrue(two["fix"])

    def test_reverse_dns_name_differs_from_the_banner(self):
        z = zone(**{"2.0.0.127.in-addr.arpa": {"PTR": ["other.example.test"]},
                    "other.example.test": {"A": ["127.0.0.2"]}})
        r, recs = self.audit_domain(z, one={"banner": "mx.fake.test ESMTP",
                                            "ehlo_domain": "mx.fake.test"})
        one = self.by_host(recs)["mx1.example.test"]["reverse-dns"]
        self.assertEqual((one["type"], one["severity"]), ("finding", "info"), one)
        self.assertIn("other.example.test", one["detail"])
        self.assertIn("mx.fake.test", one["detail"])

    def test_tls_rpt_and_mta_sts_missing_or_malformed(self):
        for txt_rpt, txt_sts, want_rpt, want_sts in (
                (None, None, ("finding", "info"), ("finding", "low")),
                ({"TXT": ["v=TLSRPTv1"]}, {"TXT": ["v=STSv1"]}, ("finding", "info"),
                 ("finding", "medium")),
                ({"TXT": ["v=TLSRPTv1;rua=https://r.example.test/x"]},
                 {"TXT": [["v=STSv1; ", "id=abc123"]]}, ("check", None), ("check", None))):
            with self.subTest(rpt=txt_rpt, sts=txt_sts):
                r, recs = self.audit_domain(zone(**{"_smtp._tls.example.test": txt_rpt,
                                                    "_mta-sts.example.test": txt_sts}))
                d = self.by_host(recs)["example.test"]
                self.assertEqual((d["tls-rpt"]["type"], d["tls-rpt"].get("severity")), want_rpt,
                                 d["tls-rpt"])
                self.assertEqual((d["mta-sts"]["type"], d["mta-sts"].get("severity")), want_sts,
                                 d["mta-sts"])
                self.assertEqual(r.returncode, 7 if want_sts[1] == "medium" else 0)


if __name__ == "__main__":
    unittest.main()
