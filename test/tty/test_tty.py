"""test_tty.py - the interactive shell in a real terminal: tmux runs smtpsh,
send-keys types, capture-pane reads the screen, and every step waits for
what it expects with a deadline (no fixed sleeps).  Covers the banner and
prompt, Tab completion, Up recalling history, the `data` body mode, colour
on a tty and none with NO_COLOR, Ctrl-C abandoning a slow wait without
leaving the shell, and Ctrl-D leaving with the history saved (mode 0600)."""
import os
import shlex
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from harness import SMTPSH, FakeDNS, FakeServer, BANNER  # noqa: E402


def tmux(*args, check=True):
    return subprocess.run(["tmux", "-L", "smtpsh-test"] + list(args), check=check,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)


class Pane:
    def __init__(self, name, command, env, cols=160, rows=60):
        self.name = name
        # The screen as it was before the last keys(): wait_for() wants text
        # that appeared since then, not text already there.
        self.before = ""
        envs = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        tmux("new-session", "-d", "-s", name, "-x", str(cols), "-y", str(rows),
             f"env {envs} {command}; echo EXITED=$?; sleep 30")

    def screen(self, escapes=False):
        args = ["capture-pane", "-p", "-t", self.name, "-S", "-200"]
        if escapes:
            args.insert(1, "-e")
        return tmux(*args).stdout.decode("utf-8", "replace")

    def visible(self, escapes=False):
        """What is on the screen now, row by row (no scrollback)."""
        args = ["capture-pane", "-p", "-t", self.name]
        if escapes:
            args.insert(1, "-e")
        rows = tmux(*args).stdout.decode("utf-8", "replace").split("\n")
        return rows[:-1] if rows and rows[-1] == "" else rows

    def resize(self, cols, rows):
        self.before = self.screen()
        tmux("resize-window", "-t", self.name, "-x", str(cols), "-y", str(rows))

    def wait_for(self, text, timeout=10):
        """Wait until text is on the screen more often than it was before
        the last keys(): a new occurrence, caused by what was typed."""
        had = self.before.count(text)
        deadline = time.time() + timeout
        while time.time() < deadline:
            s = self.screen()
            if s.count(text) > had:
                return s
            time.sleep(0.05)
        raise AssertionError(f"no new {text!r} on screen after {timeout}s "
                             f"(it was there {had} times before the last keys):\n{self.screen()}")

    def keys(self, *keys):
        self.before = self.screen()
        tmux("send-keys", "-t", self.name, *keys)

    def close(self):
        """End the session and wait until every process of the pane is gone
        (smtpsh saves its history on the SIGHUP: the home directory is
        removed only after that)."""
        r = tmux("display-message", "-p", "-t", self.name, "#{pane_pid}", check=False)
        sid = r.stdout.decode().strip()
        tmux("kill-session", "-t", self.name, check=False)
        if not sid.isdigit():
            return
        deadline = time.time() + 10
        while time.time() < deadline and session_processes(int(sid)):
            time.sleep(0.02)
        # Under AddressSanitizer, LeakSanitizer's stop-the-world at exit can
        # hang when the pane's second SIGHUP reaches it mid-scan (seen once:
        # smtpsh spinning in LSan's thread lister for 40 minutes, its
        # tracer asleep).  Nothing is left running to slow the next tests.
        for pid in session_processes(int(sid)):
            sys.stderr.write(f"tty test: pid {pid} of pane {self.name} outlived it by 10 s; killed\n")
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


