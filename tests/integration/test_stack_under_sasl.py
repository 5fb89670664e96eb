"""The whole stack on a SASL/SCRAM broker with ACLs: all six services, each logged in as its own principal.

Partners publish with their own principals; a clash reaches an organisation's webhook; an initiative's
evening comes back to the initiative with its conflict; a centre's booking meets a partner's plan for
the same room. Every service reads and writes only what its ``ServiceDefinition`` declares.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from cryptography.fernet import Fernet
from fastapi import FastAPI

from centres_support import centre_body
from contracts import OrganisationRole, encode_event, new_event
from contracts.topics import SCHEDULING_CONFLICTS, all_service_topics, partner_activities, partner_topics
from dashboard_support import TEST_SETTINGS
from initiatives_support import form
from scheduling_support import activity, at, fresh_area, quiet_evening
from support.testing import read_topic, wait_for
from test_notifications_support import SECRET, WebhookReceiver
from werkplaats.kafka_security import KafkaSecurity, client_options
from werkplaats.localkafka import LocalKafka
from werkplaats.localkafka.config import java_executable
from werkplaats.localkafka.security import KafkaSecurityAdmin, service_access
from werkplaats.organisations import add_organisation
from werkplaats.services import registered
from werkplaats.topics_admin import ensure_topics

pytestmark = pytest.mark.integration

START_WITHIN_S = 180
"""Seconds a service may take to start on the loaded test machine."""


@dataclass(frozen=True)
class SecuredStack:
    """A private SASL broker with a principal for every service and for two partners."""

    bootstrap: str
    admin: KafkaSecurity
    passwords: dict[str, str]
    partners: tuple[str, str]


@pytest.fixture(scope="module")
def secured() -> Iterator[SecuredStack]:
    if shutil.which(java_executable()) is None:
        pytest.skip("needs Java 17+ (on PATH or in JAVA_HOME)")
    data_dir = Path(tempfile.mkdtemp(prefix="werkplaats-sasl-stack-"))
    kafka = LocalKafka(data_dir=data_dir, sasl=True)
    try:
        bootstrap = kafka.ensure_started(timeout=180)
        admin = kafka.admin_security()
        assert admin is not None
        run = uuid.uuid4().hex[:6]
        partners = (f"corp-a-{run}", f"corp-b-{run}")
        specs = [
            *all_service_topics(),
            *(s for slug in (*partners, "initiatives") for s in partner_topics(slug)),
        ]
        asyncio.run(ensure_topics(bootstrap, specs, security=admin))
        tools = KafkaSecurityAdmin(bootstrap, admin)
        passwords = {slug: tools.add_partner(slug) for slug in partners}
        passwords |= {name: tools.add_service(name) for name in service_access()}
        yield SecuredStack(bootstrap, admin, passwords, partners)
    finally:
        kafka.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def settings_of(name: str, secured: SecuredStack, tmp_path: Path) -> Any:
    """The service's own settings: its SQLite database, logged in to Kafka as ``User:<name>``."""
    extra: dict[str, Any] = {
        "initiatives": {"encryption_keys": [Fernet.generate_key().decode()], "overdue_check_s": 3600},
        "centres": {"data_keys": Fernet.generate_key().decode()},
        "notifications": {"sender_poll_s": 0.1, "retry_base_s": 0.2, "retry_max_s": 1.0},
        "dashboard": TEST_SETTINGS,
    }.get(name, {})
    return registered()[name].settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / name}.db",
        data_dir=tmp_path,
        kafka_security_protocol="SASL_PLAINTEXT",
        kafka_sasl_mechanism="SCRAM-SHA-512",
        kafka_sasl_username=name,
        kafka_sasl_password=secured.passwords[name],
        **extra,
    )


