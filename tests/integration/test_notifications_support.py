"""Helpers for notifications tests: a webhook receiver, an SMTP sink, conflicts to publish."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import socket
import time
import uuid
from collections import Counter, defaultdict
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.structs import RecordMetadata
from aiosmtpd.controller import Controller

from contracts import ConflictAcknowledged, ConflictDetected, ConflictResolved, encode_event, new_event
from contracts.topics import SCHEDULING_CONFLICTS, all_service_topics
from notifications.channels.webhook import DELIVERY
from notifications.main import migrations_location
from support.testing import fresh_wijk_digits, migrated_database
from werkplaats.db import Database
from werkplaats.topics_admin import ensure_topics

SECRET = "s3cret-for-tests-0123456789"
NOW = datetime(2031, 3, 4, 12, 0, tzinfo=UTC)


def notifications_database(url: str) -> AbstractAsyncContextManager[Database]:
    """The notifications database at ``url``, migrated to the latest schema; disposed of afterwards."""
    return migrated_database(url, migrations_location())


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def fresh_wijk() -> tuple[str, list[str]]:
    digits = fresh_wijk_digits()
    return f"WK{digits}", [f"BU{digits}{n:02d}" for n in range(1, 4)]


@dataclass
class WebhookReceiver:
    """A small HTTP server: verifies every signature, can fail the first tries or be down."""

    secret: str = SECRET
    fail_first: int = 0
    down: bool = False
    refuse_with: int | None = None
    """A status to answer every signed request with (410: the receiver asks never to be called again)."""
    port: int = field(default_factory=free_port)
    received: list[dict[str, Any]] = field(default_factory=list)
    receipts: Counter[str] = field(default_factory=Counter)
    tries: Counter[str] = field(default_factory=Counter)
    bad_signatures: int = 0
    received_at: dict[str, float] = field(default_factory=dict)
    _server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    async def __aenter__(self) -> WebhookReceiver:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def unique(self) -> dict[str, dict[str, Any]]:
        return {body["delivery_id"]: body for body in self.received}

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
                lowered = {k.lower(): v for k, v in headers.items()}
                body = await reader.readexactly(int(lowered.get("content-length", "0")))
                status = self._answer(headers, body)
                writer.write(f"HTTP/1.1 {status} X\r\ncontent-length: 0\r\n\r\n".encode())
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    def _answer(self, headers: dict[str, str], body: bytes) -> int:
        if self.down:
            return 503
        if not documented_signature_ok(self.secret, headers, body):
            self.bad_signatures += 1
            return 401
        delivery = {k.lower(): v for k, v in headers.items()}[DELIVERY.lower()]
        self.tries[delivery] += 1
        if self.refuse_with is not None:
            return self.refuse_with
        if self.tries[delivery] <= self.fail_first:
            return 500
        document = json.loads(body)
        assert document["delivery_id"] == delivery
        self.receipts[delivery] += 1
        self.received.append(document)
        self.received_at.setdefault(delivery, datetime.now(UTC).timestamp())
        return 200


class _Sink:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 OK"


class SmtpSink:
    """A real SMTP server (aiosmtpd) on a free port, keeping every message it accepts."""

    def __init__(self) -> None:
        self.handler = _Sink()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpSink:
        self.controller.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.controller.stop()

    @property
    def messages(self) -> list[EmailMessage]:
        return self.handler.messages


def detected(conflict_id: str, organisations: list[str], buurt: str, **extra: Any) -> ConflictDetected:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=30)
    document: dict[str, Any] = {
        "conflict_id": conflict_id,
        "rule": "neighbourhood_overlap",
        "severity": "high",
        "activities": [
            {"organisation": org, "activity_id": f"a-{n}", "occurrence_start": start.isoformat()}
            for n, org in enumerate(organisations)
        ],
        "neighbourhoods": [buurt],
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=2)).isoformat(),
        "explanation": {
            "nl": "Twee inspraakavonden in Moerwijk overlappen; coördinatie is nodig.",
            "en": "Two consultation evenings in Moerwijk overlap; coordination is needed.",
        },
        "suggestions": [(start + timedelta(days=2)).isoformat()],
    }
    return ConflictDetected.model_validate(document | extra)


def resolved(conflict_id: str) -> ConflictResolved:
    return ConflictResolved.model_validate(
        {
            "conflict_id": conflict_id,
            "rule": "neighbourhood_overlap",
            "explanation": {"nl": "Een activiteit is verplaatst.", "en": "An activity moved."},
        }
    )


class ConflictPublisher:
    """Publishes conflict events onto ``scheduling.conflicts`` as the scheduler would."""

    def __init__(self, bootstrap: str) -> None:
        self.bootstrap = bootstrap
        self.producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)

    async def __aenter__(self) -> ConflictPublisher:
        await ensure_topics(self.bootstrap, all_service_topics())
        await self.producer.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.producer.stop()

    async def send(self, data: ConflictDetected | ConflictResolved) -> RecordMetadata:
        """Publish one event; where it landed (for waiting until it is consumed)."""
        event = new_event(data, source="scheduling", correlation_id=str(uuid.uuid4()))
        return await self.producer.send_and_wait(
            SCHEDULING_CONFLICTS, encode_event(event), key=data.conflict_id.encode()
        )

    async def probe(self, ready: Any, *, timeout: float = 60.0) -> None:
        """Publish harmless acknowledgements until ``ready()`` says the service consumes."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not await ready():
            if loop.time() > deadline:
                raise AssertionError("the notifications service did not start consuming")
            probe = ConflictAcknowledged(
                conflict_id=f"probe-{uuid.uuid4().hex}", reason="probe", acknowledged_by="probe"
            )
            event = new_event(probe, source="scheduling")
            await self.producer.send_and_wait(SCHEDULING_CONFLICTS, encode_event(event), key=b"probe")
            await asyncio.sleep(0.5)

    async def send_many(self, items: list[ConflictDetected]) -> list[RecordMetadata]:
        """Publish many events at once; where they landed."""
        futures = []
        for data in items:
            event = new_event(data, source="scheduling")
            futures.append(
                await self.producer.send(
                    SCHEDULING_CONFLICTS, encode_event(event), key=data.conflict_id.encode()
                )
            )
        return list(await asyncio.gather(*futures))


def by_conflict(bodies: list[dict[str, Any]]) -> dict[str, set[str]]:
    """Delivery ids by conflict id."""
    found: dict[str, set[str]] = defaultdict(set)
    for body in bodies:
        found[body["conflict_id"]].add(body["delivery_id"])
    return found


def documented_signature_ok(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """The receiver's check, written from docs/operations.md rather than taken from the service.

    ``X-Werkplaats-Signature`` is ``sha256=`` and the hex HMAC-SHA256 with the secret over
    ``timestamp + "." + body``; the timestamp may be at most five minutes from the receiver's clock.
    """
    named = {name.lower(): value for name, value in headers.items()}
    timestamp = named.get("x-werkplaats-timestamp", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > 300:
        return False
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(named.get("x-werkplaats-signature", ""), f"sha256={expected}")
