"""Personal data: never on a topic or in a log, encrypted at rest, exported, erased on request and on time."""

from __future__ import annotations

import io
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from contracts.topics import INITIATIVES_EVENTS
from initiatives.store import InitiativeRow, SupportEntryRow
from initiatives_support import Clock, events_of, form, records_since, running
from support.testing import wait_for
from werkplaats.logging import configure_logging


def marked_form(marker: str) -> dict[str, object]:
    return form(
        title=f"Titel {marker}",
        description=f"Omschrijving met {marker} erin",
        for_whom=f"Voor {marker}",
        initiator={
            "name": f"Naam {marker}",
            "email": f"{marker}@example.org",
            "phone": "06 " + "".join(str(ord(c) % 10) for c in marker[:8]),
            "organisation": f"Stichting {marker}",
        },
    )


async def test_no_marker_of_any_personal_field_reaches_a_topic_or_a_log(
    kafka_bootstrap: str, database_url: str, unique: Callable[[str], str]
) -> None:
    logs = io.StringIO()
    configure_logging("initiatives", level="DEBUG", stream=logs)
    since = int(time.time() * 1000) - 1000
    markers = [f"mrk{uuid.uuid4().hex[:12]}" for _ in range(3)]
    clock = Clock(datetime.now(UTC) - timedelta(days=30))
    try:
        async with running(kafka_bootstrap, database_url, unique("ini"), clock=clock) as service:
            client, staff = service.client, service.staff
            references = []
            for marker in markers:
                receipt = (await client.post("/v1/submissions", json=marked_form(marker))).json()
                references.append(receipt["initiative_id"])
                detail = (
                    await client.get(f"/v1/initiatives/{receipt['initiative_id']}", headers=staff)
                ).json()
                assert detail["initiator"]["name"] == f"Naam {marker}"
            clock.now = datetime.now(UTC)
            assert (await service.service.keeper.tick())[0] == len(markers)
            first, second, third = references
            builder = (await client.get(f"/v1/initiatives/{first}", headers=staff)).json()["builder_id"]
            today = clock.now.date().isoformat()
            notes = {
                "kind": "first_contact",
                "hours": 1,
                "by": builder,
                "on": today,
                "notes": f"Gebeld met {markers[0]}",
            }
            await client.post(f"/v1/initiatives/{first}/support", json=notes, headers=staff)
            await client.post(f"/v1/initiatives/{first}/subsidy-check", json={}, headers=staff)
            decline = {
                "status": "declined",
                "reason": "other",
                "explanation": f"Uitleg voor {markers[0]}",
                "by": builder,
            }
            await client.post(f"/v1/initiatives/{first}/status", json=decline, headers=staff)
            merge = {
                "status": "merged",
                "reason": "duplicate",
                "explanation": "Samen",
                "merged_into": third,
                "by": builder,
            }
            await client.post(f"/v1/initiatives/{second}/status", json=merge, headers=staff)
            await client.get(f"/v1/initiatives/{second}/personal-data", headers=staff)
            await client.delete(f"/v1/initiatives/{second}/personal-data", headers=staff)
            await client.post(
                "/v1/submissions", json=marked_form(markers[2]) | {"neighbourhoods": ["nowhere"]}
            )

            async def all_out() -> bool:
                types = [e.type for e in await events_of(kafka_bootstrap, set(references))]
                return types.count("initiative.status_changed") >= 3 and "initiative.subsidy_checked" in types

            await wait_for(all_out)

            async def drained() -> bool:
                return await service.app.state.runtime.relay.pending() == 0

            await wait_for(drained)
    finally:
        configure_logging("tests", level="INFO")
    records = await records_since(kafka_bootstrap, since)
    assert any(r.topic == INITIATIVES_EVENTS for r in records)
    for record in records:
        text = (record.value or b"") + (record.key or b"") + b"".join(v or b"" for _, v in record.headers)
        for marker in markers:
            assert marker.encode() not in text, f"{marker} on {record.topic}"
    lines = logs.getvalue()
    assert "initiative_submitted" in lines
    for marker in markers:
        assert marker not in lines


