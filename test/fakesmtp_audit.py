"""fakesmtp_audit.py - {"serve": "audit", ...} for test/fakesmtp.py: a mail
server with exactly the weaknesses a test asks for, to audit (issue 22).

    banner: "mx.fake.test ESMTP"       the greeting's text after "220 "
    ehlo_domain: "mx.fake.test"        the EHLO reply's first word
    extensions: ["PIPELINING", "SIZE 10240000", "STARTTLS", "8BITMIME"]
                                       the EHLO reply's keywords
    relay: [] | "all" | ["%", "!"]     RCPTs accepted although the domain is
                                       not ours: all of them, or those whose
                                       argument holds one of the strings;
                                       the rest: 554 5.7.1 Relay access denied
    mailboxes: []                      RCPT TO:<these> is accepted (our own)
    vrfy: "252" | "real" | "502" | "postfix"
                                       real: 250 <name@mx.fake.test>;
                                       postfix: 252 for a name in known,
                                       550 5.1.1 for the rest (Postfix with
                                       VRFY on: 252 tells a user apart)
    known: ["postmaster"]              the users "postfix" VRFY knows
    unknown_reply: "550 5.1.1 ..."     "postfix" VRFY's reply to the rest
                                       (Exim: 501 to a name without a
                                       domain but postmaster)
    expn: "502" | "real"               real: a list of two members
    greet_wait: 0                      seconds before the greeting; a client
                                       that talks in them gets
    pregreet: "ignore" | "reject"      reject: 554 and the connection closed
                                       (Postfix postscreen's enforce)
    slow_vrfy: 0                       seconds before each VRFY is answered
    auth_in_clear: false               true: AUTH gets 334 without TLS (and
                                       "*" 501), advertised or not; else
                                       530 (Must issue a STARTTLS first)
    tls_extensions: [...]              the EHLO reply's keywords after STARTTLS
                                       (default: extensions without STARTTLS);
                                       STARTTLS needs FakeServer(tls=...)
                                       (without it: 454)
    max_nonmail: 0                     N: the N+1th RSET, VRFY, EXPN, NOOP or
                                       HELP on a connection gets "554 Too many
                                       nonmail commands" and the connection is
                                       closed (Exim's smtp_accept_max_nonmail,
                                       10 by default)
    tls_fails: false                   true: every handshake after STARTTLS's
                                       220 fails -- the ClientHello is read
                                       and answered with a fatal
                                       internal_error alert, as OpenSMTPD
                                       6.8.0p2 does with OpenSSL 3
                                       (OpenSMTPD issue #1171)
    data: "refuse" | "strict" | "bare-lf"
                                       refuse: 554 to DATA.  strict: 354, the
                                       body ends only at CRLF.CRLF.  bare-lf:
                                       354, the body is read in lines ended
                                       by LF, and a line "." (CR or not) ends
                                       it -- LF.LF, LF.CRLF and CRLF.LF too:
                                       open to SMTP smuggling.  reject-bare:
                                       354, the body read to CRLF.CRLF; a
                                       bare CR or LF in it gets "421 4.5.0
                                       Bare linefeed (LF) not allowed" and
                                       the connection closed (Sendmail
                                       8.17.1.9-2+deb12u2).  After the
                                       body: "fakesmtp: audit body N bytes"
                                       and 250.
Every line read is printed on stderr ("fakesmtp: audit LINE", "fakesmtp:
audit tls LINE" under TLS), so a test can check that no DATA was ever sent
and what went over TLS."""
import socket
import ssl
import sys
import time


def read_body(conn, mode):
    """The body after a 354, up to its end as mode sees it (None: the
    client went away)."""
    if mode in ("strict", "reject-bare"):
        data = conn.read_until(b"\r\n.\r\n")
        return data if data.endswith(b"\r\n.\r\n") else None
    body = b""
    while True:
        line = conn.read_until(b"\n")
        if not line.endswith(b"\n"):
            return None
        if line.rstrip(b"\r\n") == b".":
            return body
        body += line


