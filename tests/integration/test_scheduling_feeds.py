"""A partner's iCalendar feed on a real broker: the agenda follows the feed, conflicts open and resolve."""

from __future__ import annotations

import json
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from contracts import ActivityKind
from contracts.topics import SCHEDULING_AGENDA, SCHEDULING_CONFLICTS, partner_activities
from scheduling.feeds import FeedPoller, add_feed
from scheduling.ical import FeedMapping
from scheduling.main import create_runtime
from scheduling.settings import SchedulingSettings
from scheduling_support import Partners, activity, at, fresh_area, quiet_evening
from support.testing import read_topic, wait_for
from werkplaats.outbox import OutboxRow


class CalendarServer:
    """A local HTTP server whose one calendar the test can change."""

    def __init__(self) -> None:
        self.body = b""
        self.requests = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests += 1
                self.send_response(200)
                self.send_header("Content-Type", "text/calendar; charset=utf-8")
                self.send_header("Content-Length", str(len(server.body)))
                self.end_headers()
                self.wfile.write(server.body)

            def log_message(self, *_: Any) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}/agenda.ics"
        self.thread = threading.Thread(target=self.http.serve_forever, daemon=True)


@pytest.fixture
def calendar_server() -> Iterator[CalendarServer]:
    server = CalendarServer()
    server.thread.start()
    yield server
    server.http.shutdown()
    server.http.server_close()


def vevent(uid: str, start: datetime, minutes: int) -> str:
    end = start + timedelta(minutes=minutes)
    return (
        f"BEGIN:VEVENT\r\nUID:{uid}\r\nSUMMARY:Bewonersavond {uid}\r\n"
        f"DTSTART;TZID=W. Europe Standard Time:{start:%Y%m%dT%H%M%S}\r\n"
        f"DTEND;TZID=W. Europe Standard Time:{end:%Y%m%dT%H%M%S}\r\nEND:VEVENT\r\n"
    )


def calendar(*events: str) -> bytes:
    head = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Microsoft Corporation//Outlook 16.0//EN\r\n"
    return (head + "".join(events) + "END:VCALENDAR\r\n").encode()


async def conflicts_of(bootstrap: str, slug: str) -> set[tuple[str, str, frozenset[str]]]:
    """(type, rule, the feed's activity ids) of the conflict events that involve ``slug``.

    A set: every scheduler on the shared broker (other tests' too) reads every partner topic and
    announces the same deterministic conflicts, so one change may be announced more than once.
    """
    members: dict[str, frozenset[str]] = {}
    seen = set()
    for record in await read_topic(bootstrap, SCHEDULING_CONFLICTS, timeout=30):
        document = json.loads(record.value)
        data = document["data"]
        if "activities" in data:
            members[data["conflict_id"]] = frozenset(
                a["activity_id"] for a in data["activities"] if a["organisation"] == slug
            )
        if members.get(data["conflict_id"]):
            seen.add((document["type"], data["rule"], members[data["conflict_id"]]))
    return seen


async def agenda_of(bootstrap: str, slug: str) -> Counter[tuple[str, str]]:
    """How often each (type, activity) was announced for ``slug``: once per partner event (correlation)."""
    distinct = set()
    for record in await read_topic(bootstrap, SCHEDULING_AGENDA, timeout=30):
        document = json.loads(record.value)
        if document["data"]["organisation"] == slug:
            activity_id = document["data"].get("activity_id") or document["data"]["activity"]["activity_id"]
            distinct.add((document["type"], activity_id, document["correlation_id"]))
    return Counter((kind, activity_id) for kind, activity_id, _ in distinct)


V1_CONFLICTS = {
    ("conflict.detected", "neighbourhood_overlap", frozenset({"moved"})),
    ("conflict.detected", "neighbourhood_overlap", frozenset({"removed"})),
}
V2_CONFLICTS = V1_CONFLICTS | {
    ("conflict.resolved", "neighbourhood_overlap", frozenset({"moved"})),
    ("conflict.detected", "same_evening", frozenset({"moved"})),
    ("conflict.resolved", "neighbourhood_overlap", frozenset({"removed"})),
    ("conflict.detected", "neighbourhood_overlap", frozenset({"added"})),
}


