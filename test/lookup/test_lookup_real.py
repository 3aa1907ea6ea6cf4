"""test_lookup_real.py - lookups against real servers on loopback: the private
Postfix of test/servers with its default limits (20 errors end a session, a
second's delay per reply past 10 errors), so that 1,000 names force
reconnects, in VRFY and in RCPT mode; and aiosmtpd, which answers 252 to
VRFY and accepts any recipient (a catch-all).  Every name has exactly one
final verdict, in input order."""
import json
import os
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "servers"))
from harness import json_records, run_smtpsh  # noqa: E402
from realservers import DOMAIN, REQUIRED, Aiosmtpd, Postfix  # noqa: E402

KNOWN = ("alice", "bob", "postmaster")


def names_1000():
    """alice, bob and postmaster spread through 997 names nobody has."""
    names = [f"user{i:04d}@{DOMAIN}" for i in range(1000)]
    for slot, user in zip((0, 500, 999), KNOWN):
        names[slot] = f"{user}@{DOMAIN}"
    return names


def start(cls):
    srv = cls()
    why = srv.unavailable()
    if why:
        if REQUIRED:
            raise AssertionError(f"{srv.name} is required here: {why}")
        raise unittest.SkipTest(f"{srv.name}: {why}")
    srv.start()
    return srv


class Base(unittest.TestCase):
    def lookup(self, names, args):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "names")
            with open(path, "w") as f:
                f.write("\n".join(names) + "\n")
            t0 = time.monotonic()
            p = run_smtpsh(["--json", "--lookup", path] + args + ["127.0.0.1", str(self.srv.port)],
                           timeout=300)
            secs = time.monotonic() - t0
        recs = json_records(p.stdout)
        rows = [r for r in recs if r["type"] == "lookup"]
        summary = [r for r in recs if r["type"] == "lookup-summary"][-1]
        self.assertEqual([r["name"] for r in rows], names)
        return p, rows, summary, recs, secs


class PostfixDefaults(Base):
    @classmethod
    def setUpClass(cls):
        cls.srv = start(Postfix)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def check(self, rows, known_verdict):
        for r in rows:
            user = r["name"].split("@")[0]
            want = known_verdict if user in KNOWN else "unknown"
            self.assertEqual(r["verdict"], want, r)

    def test_1000_names_vrfy(self):
        p, rows, summary, _, secs = self.lookup(names_1000(), ["--method", "vrfy"])
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        # Postfix answers 252 to VRFY of a mailbox it has: it will not say.
        self.check(rows, "cannot-verify")
        self.assertGreater(summary["connections"], 1)
        print(f"\nPostfix, default limits, 1000 names by VRFY: {secs:.1f} s, "
              f"{summary['connections']} connections", file=sys.stderr)

    def test_1000_names_rcpt(self):
        p, rows, summary, _, secs = self.lookup(names_1000(), [])
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        self.assertTrue(all(r["method"] == "rcpt" for r in rows))
        self.check(rows, "exists")
        self.assertIs(summary["catch_all"], False)
        self.assertGreater(summary["connections"], 1)
        print(f"\nPostfix, default limits, 1000 names by RCPT (auto): {secs:.1f} s, "
              f"{summary['connections']} connections", file=sys.stderr)


class AiosmtpdCatchAll(Base):
    @classmethod
    def setUpClass(cls):
        cls.srv = start(Aiosmtpd)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def test_252_then_rcpt_catch_all(self):
        names = ["alice@aiosmtpd.smtpsh.test", "nobody@aiosmtpd.smtpsh.test", "bob"]
        p, rows, summary, recs, _ = self.lookup(names, ["--domain", "aiosmtpd.smtpsh.test"])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual([r["verdict"] for r in rows], ["accepted"] * 3)
        self.assertTrue(all(r["method"] == "rcpt" for r in rows))
        self.assertIs(summary["catch_all"], True)
        methods = [r for r in recs if r["type"] == "lookup-event" and r["event"] == "method"]
        self.assertIn("252", methods[0]["message"])


if __name__ == "__main__":
    unittest.main()
