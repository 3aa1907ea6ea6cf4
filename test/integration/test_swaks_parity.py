"""test_swaks_parity.py - issue 19's swaks parity, against scripted servers
on loopback (test/fakesmtp.py): --proxy 1|2 (the HAProxy PROXY header,
before anything else, as a server behind a load balancer reads it),
--xclient (Postfix XCLIENT when advertised, then the hello again), the
per-stage exit statuses of --stage-status (swaks' numbers), and
--verify-name (the certificate checked against a name when connecting by
address)."""
import os
import socket
import struct
import tempfile
import unittest

from harness import BANNER, FakeServer, json_records, make_certs, run_smtpsh

QUIT_OK = [{"expect": "QUIT"}, {"send": "221 bye\r\n"}]
EHLO_OK = [{"expect": "EHLO"}, {"send": "250-fake.test\r\n250 PIPELINING\r\n"}]
V2_SIG = b"\r\n\r\n\x00\r\nQUIT\n"


def target(srv):
    return ["127.0.0.1", str(srv.port)]


def parse_v2(data):
    """The fields of a PROXY v2 header at the start of data, and its length."""
    assert data.startswith(V2_SIG), data[:16]
    ver_cmd, fam, length = data[12], data[13], struct.unpack("!H", data[14:16])[0]
    body = data[16:16 + length]
    out = {"ver_cmd": ver_cmd, "fam": fam, "len": length}
    if fam == 0x11:
        src, dst, sp, dp = struct.unpack("!4s4sHH", body)
        out.update(src=socket.inet_ntop(socket.AF_INET, src),
                   dst=socket.inet_ntop(socket.AF_INET, dst), sport=sp, dport=dp)
    elif fam == 0x21:
        src, dst, sp, dp = struct.unpack("!16s16sHH", body)
        out.update(src=socket.inet_ntop(socket.AF_INET6, src),
                   dst=socket.inet_ntop(socket.AF_INET6, dst), sport=sp, dport=dp)
    return out, 16 + length


