#!/usr/bin/env python3
"""fakedns.py - a tiny authoritative DNS responder on loopback for the MX
tests.  Stdlib only; it answers UDP queries (class IN) from a JSON zone and
records every question it gets.

    fakedns.py --zone ZONE.json --port-file PORTFILE --log LOGFILE

It listens on 127.0.0.1 port 0 (UDP, and TCP on the same port for a
resolver that retries over TCP), writes the port to PORTFILE once it
listens, and serves until it is killed.  smtpsh is pointed at it with
SMTPSH_DNS_SERVER=127.0.0.1:PORT (the system's /etc/resolv.conf is never
read for that server, and never changed).

The zone maps a name (lower case, no trailing dot) to its records:

    {"example.test": {"MX": [[10, "mx1.example.test"], [20, "mx2.example.test"]]},
     "mx1.example.test": {"A": ["127.0.0.2"], "AAAA": ["::1"]},
     "2.0.0.127.in-addr.arpa": {"PTR": ["mx1.example.test"]},
     "_smtp._tls.example.test": {"TXT": ["v=TLSRPTv1; rua=mailto:r@example.test"]},
     "_25._tcp.mx1.example.test": {"TLSA": [[3, 1, 1, "ab12..."]]},
     "null.test": {"MX": [[0, "."]]},
     "broken.test": {"rcode": "SERVFAIL"},
     "slow.test": {"silent": true}}

A TXT record is a string, or a list of its character-strings (each at
most 255 octets); a TLSA record is [usage, selector, matching type, the
association data in hex].

"MXRAW" adds MX records whose RDATA is given as hex, for answers a
resolver cannot read: "01" (one octet), or "000a" + "LOOP" (a compression
pointer to itself).

A name that is not in the zone gets NXDOMAIN; a name without the type
asked gets NOERROR with no answer (NODATA); "rcode" answers every query
for the name with that code; "silent" never answers (a resolver timeout).
Each question is appended to LOGFILE as "NAME TYPE\\n".
"""
import argparse
import ipaddress
import json
import os
import select
import socket
import struct
import sys

TYPES = {1: "A", 15: "MX", 28: "AAAA", 5: "CNAME", 16: "TXT", 6: "SOA", 12: "PTR", 52: "TLSA"}
RCODES = {"NOERROR": 0, "FORMERR": 1, "SERVFAIL": 2, "NXDOMAIN": 3, "NOTIMP": 4, "REFUSED": 5}


def read_name(msg, pos):
    labels = []
    while True:
        n = msg[pos]
        pos += 1
        if n == 0:
            return ".".join(labels), pos
        if n & 0xC0:
            raise ValueError("no compression in questions")
        labels.append(msg[pos:pos + n].decode("latin-1"))
        pos += n


def encode_name(name):
    if name in (".", ""):
        return b"\x00"
    out = b""
    for label in name.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode("latin-1")
    return out + b"\x00"


def rdata(rtype, value):
    if rtype == "A":
        return ipaddress.IPv4Address(value).packed
    if rtype == "AAAA":
        return ipaddress.IPv6Address(value).packed
    if rtype == "MX":
        return struct.pack("!H", value[0]) + encode_name(value[1])
    if rtype in ("CNAME", "PTR"):
        return encode_name(value)
    if rtype == "TXT":
        # One record: a string, or a list of its character-strings.
        parts = [value] if isinstance(value, str) else value
        out = b""
        for part in parts:
            raw = part.encode("latin-1")
            out += bytes([len(raw)]) + raw
        return out
    if rtype == "TLSA":
        return bytes(value[:3]) + bytes.fromhex(value[3])
    raise ValueError(rtype)


def answer(zone, query, log):
    """The response to one query, or None to stay silent."""
    qid, flags, qd = struct.unpack("!HHH", query[:6])
    name, pos = read_name(query, 12)
    qtype, qclass = struct.unpack("!HH", query[pos:pos + 4])
    question = query[12:pos + 4]
    tname = TYPES.get(qtype, str(qtype))
    with open(log, "a") as f:
        f.write(f"{name.lower()} {tname}\n")
    node = zone.get(name.lower().rstrip("."))
    rcode = 0
    answers = []
    if node is None:
        rcode = RCODES["NXDOMAIN"]
    elif node.get("silent"):
        return None
    elif "rcode" in node:
        rcode = RCODES[node["rcode"]]
    else:
        for value in node.get(tname, []):
            data = rdata(tname, value)
            answers.append(b"\xc0\x0c" + struct.pack("!HHIH", qtype, 1, 60, len(data)) + data)
        for raw in node.get("MXRAW", []) if tname == "MX" else []:
            # Where this record's RDATA starts: header, question, answers so
            # far, then owner pointer (2) and type/class/ttl/rdlength (10).
            at = 12 + len(question) + sum(len(a) for a in answers) + 12
            head_hex, _, _ = raw.partition("LOOP")
            data = bytes.fromhex(head_hex)
            if "LOOP" in raw:
                data += struct.pack("!H", 0xC000 | (at + len(data)))
            answers.append(b"\xc0\x0c" + struct.pack("!HHIH", qtype, 1, 60, len(data)) + data)
    rflags = 0x8000 | 0x0400 | (flags & 0x0100) | 0x0080 | rcode   # QR AA RD RA
    head = struct.pack("!HHHHHH", qid, rflags, 1, len(answers), 0, 0)
    return head + question + b"".join(answers)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--zone", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    args = ap.parse_args()
    with open(args.zone) as f:
        zone = {k.lower().rstrip("."): v for k, v in json.load(f).items()}
    # The kernel picks a free UDP port; TCP on the same number may be taken
    # by someone else's connection: then another UDP port is tried.
    for _ in range(50):
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.bind(("127.0.0.1", 0))
        port = udp.getsockname()[1]
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            tcp.bind(("127.0.0.1", port))
            break
        except OSError:
            udp.close()
            tcp.close()
    else:
        raise SystemExit("fakedns: no port free for both UDP and TCP")
    tcp.listen(8)
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(port))
    os.replace(args.port_file + ".tmp", args.port_file)
    while True:
        ready, _, _ = select.select([udp, tcp], [], [])
        if udp in ready:
            query, peer = udp.recvfrom(65535)
            try:
                resp = answer(zone, query, args.log)
            except (ValueError, IndexError, struct.error) as e:
                print(f"fakedns: bad query: {e}", file=sys.stderr)
                continue
            if resp is not None:
                udp.sendto(resp, peer)
        if tcp in ready:
            conn, _ = tcp.accept()
            conn.settimeout(5)
            try:
                size = struct.unpack("!H", conn.recv(2))[0]
                query = b""
                while len(query) < size:
                    chunk = conn.recv(size - len(query))
                    if not chunk:
                        break
                    query += chunk
                resp = answer(zone, query, args.log)
                if resp is not None:
                    conn.sendall(struct.pack("!H", len(resp)) + resp)
            except (OSError, ValueError, IndexError, struct.error):
                pass
            conn.close()


if __name__ == "__main__":
    sys.exit(main())
