"""test_real.py - smtpsh (script mode, --json) against real servers on
loopback: Postfix and aiosmtpd.  Every shell verb is sent; each reply is
checked for the classification smtpsh gives it; a full transaction's
message is read back from the server's store byte for byte (dot-stuffing
proven end to end).

The answers make docs/compatibility.md.  A run writes the document it saw
into the build directory only ($SMTPSH_COMPAT_OUT, set by meson), and
CompatDoc fails when the checked-in docs/compatibility.md differs from it
(the servers' versions and the date masked).  To regenerate the checked-in
document: test/servers/regen-compat (it sets SMTPSH_COMPAT_UPDATE=1)."""
import datetime
import difflib
import os
import re
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import email  # noqa: E402
from email.header import decode_header, make_header  # noqa: E402
from harness import json_records, reply_records, run_smtpsh  # noqa: E402
from realservers import REQUIRED, Aiosmtpd, Postfix  # noqa: E402

BODY = (b"From: sender@client.smtpsh.test\r\nSubject: smtpsh compatibility\r\n"
        b"Date: Sun, 22 Nov 2026 12:00:00 +0000\r\nMessage-Id: <compat@client.smtpsh.test>\r\n\r\n"
        b".a line that starts with a dot\r\n..two dots\r\n.\r\nlast line\r\n")
RESULTS = {}
VERSIONS = {}
CHECKED_IN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs",
                          "compatibility.md")
OUT = os.environ.get("SMTPSH_COMPAT_OUT") or os.path.join(tempfile.gettempdir(),
                                                          "smtpsh-compatibility.md")
UPDATE = os.environ.get("SMTPSH_COMPAT_UPDATE") == "1"


def script(addr):
    """Two sessions: the everyday verbs, then the RFC 821 relics (aiosmtpd
    hangs up after five unrecognized commands in one session)."""
    return [[
        ("EHLO", "ehlo client.smtpsh.test"),
        ("HELO", "helo client.smtpsh.test"),
        ("HELP", "help"),
        ("NOOP", "noop"),
        ("VRFY user", f"vrfy {addr('alice')}"),
        ("VRFY unknown", f"vrfy {addr('nobody')}"),
        ("VRFY postmaster", "vrfy postmaster"),
        ("EXPN list", f"expn {addr('staff')}"),
        ("RCPT before MAIL", f"rcpt {addr('alice')}"),
        ("MAIL", "mail sender@client.smtpsh.test"),
        ("RCPT", f"rcpt {addr('alice')}"),
        ("DATA", "data"),
        ("end of data", None),
        ("RSET", "rset"),
        ("unknown command", "raw XYZZY"),
        ("QUIT", "quit"),
    ], [
        ("EHLO (2nd session)", "ehlo client.smtpsh.test"),
        ("SEND", "send sender@client.smtpsh.test"),
        ("RSET 2", "rset"),
        ("SOML", "soml sender@client.smtpsh.test"),
        ("RSET 3", "rset"),
        ("SAML", "saml sender@client.smtpsh.test"),
        ("RSET 4", "rset"),
        ("TURN", "turn"),
        ("QUIT (2nd session)", "quit"),
    ]]


