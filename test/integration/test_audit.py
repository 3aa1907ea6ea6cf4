"""test_audit.py - `smtpsh --audit HOST PORT` (issue 22) against scripted
servers (test/fakesmtp_audit.py) that have exactly one weakness each --
each gets exactly that finding and no other -- and one with none, which
gets no finding at all; the teaching server as a realistic target; the
shell's `audit` command; the exit status of its own (7) for findings of
medium severity or worse; and that no probe ever sends DATA (relay
probes end with RSET)."""
import os
import subprocess
import unittest

from harness import SMTPSH, FakeServer, json_records, make_certs, run_smtpsh

CHECKS = ["banner-disclosure", "no-starttls", "auth-before-tls", "limits",
          "vrfy-exposes-users", "expn-exposes-lists", "open-relay", "early-talker",
          "tls-protocols", "tls-ciphers", "tls-certificate", "smtp-smuggling", "reverse-dns",
          "dane"]
# test_audit_tls.py's: here skipped (no TLS behind STARTTLS, no --to) or,
# over STARTTLS, the test certificate's two days left; and reverse-dns,
# skipped: a loopback address's PTR is asked only of a DNS server named
# with SMTPSH_DNS_SERVER (test_audit_domain.py does); and dane, skipped: an
# address has no TLSA records.
TLS_AND_DATA = {"tls-protocols", "tls-ciphers", "tls-certificate", "smtp-smuggling",
                "reverse-dns", "dane"}
RELAY_FORMS = ["null-sender", "external", "own-domain-sender", "ip-literal-sender",
               "percent-hack", "percent-hack-ip", "quoted", "quoted-percent", "quoted-ip",
               "double-at", "source-route", "source-route-ip", "bang-path", "bang-path-domain",
               "bang-path-ip"]


def server(**opt):
    """A closed server (no weakness) with opt changed; it refuses a client
    that talks before its greeting, which waits 0.3 s."""
    step = {"serve": "audit", "greet_wait": 0.3, "pregreet": "reject"}
    step.update(opt)
    return [step]


