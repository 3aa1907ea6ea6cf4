"""test_replay.py - `smtpsh --replay FILE [--step]` plays a --transcript back
offline: the same replies, credited to the same commands, with the same
meanings and verdicts as live, through the one reply reader.  Each test
records a real session first (the teaching server, or a scripted hostile
server on loopback), then replays the file with no server at all."""
import os
import re
import tempfile
import unittest

from harness import BANNER, FakeServer, json_records, run_smtpsh

SESSION = b"ehlo x\nvrfy alice\nvrfy nobody\nmail bob@example.org\nrcpt alice\nrcpt busy\n" \
          b"data\nSubject: hi\n\n.starts with a dot\n.\nquit\n"


def comparable(recs):
    """Reply records without their timing (a replay re-measures nothing)."""
    out = []
    for r in recs:
        if r["type"] == "reply":
            r = dict(r)
            r.pop("elapsed_ms")
            out.append(r)
    return out


class Replay(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory(prefix="smtpsh-replay-")
        self.tr = os.path.join(self.dir.name, "session.log")

    def tearDown(self):
        self.dir.cleanup()

    def record_demo(self, extra=()):
        live = run_smtpsh(["--demo", "--transcript", self.tr] + list(extra), stdin_bytes=SESSION)
        self.assertEqual(live.returncode, 5, live.stderr)     # 550 and 450 on purpose
        return live

    def test_replay_json_is_the_live_json(self):
        live = self.record_demo(["--json"])
        rep = run_smtpsh(["--replay", self.tr, "--json"])
        self.assertEqual(rep.returncode, 5, rep.stderr)
        live_r, rep_r = comparable(json_records(live.stdout)), comparable(json_records(rep.stdout))
        self.assertEqual(len(live_r), 10)      # greeting, 8 commands, the body's end
        self.assertEqual(live_r, rep_r)
        verdicts = [(r["command"], r["code"], r["verdict"]) for r in rep_r]
        self.assertIn(("VRFY nobody", 550, "failure"), verdicts)
        self.assertIn(("RCPT TO:<busy>", 450, "failure"), verdicts)

    def test_replay_text_shows_the_same_replies_and_readings(self):
        live = self.record_demo(["--no-color"])
        rep = run_smtpsh(["--replay", self.tr, "--no-color"])
        self.assertEqual(rep.returncode, 5, rep.stderr)

        def readings(text):
            return [l for l in text.decode().splitlines() if l[:2] in ("< ", "= ")]
        self.assertEqual(readings(live.stdout), readings(rep.stdout))
        self.assertGreater(len(readings(rep.stdout)), 18)
        # The body is passed over as recorded bytes, not re-sent.
        self.assertIn("[message body, ", rep.stdout.decode())

    def test_hostile_session_replays_with_the_same_crediting(self):
        """An unsolicited line, a reply split across writes, terminal escapes:
        the replay credits and escapes exactly as live did."""
        steps = [BANNER, {"expect": "EHLO"},
                 {"send": "250-fake.test\r\n"}, {"sleep": 0.1}, {"send": "250 PIPELINING\r\n"},
                 {"send": "421-surprise \x1b]0;owned\x07 \x1b[2J\r\n"}, {"sleep": 0.1},
                 {"expect": "NOOP"}, {"send": "421 surprise\r\n"}, {"close": "fin"}]
        with FakeServer(steps) as srv:
            live = run_smtpsh(["--json", "--transcript", self.tr, "-e", "ehlo x", "-e", "noop",
                               "127.0.0.1", str(srv.port)])
        rep = run_smtpsh(["--replay", self.tr, "--json"])
        self.assertEqual(comparable(json_records(live.stdout)), comparable(json_records(rep.stdout)))
        self.assertEqual(live.returncode, rep.returncode)
        text = run_smtpsh(["--replay", self.tr, "--no-color"])
        self.assertNotIn(b"\x1b", text.stdout)
        self.assertNotIn(b"\x07", text.stdout)
        self.assertIn(b"\\e]0;owned\\x07", text.stdout)

    def test_elapsed_times_are_the_recorded_ones(self):
        steps = [BANNER, {"expect": "NOOP"}, {"sleep": 0.6}, {"send": "250 slow\r\n"},
                 {"expect": "QUIT"}, {"send": "221 bye\r\n"}]
        with FakeServer(steps) as srv:
            run_smtpsh(["--transcript", self.tr, "-e", "noop", "127.0.0.1", str(srv.port)])
        rep = run_smtpsh(["--replay", self.tr, "--json"])
        noop = [r for r in json_records(rep.stdout) if r.get("command") == "NOOP"][0]
        self.assertGreaterEqual(noop["elapsed_ms"], 550)
        self.assertLess(noop["elapsed_ms"], 5000)

    def test_step_plays_one_command_per_enter_and_q_stops(self):
        self.record_demo()
        rep = run_smtpsh(["--replay", self.tr, "--step", "--no-color"], stdin_bytes=b"\n\n\nq\n")
        self.assertEqual(rep.returncode, 5, rep.stderr)    # VRFY nobody's 550 was played
        out = rep.stdout.decode()
        self.assertEqual(out.count("-- Enter: next command, q: stop --"), 4)
        self.assertIn("> EHLO x", out)
        self.assertIn("> VRFY nobody", out)
        self.assertNotIn("> MAIL", out)
        self.assertNotIn("closed", rep.stderr.decode())

    def test_appended_sessions_replay_one_after_another(self):
        """--transcript appends: a file holds several connections, the first
        ended by the QUIT smtpsh sends at a script's end; each replays on
        its own."""
        for cmds in (["-e", "vrfy alice"], ["-e", "expn staff", "-e", "quit"]):
            p = run_smtpsh(["--demo", "--transcript", self.tr] + cmds)
            self.assertEqual(p.returncode, 0, p.stderr)
        rep = run_smtpsh(["--replay", self.tr, "--json"])
        self.assertEqual(rep.returncode, 0, rep.stderr)
        got = [(r["origin"], r["code"]) for r in json_records(rep.stdout) if r["type"] == "reply"]
        self.assertEqual(got, [("greeting", 220), ("command", 250), ("command", 221),
                               ("greeting", 220), ("command", 250), ("command", 221)])

    def test_not_a_transcript_is_one_clear_line(self):
        bad = os.path.join(self.dir.name, "notes.txt")
        with open(bad, "w") as f:
            f.write("220 this is not a transcript\n")
        p = run_smtpsh(["--replay", bad])
        self.assertNotEqual(p.returncode, 0)
        err = p.stderr.decode().strip().splitlines()
        self.assertEqual(len(err), 1, err)
        self.assertRegex(err[0], r"notes\.txt.*line 1")
        p = run_smtpsh(["--replay", os.path.join(self.dir.name, "missing.log")])
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("No such file", p.stderr.decode())
        self.assertEqual(len(p.stderr.decode().strip().splitlines()), 1)


if __name__ == "__main__":
    unittest.main()