class RealServerMixin:
    server_class = None

    @classmethod
    def setUpClass(cls):
        cls.srv = cls.server_class()
        why = cls.srv.unavailable()
        if why:
            if REQUIRED:
                raise AssertionError(f"{cls.srv.name} is required here: {why}")
            raise unittest.SkipTest(f"{cls.srv.name}: {why}")
        cls.srv.start()
        VERSIONS[cls.srv.name] = cls.srv.version

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def run_session(self, steps, body):
        args = ["--json", "--timeout", "20"]
        for _, cmd in steps:
            if cmd == "data":
                cmd = f"data {body}"
            if cmd is not None:
                args += ["-e", cmd]
        p = run_smtpsh(args + ["127.0.0.1", str(self.srv.port)], timeout=120)
        recs = reply_records(p.stdout)
        self.assertEqual(recs[0]["code"], 220, p.stderr)
        self.assertIsNone(recs[0]["command"])
        labels = [label for label, _ in steps]
        # One record per step after the banner, in order.
        self.assertEqual(len(recs) - 1, len(labels), (p.stderr, [r["command"] for r in recs]))
        return recs[0], dict(zip(labels, recs[1:]))

    def test_every_verb(self):
        srv = self.srv
        first, second = script(srv.address)
        with tempfile.NamedTemporaryFile(delete=False) as f:
            f.write(BODY)
            body = f.name
        try:
            banner, got = self.run_session(first, body)
            _, got2 = self.run_session(second, body)
        finally:
            os.unlink(body)
        got.update(got2)
        RESULTS[srv.name] = {"banner": banner, **got}

        def code(label):
            return got[label]["code"]

        def verdict(label):
            return got[label]["verdict"]

        self.assertEqual(code("EHLO"), 250)
        self.assertIn("extensions", got["EHLO"])
        self.assertEqual(verdict("EHLO"), "success")
        self.assertEqual(code("NOOP"), 250)
        self.assertEqual(verdict("NOOP"), "success")
        self.assertIn(code("VRFY user"), (250, 251, 252))
        self.assertEqual(verdict("VRFY user"), "success")
        if code("VRFY unknown") >= 500:
            self.assertIn(verdict("VRFY unknown"), ("failure", "error", "unexpected"))
        self.assertEqual(code("RCPT before MAIL"), 503)
        self.assertEqual(verdict("RCPT before MAIL"), "error")
        self.assertEqual(code("MAIL"), 250)
        self.assertEqual(code("RCPT"), 250)
        self.assertEqual(code("DATA"), 354)
        self.assertEqual(verdict("DATA"), "intermediate")
        self.assertEqual(code("end of data"), 250)
        self.assertEqual(verdict("end of data"), "success")
        self.assertEqual(code("RSET"), 250)
        for label in ("SEND", "SOML", "SAML", "TURN", "unknown command", "EXPN list"):
            c, v = code(label), verdict(label)
            if c >= 500:
                self.assertNotEqual(v, "success", label)
            if c in (500, 501):
                self.assertEqual(v, "error", label)
        self.assertIn(code("unknown command"), (500, 502))
        self.assertEqual(code("QUIT"), 221)
        # The message, as stored by the server, byte for byte.
        stored = srv.delivered("alice")
        self.assertEqual(len(stored), 1)
        want_crlf = BODY
        want_lf = BODY.replace(b"\r\n", b"\n")
        self.assertTrue(stored[0].endswith(want_crlf) or stored[0].endswith(want_lf), stored[0])


    def send_message(self, user, *extra):
        """smtpsh's message mode: the message stored for user, and the records."""
        with tempfile.TemporaryDirectory() as d:
            att = os.path.join(d, "report.pdf")
            with open(att, "wb") as f:
                f.write(bytes(range(256)) * 40)
            p = run_smtpsh(["--json", "--timeout", "20", "--from", "sender@client.smtpsh.test",
                            "--to", self.srv.address(user), "--subject", "Привет",
                            "--body", "tschüss\r\n.a dotted line\r\n", "--attach", att] + list(extra) +
                           ["127.0.0.1", str(self.srv.port)], timeout=120)
        recs = json_records(p.stdout)
        self.assertEqual(p.returncode, 0, (p.stderr, p.stdout[-2000:]))
        res = [r for r in recs if r["type"] == "message"][0]
        self.assertEqual(res["outcome"], "all")
        stored = [m for m in self.srv.delivered(user) if b"report.pdf" in m]
        self.assertTrue(stored, f"no message with the attachment for {user}")
        msg = email.message_from_bytes(stored[-1])
        self.assertEqual(str(make_header(decode_header(msg["Subject"]))), "Привет")
        part = [x for x in msg.walk() if x.get_filename() == "report.pdf"][0]
        self.assertEqual(part.get_payload(decode=True), bytes(range(256)) * 40)
        text = [x for x in msg.walk() if x.get_content_type() == "text/plain"][0]
        self.assertIn("tschüss\n.a dotted line", text.get_payload(decode=True).decode().replace("\r", ""))
        return recs

    def test_message_mode(self):
        """A test message with an attachment, pipelined where the server
        offers it, read back from the server's store (and with BDAT where it
        offers CHUNKING)."""
        recs = self.send_message("bob")
        ehlo = [r for r in recs if r["type"] == "reply" and r["stage"] == "ehlo"][0]
        mail = [r for r in recs if r["type"] == "reply" and r["stage"] == "mail"][0]
        ext = ehlo.get("extensions", {})
        self.assertEqual("SIZE=" in mail["command"], "SIZE" in ext)
        self.assertEqual("BODY=8BITMIME" in mail["command"], "8BITMIME" in ext)
        if "CHUNKING" in ext:
            recs = self.send_message("postmaster", "--bdat")
            self.assertTrue(any(r["type"] == "reply" and (r["command"] or "").startswith("BDAT")
                                for r in recs))


