"""E-mail over SMTP (``KC_SMTP_URL``: smtp://host:port, or smtps://host:port for TLS from the
start; smtp:// upgrades with STARTTLS when the server offers it)."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import urlsplit

from kc_ports.mail import Attachment, MailError


class SmtpMailer:
    def __init__(self, url: str, sender: str, timeout_s: float = 15.0) -> None:
        self._url, self._sender, self._timeout = url, sender, timeout_s

    def send(self, to: Sequence[str], subject: str, body: str, attachment: Attachment | None = None) -> None:
        if not self._url:
            raise MailError("no mail server is configured (KC_SMTP_URL)")
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self._sender, ", ".join(to), subject
        message["Date"], message["Message-ID"] = formatdate(localtime=False), make_msgid(domain="kc.local")
        message.set_content(body)
        if attachment is not None:
            main, _, sub = attachment.content_type.partition("/")
            message.add_attachment(attachment.data, maintype=main, subtype=sub, filename=attachment.filename)
        where = urlsplit(self._url)
        host, port = where.hostname or "localhost", where.port or (465 if where.scheme == "smtps" else 25)
        try:
            if where.scheme == "smtps":
                client: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=self._timeout)
            else:
                client = smtplib.SMTP(host, port, timeout=self._timeout)
            with client:
                client.ehlo()
                if where.scheme == "smtp" and client.has_extn("starttls"):
                    client.starttls(context=ssl.create_default_context())
                    client.ehlo()
                if where.username:
                    client.login(where.username, where.password or "")
                refused = client.send_message(message)
        except (OSError, smtplib.SMTPException) as error:
            raise MailError(f"{host}:{port}: {error}") from error
        if refused:
            raise MailError("refused recipients: " + ", ".join(sorted(refused)))