def audit_serve(conn, opt):
    domain = opt.get("ehlo_domain", "mx.fake.test")
    wait = opt.get("greet_wait", 0)
    if wait:
        # Anything the client says before the greeting is early talking.
        early = conn._fill(timeout=wait)
        if early and opt.get("pregreet", "ignore") == "reject":
            conn.send(b"554 5.5.1 " + domain.encode() + b" Error: talked before the greeting\r\n")
            conn.sock.close()
            return
    conn.send(("220 " + opt.get("banner", domain + " ESMTP") + "\r\n").encode("latin-1"))
    exts = opt.get("extensions", ["PIPELINING", "SIZE 10240000", "STARTTLS", "8BITMIME"])
    relay = opt.get("relay", [])
    nonmail = 0
    while True:
        line = conn.read_until(b"\n")
        if not line.endswith(b"\n"):
            return
        text = line.decode("latin-1").rstrip("\r\n")
        tls = isinstance(conn.sock, ssl.SSLSocket)
        print("fakesmtp: audit " + ("tls " if tls else "") + text, file=sys.stderr, flush=True)
        verb = text.split(" ")[0].upper()
        arg = text[len(verb) + 1:]
        if verb == "STARTTLS" and not tls and "STARTTLS" in exts and \
                sys.modules["__main__"].TLS_CONTEXT is None:
            out = "454 4.7.0 TLS not available\r\n"
        elif verb == "STARTTLS" and not tls and "STARTTLS" in exts:
            conn.send(b"220 2.0.0 Ready to start TLS\r\n")
            if opt.get("tls_fails"):
                conn._fill(timeout=2)
                print("fakesmtp: TLS handshake failed: internal_error sent", file=sys.stderr)
                conn.send(b"\x15\x03\x03\x00\x02\x02\x50")
                conn.sock.close()
                return
            try:
                conn.sock = sys.modules["__main__"].TLS_CONTEXT.wrap_socket(conn.sock,
                                                                           server_side=True)
            except (OSError, ValueError) as e:
                print(f"fakesmtp: TLS handshake failed: {e}", file=sys.stderr)
                return
            continue
        if verb in ("RSET", "VRFY", "EXPN", "NOOP", "HELP") and opt.get("max_nonmail"):
            nonmail += 1
            if nonmail > opt["max_nonmail"]:
                conn.send(b"554 Too many nonmail commands\r\n")
                conn.sock.close()
                return
        if verb == "EHLO":
            lines = [domain] + (opt.get("tls_extensions", [e for e in exts if e != "STARTTLS"])
                                if tls else exts)
            out = "".join(f"250{'-' if i + 1 < len(lines) else ' '}{l}\r\n" for i, l in enumerate(lines))
        elif verb == "HELO":
            out = f"250 {domain}\r\n"
        elif verb == "MAIL":
            out = "250 2.1.0 Ok\r\n"
        elif verb == "RCPT":
            ok = relay == "all" or any(s in arg for s in relay) or \
                any(arg.lower() == f"to:<{m}>" for m in opt.get("mailboxes", []))
            out = "250 2.1.5 Ok\r\n" if ok else "554 5.7.1 <" + arg + ">: Relay access denied\r\n"
        elif verb == "VRFY":
            time.sleep(opt.get("slow_vrfy", 0))
            mode = opt.get("vrfy", "252")
            if mode == "postfix" and arg.lower() not in opt.get("known", ["postmaster"]):
                mode = "550"
            out = {"252": f"252 2.0.0 {arg}\r\n", "postfix": f"252 2.0.0 {arg}\r\n",
                   "550": opt.get("unknown_reply", f"550 5.1.1 <{arg}>: Recipient address "
                                  "rejected: User unknown") + "\r\n",
                   "502": "502 5.5.1 VRFY command is disabled\r\n"}.get(
                mode, f"250 2.1.5 {arg.capitalize()} <{arg}@{domain}>\r\n")
        elif verb == "EXPN":
            if opt.get("expn", "502") == "real":
                out = f"250-2.1.5 <alice@{domain}>\r\n250 2.1.5 <bob@{domain}>\r\n"
            else:
                out = "502 5.5.1 EXPN not available\r\n"
        elif verb == "AUTH" and not tls:
            if opt.get("auth_in_clear"):
                conn.send(b"334 \r\n")
                cancel = conn.read_until(b"\n")
                print("fakesmtp: audit " + cancel.decode("latin-1").rstrip("\r\n"),
                      file=sys.stderr, flush=True)
                out = "501 5.7.0 Authentication aborted\r\n"
            else:
                out = "530 5.7.0 Must issue a STARTTLS command first\r\n"
        elif verb in ("RSET", "NOOP"):
            out = "250 2.0.0 Ok\r\n"
        elif verb == "QUIT":
            conn.send(b"221 2.0.0 Bye\r\n")
            return
        elif verb == "DATA" and opt.get("data", "refuse") != "refuse":
            conn.send(b"354 End data with <CR><LF>.<CR><LF>\r\n")
            body = read_body(conn, opt["data"])
            if body is None:
                return
            bare = body.replace(b"\r\n", b"")
            if opt["data"] == "reject-bare" and (b"\n" in bare or b"\r" in bare):
                conn.send(b"421 4.5.0 Bare linefeed (LF) not allowed\r\n")
                conn.sock.close()
                return
            print(f"fakesmtp: audit body {len(body)} bytes", file=sys.stderr, flush=True)
            out = "250 2.0.0 Ok: queued\r\n"
        elif verb == "DATA":
            out = "554 5.5.1 the audit test server takes no DATA\r\n"
        else:
            out = "502 5.5.2 Error: command not recognized\r\n"
        try:
            conn.send(out.encode("latin-1"))
        except (socket.error, OSError):
            return
