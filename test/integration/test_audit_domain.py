"""test_audit_domain.py - `smtpsh --audit DOMAIN` (issue 22): a mail domain
is audited over every MX host, each by its first address that answers,
each host's results under a header of its own (text) and with a "host"
field (JSON), one summary over them all, exit status 7 when any host has
a finding of medium or worse; a null MX and a domain with no MX are
findings of their own; and the DNS checks: reverse-dns (the connected
address's PTR, forward-confirmed), tls-rpt (_smtp._tls TXT, RFC 8460) and
mta-sts (_mta-sts TXT and the HTTPS policy, RFC 8461); dane (TLSA records
verified against a real STARTTLS chain, RFC 7672).

The DNS is test/fakedns.py on loopback (SMTPSH_DNS_SERVER); the MX hosts
are scripted audit servers (test/fakesmtp_audit.py) on 127.0.0.2 and
127.0.0.3, one port for both (--mx routes by MX on a given port: the tests
cannot bind port 25).  The MTA-STS policies are served over HTTPS by a
server in this process on 127.0.0.4 (SMTPSH_MTA_STS_PORT: the tests cannot
bind port 443) with a certificate for mta-sts.DOMAIN made here."""
import hashlib
import http.server
import os
import re
import ssl
import subprocess
import tempfile
import threading
import unittest

from harness import FakeDNS, FakeServer, json_records, make_certs, run_smtpsh

HOST_CHECKS = ["banner-disclosure", "no-starttls", "auth-before-tls", "limits",
               "vrfy-exposes-users", "expn-exposes-lists", "open-relay", "early-talker",
               "tls-protocols", "tls-ciphers", "tls-certificate", "reverse-dns", "dane",
               "smtp-smuggling"]
# No TLS behind STARTTLS here, and no --to: these are skipped (dane: the
# TLSA records are there, but no handshake can verify them).
SKIPPED = {"tls-protocols", "tls-ciphers", "tls-certificate", "smtp-smuggling", "dane"}
DOMAIN_CHECKS = ["mx", "tls-rpt", "mta-sts"]


# {domain: (HTTP status, content type, body)}: what the policy server
# answers for https://mta-sts.DOMAIN/.well-known/mta-sts.txt.
ENFORCE = "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.test\r\nmx: *.example.test\r\n" \
    "max_age: 604800\r\n"
POLICIES = {}
POLICY = {}     # the server's port and the CA that signed its certificate


class PolicyHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        host = self.headers.get("Host", "").split(":")[0]
        domain = host[len("mta-sts."):] if host.startswith("mta-sts.") else host
        status, ctype, body = POLICIES.get(domain, (404, "text/plain", "none here\n"))
        if self.path != "/.well-known/mta-sts.txt":
            status = 404
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def setUpModule():
    tmp = tempfile.TemporaryDirectory(prefix="smtpsh-mtasts-")
    d = tmp.name
    certs = make_certs(d)

    def run(*args):
        subprocess.run(["openssl"] + list(args), check=True, cwd=d,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "sts.key", "-out", "sts.csr",
        "-subj", "/CN=mta-sts.example.test")
    with open(os.path.join(d, "sts.cnf"), "w") as f:
        f.write("subjectAltName=DNS:mta-sts.example.test,DNS:mta-sts.solo.test\n")
    run("x509", "-req", "-in", "sts.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "sts.pem", "-days", "2", "-extfile", "sts.cnf")
    httpd = http.server.ThreadingHTTPServer(("127.0.0.4", 0), PolicyHandler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(d, "sts.pem"), os.path.join(d, "sts.key"))
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    POLICY.update(tmp=tmp, httpd=httpd, ca=certs["ca.pem"],
                  env={"SMTPSH_MTA_STS_PORT": str(httpd.server_address[1])})


def tearDownModule():
    POLICY["httpd"].shutdown()
    POLICY["httpd"].server_close()
    POLICY["tmp"].cleanup()


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
         "_mta-sts.example.test": {"TXT": ["v=STSv1; id=20261208T000000"]},
         "mta-sts.example.test": {"A": ["127.0.0.4"]},
         "_25._tcp.mx1.example.test": {"TLSA": [[3, 1, 1, "ab" * 32]]},
         "_25._tcp.mx2.example.test": {"TLSA": [[3, 1, 1, "cd" * 32]]}}
    for k, v in over.items():
        if v is None:
            z.pop(k, None)
        else:
            z[k] = v
    return z


