#!/usr/bin/env python3
"""delay_proxy.py - a TCP proxy on 127.0.0.1 that delays every chunk by a
fixed time each way, as a link with that latency would (order kept, chunks
in flight overlap), for test/bench/message.sh.

    delay_proxy.py LISTEN_PORT UPSTREAM_PORT DELAY_SECONDS LOGFILE

Each time the client writes after the server has written since the
client's last write -- a new round trip -- a line goes to LOGFILE."""
import asyncio
import sys
import time


async def pump(reader, writer, delay, on_chunk):
    loop = asyncio.get_running_loop()
    last = 0.0
    while True:
        data = await reader.read(65536)
        if not data:
            break
        on_chunk()
        # Deliver no earlier than `delay` after arrival, and in order.
        due = max(time.monotonic() + delay, last)
        last = due

        def send(d=data):
            try:
                writer.write(d)
            except Exception:
                pass
        loop.call_at(loop.time() + (due - time.monotonic()), send)
    await asyncio.sleep(delay)
    try:
        writer.close()
    except Exception:
        pass


async def main():
    listen, upstream, delay, logfile = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]

    async def handle(creader, cwriter):
        sreader, swriter = await asyncio.open_connection("127.0.0.1", upstream)
        state = {"server_spoke": True}

        def client_chunk():
            if state["server_spoke"]:
                with open(logfile, "a") as f:
                    f.write("trip\n")
            state["server_spoke"] = False

        def server_chunk():
            state["server_spoke"] = True

        await asyncio.gather(pump(creader, swriter, delay, client_chunk),
                             pump(sreader, cwriter, delay, server_chunk))

    server = await asyncio.start_server(handle, "127.0.0.1", listen)
    async with server:
        await server.serve_forever()


asyncio.run(main())
