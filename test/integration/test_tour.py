"""test_tour.py - the guided tour reacts to what the student does (issue 21),
driven through a real `smtpsh --demo --tour` with the commands piped in:

- `tour next` performs the step (types its command, shown as such), so the
  session stays where the next step expects it: a later RCPT succeeds
  instead of getting 503;
- a reply to something other than the step's command gets one line saying
  where that leaves the step; the same goal reached another way is taken;
- an exercise names a code only: any command that brings that code passes
  it, a wrong try gets a hint and does not;
- the STARTTLS and AUTH steps: EHLO shows STARTTLS, the 538 exercise,
  starttls, auth plain alice with the demo password -- from `tour next`
  (the tour gives it), SMTPSH_PASSWORD, or nowhere (the step waits) -- and
  the password is never on a line smtpsh sent nor in --transcript."""
import base64
import os
import re
import tempfile
import unittest

from harness import run_smtpsh


def tour(lines, args=(), env=None):
    stdin = "".join(line + "\n" for line in lines).encode()
    p = run_smtpsh(["--demo", "--tour", "--no-color", *args], stdin_bytes=stdin, timeout=60,
                   env_extra=env)
    out = p.stdout.decode()
    # The tour's one-line reactions fit an 80-column terminal.
    for line in out.split("\n"):
        if re.match(r"! (not yet|that |tour next|\w+ got )", line):
            assert len(line) <= 80, line
    return out


def steps_of(out):
    return int(re.search(r"--- tour 1/(\d+): ", out).group(1))


class TourNext(unittest.TestCase):
    def test_tour_next_performs_the_step(self):
        # Steps 2..10 (VRFY ... MAIL) done by the tour, then the student's RCPT.
        out = tour(["helo client.example"] + ["tour next"] * 9 + ["rcpt alice"])
        n = steps_of(out)
        self.assertIn("! tour next: typed for you: mail you@client.example\n"
                      "> MAIL FROM:<you@client.example>\n", out)
        self.assertIn(f"--- tour 10/{n} done: ", out)
        self.assertIn("> RCPT TO:<alice>\n< 250 ", out)
        self.assertNotIn("< 503", out)
        self.assertIn(f"--- tour 11/{n} done: ", out)

    def test_tour_next_types_a_body(self):
        # DATA's step: the tour types DATA, the body and the lone dot.
        out = tour(["helo client.example"] + ["tour next"] * 12)
        n = steps_of(out)
        self.assertIn("! tour next: typed for you: .dot starts with a dot\n", out)
        self.assertIn(f"--- tour 13/{n} done: 354 was an intermediate reply", out)


class OffScript(unittest.TestCase):
    def test_other_commands_are_named_against_the_step(self):
        out = tour(["helo client.example", "noop", "state", "vrfy bob", "vrfy alice"])
        n = steps_of(out)
        self.assertIn("! that was NOOP (250), not VRFY: still waiting for `vrfy alice`\n", out)
        # A shell command brings no reply: nothing is said about it.
        self.assertEqual(out.count("! that was"), 1, out)
        # VRFY bob reaches step 2's goal (a 250 to VRFY) another way.
        self.assertIn("! that also works: VRFY got 250, as the step wanted\n"
                      f"--- tour 2/{n} done: ", out)
        # Step 3 wants a 550: the right verb with the wrong reply.
        self.assertIn("! VRFY got 250, not 550: still waiting for `vrfy nobody`\n", out)
        self.assertNotIn(f"--- tour 3/{n} done:", out)


class Exercise(unittest.TestCase):
    def reach_551(self):
        """The walkthrough done by `tour next`, up to the first exercise."""
        lines = ["tour next"] * 32
        out = tour(lines)
        n = steps_of(out)
        self.assertIn(f"--- tour 33/{n}: Exercise: 551 ---\n", out)
        self.assertIn("Goal:  a reply with code 551, from any command\n", out)
        return lines, n

    def test_any_command_that_brings_the_code_passes(self):
        lines, n = self.reach_551()
        # Not the walkthrough's VRFY erin: a transaction and RCPT erin.
        out = tour(lines + ["vrfy nobody", "mail you@client.example", "rcpt erin"])
        self.assertIn("! not yet: VRFY got 550, the goal is 551. Hint: ", out)
        self.assertIn("! not yet: MAIL got 250, the goal is 551. Hint: ", out)
        self.assertIn("> RCPT TO:<erin>\n< 551 ", out)
        self.assertIn(f"--- tour 33/{n} done: Passed: 551", out)
        self.assertIn(f"--- tour 34/{n}: Exercise: 251 ---", out)

    def test_a_wrong_try_does_not_pass(self):
        lines, n = self.reach_551()
        out = tour(lines + ["vrfy dave", "expn staff"])
        self.assertIn("! not yet: VRFY got 251, the goal is 551. Hint: ", out)
        self.assertIn("! not yet: EXPN got 250, the goal is 551. Hint: ", out)
        self.assertNotIn(f"--- tour 33/{n} done:", out)


