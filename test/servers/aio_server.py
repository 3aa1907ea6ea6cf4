"""aio_server.py - aiosmtpd on 127.0.0.1, port 0: the kernel picks a free
port when the server binds, and the server writes the port it got to
PORTFILE (atomically) once it listens, so no other process can take the
port between choosing and binding it.  Messages are kept by
aio_handler.RawSaver in DIRECTORY.  Runs until SIGTERM.

    aio_server.py DIRECTORY PORTFILE

As `python3 -m aiosmtpd -n` would serve, except the host name is fixed
(aiosmtpd.smtpsh.test) so the banner does not depend on this machine."""
import asyncio
import os
import signal
import sys

from aiosmtpd.smtp import SMTP

from aio_handler import RawSaver

HOSTNAME = "aiosmtpd.smtpsh.test"


async def serve(directory, portfile):
    loop = asyncio.get_running_loop()
    handler = RawSaver(directory)
    server = await loop.create_server(lambda: SMTP(handler, hostname=HOSTNAME),
                                      host="127.0.0.1", port=0)
    port = server.sockets[0].getsockname()[1]
    with open(portfile + ".tmp", "w") as f:
        f.write(str(port))
    os.replace(portfile + ".tmp", portfile)
    stop = loop.create_future()
    loop.add_signal_handler(signal.SIGTERM, stop.set_result, None)
    await stop
    server.close()
    await server.wait_closed()


if __name__ == "__main__":
    asyncio.run(serve(sys.argv[1], sys.argv[2]))
