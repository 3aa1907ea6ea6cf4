"""test_tui.py - the full-screen view (issue 13) in a real terminal: tmux
runs `smtpsh --demo --tui`, send-keys types, capture-pane reads the screen.
After each step the test asserts what is on the screen: the status bar
(row 0), the highlighted state in the diagram (reverse video), the
transcript; at 80x24 and 120x40 and after a resize; PgUp and search; `view`
back to line mode; TERM=dumb falling back to line mode; the terminal
given back (echo and canonical mode on) after Ctrl-D, SIGTERM and SIGSEGV
(or, under AddressSanitizer, ASan's report of the SIGSEGV);
and (issue 17) a storm of resizes down to 1x1 and up past 200x60 that the
view survives, with only "terminal too small" drawn below its minimum;
and a secret a server echoes shown masked in the view.
The capture in docs/full-screen-view.md is the one this test takes
(ports and times masked); SMTPSH_DOCS_UPDATE=1 rewrites it."""
import os
import re
import signal
import subprocess
import time
import unittest

from test_tty import SMTPSH, Pane, tmux

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
DOC = os.path.join(ROOT, "docs", "full-screen-view.md")


def masked(rows):
    out = []
    for r in rows:
        r = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", r)
        r = re.sub(r"port \d+", "port PORT", r)
        r = re.sub(r"rtt [0-9.]+ ms", "rtt N ms", r)
        out.append(r.rstrip())
    while out and out[-1] == "":
        out.pop()
    return out


# What the view draws, alone, when the terminal is below the size its
# layout needs (tui_int.h TUI_FIT_COLS x TUI_FIT_ROWS).
TOO_SMALL = "terminal too small"

# What starts a wrapped line's continuation rows (tui_wrap.c).
CONT = "\u21b3"

# Issue 17's storm: 40 sizes, from 1x1 and 15x2 (where a negative layout
# once killed the view in ncurses) up past 200x60, in an order that jumps
# both ways across the view's minimum.
STORM = [(80, 24), (15, 2), (1, 1), (120, 40), (2, 1), (40, 10), (15, 2), (200, 60),
         (1, 2), (51, 7), (50, 7), (51, 6), (80, 24), (1, 1), (30, 3), (160, 50),
         (15, 2), (100, 30), (3, 3), (52, 8), (10, 40), (250, 3), (1, 80), (81, 25),
         (15, 2), (60, 12), (5, 5), (220, 70), (1, 1), (79, 23), (31, 4), (120, 40),
         (15, 2), (45, 9), (2, 2), (90, 20), (25, 6), (200, 60), (15, 2), (1, 1)]


