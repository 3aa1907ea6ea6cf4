#!/usr/bin/env python3
"""fakesmtp.py - a scriptable fake SMTP server for exact-wire tests.

It serves ONE connection on 127.0.0.1 (or ::1 with --ipv6), port 0, follows
a script, records every byte the client sent, and exits.  Stdlib only.

    fakesmtp.py --script FILE.json --port-file PORTFILE --record RECORDFILE

--host ADDR and --port N listen elsewhere on loopback (several servers on
127.0.0.2, 127.0.0.3 ... sharing one port stand for the MX hosts of a
domain); --unix PATH listens on a unix socket instead; --peer-file FILE
gets the client's address once it has connected.  TLS: --tls-max 1.2 caps
the version, --tls-min 1.0 and --tls-ciphers STRING weaken it at security
level 0 (the audit's tests), --tls-client-ca FILE requires a client certificate from that
CA, and --tls-info FILE gets a JSON object after each handshake: the SNI
the client sent, the client certificate's subject, version and cipher.

The port is written to PORTFILE once the socket listens.  The script is a
JSON list of steps, run in order:

    {"send": "220 hi\\r\\n"}           write these bytes (latin-1 string)
    {"send_hex": "32 32 30 0d 0a"}   write bytes given in hex
    {"send_bytewise": "250 ok\\r\\n"} write one byte at a time
    {"send_repeat": "250-x\\r\\n", "count": 100000}   write a string N times
    {"expect": "EHLO"}               read one line from the client (to LF);
                                     the step fails if it does not start with
                                     the text (case-insensitive) -- the failure
                                     is printed and the server goes on
    {"read_line": true}              read one line, whatever it is
    {"read_data": true}              read up to and including CRLF.CRLF
    {"read_proxy_v2": true}          read a PROXY protocol v2 header (its 16
                                     bytes, then the length they give)
    {"sleep": 0.5}                   wait
    {"wait_file": "/path"}           wait (up to 60 s) until the test creates
                                     the file: a step the test releases
    {"send_drip": "250 x\\r\\n", "interval": 1.5}   one byte per interval
    {"send_endless": "250-x\\r\\n"}  write it again and again until the
                                     client stops reading or leaves
    {"wait_go": true}                wait (up to 30 s) until the test writes
                                     a line to this server's stdin
                                     (FakeServer.go()): to act at a moment
                                     the test chooses
    {"close": "fin"} / {"close": "rst"}   close now (rst: SO_LINGER 0)
    {"drain": true}                  read until the client closes
    {"starttls": true}               wrap the connection in TLS now (server
                                     side, with --tls-cert/--tls-key)
    {"scram": {"user": "u", "password": "p"}}   be a SCRAM-SHA-256 server
                                     (RFC 5802/7677): read AUTH with the
                                     client-first message, send server-first,
                                     check the proof, send v= (wrong with
                                     "bad_signature": true), read the empty
                                     line, send 235; problems are printed
                                     ("skip_final": true answers the proof
                                     with 235 at once, no v=)
    {"serve": "permissive"}          from here on, answer every line like a
                                     permissive server (250, 354 for DATA,
                                     221 for QUIT) until the client leaves
    {"serve": "lookup", ...}         a directory server for lookups (see
                                     lookup_serve below for its keys: users,
                                     vrfy, catch_all, close_after, ...)
    {"serve": "audit", ...}          a server with the weaknesses asked for,
                                     to audit (test/fakesmtp_audit.py)

After the script the server reads until the client leaves, answering a
QUIT with 221 (a client that leaves politely is not kept waiting).

With --connections N the server accepts N connections one after another,
runs the script on each (the record holds them all, in order), then stops
listening: the next connect is refused.

When the script ends the server drains what the client still sends (so
the record is complete) until the client closes or 10 seconds pass.
"""
import argparse
import json
import os
import select
import socket
import sys
import time


TLS_CONTEXT = None
TLS_INFO = None
SNI_SEEN = []


