"""test_tutorial.py - docs/tutorial.md is the guided tour (smtpsh --demo
--tour) as this test runs it: every step's text and what smtpsh printed for
it come from one run, so the document cannot go stale.  The test fails when
the checked-in document differs from what smtpsh prints now (ports masked);
SMTPSH_DOCS_UPDATE=1 rewrites it.  It also checks that every step of the
tour was reached and completed, in order, and that the tour's own lines fit
80 columns."""
import os
import re
import unittest

from harness import json_records, run_smtpsh

DOC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "tutorial.md")

# What the student types at each step (the body lines belong to DATA's; an
# exercise's lines are one answer of many: any command that brings the code).
STEPS = [["helo client.example"], ["vrfy alice"], ["vrfy nobody"], ["vrfy dave"],
         ["vrfy erin"], ["vrfy someone@far.example"], ["expn staff"], ["help"], ["noop"],
         ["mail you@client.example"], ["rcpt alice"], ["rcpt busy"],
         ["data", "Subject: dot-stuffing", "", "A line.", ".dot starts with a dot", "."],
         ["mailbox alice"], ["rcpt alice"], ["send you@client.example"], ["rcpt alice"],
         ["data", "Hello alice, this is on your terminal.", "."], ["terminal alice"],
         ["soml you@client.example"], ["rcpt bob"], ["rset"], ["ehlo client.example"], ["ext"],
         ["vrfy shutdown"], ["reconnect"], ["turn"], ["open"], ["ehlo client.example"],
         ["raw AUTH PLAIN"], ["starttls"], ["auth plain alice"],
         ["mail you@client.example", "rcpt erin"], ["vrfy dave"], ["vrfy someone@far.example"],
         ["rset", "rcpt alice"], ["quit"]]

INTRO = """# A tour of RFC 821 with smtpsh

This is the course `smtpsh --demo --tour` gives, step by step, against the
built-in teaching server: what to type, why, what the server answered, and
what that means.  It is written by `test/integration/test_tutorial.py` from
a real run (ports masked), so it always shows what smtpsh prints today; to
take the tour yourself, run `smtpsh --demo --tour` (or type `tour` in
`smtpsh --demo`).  Lines starting with `>` are what smtpsh sent, `<` what
the server answered, `=` smtpsh's reading of it, `!` a note.

The walkthrough comes first, each step leaving the session where the next
one expects it; exercises name a reply code and leave the command to you
(the answers shown are one way among several; a wrong try gets a hint):
one among the STARTTLS and AUTH steps, the rest at the end.  The AUTH
step's password is given as a student without a terminal gives it, in
`SMTPSH_PASSWORD` (at a terminal, smtpsh asks for it without echo).  Off the path, the tour says in one line what your command
did against the step's goal; `tour` shows the step again, `tour next` types
its command for you, `tour off` ends the tour.
"""


def appendix():
    """The seed tutorial's reference pages, from smtpsh's own tables: the
    state diagram (`diagram`), RFC 821's commands (`?`), the reply codes
    by their first and second digit (`explain`)."""
    recs = json_records(run_smtpsh(["--json", "-e", "diagram", "-e", "?"]).stdout)
    rows = [r for r in recs if r["type"] == "diagram"][0]["rows"]
    verbs = [r for r in recs if r["type"] == "help"][0]["verbs"]
    out = ["## Appendix A. RFC 821's state diagram", "",
           "What `diagram` prints (in a session, `=>` marks where it stands):", "", "```"]
    out += [r["text"] for r in rows] + ["```", "",
            "## Appendix B. RFC 821's commands", "",
            "| command | type in smtpsh | what it does | where |", "|---|---|---|---|"]
    cell = lambda t: t.replace("|", "\\|")        # a | in a cell ends it (GFM)
    for v in verbs:
        if "RFC 821" in v["rfc"]:
            out.append(f"| {v['name']} | `{cell(v['usage'])}` | {cell(v['summary'])} | {v['rfc']} |")
    out += ["", "## Appendix C. Reply codes by their digits", "",
            "The first digit says how it went; the second what it is about"
            " (RFC 821 4.2.1; `explain CODE` says the rest).", "",
            "| first digit | class |", "|---|---|"]
    explain = lambda code: [r for r in json_records(run_smtpsh(
        ["--json", "-e", f"explain {code}"]).stdout) if r["type"] == "explain"][0]
    for d in range(1, 6):
        out.append(f"| {d}yz | {explain(d * 100)['class']} |")
    out += ["", "| second digit | about |", "|---|---|"]
    for d in range(0, 6):
        out.append(f"| x{d}z | {explain(500 + d * 10)['category']} |")
    return "\n".join(out) + "\n"


class Tutorial(unittest.TestCase):
    def test_document_is_what_the_tour_prints(self):
        stdin = "".join(line + "\n" for step in STEPS for line in step).encode()
        # The AUTH step's password as a student gives it without a terminal.
        p = run_smtpsh(["--demo", "--tour", "--no-color"], stdin_bytes=stdin, timeout=60,
                       env_extra={"SMTPSH_PASSWORD": "wonderland"})
        # The tour shows failures on purpose (550, 421, 503): the worst is a 5xx.
        self.assertEqual(p.returncode, 5, p.stderr)
        out = re.sub(r"port \d+", "port PORT", p.stdout.decode())
        n = len(STEPS)
        parts = [INTRO]
        for i, typed in enumerate(STEPS, 1):
            head = f"--- tour {i}/{n}: "
            start = out.index(head)
            lines = out[start:].split("\n")
            title = lines[0][len(head):-len(" ---")]
            k = next(j for j, l in enumerate(lines) if l.startswith(("Type:", "Goal:")))
            before = lines[1:k]
            exercise = lines[k].startswith("Goal:")
            body_start = out.index("\n", out.index(lines[k], start)) + 1
            done = out.index(f"--- tour {i}/{n} done: ", body_start)
            shown = out[body_start:done].rstrip("\n")
            tail = out[done:].split("\n")
            after = [tail[0][len(f"--- tour {i}/{n} done: "):]]
            after += [l for l in tail[1:next((j for j, l in enumerate(tail) if j > 0 and
                                             (l.startswith("--- tour ") or l == "")), len(tail))]]
            # The tour's own lines fit an 80-column terminal.
            for line in [lines[0], *before, lines[k], tail[0], *after[1:]]:
                self.assertLessEqual(len(line), 80, line)
            self.assertEqual(exercise, title.startswith("Exercise: "), title)
            parts.append(f"## {i}. {title}\n\n" + " ".join(before) + "\n\n" +
                         (lines[k].replace("Goal:  ", "Goal: ") + ". One answer:" if exercise
                          else "Type:") + "\n\n" +
                         "".join(f"    {t}\n" if t else "    \n" for t in typed).rstrip(" \n") +
                         "\n\nsmtpsh shows:\n\n" +
                         "".join(f"    {l}\n" if l else "\n" for l in shown.split("\n")) +
                         "\n" + " ".join(after) + "\n")
        parts.append(appendix())
        text = "\n".join(parts)
        if os.environ.get("SMTPSH_DOCS_UPDATE") == "1":
            with open(DOC, "w") as f:
                f.write(text)
        with open(DOC) as f:
            self.assertEqual(f.read(), text, "docs/tutorial.md is stale: rerun the integration "
                             "suite with SMTPSH_DOCS_UPDATE=1")


if __name__ == "__main__":
    unittest.main()
