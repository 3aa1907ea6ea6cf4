"""realservers.py - start and stop real SMTP servers on loopback for the
tests: a private Postfix instance (its own config, queue and mail
directories under a temporary directory; VRFY enabled; users alice, bob and
postmaster as virtual mailboxes; a list `staff`) and aiosmtpd with a handler
that keeps every message's raw bytes.  Both listen on 127.0.0.1, port 0:
each server binds and the kernel picks a free port then, so no other
process can take it between the choice and the bind; the port is read back
from the server (Postfix: its master's listening socket; aiosmtpd: a port
file).  Both are stopped afterwards; nothing is left running.

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


def wait_until(cond, timeout, what):
    """Poll cond() until it returns something true; fail after timeout s."""
    deadline = time.time() + timeout
    while True:
        got = cond()
        if got:
            return got
        if time.time() > deadline:
            raise RuntimeError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


def pid_alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def listening_port(pid):
    """The port of the process's TCP socket listening on 127.0.0.1, or None."""
    inodes = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if link.startswith("socket:["):
                inodes.add(link[8:-1])
    except OSError:
        return None
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            fields = line.split()
            addr, port = fields[1].split(":")
            if fields[3] == "0A" and addr == "0100007F" and fields[9] in inodes:
                return int(port, 16)
    return None


def wait_banner(port, timeout=20, proxy=False):
    """Wait until the server greets; proxy: it expects a PROXY header first."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                if proxy:
                    s.sendall(b"PROXY TCP4 127.0.0.1 127.0.0.1 1 25\r\n")
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

    def __init__(self, extra="", proxy=False):
        # main.cf lines appended to the test configuration (a later
        # setting wins in main.cf): another configuration of the same
        # instance (test_audit_postfix.py's closed one).  proxy: the
        # extra lines make smtpd expect a HAProxy PROXY header first.
        self.extra = extra
        self.proxy = proxy

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
""" + self.extra)
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
                line = "127.0.0.1:0 inet n - n - - smtpd"    # the kernel picks the port
            elif len(fields) >= 8 and not line.startswith((" ", "\t", "#")) and fields[4] == "y":
                fields[4] = "n"          # no chroot for a private instance
                line = " ".join(fields)
            out.append(line)
        with open(os.path.join(d, "etc", "master.cf"), "w") as f:
            f.write("\n".join(out) + "\n")
        if not os.path.exists("/etc/postfix/main.cf"):
            open("/etc/postfix/main.cf", "a").close()
        r = _quiet(["postfix", "-c", os.path.join(d, "etc"), "start"])
        why = "Postfix did not start: " + r.stdout.decode(errors="replace")
        pidfile = os.path.join(d, "spool", "pid", "master.pid")
        try:
            self.master = wait_until(lambda: os.path.exists(pidfile) and
                                     int(open(pidfile).read().split()[0]), 20, "master.pid")
            self.port = wait_until(lambda: listening_port(self.master), 20,
                                   "the Postfix master's listening socket")
        except (RuntimeError, ValueError, IndexError) as e:
            raise RuntimeError(f"{why} ({e})")
        if not wait_banner(self.port, proxy=self.proxy):
            raise RuntimeError(why)
        self.version = subprocess.run(["postconf", "-d", "-h", "mail_version"],
                                      stdout=subprocess.PIPE, text=True).stdout.strip()

    def stop(self):
        _quiet(["postfix", "-c", os.path.join(self.dir, "etc"), "stop"])
        # The master (not our child) ends its children and then itself.
        wait_until(lambda: not pid_alive(self.master), 20, "the Postfix master to exit")
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
        self.store = os.path.join(self.dir, "store")
        os.mkdir(self.store)
        portfile = os.path.join(self.dir, "port")
        log = os.path.join(self.dir, "log")
        with open(log, "wb") as logf:
            self.proc = subprocess.Popen(
                ["/usr/bin/python3", os.path.join(HERE, "aio_server.py"), self.store, portfile],
                stdout=subprocess.DEVNULL, stderr=logf)
        try:
            wait_until(lambda: os.path.exists(portfile) or self.proc.poll() is not None,
                       20, "aiosmtpd's port file")
            if self.proc.poll() is not None:
                with open(log, "rb") as f:
                    raise RuntimeError(f.read().decode(errors="replace"))
            with open(portfile) as f:
                self.port = int(f.read())
            if not wait_banner(self.port):
                raise RuntimeError("no banner")
        except RuntimeError as e:
            self.proc.kill()
            raise RuntimeError(f"aiosmtpd did not start: {e}")
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
            names = sorted(n for n in os.listdir(self.store) if n.endswith(".eml"))
            if names:
                out = []
                for n in names:
                    with open(os.path.join(self.store, n), "rb") as f:
                        out.append(f.read())
                return out
            time.sleep(0.1)
        return []

    address = staticmethod(lambda user: f"{user}@aiosmtpd.smtpsh.test")
