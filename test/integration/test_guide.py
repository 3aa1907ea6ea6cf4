"""test_guide.py - the teaching server's opening guide teaches only true
things (issue 21): every recipe on the screen `smtpsh --demo` opens with,
typed after the setup the guide names, gets the code it promises from the
teaching server; the guide fits 80 columns.  (Russian: test_i18n.)"""
import os
import tempfile
import unittest

from harness import BANNER, FakeServer, json_records, run_smtpsh

HELO = ["helo c.example"]
MAIL = HELO + ["mail a@c.example"]

# (text on the guide, setup, what to type, the code the guide promises)
RECIPES = [
    ("vrfy dave 251", [], ["vrfy dave"], 251),
    ("vrfy erin 551", [], ["vrfy erin"], 551),
    ("vrfy smith 553", [], ["vrfy smith"], 553),
    ("vrfy shutdown 421", [], ["vrfy shutdown"], 421),
    ("help status 211", [], ["help status"], 211),
    ("help bogus 504", [], ["help bogus"], 504),
    ("raw bogus 500", [], ["raw bogus"], 500),
    ("raw MAIL alice 501", HELO, ["raw MAIL alice"], 501),
    ("rcpt alice 503", HELO, ["rcpt alice"], 503),
    ("mail from:<a@b> FOO=1 555", HELO, ["mail from:<a@b> FOO=1"], 555),
    ("rcpt busy 450", MAIL, ["rcpt busy"], 450),
    ("rcpt full 452", MAIL, ["rcpt full"], 452),
    ("rcpt crash 451", MAIL, ["rcpt crash"], 451),
    ("rcpt quota", MAIL, ["rcpt quota", "data BODY"], 552),
    ("rcpt spamtrap", MAIL, ["rcpt spamtrap", "data BODY"], 554),
    ("then turn", ["helo client.example"], ["turn"], 250),
    # STARTTLS and AUTH (the password given is alice's: bob's is refused)
    ("raw AUTH PLAIN 538", HELO, ["raw AUTH PLAIN"], 538),
    ("rcpt vault 530 (after mail)", MAIL, ["rcpt vault"], 530),
    ("starttls 220", HELO, ["starttls"], 220),
    ("auth plain alice 235", HELO, ["starttls", "auth plain alice"], 235),
    ("auth plain bob 535", HELO, ["starttls", "auth plain bob"], 535),
    ("raw AUTH X 504", HELO, ["starttls", "raw AUTH X"], 504),
    ("raw STARTTLS 503", HELO, ["starttls", "raw STARTTLS"], 503),
]


def guide():
    p = run_smtpsh(["--demo", "--no-color", "-e", "quit"])
    out = p.stdout.decode()
    return out[:out.index("connected to ")]


