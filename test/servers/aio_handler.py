"""aio_handler.py - an aiosmtpd handler that keeps each message's raw bytes
(as received, after un-stuffing) in a file of its own, so the tests can
compare them byte for byte."""
import os
import time


class RawSaver:
    def __init__(self, directory):
        self.directory = directory
        self.n = 0

    @classmethod
    def from_cli(cls, parser, *args):
        if len(args) != 1:
            parser.error("RawSaver wants one argument: the directory")
        return cls(args[0])

    async def handle_DATA(self, server, session, envelope):
        self.n += 1
        name = os.path.join(self.directory, f"{time.time():.6f}-{self.n}.eml")
        with open(name + ".tmp", "wb") as f:
            f.write(envelope.original_content)
        os.replace(name + ".tmp", name)
        return "250 OK saved"
