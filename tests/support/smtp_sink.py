#!/usr/bin/env python3
"""A real SMTP server for the tests (aiosmtpd on loopback).

Each accepted message is saved in --dir as NNNNNN.json, decoded with Python's email package:
{"mail_from", "rcpt_tos", "subject", "headers", "text", "html", "raw"}. A recipient whose local
part starts with "bounce" is refused with a permanent 550. With --drop-first N the first N
messages are cut off mid-send (the connection is aborted at DATA). With --decode FILE it prints the same
JSON for an .eml file and exits; with --decode-dir DIR, a JSON list for every .eml file there, by name.

It binds port 0 (or --port) itself and prints "ready PORT": no other process can take the port
between choosing and binding it. With --down it holds the port but hangs up on every connection
(an SMTP server that is down) until it receives SIGUSR1.
"""
import argparse
import asyncio
import email
import email.policy
import itertools
import json
import os
import signal
import sys

def decode(raw: bytes, mail_from="", rcpt_tos=()):
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    def part(kind):
        body = msg.get_body((kind,))
        return body.get_content() if body is not None else None
    return {
        "mail_from": mail_from,
        "rcpt_tos": list(rcpt_tos),
        "subject": str(msg["subject"] or ""),
        "headers": {k: str(v) for k, v in msg.items()},
        "text": part("plain"),
        "html": part("html"),
        "raw": raw.decode("utf-8", "replace"),
    }

class Handler:
    def __init__(self, outdir, drop_first=0):
        self.outdir = outdir
        self.seq = itertools.count(1)
        self.drop_left = drop_first

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.split("@")[0].lower().startswith("bounce"):
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.drop_left > 0:
            # Drop the connection mid-send: the message is never acknowledged nor kept.
            self.drop_left -= 1
            server.transport.abort()
            return "421 dropped"
        doc = decode(envelope.original_content or envelope.content, envelope.mail_from, envelope.rcpt_tos)
        n = next(self.seq)
        tmp = os.path.join(self.outdir, f".{n:06d}.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(doc, f)
        os.rename(tmp, os.path.join(self.outdir, f"{n:06d}.json"))
        return "250 Message accepted for delivery"

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--down", action="store_true")
    ap.add_argument("--dir")
    ap.add_argument("--decode")
    ap.add_argument("--decode-dir")
    ap.add_argument("--drop-first", type=int, default=0)
    args = ap.parse_args()
    if args.decode:
        with open(args.decode, "rb") as f:
            print(json.dumps(decode(f.read())))
        return
    if args.decode_dir:
        names = sorted(n for n in os.listdir(args.decode_dir) if n.endswith(".eml")) if os.path.isdir(args.decode_dir) else []
        docs = []
        for n in names:
            with open(os.path.join(args.decode_dir, n), "rb") as f:
                docs.append(decode(f.read()))
        print(json.dumps(docs))
        return
    os.makedirs(args.dir, exist_ok=True)
    asyncio.run(serve(args))

async def serve(args):
    from aiosmtpd.smtp import SMTP
    handler = Handler(args.dir, args.drop_first)
    up = asyncio.Event()
    if not args.down:
        up.set()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGUSR1, up.set)

    class HangUp(asyncio.Protocol):
        def connection_made(self, transport):
            transport.abort()

    def protocol():
        # While down, hang up at once: to a client, a server that is not there.
        return SMTP(handler, hostname="127.0.0.1") if up.is_set() else HangUp()

    server = await loop.create_server(protocol, host="127.0.0.1", port=args.port)
    port = server.sockets[0].getsockname()[1]
    print(f"ready {port}", flush=True)
    await server.serve_forever()

if __name__ == "__main__":
    sys.exit(main())
