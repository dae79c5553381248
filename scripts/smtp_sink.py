#!/usr/bin/env python3
"""A real SMTP server on loopback for the notification tests (tests/common/smtp.rs): aiosmtpd
(installed by scripts/test-services.sh into the test venv) accepting every message and writing
each one to FOLDER as N.json: {"from", "to": [...], "subject", "body"} (body decoded to text).

Usage: smtp_sink.py PORT FOLDER   — prints "ready" once it listens.
"""
import asyncio, email, email.policy, json, os, sys, time

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, folder):
        self.folder = folder
        self.n = 0

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        part = msg.get_body(preferencelist=("plain", "html"))
        body = part.get_content() if part is not None else ""
        self.n += 1
        tmp = os.path.join(self.folder, f".{self.n}.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump({"from": envelope.mail_from, "to": envelope.rcpt_tos,
                       "subject": str(msg.get("subject", "")), "body": body}, f, ensure_ascii=False)
        os.replace(tmp, os.path.join(self.folder, f"{self.n}.json"))
        return "250 OK"


def main():
    port, folder = int(sys.argv[1]), sys.argv[2]
    controller = Controller(Sink(folder), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
