"""test_completion.py - issue 19's shell completion.  `smtpsh --completion
bash|zsh` writes the scripts from the option table (meson builds them
next to the binary and installs them); sourced, they complete every
option, the values of the options that take one of a fixed set (lookup
methods, --quit-after stages, AUTH mechanisms, TLS versions, verbs, DSN
keywords), file names for the options that take a file, and where the
host goes the profiles of the config file (a temporary XDG_CONFIG_HOME),
which the scripts ask of smtpsh itself (`--completion profiles`).

bash is driven through its completion function, as bash calls it
(COMP_WORDS, COMP_CWORD, then COMPREPLY).  zsh runs for real: an
interactive `zsh -f` on a pseudo-terminal with compinit and the generated
_smtpsh in $fpath, a line typed and Tab pressed; a wrapper around compadd
records every match the completion system adds."""
import fcntl
import os
import pty
import re
import select
import shutil
import signal
import struct
import subprocess
import tempfile
import termios
import time
import unittest

from harness import SMTPSH

METHODS = ["auto", "vrfy", "expn", "rcpt"]
STAGES = ["connect", "banner", "ehlo", "tls", "xclient", "auth", "mail", "rcpt", "data"]
MECHS = ["PLAIN", "LOGIN", "CRAM-MD5", "XOAUTH2", "OAUTHBEARER", "SCRAM-SHA-256"]
FILE_OPTIONS = ["--password-file", "--token-file", "--cafile", "--cert", "--key", "--transcript",
                "--output", "--resume", "--lookup", "--replay", "--body-file", "--attach"]
CONFIG = "[default]\nhelo = client.example.org\n[work]\nhost = 127.0.0.1\n[lab]\nhost = 10.0.0.9\n"


def generate(what, env=None):
    p = subprocess.run([SMTPSH, "--completion", what], capture_output=True, timeout=30,
                       env=env)
    return p


def help_options():
    """The long and short option names `smtpsh --help` lists."""
    out = subprocess.run([SMTPSH, "--help"], capture_output=True, text=True, timeout=30,
                         env=dict(os.environ, LANG="C", LC_ALL="C")).stdout
    names = set()
    for m in re.finditer(r"^  (?:(-\w), )?\s*(--[\w-]+)", out, re.M):
        names.update(n for n in m.groups() if n)
    return names


class Generation(unittest.TestCase):
    def test_scripts_are_written_and_parse(self):
        for what, shell in (("bash", "bash"), ("zsh", "zsh")):
            p = generate(what)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(p.stderr, b"")
            with tempfile.NamedTemporaryFile(suffix="." + what) as f:
                f.write(p.stdout)
                f.flush()
                check = subprocess.run([shell, "-n", f.name], capture_output=True, timeout=30)
                self.assertEqual(check.returncode, 0, check.stderr)

    def test_meson_built_the_same_scripts(self):
        # The custom targets next to the binary are what gets installed.
        here = os.path.dirname(os.path.abspath(SMTPSH))
        for name, what in (("smtpsh.bash", "bash"), ("_smtpsh", "zsh")):
            with open(os.path.join(here, name), "rb") as f:
                self.assertEqual(f.read(), generate(what).stdout, name)

    def test_zsh_script_names_every_option_of_help(self):
        text = generate("zsh").stdout.decode()
        for name in help_options():
            spec = "'*-" + name.lstrip("-") if len(name) == 2 else "'*" + name
            self.assertRegex(text, re.escape(spec) + r"[=+\[]", name)

    def test_unknown_shell_is_a_usage_error(self):
        p = generate("fish")
        self.assertEqual(p.returncode, 2)
        self.assertIn(b"bash, zsh or profiles", p.stderr)


class Profiles(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="smtpsh-compl-")
        os.makedirs(os.path.join(self.tmp.name, "smtpsh"))
        self.env = dict(os.environ, XDG_CONFIG_HOME=self.tmp.name)

    def tearDown(self):
        self.tmp.cleanup()

    def test_lists_the_sections_but_default(self):
        with open(os.path.join(self.tmp.name, "smtpsh", "config"), "w") as f:
            f.write(CONFIG)
        p = generate("profiles", self.env)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.decode().split(), ["work", "lab"])

    def test_no_config_lists_nothing(self):
        p = generate("profiles", self.env)
        self.assertEqual((p.returncode, p.stdout), (0, b""))


