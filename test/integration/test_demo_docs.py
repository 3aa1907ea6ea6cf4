"""test_demo_docs.py - every row of docs/teaching-server.md's code tables
(RFC 821's, and STARTTLS and AUTH's), typed into `smtpsh --demo --json`: the last reply must carry the row's code.
Also TURN end to end through the shell, and a dotted message delivered intact
(shown by `mailbox`)."""
import os
import re
import unittest

from harness import FakeServer, reply_records, run_smtpsh

DOC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "teaching-server.md")
ROW = re.compile(r"^\| (\d{3}) \| [^|]+ \| `([^`]+)` \|")


def doc_rows():
    rows = []
    with open(DOC) as f:
        for line in f:
            m = ROW.match(line)
            if m:
                rows.append((int(m.group(1)), [c.strip() for c in m.group(2).split(";")]))
    return rows


class DemoDocs(unittest.TestCase):
    def test_table_covers_every_rfc821_code(self):
        codes = {code for code, _ in doc_rows()}
        rfc821 = {211, 214, 220, 221, 250, 251, 354, 421, 450, 451, 452, 500, 501, 502,
                  503, 504, 550, 551, 552, 553, 554}
        self.assertEqual(rfc821 - codes, set())

    def test_each_row_gives_its_code(self):
        rows = doc_rows()
        self.assertGreaterEqual(len(rows), 21)
        for code, cmds in rows:
            with self.subTest(code=code, cmds=cmds):
                args = ["--demo", "--json"]
                for c in cmds:
                    args += ["-e", c]
                # The STARTTLS and AUTH rows sign in with alice's password.
                p = run_smtpsh(args, env_extra={"SMTPSH_PASSWORD": "wonderland"})
                # The script's end sends QUIT (issue 19): its 221 is not the row's.
                recs = [r for r in reply_records(p.stdout)
                        if r.get("command") != "QUIT" or cmds == ["quit"]]
                self.assertTrue(recs, p.stderr)
                want_index = 0 if code == 220 else -1
                self.assertEqual(recs[want_index]["code"], code, (cmds, recs[-1], p.stderr))

    def test_disabled_verb_gets_502(self):
        p = run_smtpsh(["--demo", "--json", "--disable", "vrfy", "-e", "helo c.example",
                        "-e", "vrfy alice", "-e", "expn staff"])
        recs = reply_records(p.stdout)
        self.assertEqual([r["code"] for r in recs], [220, 250, 502, 250, 221])
        p = run_smtpsh(["--demo", "--disable", "nonsense"])
        self.assertEqual(p.returncode, 2)

    def test_turn_end_to_end(self):
        p = run_smtpsh(["--demo", "--no-color", "-e", "helo client.example", "-e", "turn"])
        out = p.stdout.decode()
        self.assertIn("< 250 OK, turning around", out)
        self.assertIn("(turned) they sent: HELO demo.smtpsh.test", out)
        self.assertIn("(turned) they sent: RCPT TO:<student@client.example>", out)
        self.assertIn(".A line that starts with a dot arrives intact.", out)
        self.assertIn("(turned) we replied: 221 ", out)

    def test_turned_huge_body_shown_cut_and_said(self):
        # Issue 17: a body too large to render (2 MB of ESC, 8 MB escaped)
        # was shown as nothing; now its start, how much more, and where.
        line = "\x1b" * 900 + "\r\n"
        steps = [{"send": "220 peer.test\r\n"}, {"expect": "HELO"}, {"send": "250 hi\r\n"},
                 {"expect": "TURN"}, {"send": "250 OK, turning around\r\n"},
                 {"read_line": True}, {"send": "HELO peer.test\r\n"}, {"read_line": True},
                 {"send": "MAIL FROM:<a@peer.test>\r\n"}, {"read_line": True},
                 {"send": "RCPT TO:<bob@client.example>\r\n"}, {"read_line": True},
                 {"send": "DATA\r\n"}, {"read_line": True},
                 {"send_repeat": line, "count": 2000}, {"send": ".\r\n"}, {"read_line": True},
                 {"send": "QUIT\r\n"}, {"read_line": True}]
        with FakeServer(steps) as srv:
            p = run_smtpsh(["--no-color", "127.0.0.1", str(srv.port), "-e", "helo client.example",
                            "-e", "turn"], timeout=60)
            srv.received()
            self.assertNotIn("expected", srv.stderr)
        out = p.stdout.decode()
        sent = [l for l in out.splitlines() if l.startswith("(turned) they sent: \\e\\e")]
        self.assertEqual(len(sent), 1, out[:2000])
        self.assertGreater(len(sent[0]), 60000)
        self.assertIn("more bytes not shown", out)
        self.assertIn("--transcript", out)
        self.assertNotIn("\x1b", out)

    def test_dotted_message_arrives_intact(self):
        body = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"smtpsh-demo-body-{os.getpid()}")
        with open(body, "wb") as f:
            f.write(b"Subject: dots\n\n.one dot\n..two dots\n.\nend\n")
        try:
            p = run_smtpsh(["--demo", "--no-color", "-e", "helo c.example", "-e", "mail t@c.example",
                            "-e", "rcpt bob", "-e", f"data {body}", "-e", "mailbox bob"])
        finally:
            os.unlink(body)
        out = p.stdout.decode()
        self.assertIn("Subject: dots\n\n.one dot\n..two dots\n.\nend\n", out)
        self.assertEqual(p.returncode, 0, p.stderr)


if __name__ == "__main__":
    unittest.main()
