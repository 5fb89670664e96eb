"""SMTP: STARTTLS verifies the server by default, and a login is never sent without TLS unless allowed."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from pydantic import SecretStr, ValidationError

from notifications.channels import DeliveryError, PermanentDeliveryError
from notifications.channels.email import EmailChannel, InsecureSmtpError, SmtpConfig
from notifications.notification import notification_of
from notifications.settings import NotificationsSettings
from test_notifications_support import free_port

PASSWORD = "smtp-geheim-123"
PAYLOAD: dict[str, Any] = {
    "type": "conflict.detected",
    "follow_up": False,
    "conflict_id": "c-1",
    "correlation_id": None,
    "decided_at": "2026-03-02T07:00:00+00:00",
    "organisation_names": {"staedion": "Staedion"},
    "resolution": None,
    "conflict": {
        "rule": "neighbourhood_overlap",
        "severity": "high",
        "activities": [
            {"organisation": "staedion", "activity_id": "a1", "occurrence_start": "2026-03-24T19:30:00+01:00"}
        ],
        "explanation": {"nl": "Twee avonden overlappen.", "en": "Two evenings overlap."},
        "suggestions": [],
    },
}


REFUSED = "vertrokken@example.org"


class _Accepting:
    """Takes mail from a logged-in client over TLS; refuses the one recipient that has left."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []
        self.sessions: list[tuple[bool, bool]] = []

    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address == REFUSED:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(envelope.original_content)
        self.sessions.append((session.ssl is not None, bool(session.authenticated)))
        return "250 OK"


def _authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    return AuthResult(success=data.password == PASSWORD.encode())


class TlsSmtp:
    """A real SMTP server on loopback offering STARTTLS with a certificate from a test CA."""

    def __init__(self, ca: trustme.CA) -> None:
        self.handler = _Accepting()
        self.port = free_port()
        server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1").configure_cert(server_context)
        self.controller = Controller(
            self.handler,
            hostname="127.0.0.1",
            port=self.port,
            tls_context=server_context,
            require_starttls=True,
            authenticator=_authenticator,
            auth_require_tls=True,
        )


@pytest.fixture
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def server(ca: trustme.CA) -> Iterator[TlsSmtp]:
    smtp = TlsSmtp(ca)
    smtp.controller.start()
    yield smtp
    smtp.controller.stop()


def config(server: TlsSmtp, **extra: Any) -> SmtpConfig:
    fields: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": server.port,
        "sender": "Werkplaats <noreply@werkplaats.local>",
        "starttls": True,
        "username": "werkplaats",
        "password": SecretStr(PASSWORD),
    }
    return SmtpConfig(**(fields | extra))


async def send(smtp: SmtpConfig, to: str = "ops@example.org") -> None:
    await EmailChannel(smtp, "https://d.example").send("n-1", to, notification_of(PAYLOAD))


@pytest.fixture
def trusted(ca: trustme.CA, tmp_path: Path) -> str:
    """The test CA's certificate as a bundle file, as ``NOTIFICATIONS_SMTP_TLS_CA_FILE`` names it."""
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    return str(bundle)


async def test_a_server_whose_certificate_does_not_verify_gets_no_login_and_no_mail(server: TlsSmtp) -> None:
    with pytest.raises(DeliveryError, match="does not verify"):
        await send(config(server))
    assert server.handler.messages == []


async def test_a_server_verified_against_the_configured_ca_gets_the_mail(
    server: TlsSmtp, ca: trustme.CA, tmp_path: Path
) -> None:
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    await send(config(server, ca_file=str(bundle)))
    assert len(server.handler.messages) == 1


def test_a_login_without_tls_is_refused_unless_explicitly_allowed() -> None:
    with pytest.raises(InsecureSmtpError):
        SmtpConfig("127.0.0.1", 25, "x@y.nl", username="werkplaats", password=SecretStr(PASSWORD))
    allowed = SmtpConfig(
        "127.0.0.1", 25, "x@y.nl", username="w", password=SecretStr(PASSWORD), plaintext_login=True
    )
    assert PASSWORD not in repr(allowed)


def test_the_smtp_password_is_never_shown_and_the_lease_outlasts_an_attempt() -> None:
    settings = NotificationsSettings(smtp_password=PASSWORD)
    assert PASSWORD not in repr(settings)
    with pytest.raises(ValidationError, match="lease_s"):
        NotificationsSettings(lease_s=15, webhook_timeout_s=10)


async def test_the_mail_goes_over_starttls_after_a_login(server: TlsSmtp, trusted: str) -> None:
    await send(config(server, ca_file=trusted))
    assert server.handler.sessions == [(True, True)]


async def test_a_wrong_password_is_a_delivery_error_that_names_no_secret(
    server: TlsSmtp, trusted: str
) -> None:
    with pytest.raises(DeliveryError, match=r"^SMTP: ") as refused:
        await send(config(server, ca_file=trusted, password=SecretStr("not-the-password")))
    assert not isinstance(refused.value, PermanentDeliveryError)
    assert "not-the-password" not in str(refused.value)
    assert server.handler.messages == []


async def test_a_refused_recipient_is_a_permanent_failure(server: TlsSmtp, trusted: str) -> None:
    with pytest.raises(PermanentDeliveryError, match="refused the recipient"):
        await send(config(server, ca_file=trusted), to=REFUSED)
    assert server.handler.messages == []
