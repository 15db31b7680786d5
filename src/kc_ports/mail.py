"""Sending e-mail (REP-21: scheduled reports): one message with an optional attachment."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import attrs


class MailError(Exception):
    """The message could not be handed to the mail server; the text says why."""


@attrs.frozen
class Attachment:
    filename: str
    content_type: str  # e.g. "application/pdf"
    data: bytes


class Mailer(Protocol):
    def send(self, to: Sequence[str], subject: str, body: str, attachment: Attachment | None = None) -> None:
        """Hand the message to the mail server or raise ``MailError``."""
