"""test_trust.py - issue 9: what smtpsh prints is exactly what the server
said, to which command, and what it means, even when a session goes wrong.
Each case is a scripted server on loopback (test/fakesmtp.py) and the built
smtpsh in script mode: replies credited to the command they answer (never
shifted by an unsolicited or partial reply), mixed-code replies reported as
600 everywhere, meanings that depend on the command, deadlines that are
absolute, AUTH that cannot loop, secrets redacted from the wire text,
SIGTERM that stops a script, and a --json stdout that is JSON only."""
import os
import signal
import stat
import subprocess
import tempfile
import time
import unittest

from harness import (BANNER, SMTPSH, WRAPPER, FakeServer, json_records,
                     make_certs, run_smtpsh)

QUIT_OK = [{"expect": "QUIT"}, {"send": "221 bye\r\n"}]
NOOP_OK = [{"expect": "NOOP"}, {"send": "250 still here\r\n"}]


def args_for(srv, *cmds, extra=()):
    return list(extra) + [a for c in cmds for a in ("-e", c)] + ["127.0.0.1", str(srv.port)]


def replies(recs):
    return [r for r in recs if r.get("type") == "reply"]


def wait_until(cond, timeout=20.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.01)
    raise AssertionError(f"{what} not reached within {timeout}s")


class Attribution(unittest.TestCase):
    def test_partial_unsolicited_line_does_not_shift_replies(self):
        # "550 inj" arrives with the greeting, "ected" after our NOOP: the
        # 550 started before NOOP was sent, so it cannot answer NOOP.
        steps = [{"send": "220 hi\r\n550 inj"}, {"expect": "NOOP"},
                 {"send": "ected\r\n250 the noop reply\r\n"}] + NOOP_OK + QUIT_OK
        with FakeServer(steps) as srv:
            p = run_smtpsh(["--json"] + args_for(srv, "noop", "noop", "quit"))
            self.assertEqual(srv.received(), b"NOOP\r\nNOOP\r\nQUIT\r\n")
        recs = replies(json_records(p.stdout))
        byline = {r["lines"][0]: r for r in recs}
        self.assertEqual(byline["injected"]["origin"], "unsolicited")
        self.assertIsNone(byline["injected"]["command"])
        self.assertEqual(byline["the noop reply"]["command"], "NOOP")
        self.assertEqual(byline["the noop reply"]["origin"], "command")
        self.assertEqual(byline["still here"]["command"], "NOOP")
        self.assertEqual(byline["bye"]["command"], "QUIT")
        self.assertEqual(byline["hi"]["origin"], "greeting")

    def test_extra_pipelined_reply_is_shown_and_not_credited_to_the_next(self):
        steps = [BANNER, {"expect": "NOOP"}, {"send": "250 first\r\n250 extra\r\n"},
                 {"expect": "VRFY"}, {"send": "252 vrfy answer\r\n"}] + QUIT_OK
        with FakeServer(steps) as srv:
            p = run_smtpsh(["--json"] + args_for(srv, "noop", "vrfy bob", "quit"))
        recs = replies(json_records(p.stdout))
        byline = {r["lines"][0]: r for r in recs}
        self.assertEqual(byline["first"]["command"], "NOOP")
        self.assertEqual(byline["extra"]["origin"], "unsolicited")
        self.assertEqual(byline["vrfy answer"]["command"], "VRFY bob")
        self.assertEqual(byline["vrfy answer"]["verdict"], "success")

    def test_unsolicited_is_labelled_not_a_greeting(self):
        steps = [BANNER, {"expect": "NOOP"}, {"send": "250 ok\r\n421 going away\r\n"}]
        with FakeServer(steps) as srv:
            p = run_smtpsh(["--no-color"] + args_for(srv, "noop", "noop"))
        out = p.stdout.decode()
        self.assertNotIn("greeting", out.split("< 220")[1].split("\n", 3)[-1])
        self.assertIn("answers no command", out)

    def test_raw_unknown_command_is_credited_to_it(self):
        steps = [BANNER, {"expect": "XYZZY"}, {"send": "500 5.5.2 what?\r\n"}] + QUIT_OK
        with FakeServer(steps) as srv:
            p = run_smtpsh(["--no-color"] + args_for(srv, "raw XYZZY now", "quit"))
            j = None
        out = p.stdout.decode()
        block = out.split("< 500")[1].split("< 221")[0]
        self.assertIn("XYZZY", block)
        self.assertNotIn("greeting", block)
        with FakeServer(steps) as srv:
            j = run_smtpsh(["--json"] + args_for(srv, "raw XYZZY now", "quit"))
        rec = [r for r in replies(json_records(j.stdout)) if r["code"] == 500][0]
        self.assertEqual(rec["origin"], "command")
        self.assertEqual(rec["command"], "XYZZY now")

    def test_mixed_codes_are_600_for_a_command(self):
        steps = [BANNER, {"expect": "NOOP"}, {"send": "250-a\r\n251-b\r\n252 c\r\n"}] + QUIT_OK
        with FakeServer(steps) as srv:
            p = run_smtpsh(["--json"] + args_for(srv, "noop", "quit"))
        rec = [r for r in replies(json_records(p.stdout)) if r["command"] == "NOOP"][0]
        self.assertEqual(rec["code"], 600)
        self.assertEqual(rec["verdict"], "error")
        self.assertIn("mixed_codes", rec["flags"])
        self.assertEqual(p.returncode, 3)

    def test_mixed_codes_greeting_is_600_and_not_greeted(self):
        steps = [{"send": "554-go away\r\n220 welcome\r\n"}, {"expect": "EHLO"},
                 {"send": "250 ok\r\n"}] + QUIT_OK
        with FakeServer(steps) as srv:
            p = run_smtpsh(["--json"] + args_for(srv, "ehlo me.example", "quit"))
        recs = replies(json_records(p.stdout))
        self.assertEqual(recs[0]["origin"], "greeting")
        self.assertEqual(recs[0]["code"], 600)
        self.assertNotEqual(recs[0]["state"], "greeted")

    def test_mixed_codes_to_starttls_start_no_tls(self):
        steps = [BANNER, {"expect": "STARTTLS"}, {"send": "220-go ahead\r\n454 no\r\n"}] + NOOP_OK + QUIT_OK
        with FakeServer(steps) as srv:
            p = run_smtpsh(["--json"] + args_for(srv, "starttls", "noop", "quit"))
            self.assertEqual(srv.received(), b"STARTTLS\r\nNOOP\r\nQUIT\r\n")
        recs = replies(json_records(p.stdout))
        st = [r for r in recs if r["command"] == "STARTTLS"][0]
        self.assertEqual(st["code"], 600)
        self.assertFalse(any(r.get("type") == "tls" for r in json_records(p.stdout)))