class Proxy(unittest.TestCase):
    def test_v1_given_ends_is_the_first_line(self):
        with FakeServer([{"expect": "PROXY TCP4"}, BANNER, {"expect": "NOOP"},
                         {"send": "250 ok\r\n"}] + QUIT_OK) as srv:
            r = run_smtpsh(["--proxy", "1", "--proxy-source", "192.0.2.7:4321",
                            "--proxy-dest", "198.51.100.2:25", "-e", "noop"] + target(srv))
            got = srv.received()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(got.startswith(b"PROXY TCP4 192.0.2.7 198.51.100.2 4321 25\r\nNOOP\r\n"),
                        got)
        # Shown as sent, once, before the greeting.
        out = r.stdout.decode()
        self.assertIn("PROXY TCP4 192.0.2.7 198.51.100.2 4321 25", out)
        self.assertLess(out.index("PROXY TCP4"), out.index("220"))

    def test_v1_defaults_are_the_connections_own_ends(self):
        with FakeServer([{"expect": "PROXY TCP4"}, BANNER] + QUIT_OK) as srv:
            r = run_smtpsh(["--proxy", "1", "-e", "quit"] + target(srv))
            got = srv.received()
            peer = srv.peer()
        self.assertEqual(r.returncode, 0, r.stderr)
        line = got.split(b"\r\n")[0].decode()
        words = line.split()
        self.assertEqual(words[:4], ["PROXY", "TCP4", "127.0.0.1", "127.0.0.1"])
        self.assertEqual(words[5], str(srv.port))
        # The source port is the client's own (an ephemeral one).
        self.assertGreater(int(words[4]), 1023)
        self.assertEqual(peer, "127.0.0.1")

    def test_v2_binary_header(self):
        with FakeServer([{"read_proxy_v2": True}, BANNER] + QUIT_OK) as srv:
            r = run_smtpsh(["--proxy", "2", "--proxy-source", "192.0.2.7:4321",
                            "--proxy-dest", "198.51.100.2:25", "-e", "quit"] + target(srv))
            got = srv.received()
        self.assertEqual(r.returncode, 0, r.stderr)
        h, n = parse_v2(got)
        self.assertEqual((h["ver_cmd"], h["fam"], h["len"]), (0x21, 0x11, 12))
        self.assertEqual((h["src"], h["dst"], h["sport"], h["dport"]),
                         ("192.0.2.7", "198.51.100.2", 4321, 25))
        self.assertEqual(got[n:], b"QUIT\r\n")
        self.assertIn("PROXY v2 TCP4 192.0.2.7 198.51.100.2 4321 25", r.stdout.decode())

    def test_v2_ipv6_ends(self):
        with FakeServer([{"read_proxy_v2": True}, BANNER] + QUIT_OK) as srv:
            r = run_smtpsh(["--proxy", "2", "--proxy-source", "[2001:db8::7]:1",
                            "--proxy-dest", "[2001:db8::25]:25", "-e", "quit"] + target(srv))
            got = srv.received()
        self.assertEqual(r.returncode, 0, r.stderr)
        h, _ = parse_v2(got)
        self.assertEqual((h["fam"], h["len"], h["src"], h["dst"]),
                         (0x21, 36, "2001:db8::7", "2001:db8::25"))

    def test_bad_proxy_options_refused_before_connecting(self):
        cases = [
            (["--proxy", "3"], "--proxy wants 1"),
            (["--proxy", "1", "--proxy-source", "192.0.2.7"], "ADDRESS:PORT"),
            (["--proxy", "1", "--proxy-source", "host.example:25"], "no numeric"),
            (["--proxy", "1", "--proxy-source", "192.0.2.7:70000"], "no port"),
            (["--proxy-source", "192.0.2.7:1"], "go with --proxy"),
            (["--proxy", "1", "--proxy-source", "192.0.2.7:1",
              "--proxy-dest", "[2001:db8::1]:25"], "IPv4 or both IPv6"),
        ]
        for extra, why in cases:
            with self.subTest(extra=extra):
                with FakeServer([BANNER]) as srv:
                    r = run_smtpsh(extra + ["-e", "quit"] + target(srv))
                    got = srv.stop()
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn(why, r.stderr.decode())
                self.assertIsNone(srv.peer(), "connected despite a bad option")
                self.assertEqual(got, b"")

    def test_reconnect_sends_the_header_again(self):
        steps = [{"expect": "PROXY TCP4 192.0.2.9"}, BANNER, {"expect": "NOOP"},
                 {"send": "250 ok\r\n"}, {"close": "fin"}]
        with FakeServer(steps + steps, connections=2) as srv:
            r = run_smtpsh(["--proxy", "1", "--proxy-source", "192.0.2.9:1", "-e", "noop",
                            "-e", "reconnect", "-e", "noop"] + target(srv))
            got = srv.received()
        self.assertEqual(got.count(b"PROXY TCP4 192.0.2.9 127.0.0.1 1 "), 2, got)
        self.assertEqual(srv.stderr.count("expected"), 0, srv.stderr)


XCLIENT_EHLO = [{"expect": "EHLO"},
                {"send": "250-fake.test\r\n250-XCLIENT NAME ADDR PROTO HELO\r\n250 8BITMIME\r\n"}]


