#!/usr/bin/env python3
"""A real SMTP server for the tests (aiosmtpd on loopback).

Each accepted message is saved in --dir as NNNNNN.json, decoded with Python's email package:
{"mail_from", "rcpt_tos", "subject", "headers", "text", "html", "raw"}. A recipient whose local
part starts with "bounce" is refused with a permanent 550. With --drop-first N the first N
messages are cut off mid-send (the connection is aborted at DATA). With --decode FILE it prints the same
JSON for an .eml file and exits.
"""
import argparse
import email
import email.policy
import itertools
import json
import os
import sys
import time

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
    ap.add_argument("--port", type=int)
    ap.add_argument("--dir")
    ap.add_argument("--decode")
    ap.add_argument("--drop-first", type=int, default=0)
    args = ap.parse_args()
    if args.decode:
        with open(args.decode, "rb") as f:
            print(json.dumps(decode(f.read())))
        return
    from aiosmtpd.controller import Controller
    os.makedirs(args.dir, exist_ok=True)
    controller = Controller(Handler(args.dir, args.drop_first), hostname="127.0.0.1", port=args.port)
    controller.start()
    print("ready", flush=True)
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()

if __name__ == "__main__":
    sys.exit(main())