class Shells(unittest.TestCase):
    """A directory with the generated scripts, a bin/smtpsh link, a
    config file and some files to complete."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="smtpsh-compl-")
        d = self.tmp.name
        self.bindir = os.path.join(d, "bin")
        os.mkdir(self.bindir)
        os.symlink(os.path.abspath(SMTPSH), os.path.join(self.bindir, "smtpsh"))
        self.comp = os.path.join(d, "completions")
        os.mkdir(self.comp)
        for name, what in (("smtpsh.bash", "bash"), ("_smtpsh", "zsh")):
            with open(os.path.join(self.comp, name), "wb") as f:
                f.write(generate(what).stdout)
        os.makedirs(os.path.join(d, "xdg", "smtpsh"))
        self.config(CONFIG)
        self.work = os.path.join(d, "work")
        os.makedirs(os.path.join(self.work, "sub"))
        for name in ("secret.pass", "server.pem", "names.txt"):
            open(os.path.join(self.work, name), "w").close()
        self.env = dict(os.environ, XDG_CONFIG_HOME=os.path.join(d, "xdg"), HOME=d,
                        PATH=self.bindir + ":" + os.environ.get("PATH", "/usr/bin:/bin"),
                        LANG="C", LC_ALL="C", HOSTFILE=os.path.join(d, "hosts"))
        with open(self.env["HOSTFILE"], "w") as f:          # bash's host names
            f.write("192.0.2.1 mail.example.test\n")

    def tearDown(self):
        self.tmp.cleanup()

    def config(self, text):
        with open(os.path.join(self.tmp.name, "xdg", "smtpsh", "config"), "w") as f:
            f.write(text)


class Bash(Shells):
    def complete(self, *words, command="smtpsh"):
        """COMPREPLY for the line `command words...`, the last word the one
        completed; the script sourced on its own (no bash-completion)."""
        script = ('source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); '
                  '_smtpsh; printf "%s\\n" "${COMPREPLY[@]}"')
        p = subprocess.run(["bash", "--norc", "--noprofile", "-c", script, "bash",
                            os.path.join(self.comp, "smtpsh.bash"), command] + list(words),
                           capture_output=True, text=True, timeout=30, env=self.env, cwd=self.work)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stderr, "")
        return [w for w in p.stdout.split("\n") if w]

    def test_registers_for_smtpsh(self):
        p = subprocess.run(["bash", "--norc", "-c", 'source "$1"; complete -p smtpsh', "bash",
                            os.path.join(self.comp, "smtpsh.bash")],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(p.stdout.strip(), "complete -F _smtpsh smtpsh")

    def test_option_names(self):
        self.assertEqual(self.complete("--me"), ["--method"])
        self.assertEqual(self.complete("--tls-p"), ["--tls-protocol"])
        self.assertEqual(sorted(self.complete("--tr")), ["--transcript", "--transcript-overwrite"])

    def test_every_option_of_help_is_offered(self):
        offered = set(self.complete("-"))
        self.assertEqual(offered, help_options())
        text = open(os.path.join(self.comp, "smtpsh.bash")).read()
        for name in help_options():
            self.assertRegex(text, r"(?<![\w-])" + re.escape(name) + r"(?![\w-])", name)

    def test_values_from_the_tables(self):
        self.assertEqual(self.complete("--method", ""), METHODS)
        self.assertEqual(self.complete("--quit-after", ""), STAGES)
        self.assertEqual(self.complete("--quit-after", "e"), ["ehlo"])
        self.assertEqual(self.complete("--auth", ""), MECHS)
        self.assertEqual(self.complete("--tls-protocol", ""), ["1.2", "1.3"])
        self.assertEqual(self.complete("--ret", ""), ["FULL", "HDRS"])
        self.assertEqual(self.complete("--notify", "D"), ["DELAY"])
        self.assertIn("VRFY", self.complete("--disable", ""))
        # After a flag or a value, options again.
        self.assertIn("--method", self.complete("--json", "--method", "rcpt", "--m"))

    def test_values_after_equals(self):
        # bash splits at '=' (COMP_WORDBREAKS) ...
        self.assertEqual(self.complete("--method", "=", "r"), ["rcpt"])
        self.assertEqual(self.complete("--method", "="), METHODS)
        # ... or, when '=' is no word break, the word keeps its option.
        self.assertEqual(self.complete("--quit-after=d"), ["--quit-after=data"])

    def test_free_values_offer_nothing(self):
        for option in ("--timeout", "--from", "-e", "--helo", "--rate"):
            self.assertEqual(self.complete(option, ""), [], option)

    def test_files(self):
        for option in FILE_OPTIONS:
            self.assertEqual(sorted(self.complete(option, "")),
                             ["names.txt", "secret.pass", "server.pem", "sub"], option)
        self.assertEqual(sorted(self.complete("--password-file", "se")),
                         ["secret.pass", "server.pem"])
        self.assertEqual(self.complete("--cafile", "sub/"), [])

    def test_profiles_where_the_host_goes(self):
        self.assertEqual(self.complete("w"), ["work"])
        self.assertEqual(self.complete("m"), ["mail.example.test"])
        self.assertEqual(self.complete("--profile", ""), ["work", "lab"])
        self.assertEqual(self.complete("--json", "la"), ["lab"])
        self.assertNotIn("default", self.complete(""))
        # The smtpsh being completed is the one asked, as typed.
        self.assertEqual(self.complete("w", command=os.path.abspath(SMTPSH)), ["work"])

    def test_a_bad_config_offers_no_profile_and_says_nothing(self):
        self.config("[work\n")
        self.assertEqual(self.complete("w"), [])


class Zsh(Shells):
    MARK = "completion-done"
    PROMPT = "zsh-ready> "

    def complete(self, line):
        """Type `line`, press Tab, and return what the completion system
        offered (every match compadd added, in order)."""
        matches = os.path.join(self.tmp.name, "matches")
        if os.path.exists(matches):
            os.unlink(matches)
        rc = os.path.join(self.tmp.name, "rc.zsh")
        with open(rc, "w") as f:
            f.write(f"""PS1='{self.PROMPT}'