class Xclient(unittest.TestCase):
    def test_sent_after_ehlo_then_ehlo_again(self):
        steps = [BANNER] + XCLIENT_EHLO + [
            {"expect": "XCLIENT ADDR=192.0.2.7 NAME=client.example"},
            {"send": "220 fake.test ESMTP as client.example\r\n"},
            {"expect": "EHLO"}, {"send": "250-fake.test\r\n250 8BITMIME\r\n"}] + QUIT_OK
        with FakeServer(steps) as srv:
            r = run_smtpsh(["--helo", "me.example", "--xclient",
                            "ADDR=192.0.2.7 NAME=client.example", "--json"] + target(srv))
            got = srv.received()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(srv.stderr.count("expected"), 0, srv.stderr)
        lines = got.decode().split("\r\n")
        self.assertEqual(lines[:4], ["EHLO me.example",
                                     "XCLIENT ADDR=192.0.2.7 NAME=client.example",
                                     "EHLO me.example", "QUIT"])
        recs = json_records(r.stdout)
        xc = [x for x in recs if x["type"] == "reply" and x.get("stage") == "xclient"]
        self.assertEqual(len(xc), 1, recs)
        self.assertEqual(xc[0]["verdict"], "success")

    def test_lmtp_says_lhlo_again(self):
        steps = [BANNER, {"expect": "LHLO"},
                 {"send": "250-fake.test\r\n250 XCLIENT NAME ADDR\r\n"},
                 {"expect": "XCLIENT ADDR=192.0.2.7"}, {"send": "220 again\r\n"},
                 {"expect": "LHLO"}, {"send": "250 fake.test\r\n"}] + QUIT_OK
        with FakeServer(steps) as srv:
            r = run_smtpsh(["--lmtp", "--helo", "me.example", "--xclient", "ADDR=192.0.2.7"] +
                           target(srv))
            got = srv.received()
        self.assertEqual(got.decode().split("\r\n")[:4], ["LHLO me.example",
                         "XCLIENT ADDR=192.0.2.7", "LHLO me.example", "QUIT"])
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_not_advertised_nothing_sent(self):
        steps = [BANNER] + EHLO_OK + QUIT_OK
        with FakeServer(steps) as srv:
            r = run_smtpsh(["--xclient", "ADDR=192.0.2.7"] + target(srv))
            got = srv.received()
        self.assertNotIn(b"XCLIENT", got)
        self.assertIn("does not advertise XCLIENT", r.stderr.decode() + r.stdout.decode())
        self.assertNotEqual(r.returncode, 0)

    def test_attribute_not_advertised_nothing_sent(self):
        steps = [BANNER] + XCLIENT_EHLO + QUIT_OK
        with FakeServer(steps) as srv:
            r = run_smtpsh(["--xclient", "LOGIN=alice"] + target(srv))
            got = srv.received()
        self.assertNotIn(b"XCLIENT", got)
        self.assertIn("not LOGIN", r.stderr.decode() + r.stdout.decode())

    def test_bad_syntax_refused_before_connecting(self):
        for arg, why in [("ADDR", "NAME=VALUE"), ("ADDR=1 2", "NAME=VALUE"),
                         ("NAME=a=b", "xtext"), ("NAME=a+zz", "xtext"), ("", "wants attributes")]:
            with self.subTest(arg=arg):
                with FakeServer([BANNER]) as srv:
                    r = run_smtpsh(["--xclient", arg] + target(srv))
                    srv.stop()
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn(why, r.stderr.decode())
                self.assertIsNone(srv.peer())

    def test_typed_in_the_shell_and_replayed_by_reconnect(self):
        one = [BANNER] + XCLIENT_EHLO + [
            {"expect": "XCLIENT NAME=c.example"}, {"send": "220 again\r\n"}] + XCLIENT_EHLO + [
            {"expect": "NOOP"}, {"send": "250 ok\r\n"}, {"close": "fin"}]
        with FakeServer(one + one, connections=2) as srv:
            r = run_smtpsh(["--helo", "me.example", "-e", "ehlo", "-e", "xclient NAME=c.example",
                            "-e", "noop", "-e", "reconnect", "-e", "noop"] + target(srv))
            got = srv.received()
        self.assertEqual(got.count(b"XCLIENT NAME=c.example\r\nEHLO me.example\r\n"), 2, got)
        self.assertEqual(srv.stderr.count("expected"), 0, srv.stderr)


def run_stage(steps, extra, connections=1):
    with FakeServer(steps, connections=connections) as srv:
        r = run_smtpsh(["--stage-status", "--from", "a@fake.test", "--to", "b@fake.test"] +
                       extra + target(srv))
        srv.stop()
    return r


MAIL_OK = [{"expect": "MAIL"}, {"send": "250 ok\r\n"}]
RCPT_OK = [{"expect": "RCPT"}, {"send": "250 ok\r\n"}]