def tls_wrap(sock):
    """Server-side handshake; record what the client sent."""
    tsock = TLS_CONTEXT.wrap_socket(sock, server_side=True)
    if TLS_INFO:
        cert = tsock.getpeercert()
        subject = None
        if cert:
            subject = ",".join("=".join(kv) for rdn in cert["subject"] for kv in rdn)
        with open(TLS_INFO, "w") as f:
            json.dump({"sni": SNI_SEEN[-1] if SNI_SEEN else None, "client_subject": subject,
                       "version": tsock.version(), "cipher": tsock.cipher()[0]}, f)
    return tsock


class Conn:
    def __init__(self, sock, record):
        self.sock = sock
        self.record = record
        self.buf = bytearray()

    def _fill(self, timeout=30.0, keep=True):
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(65536)
        except (socket.timeout, ConnectionError, OSError):
            return False
        if not data:
            return False
        self.record.write(data)
        self.record.flush()
        if keep:
            self.buf += data
        return True

    def read_until(self, marker):
        # Linear in the bytes read: each fill searches only the new bytes
        # (plus len(marker) - 1 before them, for a marker split across
        # reads), never the whole buffer again.
        start = 0
        while True:
            i = self.buf.find(marker, start)
            if i >= 0:
                break
            start = max(0, len(self.buf) - len(marker) + 1)
            if not self._fill():
                out, self.buf = bytes(self.buf), bytearray()
                return out
        i += len(marker)
        out = bytes(self.buf[:i])
        del self.buf[:i]
        return out

    def read_exactly(self, n):
        while len(self.buf) < n:
            if not self._fill():
                break
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def send(self, data):
        try:
            self.sock.sendall(data)
            return True
        except OSError as e:
            print(f"fakesmtp: send failed: {e}", file=sys.stderr)
            return False

    def drain(self, limit=10.0, answer_quit=False):
        # Drained bytes go to the record only: nothing reads them again, so
        # keeping them would only hold a large body in memory twice.  With
        # answer_quit (after the script), a QUIT line gets 221, as a server
        # would, so a client that leaves politely is not kept waiting; only
        # the unfinished last line is kept to find it.
        self.buf.clear()
        deadline = time.time() + limit
        while time.time() < deadline:
            if not self._fill(timeout=max(0.05, deadline - time.time()), keep=answer_quit):
                return
            if answer_quit:
                *lines, rest = bytes(self.buf).split(b"\n")
                self.buf = bytearray(rest[-1024:])
                if any(l.rstrip(b"\r").upper() == b"QUIT" for l in lines):
                    self.send(b"221 fake.test bye (after the script)\r\n")


def permissive(conn):
    in_data = False
    while True:
        if in_data:
            body = conn.read_until(b"\r\n.\r\n")
            if not body.endswith(b"\r\n.\r\n"):
                return
            conn.send(b"250 2.0.0 queued\r\n")
            in_data = False
            continue
        line = conn.read_until(b"\n")
        if not line.endswith(b"\n"):
            return
        verb = line[:4].upper()
        if verb == b"BDAT":
            # RFC 3030: exactly the announced bytes follow, as they are.
            words = line.split()
            conn.read_exactly(int(words[1]))
            conn.send(b"250 2.0.0 chunk ok\r\n")
            continue
        if verb == b"QUIT":
            conn.send(b"221 2.0.0 bye\r\n")
            return
        if verb == b"DATA":
            conn.send(b"354 go ahead\r\n")
            in_data = True
        elif verb == b"EHLO":
            conn.send(b"250-fake.test\r\n250-SIZE 1000000\r\n250 8BITMIME\r\n")
        else:
            conn.send(b"250 2.0.0 ok\r\n")


