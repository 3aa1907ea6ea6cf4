#!/usr/bin/env python3
"""test/bench/attack.py - issue 10's load test of the teaching server, run by
hand (not by `meson test`): can a room of hostile students take it down?

    test/bench/attack.py BUILD_DIR [--quick]

Each scenario starts its own `smtpsh --serve 127.0.0.1:0` (defaults: 256
slots, 64 per address, 120 s idle, 30 s per line, 64 MiB memory) and
reports the server's peak RSS (VmHWM) and whether a new client, connecting
from an address of its own, is served (220, then 250 to NOOP) within 1 s:

1. crowd:     500 clients at once (10 per source address 127.0.0.2-51), each
              sends one 1 KiB message, then stays connected, idle, for 5 s;
              one told 421 at connect tries again 0.5 s later.
2. slowloris: 256 clients (32 per address) each send one byte every 2 s and
              never end a line, and reconnect when cut off; a probe every
              2 s for 40 s (10 s with --quick).
3. big:       one 9.9 MiB message to 100 recipients (alice, bob, postmaster
              and 25 remote), then HELP STATUS for the server's own count.

Needs only python3.  Uses source addresses 127.0.0.2-127.0.0.90 (Linux
routes all of 127/8 to loopback).
"""
import asyncio
import os
import re
import subprocess
import sys
import time

BUILD = sys.argv[1] if len(sys.argv) > 1 else "build"
QUICK = "--quick" in sys.argv
SMTPSH = os.path.join(BUILD, "src", "shell", "smtpsh")


def start_server():
    p = subprocess.Popen([SMTPSH, "--serve", "127.0.0.1:0", "--quiet"], stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True)
    line = p.stderr.readline()
    m = re.search(r"port (\d+)", line)
    if not m:
        p.kill()
        sys.exit(f"server did not start: {line!r}")
    return p, int(m.group(1))


def peak_rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return -1.0


async def read_reply(r, timeout=10.0):
    """One reply's code (0 on EOF/timeout) and its last line."""
    while True:
        line = await asyncio.wait_for(r.readline(), timeout)
        if not line:
            return 0, b""
        if len(line) < 4 or line[3:4] != b"-":
            try:
                return int(line[:3]), line
            except ValueError:
                return 0, line


async def connect(port, src):
    return await asyncio.open_connection("127.0.0.1", port, local_addr=(src, 0))


async def probe(port, src="127.0.0.90"):
    """Seconds until a new client has 220 and a 250 to NOOP; None if refused."""
    t0 = time.monotonic()
    try:
        r, w = await connect(port, src)
        code, _ = await read_reply(r, 5)
        if code != 220:
            w.close()
            return None
        w.write(b"NOOP\r\n")
        code, _ = await read_reply(r, 5)
        w.write(b"QUIT\r\n")
        w.close()
        return time.monotonic() - t0 if code == 250 else None
    except (OSError, asyncio.TimeoutError):
        return None


async def crowd_client(port, i, stats):
    """One transaction; told 421 at connect (server full), try again in 0.5 s."""
    src = f"127.0.0.{2 + i % 50}"
    try:
        for attempt in range(40):
            r, w = await connect(port, src)
            code, _ = await read_reply(r)
            if code == 220:
                break
            stats["refused"] += 1
            w.close()
            await asyncio.sleep(0.5)
        else:
            stats["failed"] += 1
            return
        for cmd, want in ((b"EHLO crowd.example", 250), (b"MAIL FROM:<s@crowd.example>", 250),
                          (b"RCPT TO:<alice>", 250), (b"DATA", 354)):
            w.write(cmd + b"\r\n")
            code, _ = await read_reply(r)
            if code != want:
                stats["failed"] += 1
                w.close()
                return
        w.write((b"x" * 62 + b"\r\n") * 16 + b".\r\n")
        code, _ = await read_reply(r)
        stats["sent" if code == 250 else "failed"] += 1
        # Stay, idle, then leave politely (unless the server needed the slot).
        try:
            code, _ = await read_reply(r, 5)
            if code == 421:
                stats["evicted"] += 1
        except asyncio.TimeoutError:
            pass
        w.write(b"QUIT\r\n")
        w.close()
    except (OSError, asyncio.TimeoutError):
        stats["failed"] += 1


