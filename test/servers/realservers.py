"""realservers.py - start and stop real SMTP servers on loopback for the
tests: a private Postfix instance (its own config, queue and mail
directories under a temporary directory; VRFY enabled; users alice, bob and
postmaster as virtual mailboxes; a list `staff`) and aiosmtpd with a handler
that keeps every message's raw bytes.  Both listen on 127.0.0.1 on a free
non-privileged port and are stopped afterwards; nothing is left running.

When a server cannot run here (not installed, not root for Postfix), the
tests skip with the reason -- unless SMTPSH_REQUIRE_REAL_SERVERS=1 (set by
.ci/run), where that is a failure."""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REQUIRED = os.environ.get("SMTPSH_REQUIRE_REAL_SERVERS") == "1"
DOMAIN = "postfix.smtpsh.test"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_banner(port, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                if s.recv(512).startswith(b"220"):
                    s.sendall(b"QUIT\r\n")
                    return True
        except OSError:
            pass
        time.sleep(0.1)
    return False


def _quiet(cmd):
    # Postfix writes its fatal messages only to a terminal or syslog:
    # `script` gives it one so a failure can be reported.
    return subprocess.run(["script", "-qc", " ".join(cmd), "/dev/null"],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)


class Postfix:
    name = "Postfix"

    def unavailable(self):
        if shutil.which("postfix") is None:
            return "postfix is not installed (apt-get install postfix)"
        if os.geteuid() != 0:
            return "a private Postfix instance needs root"
        return None

    def start(self):
        self.dir = tempfile.mkdtemp(prefix="pf", dir="/tmp")
        os.chmod(self.dir, 0o755)
        d = self.dir
        self.port = free_port()
        for sub in ("etc", "spool", "data", "mail"):
            os.makedirs(os.path.join(d, sub))
        shutil.chown(os.path.join(d, "data"), "postfix")
        nobody = int(subprocess.check_output(["id", "-u", "nobody"]))
        nogroup = int(subprocess.check_output(["id", "-g", "nobody"]))
        os.chown(os.path.join(d, "mail"), nobody, nogroup)
        self.maildir = os.path.join(d, "mail")
        with open(os.path.join(d, "etc", "main.cf"), "w") as f:
            f.write(f"""compatibility_level = 3.6
queue_directory = {d}/spool
data_directory = {d}/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
meta_directory = /etc/postfix
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = {DOMAIN}
mydomain = smtpsh.test
mydestination =
local_transport = error:no local delivery here
relay_domains =
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
disable_vrfy_command = no
virtual_mailbox_domains = {DOMAIN}
virtual_mailbox_base = {d}/mail
virtual_mailbox_maps = texthash:{d}/etc/vmailbox
virtual_alias_maps = texthash:{d}/etc/valias
virtual_uid_maps = static:{nobody}
virtual_gid_maps = static:{nogroup}
smtpd_banner = $myhostname ESMTP Postfix (smtpsh tests)
maillog_file = {d}/maillog
maillog_file_prefixes = /tmp
smtputf8_enable = no
local_header_rewrite_clients =
""")
        with open(os.path.join(d, "etc", "vmailbox"), "w") as f:
            for u in ("alice", "bob", "postmaster"):
                f.write(f"{u}@{DOMAIN} {u}/\n")
        with open(os.path.join(d, "etc", "valias"), "w") as f:
            f.write(f"staff@{DOMAIN} alice@{DOMAIN}, bob@{DOMAIN}\n")
        with open("/etc/postfix/master.cf") as f:
            master = f.read().splitlines()
        out = []
        for line in master:
            fields = line.split()
            if line.startswith("smtp ") and len(fields) >= 8 and fields[1] == "inet":
                line = f"127.0.0.1:{self.port} inet n - n - - smtpd"
            elif len(fields) >= 8 and not line.startswith((" ", "\t", "#")) and fields[4] == "y":
                fields[4] = "n"          # no chroot for a private instance
                line = " ".join(fields)
            out.append(line)
        with open(os.path.join(d, "etc", "master.cf"), "w") as f:
            f.write("\n".join(out) + "\n")
        if not os.path.exists("/etc/postfix/main.cf"):
            open("/etc/postfix/main.cf", "a").close()
        r = _quiet(["postfix", "-c", os.path.join(d, "etc"), "start"])
        if not wait_banner(self.port):
            raise RuntimeError("Postfix did not start: " + r.stdout.decode(errors="replace"))
        self.version = subprocess.run(["postconf", "-d", "-h", "mail_version"],
                                      stdout=subprocess.PIPE, text=True).stdout.strip()

    def stop(self):
        _quiet(["postfix", "-c", os.path.join(self.dir, "etc"), "stop"])
        time.sleep(0.5)
        shutil.rmtree(self.dir, ignore_errors=True)

    def delivered(self, user, timeout=15):
        """The raw bytes of the messages in user's Maildir (new/)."""
        new = os.path.join(self.maildir, user, "new")
        deadline = time.time() + timeout
        while time.time() < deadline:
            if os.path.isdir(new) and os.listdir(new):
                out = []
                for n in sorted(os.listdir(new)):
                    with open(os.path.join(new, n), "rb") as f:
                        out.append(f.read())
                return out
            time.sleep(0.1)
        return []

    address = staticmethod(lambda user: f"{user}@{DOMAIN}")


class Aiosmtpd:
    name = "aiosmtpd"

    def unavailable(self):
        r = subprocess.run(["/usr/bin/python3", "-c", "import aiosmtpd"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if r.returncode != 0:
            return "aiosmtpd is not installed (apt-get install python3-aiosmtpd)"
        return None

    def start(self):
        self.dir = tempfile.mkdtemp(prefix="aio")
        self.port = free_port()
        env = dict(os.environ, PYTHONPATH=HERE)
        self.proc = subprocess.Popen(
            ["/usr/bin/python3", "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{self.port}",
             "-c", "aio_handler.RawSaver", self.dir],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not wait_banner(self.port):
            self.proc.kill()
            raise RuntimeError("aiosmtpd did not start")
        self.version = subprocess.run(
            ["/usr/bin/python3", "-c", "import aiosmtpd; print(aiosmtpd.__version__)"],
            stdout=subprocess.PIPE, text=True).stdout.strip()

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.dir, ignore_errors=True)

    def delivered(self, user, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            names = sorted(os.listdir(self.dir))
            if names:
                out = []
                for n in names:
                    with open(os.path.join(self.dir, n), "rb") as f:
                        out.append(f.read())
                return out
            time.sleep(0.1)
        return []

    address = staticmethod(lambda user: f"{user}@aiosmtpd.smtpsh.test")
