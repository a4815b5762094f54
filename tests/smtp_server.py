"""A real SMTP server on loopback (aiosmtpd) for the e-mail tests.

Django's SMTP backend connects to it like to any mail server; the test then reads what arrived:
the envelope (who the server was asked to deliver to, so a Bcc or an extra recipient shows) and
the message as parsed by the standard library (headers, text and HTML parts, attachments).
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class ReceivedEmail:
    envelope_from: str
    envelope_to: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        # Python folds a long encoded Subject onto the next line ("Subject: \n =?utf-8?…"),
        # which decodes with a leading space that mail clients drop.
        return str(self.message["Subject"]).strip()

    @property
    def to(self) -> str:
        return str(self.message["To"])

    def header(self, name: str) -> str | None:
        value = self.message[name]
        return None if value is None else str(value)

    def body(self, subtype: str = "plain") -> str:
        part = self.message.get_body(preferencelist=(subtype,))
        return "" if part is None else str(part.get_content())

    @property
    def text(self) -> str:
        return self.body("plain")

    @property
    def html(self) -> str:
        return self.body("html")

    def attachments(self) -> list[tuple[str, str, bytes]]:
        """(filename, content type, bytes) of each attachment."""
        found = []
        for part in self.message.iter_attachments():
            payload = part.get_payload(decode=True)
            found.append(
                (
                    part.get_filename() or "",
                    part.get_content_type(),
                    payload if isinstance(payload, bytes) else b"",
                )
            )
        return found


@dataclass
class Inbox:
    """What the server received since the last `clear()`, in order of arrival."""

    messages: list[ReceivedEmail] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()

    def all(self) -> list[ReceivedEmail]:
        with self.lock:
            return list(self.messages)

    def to(self, address: str) -> list[ReceivedEmail]:
        return [
            message
            for message in self.all()
            if address.lower() in (recipient.lower() for recipient in message.envelope_to)
        ]

    def __len__(self) -> int:
        return len(self.all())


class _Handler:
    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        parsed = BytesParser(policy=policy.default).parsebytes(envelope.original_content)
        assert isinstance(parsed, EmailMessage)
        with self.inbox.lock:
            self.inbox.messages.append(
                ReceivedEmail(
                    envelope_from=envelope.mail_from,
                    envelope_to=list(envelope.rcpt_tos),
                    message=parsed,
                )
            )
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class LoopbackSmtpServer:
    def __init__(self) -> None:
        self.inbox = Inbox()
        self.host = "127.0.0.1"
        self.port = _free_port()
        self._controller = Controller(_Handler(self.inbox), hostname=self.host, port=self.port)

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()
