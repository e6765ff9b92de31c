"""A tiny SMTP server that writes each message it receives to a folder, one
file per message: enough for the smoke test to see that the worker really
sent an email over SMTP, as production does.

    python deploy/smtp_sink.py 127.0.0.1 2525 /tmp/mailbox
"""

import socketserver
import sys
import uuid
from pathlib import Path


class SMTPHandler(socketserver.StreamRequestHandler):
    mailbox: Path

    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self) -> None:
        self.reply("220 smoke-test SMTP sink")
        recipients: list[str] = []
        while line := self.rfile.readline():
            command = line.decode(errors="replace").strip()
            verb = command.split(" ", 1)[0].upper()
            if verb in {"EHLO", "HELO"}:
                self.reply("250 smoke-test")
            elif verb == "MAIL":
                recipients = []
                self.reply("250 OK")
            elif verb == "RCPT":
                recipients.append(command.split(":", 1)[1].strip(" <>"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                body = []
                while (data := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
                    body.append(data)
                message = b"".join(body)
                for recipient in recipients:
                    name = f"{recipient}-{uuid.uuid4().hex}.eml"
                    (self.mailbox / name).write_bytes(message)
                self.reply("250 OK: queued")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            elif verb in {"RSET", "NOOP"}:
                self.reply("250 OK")
            else:
                self.reply("502 Command not implemented")


def main() -> None:
    host, port, folder = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    folder.mkdir(parents=True, exist_ok=True)
    SMTPHandler.mailbox = folder
    socketserver.ThreadingTCPServer.allow_reuse_address = True
    with socketserver.ThreadingTCPServer((host, port), SMTPHandler) as server:
        server.serve_forever()


if __name__ == "__main__":
    main()