def scram(conn, spec):
    """A SCRAM-SHA-256 server exchange (RFC 5802 3) with fixed salt."""
    import base64
    import hashlib
    import hmac

    def line():
        return conn.read_until(b"\n").rstrip(b"\r\n")

    def hm(key, msg):
        return hmac.new(key, msg, hashlib.sha256).digest()

    first = line()
    if not first.startswith(b"AUTH SCRAM-SHA-256 "):
        print(f"fakesmtp: scram: expected AUTH SCRAM-SHA-256 with an initial response, got {first!r}",
              file=sys.stderr)
        return
    cfirst = base64.b64decode(first.split(b" ")[2])
    if not cfirst.startswith(b"n,,"):
        print(f"fakesmtp: scram: bad gs2 header {cfirst!r}", file=sys.stderr)
    bare = cfirst[3:]
    attrs = dict(a.split(b"=", 1) for a in bare.split(b","))
    if attrs[b"n"] != spec["user"].encode():
        print(f"fakesmtp: scram: user {attrs[b'n']!r}", file=sys.stderr)
    salt, iters = b"fakesmtp-salt-16", spec.get("iterations", 4096)
    sfirst = b"r=" + attrs[b"r"] + b"srv-nonce,s=" + base64.b64encode(salt) + b",i=" + str(iters).encode()
    conn.send(b"334 " + base64.b64encode(sfirst) + b"\r\n")
    cfinal = base64.b64decode(line())
    without, proof = cfinal.rsplit(b",p=", 1)
    if without != b"c=biws,r=" + attrs[b"r"] + b"srv-nonce":
        print(f"fakesmtp: scram: client-final {without!r}", file=sys.stderr)
    salted = hashlib.pbkdf2_hmac("sha256", spec["password"].encode(), salt, iters)
    ckey = hm(salted, b"Client Key")
    am = bare + b"," + sfirst + b"," + without
    csig = hm(hashlib.sha256(ckey).digest(), am)
    if bytes(a ^ b for a, b in zip(ckey, csig)) != base64.b64decode(proof):
        print("fakesmtp: scram: the client's proof is wrong", file=sys.stderr)
        conn.send(b"535 5.7.8 bad proof\r\n")
        return
    if spec.get("skip_final"):
        # No server-final (v=): the server never proves it knows the password.
        conn.send(b"235 2.7.0 ok\r\n")
        return
    ssig = hm(hm(salted, b"Server Key"), am)
    if spec.get("bad_signature"):
        ssig = bytes(32)
    conn.send(b"334 " + base64.b64encode(b"v=" + base64.b64encode(ssig)) + b"\r\n")
    last = line()
    if last == b"*":
        conn.send(b"501 5.7.0 cancelled\r\n")
        return
    if last != b"":
        print(f"fakesmtp: scram: expected an empty line, got {last!r}", file=sys.stderr)
    conn.send(b"235 2.7.0 ok\r\n")


LOOKUP_STATE = {"asked": {}}


def lookup_key(arg):
    """The local part of a VRFY/EXPN argument or an RCPT path, lower case."""
    a = arg.strip()
    if a.upper().startswith("TO:"):
        a = a[3:].strip()
    a = a.split(" ")[0] if a.startswith("<") else a
    a = a.strip("<>")
    return a.split("@")[0].lower()


def client_gone(conn):
    """Whether the client has closed its end with nothing left unread.  A
    real server forks per connection and its sleeps hold up no one; this
    one serves connections one after another, so the throttle stops
    sleeping for a client that is gone."""
    if not isinstance(conn.sock, socket.socket) or conn.sock.__class__ is not socket.socket:
        return False                      # TLS: no peeking under it
    try:
        ready, _, _ = select.select([conn.sock], [], [], 0)
        return bool(ready) and conn.sock.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


