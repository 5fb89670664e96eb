"""Feeds without a broker: only changes reach the outbox, conditional GET, and one poller per feed."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select

from contracts import ActivityKind
from scheduling.feeds import FeedError, FeedPoller, add_feed, parse_interval, remove_feed
from scheduling.feeds.store import FeedEventRow
from scheduling.ical import FeedMapping
from scheduling.main import migrations_location
from support.testing import loopback_only, stub_resolver, wait_for
from werkplaats.db import Database
from werkplaats.migrations import upgrade
from werkplaats.outbound import OutboundClient
from werkplaats.outbox import OutboxRow
from werkplaats.unit_of_work import SqlUnitOfWork

T0 = datetime(2026, 9, 1, 12, tzinfo=UTC)
URL = "https://partner.example/agenda.ics"
MAPPING = FeedMapping(kind=ActivityKind.CONSULTATION, neighbourhoods=["WK051836"])


def event(uid: str, day: int, hour: int = 19) -> str:
    return (
        f"BEGIN:VEVENT\nUID:{uid}\nSUMMARY:Avond {uid}\n"
        f"DTSTART;TZID=Europe/Amsterdam:202611{day:02d}T{hour}0000\n"
        f"DTEND;TZID=Europe/Amsterdam:202611{day:02d}T{hour + 1}0000\nEND:VEVENT\n"
    )


def calendar(*events: str) -> bytes:
    return ("BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//t//EN\n" + "".join(events) + "END:VCALENDAR\n").encode()


class Server:
    """A fake calendar server: the current body, its ETag, and the requests it saw."""

    def __init__(self, body: bytes) -> None:
        self.body, self.version, self.requests = body, 1, []

    def change(self, body: bytes) -> None:
        self.body, self.version = body, self.version + 1

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        etag = f'"v{self.version}"'
        if request.headers.get("If-None-Match") == etag:
            return httpx.Response(304)
        return httpx.Response(200, content=self.body, headers={"ETag": etag})


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url)
    await upgrade(db, migrations_location())
    yield db
    await db.dispose()


async def register(database: Database, interval: timedelta = timedelta(minutes=15)) -> str:
    async with database.transaction() as session:
        return (await add_feed(session, URL, "staedion", MAPPING, interval=interval, now=T0)).feed_id


def poller(database: Database, server: Server) -> FeedPoller:
    return FeedPoller(database, client=mock_client(server))


def mock_client(server: Server) -> OutboundClient:
    """The guarded client sending to ``server`` (nothing leaves the process); partner.example is public."""
    resolver = stub_resolver({"partner.example": ["93.184.215.14"]})
    return OutboundClient(transport=httpx.MockTransport(server), resolver=resolver)


async def outbox(database: Database) -> list[tuple[str, str, str]]:
    async with database.sessions() as session:
        rows = await session.scalars(select(OutboxRow).order_by(OutboxRow.id))
        return [(r.topic, r.key.decode(), json.loads(r.payload)["type"]) for r in rows]


async def test_first_poll_publishes_every_event_on_the_partner_topic(database: Database) -> None:
    await register(database)
    [outcome] = await poller(database, Server(calendar(event("a", 3), event("b", 4)))).poll_once(now=T0)

    assert (outcome.status, outcome.changes.published) == ("ok", 2)
    assert await outbox(database) == [
        ("partner.staedion.activities", "a", "activity.published"),
        ("partner.staedion.activities", "b", "activity.published"),
    ]


async def test_a_feed_is_not_polled_before_it_is_due(database: Database) -> None:
    await register(database)
    feeds = poller(database, Server(calendar(event("a", 3))))
    await feeds.poll_once(now=T0)

    assert await feeds.poll_once(now=T0 + timedelta(minutes=14)) == []
    assert len(await feeds.poll_once(now=T0 + timedelta(minutes=15))) == 1


async def test_only_changes_are_published(database: Database) -> None:
    await register(database)
    server = Server(calendar(event("a", 3), event("b", 4), event("c", 5)))
    feeds = poller(database, server)
    await feeds.poll_once(now=T0)
    server.change(calendar(event("a", 3), event("b", 6, 20), event("d", 7)))

    [outcome] = await feeds.poll_once(now=T0 + timedelta(hours=1))

    assert (outcome.changes.published, outcome.changes.withdrawn, outcome.changes.unchanged) == (2, 1, 1)
    assert (await outbox(database))[3:] == [
        ("partner.staedion.activities", "c", "activity.withdrawn"),
        ("partner.staedion.activities", "b", "activity.published"),
        ("partner.staedion.activities", "d", "activity.published"),
    ]


async def test_an_unchanged_feed_publishes_nothing(database: Database) -> None:
    await register(database)
    server = Server(calendar(event("a", 3)))
    feeds = poller(database, server)
    await feeds.poll_once(now=T0)
    server.change(server.body)  # same content, new ETag: fetched and compared

    [outcome] = await feeds.poll_once(now=T0 + timedelta(hours=1))

    assert (outcome.status, outcome.changes.published, outcome.changes.withdrawn) == ("ok", 0, 0)
    assert len(await outbox(database)) == 1


async def test_the_etag_is_sent_back_and_304_changes_nothing(database: Database) -> None:
    await register(database)
    server = Server(calendar(event("a", 3)))
    feeds = poller(database, server)
    await feeds.poll_once(now=T0)

    [outcome] = await feeds.poll_once(now=T0 + timedelta(hours=1))

    assert outcome.status == "not_modified"
    assert server.requests[1].headers["If-None-Match"] == '"v1"'
    assert len(await outbox(database)) == 1


async def test_a_bad_event_is_not_withdrawn_but_reported(database: Database) -> None:
    await register(database)
    server = Server(calendar(event("a", 3)))
    feeds = poller(database, server)
    await feeds.poll_once(now=T0)
    server.change(calendar(event("a", 3).replace("DTEND", "X-NO-END")))

    [outcome] = await feeds.poll_once(now=T0 + timedelta(hours=1))

    assert outcome.changes.withdrawn == 0
    assert "no DTEND" in outcome.problems[0]


async def test_an_error_page_withdraws_nothing(database: Database) -> None:
    await register(database)
    server = Server(calendar(event("a", 3)))
    feeds = poller(database, server)
    await feeds.poll_once(now=T0)
    server.change(b"<html>Onderhoud</html>")

    [outcome] = await feeds.poll_once(now=T0 + timedelta(hours=1))

    assert (outcome.status, outcome.changes.withdrawn) == ("error", 0)


async def test_two_pollers_never_poll_the_same_feed_at_once(database: Database) -> None:
    await register(database)
    server = Server(calendar(event("a", 3)))
    first, second = poller(database, server), poller(database, server)

    outcomes = await asyncio.gather(first.poll_once(now=T0), second.poll_once(now=T0))

    assert sorted(len(o) for o in outcomes) == [0, 1]
    assert len(server.requests) == 1
    assert len(await outbox(database)) == 1


async def test_removing_a_feed_can_withdraw_what_it_published(database: Database) -> None:
    feed_id = await register(database)
    await poller(database, Server(calendar(event("a", 3)))).poll_once(now=T0)

    async with database.unit_of_work(SqlUnitOfWork) as unit:
        _, withdrawn = await remove_feed(unit, feed_id, withdraw=True)

    assert withdrawn == 1
    assert (await outbox(database))[-1] == ("partner.staedion.activities", "a", "activity.withdrawn")
    async with database.sessions() as session:
        assert list(await session.scalars(select(FeedEventRow))) == []


def test_intervals_are_read_and_too_short_ones_refused() -> None:
    assert parse_interval("15m") == timedelta(minutes=15)
    assert parse_interval("2h") == timedelta(hours=2)
    with pytest.raises(FeedError):
        parse_interval("30s")
    with pytest.raises(FeedError):
        parse_interval("soon")


async def test_a_slow_feed_does_not_hold_up_the_others(database: Database) -> None:
    async with database.transaction() as session:
        await add_feed(session, "https://slow.partner.example/a.ics", "haag-wonen", MAPPING, now=T0)
        await add_feed(session, URL, "staedion", MAPPING, now=T0)
    release = asyncio.Event()
    fast = Server(calendar(event("a", 3)))

    async def serve(request: httpx.Request) -> httpx.Response:
        if request.headers["Host"] == "slow.partner.example":  # the URL holds the checked address
            await release.wait()
        return fast(request)

    resolver = stub_resolver(
        {"partner.example": ["93.184.215.14"], "slow.partner.example": ["93.184.215.15"]}
    )
    feeds = FeedPoller(
        database, client=OutboundClient(transport=httpx.MockTransport(serve), resolver=resolver)
    )
    polling = asyncio.create_task(feeds.poll_once(now=T0))

    async def fast_feed_published() -> bool:
        return ("partner.staedion.activities", "a", "activity.published") in await outbox(database)

    await wait_for(fast_feed_published, timeout=10)
    assert not polling.done()
    release.set()
    assert sorted(o.organisation for o in await polling) == ["haag-wonen", "staedion"]


async def test_a_feed_with_more_events_than_allowed_publishes_nothing(database: Database) -> None:
    await register(database)
    server = Server(calendar(event("a", 3), event("b", 4), event("c", 5)))
    feeds = FeedPoller(database, client=mock_client(server), max_events=2)

    [outcome] = await feeds.poll_once(now=T0)

    assert outcome.status == "error"
    assert "at most 2" in (outcome.message or "")
    assert await outbox(database) == []


async def test_a_redirect_to_an_internal_address_is_refused_and_the_feed_path_stays_secret(
    database: Database,
) -> None:
    async with database.transaction() as session:
        await add_feed(
            session, "https://partner.example/s3cr3t-t0ken/agenda.ics", "staedion", MAPPING, now=T0
        )

    def redirect(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})

    resolver = stub_resolver({"partner.example": ["93.184.215.14"]})
    feeds = FeedPoller(
        database, client=OutboundClient(transport=httpx.MockTransport(redirect), resolver=resolver)
    )

    with loopback_only() as reached_beyond:
        [outcome] = await feeds.poll_once(now=T0)

    assert reached_beyond == []  # the redirect was refused by its address, never followed
    assert outcome.status == "error"
    assert "169.254.169.254" in (outcome.message or "")
    assert "s3cr3t" not in (outcome.message or "")
    assert await outbox(database) == []


async def test_a_revoked_organisations_feed_is_not_fetched_and_publishes_nothing(database: Database) -> None:
    await register(database)
    server = Server(calendar(event("a", 3)))
    feeds = FeedPoller(database, client=mock_client(server), is_revoked=lambda slug: slug == "staedion")

    [outcome] = await feeds.poll_once(now=T0)

    assert outcome.status == "revoked"
    assert server.requests == []
    assert await outbox(database) == []
