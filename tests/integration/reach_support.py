"""Helpers for reach tests on a real broker: a scheduler and a reach service, partners reporting."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from contracts import ActivityReported, encode_event, new_event
from contracts.reach import report_key
from contracts.topics import PARTNER_REPORTS_PATTERN, SCHEDULING_AGENDA, partner_feedback, partner_reports
from reach.domain import AMSTERDAM
from reach.main import ReachService
from reach.main import create_app as create_reach
from reach.settings import ReachSettings
from reach.store import ReportRow
from scheduling.main import create_app as create_scheduler
from scheduling.main import create_runtime as create_scheduler_runtime
from scheduling.settings import SchedulingSettings
from scheduling_support import Area, Partners, at, fresh_area, skip_history
from support.testing import read_topic, start_groups_at_end, wait_for
from werkplaats.runtime import ServiceRuntime


async def skip_reach_history(bootstrap: str, group: str) -> None:
    """Start the reach groups at the end of the agenda and of every partner's reports."""

    def groups(topics: list[str]) -> dict[str, list[str]]:
        reports = [t for t in topics if re.match(PARTNER_REPORTS_PATTERN, t)]
        return {f"{group}-agenda": [SCHEDULING_AGENDA], f"{group}-reports": reports}

    await start_groups_at_end(bootstrap, groups)


def report(
    activity_id: str, start: datetime, attendance: int, methods: list[str], **extra: Any
) -> ActivityReported:
    fields: dict[str, Any] = {
        "activity_id": activity_id,
        "occurrence_start": start,
        "attendance": attendance,
        "reach_methods": methods,
        "follow_up": {
            "action": "De inbreng gaat naar het projectteam.",
            "residents_hear_back_by": "2099-01-01",
        },
    }
    return ActivityReported.model_validate(fields | extra)


async def send_report(
    partners: Partners, name: str, reported: ActivityReported, *, event_id: Any = None
) -> str:
    """Publish a report on the partner's reports topic; the event id."""
    event = new_event(reported, source=partners.slugs[name], event_id=event_id)
    await partners.producer.send_and_wait(
        partner_reports(partners.slugs[name]), encode_event(event), key=report_key(reported).encode()
    )
    return str(event.event_id)


@dataclass
class Stack:
    scheduler: ServiceRuntime
    scheduling_api: httpx.AsyncClient
    reach: ReachService
    reach_api: httpx.AsyncClient
    partners: Partners
    area: Area
    scheduling_app: FastAPI
    reach_app: FastAPI


@asynccontextmanager
async def running_stack(
    kafka_bootstrap: str, database_url: str, tmp_path: Path, *, serving: bool
) -> AsyncIterator[Stack]:
    """A scheduler (with its HTTP API when ``serving``) and a reach service with its HTTP API."""
    run = uuid.uuid4().hex[:6]
    await skip_history(kafka_bootstrap, f"sched-{run}")
    scheduling_settings = SchedulingSettings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'scheduling.db'}",
        consumer_group=f"sched-{run}",
        outbox_idle_poll_s=0.2,
    )
    if serving:
        scheduling_app = create_scheduler(scheduling_settings, bootstrap_servers=kafka_bootstrap)
        scheduler: ServiceRuntime = scheduling_app.state.runtime
        transport = httpx.ASGITransport(app=scheduling_app)
    else:
        scheduler = create_scheduler_runtime(scheduling_settings, bootstrap_servers=kafka_bootstrap)
        scheduling_app = FastAPI()
        transport = httpx.ASGITransport(app=scheduling_app)
    await skip_reach_history(kafka_bootstrap, f"reach-{run}")
    settings = ReachSettings(
        database_url=database_url,
        consumer_group=f"reach-{run}",
        outbox_idle_poll_s=0.2,
        tick_s=0.2,
        pending_grace_s=10,
        minimum_reports=2,
    )
    reach_app = create_reach(settings, bootstrap_servers=kafka_bootstrap)
    reach: ReachService = reach_app.state.service
    reach_api = httpx.AsyncClient(transport=httpx.ASGITransport(app=reach_app), base_url="http://reach")
    client = httpx.AsyncClient(transport=transport, base_url="http://scheduling")
    async with Partners(kafka_bootstrap, "staedion", "haagwonen") as partners:  # topics before consumers
        await scheduler.start()
        if serving:
            await scheduling_app.state.service.view.wait_loaded()  # the agenda is read in the background
        await reach.runtime.start()
        try:
            yield Stack(
                scheduler, client, reach, reach_api, partners, fresh_area(), scheduling_app, reach_app
            )
        finally:
            await reach.runtime.stop()
            await scheduler.stop()
            await client.aclose()
            await reach_api.aclose()


@pytest.fixture(name="stack")
async def stack_fixture(kafka_bootstrap: str, database_url: str, tmp_path: Path) -> AsyncIterator[Stack]:
    """A scheduler without its HTTP API, and a reach service."""
    async with running_stack(kafka_bootstrap, database_url, tmp_path, serving=False) as stack:
        yield stack


@pytest.fixture(name="serving_stack")
async def serving_stack_fixture(
    kafka_bootstrap: str, database_url: str, tmp_path: Path
) -> AsyncIterator[Stack]:
    """A scheduler with its HTTP API (it reads the whole agenda first), and a reach service."""
    async with running_stack(kafka_bootstrap, database_url, tmp_path, serving=True) as stack:
        yield stack


def evening(days_ago: int) -> datetime:
    day = datetime.now(AMSTERDAM).date() - timedelta(days=days_ago)
    return at(day, 19)


async def reports_of(stack: Stack, name: str) -> int:
    async with stack.reach.runtime.database.sessions() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(ReportRow)
            .where(ReportRow.organisation == stack.partners.slugs[name])
        )
    return int(count or 0)


async def feedback_of(bootstrap: str, stack: Stack, name: str, count: int) -> list[dict[str, object]]:
    topic = partner_feedback(stack.partners.slugs[name])

    async def arrived() -> bool:
        return len(await read_topic(bootstrap, topic)) >= count

    await wait_for(arrived, timeout=180, interval=0.3)
    return [json.loads(record.value) for record in await read_topic(bootstrap, topic)]
