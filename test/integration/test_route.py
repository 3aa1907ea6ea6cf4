"""test_route.py - routing through the built smtpsh (issue 12): a mail
domain given without a port is reached through its MX hosts by preference,
each address in turn (RFC 5321 5.1), the implicit MX when it has none, and
never when its MX is the null MX (RFC 7505); NXDOMAIN, SERVFAIL and a
silent DNS are reported and nothing is connected.  The DNS is
test/fakedns.py on loopback, which smtpsh asks through SMTPSH_DNS_SERVER;
the MX hosts are fake SMTP servers on 127.0.0.2, 127.0.0.3 ... and ::1,
all on one port (--mx routes by MX on a given port: the tests cannot bind
port 25).  Also unix: sockets and --bind."""
import os
import re
import signal
import socket
import subprocess
import tempfile
import time
import unittest

from harness import SMTPSH, WRAPPER, FakeDNS, FakeServer, json_records, run_smtpsh

QUIT = [{"send": "220 mx ESMTP\r\n"}, {"expect": "QUIT"}, {"send": "221 bye\r\n"}]


def greeting(name):
    return [{"send": f"220 {name} ESMTP\r\n"}, {"expect": "QUIT"}, {"send": "221 bye\r\n"}]


def children(pid):
    """The pids whose parent is pid (from /proc)."""
    found = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(d))
            except OSError:
                pass
    return found


