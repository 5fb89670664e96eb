"""E-mail over SMTP: multipart/alternative (text and HTML, UTF-8), a stable Message-ID, STARTTLS and login."""

from __future__ import annotations

import asyncio
import smtplib
from dataclasses import dataclass
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from notifications.channels import DeliveryError, PermanentDeliveryError, rendering
from notifications.notification import Notification


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to hand mail over."""

    host: str
    port: int
    sender: str
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    timeout_s: float = 10.0
    message_id_domain: str = "werkplaats.local"


def message_id(notification_id: str, domain: str) -> str:
    """The stable Message-ID of a notification: the same on every try, so a resend is recognisable."""
    return f"<{notification_id}@{domain}>"


def compose(
    notification_id: str, to: str, notification: Notification, *, config: SmtpConfig, dashboard_url: str
) -> EmailMessage:
    """The e-mail of a notification: Dutch with English below, as plain text and as HTML."""
    mail = EmailMessage()
    mail["From"] = config.sender
    mail["To"] = Address(addr_spec=to)
    mail["Subject"] = rendering.subject(notification)
    mail["Date"] = format_datetime(datetime.now(UTC))
    mail["Message-ID"] = message_id(notification_id, config.message_id_domain)
    mail["Content-Language"] = "nl, en"
    mail["X-Werkplaats-Delivery"] = notification_id
    if notification.conflict_id:
        mail["X-Werkplaats-Conflict"] = notification.conflict_id
    mail.set_content(rendering.text_body(notification, dashboard_url), charset="utf-8")
    mail.add_alternative(rendering.html_body(notification, dashboard_url), subtype="html", charset="utf-8")
    return mail


class EmailChannel:
    """Sends composed mail through the configured SMTP server."""

    def __init__(self, config: SmtpConfig, dashboard_url: str) -> None:
        self.config = config
        self.dashboard_url = dashboard_url

    async def send(self, notification_id: str, to: str, notification: Notification) -> None:
        """Hand one notification to the SMTP server; raise a DeliveryError when it is not accepted."""
        mail = compose(
            notification_id, to, notification, config=self.config, dashboard_url=self.dashboard_url
        )
        try:
            await asyncio.to_thread(self._send_sync, mail)
        except smtplib.SMTPRecipientsRefused as error:
            raise PermanentDeliveryError("SMTP refused the recipient") from error
        except (smtplib.SMTPException, OSError) as error:
            raise DeliveryError(f"SMTP: {type(error).__name__}") from error

    def _send_sync(self, mail: EmailMessage) -> None:
        config = self.config
        with smtplib.SMTP(config.host, config.port, timeout=config.timeout_s) as client:
            if config.starttls:
                client.starttls()
            if config.username:
                client.login(config.username, config.password or "")
            client.send_message(mail)