async def test_contact_data_is_encrypted_at_rest(
    kafka_bootstrap: str, database_url: str, unique: Callable[[str], str]
) -> None:
    marker = f"mrk{uuid.uuid4().hex[:12]}"
    async with running(kafka_bootstrap, database_url, unique("ini")) as service:
        reference = (await service.client.post("/v1/submissions", json=marked_form(marker))).json()[
            "initiative_id"
        ]
        async with service.database.sessions() as session:
            row = await session.get(InitiativeRow, reference)
            assert row is not None
            stored = repr([getattr(row, column.name) for column in InitiativeRow.__table__.columns])
        assert marker not in stored


async def test_the_initiator_exports_and_erases_with_the_access_code_only(
    kafka_bootstrap: str, database_url: str, unique: Callable[[str], str]
) -> None:
    marker = f"mrk{uuid.uuid4().hex[:12]}"
    async with running(kafka_bootstrap, database_url, unique("ini")) as service:
        client = service.client
        receipt = (await client.post("/v1/submissions", json=marked_form(marker))).json()
        reference, token = receipt["initiative_id"], {"X-Access-Token": receipt["access_token"]}
        wrong = {"X-Access-Token": "not-the-right-code-at-all"}
        assert (
            await client.get(f"/v1/submissions/{reference}/personal-data", headers=wrong)
        ).status_code == 404
        exported = (await client.get(f"/v1/submissions/{reference}/personal-data", headers=token)).json()
        assert exported["initiator"]["name"] == f"Naam {marker}"
        assert exported["details"]["description"] == f"Omschrijving met {marker} erin"
        assert (
            await client.delete(f"/v1/submissions/{reference}/personal-data", headers=token)
        ).status_code == 204
        after = (await client.get(f"/v1/initiatives/{reference}", headers=service.staff)).json()
        assert after["initiator"] is None
        assert marker not in str(after)


async def test_contact_data_is_erased_automatically_after_the_retention_period(
    kafka_bootstrap: str, database_url: str, unique: Callable[[str], str]
) -> None:
    clock = Clock(datetime(2026, 3, 2, 10, tzinfo=UTC))
    async with running(
        kafka_bootstrap, database_url, unique("ini"), clock=clock, contact_retention_days=30
    ) as service:
        client, staff = service.client, service.staff
        closed = (await client.post("/v1/submissions", json=form())).json()["initiative_id"]
        still_open = (await client.post("/v1/submissions", json=form())).json()["initiative_id"]
        builder = (await client.get(f"/v1/initiatives/{closed}", headers=staff)).json()["builder_id"]
        contact = {
            "kind": "first_contact",
            "hours": 0.5,
            "by": builder,
            "on": "2026-03-03",
            "notes": "belde terug",
        }
        for reference in (closed, still_open):
            await client.post(f"/v1/initiatives/{reference}/support", json=contact, headers=staff)
        withdraw = {
            "status": "withdrawn",
            "reason": "withdrawn_by_initiator",
            "explanation": "Verhuisd.",
            "by": builder,
        }
        assert (
            await client.post(f"/v1/initiatives/{closed}/status", json=withdraw, headers=staff)
        ).status_code == 204
        clock.now += timedelta(days=29)
        assert await service.service.keeper.tick() == (0, 0)
        clock.now += timedelta(days=2)
        assert await service.service.keeper.tick() == (0, 1)
        async with service.database.sessions() as session:
            rows = {r.initiative_id: r for r in (await session.scalars(select(InitiativeRow))).all()}
            notes = (await session.scalars(select(SupportEntryRow))).all()
        assert rows[closed].contact is None
        assert rows[closed].contact_erased_at is not None
        assert rows[still_open].contact is not None
        assert len(notes) == 2
