"""test_swaks_postfix.py - issue 19's swaks parity against a real Postfix on
loopback: XCLIENT (smtpd_authorized_xclient_hosts) and the HAProxy PROXY
protocol, versions 1 and 2 (smtpd_upstream_proxy_protocol = haproxy).
Postfix relays for its mynetworks (127.0.0.0/8 here), so a client it takes
for 192.0.2.7 -- told by XCLIENT or a PROXY header -- is refused where
127.0.0.1 is accepted: the proof that Postfix read what smtpsh sent.
--stage-status gives swaks' 24 (no recipient accepted) for that refusal.
Skips like the other real-server tests when Postfix cannot run here."""
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from harness import json_records, run_smtpsh  # noqa: E402
from realservers import REQUIRED, Postfix  # noqa: E402

RELAY = ["--from", "alice@postfix.smtpsh.test", "--to", "someone@elsewhere.smtpsh.test",
         "--quit-after", "rcpt", "--helo", "client.smtpsh.test", "--json", "--stage-status"]


def start(extra, proxy=False):
    srv = Postfix(extra, proxy=proxy)
    why = srv.unavailable()
    if why:
        if REQUIRED:
            raise AssertionError(f"Postfix is required here: {why}")
        raise unittest.SkipTest(f"Postfix: {why}")
    srv.start()
    return srv


def rcpt_reply(p):
    recs = json_records(p.stdout)
    rc = [r for r in recs if r["type"] == "reply" and r.get("stage") == "rcpt"]
    return rc[0] if rc else None


class PostfixXclient(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = start("smtpd_authorized_xclient_hosts = 127.0.0.0/8\n")

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def test_relay_refused_for_the_client_named(self):
        port = str(self.srv.port)
        p = run_smtpsh(RELAY + ["127.0.0.1", port])
        self.assertEqual(rcpt_reply(p)["code"], 250, p.stdout.decode())
        self.assertEqual(p.returncode, 0)
        p = run_smtpsh(RELAY + ["--xclient", "ADDR=192.0.2.7 NAME=client.example",
                                "127.0.0.1", port])
        recs = json_records(p.stdout)
        xc = [r for r in recs if r["type"] == "reply" and r.get("stage") == "xclient"]
        self.assertEqual(xc[0]["code"], 220, recs)
        r = rcpt_reply(p)
        self.assertEqual(r["code"], 554, recs)
        self.assertIn("Relay access denied", " ".join(r["lines"]))
        self.assertEqual(p.returncode, 24)

    def test_attribute_postfix_does_not_list_is_refused_locally(self):
        p = run_smtpsh(RELAY + ["--xclient", "FOO=bar", "127.0.0.1", str(self.srv.port)])
        self.assertIn("not FOO", (p.stdout + p.stderr).decode())
        self.assertEqual(p.returncode, 33)


class PostfixProxy(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = start("smtpd_upstream_proxy_protocol = haproxy\n", proxy=True)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def test_each_version(self):
        port = str(self.srv.port)
        for version in ("1", "2"):
            with self.subTest(version=version):
                # The connection's own ends: 127.0.0.1, relayed.
                p = run_smtpsh(RELAY + ["--proxy", version, "127.0.0.1", port])
                self.assertEqual(rcpt_reply(p)["code"], 250, p.stdout.decode())
                self.assertEqual(p.returncode, 0)
                p = run_smtpsh(RELAY + ["--proxy", version, "--proxy-source", "192.0.2.7:4321",
                                        "--proxy-dest", "127.0.0.1:25", "127.0.0.1", port])
                r = rcpt_reply(p)
                self.assertEqual(r["code"], 554, p.stdout.decode())
                self.assertIn("Relay access denied", " ".join(r["lines"]))
                self.assertEqual(p.returncode, 24)


if __name__ == "__main__":
    unittest.main()
