"""Rules that never occur are refused on every path, and an ordinary clash right after is still found."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from contracts import ActivityKind, OrganisationRole
from contracts.topics import SCHEDULING_CONFLICTS, partner_activities, partner_feedback, partner_topics
from scheduling.feeds import FeedPoller, add_feed
from scheduling.feeds.fetch import new_client
from scheduling.ical import FeedMapping
from scheduling.main import create_app
from scheduling.store import ActivityRow
from scheduling_support import Partners, activity, at, fresh_area, quiet_evening, skip_history
from support.testing import read_topic, wait_for
from test_scheduling_feeds import CalendarServer, calendar, calendar_server, vevent  # noqa: F401
from werkplaats.organisations import add_organisation, revoke_organisation
from werkplaats.runtime import ServiceRuntime

NEVER = ["FREQ=DAILY;BYMONTH=6;BYWEEKNO=1", "FREQ=YEARLY;BYMONTH=6;BYWEEKNO=1;COUNT=3"]
CLASH_WITHIN_S = 60  # seconds on an idle machine; generous for a loaded, shared test broker


@dataclass
class Stack:
    runtime: ServiceRuntime
    client: httpx.AsyncClient
    bootstrap: str
    partner: str
    key: str
    app: FastAPI
    group: str


@pytest.fixture
async def stack(kafka_bootstrap: str, database_url: str) -> AsyncIterator[Stack]:
    from scheduling.settings import SchedulingSettings

    group = f"hostile-{uuid.uuid4().hex[:6]}"
    partner = f"{group}-http"
    key = (
        await add_organisation(kafka_bootstrap, partner, name=partner, role=OrganisationRole.PARTNER)
    ).secret
    await skip_history(kafka_bootstrap, group)
    settings = SchedulingSettings(
        database_url=database_url,
        consumer_group=group,
        outbox_idle_poll_s=0.2,
        # only this test's partners: the shared broker holds every other test's topics too
        partner_topic_pattern=rf"^partner\.{group}-[a-z0-9-]+\.activities$",
    )
    app = create_app(settings, bootstrap_servers=kafka_bootstrap)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://scheduling")
    await app.state.runtime.start()
    await app.state.service.view.wait_loaded()  # the agenda is read in the background
    try:
        yield Stack(app.state.runtime, client, kafka_bootstrap, partner, key, app, group)
    finally:
        await app.state.runtime.stop()
        await client.aclose()


async def clash_detected(bootstrap: str, organisation: str, activity_ids: set[str]) -> None:
    """Wait (at most ``CLASH_WITHIN_S``) for a conflict joining ``activity_ids`` of ``organisation``."""

    async def detected() -> bool:
        for record in await read_topic(bootstrap, SCHEDULING_CONFLICTS, timeout=30):
            data = json.loads(record.value)["data"]
            joined = {
                a["activity_id"] for a in data.get("activities", []) if a["organisation"] == organisation
            }
            if joined == activity_ids:
                return True
        return False

    await wait_for(detected, timeout=CLASH_WITHIN_S, interval=0.3)


def hostile(activity_id: str, rule: str) -> dict[str, Any]:
    day = quiet_evening()
    data: dict[str, Any] = activity(activity_id, at(day, 19), 2, ["BU05183620"]).model_dump(mode="json")
    return data | {"recurrence": rule}


async def test_on_kafka_they_are_dead_lettered_with_feedback_and_a_clash_follows(stack: Stack) -> None:
    area, day = fresh_area(), quiet_evening()
    partners = Partners(stack.bootstrap, "corp")
    partners.slugs["corp"] = f"{stack.group}-corp"
    async with partners:
        slug = partners.slugs["corp"]
        for n, rule in enumerate(NEVER):
            document = {
                "event_id": str(uuid.uuid4()),
                "type": "activity.published",
                "version": 1,
                "occurred_at": datetime.now(UTC).isoformat(),
                "source": slug,
                "data": hostile(f"nooit-{n}", rule),
            }
            await partners.producer.send_and_wait(
                partner_activities(slug), json.dumps(document).encode(), key=f"nooit-{n}".encode()
            )
        await partners.publish("corp", activity("een", at(day, 19), 2, [area.wijk]))
        await partners.publish("corp", activity("twee", at(day, 20), 2, [area.buurten[0]]))
        await clash_detected(stack.bootstrap, slug, {"een", "twee"})

        async def rejected() -> list[dict[str, Any]]:
            records = await read_topic(stack.bootstrap, partner_feedback(slug))
            return [json.loads(r.value) for r in records]

        await wait_for(rejected, timeout=CLASH_WITHIN_S, interval=0.3)
        feedback = await rejected()
        assert sorted({f["data"]["activity_id"] for f in feedback}) == ["nooit-0", "nooit-1"]
        assert {p["field"] for f in feedback for p in f["data"]["problems"]} == {"data.recurrence"}
        dead = await read_topic(stack.bootstrap, partner_activities(slug) + ".dlq")
        assert sorted({r.key for r in dead}) == [b"nooit-0", b"nooit-1"]


async def test_over_http_they_get_a_422_naming_recurrence_and_a_clash_follows(stack: Stack) -> None:
    slug, headers = stack.partner, {"Authorization": f"Bearer {stack.key}"}
    area, day = fresh_area(), quiet_evening()
    for n, rule in enumerate(NEVER):
        body = hostile(f"nooit-{n}", rule)
        began = time.perf_counter()
        for path in (f"/v1/activities/nooit-{n}", "/v1/activities/check"):
            method = stack.client.put if path.endswith(f"-{n}") else stack.client.post
            refused = await method(path, json=body, headers=headers)
            assert refused.status_code == 422, refused.text
            assert "recurrence" in refused.json()["detail"][0]["loc"]
        assert time.perf_counter() - began < 1.0  # no scan to the year 9999 (14 s unbounded)
    for activity_id, start, codes in (
        ("een", at(day, 19), [area.wijk]),
        ("twee", at(day, 20), [area.buurten[0]]),
    ):
        body = activity(activity_id, start, 2, codes).model_dump(mode="json")
        assert (
            await stack.client.put(f"/v1/activities/{activity_id}", json=body, headers=headers)
        ).status_code == 202
    await clash_detected(stack.bootstrap, slug, {"een", "twee"})


async def test_in_a_feed_they_are_reported_per_event_and_a_clash_follows(
    stack: Stack,
    calendar_server: CalendarServer,  # noqa: F811
) -> None:
    area, day = fresh_area(), quiet_evening()
    slug = f"{stack.group}-feed"
    never = vevent("nooit", at(day, 19), 60).replace("END:VEVENT", f"RRULE:{NEVER[0]}\r\nEND:VEVENT")
    calendar_server.body = calendar(never, vevent("een", at(day, 19), 90), vevent("twee", at(day, 20), 60))
    poller = FeedPoller(
        stack.runtime.database, ensure_topics=stack.runtime.ensure_topics, client=new_client("127.0.0.1/32")
    )
    mapping = FeedMapping(kind=ActivityKind.CONSULTATION, neighbourhoods=[area.buurten[0]])
    now = datetime.now(UTC)
    async with stack.runtime.database.transaction() as session:
        await add_feed(session, calendar_server.url, slug, mapping, now=now)
    try:
        [outcome] = await poller.poll_once(now=now)
    finally:
        await poller.stop()
    assert outcome.changes.published == 2
    [problem] = outcome.problems
    assert "nooit" in str(problem)
    assert "never occurs" in str(problem)
    await clash_detected(stack.bootstrap, slug, {"een", "twee"})


def test_reading_a_calendar_reports_such_an_event_and_keeps_the_others() -> None:
    from scheduling.ical import read_calendar

    day = quiet_evening()
    never = vevent("nooit", at(day, 19), 60).replace("END:VEVENT", f"RRULE:{NEVER[1]}\r\nEND:VEVENT")
    mapping = FeedMapping(kind=ActivityKind.CONSULTATION, neighbourhoods=["BU05183620"])
    result = read_calendar(calendar(never, vevent("een", at(day + timedelta(days=1), 19), 90)), mapping)
    assert [a.activity_id for a in result.activities] == ["een"]
    [problem] = result.problems
    assert problem.uid == "nooit"
    assert "recurrence" in problem.message
    assert "never occurs" in problem.message


async def test_a_revoked_organisations_topic_is_dead_lettered_and_its_history_kept(stack: Stack) -> None:
    area, day = fresh_area(), quiet_evening()
    slug = stack.partner  # registered before the scheduler started
    async with Partners(stack.bootstrap) as partners:
        partners.slugs["org"] = slug
        await stack.runtime.ensure_topics(partner_topics(slug))
        await partners.publish("org", activity("voor", at(day, 19), 2, [area.wijk]))

        headers = {"Authorization": f"Bearer {stack.key}"}

        async def on_agenda() -> bool:
            listed = await stack.client.get(
                "/v1/agenda", params={"neighbourhood": area.wijk}, headers=headers
            )
            return listed.status_code == 200 and len(listed.json()["items"]) == 1

        await wait_for(on_agenda, timeout=CLASH_WITHIN_S, interval=0.3)
        await revoke_organisation(stack.bootstrap, slug)
        directory = stack.app.state.service.directory
        await wait_for(lambda: directory.is_revoked(slug), timeout=30, interval=0.1)

        await partners.publish("org", activity("na", at(day, 20), 2, [area.wijk]))

        async def dead_lettered() -> list[Any]:
            return await read_topic(stack.bootstrap, partner_activities(slug) + ".dlq")

        await wait_for(dead_lettered, timeout=CLASH_WITHIN_S, interval=0.3)
        [dead] = await dead_lettered()
        assert dead.key == b"na"
        assert "revoked" in dict(dead.headers)["werkplaats-error"].decode()
        async with stack.runtime.database.sessions() as session:
            kept = await session.scalars(
                select(ActivityRow.activity_id).where(ActivityRow.organisation == slug)
            )
            assert list(kept) == ["voor"]  # its history stays
        refused = await stack.client.get("/v1/conflicts", headers=headers)
        assert refused.status_code == 401