# alice's demo password (docs/teaching-server.md), and what PLAIN sends.
DEMO_PASSWORD = "wonderland"
PLAIN = base64.b64encode(b"\0alice\0" + DEMO_PASSWORD.encode()).decode()


class TlsAndAuth(unittest.TestCase):
    # The walkthrough up to the connection the TLS steps start from.
    UP_TO_TLS = ["tour next"] * 28

    def step(self, out, title):
        m = re.search(r"--- tour (\d+)/\d+: " + re.escape(title) + " ---\n", out)
        self.assertIsNotNone(m, f"no step {title!r}:\n{out[-3000:]}")
        return int(m.group(1))

    def test_tour_next_performs_starttls_and_auth(self):
        with tempfile.TemporaryDirectory() as d:
            tr = os.path.join(d, "t.log")
            out = tour(self.UP_TO_TLS + ["tour next"] * 4, ["--transcript", tr])
            with open(tr, encoding="utf-8", errors="replace") as f:
                transcript = f.read()
        n = steps_of(out)
        ehlo = self.step(out, "EHLO: STARTTLS on offer")
        self.assertEqual(self.step(out, "Exercise: 538"), ehlo + 1)
        self.assertIn(f"--- tour {ehlo}/{n} done: STARTTLS (RFC 3207) offers encryption.", out)
        self.assertIn("! tour next: typed for you: raw AUTH PLAIN\n> AUTH PLAIN\n< 538 ", out)
        self.assertIn(f"--- tour {ehlo + 1}/{n} done: Passed: 538", out)
        self.assertIn("! tour next: typed for you: starttls\n> STARTTLS\n< 220 ", out)
        self.assertIn("< 250-AUTH PLAIN LOGIN CRAM-MD5\n", out)
        self.assertIn(f"--- tour {ehlo + 2}/{n} done: ", out)
        self.assertIn("! tour next: typed for you: auth plain alice\n", out)
        self.assertIn("\n< 235 ", out)
        self.assertIn(f"--- tour {ehlo + 3}/{n} done: 235: authenticated.", out)
        self.assertIn(f"--- tour {ehlo + 4}/{n}: Exercise: 551 ---", out)
        # The password is in the step's text, never in what was sent.
        for line in out.split("\n"):
            if DEMO_PASSWORD in line:
                self.assertFalse(line.startswith((">", "<", "=", "!")), line)
        self.assertNotIn(PLAIN, out)
        self.assertNotIn(PLAIN, transcript)
        self.assertNotIn(DEMO_PASSWORD, transcript)
        self.assertIn("AUTH PLAIN", transcript)

    def test_the_student_gives_the_password(self):
        lines = self.UP_TO_TLS + ["tour next"] * 3
        # SMTPSH_PASSWORD: the student's own auth passes the step.
        out = tour(lines + ["auth plain alice"], env={"SMTPSH_PASSWORD": DEMO_PASSWORD})
        auth, n = self.step(out, "AUTH PLAIN: log in"), steps_of(out)
        self.assertIn(f"--- tour {auth}/{n} done: 235", out)
        self.assertNotIn("typed for you: auth", out)
        self.assertNotIn(PLAIN, out)
        # No password anywhere (no terminal to ask on): the step waits.
        out = tour(lines + ["auth plain alice"])
        self.assertNotIn(f"--- tour {auth}/{n} done:", out)
        self.assertNotIn("< 235", out)
        # A wrong password: 535, and the step still waits.
        out = tour(lines + ["auth plain alice"], env={"SMTPSH_PASSWORD": "queen"})
        self.assertIn("< 535 ", out)
        self.assertIn("! AUTH got 535, not 235: still waiting for `auth plain alice`", out)
        self.assertNotIn(f"--- tour {auth}/{n} done:", out)

    def test_the_538_exercise_takes_any_way_and_hints(self):
        out = tour(self.UP_TO_TLS + ["tour next", "noop", "raw auth login"])
        ex, n = self.step(out, "Exercise: 538"), steps_of(out)
        self.assertIn("! not yet: NOOP got 250, the goal is 538. Hint: ", out)
        self.assertIn(f"--- tour {ex}/{n} done: Passed: 538", out)


if __name__ == "__main__":
    unittest.main()