def lookup_serve(conn, opt):
    """Answer like a directory server, with the defences the options ask for:
      users: {name: reply line or null}   known names (null: the default
             "250 Name <name@fake.test>" to VRFY, "250 2.1.5 Ok" to RCPT);
             a reply line given is used for both
      vrfy: "real" | "252" | "502"        what VRFY does (default real)
      expn: "real" | "502" | "500"        what EXPN does (default: real when
                                          VRFY is, else 502)
      vrfy_502_after: N                   502 to VRFY once N lookups were asked
                                          (over every connection)
      ehlo_domain: "[127.0.0.1]"          the EHLO reply's first word (fake.test)
      needs_domain: true                  501 "must contain a domain" to a
                                          VRFY/EXPN argument without '@' (Exim);
                                          "all": to a bare RCPT too
      catch_all: true                     RCPT accepts every name
      pipelining: true                    advertise PIPELINING
      group_delay: s                      wait before answering each batch
                                          of lines that arrived together
      close_after: N                      close (no reply) at command N+1
      reply_421_after: N                  421 and close at command N+1
      close_on: [names]                   close (no reply) when one is asked
      surplus_rcpt: "550 ..."             send this reply too after each
                                          RCPT's: more replies than commands
      huge_for: [names], huge_lines: N    answer them with a reply of N (30000)
                                          lines: far over smtpsh's budget
      reply_554_after: N                  554 and close at the N+1th VRFY/EXPN
      tarpit_after: N, tarpit: s          from lookup N+1 on, delay each reply
                                          s, 2s, 4s ... (capped at 8s)
      bad_rcpt_throttle: N,               Sendmail's confBAD_RCPT_THROTTLE: once N
        throttle_delay: s (0.3)           RCPTs were refused in the connection,
                                          sleep s before answering each further
                                          RCPT (srvrsmtp.c sleeps before looking
                                          at the name, so a good one waits too);
                                          VRFY and the rest are not slowed
        throttle_flush: "each" | "batch"  each: every reply is written after
                                          its own sleep (replies spaced out);
                                          batch: Sendmail's autoflush -- the
                                          replies to a batch of pipelined
                                          lines wait until all are done
      mail_reply: "550 ..."               the reply to every MAIL
      spike_at: N, spike: s               delay the reply to lookup N by s once
                                          (a loaded machine, not a tarpit)
      temp_once: [names]                  450 the first time a name is asked
      temp_always: [names]                450 every time
      offer_starttls: true                advertise STARTTLS and do it
      log_batches: true                   print each batch of commands read
                                          together ("fakesmtp: batch RSET MAIL ...")
      require_auth: true                  530 to lookups before AUTH (and
                                          before STARTTLS when offered)
    Commands are counted per connection, EHLO included."""
    users = {k.lower(): v for k, v in opt.get("users", {}).items()}
    # EXPN follows VRFY (Postfix's 252 to VRFY comes with no EXPN at all)
    # unless the script says otherwise.
    expn = opt.get("expn", "real" if opt.get("vrfy", "real") == "real" else "502")
    count = 0
    lookups = 0
    nonmail = 0
    in_mail = False
    authed = False
    bad_rcpts = 0
    while True:
        line = conn.read_until(b"\n")
        if not line.endswith(b"\n"):
            return
        batch = [line]
        while b"\n" in conn.buf:
            batch.append(conn.read_until(b"\n"))
        if opt.get("log_batches"):
            # The commands that arrived together (one read): a pipelined
            # group sent in one write comes whole.
            verbs = [b.split(b" ")[0].rstrip(b"\r\n").decode("latin-1").upper() for b in batch]
            print("fakesmtp: batch " + " ".join(verbs), file=sys.stderr, flush=True)
        if opt.get("group_delay"):
            time.sleep(opt["group_delay"])
        out = []
        for raw in batch:
            text = raw.decode("latin-1").rstrip("\r\n")
            verb = text.split(" ")[0].upper()
            arg = text[len(verb) + 1:]
            count += 1
            if opt.get("close_after") is not None and count > opt["close_after"]:
                for r, d in out:
                    time.sleep(d)
                    conn.send(r)
                conn.sock.close()
                return
            if opt.get("reply_421_after") is not None and count > opt["reply_421_after"]:
                out.append((b"421 4.7.0 fake.test Error: too many commands\r\n", 0))
                for r, d in out:
                    time.sleep(d)
                    conn.send(r)
                conn.sock.close()
                return
            if verb in ("VRFY", "EXPN", "RCPT") and lookup_key(arg) in opt.get("close_on", []):
                for r, d in out:
                    time.sleep(d)
                    conn.send(r)
                conn.sock.close()
                return
            if verb in ("VRFY", "EXPN"):
                nonmail += 1
                if opt.get("reply_554_after") is not None and nonmail > opt["reply_554_after"]:
                    out.append((b"554 5.7.0 Too many nonmail commands\r\n", 0))
                    for r, d in out:
                        time.sleep(d)
                        conn.send(r)
                    conn.sock.close()
                    return
            delay = 0
            if verb in ("VRFY", "EXPN", "RCPT"):
                lookups += 1
                if opt.get("spike_at") == lookups and not LOOKUP_STATE.get("spiked"):
                    LOOKUP_STATE["spiked"] = True
                    delay = opt.get("spike", 0.5)
                if opt.get("tarpit_after") is not None and lookups > opt["tarpit_after"]:
                    delay = min(opt.get("tarpit", 0.3) * 2 ** (lookups - opt["tarpit_after"] - 1), 8)
            if verb == "RCPT" and opt.get("bad_rcpt_throttle") is not None and \
                    bad_rcpts >= opt["bad_rcpt_throttle"]:
                delay = opt.get("throttle_delay", 0.3)
            if verb == "QUIT":
                out.append((b"221 2.0.0 Bye\r\n", 0))
                for r, d in out:
                    time.sleep(d)
                    conn.send(r)
                return
            if verb == "EHLO":
                ext = "250-" + opt.get("ehlo_domain", "fake.test") + "\r\n250-SIZE 1000000\r\n"
                if opt.get("pipelining"):
                    ext += "250-PIPELINING\r\n"
                if opt.get("offer_starttls") and not isinstance(conn.sock, __import__("ssl").SSLSocket):
                    ext += "250-STARTTLS\r\n"
                ext += "250 AUTH PLAIN\r\n"
                reply = ext
            elif verb == "HELO":
                reply = "250 fake.test\r\n"
            elif verb == "STARTTLS":
                for r, d in out:
                    time.sleep(d)
                    conn.send(r)
                out = []
                conn.send(b"220 2.0.0 go ahead\r\n")
                conn.sock = TLS_CONTEXT.wrap_socket(conn.sock, server_side=True)
                continue
            elif verb == "AUTH":
                authed = True
                reply = "235 2.7.0 Authentication successful\r\n"
            elif verb == "MAIL" and opt.get("mail_reply"):
                reply = opt["mail_reply"] + "\r\n"
            elif verb == "MAIL":
                in_mail = True
                reply = "250 2.1.0 Ok\r\n"
            elif verb == "RSET":
                in_mail = False
                reply = "250 2.0.0 Ok\r\n"
            elif verb == "NOOP":
                reply = "250 2.0.0 Ok\r\n"
            elif verb == "DATA":
                reply = "554 5.5.1 this fake never takes DATA\r\n"
            elif verb in ("VRFY", "EXPN", "RCPT"):
                key = lookup_key(arg)
                asked = LOOKUP_STATE["asked"]
                asked[key] = asked.get(key, 0) + 1
                secure = not opt.get("offer_starttls") or isinstance(
                    conn.sock, __import__("ssl").SSLSocket)
                if opt.get("require_auth") and not (authed and secure):
                    reply = "530 5.7.0 Authentication required\r\n"
                elif key in opt.get("huge_for", []):
                    # Far past smtpsh's budget of 10,000 lines (1 MiB) for one reply.
                    reply = ("250-" + "x" * 60 + "\r\n") * opt.get("huge_lines", 30000) + "250 end\r\n"
                elif key in opt.get("temp_always", []) or (
                        key in opt.get("temp_once", []) and asked[key] == 1):
                    reply = "450 4.2.1 try again later\r\n"
                elif verb == "RCPT" and not in_mail:
                    reply = "503 5.5.1 Error: need MAIL command\r\n"
                elif verb == "RCPT" and opt.get("catch_all"):
                    reply = "250 2.1.5 Ok\r\n"
                elif verb == "VRFY" and opt.get("vrfy", "real") == "252":
                    reply = "252 2.0.0 Cannot VRFY user\r\n"
                elif verb == "VRFY" and (opt.get("vrfy", "real") == "502" or (
                        opt.get("vrfy_502_after") is not None and
                        sum(asked.values()) > opt["vrfy_502_after"])):
                    reply = "502 5.5.1 VRFY disabled\r\n"
                elif verb == "EXPN" and expn == "502":
                    reply = "502 5.5.2 Error: command not recognized\r\n"
                elif verb == "EXPN" and expn == "500":
                    reply = "500 5.5.1 Unrecognized command\r\n"
                elif verb != "RCPT" and opt.get("needs_domain") and "@" not in arg:
                    # Exim: a bare local part is no address to it.
                    reply = f"501 5.5.2 {verb} argument must contain a domain\r\n"
                elif verb == "RCPT" and opt.get("needs_domain") == "all" and "@" not in arg:
                    reply = "501 5.1.3 recipient address must contain a domain\r\n"
                elif key in users:
                    given = users[key]
                    if given:
                        reply = given.replace("\\r\\n", "\r\n")
                        if not reply.endswith("\r\n"):
                            reply += "\r\n"
                    elif verb == "RCPT":
                        reply = "250 2.1.5 Ok\r\n"
                    else:
                        reply = f"250 {key.title()} <{key}@fake.test>\r\n"
                else:
                    reply = f"550 5.1.1 <{key}>: Recipient address rejected: User unknown\r\n"
            else:
                reply = "500 5.5.2 Error: command not recognized\r\n"
            if verb == "RCPT" and opt.get("surplus_rcpt"):
                # One reply too many, in the same write: the replies shift.
                reply += opt["surplus_rcpt"] + "\r\n"
            if verb == "RCPT" and reply[:1] == "5":
                bad_rcpts += 1
            out.append((reply.encode("latin-1"), delay))
        throttle = opt.get("bad_rcpt_throttle") is not None
        if opt.get("throttle_flush") == "batch":
            # Sendmail flushes its output only when it must read more input.
            for _, d in out:
                if d and throttle and client_gone(conn):
                    return
                time.sleep(d)
            out = [(b"".join(r for r, _ in out), 0)]
        for r, d in out:
            if d and throttle and client_gone(conn):
                return
            time.sleep(d)
            conn.send(r)


