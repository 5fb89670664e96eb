"""E-mail over SMTP: multipart/alternative (text and HTML, UTF-8), a stable Message-ID, STARTTLS and login."""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from pydantic import SecretStr

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
    password: SecretStr | None = field(default=None, repr=False)
    timeout_s: float = 10.0
    message_id_domain: str = "werkplaats.local"
    verify_tls: bool = True
    """Check the server's certificate and name on STARTTLS (only a test server may do without)."""
    ca_file: str | None = None
    """Trust this CA bundle instead of the system's (a private mail server)."""
    plaintext_login: bool = False
    """Allow sending the login without TLS; refused unless explicitly configured."""

    def __post_init__(self) -> None:
        if self.username and not self.starttls and not self.plaintext_login:
            raise InsecureSmtpError(
                "an SMTP login without STARTTLS would send the password in clear text; "
                "enable STARTTLS (or explicitly allow a plaintext login)"
            )

    def tls_context(self) -> ssl.SSLContext:
        """The TLS context for STARTTLS: verifying by default."""
        context = ssl.create_default_context(cafile=self.ca_file)
        if not self.verify_tls:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context


class InsecureSmtpError(ValueError):
    """The SMTP settings would expose the login: a password without TLS."""


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
        except ssl.SSLCertVerificationError as error:
            raise DeliveryError(
                f"SMTP: the server's certificate does not verify: {error.verify_message}"
            ) from error
        except (smtplib.SMTPException, OSError) as error:
            raise DeliveryError(f"SMTP: {type(error).__name__}") from error

    def _send_sync(self, mail: EmailMessage) -> None:
        config = self.config
        with smtplib.SMTP(config.host, config.port, timeout=config.timeout_s) as client:
            if config.starttls:
                client.starttls(context=config.tls_context())
            if config.username:
                secret = config.password.get_secret_value() if config.password else ""
                client.login(config.username, secret)
            client.send_message(mail)
