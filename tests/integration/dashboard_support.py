"""Helpers for dashboard tests: an app on a real database without a broker, events, signing in."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import httpx
from argon2 import PasswordHasher
from fastapi import FastAPI

from contracts import (
    ActivityPublished,
    AgendaActivityUpserted,
    ConflictAcknowledged,
    ConflictDetected,
    ConflictResolved,
    Envelope,
    EventData,
    Occurrence,
    new_event,
)
from dashboard.domain import Role
from dashboard.main import create_app, migrations_location
from dashboard.service import ReadModel
from dashboard.settings import DashboardSettings
from dashboard.store import AccountRow, SqlDashboardUnitOfWork
from werkplaats.migrations import upgrade

PASSWORD = "een lang genoeg wachtwoord"
TEST_SETTINGS = {"password_memory_kib": 1024, "password_time_cost": 1, "password_parallelism": 1}
"""Test accounts are hashed at a low cost (tests sign in often); production hashes at full cost."""
ACCOUNTS = (
    ("beheer", Role.OPERATIONS, None),
    ("opbouw", Role.COMMUNITY_BUILDER, None),
    ("coord-moerwijk", Role.COORDINATOR, "wijkcentrum-moerwijk"),
    ("coord-bouwlust", Role.COORDINATOR, "wijkcentrum-bouwlust"),
)
START = datetime(2030, 3, 5, 18, 30, tzinfo=UTC)  # a Tuesday evening in Amsterdam


@dataclass
class Offline:
    """The dashboard on a real database, its consumer not started: events are applied directly."""

    app: FastAPI
    client: httpx.AsyncClient

    @property
    def dashboard(self) -> Any:
        return self.app.state.service

    async def apply(self, *events: Envelope[EventData]) -> None:
        model = ReadModel()
        async with self.dashboard.runtime.database.unit_of_work(SqlDashboardUnitOfWork) as unit:
            for event in events:
                await model.apply(unit, event)


@asynccontextmanager
async def offline_dashboard(database_url: str, **settings: Any) -> AsyncIterator[Offline]:
    """The dashboard app with its database migrated, accounts made and tokens loaded; no Kafka."""
    app = create_app(
        DashboardSettings(database_url=database_url, **(TEST_SETTINGS | settings)),
        bootstrap_servers="127.0.0.1:1",
    )
    dashboard = app.state.service
    await upgrade(dashboard.runtime.database, migrations_location())
    await dashboard.web.load_secrets()
    async with dashboard.runtime.database.transaction() as session:
        for username, role, centre in ACCOUNTS:
            session.add(
                AccountRow(
                    account_id=str(uuid.uuid4()),
                    username=username,
                    display_name=username,
                    role=role.value,
                    centre_id=centre,
                    password_hash=password_hash(),
                    created_at=datetime.now(UTC),
                    disabled=False,
                )
            )
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://dashboard")
    try:
        yield Offline(app, client)
    finally:
        await client.aclose()
        await dashboard.runtime.database.dispose()


@cache
def password_hash() -> str:
    """The argon2 hash of the test password, computed once (hashing is slow by design)."""
    return str(PasswordHasher(memory_cost=1024, time_cost=1, parallelism=1).hash(PASSWORD))


def csrf_of(html: str) -> str:
    """The CSRF token in a page's forms."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


async def sign_in(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> httpx.Response:
    """Sign in through the form, as a browser does."""
    form = await client.get("/aanmelden")
    data = {"username": username, "password": password, "csrf_token": csrf_of(form.text), "terug": "/vandaag"}
    return await client.post("/aanmelden", data=data)


def upserted(
    organisation: str,
    activity_id: str,
    *,
    start: datetime = START,
    hours: float = 2,
    codes: tuple[str, ...] = ("BU05183620",),
    venue: dict[str, str] | None = None,
    **extra: Any,
) -> Envelope[EventData]:
    """``agenda.activity_upserted`` of one activity."""
    activity = ActivityPublished.model_validate(
        {
            "activity_id": activity_id,
            "title": f"Bewonersavond {activity_id}",
            "kind": "consultation",
            "starts_at": start,
            "ends_at": start + timedelta(hours=hours),
            "neighbourhoods": list(codes),
            "venue": venue,
            "target_groups": ["tenants"],
            **extra,
        }
    )
    occurrence = Occurrence(starts_at=activity.starts_at, ends_at=activity.ends_at)
    data = AgendaActivityUpserted(organisation=organisation, activity=activity, occurrences=[occurrence])
    return new_event(data, source="scheduling")


def detected(
    *activities: tuple[str, str],
    severity: str = "high",
    rule: str = "neighbourhood_overlap",
    start: datetime = START,
) -> Envelope[EventData]:
    """``conflict.detected`` joining ``activities`` (organisation, activity id)."""
    data = ConflictDetected.model_validate(
        {
            "conflict_id": f"c-{uuid.uuid4().hex[:10]}",
            "rule": rule,
            "severity": severity,
            "activities": [
                {"organisation": org, "activity_id": activity_id, "occurrence_start": start}
                for org, activity_id in activities
            ],
            "neighbourhoods": ["BU05183620"],
            "starts_at": start,
            "ends_at": start + timedelta(hours=2),
            "explanation": {
                "nl": "Twee avonden tegelijk in Moerwijk-Oost.",
                "en": "Two evenings at once in Moerwijk-Oost.",
            },
            "suggestions": [start + timedelta(days=2)],
        }
    )
    return new_event(data, source="scheduling")


def acknowledged(conflict_id: str, reason: str = "Afgestemd") -> Envelope[EventData]:
    """``conflict.acknowledged``."""
    return new_event(
        ConflictAcknowledged(conflict_id=conflict_id, reason=reason, acknowledged_by="werkplaats-ops"),
        source="scheduling",
    )


def resolved(conflict_id: str, rule: str = "neighbourhood_overlap") -> Envelope[EventData]:
    """``conflict.resolved``."""
    explanation = {"nl": "Een avond is verplaatst.", "en": "An evening was moved."}
    return new_event(
        ConflictResolved.model_validate(
            {"conflict_id": conflict_id, "rule": rule, "explanation": explanation}
        ),
        source="scheduling",
    )


def conflict_id_of(event: Envelope[EventData]) -> str:
    """The conflict an event is about."""
    return str(event.data.conflict_id)  # type: ignore[union-attr]