async def test_the_agenda_and_conflicts_follow_a_changing_feed(
    kafka_bootstrap: str, unique, database_url: str, calendar_server: CalendarServer
) -> None:
    slug = f"feed-{uuid.uuid4().hex[:8]}"
    async with Partners(kafka_bootstrap, "gemeente") as partners:
        settings = SchedulingSettings(
            database_url=database_url,
            consumer_group=unique("sched"),
            outbox_idle_poll_s=0.2,
            partner_topic_pattern=rf"^partner\.({slug}|{partners.slugs['gemeente']})\.activities$",
        )
        runtime = create_runtime(settings, bootstrap_servers=kafka_bootstrap)
        poller = FeedPoller(runtime.database, ensure_topics=runtime.ensure_topics)
        await runtime.start()
        try:
            await _scenario(kafka_bootstrap, runtime, poller, partners, calendar_server, slug)
        finally:
            await poller.stop()
            await runtime.stop()


async def _scenario(
    bootstrap: str, runtime: Any, poller: FeedPoller, partners: Partners, server: CalendarServer, slug: str
) -> None:
    area, day = fresh_area(), quiet_evening()
    d0, d1, d2 = day, day + timedelta(days=1), day + timedelta(days=2)
    seniors = {"target_groups": ["seniors"]}
    await partners.publish("gemeente", activity("g1", at(d0, 19), 2, [area.wijk], **seniors))
    await partners.publish("gemeente", activity("g2", at(d1, 15), 6, [area.wijk], **seniors))

    server.body = calendar(
        vevent("moved", at(d0, 20), 90), vevent("removed", at(d1, 20), 60), vevent("kept", at(d2, 19), 60)
    )
    mapping = FeedMapping(kind=ActivityKind.CONSULTATION, neighbourhoods=[area.buurten[0]])
    now = datetime.now(UTC)
    async with runtime.database.transaction() as session:
        await add_feed(session, server.url, slug, mapping, now=now)
    [first] = await poller.poll_once(now=now)
    assert (first.status, first.changes.published, first.problems) == ("ok", 3, [])
    assert await _conflicts_become(bootstrap, slug, V1_CONFLICTS)

    server.body = calendar(
        vevent("moved", at(d0, 21), 60), vevent("kept", at(d2, 19), 60), vevent("added", at(d1, 15, 30), 60)
    )
    [second] = await poller.poll_once(now=now + timedelta(minutes=15))
    assert (second.changes.published, second.changes.withdrawn, second.changes.unchanged) == (2, 1, 1)
    assert await _conflicts_become(bootstrap, slug, V2_CONFLICTS)
    assert await agenda_of(bootstrap, slug) == {
        ("agenda.activity_upserted", "moved"): 2,
        ("agenda.activity_upserted", "removed"): 1,
        ("agenda.activity_removed", "removed"): 1,
        ("agenda.activity_upserted", "kept"): 1,
        ("agenda.activity_upserted", "added"): 1,
    }

    outbox_before = await _outbox_rows(runtime, slug)
    [third] = await poller.poll_once(now=now + timedelta(minutes=30))
    assert (third.status, third.changes.published, third.changes.withdrawn) == ("ok", 0, 0)
    assert await _outbox_rows(runtime, slug) == outbox_before == 6
    assert server.requests == 3


async def _conflicts_become(bootstrap: str, slug: str, expected: set[Any]) -> bool:
    async def arrived() -> bool:
        return expected <= await conflicts_of(bootstrap, slug)

    await wait_for(arrived, timeout=300, interval=1.0)  # the shared broker may hold a long backlog
    return await conflicts_of(bootstrap, slug) == expected


async def _outbox_rows(runtime: Any, slug: str) -> int:
    """Rows the poller staged for the feed's organisation (the scheduler's own rows share the table)."""
    from sqlalchemy import func, select

    query = select(func.count()).select_from(OutboxRow).where(OutboxRow.topic == partner_activities(slug))
    async with runtime.database.sessions() as session:
        return int(await session.scalar(query) or 0)