async def scenario_crowd(port):
    stats = {"sent": 0, "refused": 0, "failed": 0, "evicted": 0}
    tasks = [asyncio.create_task(crowd_client(port, i, stats)) for i in range(500)]
    await asyncio.sleep(2)
    p = await probe(port)
    await asyncio.gather(*tasks)
    return stats, p


async def drip_client(port, i, stats, stop):
    """A byte every 2 s, never a line end; cut off, it comes straight back."""
    src = f"127.0.0.{2 + i % 8}"
    while not stop.is_set():
        try:
            r, w = await connect(port, src)
            code, _ = await read_reply(r)
            if code != 220:
                stats["refused"] += 1
                w.close()
                await asyncio.sleep(2)
                continue
            stats["held"] += 1
            reader = asyncio.create_task(read_reply(r, 3600))
            while not stop.is_set():
                w.write(b"N")
                await w.drain()
                done, _ = await asyncio.wait({reader}, timeout=2)
                if done:
                    code, _ = reader.result()
                    stats["421"] += code == 421
                    break
            reader.cancel()
            w.close()
        except (OSError, asyncio.TimeoutError, ConnectionError):
            stats["dropped"] += 1


async def scenario_slowloris(port):
    stats = {"held": 0, "refused": 0, "421": 0, "dropped": 0}
    stop = asyncio.Event()
    tasks = [asyncio.create_task(drip_client(port, i, stats, stop)) for i in range(256)]
    await asyncio.sleep(3)
    probes = []
    for _ in range(5 if QUICK else 20):
        probes.append(await probe(port))
        await asyncio.sleep(2)
    stop.set()
    await asyncio.gather(*tasks)
    return stats, probes


async def scenario_big(port):
    r, w = await connect(port, "127.0.0.2")
    await read_reply(r)
    w.write(b"EHLO big.example\r\nMAIL FROM:<s@big.example>\r\n")
    await read_reply(r)
    await read_reply(r)
    for i in range(100):
        to = ["alice", "bob", "postmaster", f"r{i}@far.example"][i % 4]
        w.write(f"RCPT TO:<{to}>\r\n".encode())
        code, _ = await read_reply(r)
        assert code == 250, code
    w.write(b"DATA\r\n")
    await read_reply(r)
    line = b"y" * 998 + b"\r\n"
    size = 99 * 1024 * 1024 // 10
    t0 = time.monotonic()
    w.write(line * (size // 1000) + b".\r\n")
    code, text = await read_reply(r, 60)
    secs = time.monotonic() - t0
    w.write(b"HELP STATUS\r\n")
    status = []
    while True:
        l = await r.readline()
        status.append(l.decode().strip())
        if l[3:4] != b"-":
            break
    w.close()
    mem = [s for s in status if "memory" in s]
    return code, secs, mem[0] if mem else ""


def run(name, coro_fn):
    srv, port = start_server()
    try:
        result = asyncio.run(coro_fn(port))
        rss = peak_rss_mib(srv.pid)
    finally:
        srv.terminate()
        srv.wait()
    return result, rss


def fmt_probe(p):
    return "refused" if p is None else f"{p * 1000:.0f} ms"


def main():
    print(f"== {os.uname().sysname} {os.uname().release} {os.uname().machine}, "
          f"{os.cpu_count()} cores; {SMTPSH}")
    (stats, p), rss = run("crowd", scenario_crowd)
    print(f"crowd: 500 clients: {stats['sent']} messages accepted, {stats['refused']} times told "
          f"421 at connect (retried), {stats['evicted']} idle ones made way (421), {stats['failed']} failed; "
          f"new client: {fmt_probe(p)}; peak RSS {rss:.1f} MiB")
    (stats, probes), rss = run("slowloris", scenario_slowloris)
    served = [p for p in probes if p is not None]
    worst = max(served) * 1000 if served else float("nan")
    print(f"slowloris: 256 drip clients (reconnecting): {stats['held']} slots taken, "
          f"{stats['refused']} refused, {stats['421']} cut off with 421; new clients: {len(served)}/{len(probes)} served, "
          f"slowest {worst:.0f} ms; peak RSS {rss:.1f} MiB")
    (code, secs, mem), rss = run("big", scenario_big)
    print(f"big: 9.9 MiB to 100 recipients: {code} in {secs:.2f} s; {mem}; peak RSS {rss:.1f} MiB")


if __name__ == "__main__":
    main()