def process_state(pid):
    """The state letter of pid in /proc (R, S, Z...), or None when gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


def highlighted(row_escapes, word):
    """True when `word` is drawn in reverse video on this row."""
    m = re.search(r"\x1b\[([0-9;]*)m\s*" + re.escape(word), row_escapes)
    return m is not None and "7" in m.group(1).split(";")


class FullScreen(unittest.TestCase):
    def setUp(self):
        import tempfile
        self.home = tempfile.TemporaryDirectory(prefix="smtpsh-tui-")
        self.env = {"HOME": self.home.name, "XDG_STATE_HOME": self.home.name + "/state",
                    "TERM": "xterm-256color", "LANG": "C.UTF-8"}
        self.panes = []

    def tearDown(self):
        for p in self.panes:
            p.close()
        self.home.cleanup()

    def pane(self, command, cols, rows, **env):
        e = dict(self.env)
        e.update(env)
        p = Pane(f"u{os.getpid()}-{len(self.panes)}", command + "; stty -a | grep -o -- '-\\?icanon' ",
                 e, cols=cols, rows=rows)
        self.panes.append(p)
        return p

    def row(self, p, y, escapes=False):
        return p.visible(escapes)[y]

    def state_row(self, p, state):
        for r in p.visible(True):
            if re.search(r"\s" + state + r"\s", r) and "state:" not in r:
                return r
        return ""

    def walk(self, p, cols):
        p.wait_for("greeted |")
        self.assertTrue(self.row(p, 0).startswith(" greeted |"), self.row(p, 0))
        self.assertTrue(highlighted(self.state_row(p, "greeted"), "greeted"))
        self.assertIn("RFC 821 state diagram", p.screen())
        # The greeting line mode printed before the view is in the transcript.
        self.assertIn("< 220 demo.smtpsh.test", "\n".join(p.visible()))
        p.keys("ehlo client.example", "Enter")
        p.wait_for("ready |")
        self.assertTrue(highlighted(self.state_row(p, "ready"), "ready"))
        self.assertFalse(highlighted(self.state_row(p, "greeted"), "greeted"))
        p.keys("mail a@client.example", "Enter")
        p.wait_for("from: <a@client.example>")
        self.assertTrue(highlighted(self.state_row(p, "mail"), "mail"))
        screen = "\n".join(p.visible())
        self.assertIn("= success for MAIL; state: mail", screen)
        self.assertIn("allowed next:", screen)
        self.assertIn("RCPT", screen.split("allowed next:")[1])
        self.assertLessEqual(max(len(r) for r in p.visible()), cols)

    def test_a_421_is_shown_in_the_view_when_it_comes(self):
        # Issue 18: the view watches the session's socket too.
        import sys
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
        from harness import FakeServer
        steps = [{"send": "220 fake.test ESMTP\r\n"}, {"wait_go": True},
                 {"send": "421 4.3.2 going down now\r\n"}, {"close": "fin"}]
        with FakeServer(steps) as srv:
            p = self.pane(f"{SMTPSH} --tui 127.0.0.1 {srv.port}", 80, 24)
            p.wait_for("greeted |")
            srv.go()
            p.wait_for("421 4.3.2 going down now", timeout=10)
            p.wait_for("closed |")           # the status bar knows at once
            self.assertNotIn("EXITED=", p.screen())

    def test_80x24_then_resized_scrolled_searched_and_back_to_line_mode(self):
        p = self.pane(f"{SMTPSH} --demo --tui", 80, 24)
        self.walk(p, 80)
        p.resize(120, 40)
        p.wait_for("rtt")                  # the status bar is wide enough now
        rows = p.visible()
        self.assertEqual(len([r for r in rows]), 40)
        self.assertIn("from: <a@client.example>", rows[0])
        self.assertTrue(highlighted(self.state_row(p, "mail"), "mail"))
        # More than the pane holds (PgUp goes no further back than the top).
        p.keys("help", "Enter")
        p.wait_for("success for HELP")
        p.keys("PPage")
        p.wait_for("[scrolled back")
        p.keys("NPage")
        p.wait_for("PgUp/PgDn scroll")
        p.keys("/Service ready", "Enter")
        p.wait_for("match 2 of 2")            # the 220 and its meaning, lowest first
        self.assertTrue(any("Service ready" in r for r in p.visible()))
        p.keys("view", "Enter")
        p.wait_for("line mode (view: the full-screen view)")
        p.keys("state", "Enter")
        p.wait_for("state: mail")
        p.keys("C-d")
        s = p.wait_for("EXITED=")
        self.assertIn("EXITED=0", s)
        self.assertNotIn("-icanon", s)       # the terminal was given back

    def transcript_text(self, p, cols):
        """The transcript pane's rows (left of the diagram) joined into one
        text: continuation rows lose their marker, so a wrapped line reads
        whole again (words separated by one space)."""
        width = cols - 31 if cols < 100 else cols - 35
        words = []
        for r in p.visible()[1:-2]:
            part = r[:width].strip()
            if part.startswith(CONT):
                part = part[len(CONT):]
            words.extend(part.split())
        return " ".join(words)

    def test_a_long_reply_wraps_whole_at_80x24(self):
        """Issue 21: a line wider than the transcript pane is wrapped, with
        continuation rows marked, not cut at the diagram."""
        p = self.pane(f"{SMTPSH} --demo --tui", 80, 24)
        p.wait_for("greeted |")
        p.keys("vrfy erin", "Enter")
        p.wait_for("failure for VRFY")
        text = self.transcript_text(p, 80)
        self.assertIn("< 551 User not local; please try <erin@elsewhere.example>", text)
        self.assertTrue(any(r.lstrip().startswith(CONT) for r in p.visible()), p.screen())
        self.assertLessEqual(max(len(r) for r in p.visible()), 80)
        # PgUp and PgDn move by screen rows: back and forth lands where it was.
        bottom = p.visible()[1:-2]
        p.keys("PPage")
        p.wait_for("[scrolled back")
        p.keys("NPage")
        p.wait_for("PgUp/PgDn scroll")
        self.assertEqual(p.visible()[1:-2], bottom)

    def test_search_whole_transcript_ignoring_case_with_n_and_N(self):
        """Issue 21: /TEXT searches the whole transcript whatever the scroll
        position, ignoring case; n and N (on an empty line, right after a
        search) go to the next and previous match, wrapping around; the
        hint says which match is shown."""
        p = self.pane(f"{SMTPSH} --demo --tui", 80, 24)
        p.wait_for("greeted |")
        for _ in range(2):
            p.keys("noop", "Enter")
            p.wait_for("success for NOOP")
        p.keys("/SUCCESS FOR noop", "Enter")      # on screen, other case
        p.wait_for("match 2 of 2")
        p.keys("n")
        p.wait_for("match 1 of 2")
        p.keys("n")
        p.wait_for("match 2 of 2")                # wrapped around
        p.keys("N")
        p.wait_for("match 1 of 2")
        # Scrolled back, a search still finds what is below.
        p.keys("Escape", "PPage")
        p.wait_for("[scrolled back")
        p.keys("/state: greeted", "Enter")
        p.wait_for(" of 3")                       # the greeting and two NOOPs
        # Any other key leaves the search: a command starting with n types.
        p.keys("Escape")
        p.keys("noop", "Enter")
        p.wait_for("success for NOOP")
        # Without Esc too: noop typed right after a search is noop (its n
        # stepped to a match; the o takes the step back and types the n).
        p.keys("/success for noop", "Enter")
        p.wait_for("match 3 of 3")
        p.keys("noop", "Enter")
        s = p.wait_for("success for NOOP")
        self.assertNotIn("oop: unknown", s)
        self.assertEqual(s.count("> NOOP"), 4, s)

    def test_a_failed_search_is_not_found_by_the_next(self):
        p = self.pane(f"{SMTPSH} --demo --tui", 80, 24)
        p.wait_for("greeted |")
        p.keys("/zzqx", "Enter")
        p.wait_for('"zzqx" is not in the transcript')
        p.keys("/is not in the transcript", "Enter")
        p.wait_for('"is not in the transcript" is not in the transcript')
        self.assertNotIn("zzqx", "\n".join(p.visible()[1:-2]))

    def test_replay_steps_in_the_view(self):
        """Issue 21: --replay FILE --tui was played in line mode as if --tui
        had not been given; now the view plays it, one command per Enter,
        the diagram lit as the replayed replies lead, q stops, q leaves."""
        from harness import run_smtpsh
        tr = os.path.join(self.home.name, "session.log")
        live = run_smtpsh(["--demo", "--transcript", tr],
                          stdin_bytes=b"ehlo x\nvrfy erin\nmail a@b.example\nrcpt alice\nquit\n")
        self.assertEqual(live.returncode, 5, live.stderr)
        p = self.pane(f"{SMTPSH} --replay {tr} --tui", 80, 24)
        p.wait_for("replay in the full-screen view")
        p.wait_for("greeted |")
        self.assertTrue(highlighted(self.state_row(p, "greeted"), "greeted"))
        self.assertNotIn("EHLO x", p.screen())            # not played yet
        p.keys("Enter")
        p.wait_for("ready |")
        self.assertTrue(highlighted(self.state_row(p, "ready"), "ready"))
        p.keys("Enter")
        p.wait_for("failure for VRFY")
        self.assertIn("< 551 User not local; please try <erin@elsewhere.example>",
                      self.transcript_text(p, 80))
        p.keys("Enter")
        p.wait_for("mail |")
        self.assertTrue(highlighted(self.state_row(p, "mail"), "mail"))
        p.keys("/ERIN@ELSEWHERE", "Enter")                # search works meanwhile
        p.wait_for("match 1 of 1")
        p.keys("Escape", "q", "Enter")
        p.wait_for("the replay is over")
        self.assertNotIn("RCPT TO:<alice>", p.screen())    # stopped before it
        p.keys("q", "Enter")
        s = p.wait_for("EXITED=")
        self.assertNotIn("-icanon", s)

    def smtpsh_pid(self):
        return int(subprocess.run(["pgrep", "-n", "-f", f"{SMTPSH} --demo --tui"],
                                  stdout=subprocess.PIPE).stdout.split()[0])

    def wait_alive_for(self, p, pid, text, timeout=10):
        """Wait for a new occurrence of text, failing at once, with the exit
        status the pane printed, if the view died instead."""
        had = p.before.count(text)
        deadline = time.time() + timeout
        while time.time() < deadline:
            s = p.screen()
            if s.count(text) > had:
                return s
            if "EXITED=" in s or process_state(pid) in (None, "Z"):
                self.fail(f"the view died while waiting for {text!r} "
                          f"(EXITED=139 is SIGSEGV):\n{p.screen()}")
            time.sleep(0.05)
        self.fail(f"no new {text!r} on screen after {timeout}s:\n{p.screen()}")

    def test_resize_storm_down_to_1x1_and_back(self):
        p = self.pane(f"{SMTPSH} --demo --tui", 80, 24)
        p.wait_for("greeted |")
        pid = self.smtpsh_pid()
        for cols, rows in STORM:
            p.resize(cols, rows)
        # The last of the storm was 1x1; 20x4 is below the minimum too: the
        # view has caught up with the storm once it says so.
        p.resize(20, 4)
        self.wait_alive_for(p, pid, TOO_SMALL)
        self.assertNotIn(process_state(pid), (None, "Z"))
        p.resize(80, 24)
        self.wait_alive_for(p, pid, "greeted |")
        self.assertTrue(self.row(p, 0).startswith(" greeted |"), self.row(p, 0))
        self.assertNotIn(TOO_SMALL, p.screen())
        self.assertTrue(highlighted(self.state_row(p, "greeted"), "greeted"))
        p.keys("noop", "Enter")
        self.wait_alive_for(p, pid, "success for NOOP")
        self.assertLessEqual(max(len(r) for r in p.visible()), 80)
        p.keys("C-d")
        s = p.wait_for("EXITED=")
        self.assertIn("EXITED=0", s)
        self.assertNotIn("-icanon", s)

    def test_too_small_says_so_and_keeps_the_session(self):
        p = self.pane(f"{SMTPSH} --demo --tui", 80, 24)
        p.wait_for("greeted |")
        pid = self.smtpsh_pid()
        p.resize(20, 5)
        self.wait_alive_for(p, pid, TOO_SMALL)
        rows = p.visible()
        self.assertEqual(len(rows), 5)
        self.assertLessEqual(max(len(r) for r in rows), 20)
        self.assertNotIn("RFC 821", "\n".join(rows))    # no window but the notice
        self.assertNotIn("greeted |", "\n".join(rows))
        # Typing goes on while the view cannot show it: the line runs.
        p.keys("noop", "Enter")
        p.resize(80, 24)
        self.wait_alive_for(p, pid, "success for NOOP")
        self.assertTrue(self.row(p, 0).startswith(" greeted |"), self.row(p, 0))
        self.assertNotIn(TOO_SMALL, p.screen())

    def test_a_crash_gives_the_terminal_back_or_the_sanitizer_reports_it(self):
        """SIGSEGV: the view's handler gives the terminal back and the
        process dies by the signal (139); under AddressSanitizer the view
        leaves SIGSEGV to ASan, whose report must appear."""
        with open(SMTPSH, "rb") as f:
            asan = b"AddressSanitizer" in f.read()
        err = os.path.join(self.home.name, "stderr")
        p = self.pane(f"{SMTPSH} --demo --tui 2>{err}; echo STATUS=$?", 80, 24)
        p.wait_for("greeted |")
        os.kill(self.smtpsh_pid(), signal.SIGSEGV)
        s = p.wait_for("EXITED=")
        if asan:
            with open(err, errors="replace") as f:
                report = f.read()
            self.assertIn("AddressSanitizer: SEGV", report)
        else:
            self.assertIn("STATUS=139", s)       # 128 + SIGSEGV: died by it
            self.assertNotIn("-icanon", s)       # the terminal was given back

    def test_120x40_and_capture_for_the_docs(self):
        p = self.pane(f"{SMTPSH} --demo --tui", 120, 40)
        self.walk(p, 120)
        p.keys("rcpt alice", "Enter")
        p.wait_for("rcpts: 1")
        self.assertTrue(highlighted(self.state_row(p, "rcpt"), "rcpt"))
        got = masked(p.visible())
        doc = ["# The full-screen view", "",
               "`smtpsh --demo --tui` at 120x40 after `ehlo client.example`,",
               "`mail a@client.example` and `rcpt alice`, as `test/tty/test_tui.py` captures it",
               "(ports and times masked; `SMTPSH_DOCS_UPDATE=1` rewrites this file). The",
               "current state is drawn in reverse video on a terminal.", "", "```"] + got + ["```", "",
               "A line wider than the transcript pane wraps: its further rows start with",
               "`↳ ` (`+ ` when the terminal's character set is not UTF-8), and PgUp/PgDn",
               "scroll by screen rows. `/TEXT` searches the whole transcript, ignoring",
               "case, from the lowest line on screen up and round; right after it, `n` and",
               "`N` on an empty line go to the next and the previous match, and the hint",
               "row says `match K of N` (or that the text is not there: nothing a search",
               "says goes into the transcript). Any other key, Esc included, goes back to",
               "typing. `smtpsh --replay FILE --tui` plays a `--transcript` file in the",
               "view: one command per Enter, the diagram lit as the replayed replies",
               "lead, `q` stops; once it is over the view stays until `q` or Ctrl-D.", ""]
        text = "\n".join(doc)
        if os.environ.get("SMTPSH_DOCS_UPDATE") == "1":
            with open(DOC, "w") as f:
                f.write(text)
        with open(DOC) as f:
            self.assertEqual(f.read(), text, "docs/full-screen-view.md is stale: rerun the tty "
                             "suite with SMTPSH_DOCS_UPDATE=1")
        p.keys("quit", "Enter")
        p.wait_for("closed |")

    def test_an_echoed_secret_is_masked_in_the_view(self):
        """Issue 17: the full-screen view shows replies as the session hands
        them out, so a server echoing SMTPSH_PASSWORD shows <secret>."""
        from harness import BANNER, FakeServer
        secret = "tui-hunter2-Pa55"
        steps = [BANNER, {"expect": "NOOP"}, {"send": f"250 2.0.0 ok {secret}\r\n"},
                 {"drain": True}]
        with FakeServer(steps) as srv:
            p = self.pane(f"{SMTPSH} --tui 127.0.0.1 {srv.port}", 80, 24, SMTPSH_PASSWORD=secret)
            p.wait_for("greeted |")
            p.keys("noop", "Enter")
            screen = p.wait_for("250 2.0.0 ok")
            p.keys("C-d")
            srv.stop()
        self.assertIn("250 2.0.0 ok <secret>", screen)
        self.assertNotIn(secret, screen)

    def test_sigterm_gives_the_terminal_back(self):
        p = self.pane(f"{SMTPSH} --demo --tui", 80, 24)
        p.wait_for("greeted |")
        pid = int(subprocess.run(["pgrep", "-n", "-f", f"{SMTPSH} --demo --tui"],
                                 stdout=subprocess.PIPE).stdout.split()[0])
        os.kill(pid, signal.SIGTERM)
        s = p.wait_for("EXITED=")
        self.assertNotIn("-icanon", s)

    def test_the_whole_tour_in_a_terminal(self):
        sys_path = os.path.join(ROOT, "test", "integration")
        import sys
        sys.path.insert(0, sys_path)
        from test_tutorial import STEPS
        # The AUTH step: the demo password from SMTPSH_PASSWORD, as the
        # tutorial gives it (a terminal would otherwise be asked).
        p = self.pane(f"{SMTPSH} --demo --tour", 120, 40, SMTPSH_PASSWORD="wonderland")
        n = len(STEPS)
        p.wait_for(f"--- tour 1/{n}: ")
        for i, typed in enumerate(STEPS, 1):
            if i == 3:                    # off the path: fine, the tour waits
                p.keys("noop", "Enter")
                p.wait_for("success for NOOP")
                self.assertNotIn(f"tour 3/{n} done", p.screen())
            for line in typed:
                p.keys(line, "Enter") if line else p.keys("Enter")
            p.wait_for(f"--- tour {i}/{n} done")
        p.wait_for("the tour is over")
        p.keys("C-d")
        p.wait_for("EXITED=")

    def test_in_russian(self):
        """LANG=ru_RU.UTF-8: the labels, the diagram's title and the verdicts
        in Russian, whole characters, within the width."""
        import tempfile
        loc = tempfile.TemporaryDirectory(prefix="smtpsh-loc-")
        self.addCleanup(loc.cleanup)
        subprocess.run(["localedef", "-i", "ru_RU", "-f", "UTF-8", loc.name + "/ru_RU.UTF-8"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        p = self.pane(f"{SMTPSH} --demo --tui", 80, 24, LANG="ru_RU.UTF-8", LOCPATH=loc.name,
                      SMTPSH_LOCALEDIR=os.environ["SMTPSH_LOCALEDIR"])
        p.wait_for("greeted |")
        self.assertIn("| от: - | получ.: 0 |", self.row(p, 0))
        self.assertIn("Диаграмма состояний RFC 821", p.screen())
        p.keys("vrfy nobody", "Enter")
        p.wait_for("= отказ для VRFY; состояние: greeted")
        self.assertIn("допустимо дальше:", p.screen())
        self.assertNotIn("\ufffd", p.screen())
        self.assertLessEqual(max(len(r) for r in p.visible()), 80)

    def test_dumb_terminal_falls_back_to_line_mode(self):
        p = self.pane(f"{SMTPSH} --demo --tui", 80, 24, TERM="dumb")
        p.wait_for("no full-screen view with TERM=dumb: line mode")
        p.wait_for("[greeted]>")
        p.keys("noop", "Enter")
        p.wait_for("< 250")


if __name__ == "__main__":
    unittest.main()