class Audit(unittest.TestCase):
    def audit(self, steps, extra=(), connections=2, expect_rc=None):
        with FakeServer(steps, connections=connections) as srv:
            r = run_smtpsh(["--json", "--audit", "127.0.0.1", str(srv.port)] + list(extra),
                           timeout=60)
            srv.stop()
            log = srv.finish()
        recs = json_records(r.stdout)
        if expect_rc is not None:
            self.assertEqual(r.returncode, expect_rc, r.stdout.decode() + r.stderr.decode())
        # Nothing is ever delivered: no DATA, and every relay probe's
        # transaction ends with RSET.
        lines = [l[len("fakesmtp: audit "):] for l in log.splitlines()
                 if l.startswith("fakesmtp: audit ")]
        self.assertFalse([l for l in lines if l.upper().startswith(("DATA", "BDAT"))], lines)
        for i, l in enumerate(lines):
            if l.upper().startswith("MAIL"):
                rest = [x.split(" ")[0].upper() for x in lines[i + 1:]]
                nxt = [x for x in rest if x in ("MAIL", "RSET", "QUIT")]
                self.assertTrue(nxt and nxt[0] == "RSET", (l, lines[i:i + 4]))
        return r, recs, lines

    def results(self, recs):
        """{check: record} for every finding or check record."""
        out = {}
        for rec in recs:
            if rec["type"] in ("finding", "check"):
                self.assertNotIn(rec["check"], out)
                out[rec["check"]] = rec
        return out

    def only_finding(self, recs, check, severity):
        res = self.results(recs)
        self.assertEqual(sorted(res), sorted(CHECKS))
        findings = {c: r for c, r in res.items() if r["type"] == "finding"}
        if findings.get("tls-certificate", {}).get("detail") == "expires in 1 days":
            del findings["tls-certificate"]     # make_certs: two days
            del res["tls-certificate"]
        self.assertEqual(list(findings), [check], findings)
        f = findings[check]
        self.assertEqual(f["result"], "finding")
        self.assertEqual(f["severity"], severity)
        self.assertTrue(f["evidence"], f)
        self.assertTrue(f["reference"])
        self.assertTrue(f["fix"])
        for c, r in res.items():
            if c != check:
                self.assertIn(r["result"], ("pass", "skipped") if c in TLS_AND_DATA else
                              ("pass",), r)
        return f

    def test_no_weakness_no_finding(self):
        r, recs, lines = self.audit(server(), expect_rc=0)
        res = self.results(recs)
        self.assertEqual(sorted(res), sorted(CHECKS))
        for rec in res.values():
            self.assertEqual(rec["type"], "check", rec)
            self.assertEqual(rec["result"], "skipped" if rec["check"] in TLS_AND_DATA else
                             "pass", rec)
        summary = [x for x in recs if x["type"] == "audit-summary"]
        self.assertEqual(len(summary), 1)
        self.assertEqual(summary[0]["checks"], 14)
        self.assertEqual(summary[0]["pass"], 8)
        self.assertEqual(summary[0]["finding"], 0)
        # Every relay form was tried, each refused.
        rcpts = [l for l in lines if l.upper().startswith("RCPT")]
        self.assertEqual(len(rcpts), len(RELAY_FORMS), rcpts)
        self.assertIn("RCPT TO:<relaytest%example.net@mx.fake.test>", rcpts)
        self.assertIn("RCPT TO:<@mx.fake.test:relaytest@example.net>", rcpts)
        self.assertIn("RCPT TO:<example.net!relaytest>", rcpts)
        self.assertIn('RCPT TO:<"relaytest@example.net"@[127.0.0.1]>', rcpts)
        self.assertIn("MAIL FROM:<antispam@mx.fake.test>", lines)

    def test_open_relay_every_form(self):
        r, recs, _ = self.audit(server(relay="all"), expect_rc=7)
        f = self.only_finding(recs, "open-relay", "high")
        self.assertEqual(f["detail"].split(", "), RELAY_FORMS)
        self.assertIn("< 250 2.1.5 Ok", f["evidence"])
        self.assertIn("> RCPT TO:<relaytest@example.net>", f["evidence"])
        # Every form's MAIL, RCPT and their replies: 15 x 4 lines.
        self.assertEqual(len(f["evidence"]), 60)

    def test_open_relay_forms_survive_a_dropped_connection(self):
        # Exim (smtp_accept_max_nonmail = 10) answers the RSET after the
        # fifth form with 554 and closes: the sixth form's MAIL then went
        # to a closed connection and the form was never tried, yet the
        # check said every form was refused.  Each form is tried again on
        # a new connection.
        r, recs, lines = self.audit(server(relay="all", max_nonmail=10), connections=3,
                                    expect_rc=7)
        f = self.results(recs)["open-relay"]
        self.assertEqual(f["detail"].split(", "), RELAY_FORMS)
        rcpts = [l for l in lines if l.startswith("RCPT") and "relaytest" in l]
        self.assertEqual(len(rcpts), len(RELAY_FORMS), rcpts)
        # The server hung up once: one EHLO more than the audit's own.
        self.assertEqual(len([l for l in lines if l.upper().startswith("EHLO")]), 2, lines)

    def test_open_relay_percent_hack_only(self):
        _, recs, _ = self.audit(server(relay=["%"]), expect_rc=7)
        f = self.only_finding(recs, "open-relay", "high")
        self.assertEqual(f["detail"], "percent-hack, percent-hack-ip, quoted-percent")

    def test_open_relay_bang_path_only(self):
        _, recs, _ = self.audit(server(relay=["!"]), expect_rc=7)
        f = self.only_finding(recs, "open-relay", "high")
        self.assertEqual(f["detail"], "bang-path, bang-path-domain, bang-path-ip")

    def test_vrfy_exposes_users(self):
        _, recs, _ = self.audit(server(vrfy="real"), expect_rc=7)
        f = self.only_finding(recs, "vrfy-exposes-users", "medium")
        self.assertEqual(f["detail"], "postmaster, root, admin")
        self.assertIn("< 250 2.1.5 Root <root@mx.fake.test>", f["evidence"])

    def test_vrfy_252_for_users_550_for_others(self):
        # Postfix with VRFY on (the tests' open configuration): 252 for
        # postmaster, 550 for a name that is no user -- the difference
        # tells users apart as surely as a 250 (nmap's smtp-enum-users
        # counts 252 as found).
        _, recs, lines = self.audit(server(vrfy="postfix", known=["postmaster", "root"]),
                                    expect_rc=7)
        f = self.only_finding(recs, "vrfy-exposes-users", "medium")
        self.assertEqual(f["detail"], "postmaster, root")
        self.assertIn("252 for users, a refusal for", f["reason"])
        self.assertIn("VRFY smtpsh-no-such-user", lines)
        self.assertIn("< 550 5.1.1 <smtpsh-no-such-user>: Recipient address rejected: "
                      "User unknown", f["evidence"])

    def test_vrfy_252_then_syntax_error_is_no_exposure(self):
        # Exim 4.96 without acl_smtp_vrfy: "252 Administrative
        # prohibition" to postmaster, 501 (no domain) to any other bare
        # name -- a syntax error, not "no such user".
        _, recs, lines = self.audit(server(
            vrfy="postfix", known=["postmaster"],
            unknown_reply="501 smtpsh-no-such-user: recipient address must contain a domain"))
        self.assertEqual(self.results(recs)["vrfy-exposes-users"]["result"], "pass")
        self.assertIn("VRFY smtpsh-no-such-user", lines)

    def test_vrfy_252_for_every_name_is_no_exposure(self):
        _, recs, lines = self.audit(server(vrfy="252"))
        self.assertEqual(self.results(recs)["vrfy-exposes-users"]["result"], "pass")
        self.assertIn("VRFY smtpsh-no-such-user", lines)

    def test_vrfy_502_is_no_exposure(self):
        _, recs, lines = self.audit(server(vrfy="502"), expect_rc=0)
        self.assertEqual(self.results(recs)["vrfy-exposes-users"]["result"], "pass")
        # 502: not implemented; asking again says nothing.
        self.assertEqual(len([l for l in lines if l.upper().startswith("VRFY")]), 1)

    def test_expn_exposes_lists(self):
        _, recs, _ = self.audit(server(expn="real"), expect_rc=7)
        f = self.only_finding(recs, "expn-exposes-lists", "medium")
        self.assertEqual(f["detail"], "postmaster, root, admin, staff, all")
        self.assertIn("< 250-2.1.5 <alice@mx.fake.test>", f["evidence"])

    def test_auth_plain_before_tls(self):
        exts = ["PIPELINING", "SIZE 10240000", "AUTH PLAIN LOGIN", "STARTTLS"]
        _, recs, _ = self.audit(server(extensions=exts), expect_rc=7)
        f = self.only_finding(recs, "auth-before-tls", "high")
        self.assertEqual(f["detail"], "PLAIN, LOGIN")
        self.assertEqual(f["evidence"], ["< 250-AUTH PLAIN LOGIN"])

    def test_auth_taken_in_clear_though_not_advertised(self):
        # Issue 22: "advertised or accepted".  Not advertised before TLS,
        # yet AUTH PLAIN gets 334 in clear: asked with no credential, and
        # cancelled with "*" at once.
        _, recs, lines = self.audit(server(auth_in_clear=True), expect_rc=7)
        f = self.only_finding(recs, "auth-before-tls", "high")
        self.assertEqual(f["detail"], "PLAIN")
        self.assertEqual(f["evidence"][:2], ["> AUTH PLAIN", "< 334 "])
        self.assertIn("*", lines)
        self.assertEqual([l for l in lines if l.upper().startswith("AUTH")], ["AUTH PLAIN"])

    def test_auth_refused_in_clear_passes(self):
        _, recs, lines = self.audit(server(), expect_rc=0)
        self.assertEqual(self.results(recs)["auth-before-tls"]["result"], "pass")
        self.assertIn("AUTH PLAIN", lines)          # asked, and refused (530)

    def test_auth_challenge_response_only_passes(self):
        exts = ["SIZE 10240000", "STARTTLS", "AUTH CRAM-MD5 SCRAM-SHA-256"]
        _, recs, _ = self.audit(server(extensions=exts), expect_rc=0)
        self.assertEqual(self.results(recs)["auth-before-tls"]["result"], "pass")

    def test_no_starttls(self):
        _, recs, _ = self.audit(server(extensions=["PIPELINING", "SIZE 10240000"]), expect_rc=7)
        self.only_finding(recs, "no-starttls", "medium")

    def test_banner_names_software_postfix_fix(self):
        _, recs, _ = self.audit(server(banner="mx.fake.test ESMTP Postfix 3.7.11 (Debian/GNU)",
                                       vrfy="real"), expect_rc=7)
        res = self.results(recs)
        b = res["banner-disclosure"]
        self.assertEqual((b["type"], b["severity"]), ("finding", "low"))
        self.assertEqual(b["detail"], "Postfix 3.7.11")
        self.assertIn("smtpd_banner", b["fix"])
        # The software detected picks the fix: Postfix's setting.
        self.assertIn("disable_vrfy_command = yes", res["vrfy-exposes-users"]["fix"])
        summary = [x for x in recs if x["type"] == "audit-summary"][0]
        self.assertEqual(summary["software"], "postfix")

    def test_low_finding_alone_leaves_status_0(self):
        _, recs, _ = self.audit(server(banner="mx.fake.test ESMTP Exim 4.96"), expect_rc=0)
        f = self.only_finding(recs, "banner-disclosure", "low")
        self.assertEqual(f["detail"], "Exim 4.96")

    def test_early_talker_not_noticed(self):
        _, recs, _ = self.audit(server(pregreet="ignore"), expect_rc=0)
        f = self.only_finding(recs, "early-talker", "info")
        self.assertIn("> NOOP (before the greeting)", f["evidence"])

    def test_no_size_limit(self):
        _, recs, _ = self.audit(server(extensions=["PIPELINING", "STARTTLS"]), expect_rc=0)
        self.only_finding(recs, "limits", "info")

    def test_text_table(self):
        with FakeServer(server(relay=["!"]), connections=2) as srv:
            r = run_smtpsh(["--no-color", "--audit", "127.0.0.1", str(srv.port)], timeout=60)
            srv.stop()
        out = r.stdout.decode()
        self.assertEqual(r.returncode, 7, out + r.stderr.decode())
        lines = out.splitlines()
        self.assertEqual(lines[0].split(), ["CHECK", "RESULT", "SEVERITY", "REASON"])
        self.assertEqual(lines[1], "Findings:")
        self.assertTrue(lines[2].startswith("open-relay "), lines[2])
        self.assertEqual(lines[2].split()[1:3], ["finding", "high"])
        self.assertIn("fix: Accept mail", out)
        self.assertIn("Passed:", lines)
        self.assertRegex(lines[-1], r"^14 checks: 1 finding \(1 high\), 7 passed, 6 skipped")

    def test_unreachable_is_a_local_error(self):
        import socket
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        r = run_smtpsh(["--json", "--audit", "127.0.0.1", str(port)], timeout=30)
        self.assertEqual(r.returncode, 3)
        recs = json_records(r.stdout)
        self.assertFalse([x for x in recs if x["type"] in ("finding", "check", "audit-summary")])
        self.assertTrue([x for x in recs if x["type"] == "error"])

    def test_interrupt_stops_the_audit(self):
        # SIGINT while VRFY waits: the checks done so far are reported, the
        # one interrupted is skipped (not passed), the rest not run; the
        # summary says so, and the status is 128 + 2.
        import signal
        import time
        from harness import WRAPPER
        with FakeServer(server(slow_vrfy=30), connections=2) as srv:
            proc = subprocess.Popen(WRAPPER + [SMTPSH, "--json", "--audit", "127.0.0.1",
                                               str(srv.port)],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            time.sleep(1.5)
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=20)
            srv.stop()
        self.assertEqual(proc.returncode, 130, err)
        recs = json_records(out)
        res = self.results(recs)
        self.assertEqual(res["vrfy-exposes-users"]["result"], "skipped")
        self.assertNotIn("open-relay", res)
        self.assertEqual(res["limits"]["result"], "pass")
        summary = [x for x in recs if x["type"] == "audit-summary"][0]
        self.assertTrue(summary["cancelled"])

    def test_starttls_probes_go_over_tls(self):
        # --starttls: the probes run after STARTTLS; AUTH offered only
        # there (Postfix's smtpd_tls_auth_only) is no finding.
        import tempfile
        with tempfile.TemporaryDirectory() as tmp:
            c = make_certs(tmp)
            steps = server(tls_extensions=["SIZE 10240000", "AUTH PLAIN LOGIN"], vrfy="real")
            with FakeServer(steps, connections=4, tls=(c["leaf.pem"], c["leaf.key"])) as srv:
                r = run_smtpsh(["--json", "--starttls", "--cafile", c["ca.pem"], "--audit",
                                "localhost", str(srv.port)], timeout=60)
                srv.stop()
                log = srv.finish()
        self.assertEqual(r.returncode, 7, r.stderr)
        res = self.results(json_records(r.stdout))
        self.assertEqual(res["auth-before-tls"]["result"], "pass")
        self.assertEqual(res["no-starttls"]["result"], "pass")
        self.assertEqual(res["vrfy-exposes-users"]["type"], "finding")
        lines = [l for l in log.splitlines() if l.startswith("fakesmtp: audit ")]
        self.assertIn("fakesmtp: audit STARTTLS", lines)
        self.assertIn("fakesmtp: audit tls VRFY postmaster", lines)
        self.assertFalse([l for l in lines if "RCPT" in l and " tls " not in l + " "], lines)

    def test_starttls_auth_before_tls_still_seen(self):
        # AUTH PLAIN in the plain EHLO is a finding even when the probes
        # then go over STARTTLS.
        import tempfile
        with tempfile.TemporaryDirectory() as tmp:
            c = make_certs(tmp)
            steps = server(extensions=["SIZE 10240000", "AUTH PLAIN", "STARTTLS"])
            with FakeServer(steps, connections=4, tls=(c["leaf.pem"], c["leaf.key"])) as srv:
                r = run_smtpsh(["--json", "--starttls", "--cafile", c["ca.pem"], "--audit",
                                "localhost", str(srv.port)], timeout=60)
                srv.stop()
        self.only_finding(json_records(r.stdout), "auth-before-tls", "high")

    def test_usage(self):
        r = run_smtpsh(["--audit"])
        self.assertEqual(r.returncode, 2)
        self.assertIn("--audit", r.stderr.decode())

    def test_shell_command(self):
        # `audit HOST PORT` in the shell: a session of the audit's own; the
        # shell's connection (to another server) is still there afterwards.
        shell_srv = [{"send": "220 shell.fake.test ESMTP\r\n"}, {"expect": "NOOP"},
                     {"send": "250 2.0.0 Ok\r\n"}, {"expect": "QUIT"}, {"send": "221 Bye\r\n"}]
        with FakeServer(server(vrfy="real"), connections=2) as srv, FakeServer(shell_srv) as sh:
            r = run_smtpsh(["--json", "127.0.0.1", str(sh.port), "-e",
                            f"audit 127.0.0.1 {srv.port}", "-e", "noop"], timeout=60)
            srv.stop()
        recs = json_records(r.stdout)
        res = self.results(recs)
        self.assertEqual(res["vrfy-exposes-users"]["type"], "finding")
        noop = [x for x in recs if x["type"] == "reply" and x.get("stage") == "noop"]
        self.assertEqual([x["code"] for x in noop], [250], recs)
        self.assertEqual(r.returncode, 7)

    def test_shell_command_open_connection(self):
        # `audit` alone audits the host the shell is connected to.
        r = run_smtpsh(["--json", "--demo", "-e", "audit", "-e", "noop"], timeout=60)
        recs = json_records(r.stdout)
        res = self.results(recs)
        self.assertEqual(sorted(res), sorted(CHECKS))
        self.assertEqual(res["vrfy-exposes-users"]["type"], "finding")
        noop = [x for x in recs if x["type"] == "reply" and x.get("stage") == "noop"]
        self.assertEqual([x["code"] for x in noop], [250], recs)

    def test_teaching_server(self):
        r = run_smtpsh(["--json", "--demo", "--audit"], timeout=60)
        self.assertEqual(r.returncode, 7, r.stderr.decode())
        res = self.results(json_records(r.stdout))
        self.assertEqual(sorted(res), sorted(CHECKS))
        self.assertEqual(res["vrfy-exposes-users"]["type"], "finding")
        self.assertIn("postmaster", res["vrfy-exposes-users"]["detail"])
        # STARTTLS is offered (issue 21), AUTH only after it.
        self.assertEqual(res["no-starttls"]["result"], "pass")
        self.assertEqual(res["auth-before-tls"]["result"], "pass")
        # Its staff list is expanded.
        self.assertEqual(res["expn-exposes-lists"]["type"], "finding")
        self.assertEqual(res["expn-exposes-lists"]["detail"], "staff")


if __name__ == "__main__":
    unittest.main()