def run(conn, steps):
    for step in steps:
        if "send" in step:
            conn.send(step["send"].encode("latin-1"))
        elif "send_hex" in step:
            conn.send(bytes.fromhex(step["send_hex"]))
        elif "send_bytewise" in step:
            for b in step["send_bytewise"].encode("latin-1"):
                conn.send(bytes([b]))
                time.sleep(0.001)
        elif "send_repeat" in step:
            chunk = step["send_repeat"].encode("latin-1") * 1024
            total = step["count"]
            while total > 0:
                n = min(total, 1024)
                conn.send(chunk[: n * len(step["send_repeat"])])
                total -= n
        elif "expect" in step:
            line = conn.read_until(b"\n")
            want = step["expect"].encode("latin-1")
            if not line.upper().startswith(want.upper()):
                print(f"fakesmtp: expected {want!r}, got {line!r}", file=sys.stderr)
        elif "read_line" in step:
            conn.read_until(b"\n")
        elif "read_data" in step:
            conn.read_until(b"\r\n.\r\n")
        elif "read_proxy_v2" in step:
            head = conn.read_exactly(16)
            conn.read_exactly(int.from_bytes(head[14:16], "big"))
        elif "sleep" in step:
            time.sleep(step["sleep"])
        elif "wait_file" in step:
            deadline = time.time() + 60
            while not os.path.exists(step["wait_file"]) and time.time() < deadline:
                time.sleep(0.01)
        elif "send_drip" in step:
            for b in step["send_drip"].encode("latin-1"):
                if not conn.send(bytes([b])):
                    break
                time.sleep(step.get("interval", 1.0))
        elif "send_endless" in step:
            chunk = step["send_endless"].encode("latin-1") * 256
            conn.sock.settimeout(10)
            try:
                while True:
                    conn.sock.sendall(chunk)
            except OSError:
                pass
        elif "wait_go" in step:
            ready, _, _ = select.select([sys.stdin], [], [], 30.0)
            if not ready or not sys.stdin.readline():
                print("fakesmtp: no go from the test", file=sys.stderr)
        elif "close" in step:
            if step["close"] == "rst":
                conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                     b"\x01\x00\x00\x00\x00\x00\x00\x00")
            conn.sock.close()
            return False
        elif "drain" in step:
            conn.drain(limit=30.0)
        elif "starttls" in step:
            try:
                conn.sock = tls_wrap(conn.sock)
            except (OSError, ValueError) as e:
                print(f"fakesmtp: TLS handshake failed: {e}", file=sys.stderr)
                return False
        elif "scram" in step:
            scram(conn, step["scram"])
        elif "serve" in step and step["serve"] == "lookup":
            lookup_serve(conn, step)
        elif "serve" in step and step["serve"] == "audit":
            from fakesmtp_audit import audit_serve
            audit_serve(conn, step)
        elif "serve" in step:
            permissive(conn)
        else:
            raise SystemExit(f"fakesmtp: unknown step {step!r}")
    return True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--script", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--record", required=True)
    ap.add_argument("--ipv6", action="store_true")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--implicit-tls", action="store_true",
                    help="TLS from the first byte (SMTPS)")
    ap.add_argument("--host")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--unix")
    ap.add_argument("--peer-file")
    ap.add_argument("--tls-max")
    ap.add_argument("--tls-client-ca")
    ap.add_argument("--tls-info")
    ap.add_argument("--tls-min", help="1.0: accept TLS 1.0 and up (security level 0)")
    ap.add_argument("--tls-ciphers", help="an OpenSSL cipher string (security level 0)")
    ap.add_argument("--connections", type=int, default=1,
                    help="serve this many connections, one after another")
    args = ap.parse_args()
    global TLS_CONTEXT, TLS_INFO
    if args.tls_cert:
        import ssl
        TLS_CONTEXT = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        if args.tls_min or args.tls_ciphers:
            # Weak on purpose (the audit's tests): level 0 first, so a
            # small key loads and old versions and suites are offered.
            TLS_CONTEXT.set_ciphers(args.tls_ciphers or "DEFAULT:@SECLEVEL=0")
            TLS_CONTEXT.minimum_version = ssl.TLSVersion.TLSv1_2
        if args.tls_min == "1.0":
            import warnings
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                TLS_CONTEXT.minimum_version = ssl.TLSVersion.TLSv1
        TLS_CONTEXT.load_cert_chain(args.tls_cert, args.tls_key)
        TLS_CONTEXT.sni_callback = lambda sock, name, ctx: SNI_SEEN.append(name)
        if args.tls_max == "1.2":
            TLS_CONTEXT.maximum_version = ssl.TLSVersion.TLSv1_2
        if args.tls_client_ca:
            TLS_CONTEXT.verify_mode = ssl.CERT_REQUIRED
            TLS_CONTEXT.load_verify_locations(args.tls_client_ca)
        TLS_INFO = args.tls_info
    with open(args.script) as f:
        steps = json.load(f)
    host = args.host or ("::1" if args.ipv6 else "127.0.0.1")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    if args.unix:
        ls = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        ls.bind(args.unix)
        port = 0
    else:
        ls = socket.socket(family, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind((host, args.port))
        port = ls.getsockname()[1]
    ls.listen(8)
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(port))
    import os
    os.replace(args.port_file + ".tmp", args.port_file)
    ls.settimeout(60)
    with open(args.record, "wb") as record:
        for _ in range(args.connections):
            try:
                sock, peer = ls.accept()
            except socket.timeout:
                return 1
            if args.peer_file:
                with open(args.peer_file, "w") as f:
                    f.write(peer[0] if isinstance(peer, tuple) else "unix")
            if args.implicit_tls:
                try:
                    sock = tls_wrap(sock)
                except (OSError, ValueError) as e:
                    print(f"fakesmtp: TLS handshake failed: {e}", file=sys.stderr)
                    if args.connections > 1:
                        continue        # the audit's probes: the next one
                    return 1
            conn = Conn(sock, record)
            if run(conn, steps):
                if args.connections == 1:
                    conn.drain(answer_quit=True)
                try:
                    conn.sock.close()
                except OSError:
                    pass
    ls.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