class AuditDomain(unittest.TestCase):
    def setUp(self):
        POLICIES.clear()
        POLICIES["example.test"] = (200, "text/plain", ENFORCE)

    def audit_domain(self, z, one=(), two=(), fmt="--json", domain="example.test", env=None):
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
                r = run_smtpsh([fmt, "--no-color", "--cafile", POLICY["ca"], "--audit", "--mx",
                                domain, str(a.port)],
                               env_extra=dict(dns.env, **POLICY["env"], **(env or {})),
                               timeout=90)
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
        self.assertIn("mode: enforce", hosts["example.test"]["mta-sts"]["detail"])
        self.assertIn("https: mode: enforce", hosts["example.test"]["mta-sts"]["evidence"])
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
             "_mta-sts.solo.test": {"TXT": ["v=STSv1; id=1"]},
             "mta-sts.solo.test": {"A": ["127.0.0.4"]},
             "_25._tcp.solo.test": {"TLSA": [[3, 1, 1, "ab" * 32]]}}
        with FakeServer(server(banner="solo.test ESMTP", ehlo_domain="solo.test"),
                        host="127.0.0.2", connections=2) as a:
            with FakeDNS(z) as dns:
                POLICIES["solo.test"] = (200, "text/plain",
                                         "version: STSv1\nmode: enforce\nmx: solo.test\n"
                                         "max_age: 86400\n")
                r = run_smtpsh(["--json", "--cafile", POLICY["ca"], "--audit", "--mx",
                                "solo.test", str(a.port)],
                               env_extra=dict(dns.env, **POLICY["env"]), timeout=60)
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

    def test_mta_sts_policy(self):
        for name, policy, env, want, words in (
                ("mx outside", (200, "text/plain", "version: STSv1\nmode: enforce\n"
                                "mx: mx1.example.test\nmax_age: 86400\n"), None,
                 ("finding", "high"), "mx2.example.test"),
                ("testing", (200, "text/plain", ENFORCE.replace("enforce", "testing")), None,
                 ("finding", "low"), "mode: testing"),
                ("none", (200, "text/plain", "version: STSv1\nmode: none\nmax_age: 86400\n"),
                 None, ("finding", "low"), "mode: none"),
                ("404", (404, "text/plain", "gone\n"), None, ("finding", "medium"),
                 "HTTP status 404"),
                ("html", (200, "text/html", ENFORCE), None, ("finding", "medium"), "text/html"),
                ("no version", (200, "text/plain", ENFORCE.replace("version: STSv1\r\n", "")),
                 None, ("finding", "medium"), "version"),
                ("no libcurl", (200, "text/plain", ENFORCE),
                 {"SMTPSH_LIBCURL": "/nonexistent/libcurl.so.4"}, ("check", None), "libcurl")):
            with self.subTest(name):
                POLICIES["example.test"] = policy
                r, recs = self.audit_domain(zone(), env=env)
                d = self.by_host(recs)["example.test"]["mta-sts"]
                self.assertEqual((d["type"], d.get("severity")), want, d)
                self.assertIn(words, d["detail"], d)
                if name == "no libcurl":
                    self.assertEqual(d["result"], "skipped")
                self.assertEqual(r.returncode, 7 if want[1] in ("medium", "high") else 0)


def spki_sha256(pem):
    """The SHA-256 of a certificate's SubjectPublicKeyInfo (TLSA 3 1 1), hex."""
    pub = subprocess.run(["openssl", "x509", "-in", pem, "-noout", "-pubkey"],
                         check=True, capture_output=True).stdout
    der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "DER"], input=pub,
                         check=True, capture_output=True).stdout
    return hashlib.sha256(der).hexdigest()


class AuditDane(unittest.TestCase):
    """dane (RFC 7672) on one MX host with a real STARTTLS: the TLSA
    records at _25._tcp.MXHOST checked against the chain by OpenSSL."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="smtpsh-dane-")
        cls.certs = make_certs(cls.tmp.name)
        cls.spki = spki_sha256(cls.certs["leaf.pem"])

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def dane(self, tlsa):
        """Audit dane.test (one MX host on 127.0.0.2 with STARTTLS) whose
        TLSA records are tlsa (None: none); the dane record."""
        z = {"dane.test": {"MX": [[10, "mx.dane.test"]]},
             "mx.dane.test": {"A": ["127.0.0.2"]}}
        if tlsa is not None:
            z["_25._tcp.mx.dane.test"] = {"TLSA": tlsa}
        with FakeServer(server(), host="127.0.0.2", connections=40,
                        tls=(self.certs["leaf.pem"], self.certs["leaf.key"])) as srv:
            with FakeDNS(z) as dns:
                r = run_smtpsh(["--json", "--audit", "--mx", "dane.test", str(srv.port)],
                               env_extra=dns.env, timeout=120)
                asked = dns.queries()
            srv.stop()
            srv.finish()
        self.assertIn("_25._tcp.mx.dane.test TLSA", asked)
        recs = [x for x in json_records(r.stdout) if x.get("check") == "dane"]
        self.assertEqual(len(recs), 1, r.stdout.decode() + r.stderr.decode())
        self.assertEqual(recs[0]["host"], "mx.dane.test")
        return r, recs[0]

    def test_matching_record_passes(self):
        _, d = self.dane([[3, 1, 1, self.spki]])
        self.assertEqual((d["type"], d["result"]), ("check", "pass"), d)
        self.assertIn("not DNSSEC-validated", d["detail"])
        self.assertIn(f"dns: TLSA _25._tcp.mx.dane.test: 3 1 1 {self.spki[:64]}", d["evidence"])

    def test_mismatch_is_high(self):
        r, d = self.dane([[3, 1, 1, "00" * 32]])
        self.assertEqual((d["type"], d["severity"]), ("finding", "high"), d)
        self.assertIn("no TLSA record matches", d["reason"])
        self.assertEqual(r.returncode, 7)

    def test_no_record_is_info(self):
        _, d = self.dane(None)
        self.assertEqual((d["type"], d["severity"]), ("finding", "info"), d)

    def test_only_pkix_usages_are_unusable(self):
        _, d = self.dane([[1, 1, 1, self.spki]])
        self.assertEqual((d["type"], d["severity"]), ("finding", "medium"), d)


if __name__ == "__main__":
    unittest.main()