class StageStatus(unittest.TestCase):
    def test_each_stage_has_swaks_number(self):
        cases = [
            ("banner", [{"send": "554 go away\r\n"}] + QUIT_OK, 21),
            ("hello", [BANNER, {"expect": "EHLO"}, {"send": "550 no\r\n"},
                       {"expect": "HELO"}, {"send": "550 no\r\n"}] + QUIT_OK, 22),
            ("mail", [BANNER] + EHLO_OK + [{"expect": "MAIL"}, {"send": "550 no\r\n"}] +
             QUIT_OK, 23),
            ("rcpt", [BANNER] + EHLO_OK + [{"read_line": True}, {"read_line": True},
                                           {"read_line": True},
                                           {"send": "250 ok\r\n550 no\r\n503 no rcpt\r\n"}] +
             QUIT_OK, 24),
            ("data", [BANNER] + EHLO_OK + [{"read_line": True}, {"read_line": True},
                                           {"read_line": True},
                                           {"send": "250 ok\r\n250 ok\r\n451 later\r\n"},
                                           {"expect": "RSET"}, {"send": "250 ok\r\n"}] +
             QUIT_OK, 25),
            ("body", [BANNER] + EHLO_OK + [{"read_line": True}, {"read_line": True},
                                           {"read_line": True},
                                           {"send": "250 ok\r\n250 ok\r\n354 go\r\n"},
                                           {"read_data": True}, {"send": "554 spam\r\n"}] +
             QUIT_OK, 26),
            ("quit", [BANNER] + EHLO_OK + [{"read_line": True}, {"read_line": True},
                                           {"read_line": True},
                                           {"send": "250 ok\r\n250 ok\r\n354 go\r\n"},
                                           {"read_data": True}, {"send": "250 queued\r\n"},
                                           {"expect": "QUIT"}, {"send": "500 what\r\n"}], 27),
            ("ok", [BANNER] + EHLO_OK + [{"read_line": True}, {"read_line": True},
                                         {"read_line": True},
                                         {"send": "250 ok\r\n250 ok\r\n354 go\r\n"},
                                         {"read_data": True}, {"send": "250 queued\r\n"}] +
             QUIT_OK, 0),
        ]
        for name, steps, want in cases:
            with self.subTest(stage=name):
                r = run_stage(steps, [])
                self.assertEqual(r.returncode, want, r.stdout.decode() + r.stderr.decode())

    def test_partial_recipients_is_no_failed_stage(self):
        steps = [BANNER] + EHLO_OK + [
            {"read_line": True}, {"read_line": True}, {"read_line": True}, {"read_line": True},
            {"send": "250 ok\r\n250 ok\r\n550 no\r\n354 go\r\n"},
            {"read_data": True}, {"send": "250 queued\r\n"}] + QUIT_OK
        with FakeServer(steps) as srv:
            r = run_smtpsh(["--stage-status", "--from", "a@fake.test", "--to", "b@fake.test",
                            "--to", "c@fake.test"] + target(srv))
            srv.stop()
        self.assertEqual(r.returncode, 0, r.stdout.decode())
        # Without --stage-status the same run says "partial".
        with FakeServer(steps) as srv:
            r = run_smtpsh(["--from", "a@fake.test", "--to", "b@fake.test",
                            "--to", "c@fake.test"] + target(srv))
            srv.stop()
        self.assertEqual(r.returncode, 6, r.stdout.decode())

    def test_connect_usage_closed_and_tls(self):
        # Nothing listens: 2.
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        r = run_smtpsh(["--stage-status", "--quit-after", "ehlo", "127.0.0.1", str(port)])
        self.assertEqual(r.returncode, 2, r.stderr)
        # A usage error: 1 (2 without --stage-status).
        r = run_smtpsh(["--stage-status", "--quit-after", "nowhere", "127.0.0.1", "25"])
        self.assertEqual(r.returncode, 1, r.stderr)
        r = run_smtpsh(["--stage-status", "-e", "noop", "127.0.0.1", "25"])
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("one-shot", r.stderr.decode() + r.stdout.decode())
        # Refused before any connection (no port 99999): the options' 1,
        # not the banner's 21.
        r = run_smtpsh(["--stage-status", "--quit-after", "ehlo", "127.0.0.1", "99999"])
        self.assertEqual(r.returncode, 1, r.stderr)
        # STARTTLS refused: 29.
        r = run_stage([BANNER] + EHLO_OK + [{"expect": "STARTTLS"},
                                            {"send": "454 no tls now\r\n"}] + QUIT_OK,
                      ["--starttls"])
        self.assertEqual(r.returncode, 29, r.stdout.decode())
        # The server hangs up after EHLO without a word: 6.
        r = run_stage([BANNER, {"expect": "EHLO"}, {"close": "fin"}], [])
        self.assertEqual(r.returncode, 6, r.stdout.decode() + r.stderr.decode())

    def test_xclient_stages(self):
        r = run_stage([BANNER] + XCLIENT_EHLO + [{"expect": "XCLIENT"},
                                                 {"send": "550 5.7.0 not authorized\r\n"}] +
                      QUIT_OK, ["--xclient", "ADDR=192.0.2.1"])
        self.assertEqual(r.returncode, 33, r.stdout.decode())
        r = run_stage([BANNER] + XCLIENT_EHLO + [
            {"expect": "XCLIENT"}, {"send": "220 again\r\n"},
            {"expect": "EHLO"}, {"send": "554 not you\r\n"},
            {"expect": "HELO"}, {"send": "554 not you\r\n"}] + QUIT_OK,
            ["--xclient", "ADDR=192.0.2.1"])
        self.assertEqual(r.returncode, 34, r.stdout.decode())

    def test_auth_stage(self):
        d = tempfile.mkdtemp()
        pw = os.path.join(d, "pw")
        with open(pw, "w") as f:
            f.write("secret\n")
        r = run_stage([BANNER, {"expect": "EHLO"},
                       {"send": "250-fake.test\r\n250 AUTH PLAIN\r\n"},
                       {"expect": "AUTH PLAIN"}, {"send": "535 5.7.8 bad\r\n"}] + QUIT_OK,
                      ["--auth", "PLAIN", "--auth-user", "u", "--password-file", pw,
                       "--allow-plaintext-auth"])
        self.assertEqual(r.returncode, 28, r.stdout.decode() + r.stderr.decode())