class PostfixTests(RealServerMixin, unittest.TestCase):
    server_class = Postfix


class AiosmtpdTests(RealServerMixin, unittest.TestCase):
    server_class = Aiosmtpd


def compat_doc():
    """The document, from RESULTS and VERSIONS."""
    names = sorted(RESULTS)
    labels = list(RESULTS[names[0]].keys())
    lines = ["# Compatibility", "",
             "Written by `test/servers/test_real.py` from its own run (do not edit by hand;",
             "regenerate with `test/servers/regen-compat`, as root with Postfix and aiosmtpd",
             "installed): smtpsh's script mode with `--json` against each server on 127.0.0.1.",
             "Each cell: the reply code, and smtpsh's verdict for the command.", "",
             "Servers: " + ", ".join(f"{n} {VERSIONS.get(n, '?')}" for n in names) +
             f"; run on {datetime.date.today().isoformat()}.", "",
             "| command | " + " | ".join(names) + " |",
             "|---|" + "---|" * len(names)]
    for label in labels:
        cells = []
        for n in names:
            r = RESULTS[n].get(label)
            if r is None:
                cells.append("-")
                continue
            first = (r["lines"][0] if r["lines"] else "").replace("|", "\\|")
            # Queue ids change every run, versions from machine to machine
            # (they are on the Servers line); the table should not.
            first = re.sub(r"queued as [0-9A-Za-z]+", "queued as <id>", first)
            if VERSIONS.get(n):
                first = first.replace(VERSIONS[n], "<version>")
            if len(first) > 48:
                first = first[:45] + "..."
            cells.append(f"{r['code']} {r['verdict']}: `{first}`" if first else f"{r['code']} {r['verdict']}")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def masked(doc):
    """The document without what may differ between two correct runs: the
    Servers line (versions, date)."""
    return [("Servers: <versions; date>" if line.startswith("Servers: ") else line)
            for line in doc.splitlines()]


class CompatDoc(unittest.TestCase):
    """Runs after both servers' tests (load_tests puts it last)."""

    def test_checked_in_document_is_current(self):
        if len(RESULTS) < 2:
            self.skipTest("needs the results of both real servers")
        doc = compat_doc()
        with open(OUT, "w") as f:
            f.write(doc)
        if UPDATE:
            with open(CHECKED_IN, "w") as f:
                f.write(doc)
        with open(CHECKED_IN) as f:
            have = f.read()
        diff = list(difflib.unified_diff(masked(have), masked(doc), "docs/compatibility.md",
                                         OUT, lineterm=""))
        if diff:
            self.fail("docs/compatibility.md is stale; regenerate it with "
                      "test/servers/regen-compat:\n" + "\n".join(diff))


def load_tests(loader, tests, pattern):
    suite = unittest.TestSuite()
    suite.addTests(loader.loadTestsFromTestCase(PostfixTests))
    suite.addTests(loader.loadTestsFromTestCase(AiosmtpdTests))
    suite.addTests(loader.loadTestsFromTestCase(CompatDoc))
    return suite
