"""A local SMTP sink (aiosmtpd in a thread): every message the worker sends, as it arrived."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller


@dataclass(frozen=True)
class Received:
    recipients: tuple[str, ...]
    subject: str
    message_id: str


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        message = message_from_bytes(envelope.content, policy=policy.default)
        received = Received(
            recipients=tuple(sorted(envelope.rcpt_tos)),
            subject=str(message.get("Subject", "")),
            message_id=str(message.get("Message-ID", "")),
        )
        with self.sink.lock:
            self.sink.messages.append(received)
        return "250 OK"


class SmtpSink:
    def __init__(self, *, port: int) -> None:
        self.port = port
        self.messages: list[Received] = []
        self.lock = threading.Lock()
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=port)

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        try:
            self.controller.stop()
        except (AssertionError, RuntimeError):
            pass

    def to(self, address_suffix: str) -> list[Received]:
        """The messages sent to addresses ending with `address_suffix` (one drill's recipients)."""
        with self.lock:
            return [m for m in self.messages if any(r.endswith(address_suffix) for r in m.recipients)]