def session_processes(sid):
    """The live processes of session sid (a pane's processes)."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] != "Z":
            found.append(int(pid))
    return found


@unittest.skipIf(shutil.which("tmux") is None and not os.environ.get("SMTPSH_REQUIRE_REAL_SERVERS"),
                 "tmux is not installed")
class Terminal(unittest.TestCase):
    def setUp(self):
        self.home = tempfile.TemporaryDirectory(prefix="smtpsh-tty-")
        self.env = {"HOME": self.home.name, "XDG_STATE_HOME": self.home.name + "/state",
                    "TERM": "xterm-256color", "LANG": "C.UTF-8",
                    # Long output goes through $PAGER (default less); a test
                    # that wants it says so.
                    "PAGER": "cat"}
        self.panes = []

    def tearDown(self):
        for p in self.panes:
            p.close()
        self.home.cleanup()

    def pane(self, command, **env):
        e = dict(self.env)
        e.update(env)
        p = Pane(f"t{os.getpid()}-{len(self.panes)}", command, e)
        self.panes.append(p)
        return p

    def test_long_output_goes_through_the_pager(self):
        """Issue 19: in the interactive shell a record longer than the
        screen (`?`) goes through $PAGER, as git does; --no-pager and
        PAGER=cat write it straight."""
        paged = os.path.join(self.home.name, "paged.txt")
        pager = f"sh -c 'cat > {paged}; echo PAGER-RAN'"
        p = self.pane(f"{SMTPSH} --demo --no-color", PAGER=pager)
        p.wait_for("[greeted]>")
        p.resize(80, 20)
        p.keys("?", "Enter")
        p.wait_for("PAGER-RAN")
        with open(paged) as f:
            text = f.read()
        self.assertIn("VRFY", text)
        self.assertGreater(text.count("\n"), 20)
        p.keys("state", "Enter")                   # short: not paged
        p.wait_for("RFC 821 allows now:")
        q = self.pane(f"{SMTPSH} --demo --no-color --no-pager", PAGER=pager)
        q.wait_for("[greeted]>")
        q.resize(80, 20)
        q.keys("?", "Enter")
        q.wait_for("[greeted]>")
        self.assertNotIn("PAGER-RAN", q.screen())
        with open(paged) as f:
            self.assertEqual(f.read(), text)        # the pager did not run again

    def test_lookup_table_fits_the_terminal(self):
        """Issue 19: a lookup table shown on a terminal is cut to its width,
        each cut row ending in an ellipsis; CSV keeps every byte."""
        long = "averyveryverylongname" + "x" * 40
        p = self.pane(f"{SMTPSH} --demo --no-color", LANG="C.UTF-8")
        p.wait_for("[greeted]>")
        p.resize(60, 30)
        p.keys(f"lookup --method vrfy {long} dave", "Enter")
        p.wait_for("2 names:")
        rows = [l for l in p.visible() if l.startswith(("averyvery", "dave"))]
        self.assertEqual(len(rows), 2, p.visible())
        for row in rows:
            self.assertLessEqual(len(row.rstrip()), 60, row)
        for row in rows:                   # both wider than 60: cut, not wrapped
            self.assertTrue(row.rstrip().endswith("\u2026"), row)
        p.keys(f"lookup --csv --method vrfy {long}", "Enter")
        p.wait_for("1 name:")
        screen = p.screen()
        self.assertIn(long, screen.replace("\n", ""))   # CSV whole (the terminal wraps it)
        # The progress bar fitted one line, so it was cleared whole.
        self.assertNotIn("[####", screen)

    def test_demo_session(self):
        p = self.pane(f"{SMTPSH} --demo")
        p.wait_for("< 220 demo.smtpsh.test")
        p.wait_for("smtpsh 127.0.0.1:")
        p.wait_for("[greeted]>")
        # Tab completes a verb.
        p.keys("vr", "Tab")
        p.wait_for("[greeted]> vrfy")     # completed, with a space after it
        p.keys("alice", "Enter")
        p.wait_for("< 250 Alice Example")
        # Colour on a tty: the reply line is drawn with an SGR colour.
        s = p.screen(escapes=True)
        self.assertIn("\x1b[", s.split("< 250 Alice Example")[0][-40:] + s)
        self.assertRegex(s, "\x1b\\[3[0-9]m< 250 Alice Example|\x1b\\[38;5;[0-9]+m< 250 Alice")
        # Up recalls the last line.
        p.keys("Up")
        p.wait_for("[greeted]> vrfy alice")
        p.keys("C-u")
        # The data body mode.
        for line in ("helo client.example", "mail a@client.example", "rcpt alice", "data"):
            p.keys(line, "Enter")
        p.wait_for("data>")
        p.keys("Subject: tty", "Enter", ".dot line", "Enter", ".", "Enter")
        p.wait_for("< 250 Requested mail action okay, completed:")
        p.wait_for("[ready]>")
        p.keys("mailbox alice", "Enter")
        p.wait_for(".dot line")
        # Ctrl-D leaves; the history is saved with mode 0600.
        p.keys("C-d")
        p.wait_for("EXITED=")
        hist = os.path.join(self.home.name, "state", "smtpsh", "history")
        self.assertTrue(os.path.exists(hist), p.screen())
        self.assertEqual(stat.S_IMODE(os.stat(hist).st_mode), 0o600)
        with open(hist) as f:
            h = f.read()
        self.assertIn("vrfy alice", h)
        self.assertNotIn("Subject: tty", h)      # body lines are not commands

    def test_history_saved_on_sigterm_and_sighup(self):
        for sig in ("TERM", "HUP"):
            hist = os.path.join(self.home.name, "state", "smtpsh", "history")
            if os.path.exists(hist):
                os.unlink(hist)
            p = self.pane(f"{SMTPSH} --demo")
            p.wait_for("[greeted]>")
            p.keys(f"vrfy bob-{sig}", "Enter")
            p.wait_for("= failure for VRFY")
            pane_pid = tmux("display", "-p", "-t", p.name, "#{pane_pid}").stdout.decode().strip()
            pid = subprocess.run(["pgrep", "-P", pane_pid, "-f", "smtpsh"],
                                 stdout=subprocess.PIPE).stdout.decode().split()
            self.assertTrue(pid, "smtpsh not found")
            subprocess.run(["kill", f"-{sig}", pid[0]], check=True)
            p.wait_for("EXITED=")
            with open(hist) as f:
                self.assertIn(f"vrfy bob-{sig}", f.read())
            self.assertEqual(stat.S_IMODE(os.stat(hist).st_mode), 0o600)

    def test_auth_never_enters_history(self):
        p = self.pane(f"{SMTPSH} --demo", SMTPSH_PASSWORD="hunter2-secret")
        p.wait_for("[greeted]>")
        p.keys("noop", "Enter")
        p.wait_for("< 250 ")
        p.keys("auth plain tim", "Enter")
        p.wait_for("[y/N]")              # no TLS: the shell asks first
        p.keys("n", "Enter")
        p.wait_for("not sent")
        p.keys("C-d")
        p.wait_for("EXITED=")
        hist = os.path.join(self.home.name, "state", "smtpsh", "history")
        with open(hist) as f:
            h = f.read()
        self.assertIn("noop", h)
        self.assertNotIn("auth", h.lower())
        self.assertNotIn("hunter2", p.screen())

    def test_no_color(self):
        p = self.pane(f"{SMTPSH} --demo", NO_COLOR="1")
        p.wait_for("[greeted]>")
        p.keys("noop", "Enter")
        p.wait_for("< 250 ")
        s = p.screen(escapes=True)
        line = [l for l in s.splitlines() if "< 250 " in l][0]
        self.assertNotIn("\x1b[3", line)

    def test_without_readline_the_shell_still_reads_lines(self):
        # Issue 20: Readline is loaded when the prompt is first drawn; when
        # it cannot be, the shell says so once and reads plain lines.
        p = self.pane(f"{SMTPSH} --demo --no-color",
                      SMTPSH_LIBREADLINE="/nonexistent/libreadline.so.8")
        s = p.wait_for("reading lines without editing")
        self.assertIn("the interactive prompt needs GNU Readline", s)
        p.keys("vrfy alice", "Enter")
        p.wait_for("< 250 ")
        p.keys("quit", "Enter")
        p.wait_for("< 221")

    def test_bare_smtpsh_says_how_to_begin(self):
        # Issue 19: a bare `smtpsh` started at "(not connected)>" with no
        # hint of open.
        p = self.pane(f"{SMTPSH} --no-color")
        s = p.wait_for("(not connected)>")
        self.assertIn("not connected: open HOST [PORT]", s)
        self.assertLess(s.index("not connected: open"), s.index("(not connected)>"))

    def test_a_421_at_the_prompt_is_shown_at_once(self):
        # Issue 18: the shell watches the socket while the user types; a 421
        # (then a close) is shown when it comes, with its meaning, and the
        # half-typed line is drawn again below it.
        steps = [BANNER, {"wait_go": True},
                 {"send": "421 4.3.2 going down for maintenance\r\n"}, {"close": "fin"}]
        with FakeServer(steps) as srv:
            p = self.pane(f"{SMTPSH} --no-color 127.0.0.1 {srv.port}")
            p.wait_for("[greeted]>")
            p.keys("vrfy al")
            p.wait_for("vrfy al")
            srv.go()
            s = p.wait_for("< 421 4.3.2 going down for maintenance", timeout=10)
            # The typed text is still there, on the new prompt, after the
            # reply: drawn right after it (a separate write, so a slow run --
            # ASan -- may show the reply a moment before the prompt).
            deadline = time.time() + 5
            while True:
                last = [l for l in s.splitlines() if l.strip()][-1]
                if last.endswith("vrfy al") or time.time() > deadline:
                    break
                time.sleep(0.05)
                s = p.screen()
            self.assertIn("Service not available", s)
            self.assertTrue(last.endswith("vrfy al"), s)
            self.assertNotIn("EXITED=", s)

    def test_exit_and_ctrl_d_leave_politely(self):
        # Issue 19: exit and Ctrl-D send QUIT and show the 221, as swaks
        # does; Ctrl-D no longer draws the prompt a second time.
        for key in (("exit", "Enter"), ("C-d",)):
            with self.subTest(key=key):
                steps = [BANNER, {"expect": "NOOP"}, {"send": "250 ok\r\n"},
                         {"expect": "QUIT"}, {"send": "221 bye now\r\n"}]
                with FakeServer(steps) as srv:
                    p = self.pane(f"{SMTPSH} --no-color 127.0.0.1 {srv.port}")
                    p.wait_for("[greeted]>")
                    p.keys("noop", "Enter")
                    p.wait_for("< 250 ok")
                    p.keys(*key)
                    p.wait_for("EXITED=0")
                    wire = srv.received()
                    self.assertNotIn("expected", srv.stderr)
                self.assertEqual(wire, b"NOOP\r\nQUIT\r\n")
                s = p.screen()
                self.assertIn("< 221 bye now", s)
                # One prompt from the banner, one after NOOP: none after Ctrl-D.
                self.assertEqual(s.count("[greeted]>"), 2, s)

    def test_ctrl_c_abandons_a_slow_wait(self):
        steps = [BANNER, {"expect": "NOOP"}, {"sleep": 20}]
        with FakeServer(steps) as srv:
            p = self.pane(f"{SMTPSH} 127.0.0.1 {srv.port}")
            p.wait_for("[greeted]>")
            p.keys("noop", "Enter")
            p.wait_for("> NOOP")
            t0 = time.time()
            p.keys("C-c")
            p.wait_for("abandoned", timeout=5)
            self.assertLess(time.time() - t0, 5)
            p.wait_for("[greeted]>")
            p.keys("state", "Enter")
            p.wait_for("state: greeted")     # the shell is still alive
            # Ctrl-C at the prompt abandons the line, not the shell.
            p.keys("vrfy half-typed")
            # Seen before Ctrl-C: the terminal flushes input not yet read
            # when it sends SIGINT (no NOFLSH), so text typed and Ctrl-C
            # sent in one go may never reach the screen.
            p.wait_for("vrfy half-typed")
            p.keys("C-c")
            p.keys("state", "Enter")
            p.wait_for("state: greeted")     # a second time: a new answer
            # Issue 19: "^C" follows the abandoned text; it used to be drawn
            # over the prompt's first characters.
            self.assertIn("[greeted]> vrfy half-typed^C", p.screen())
            self.assertNotIn("half-typed", p.screen().split("vrfy half-typed", 1)[1])
            self.assertNotIn("EXITED=", p.screen())

    def test_late_reply_credited_to_its_command(self):
        # Issue 9: NOOP answered after a Ctrl-C must not be credited to the
        # VRFY typed next; smtpsh waits for it first and says whose it is.
        with tempfile.TemporaryDirectory() as d:
            go = os.path.join(d, "go")
            steps = [BANNER, {"expect": "NOOP"}, {"wait_file": go}, {"send": "250 late noop\r\n"},
                     {"expect": "VRFY"}, {"send": "252 the vrfy answer\r\n"}, {"drain": True}]
            with FakeServer(steps) as srv:
                p = self.pane(f"{SMTPSH} --no-color 127.0.0.1 {srv.port}")
                p.wait_for("[greeted]>")
                p.keys("noop", "Enter")
                p.wait_for("> NOOP")
                p.keys("C-c")
                p.wait_for("abandoned")
                p.keys("vrfy bob", "Enter")
                p.wait_for("waiting for the late reply to NOOP")
                self.assertNotIn("> VRFY", p.screen())      # nothing sent meanwhile
                open(go, "w").close()
                s = p.wait_for("< 252 the vrfy answer")
                p.keys("C-d")
                p.wait_for("EXITED=")
            self.assertIn("late reply to NOOP", s)
            late = s.split("< 250 late noop", 1)[1].split("> VRFY", 1)[0]
            self.assertIn("success for NOOP (late)", late)
            self.assertNotIn("VRFY", late)
            vrfy = s.split("< 252 the vrfy answer", 1)[1]
            self.assertIn("for VRFY", vrfy.splitlines()[2])

    def test_second_ctrl_c_offers_to_drop(self):
        with tempfile.TemporaryDirectory() as d:
            never = os.path.join(d, "never")
            steps = [BANNER, {"expect": "NOOP"}, {"wait_file": never}]
            with FakeServer(steps) as srv:
                p = self.pane(f"{SMTPSH} --no-color 127.0.0.1 {srv.port}")
                p.wait_for("[greeted]>")
                p.keys("noop", "Enter")
                p.wait_for("> NOOP")
                p.keys("C-c")
                p.wait_for("abandoned")
                p.keys("vrfy bob", "Enter")
                p.wait_for("waiting for the late reply to NOOP")
                p.keys("C-c")
                p.wait_for("Drop the connection? [y/N]")
                p.keys("y", "Enter")
                p.wait_for("connection dropped")
                p.wait_for("(not connected)>")
                open(never, "w").close()
                wire = srv.received()
            self.assertEqual(wire, b"NOOP\r\n")     # the VRFY was never sent

    def test_auth_responses_neither_echoed_nor_saved(self):
        user_b64, pass_b64 = "dXNlcm5hbWU=", "c2VjcmV0cGFzcw=="
        steps = [BANNER, {"expect": "AUTH LOGIN"}, {"send": "334 VXNlcm5hbWU6\r\n"},
                 {"read_line": True}, {"send": "334 UGFzc3dvcmQ6\r\n"},
                 {"read_line": True}, {"send": "235 2.7.0 ok\r\n"}, {"drain": True}]
        with FakeServer(steps) as srv:
            p = self.pane(f"{SMTPSH} --no-color 127.0.0.1 {srv.port}")
            p.wait_for("[greeted]>")
            p.keys("raw AUTH LOGIN", "Enter")
            p.wait_for("not echoed")
            p.keys(user_b64, "Enter")
            p.wait_for("< 334 UGFzc3dvcmQ6")
            p.keys(pass_b64, "Enter")
            p.wait_for("< 235 2.7.0 ok")
            # A line that does not even tokenize is still kept out of history.
            p.keys('auth plain "tim', "Enter")
            p.wait_for("unterminated")
            p.keys("C-d")
            s = p.wait_for("EXITED=")
            wire = srv.received()
        self.assertIn((user_b64 + "\r\n" + pass_b64 + "\r\n").encode(), wire)
        self.assertNotIn(user_b64, s)
        self.assertNotIn(pass_b64, s)
        self.assertIn("<secret>", s)
        hist = os.path.join(self.home.name, "state", "smtpsh", "history")
        with open(hist) as f:
            h = f.read()
        self.assertNotIn(user_b64, h)
        self.assertNotIn(pass_b64, h)
        self.assertNotIn('"tim', h)
        self.assertNotIn("auth", h.lower())

    def test_raw_auth_responses_echoed_by_the_server_are_masked(self):
        """The lines typed at the challenges of `raw AUTH LOGIN` are secrets
        smtpsh holds for the exchange: a server that echoes one, or the
        password it decodes to, has it masked on the screen."""
        user_b64, pass_b64 = "dXNlcm5hbWU=", "c2VjcmV0cGFzcw=="
        steps = [BANNER, {"expect": "AUTH LOGIN"}, {"send": "334 VXNlcm5hbWU6\r\n"},
                 {"read_line": True}, {"send": "334 UGFzc3dvcmQ6\r\n"}, {"read_line": True},
                 {"send": f"535 5.7.8 you sent {pass_b64}, that is secretpass\r\n"},
                 {"drain": True}]
        with FakeServer(steps) as srv:
            p = self.pane(f"{SMTPSH} --no-color 127.0.0.1 {srv.port}")
            p.wait_for("[greeted]>")
            p.keys("raw AUTH LOGIN", "Enter")
            p.wait_for("not echoed")
            p.keys(user_b64, "Enter")
            p.wait_for("< 334 UGFzc3dvcmQ6")
            p.keys(pass_b64, "Enter")
            s = p.wait_for("< 535 5.7.8 you sent")
            p.keys("C-d")
            p.wait_for("EXITED=")
        self.assertIn("you sent <secret>, that is <secret>", s)
        self.assertNotIn(pass_b64, s)
        self.assertNotIn("secretpass", s)

    def test_auth_response_typed_after_an_abandoned_wait_stays_out_of_history(self):
        """Ctrl-C abandons the wait for the 334 to `raw AUTH LOGIN`; the 334
        then arrives while the prompt is back.  The line typed next is the
        response to it: it is sent as such (the late 334 is shown first) and
        never saved to history -- it used to be stored there as a command."""
        user_b64, pass_b64 = "bGF0ZXVzZXI=", "bGF0ZXNlY3JldA=="
        steps = [BANNER, {"expect": "NOOP"}, {"send": "250 ok\r\n"},
                 {"expect": "AUTH LOGIN"}, {"wait_go": True},
                 {"send": "334 VXNlcm5hbWU6\r\n"}, {"read_line": True},
                 {"send": "334 UGFzc3dvcmQ6\r\n"}, {"read_line": True},
                 {"send": "235 2.7.0 ok\r\n"}, {"drain": True}]
        with FakeServer(steps) as srv:
            p = self.pane(f"{SMTPSH} --no-color 127.0.0.1 {srv.port}")
            p.wait_for("[greeted]>")
            p.keys("noop", "Enter")
            p.wait_for("< 250 ok")
            p.keys("raw AUTH LOGIN", "Enter")
            p.wait_for("> AUTH LOGIN")
            p.keys("C-c")
            p.wait_for("the wait was abandoned")
            srv.go()
            # The shell watches the socket (issue 18): the late 334 is shown
            # at the prompt when it comes.
            p.wait_for("334 VXNlcm5hbWU6")
            p.keys(user_b64, "Enter")
            p.wait_for("not echoed")
            p.keys(pass_b64, "Enter")
            p.wait_for("< 235 2.7.0 ok")
            p.keys("C-d")
            p.wait_for("EXITED=")
            wire = srv.received()
        # (QUIT: the shell's end, issue 19)
        self.assertEqual(wire, f"NOOP\r\nAUTH LOGIN\r\n{user_b64}\r\n{pass_b64}\r\nQUIT\r\n".encode())
        with open(os.path.join(self.home.name, "state", "smtpsh", "history")) as f:
            h = f.read()
        self.assertIn("noop", h)                # the history was saved
        self.assertNotIn(user_b64, h)
        self.assertNotIn(pass_b64, h)
        self.assertNotIn("auth", h.lower())

    def test_ctrl_c_ends_an_mx_lookup_and_the_shell_goes_on(self):
        """A DNS server that never answers: Ctrl-C gives the prompt back at
        once (the resolver alone would wait 30 s), and the shell goes on."""
        with FakeDNS({"slow.test": {"silent": True}}) as dns:
            p = self.pane(f"{SMTPSH} --no-color", SMTPSH_DNS_SERVER=dns.env["SMTPSH_DNS_SERVER"],
                          RES_OPTIONS="timeout:10 attempts:3")
            p.wait_for("(not connected)>")
            p.keys("mx slow.test", "Enter")
            deadline = time.time() + 10
            while "slow.test MX" not in dns.queries() and time.time() < deadline:
                time.sleep(0.02)
            p.keys("C-c")
            p.wait_for("MX lookup for slow.test: cancelled", timeout=3)
            p.wait_for("(not connected)>", timeout=3)
            p.keys("explain 250", "Enter")
            p.wait_for("Requested mail action okay")
            p.keys("C-d")
            p.wait_for("EXITED=")

    def test_lookup_asks_the_secret_once_for_all_reconnects(self):
        """A lookup that reconnects (the server closes after a few
        commands) does AUTH again on every connection; the secret typed at
        the first reconnect serves the rest of the run, not a prompt per
        connection."""
        steps = [BANNER, {"serve": "lookup", "users": {"postmaster": None},
                          "require_auth": True, "close_after": 4}]
        names = " ".join(f"user{i}" for i in range(8))
        with FakeServer(steps, connections=10) as srv:
            p = self.pane(f"{SMTPSH} --no-color --method vrfy --allow-plaintext-auth 127.0.0.1 {srv.port}")
            p.wait_for("[greeted]>")
            p.keys("ehlo client.test", "Enter")
            p.wait_for("< 250 ")
            p.keys("auth plain bob", "Enter")
            p.wait_for("secret for bob:")
            p.keys("pw1", "Enter")
            p.wait_for("< 235")
            p.keys(f"lookup {names}", "Enter")
            p.wait_for("secret for bob:")
            p.keys("pw1", "Enter")
            s = p.wait_for("8 names:", timeout=20)
            p.keys("quit", "Enter")
            p.wait_for("state: closed")
            p.keys("C-d")
            p.wait_for("EXITED=")
            wire = srv.stop()
        auths = wire.count(b"AUTH PLAIN ")
        self.assertGreaterEqual(auths, 3, wire)
        # The first `auth` asked once; the lookup once, whatever the
        # number of connections it made.
        self.assertEqual(s.count("secret for bob:"), 2, s)
        self.assertNotIn("pw1", s)


if __name__ == "__main__":
    unittest.main()
