"""A real SMTP server on 127.0.0.1 for the tests (aiosmtpd), on a free port: what Lotsa sends is what
it receives, headers and body as they went over the wire."""

from __future__ import annotations

import email
import email.policy
import socket
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller


@dataclass
class Inbox:
    messages: list = field(default_factory=list)
    refuse: bool = False  # refuse every recipient (a mailbox that does not exist)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted"

    def texts(self) -> list[str]:
        """Each message whole: every header and the decoded body."""
        return [
            "\n".join(f"{name}: {value}" for name, value in message.items())
            + "\n\n"
            + message.get_body(preferencelist=("plain",)).get_content()
            for _to, message in self.messages
        ]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start() -> tuple[Controller, Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller, inbox