class Guide(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.text = guide()
        cls.tmp = tempfile.TemporaryDirectory(prefix="smtpsh-guide-")
        cls.body = os.path.join(cls.tmp.name, "body.txt")
        with open(cls.body, "w") as f:
            f.write("Subject: guide\n\nhello\n")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def codes(self, typed):
        args = ["--demo", "--json"]
        for t in typed:
            args += ["-e", t.replace("BODY", self.body)]
        p = run_smtpsh(args, timeout=60, env_extra={"SMTPSH_PASSWORD": "wonderland"})
        return [r["code"] for r in json_records(p.stdout) if r["type"] == "reply"]

    def test_every_recipe_gets_its_code(self):
        for shown, setup, typed, code in RECIPES:
            with self.subTest(recipe=shown):
                self.assertIn(shown, self.text)
                for step in setup:
                    self.assertIn(step.split()[0] + " " + step.split()[1], self.text)
                got = self.codes(setup + typed)
                self.assertIn(code, got[1 + len(setup):], (shown, got))

    def test_send_then_terminal_shows_the_message(self):
        self.assertIn("send/soml/saml alice, then terminal alice", self.text)
        p = run_smtpsh(["--demo", "--no-color", "-e", "helo c.example", "-e", "send a@c.example",
                        "-e", "rcpt alice", "-e", "data " + self.body, "-e", "terminal alice"])
        out = p.stdout.decode()
        self.assertIn("Subject: guide", out[out.index("terminal alice"):] if "terminal alice" in out
                      else out)

    def test_help_keeps_rfc_821_lists_as_rfc_821_has_them(self):
        """HELP RCPT: RFC 821 4.3's own codes on one line, the later ones
        (455, 554, 555: RFC 5321 4.3.2) on another, attributed."""
        p = run_smtpsh(["--demo", "--json", "-e", "help rcpt", "-e", "help mail"])
        helps = [r for r in json_records(p.stdout) if r["type"] == "reply" and r["code"] == 214]
        self.assertEqual(len(helps), 2, p.stdout)
        for rec in helps:
            lines = rec["lines"]
            rfc821 = [l for l in lines if l.startswith("Replies in RFC 821 4.3:")]
            later = [l for l in lines if l.startswith("Added by RFC 5321 4.3.2:")]
            self.assertEqual((len(rfc821), len(later)), (1, 1), lines)
            for code in ("455", "555"):
                self.assertNotIn(code, rfc821[0])
                self.assertIn(code, later[0])
            self.assertIn("452", rfc821[0])
        self.assertNotIn("554", helps[0]["lines"][1])     # RCPT's 554 is RFC 5321's

    def test_state_lists_rfc821_then_what_the_server_advertised(self):
        """`state` called STARTTLS, AUTH, LHLO and BDAT allowed by RFC 821,
        though LHLO is LMTP's and the teaching server offers STARTTLS only
        once EHLO has listed it (and AUTH only after TLS)."""
        p = run_smtpsh(["--demo", "--json", "-e", "state", "-e", "ehlo x.example", "-e", "state"])
        states = [r for r in json_records(p.stdout) if r["type"] == "state"]
        self.assertEqual(len(states), 2, p.stdout)
        for st in states:
            for verb in ("STARTTLS", "AUTH", "LHLO", "BDAT", "EHLO"):
                self.assertNotIn(verb, st["allowed"])
        self.assertEqual(states[0]["allowed_beyond_rfc821"], ["EHLO"])
        self.assertEqual(sorted(states[1]["allowed_beyond_rfc821"]), ["EHLO", "STARTTLS"])
        self.assertIn("HELO", states[0]["allowed"])
        self.assertIn("MAIL", states[1]["allowed"])
        # A server that advertises STARTTLS and AUTH: they are listed apart.
        steps = [BANNER, {"expect": "EHLO"},
                 {"send": "250-fake.test\r\n250-STARTTLS\r\n250 AUTH PLAIN\r\n"}]
        with FakeServer(steps) as srv:
            p = run_smtpsh(["--json", "-e", "ehlo x.example", "-e", "state",
                            "127.0.0.1", str(srv.port)])
        st = [r for r in json_records(p.stdout) if r["type"] == "state"][0]
        self.assertEqual(sorted(st["allowed_beyond_rfc821"]), ["AUTH", "EHLO", "STARTTLS"])
        self.assertNotIn("STARTTLS", st["allowed"])

    def test_diagram_marks_where_the_session_stands(self):
        p = run_smtpsh(["--demo", "--json", "-e", "diagram", "-e", "helo c.example",
                        "-e", "mail a@c.example", "-e", "diagram"])
        diagrams = [r for r in json_records(p.stdout) if r["type"] == "diagram"]
        self.assertEqual([d["state"] for d in diagrams], ["greeted", "mail"])
        for d in diagrams:
            here = [r["state"] for r in d["rows"] if r["here"]]
            self.assertEqual(here, [d["state"]])
        t = run_smtpsh(["--demo", "--no-color", "-e", "helo c.example", "-e", "diagram"])
        marked = [l for l in t.stdout.decode().splitlines() if l.startswith("=>")]
        self.assertEqual(len(marked), 1, t.stdout)
        self.assertIn("ready", marked[0])

    def test_fits_80_columns(self):
        for line in self.text.splitlines():
            self.assertLessEqual(len(line), 80, line)


if __name__ == "__main__":
    unittest.main()