class Meanings(unittest.TestCase):
    def meaning_of(self, cmd, verb, reply):
        steps = [BANNER, {"expect": verb}, {"send": reply}] + QUIT_OK
        with FakeServer(steps) as srv:
            p = run_smtpsh(["--json"] + args_for(srv, cmd, "quit"))
        return [r for r in replies(json_records(p.stdout)) if r["command"] and
                r["command"].startswith(verb)][0]

    def test_454_to_starttls_is_tls_not_available(self):
        r = self.meaning_of("starttls", "STARTTLS", "454 4.7.0 TLS not available\r\n")
        self.assertIn("TLS not available", r["meaning"])
        self.assertNotIn("authentication", r["meaning"].lower())
        self.assertEqual(r["verdict"], "failure")

    def test_334_outside_auth_is_not_a_challenge(self):
        r = self.meaning_of("noop", "NOOP", "334 what\r\n")
        self.assertNotIn("challenge", r["meaning"].lower())
        self.assertEqual(r["verdict"], "unexpected")

    def test_220_to_starttls_is_ready_to_start_tls(self):
        steps = [BANNER, {"expect": "STARTTLS"}, {"send": "220 2.0.0 go ahead\r\n"}, {"close": "fin"}]
        with FakeServer(steps) as srv:
            p = run_smtpsh(["--json"] + args_for(srv, "starttls"))
        r = [r for r in replies(json_records(p.stdout)) if r["command"] == "STARTTLS"][0]
        self.assertIn("Ready to start TLS", r["meaning"])
        self.assertNotIn("Service ready", r["meaning"])