async def test_every_service_runs_as_its_own_principal_end_to_end(
    secured: SecuredStack, tmp_path: Path
) -> None:
    bootstrap, admin = secured.bootstrap, secured.admin
    first, second = secured.partners
    operations = await add_organisation(
        bootstrap,
        f"ops-{uuid.uuid4().hex[:6]}",
        name="Werkplaats",
        role=OrganisationRole.OPERATIONS,
        security=admin,
    )
    centre_org = f"welzijn-{uuid.uuid4().hex[:6]}"
    keys = {
        slug: (
            await add_organisation(bootstrap, slug, name=slug, role=OrganisationRole.PARTNER, security=admin)
        )
        for slug in (first, second, centre_org)
    }
    staff = {"Authorization": f"Bearer {operations.secret}"}

    apps: dict[str, FastAPI] = {}
    for name, definition in registered().items():
        apps[name] = definition.create_app(settings_of(name, secured, tmp_path), bootstrap_servers=bootstrap)
    clients = {
        name: httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=f"http://{name}")
        for name, app in apps.items()
    }
    producers = {
        slug: partner_producer(bootstrap, slug, secured.passwords[slug]) for slug in secured.partners
    }
    try:
        for name, app in apps.items():
            try:
                await asyncio.wait_for(app.state.runtime.start(), timeout=START_WITHIN_S)
            except TimeoutError:
                pytest.fail(f"{name} did not start as User:{name}: {app.state.runtime.not_ready_reason}")
        for producer in producers.values():
            await producer.start()
        async with WebhookReceiver() as receiver:
            area, day = fresh_area(), quiet_evening()

            # partner publish -> conflict -> the organisation's webhook
            hook = {"url": receiver.url, "secret": SECRET}
            registered_hook = await clients["notifications"].put(
                f"/v1/organisations/{first}/webhook", json=hook, headers=staff
            )
            assert registered_hook.status_code == 204, registered_hook.text
            await publish(producers[first], first, activity("inspraak", at(day, 19), 2, [area.buurten[0]]))
            await publish(producers[second], second, activity("bewoners", at(day, 20), 2, [area.wijk]))
            await wait_for(lambda: clash_announced(receiver, {first, second}), timeout=180, interval=0.5)
            assert receiver.bad_signatures == 0

            # an initiative's evening clashing with that consultation comes back to the initiative
            initiatives = clients["initiatives"]
            submitted = await initiatives.post("/v1/submissions", json=form(neighbourhoods=[area.buurten[0]]))
            assert submitted.status_code in (200, 201, 202), submitted.text
            reference = submitted.json()["initiative_id"]
            meeting = {
                "title": "Bewonersavond over de buurtmaaltijd",
                "kind": "residents_meeting",
                "starts_at": (at(day, 19) + timedelta(minutes=30)).isoformat(),
                "ends_at": at(day, 21).isoformat(),
            }
            planned = await initiatives.put(
                f"/v1/initiatives/{reference}/activities/avond", json=meeting, headers=staff
            )
            assert planned.status_code == 202, planned.text

            async def attached() -> list[dict[str, Any]]:
                detail = await initiatives.get(f"/v1/initiatives/{reference}", headers=staff)
                return list(detail.json()["conflicts"])

            await wait_for(attached, timeout=180, interval=0.5)

            # a centre's confirmed booking meets a partner's plan for the same room
            centres, centre_id = clients["centres"], f"wijkcentrum-{uuid.uuid4().hex[:6]}"
            every_day = [{"weekday": d, "opens": "09:00", "closes": "23:59"} for d in range(1, 8)]
            body = centre_body(centre_org, neighbourhoods=[area.wijk], opening_hours=every_day)
            created = await centres.put(f"/v1/centres/{centre_id}", json=body, headers=staff)
            assert created.status_code == 200, created.text
            venue = {"venue_id": centre_id, "room": "Grote zaal"}
            other_day = day + timedelta(days=1)
            plan = activity("spreekuur", at(other_day, 19), 2, [area.buurten[1]], kind="social", venue=venue)
            await publish(producers[second], second, plan)
            rental = {
                "room_id": "Grote zaal",
                "title": "Buurtfeest",
                "kind": "social",
                "starts_at": at(other_day, 20).isoformat(),
                "ends_at": at(other_day, 22).isoformat(),
                "tariff": "non_commercial",
                "expected_attendance": 50,
            }
            coordinator = staff | {"X-Acting-Role": "coordinator", "X-Acting-Centre": centre_id}
            as_partner = {"Authorization": f"Bearer {keys[first].secret}"}
            booked = await centres.put(
                f"/v1/centres/{centre_id}/bookings/feest", json=rental, headers=as_partner
            )
            assert booked.status_code in (200, 201), booked.text
            confirmed = await centres.post("/v1/bookings/feest/confirm", headers=coordinator)
            assert confirmed.status_code == 200, confirmed.text
            await wait_for(
                lambda: venue_clash(bootstrap, admin, {centre_org, second}), timeout=180, interval=0.5
            )

        for name, app in apps.items():
            health = await app.state.runtime.health()
            assert health["status"] == "ok", (name, health)
    finally:
        for producer in producers.values():
            await producer.stop()
        for client in clients.values():
            await client.aclose()
        for app in apps.values():
            await app.state.runtime.stop()


def partner_producer(bootstrap: str, slug: str, password: str) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", **client_options(KafkaSecurity.scram(slug, password))
    )


async def publish(producer: AIOKafkaProducer, slug: str, published: Any) -> None:
    event = encode_event(new_event(published, source=slug))
    await producer.send_and_wait(partner_activities(slug), event, key=published.activity_id.encode())


def clash_announced(receiver: WebhookReceiver, organisations: set[str]) -> bool:
    return any(
        body["type"] == "conflict.detected"
        and {a["organisation"] for a in body["conflict"]["activities"]} == organisations
        for body in receiver.received
    )


async def venue_clash(bootstrap: str, admin: KafkaSecurity, organisations: set[str]) -> bool:
    for record in await read_topic(bootstrap, SCHEDULING_CONFLICTS, timeout=30, security=admin):
        data = json.loads(record.value)["data"]
        joined = {a["organisation"] for a in data.get("activities", [])}
        if data.get("rule") == "venue_double_booking" and joined == organisations:
            return True
    return False
