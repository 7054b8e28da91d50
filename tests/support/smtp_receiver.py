#!/usr/bin/python3
"""An SMTP server for tests, on loopback (Debian's python3-aiosmtpd).

    smtp_receiver.py LOG [--port N]

Prints the port it listens on (N, or one the system picked) as its first line
of stdout, then serves until killed. Each message taken is appended to LOG as
one JSON line, as a mail reader would show it: {"mail_from", "rcpt_tos",
"headers": [[name, decoded value], ...], "subject", "message_id", "body" (its
text, decoded, lines ending in LF), "raw"} before the server answers 250. A recipient whose
address starts with "reject" is refused with 550 5.1.1; one that starts with "latin1", with a
550 whose text is Latin-1, not UTF-8 (as some servers answer).
"""
import argparse
import asyncio
import email
import email.policy
import json
import sys

from aiosmtpd.smtp import SMTP


class Handler:
    def __init__(self, log):
        self.log = log

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("latin1"):
            return b"550 5.1.1 unbekannter Empf\xe4nger"
        if address.startswith("reject"):
            return "550 5.1.1 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        entry = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "headers": [[k, str(v)] for k, v in message.items()],
            "subject": str(message["subject"]),
            "message_id": str(message["message-id"]),
            "body": message.get_content().replace("\r\n", "\n"),
            "raw": raw.decode("utf-8", "replace"),
        }
        with open(self.log, "a") as f:
            f.write(json.dumps(entry) + "\n")
        return "250 OK"


async def serve(args):
    loop = asyncio.get_running_loop()
    handler = Handler(args.log)
    server = await loop.create_server(lambda: SMTP(handler, hostname="tocsin-test"), "127.0.0.1", args.port)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("log")
    parser.add_argument("--port", type=int, default=0)
    asyncio.run(serve(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