class Endings(unittest.TestCase):
    def test_close_after_permanent_refusal_is_not_transient(self):
        steps = [BANNER, {"expect": "VRFY"}, {"send": "554 5.7.0 Too many nonmail commands\r\n"},
                 {"close": "fin"}]
        with FakeServer(steps) as srv:
            p = run_smtpsh(["--no-color"] + args_for(srv, "vrfy a", "vrfy b", "vrfy c"))
            self.assertNotIn(b"VRFY c", srv.received())
        err = p.stderr.decode()
        self.assertIn("ended the session", err)
        self.assertNotIn("transient", err)
        self.assertEqual(p.returncode, 5, err)

    def test_no_host_name_warning_for_an_ehlo_never_sent(self):
        p = run_smtpsh(["-e", "ehlo"])
        err = p.stderr.decode()
        self.assertIn("not connected", err)
        self.assertNotIn("fully qualified", err)

    def test_note_for_unadvertised_starttls_and_parameter(self):
        steps = [BANNER, {"expect": "EHLO"}, {"send": "250-fake\r\n250 8BITMIME\r\n"},
                 {"expect": "MAIL"}, {"send": "250 ok\r\n"},
                 {"expect": "STARTTLS"}, {"send": "502 no\r\n"}] + QUIT_OK
        with FakeServer(steps) as srv:
            p = run_smtpsh(["--no-color"] + args_for(srv, "ehlo me.example", "mail a@b SIZE=10",
                                                     "starttls", "quit"))
        out = p.stdout.decode() + p.stderr.decode()
        self.assertIn("did not advertise SIZE", out)
        self.assertIn("did not advertise STARTTLS", out)