LISTMAX=100000
zstyle ':completion:*' hosts mail.example.test
fpath=({self.comp} $fpath)
autoload -U compinit && compinit -u -D
compadd() {{
  if [[ ${{@[1,(i)(-|--)]}} == *-(O|A|D)\\ * ]]; then builtin compadd "$@"; return; fi
  local -a hits
  builtin compadd -A hits "$@"
  (( $#hits )) && print -rl -- $hits >> {matches}
  builtin compadd "$@"
}}
""")
        pid, fd = pty.fork()
        if pid == 0:
            os.chdir(self.work)
            os.execvpe("zsh", ["zsh", "-f", "-i"], self.env)
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 100, 200, 0, 0))
        try:
            # Set up, then wait for the next prompt: zsh drops what was typed
            # ahead of its line editor.
            os.write(fd, f"source {rc}; print {self.MARK}-$((6*6))\n".encode())
            self.read_until(fd, self.MARK + "-36", then=self.PROMPT)
            # Tab completes; ^U then drops the line; the mark says zle got there.
            os.write(fd, f"{line}\t\x15print {self.MARK}-$((6*7))\n".encode())
            self.read_until(fd, self.MARK + "-42")
        finally:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            os.close(fd)
        if not os.path.exists(matches):
            return []
        with open(matches) as f:
            return [w for w in f.read().split("\n") if w]

    def read_until(self, fd, mark, then=""):
        """What the terminal shows until `mark`, and `then` after it."""
        out = b""
        deadline = time.time() + 30
        while (mark + "\r\n").encode() not in out or \
                then.encode() not in out.split((mark + "\r\n").encode(), 1)[1]:
            self.assertLess(time.time(), deadline, out.decode(errors="replace"))
            r, _, _ = select.select([fd], [], [], 0.2)
            if r:
                try:
                    out += os.read(fd, 65536)
                except OSError:
                    break
        return out

    def test_option_names(self):
        self.assertEqual(self.complete("smtpsh --meth"), ["--method"])
        self.assertEqual(sorted(self.complete("smtpsh --tr")),
                         ["--transcript", "--transcript-overwrite"])

    def test_values_from_the_tables(self):
        self.assertEqual(sorted(self.complete("smtpsh --method ")), sorted(METHODS))
        self.assertEqual(sorted(self.complete("smtpsh --quit-after=")), sorted(STAGES))
        self.assertEqual(sorted(self.complete("smtpsh --auth ")), sorted(MECHS))
        self.assertEqual(sorted(self.complete("smtpsh --tls-protocol ")), ["1.2", "1.3"])

    def test_files(self):
        self.assertEqual(self.complete("smtpsh --password-file sec"), ["secret.pass"])
        self.assertEqual(self.complete("smtpsh --lookup na"), ["names.txt"])
        # Not zsh's fallback, which offers files for any word: a free value gets none.
        self.assertEqual(self.complete("smtpsh --timeout "), [])
        self.assertEqual(self.complete("smtpsh --from sec"), [])

    def test_profiles_where_the_host_goes(self):
        self.assertEqual(self.complete("smtpsh --profile "), ["work", "lab"])
        self.assertEqual(sorted(self.complete("smtpsh ")), ["lab", "mail.example.test", "work"])
        self.assertEqual(self.complete("smtpsh --json wo"), ["work"])


if __name__ == "__main__":
    unittest.main()
