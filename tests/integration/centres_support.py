"""Helpers for the centres tests: a running centres app on the real broker, keys, and reading its events."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from cryptography.fernet import Fernet

from centres.main import create_app
from centres.settings import CentresSettings
from contracts import OrganisationRole
from contracts.topics import CENTRES_EVENTS
from support.testing import read_topic, wait_for
from werkplaats.organisations import add_organisation

MARKER = "Zeynep-MARKER-7f3a9c Oostveen"
MARKER_EMAIL = "marker-7f3a9c@example.org"


@dataclass
class Centres:
    """A running centres service and the keys to call it."""

    client: httpx.AsyncClient
    bootstrap: str
    operations: str
    partner: str
    partner_slug: str
    app: Any

    def staff(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.operations}"}

    def coordinator(self, centre_id: str, person_id: str | None = None) -> dict[str, str]:
        headers = self.staff() | {"X-Acting-Role": "coordinator", "X-Acting-Centre": centre_id}
        return headers | ({"X-Acting-Person": person_id} if person_id else {})

    def coach(self, person_id: str) -> dict[str, str]:
        return self.staff() | {"X-Acting-Role": "coach", "X-Acting-Person": person_id}

    def as_partner(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.partner}"}


@asynccontextmanager
async def running_centres(
    bootstrap: str,
    unique: Callable[[str], str],
    database_url: str,
    tmp_path: Path,
    *,
    clock: Callable[[], datetime] | None = None,
    **overrides: Any,
) -> AsyncIterator[Centres]:
    """The centres app started on ``database_url`` with an operations and a partner organisation."""
    operations = await add_organisation(
        bootstrap, unique("ops"), name="Werkplaats", role=OrganisationRole.OPERATIONS
    )
    partner_slug = unique("staedion")
    partner = await add_organisation(bootstrap, partner_slug, name="Staedion", role=OrganisationRole.PARTNER)
    settings = CentresSettings(
        database_url=database_url,
        data_dir=tmp_path,
        data_keys=Fernet.generate_key().decode(),
        consumer_group=unique("centres"),
        **overrides,
    )
    app = create_app(settings, bootstrap_servers=bootstrap, clock=clock)
    runtime = app.state.runtime
    await runtime.start()
    await wait_for(lambda: app.state.service.directory.get(partner_slug) is not None, timeout=30)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://centres")
    try:
        yield Centres(client, bootstrap, operations.secret, partner.secret, partner_slug, app)
    finally:
        await client.aclose()
        await runtime.stop()


def centre_body(organisation: str, **overrides: Any) -> dict[str, Any]:
    """A centre in Moerwijk with two rooms, open Monday to Friday 9 to 22 and Saturday 10 to 17."""
    body: dict[str, Any] = {
        "organisation": organisation,
        "name": "Wijkcentrum Moerwijk",
        "address": "Zuidlarenstraat 59, Den Haag",
        "neighbourhoods": ["WK051836", "BU05183638"],
        "rooms": [
            {
                "room_id": "Grote zaal",
                "name": "Grote zaal",
                "capacity": 80,
                "accessibility": {"step_free": True, "hearing_loop": True, "accessible_toilet": True},
            },
            {"room_id": "Spreekkamer 1", "name": "Spreekkamer 1", "capacity": 8},
        ],
        "opening_hours": [{"weekday": day, "opens": "09:00", "closes": "22:00"} for day in range(1, 6)]
        + [{"weekday": 6, "opens": "10:00", "closes": "17:00"}],
    }
    return body | overrides


async def events_of(bootstrap: str, key: str, topic: str = CENTRES_EVENTS) -> list[dict[str, Any]]:
    """Every event on ``topic`` with record key ``key``, decoded."""
    records = await read_topic(bootstrap, topic, timeout=30)
    return [json.loads(r.value) for r in records if r.key is not None and r.key.decode() == key]


async def wait_for_events(
    bootstrap: str, key: str, event_type: str, count: int, topic: str = CENTRES_EVENTS
) -> list[dict[str, Any]]:
    """Wait until ``count`` events of ``event_type`` with ``key`` are on ``topic``; return them."""
    found: list[dict[str, Any]] = []

    async def enough() -> bool:
        nonlocal found
        found = [e for e in await events_of(bootstrap, key, topic) if e["type"] == event_type]
        return len(found) >= count

    await wait_for(enough, timeout=60, interval=0.3)
    return found


def at(text: str) -> datetime:
    """An aware moment from ISO text."""
    return datetime.fromisoformat(text).astimezone(UTC)