class VerifyName(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()
        d = cls.dir.name
        run = lambda *a: __import__("subprocess").run(
            ["openssl"] + list(a), check=True, cwd=d, stdout=-3, stderr=-3)
        make_certs(d)
        run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "mx.key", "-out", "mx.csr",
            "-subj", "/CN=mx.example.test")
        with open(os.path.join(d, "mx.cnf"), "w") as f:
            f.write("subjectAltName=DNS:mx.example.test\n")
        run("x509", "-req", "-in", "mx.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "mx.pem", "-days", "2", "-extfile", "mx.cnf")
        cls.ca = os.path.join(d, "ca.pem")
        cls.tls = (os.path.join(d, "mx.pem"), os.path.join(d, "mx.key"))

    @classmethod
    def tearDownClass(cls):
        cls.dir.cleanup()

    def steps(self):
        return [BANNER, {"expect": "EHLO"}, {"send": "250-fake.test\r\n250 STARTTLS\r\n"},
                {"expect": "STARTTLS"}, {"send": "220 go\r\n"}, {"starttls": True},
                {"expect": "EHLO"}, {"send": "250 fake.test\r\n"}] + QUIT_OK

    def test_name_checked_and_sent_as_sni(self):
        with FakeServer(self.steps(), tls=self.tls) as srv:
            r = run_smtpsh(["--cafile", self.ca, "--verify-name", "mx.example.test", "--json",
                            "--starttls", "--quit-after", "tls"] + target(srv))
            info = srv.tls_info()
        self.assertEqual(r.returncode, 0, r.stdout.decode() + r.stderr.decode())
        self.assertEqual(info["sni"], "mx.example.test")
        tls = [x for x in json_records(r.stdout) if x["type"] == "tls"]
        self.assertTrue(tls and tls[0]["verified"], tls)

    def test_without_it_the_address_does_not_match(self):
        with FakeServer(self.steps()[:6], tls=self.tls) as srv:
            r = run_smtpsh(["--cafile", self.ca, "--starttls", "--quit-after", "tls"] + target(srv))
            srv.stop()
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("mismatch", (r.stdout + r.stderr).decode())

    def test_tls_save_writes_the_chain_as_pem(self):
        out = os.path.join(self.dir.name, "saved.pem")
        steps = self.steps()[:6] + [{"expect": "EHLO"}, {"send": "250 fake.test\r\n"}] + QUIT_OK
        with FakeServer(steps, tls=self.tls) as srv:
            r = run_smtpsh(["--cafile", self.ca, "--verify-name", "mx.example.test",
                            "-e", "ehlo x.example", "-e", "starttls", "-e", "tls --save " + out,
                            "-e", "quit"] + target(srv))
            srv.stop()
        self.assertEqual(r.returncode, 0, (r.stdout + r.stderr).decode())
        self.assertIn("saved 1 certificate", r.stdout.decode())
        with open(out) as f, open(self.tls[0]) as g:
            self.assertEqual(f.read().strip(), g.read().strip())
        # Without TLS: said, nothing written.
        os.unlink(out)
        with FakeServer([BANNER] + QUIT_OK) as srv:
            r = run_smtpsh(["-e", "tls --save " + out, "-e", "quit"] + target(srv))
            srv.stop()
        self.assertIn("no TLS on this connection", (r.stdout + r.stderr).decode())
        self.assertFalse(os.path.exists(out))
        self.assertEqual(r.returncode, 3)

    def test_wrong_name_refused(self):
        with FakeServer(self.steps()[:6], tls=self.tls) as srv:
            r = run_smtpsh(["--cafile", self.ca, "--verify-name", "other.example.test",
                            "--starttls", "--quit-after", "tls"] + target(srv))
            srv.stop()
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("other.example.test", (r.stdout + r.stderr).decode())


if __name__ == "__main__":
    unittest.main()
