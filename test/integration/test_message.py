"""test_message.py - issue 12's test messages and ESMTP extensions, each
against a scripted server that checks the exact bytes: --from/--to with the
losers reported (exit 0 all, 6 some, 5 none), PIPELINING groups (and
--no-pipelining), SIZE, BODY=8BITMIME, SMTPUTF8, the DSN parameters,
REQUIRETLS, BDAT (--bdat and `bdat FILE`, `raw BDAT` refused), LMTP (one
reply per recipient after the body), --quit-after, and the shell's
`message` command with an attachment."""
import base64
import email
import os
import tempfile
import unittest

from harness import FakeServer, json_records, reply_records, run_smtpsh

EHLO_FULL = ("250-fake.test\r\n250-PIPELINING\r\n250-SIZE 10000000\r\n250-8BITMIME\r\n"
             "250-SMTPUTF8\r\n250-DSN\r\n250 CHUNKING\r\n")
EHLO_PLAIN = "250-fake.test\r\n250 SIZE 10000000\r\n"
BANNER = {"send": "220 fake.test ESMTP\r\n"}
QUIT_OK = [{"expect": "QUIT"}, {"send": "221 bye\r\n"}]


def args(srv, *extra):
    return list(extra) + ["127.0.0.1", str(srv.port)]


def wire_lines(wire):
    """The command lines on the wire, up to the body (DATA) if any."""
    head = wire.split(b"DATA\r\n", 1)[0]
    return head.decode("latin-1").split("\r\n")


def message_of(wire):
    """The message between DATA's CRLF and the final dot, unstuffed."""
    body = wire.split(b"DATA\r\n", 1)[1].split(b"\r\n.\r\n", 1)[0]
    return body.replace(b"\r\n..", b"\r\n.")