class Deadlines(unittest.TestCase):
    def test_dripping_server_hits_an_absolute_deadline(self):
        steps = [BANNER, {"expect": "NOOP"}, {"send_drip": "250 slowly but surely\r\n", "interval": 0.5}]
        with FakeServer(steps) as srv:
            t0 = time.monotonic()
            p = run_smtpsh(["--timeout", "2"] + args_for(srv, "noop", "noop"), timeout=60)
            took = time.monotonic() - t0
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn("timeout", p.stderr.decode().lower())
        self.assertLess(took, 8.0)     # the drip alone would take 11 s

    def test_endless_continuation_hits_the_budget(self):
        steps = [BANNER, {"expect": "NOOP"}, {"send_endless": "250-more and more\r\n"}]
        with FakeServer(steps) as srv:
            p = run_smtpsh(["--json"] + args_for(srv, "noop", "noop"), timeout=60)
        self.assertEqual(p.returncode, 3)
        recs = json_records(p.stdout)
        errs = [r for r in recs if r.get("type") == "error"]
        self.assertTrue(any("budget" in e["message"] or "limit" in e["message"] for e in errs), errs)

    def test_line_without_lf_hits_the_budget(self):
        steps = [BANNER, {"expect": "NOOP"}, {"send_endless": "x"}]
        with FakeServer(steps) as srv:
            p = run_smtpsh(args_for(srv, "noop"), timeout=60)
        self.assertEqual(p.returncode, 3)

    def test_tls_handshake_obeys_timeout(self):
        steps = [BANNER, {"expect": "STARTTLS"}, {"send": "220 go ahead\r\n"}, {"sleep": 20}]
        with FakeServer(steps) as srv:
            t0 = time.monotonic()
            p = run_smtpsh(["--timeout", "2"] + args_for(srv, "starttls"), timeout=60)
            took = time.monotonic() - t0
        self.assertEqual(p.returncode, 3)
        self.assertLess(took, 10.0)

    def test_silent_greeting_suggests_tls(self):
        with tempfile.TemporaryDirectory() as d:
            go = os.path.join(d, "go")
            steps = [{"wait_file": go}, BANNER] + QUIT_OK
            with FakeServer(steps) as srv:
                proc = subprocess.Popen(WRAPPER + [SMTPSH, "-e", "quit", "127.0.0.1", str(srv.port)],
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                err = b""
                deadline = time.monotonic() + 30
                os.set_blocking(proc.stderr.fileno(), False)
                while b"--tls" not in err and time.monotonic() < deadline:
                    chunk = proc.stderr.read()
                    if chunk:
                        err += chunk
                    time.sleep(0.05)
                open(go, "w").close()
                out, rest = proc.communicate(timeout=30)
            self.assertIn(b"--tls", err + rest)
            self.assertEqual(proc.returncode, 0)


class Signals(unittest.TestCase):
    def test_sigterm_stops_a_script_and_sends_quit_once(self):
        with tempfile.TemporaryDirectory() as d:
            never = os.path.join(d, "never")
            steps = [BANNER, {"expect": "VRFY"}, {"wait_file": never}]
            with FakeServer(steps) as srv:
                script = os.path.join(d, "script")
                with open(script, "w") as f:
                    f.write("".join(f"vrfy user{i}\n" for i in range(48)))
                with open(script) as stdin:
                    proc = subprocess.Popen(WRAPPER + [SMTPSH, "127.0.0.1", str(srv.port)],
                                            stdin=stdin, stdout=subprocess.PIPE,
                                            stderr=subprocess.PIPE)
                wait_until(lambda: os.path.exists(srv.recordfile) and os.path.getsize(srv.recordfile) > 0,
                           what="first VRFY")
                proc.send_signal(signal.SIGTERM)
                out, err = proc.communicate(timeout=30)
                open(never, "w").close()
                wire = srv.received()
        self.assertEqual(wire.count(b"VRFY"), 1, wire)
        self.assertEqual(wire.count(b"QUIT"), 1, wire)
        self.assertEqual(proc.returncode, 128 + signal.SIGTERM, err)


class Auth(unittest.TestCase):
    def test_server_that_always_says_334_cannot_loop(self):
        with tempfile.TemporaryDirectory() as d:
            pw = os.path.join(d, "pw")
            with open(pw, "w") as f:
                f.write("s3cret\n")
            steps = [BANNER] + [{"read_line": True}, {"send": "334 \r\n"}] * 40
            with FakeServer(steps) as srv:
                p = run_smtpsh(["--allow-plaintext-auth", "--password-file", pw]
                               + args_for(srv, "auth login alice"), timeout=60)
                wire = srv.received()
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn(b"*\r\n", wire)
        self.assertLess(wire.count(b"\r\n"), 15, wire)

    def test_raw_auth_plain_initial_response_is_redacted_everywhere(self):
        secret_b64 = "AGFsaWNlAHMzY3JldA=="
        with tempfile.TemporaryDirectory() as d:
            tr = os.path.join(d, "t")
            for mode in (["--no-color"], ["--json"]):
                if os.path.exists(tr):
                    os.unlink(tr)
                steps = [BANNER, {"expect": "AUTH"}, {"send": "235 2.7.0 ok\r\n"}] + QUIT_OK
                with FakeServer(steps) as srv:
                    p = run_smtpsh(mode + ["--transcript", tr] +
                                   args_for(srv, f"raw AUTH PLAIN {secret_b64}", "quit"))
                    self.assertIn(secret_b64.encode(), srv.received())
                with open(tr, "rb") as f:
                    t = f.read()
                for where, data in (("stdout", p.stdout), ("stderr", p.stderr), ("transcript", t)):
                    self.assertNotIn(secret_b64.encode(), data, f"{mode} {where}")

    def test_lines_typed_at_334_after_raw_auth_login_are_redacted(self):
        user_b64, pass_b64 = "YWxpY2U=", "czNjcmV0"
        steps = [BANNER, {"expect": "AUTH LOGIN"}, {"send": "334 VXNlcm5hbWU6\r\n"},
                 {"read_line": True}, {"send": "334 UGFzc3dvcmQ6\r\n"},
                 {"read_line": True}, {"send": "235 ok\r\n"}] + QUIT_OK
        with tempfile.TemporaryDirectory() as d:
            tr = os.path.join(d, "t")
            with FakeServer(steps) as srv:
                p = run_smtpsh(["--json", "--transcript", tr, "127.0.0.1", str(srv.port)],
                               stdin_bytes=f"raw AUTH LOGIN\nraw {user_b64}\n{pass_b64}\nquit\n".encode())
                wire = srv.received()
            with open(tr, "rb") as f:
                t = f.read()
        self.assertIn(user_b64.encode() + b"\r\n" + pass_b64.encode() + b"\r\n", wire)
        for where, data in (("stdout", p.stdout), ("stderr", p.stderr), ("transcript", t)):
            self.assertNotIn(user_b64.encode(), data, where)
            self.assertNotIn(pass_b64.encode(), data, where)

    def test_no_core_dump_while_a_secret_is_held(self):
        with tempfile.TemporaryDirectory() as d:
            pw = os.path.join(d, "pw")
            go = os.path.join(d, "go")
            with open(pw, "w") as f:
                f.write("s3cret\n")
            steps = [BANNER, {"expect": "AUTH LOGIN"}, {"wait_file": go}, {"send": "535 no\r\n"}] + QUIT_OK
            with FakeServer(steps) as srv:
                proc = subprocess.Popen([SMTPSH, "--allow-plaintext-auth", "--password-file", pw,
                                         "-e", "auth login alice", "-e", "quit",
                                         "127.0.0.1", str(srv.port)],
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                wait_until(lambda: os.path.exists(srv.recordfile) and os.path.getsize(srv.recordfile) > 0,
                           what="AUTH sent")
                with open(f"/proc/{proc.pid}/limits") as f:
                    limits = f.read()
                open(go, "w").close()
                proc.communicate(timeout=30)
        core = [l for l in limits.splitlines() if l.startswith("Max core file size")][0]
        self.assertEqual(core.split()[4], "0", core)


class Input(unittest.TestCase):
    def test_nul_in_a_stdin_line_refuses_only_that_line(self):
        steps = [BANNER] + NOOP_OK + [{"expect": "VRFY"}, {"send": "252 ok\r\n"}] + QUIT_OK
        with FakeServer(steps) as srv:
            p = run_smtpsh(["127.0.0.1", str(srv.port)],
                           stdin_bytes=b"vrfy a\0b\nnoop\nvrfy c\nquit\n")
            wire = srv.received()
        self.assertEqual(wire, b"NOOP\r\nVRFY c\r\nQUIT\r\n")
        self.assertIn("NUL", p.stderr.decode())

    def test_data_refuses_what_is_not_a_regular_file(self):
        with tempfile.TemporaryDirectory() as d:
            fifo = os.path.join(d, "fifo")
            os.mkfifo(fifo)
            for path in (fifo, d, "/dev/zero"):
                steps = [BANNER] + NOOP_OK + QUIT_OK
                with FakeServer(steps) as srv:
                    p = run_smtpsh(args_for(srv, f"data {path}", "noop", "quit"), timeout=20)
                    self.assertEqual(srv.received(), b"NOOP\r\nQUIT\r\n", path)
                self.assertIn("not a regular file", p.stderr.decode(), path)

    def test_body_with_long_line_or_nul_needs_force(self):
        with tempfile.TemporaryDirectory() as d:
            bad = os.path.join(d, "bad")
            with open(bad, "wb") as f:
                f.write(b"Subject: x\n\n" + b"a" * 1200 + b"\nnul\0here\n")
            steps = [BANNER] + NOOP_OK + QUIT_OK
            with FakeServer(steps) as srv:
                p = run_smtpsh(args_for(srv, f"data {bad}", "noop", "quit"))
                self.assertEqual(srv.received(), b"NOOP\r\nQUIT\r\n")
            err = p.stderr.decode()
            self.assertIn("998", err)
            self.assertIn("NUL", err)
            steps = [BANNER, {"expect": "DATA"}, {"send": "354 go\r\n"}, {"read_data": True},
                     {"send": "250 ok\r\n"}] + QUIT_OK
            with FakeServer(steps) as srv:
                p = run_smtpsh(args_for(srv, f"data --force {bad}", "quit"))
                self.assertIn(b"a" * 1200, srv.received())
            self.assertEqual(p.returncode, 0, p.stderr)

    def test_8bit_body_without_8bitmime_is_warned(self):
        with tempfile.TemporaryDirectory() as d:
            body = os.path.join(d, "b")
            with open(body, "wb") as f:
                f.write("Subject: x\n\nпривет\n".encode())
            steps = [BANNER, {"expect": "EHLO"}, {"send": "250-fake\r\n250 SIZE\r\n"},
                     {"expect": "DATA"}, {"send": "354 go\r\n"}, {"read_data": True},
                     {"send": "250 ok\r\n"}] + QUIT_OK
            with FakeServer(steps) as srv:
                p = run_smtpsh(args_for(srv, "ehlo me.example", f"data {body}", "quit"))
        self.assertIn("8BITMIME", p.stderr.decode() + p.stdout.decode())

    def test_reply_in_the_middle_of_a_body_stops_it(self):
        with tempfile.TemporaryDirectory() as d:
            big = os.path.join(d, "big")
            with open(big, "wb") as f:
                f.write((b"x" * 990 + b"\n") * (64 * 1024))
            steps = [BANNER, {"expect": "DATA"}, {"send": "354 go\r\n552 5.3.4 too big, stop\r\n"},
                     {"wait_file": os.path.join(d, "never")}]
            with FakeServer(steps) as srv:
                t0 = time.monotonic()
                p = run_smtpsh(["--json"] + args_for(srv, f"data {big}"), timeout=120)
                took = time.monotonic() - t0
                open(os.path.join(d, "never"), "w").close()
        recs = replies(json_records(p.stdout))
        self.assertIn(552, [r["code"] for r in recs], p.stderr)
        self.assertLess(took, 60)

    def test_loss_after_final_dot_may_or_may_not_be_accepted(self):
        with tempfile.TemporaryDirectory() as d:
            body = os.path.join(d, "b")
            with open(body, "wb") as f:
                f.write(b"Subject: x\n\nhi\n")
            steps = [BANNER, {"expect": "DATA"}, {"send": "354 go\r\n"}, {"read_data": True},
                     {"close": "fin"}]
            with FakeServer(steps) as srv:
                p = run_smtpsh(args_for(srv, f"data {body}"))
        err = p.stderr.decode()
        self.assertIn("may or may not have been accepted", err)
        self.assertNotIn("transient", err)

    def test_port_out_of_range_is_refused(self):
        for port in ("111671", "0", "65536"):
            p = run_smtpsh(["-e", f"open 127.0.0.1 {port}"])
            self.assertIn("1..65535", p.stderr.decode(), port)
            self.assertNotIn("connect", p.stderr.decode().replace("1..65535", ""), port)

    def test_a_mistyped_command_gets_a_suggestion(self):
        """One slip of the keyboard (a swap, a missing, extra or wrong
        letter) names the command meant; something far from every command
        does not guess.  Nothing is sent either way."""
        with FakeServer([BANNER] + QUIT_OK) as srv:
            p = run_smtpsh(args_for(srv, "mial bob@example.org", "vrf alice", "exlpain 550",
                                    "xyzzy", "quit"))
            wire = srv.received()
        err = p.stderr.decode()
        self.assertIn('unknown command "mial": did you mean "mail"?', err)
        self.assertIn('unknown command "vrf": did you mean "vrfy"?', err)
        self.assertIn('unknown command "exlpain": did you mean "explain"?', err)
        self.assertIn('unknown command "xyzzy": type ? for the list', err)
        self.assertEqual(wire, b"QUIT\r\n")

    def test_a_bad_open_keeps_the_connection(self):
        """A typo in `open` (a port out of range, a port given to a unix:
        socket) is refused before anything else happens: the connection
        that was open stays open and usable."""
        for bad in ("open 127.0.0.1 0", "open unix:/nonexistent.sock 25"):
            with self.subTest(bad=bad):
                with FakeServer([BANNER] + NOOP_OK + QUIT_OK) as srv:
                    p = run_smtpsh(args_for(srv, bad, "noop", "quit"))
                    wire = srv.received()
                err = p.stderr.decode()
                self.assertNotIn("previous connection closed", p.stdout.decode() + err)
                self.assertIn(b"< 250 still here", p.stdout)
                self.assertEqual(wire, b"NOOP\r\nQUIT\r\n")

    def test_options_after_host_and_host_port_forms(self):
        steps = [BANNER] + NOOP_OK + QUIT_OK
        with FakeServer(steps) as srv:
            p = run_smtpsh(["127.0.0.1", str(srv.port), "-e", "noop", "-e", "quit"])
            self.assertEqual(srv.received(), b"NOOP\r\nQUIT\r\n")
        self.assertEqual(p.returncode, 0, p.stderr)
        with FakeServer(steps) as srv:
            p = run_smtpsh([f"127.0.0.1:{srv.port}", "-e", "noop", "-e", "quit"])
            self.assertEqual(srv.received(), b"NOOP\r\nQUIT\r\n")
        with FakeServer(steps, ipv6=True) as srv:
            p = run_smtpsh(["-e", "noop", "-e", "quit", f"[::1]:{srv.port}"])
            self.assertEqual(srv.received(), b"NOOP\r\nQUIT\r\n")

    def test_helo_fallback_that_worked_is_exit_0(self):
        steps = [BANNER, {"expect": "EHLO"}, {"send": "502 5.5.1 no\r\n"},
                 {"expect": "HELO"}, {"send": "250 old\r\n"}] + QUIT_OK
        with FakeServer(steps) as srv:
            p = run_smtpsh(args_for(srv, "ehlo me.example", "quit"))
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_control_bytes_typed_never_echo_raw(self):
        p = run_smtpsh(["-e", "frob\x1b[31mnicate", "-e", "vrfy \x1b]0;x\x07"])
        self.assertNotIn(b"\x1b", p.stderr)
        self.assertNotIn(b"\x07", p.stderr)
        self.assertNotIn(b"\x1b", p.stdout)


class Explain(unittest.TestCase):
    def test_explain_a_pasted_reply(self):
        p = run_smtpsh(["-e", "explain 554 5.7.1 Relay access denied"])
        out = p.stdout.decode()
        self.assertIn("554", out)
        self.assertIn("Delivery not authorized", out)
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_explain_names_the_rfc_of_each_enhanced_code(self):
        p = run_smtpsh(["-e", "explain 5.7.26", "-e", "explain 5.1.10", "-e", "explain 5.1.1"])
        out = p.stdout.decode()
        self.assertIn("RFC 7372", out)     # 5.7.26 multiple authentication checks failed
        self.assertIn("RFC 7505", out)     # 5.1.10 null MX
        self.assertIn("RFC 3463", out)


    def test_explain_both_digits_and_every_form(self):
        # Issue 19: `explain 299` explains both digits; `explain foo` names
        # every form explain takes, verdicts included.
        p = run_smtpsh(["-e", "explain 299", "-e", "explain foo"])
        out, err = p.stdout.decode(), p.stderr.decode()
        self.assertIn("first digit 2:", out)
        self.assertIn("second digit 9: no meaning in RFC 5321 4.2.1", out)
        self.assertIn("a lookup verdict", err)
        self.assertIn("enhanced code", err)


class Transcript(unittest.TestCase):
    def test_events_marked_and_existing_file_appended(self):
        with tempfile.TemporaryDirectory() as d:
            tr = os.path.join(d, "t")
            with open(tr, "w") as f:
                f.write("earlier session\n")
            os.chmod(tr, 0o600)
            steps = [BANNER] + NOOP_OK + QUIT_OK
            with FakeServer(steps) as srv:
                p = run_smtpsh(["--transcript", tr] + args_for(srv, "noop", "quit"))
            self.assertEqual(p.returncode, 0, p.stderr)
            with open(tr) as f:
                t = f.read()
            self.assertTrue(t.startswith("earlier session\n"))
            self.assertIn(f"127.0.0.1 port {srv.port}", t)
            self.assertIn("connected", t)
            self.assertIn("closed", t)
            # Issue 19: the header's own text is not escaped twice.
            header = [l for l in t.splitlines() if "smtpsh transcript:" in l][0]
            self.assertNotIn("\\\\", header)
            with FakeServer(steps) as srv:
                p = run_smtpsh(["--transcript", tr, "--transcript-overwrite"] + args_for(srv, "noop", "quit"))
            with open(tr) as f:
                self.assertNotIn("earlier session", f.read())


class Turn(unittest.TestCase):
    def test_turned_bytes_are_in_the_transcript(self):
        with tempfile.TemporaryDirectory() as d:
            tr = os.path.join(d, "t")
            p = run_smtpsh(["--demo", "--no-color", "--transcript", tr, "-e", "helo client.example",
                            "-e", "turn"], timeout=60)
            with open(tr) as f:
                t = f.read()
        self.assertIn("TURN accepted", t)
        self.assertIn("S: HELO demo.smtpsh.test", t)     # the peer, now sending
        self.assertIn("C: 250", t)                        # our replies as receiver
        self.assertIn("S: QUIT", t)
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_turn_under_tls_is_refused_before_sending(self):
        with tempfile.TemporaryDirectory() as d:
            c = make_certs(d)
            steps = [BANNER, {"expect": "STARTTLS"}, {"send": "220 go\r\n"}, {"starttls": True},
                     {"expect": "EHLO"}, {"send": "250 fake\r\n"}] + NOOP_OK + QUIT_OK
            with FakeServer(steps, tls=(c["leaf.pem"], c["leaf.key"])) as srv:
                p = run_smtpsh(["--cafile", c["ca.pem"], "-e", "starttls", "-e", "turn", "-e", "noop",
                                "-e", "quit", "localhost", str(srv.port)])
                wire = srv.received()
        self.assertEqual(wire, b"STARTTLS\r\nEHLO " + wire.split(b"EHLO ")[1].split(b"\r\n")[0] +
                         b"\r\nNOOP\r\nQUIT\r\n")
        self.assertIn("TURN under TLS", p.stderr.decode())
        self.assertIn("nothing was sent", p.stderr.decode())


class TypedBody(unittest.TestCase):
    def test_a_typed_line_over_998_octets_is_not_kept(self):
        steps = [BANNER, {"expect": "DATA"}, {"send": "354 go\r\n"}, {"read_data": True},
                 {"send": "250 queued\r\n"}] + QUIT_OK
        with FakeServer(steps) as srv:
            p = run_smtpsh(["127.0.0.1", str(srv.port)],
                           stdin_bytes=b"data\nSubject: t\n\n" + b"x" * 1200 + b"\nshort line\n.\nquit\n")
            wire = srv.received()
        self.assertIn(b"short line\r\n.\r\n", wire)
        self.assertNotIn(b"x" * 999, wire)
        self.assertIn("998", p.stderr.decode())


class JsonStream(unittest.TestCase):
    def test_every_command_and_failure_gives_json_only(self):
        steps = [BANNER, {"expect": "EHLO"}, {"send": "250-fake\r\n250-SIZE 1000\r\n250 8BITMIME\r\n"},
                 {"expect": "NOOP"}, {"send": "250 ok\r\n"}] + QUIT_OK
        cmds = ["?", "? vrfy", "explain 550", "explain 5.1.1", "explain 999x", "state", "ext",
                "tls", "set", "set insecure on", "frobnicate", 'vrfy "unterminated', "mailbox",
                "ehlo me.example", "ext", "noop", "data /nonexistent/file", "quit", "noop",
                "open 127.0.0.1 1", "open 127.0.0.1 99999"]
        with FakeServer(steps) as srv:
            p = run_smtpsh(["--json"] + args_for(srv, *cmds), timeout=60)
        recs = json_records(p.stdout)      # fails on any non-JSON line
        types = [r["type"] for r in recs]
        for t in ("reply", "help", "explain", "state", "ext", "error", "settings"):
            self.assertIn(t, types)
        self.assertEqual(p.stderr, b"")

    def test_starttls_records_elapsed_and_tls_result(self):
        with tempfile.TemporaryDirectory() as d:
            c = make_certs(d)
            steps = [BANNER, {"expect": "STARTTLS"}, {"send": "220 go\r\n"}, {"starttls": True},
                     {"expect": "EHLO"}, {"send": "250 fake\r\n"}] + QUIT_OK
            with FakeServer(steps, tls=(c["leaf.pem"], c["leaf.key"])) as srv:
                p = run_smtpsh(["--json", "--cafile", c["ca.pem"], "-e", "starttls", "-e", "quit",
                                "localhost", str(srv.port)])
        recs = json_records(p.stdout)
        tls = [r for r in recs if r["type"] == "tls"]
        self.assertEqual(len(tls), 1, recs)
        self.assertTrue(tls[0]["verified"])
        self.assertTrue(tls[0]["version"].startswith("TLS"))
        st = [r for r in replies(recs) if r["command"] == "STARTTLS"][0]
        self.assertGreater(st["elapsed_ms"], 0)


if __name__ == "__main__":
    unittest.main()