def unused_port():
    """A port nobody listens on at 127.0.0.2..9 and ::1 (taken from the kernel)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class MXRoute(unittest.TestCase):
    def run_mx(self, dns, args, **kw):
        return run_smtpsh(["--no-color"] + args, env_extra=dns.env, **kw)

    def test_lowest_preference_first(self):
        # The DNS lists 20 before 10: the 10 is tried, and answers.
        with FakeServer(greeting("mx-ten"), host="127.0.0.2") as ten, \
                FakeServer(greeting("mx-twenty"), host="127.0.0.3", port=ten.port) as twenty:
            zone = {"example.test": {"MX": [[20, "mx2.example.test"], [10, "mx1.example.test"]]},
                    "mx1.example.test": {"A": ["127.0.0.2"]},
                    "mx2.example.test": {"A": ["127.0.0.3"]}}
            with FakeDNS(zone) as dns:
                p = self.run_mx(dns, ["--json", "--mx", "example.test", str(ten.port), "-e", "quit"])
            twenty.kill()
            self.assertEqual(ten.received(), b"QUIT\r\n")
        self.assertEqual(p.returncode, 0, p.stderr)
        recs = json_records(p.stdout)
        mx = [r for r in recs if r["type"] == "mx"][0]
        self.assertEqual([(h["preference"], h["name"]) for h in mx["hosts"]],
                         [(10, "mx1.example.test"), (20, "mx2.example.test")])
        conn = [r for r in recs if r["type"] == "connect"][0]
        self.assertEqual((conn["host"], conn["address"]), ("mx1.example.test", "127.0.0.2"))
        self.assertIsInstance(conn["port"], int)        # a number (issue 19)
        self.assertEqual(conn["via"], {"domain": "example.test", "preference": 10, "implicit": False})

    def test_next_host_when_the_first_refuses(self):
        with FakeServer(greeting("mx-twenty"), host="127.0.0.3") as twenty:
            zone = {"example.test": {"MX": [[10, "mx1.example.test"], [20, "mx2.example.test"]]},
                    "mx1.example.test": {"A": ["127.0.0.2"]},
                    "mx2.example.test": {"A": ["127.0.0.3"]}}
            with FakeDNS(zone) as dns:
                p = self.run_mx(dns, ["--mx", "example.test", str(twenty.port), "-e", "quit"])
            self.assertEqual(twenty.received(), b"QUIT\r\n")
        out = p.stdout.decode()
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertRegex(out, r"mx1\.example\.test: connect to 127\.0\.0\.2 port \d+: Connection "
                              r"refused; trying the next MX host")
        self.assertIn(f"connected to mx2.example.test port {twenty.port} (127.0.0.3), MX 20 of "
                      "example.test", out)
        self.assertIn("< 220 mx-twenty ESMTP", out)

    def test_each_address_in_turn(self):
        # IPv6 first: ::1 refuses, then the host's IPv4 address answers.
        with FakeServer(greeting("mx-v4"), host="127.0.0.2") as v4:
            zone = {"example.test": {"MX": [[10, "mx1.example.test"]]},
                    "mx1.example.test": {"A": ["127.0.0.2"], "AAAA": ["::1"]}}
            with FakeDNS(zone) as dns:
                p = self.run_mx(dns, ["--mx", "example.test", str(v4.port), "-e", "quit"])
            self.assertEqual(v4.received(), b"QUIT\r\n")
        out = p.stdout.decode()
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("mx1.example.test  ::1, 127.0.0.2", out)
        self.assertRegex(out, r"connect to ::1 port \d+: Connection refused; trying the next address")
        self.assertIn("(127.0.0.2), MX 10 of example.test", out)

    def test_equal_preferences_in_random_order(self):
        zone = {"example.test": {"MX": [[10, "a.example.test"], [10, "b.example.test"],
                                        [5, "first.example.test"]]},
                "a.example.test": {"A": ["127.0.0.2"]},
                "b.example.test": {"A": ["127.0.0.3"]},
                "first.example.test": {"A": ["127.0.0.4"]}}
        with FakeDNS(zone) as dns:
            # 24 lookups in one run: both orders of the tie must show up
            # (a fixed order fails this with certainty; a fair shuffle
            # with probability 2 * 2^-24).
            p = self.run_mx(dns, ["--json"] + ["-e", "mx example.test"] * 24)
        self.assertEqual(p.returncode, 0, p.stderr)
        orders = set()
        for r in json_records(p.stdout):
            if r["type"] == "mx":
                names = [h["name"] for h in r["hosts"]]
                self.assertEqual(names[0], "first.example.test")
                self.assertEqual([h["tied"] for h in r["hosts"]], [False, True, True])
                orders.add(tuple(names[1:]))
        self.assertEqual(orders, {("a.example.test", "b.example.test"),
                                  ("b.example.test", "a.example.test")})

    def test_implicit_mx_when_there_is_none(self):
        with FakeServer(greeting("plain"), host="127.0.0.2") as srv:
            zone = {"plain.test": {"A": ["127.0.0.2"]}}
            with FakeDNS(zone) as dns:
                p = self.run_mx(dns, ["--mx", "plain.test", str(srv.port), "-e", "quit"])
                asked = dns.queries()
            self.assertEqual(srv.received(), b"QUIT\r\n")
        out = p.stdout.decode()
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("implicit MX", out)
        self.assertIn("connected to plain.test port", out)
        self.assertEqual(asked[0], "plain.test MX")
        self.assertIn("plain.test A", asked)

    def test_unreadable_mx_is_an_error_not_an_implicit_mx(self):
        # Issue 17: an MX record that cannot be read (one octet of RDATA, a
        # compression loop) is no "empty MX list": RFC 5321 5.1's implicit
        # MX is not used, nothing is connected, the error says why.
        port = unused_port()
        for raw in ("01", "000aLOOP"):
            with self.subTest(raw=raw):
                with FakeServer(greeting("never"), host="127.0.0.2", port=port) as srv:
                    zone = {"bad.test": {"MXRAW": [raw], "A": ["127.0.0.2"]}}
                    with FakeDNS(zone) as dns:
                        p = self.run_mx(dns, ["--json", "--mx", "bad.test", str(port), "-e", "quit"])
                        asked = dns.queries()
                    self.assertIsNone(srv.peer())
                    srv.kill()
                self.assertEqual(p.returncode, 3, p.stderr)
                recs = json_records(p.stdout)
                err = [r for r in recs if r["type"] == "error"][0]
                self.assertEqual((err["kind"], err["stage"]), ("resolve", "mx"))
                self.assertIn("cannot be read", err["message"])
                self.assertNotIn("bad.test A", asked)

    def test_null_mx_connects_nowhere(self):
        port = unused_port()
        with FakeServer(greeting("never"), host="127.0.0.2", port=port) as srv:
            zone = {"null.test": {"MX": [[0, "."]], "A": ["127.0.0.2"]}}
            with FakeDNS(zone) as dns:
                p = self.run_mx(dns, ["--mx", "null.test", str(port), "-e", "quit"])
                asked = dns.queries()
            self.assertIsNone(srv.peer())
            srv.kill()
        self.assertEqual(p.returncode, 3)
        self.assertIn("null MX", p.stdout.decode())
        self.assertIn("accepts no mail", p.stderr.decode())
        self.assertIn("RFC 7505", p.stderr.decode())
        self.assertEqual(asked, ["null.test MX"])     # no A fallback

    def test_nxdomain_and_servfail_connect_nowhere(self):
        zone = {"broken.test": {"rcode": "SERVFAIL"}}
        for domain, words in (("nosuch.test", "NXDOMAIN"), ("broken.test", "SERVFAIL")):
            with self.subTest(domain=domain), FakeDNS(zone) as dns:
                p = self.run_mx(dns, ["--json", "--mx", domain, "2525", "-e", "quit"])
                asked = dns.queries()
                self.assertEqual(p.returncode, 3)
                recs = json_records(p.stdout)
                err = [r for r in recs if r["type"] == "error"][0]
                self.assertEqual((err["kind"], err["stage"]), ("resolve", "mx"))
                self.assertIn(words, err["message"])
                self.assertEqual(recs[-1], {"type": "summary", "status": 3, "failed_stage": "mx"})
                self.assertFalse([r for r in recs if r["type"] == "connect"])
                # Neither is "no MX": no A/AAAA fallback was asked for.
                self.assertEqual(set(asked), {domain + " MX"})

    def test_no_dns_answer(self):
        # Nothing listens at the DNS address: said at once.
        port = unused_port()
        p = run_smtpsh(["-e", "mx example.test"],
                       env_extra={"SMTPSH_DNS_SERVER": f"127.0.0.1:{port}"})
        self.assertEqual(p.returncode, 3)
        self.assertIn("no answer from the DNS server (nothing listens there)", p.stderr.decode())
        # A server that never answers: the resolver's timeout (RES_OPTIONS).
        with FakeDNS({"slow.test": {"silent": True}}) as dns:
            env = dict(dns.env, RES_OPTIONS="timeout:1 attempts:1")
            p = run_smtpsh(["--mx", "slow.test", "2525"], env_extra=env)
        self.assertEqual(p.returncode, 3)
        self.assertIn("no answer from the DNS server (timed out)", p.stderr.decode())

    def test_ctrl_c_and_timeout_end_a_silent_dns(self):
        """The resolver's own timeout (here 30 s: 10 s, 3 attempts) is not
        waited out: Ctrl-C (SIGINT) ends the lookup at once, and --timeout
        bounds it as it bounds a connect."""
        with FakeDNS({"slow.test": {"silent": True}}) as dns:
            env = dict(os.environ, HOME=tempfile.gettempdir(), **dns.env)
            env["RES_OPTIONS"] = "timeout:10 attempts:3"
            proc = subprocess.Popen(WRAPPER + [SMTPSH, "--mx", "slow.test", "2525"], env=env,
                                    stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE)
            deadline = time.time() + 10
            while "slow.test MX" not in dns.queries() and time.time() < deadline:
                time.sleep(0.02)
            self.assertIn("slow.test MX", dns.queries())
            sent = time.monotonic()
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=20)
            took = time.monotonic() - sent
            self.assertLess(took, 3, err)
            self.assertEqual(proc.returncode, 128 + signal.SIGINT, err)
            self.assertIn("MX lookup for slow.test: cancelled", err.decode())
            # Ctrl-C on a terminal reaches the resolver child too, and it
            # may die first: still a cancel, not "ended without an answer".
            proc = subprocess.Popen(WRAPPER + [SMTPSH, "--mx", "slow.test", "2525"], env=env,
                                    stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE)
            deadline = time.time() + 10
            kids = []
            while not kids and time.time() < deadline:
                time.sleep(0.02)
                kids = children(proc.pid)
            self.assertTrue(kids)
            for kid in kids:
                os.kill(kid, signal.SIGINT)
            time.sleep(0.2)
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=20)
            self.assertIn("MX lookup for slow.test: cancelled", err.decode())
            self.assertEqual(proc.returncode, 128 + signal.SIGINT, err)
            started = time.monotonic()
            p = run_smtpsh(["--timeout", "1", "--mx", "slow.test", "2525"], env_extra=env)
            took = time.monotonic() - started
        self.assertEqual(p.returncode, 3)
        self.assertLess(took, 5)
        self.assertIn("no answer from the DNS server within 1 s", p.stderr.decode())

    def test_mx_command_text_and_hosts_without_address(self):
        zone = {"example.test": {"MX": [[5, "gone.example.test"], [10, "mx1.example.test"]]},
                "mx1.example.test": {"A": ["127.0.0.2", "127.0.0.3"], "AAAA": ["::1"]}}
        with FakeDNS(zone) as dns:
            p = self.run_mx(dns, ["-e", "mx example.test", "-e", "mx EXAMPLE.TEST."])
        out = p.stdout.decode()
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("MX example.test: 2 hosts, in the order they are tried\n"
                      "      5  gone.example.test  (no address: nxdomain)\n"
                      "     10  mx1.example.test  ::1, 127.0.0.2, 127.0.0.3\n", out)
        self.assertIn("MX EXAMPLE.TEST.: 2 hosts", out)

    def test_dns_names_are_escaped(self):
        zone = {"evil.test": {"MX": [[10, "a\x1b[31mred.evil.test"]]}}
        with FakeDNS(zone) as dns:
            for args in (["--no-color"], ["--json"]):
                p = run_smtpsh(args + ["-e", "mx evil.test"], env_extra=dns.env)
                self.assertNotIn(b"\x1b", p.stdout + p.stderr)
                self.assertIn(b"red.evil.test", p.stdout)

    def test_port_given_means_this_host(self):
        # A port names a host: no MX lookup, even when the name has MX
        # records (they point elsewhere here); --mx asks for them.
        with FakeServer(QUIT) as srv:
            zone = {"localhost": {"MX": [[10, "mx1.example.test"]]},
                    "mx1.example.test": {"A": ["127.0.0.9"]}}
            with FakeDNS(zone) as dns:
                p = self.run_mx(dns, ["-4", "localhost", str(srv.port), "-e", "quit"])
                self.assertEqual(dns.queries(), [])
                self.assertEqual(srv.received(), b"QUIT\r\n")
                self.assertEqual(p.returncode, 0, p.stderr)
                self.assertIn(f"connected to localhost port {srv.port} (127.0.0.1)\n",
                              p.stdout.decode())
                p = self.run_mx(dns, ["-4", "--mx", "localhost", str(srv.port), "-e", "quit"])
                self.assertEqual(dns.queries()[0], "localhost MX")
                self.assertIn("127.0.0.9", p.stdout.decode())

    def test_no_port_means_mx_on_port_25(self):
        zone = {"example.test": {"MX": [[10, "mx1.example.test"]]},
                "mx1.example.test": {"A": ["127.0.0.9"]}}
        with FakeDNS(zone) as dns:
            p = self.run_mx(dns, ["--timeout", "3", "example.test", "-e", "quit"])
            self.assertEqual(dns.queries()[0], "example.test MX")
        # Whatever listens (or not) on 127.0.0.9 port 25, that is where it went.
        self.assertRegex(p.stdout.decode() + p.stderr.decode(),
                         r"(127\.0\.0\.9 port 25:|port 25 \(127\.0\.0\.9\), MX 10)")

    def test_no_mx_and_addresses_skip_the_lookup(self):
        zone = {"localhost": {"MX": [[10, "mx1.example.test"]]}}
        with FakeDNS(zone) as dns:
            p = self.run_mx(dns, ["--timeout", "3", "-4", "--no-mx", "localhost", "-e", "quit"])
            self.assertEqual(dns.queries(), [])
            self.assertRegex(p.stdout.decode() + p.stderr.decode(),
                             r"(127\.0\.0\.1 port 25:|localhost port 25 \(127\.0\.0\.1\))")
            with FakeServer(QUIT) as srv:
                p = self.run_mx(dns, ["--mx", "127.0.0.1", str(srv.port), "-e", "quit"])
                self.assertEqual(srv.received(), b"QUIT\r\n")
            self.assertEqual(dns.queries(), [])
            self.assertEqual(p.returncode, 0, p.stderr)


class LocalSocketAndBind(unittest.TestCase):
    def test_unix_socket(self):
        tmp = tempfile.TemporaryDirectory()
        path = os.path.join(tmp.name, "smtp.sock")
        with FakeServer([{"send": "220 local ESMTP\r\n"}, {"expect": "NOOP"},
                         {"send": "250 ok\r\n"}, {"expect": "QUIT"}, {"send": "221 bye\r\n"}],
                        unix=path) as srv:
            p = run_smtpsh(["--no-color", f"unix:{path}", "-e", "noop", "-e", "state",
                            "-e", "quit"])
            self.assertEqual(srv.received(), b"NOOP\r\nQUIT\r\n")
        tmp.cleanup()
        out = p.stdout.decode()
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(f"connected to unix:{path}\n", out)
        self.assertIn("< 220 local ESMTP", out)

    def test_unix_socket_missing_and_with_a_port(self):
        p = run_smtpsh(["unix:/nonexistent/smtp.sock", "-e", "quit"])
        self.assertEqual(p.returncode, 3)
        self.assertIn("connect to unix:/nonexistent/smtp.sock: No such file or directory",
                      p.stderr.decode())
        p = run_smtpsh(["unix:/x.sock", "25"])
        self.assertEqual(p.returncode, 2)

    def test_bind_source_address(self):
        for opt, source in (("--bind", "127.0.0.5"), ("--local-interface", "127.0.0.1"),
                            ("--bind", "127.0.0.6")):
            with self.subTest(source=source), FakeServer(QUIT) as srv:
                p = run_smtpsh([opt, source, "127.0.0.1", str(srv.port), "-e", "quit"])
                self.assertEqual(srv.received(), b"QUIT\r\n")
                self.assertEqual(srv.peer(), source)
                self.assertEqual(p.returncode, 0, p.stderr)

    def test_bind_wrong_family_or_no_address(self):
        with FakeServer(QUIT) as srv:
            p = run_smtpsh(["--bind", "::1", "127.0.0.1", str(srv.port), "-e", "quit"])
            self.assertEqual(p.returncode, 3)
            self.assertIn("no address of the source address's family", p.stderr.decode())
            p = run_smtpsh(["--bind", "not-an-address", "127.0.0.1", str(srv.port)])
            self.assertEqual(p.returncode, 2)
            p = run_smtpsh(["--bind", "192.0.2.77", "127.0.0.1", str(srv.port)])
            self.assertEqual(p.returncode, 3)
            self.assertIn("cannot use 192.0.2.77 as the source address", p.stderr.decode())
            self.assertIsNone(srv.peer())
            srv.kill()


if __name__ == "__main__":
    unittest.main()