class Message(unittest.TestCase):
    def test_pipelined_group_and_losers(self):
        steps = [BANNER, {"expect": "EHLO"}, {"send": EHLO_FULL},
                 # MAIL, the three RCPTs and DATA arrive before any reply
                 {"read_line": True}, {"read_line": True}, {"read_line": True},
                 {"read_line": True}, {"expect": "DATA"},
                 {"send": "250 ok\r\n250 ok\r\n550 5.1.1 no such user\r\n250 ok\r\n354 go\r\n"},
                 {"read_data": True}, {"send": "250 2.0.0 queued\r\n"}] + QUIT_OK
        with FakeServer(steps) as srv:
            p = run_smtpsh(args(srv, "--json", "--from", "a@client.example", "--to", "b@x.example",
                                "--to", "nobody@x.example", "--to", "c@x.example",
                                "--subject", "test 1"))
            wire = srv.received()
            self.assertNotIn("expected", srv.stderr)
        lines = wire_lines(wire)
        self.assertRegex(lines[1], r"^MAIL FROM:<a@client\.example> SIZE=\d+$")
        self.assertEqual(lines[2:5], ["RCPT TO:<b@x.example>", "RCPT TO:<nobody@x.example>",
                                      "RCPT TO:<c@x.example>"])
        size = int(lines[1].split("SIZE=")[1])
        msg = message_of(wire)
        self.assertEqual(size, len(msg) + 2)      # with the CRLF the final dot ends
        parsed = email.message_from_bytes(msg)
        self.assertEqual(parsed["Subject"], "test 1")
        self.assertEqual(parsed["From"], "a@client.example")
        self.assertIn("Message-ID", parsed)
        self.assertIn("Date", parsed)
        recs = json_records(p.stdout)
        res = [r for r in recs if r["type"] == "message"][0]
        self.assertEqual(res["outcome"], "some")
        self.assertEqual(res["accepted"], ["b@x.example", "c@x.example"])
        self.assertEqual([(l["address"], l["code"], l["enhanced"]) for l in res["refused"]],
                         [("nobody@x.example", 550, "5.1.1")])
        self.assertEqual(p.returncode, 6, p.stderr)
        # Each pipelined reply credited to its own command.
        by_cmd = {r["command"]: r["code"] for r in reply_records(p.stdout) if r["command"]}
        self.assertEqual(by_cmd["RCPT TO:<nobody@x.example>"], 550)
        self.assertEqual(by_cmd["DATA"], 354)

    def test_no_pipelining_and_no_data_without_a_recipient(self):
        steps = [BANNER, {"expect": "EHLO"}, {"send": EHLO_FULL},
                 {"expect": "MAIL"}, {"send": "250 ok\r\n"},
                 {"expect": "RCPT"}, {"send": "550 no\r\n"},
                 {"expect": "RSET"}, {"send": "250 reset\r\n"}] + QUIT_OK
        with FakeServer(steps) as srv:
            p = run_smtpsh(args(srv, "--no-pipelining", "--from", "a@c.example", "--to",
                                "x@y.example"))
            wire = srv.received()
        self.assertNotIn(b"DATA", wire)
        self.assertEqual(p.returncode, 5, p.stderr)
        self.assertIn("accepted by the server for 0 of 1", p.stdout.decode())

    def test_8bitmime_smtputf8_and_dsn_parameters(self):
        steps = [BANNER, {"expect": "EHLO"}, {"send": EHLO_FULL}, {"serve": "permissive"}]
        with FakeServer(steps) as srv:
            p = run_smtpsh(args(srv, "--from", "жена@пример.example", "--to", "b@x.example",
                                "--body", "Привет", "--notify", "SUCCESS,FAILURE", "--ret", "HDRS",
                                "--envid", "id+1=x", "--orcpt"))
            wire = srv.received()
        lines = wire_lines(wire)
        self.assertRegex(lines[1], r"^MAIL FROM:<жена@пример\.example> SIZE=\d+ BODY=8BITMIME "
                                   r"SMTPUTF8 RET=HDRS ENVID=id\+2B1\+3Dx$"
                         .replace("жена@пример", "\xd0\xb6\xd0\xb5\xd0\xbd\xd0\xb0@"
                                  "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xbc\xd0\xb5\xd1\x80"))
        self.assertEqual(lines[2], "RCPT TO:<b@x.example> NOTIFY=SUCCESS,FAILURE "
                                   "ORCPT=utf-8;b@x.example")
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_utf8_address_refused_without_smtputf8(self):
        steps = [BANNER, {"expect": "EHLO"}, {"send": EHLO_PLAIN}] + QUIT_OK
        with FakeServer(steps) as srv:
            p = run_smtpsh(args(srv, "--from", "a@c.example", "--to", "пётр@x.example"))
            wire = srv.received()
        self.assertNotIn(b"MAIL", wire)
        self.assertIn("SMTPUTF8", p.stderr.decode())
        self.assertNotEqual(p.returncode, 0)

    def test_typed_utf8_address_refused_without_smtputf8(self):
        steps = [BANNER, {"expect": "EHLO"}, {"send": EHLO_PLAIN}] + QUIT_OK
        with FakeServer(steps) as srv:
            p = run_smtpsh(args(srv, "-e", "ehlo me.example", "-e", "mail пётр@x.example", "-e", "quit"))
            wire = srv.received()
        self.assertNotIn(b"MAIL", wire)
        self.assertIn("SMTPUTF8", p.stderr.decode())

    def test_8bit_without_8bitmime_is_warned_and_requiretls_needs_tls(self):
        steps = [BANNER, {"expect": "EHLO"}, {"send": EHLO_PLAIN}, {"serve": "permissive"}]
        with FakeServer(steps) as srv:
            p = run_smtpsh(args(srv, "--from", "a@c.example", "--to", "b@x.example", "--body", "é"))
            wire = srv.received()
        self.assertNotIn(b"BODY=", wire)
        self.assertIn("8BITMIME", p.stderr.decode())
        steps = [BANNER, {"expect": "EHLO"}, {"send": EHLO_FULL}] + QUIT_OK
        with FakeServer(steps) as srv:
            p = run_smtpsh(args(srv, "--from", "a@c.example", "--to", "b@x.example", "--requiretls"))
            wire = srv.received()
        self.assertNotIn(b"MAIL", wire)
        self.assertIn("REQUIRETLS", p.stderr.decode())

    def test_bdat_chunks_exact_bytes(self):
        with tempfile.TemporaryDirectory() as d:
            att = os.path.join(d, "big.bin")
            data = os.urandom(1200 * 1024)
            with open(att, "wb") as f:
                f.write(data)
            steps = [BANNER, {"expect": "EHLO"}, {"send": EHLO_FULL}, {"serve": "permissive"}]
            with FakeServer(steps) as srv:
                p = run_smtpsh(args(srv, "--bdat", "--from", "a@c.example", "--to", "b@x.example",
                                    "--attach", att))
                wire = srv.received()
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotIn(b"DATA\r\n", wire)
        # Every BDAT header announces exactly the bytes that follow it.
        rest = wire.split(b"RCPT TO:<b@x.example>\r\n", 1)[1]
        chunks, last = [], False
        while rest.startswith(b"BDAT "):
            head, rest = rest.split(b"\r\n", 1)
            words = head.split()
            n = int(words[1])
            chunks.append(rest[:n])
            rest = rest[n:]
            last = len(words) == 3 and words[2] == b"LAST"
        self.assertTrue(last)
        self.assertGreaterEqual(len(chunks), 2)
        msg = email.message_from_bytes(b"".join(chunks))
        part = [p for p in msg.walk() if p.get_filename() == "big.bin"][0]
        self.assertEqual(part.get_payload(decode=True), data)
        self.assertTrue(rest.startswith(b"QUIT"))

    def test_bdat_command_and_raw_bdat_refused(self):
        with tempfile.TemporaryDirectory() as d:
            body = os.path.join(d, "m.eml")
            with open(body, "wb") as f:
                f.write(b"Subject: x\r\n\r\n.a dot stays\r\n")
            steps = [BANNER, {"expect": "MAIL"}, {"send": "250 ok\r\n"}, {"expect": "RCPT"},
                     {"send": "250 ok\r\n"}, {"serve": "permissive"}]
            with FakeServer(steps) as srv:
                p = run_smtpsh(args(srv, "-e", "raw BDAT 10", "-e", "mail a@b.example",
                                    "-e", "rcpt c@d.example", "-e", f"bdat {body}", "-e", "quit"))
                wire = srv.received()
        self.assertEqual(wire, b"MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\n"
                         b"BDAT 28 LAST\r\nSubject: x\r\n\r\n.a dot stays\r\nQUIT\r\n")
        self.assertIn("raw BDAT would leave the server waiting", p.stderr.decode())

    def test_lmtp_one_reply_per_recipient(self):
        steps = [BANNER, {"expect": "LHLO"}, {"send": "250-lmtp.test\r\n250 PIPELINING\r\n"},
                 {"read_line": True}, {"read_line": True}, {"read_line": True},
                 {"expect": "DATA"}, {"send": "250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n"},
                 {"read_data": True},
                 {"send": "250 2.1.5 b delivered\r\n452 4.2.2 c over quota\r\n"}] + QUIT_OK
        with FakeServer(steps) as srv:
            p = run_smtpsh(args(srv, "--lmtp", "--json", "--from", "a@c.example",
                                "--to", "b@x.example", "--to", "c@x.example"))
            wire = srv.received()
            self.assertNotIn("expected", srv.stderr)
        self.assertTrue(wire.startswith(b"LHLO "))
        recs = json_records(p.stdout)
        body = [r for r in recs if r["type"] == "reply" and r["stage"] == "body"]
        self.assertEqual([(r["command"], r["code"]) for r in body],
                         [("<end of data for b@x.example>", 250),
                          ("<end of data for c@x.example>", 452)])
        res = [r for r in recs if r["type"] == "message"][0]
        self.assertEqual(res["outcome"], "some")
        self.assertEqual(res["refused"][0]["address"], "c@x.example")
        self.assertEqual(res["refused"][0]["stage"], "data")
        self.assertEqual(p.returncode, 6)

    def test_quit_after_each_stage(self):
        cases = {"banner": b"QUIT\r\n", "ehlo": b"EHLO", "mail": b"MAIL FROM:<a@c.example>",
                 "rcpt": b"RCPT TO:<b@x.example>"}
        for stage, last_cmd in cases.items():
            steps = [BANNER, {"serve": "permissive"}]
            with FakeServer(steps) as srv:
                p = run_smtpsh(args(srv, "--quit-after", stage, "--no-pipelining",
                                    "--from", "a@c.example", "--to", "b@x.example"))
                wire = srv.received()
            self.assertTrue(wire.endswith(b"QUIT\r\n"), (stage, wire))
            cmds = wire.split(b"\r\n")[:-2]
            if stage != "banner":
                self.assertTrue(cmds[-1].startswith(last_cmd), (stage, wire))
            self.assertNotIn(b"DATA", wire, stage)
            self.assertEqual(p.returncode, 0, (stage, p.stderr))
        with FakeServer([BANNER, {"drain": True}]) as srv:
            p = run_smtpsh(args(srv, "--quit-after", "connect"))
            self.assertEqual(srv.received(), b"")
        self.assertEqual(p.returncode, 0, p.stderr)
        # Issue 19: --quit-after rcpt ends as the whole run would: the
        # summary of who was accepted and refused, exit 6 for some.
        steps = [BANNER, {"expect": "EHLO"}, {"send": EHLO_PLAIN}, {"expect": "MAIL"},
                 {"send": "250 ok\r\n"}, {"expect": "RCPT"}, {"send": "250 ok\r\n"},
                 {"expect": "RCPT"}, {"send": "550 5.1.1 no such user\r\n"}] + QUIT_OK
        with FakeServer(steps) as srv:
            p = run_smtpsh(args(srv, "--json", "--quit-after", "rcpt", "--from", "a@c.example",
                                "--to", "b@x.example", "--to", "nobody@x.example"))
            wire = srv.received()
            self.assertNotIn("expected", srv.stderr)
        self.assertNotIn(b"DATA", wire)
        msg = [r for r in json_records(p.stdout) if r["type"] == "message"]
        self.assertEqual(len(msg), 1, p.stdout)
        self.assertEqual((msg[0]["outcome"], msg[0]["stopped_after"]), ("some", "rcpt"))
        self.assertEqual([l["address"] for l in msg[0]["refused"]], ["nobody@x.example"])
        self.assertEqual(p.returncode, 6, p.stderr)

    def test_message_command_in_the_shell_with_an_attachment(self):
        with tempfile.TemporaryDirectory() as d:
            att = os.path.join(d, "report.pdf")
            with open(att, "wb") as f:
                f.write(b"%PDF-1.4 not really\n")
            steps = [BANNER, {"expect": "EHLO"}, {"send": EHLO_FULL}, {"serve": "permissive"}]
            with FakeServer(steps) as srv:
                p = run_smtpsh(args(srv, "-e", "ehlo me.example", "-e",
                                    f"message --from a@c.example --to b@x.example --attach {att} "
                                    "--header 'X-Probe: 1'", "-e", "quit"))
                wire = srv.received()
        self.assertEqual(p.returncode, 0, p.stderr)
        msg = email.message_from_bytes(message_of(wire))
        self.assertEqual(msg["X-Probe"], "1")
        self.assertEqual(msg.get_content_type(), "multipart/mixed")
        part = [x for x in msg.walk() if x.get_filename() == "report.pdf"][0]
        self.assertEqual(part.get_content_type(), "application/pdf")
        self.assertEqual(part.get_payload(decode=True), b"%PDF-1.4 not really\n")
        self.assertIn("accepted by the server for 1 of 1", p.stdout.decode())
        self.assertNotIn("delivered", p.stdout.decode())

    def test_typed_pipeline_sends_one_group_and_matches_replies(self):
        steps = [BANNER, {"expect": "EHLO"}, {"send": EHLO_FULL},
                 {"read_line": True}, {"read_line": True}, {"read_line": True},
                 {"send": "250 sender ok\r\n550 5.1.1 first refused\r\n250 second ok\r\n"}] + QUIT_OK
        with FakeServer(steps) as srv:
            p = run_smtpsh(["--json", "127.0.0.1", str(srv.port)], stdin_bytes=(
                b"ehlo me.example\npipeline {\nmail a@c.example\nrcpt x@y.example\n"
                b"rcpt z@y.example\n}\nquit\n"))
            wire = srv.received()
            self.assertNotIn("expected", srv.stderr)
        self.assertEqual(wire, b"EHLO me.example\r\nMAIL FROM:<a@c.example>\r\n"
                         b"RCPT TO:<x@y.example>\r\nRCPT TO:<z@y.example>\r\nQUIT\r\n")
        by_cmd = {r["command"]: r["lines"][0] for r in reply_records(p.stdout) if r["command"]}
        self.assertEqual(by_cmd["MAIL FROM:<a@c.example>"], "sender ok")
        self.assertEqual(by_cmd["RCPT TO:<x@y.example>"], "5.1.1 first refused")
        self.assertEqual(by_cmd["RCPT TO:<z@y.example>"], "second ok")

    def test_an_unclosed_pipeline_is_said_not_dropped_silently(self):
        # Issue 19: the input ending inside `pipeline {` dropped the queued
        # commands without a word.
        with FakeServer([BANNER] + QUIT_OK) as srv:
            p = run_smtpsh(args(srv), stdin_bytes=b"pipeline {\nnoop\nnoop\n")
            wire = srv.received()
        self.assertEqual(wire, b"QUIT\r\n")
        self.assertIn("2 queued commands were not sent", p.stdout.decode() + p.stderr.decode())

    def test_header_injection_refused(self):
        steps = [BANNER, {"expect": "EHLO"}, {"send": EHLO_FULL}] + QUIT_OK
        with FakeServer(steps) as srv:
            p = run_smtpsh(args(srv, "--from", "a@c.example", "--to", "b@x.example",
                                "--header", "X-A: 1\nBcc: eve@evil.example"))
            wire = srv.received()
        self.assertNotIn(b"MAIL", wire)
        self.assertNotEqual(p.returncode, 0)

    def test_option_values_checked_before_connecting(self):
        # Issue 17: an address is an RFC 5321 mailbox, DSN values are RFC
        # 3461's, headers hold no control but TAB, --sni is an ASCII host
        # name: each is refused before any connection, naming its option.
        cases = [
            (["--from", "a@x.test> SIZE=1 <y", "--to", "b@x.example"], "--from"),
            (["--from", "a@c.example", "--to", "alice> NOTIFY=SUCCESS"], "--to"),
            (["--from", "a@c.example", "--to", "b@x.example", "--notify", "SUCCESS,SOMETIMES"],
             "--notify"),
            (["--from", "a@c.example", "--to", "b@x.example", "--ret", "ALL"], "--ret"),
            (["--from", "a@c.example", "--to", "b@x.example", "--envid", "a\x01b"], "--envid"),
            (["--from", "a@c.example", "--to", "b@x.example", "--subject", "hi\x1b[2J"],
             "--subject"),
            (["--from", "a@c.example", "--to", "b@x.example", "--header", "X-A: \x1b]0;t\x07"],
             "--header"),
            (["--sni", "mail.example\r\n\x1b[2J", "-e", "noop"], "--sni"),
        ]
        for extra, opt in cases:
            with self.subTest(opt=opt):
                with FakeServer([BANNER, {"expect": "EHLO"}, {"send": EHLO_FULL}] + QUIT_OK) as srv:
                    p = run_smtpsh(args(srv, *extra))
                    wire = srv.stop()
                self.assertEqual(wire, b"", f"{opt}: something was sent")
                self.assertEqual(p.returncode, 2, p.stderr)
                err = p.stderr.decode()
                self.assertIn(opt, err)
                self.assertEqual(len(err.strip().splitlines()), 1, err)
                self.assertNotIn("\x1b", err)

    def test_size_limit_respected_and_forced(self):
        # Issue 17: a message larger than the advertised SIZE is not sent
        # (RFC 1870 6); --force sends it, and the 552 is credited to MAIL.
        ehlo = "250-fake.test\r\n250-PIPELINING\r\n250 SIZE 100\r\n"
        with FakeServer([BANNER, {"expect": "EHLO"}, {"send": ehlo}] + QUIT_OK) as srv:
            p = run_smtpsh(args(srv, "--from", "a@c.example", "--to", "b@x.example"))
            wire = srv.received()
            self.assertNotIn("expected", srv.stderr)
        self.assertNotIn(b"MAIL", wire)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("--force", p.stderr.decode())
        self.assertIn("SIZE", p.stderr.decode())
        steps = [BANNER, {"expect": "EHLO"}, {"send": ehlo},
                 {"read_line": True}, {"read_line": True}, {"expect": "DATA"},
                 {"send": "552 5.3.4 message too big\r\n503 5.5.1 need MAIL\r\n"
                          "554 5.5.1 no valid recipients\r\n"}] + QUIT_OK
        with FakeServer(steps) as srv:
            p = run_smtpsh(args(srv, "--force", "--from", "a@c.example", "--to", "b@x.example"))
            wire = srv.received()
            self.assertNotIn("expected", srv.stderr)
        self.assertIn(b"MAIL FROM:<a@c.example> SIZE=", wire)
        out = p.stdout.decode()
        self.assertIn("failure for MAIL", out)
        # The RCPT's 503 follows from MAIL's refusal in the same group: no
        # lecture about typing commands out of order.
        self.assertNotIn("came out of sequence", out)
        self.assertIn("pipelined RCPT", out)
        self.assertEqual(p.returncode, 5, p.stderr)

    def test_helo_option_names_us_everywhere(self):
        # Issue 19: --helo (alias --ehlo) is our name in every EHLO smtpsh
        # sends by itself: a message, an -e script, a lookup; a bad one is
        # refused before connecting.
        runs = [
            (["--helo", "client.example.org", "--from", "a@c.example", "--to", "b@x.example",
              "--quit-after", "ehlo"], []),
            (["--ehlo", "client.example.org", "-e", "ehlo", "-e", "quit"], []),
            (["--helo", "[127.0.0.1]", "-e", "ehlo", "-e", "quit"], []),
        ]
        for extra, _ in runs:
            with self.subTest(args=extra):
                with FakeServer([BANNER, {"expect": "EHLO"}, {"send": EHLO_PLAIN}] + QUIT_OK) as srv:
                    p = run_smtpsh(args(srv, *extra))
                    wire = srv.received()
                want = extra[1].encode()
                self.assertTrue(wire.startswith(b"EHLO " + want + b"\r\n"), wire)
                self.assertEqual(p.returncode, 0, p.stderr)
                self.assertNotIn(b"give one", p.stderr)
        names = os.path.join(tempfile.mkdtemp(prefix="smtpsh-helo-"), "names.txt")
        with open(names, "w") as f:
            f.write("alice\n")
        with FakeServer([BANNER, {"expect": "EHLO"}, {"send": EHLO_PLAIN},
                         {"serve": "lookup", "users": {"alice": None}}]) as srv:
            p = run_smtpsh(args(srv, "--helo", "client.example.org", "--lookup", names))
            wire = srv.stop()
        self.assertTrue(wire.startswith(b"EHLO client.example.org\r\n"), wire[:80])
        with FakeServer([BANNER]) as srv:
            p = run_smtpsh(args(srv, "--helo", "two words", "-e", "ehlo"))
            wire = srv.stop()
        self.assertEqual(wire, b"")
        self.assertEqual(p.returncode, 2)
        self.assertIn(b"--helo", p.stderr)

    def test_mode_conflicts_said_before_connecting(self):
        # Issue 19: --from/--to with -e connected, read the 220, then said
        # the usage error; every such conflict is found before connecting.
        for extra in (["--from", "a@c.example", "--to", "b@x.example", "-e", "noop"],
                      ["--tour", "-e", "noop"]):
            with self.subTest(args=extra):
                with FakeServer([BANNER] + QUIT_OK) as srv:
                    p = run_smtpsh(args(srv, *extra))
                    srv.stop()
                    self.assertIsNone(srv.peer(), "connected before the usage error")
                self.assertEqual(p.returncode, 2, p.stderr)

    def test_leaving_sends_quit(self):
        # Issue 19: the end of -e commands or of stdin sends QUIT and shows
        # the 221, as swaks does; a server that does not answer in time,
        # or a session inside a body, is closed and said to be.
        for how in ("-e", "stdin"):
            with self.subTest(how=how):
                steps = [BANNER, {"expect": "NOOP"}, {"send": "250 ok\r\n"},
                         {"expect": "QUIT"}, {"send": "221 bye now\r\n"}]
                with FakeServer(steps) as srv:
                    if how == "-e":
                        p = run_smtpsh(args(srv, "-e", "noop"))
                    else:
                        p = run_smtpsh(args(srv), stdin_bytes=b"noop\n")
                    wire = srv.received()
                    self.assertNotIn("expected", srv.stderr)
                self.assertEqual(wire, b"NOOP\r\nQUIT\r\n")
                self.assertIn("< 221 bye now", p.stdout.decode())
                self.assertEqual(p.returncode, 0, p.stderr)
        # Silent after QUIT: closed within the bound, and said.
        steps = [BANNER, {"expect": "NOOP"}, {"send": "250 ok\r\n"}, {"expect": "QUIT"},
                 {"sleep": 20}]
        with FakeServer(steps) as srv:
            p = run_smtpsh(args(srv, "-e", "noop"), timeout=15)
            srv.kill()
        self.assertIn("closed without QUIT's 221", p.stdout.decode() + p.stderr.decode())
        # Inside a body QUIT would be text: closed without it.
        steps = [BANNER, {"expect": "MAIL"}, {"send": "250 ok\r\n"}, {"expect": "RCPT"},
                 {"send": "250 ok\r\n"}, {"expect": "DATA"}, {"send": "354 go\r\n"},
                 {"drain": True}]
        with FakeServer(steps) as srv:
            p = run_smtpsh(args(srv), stdin_bytes=b"mail a@c.example\nrcpt b@x.example\ndata\nhalf a body\n")
            wire = srv.received()
        self.assertNotIn(b"QUIT", wire)
        self.assertIn("the connection was closed", p.stdout.decode() + p.stderr.decode())

    def test_bare_address_is_a_mailbox(self):
        # Issue 17: `mail ADDR` / `rcpt ADDR` wrap a mailbox; a ">" or a
        # space in it would smuggle parameters, so nothing is sent; the full
        # form stays as typed.  A quoted local part is a mailbox (the shell's
        # own quotes go first, as in a POSIX shell).
        steps = [BANNER, {"expect": "EHLO"}, {"send": EHLO_FULL},
                 {"expect": "MAIL FROM:<a@c.example> SIZE=10"}, {"send": "250 ok\r\n"},
                 {"expect": "RCPT TO:<\"a b\"@x.example>"}, {"send": "250 ok\r\n"}] + QUIT_OK
        with FakeServer(steps) as srv:
            p = run_smtpsh(["--json", "127.0.0.1", str(srv.port)], stdin_bytes=(
                b"ehlo me.example\nmail a@x.test>SIZE=1\nmail from:<a@c.example> SIZE=10\n"
                b"rcpt alice> NOTIFY=SUCCESS\nrcpt '\"a b\"@x.example'\nquit\n"))
            wire = srv.received()
            self.assertNotIn("expected", srv.stderr)
        self.assertNotIn(b"x.test", wire)
        self.assertNotIn(b"NOTIFY", wire)
        errors = [r for r in json_records(p.stdout) if r["type"] == "error"]
        self.assertEqual(len(errors), 2, p.stdout)
        for e in errors:
            self.assertIn("mailbox", e["message"])


if __name__ == "__main__":
    unittest.main()
