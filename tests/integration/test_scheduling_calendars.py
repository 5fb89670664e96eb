"""Real calendars in a running scheduler on a real broker: the agenda lists what a reader of the calendar
would, moved occurrences raise their conflicts, cancelled ones resolve theirs, on every path."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from contracts import ActivityKind, OrganisationRole
from contracts.topics import partner_feedback, partner_topics
from scheduling.domain import AMSTERDAM
from scheduling.feeds import FeedPoller, add_feed
from scheduling.feeds.fetch import new_client
from scheduling.ical import FeedMapping, read_calendar
from scheduling.ical.publish import publish_import
from scheduling.main import create_app
from scheduling.settings import SchedulingSettings
from scheduling_support import Area, Partners, activity, at, fresh_area, quiet_evening, skip_history
from support.calendars import FILES, expected, shifted, weeks_ahead
from support.testing import read_topic, wait_for
from werkplaats.organisations import add_organisation
from werkplaats.runtime import ServiceRuntime
from werkplaats.topics_admin import ensure_topics

Span = tuple[datetime, datetime]


class CalendarServer(ThreadingHTTPServer):
    """A local HTTP server serving one calendar the test can change."""

    body = b""

    def __init__(self) -> None:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/calendar; charset=utf-8")
                self.send_header("Content-Length", str(len(server.body)))
                self.end_headers()
                self.wfile.write(server.body)

            def log_message(self, *_: Any) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}/agenda.ics"


@pytest.fixture
def calendar_server() -> Iterator[CalendarServer]:
    server = CalendarServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@dataclass
class System:
    client: httpx.AsyncClient
    runtime: ServiceRuntime
    poller: FeedPoller
    bootstrap: str
    slugs: dict[str, str]
    keys: dict[str, str]
    area: Area

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[who]}"}

    @property
    def mapping(self) -> FeedMapping:
        return FeedMapping(
            kind=ActivityKind.CONSULTATION, neighbourhoods=[self.area.wijk], target_groups=["tenants"]
        )

    async def agenda(self, who: str) -> dict[str, list[Span]]:
        """The occurrences of ``who``'s activities in the test's area, by title, in Amsterdam time."""
        params = {"neighbourhood": self.area.wijk, "organisation": self.slugs[who], "limit": 1000}
        response = await self.client.get("/v1/agenda", params=params, headers=self.auth(who))
        assert response.status_code == 200, response.text
        return {item["activity"]["title"]: _spans(item["occurrences"]) for item in response.json()["items"]}

    async def conflicts(self, status: str) -> set[tuple[str, frozenset[tuple[str, datetime]]]]:
        """(rule, {(activity title or id, occurrence start)}) of the area's neighbourhood overlaps."""
        params = {"status": status, "neighbourhood": self.area.wijk, "limit": 1000}
        response = await self.client.get("/v1/conflicts", params=params, headers=self.auth("ops"))
        assert response.status_code == 200, response.text
        found = set()
        for item in response.json()["items"]:
            conflict = item["conflict"]
            if conflict["rule"] == "neighbourhood_overlap":
                members = frozenset(
                    (member["activity_id"], _local(member["occurrence_start"]))
                    for member in conflict["activities"]
                )
                found.add((conflict["rule"], members))
        return found


def _local(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(AMSTERDAM)


def _spans(occurrences: list[dict[str, str]]) -> list[Span]:
    return [(_local(o["starts_at"]), _local(o["ends_at"])) for o in occurrences]


@pytest.fixture
async def system(kafka_bootstrap: str, database_url: str) -> AsyncIterator[System]:
    run = uuid.uuid4().hex[:6]
    slugs = {"a": f"cal-a-{run}", "b": f"cal-b-{run}", "ops": f"cal-ops-{run}"}
    keys = {}
    for who, slug in slugs.items():
        role = OrganisationRole.OPERATIONS if who == "ops" else OrganisationRole.PARTNER
        keys[who] = (await add_organisation(kafka_bootstrap, slug, name=slug, role=role)).secret
        await ensure_topics(kafka_bootstrap, partner_topics(slug))
    settings = SchedulingSettings(
        database_url=database_url, consumer_group=f"cal-{run}", outbox_idle_poll_s=0.2, feed_poll_s=3600
    )
    await skip_history(kafka_bootstrap, f"cal-{run}")
    app = create_app(settings, bootstrap_servers=kafka_bootstrap)
    runtime: ServiceRuntime = app.state.runtime
    poller = FeedPoller(
        runtime.database, ensure_topics=runtime.ensure_topics, client=new_client("127.0.0.1/32")
    )  # the test's feed server is on loopback, which only an explicit allowance reaches
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://scheduling")
    await runtime.start()
    await app.state.service.view.wait_loaded()  # the agenda is read in the background
    try:
        yield System(client, runtime, poller, kafka_bootstrap, slugs, keys, fresh_area())
    finally:
        await poller.stop()
        await runtime.stop()
        await client.aclose()


async def test_imported_calendars_put_exactly_the_occurrences_a_reader_lists_on_the_agenda(
    system: System,
) -> None:
    weeks = weeks_ahead(datetime.now(AMSTERDAM).date())
    wanted: dict[str, list[Span]] = {}
    for name in FILES:
        result = read_calendar(shifted(name, weeks), system.mapping)
        await publish_import(system.bootstrap, system.slugs["a"], result)
        wanted |= expected(name, weeks)

    async def all_listed() -> bool:
        return (await system.agenda("a")).keys() == wanted.keys()

    await wait_for(all_listed, timeout=300, interval=1.0)
    assert await system.agenda("a") == wanted


async def test_a_later_poll_moves_and_cancels_occurrences_and_their_conflicts_follow(
    system: System, calendar_server: CalendarServer
) -> None:
    weeks = weeks_ahead(datetime.now(AMSTERDAM).date())
    full = shifted("outlook.ics", weeks)
    calendar_server.body = _without_exceptions(full)
    cancelled = expected("outlook.ics", weeks)["Spreekuur Staedion"][0][0] + timedelta(weeks=2)
    moved_to = expected("outlook.ics", weeks)["Spreekuur Staedion"][3][0]
    async with Partners(system.bootstrap) as partners:
        partners.slugs["b"] = system.slugs["b"]
        await partners.publish("b", activity("op-19", cancelled, 1, [system.area.buurten[0]]))
        await partners.publish(
            "b", activity("op-3", moved_to + timedelta(minutes=30), 1, [system.area.buurten[1]])
        )
    now = datetime.now(UTC)
    async with system.runtime.database.transaction() as session:
        await add_feed(session, calendar_server.url, system.slugs["a"], system.mapping, now=now)
    [first] = await system.poller.poll_once(now=now)
    assert (first.status, first.changes.published) == ("ok", 2)
    series_id = read_calendar(full, system.mapping).activities[0].activity_id
    on_cancelled = ("neighbourhood_overlap", frozenset({(series_id, cancelled), ("op-19", cancelled)}))
    on_moved = (
        "neighbourhood_overlap",
        frozenset({(series_id, moved_to), ("op-3", moved_to + timedelta(minutes=30))}),
    )

    async def cancelled_date_clashes() -> bool:
        return on_cancelled in await system.conflicts("open")

    await wait_for(cancelled_date_clashes, timeout=300, interval=1.0)
    assert on_moved not in await system.conflicts("open")

    calendar_server.body = full
    [second] = await system.poller.poll_once(now=now + timedelta(minutes=15))
    assert (second.status, second.changes.published, second.problems) == ("ok", 1, [])

    async def conflicts_followed() -> bool:
        return on_moved in await system.conflicts("open") and on_cancelled in await system.conflicts(
            "resolved"
        )

    await wait_for(conflicts_followed, timeout=300, interval=1.0)
    assert on_cancelled not in await system.conflicts("open")
    assert (await system.agenda("a"))["Spreekuur Staedion"] == expected("outlook.ics", weeks)[
        "Spreekuur Staedion"
    ]


async def test_one_occurrence_is_cancelled_and_another_moved_over_http(system: System) -> None:
    day = quiet_evening()
    first = at(day, 19)
    weekly = activity("reeks", first, 2, [system.area.wijk], recurrence="FREQ=WEEKLY;COUNT=4").model_dump(
        mode="json"
    )
    del weekly["activity_id"]
    response = await system.client.put("/v1/activities/reeks", json=weekly, headers=system.auth("a"))
    assert response.status_code == 202, response.text
    second, third = first + timedelta(weeks=1), first + timedelta(weeks=2)
    other = activity("ander", second, 1, [system.area.buurten[0]]).model_dump(mode="json")
    elsewhere = activity("elders", third + timedelta(days=1, hours=1), 1, [system.area.buurten[0]])
    for activity_id, body in (("ander", other), ("elders", elsewhere.model_dump(mode="json"))):
        response = await system.client.put(
            f"/v1/activities/{activity_id}", json=body, headers=system.auth("b")
        )
        assert response.status_code == 202, response.text
    on_second = ("neighbourhood_overlap", frozenset({("reeks", second), ("ander", second)}))

    async def second_clashes() -> bool:
        return on_second in await system.conflicts("open")

    await wait_for(second_clashes, timeout=300, interval=1.0)

    url = "/v1/activities/reeks/occurrences/{}"
    response = await system.client.delete(url.format(second.isoformat()), headers=system.auth("a"))
    assert response.status_code == 202, response.text
    move = {
        "starts_at": (third + timedelta(days=1)).isoformat(),
        "ends_at": (third + timedelta(days=1, hours=3)).isoformat(),
    }
    response = await system.client.put(url.format(third.isoformat()), json=move, headers=system.auth("a"))
    assert response.status_code == 202, response.text
    on_moved = (
        "neighbourhood_overlap",
        frozenset({("reeks", third + timedelta(days=1)), ("elders", third + timedelta(days=1, hours=1))}),
    )

    async def followed() -> bool:
        return on_moved in await system.conflicts("open") and on_second in await system.conflicts("resolved")

    await wait_for(followed, timeout=300, interval=1.0)
    assert (await system.agenda("a"))["Bewonersavond reeks"] == [
        (first, first + timedelta(hours=2)),
        (third + timedelta(days=1), third + timedelta(days=1, hours=3)),
        (first + timedelta(weeks=3), first + timedelta(weeks=3, hours=2)),
    ]


async def test_changes_to_occurrences_that_do_not_fit_get_a_422_naming_the_field(system: System) -> None:
    first = at(quiet_evening(), 19)
    weekly = activity("reeks", first, 2, [system.area.wijk], recurrence="FREQ=WEEKLY;COUNT=4").model_dump(
        mode="json"
    )
    del weekly["activity_id"]
    response = await system.client.put("/v1/activities/reeks", json=weekly, headers=system.auth("a"))
    assert response.status_code == 202
    url = "/v1/activities/reeks/occurrences/{}"

    async def on_agenda() -> bool:
        return bool(await system.agenda("a"))

    await wait_for(on_agenda, timeout=60, interval=0.3)
    not_one = await system.client.delete(
        url.format((first + timedelta(days=1)).isoformat()), headers=system.auth("a")
    )
    onto_another = await system.client.put(
        url.format(first.isoformat()),
        json={
            "starts_at": (first + timedelta(weeks=1)).isoformat(),
            "ends_at": (first + timedelta(weeks=1, hours=1)).isoformat(),
        },
        headers=system.auth("a"),
    )
    backwards = await system.client.put(
        url.format(first.isoformat()),
        json={"starts_at": first.isoformat(), "ends_at": (first - timedelta(hours=1)).isoformat()},
        headers=system.auth("a"),
    )
    not_theirs = await system.client.delete(url.format(first.isoformat()), headers=system.auth("b"))
    bad_exdate = weekly | {"exdates": [(first + timedelta(hours=1)).isoformat()]}
    published = await system.client.put("/v1/activities/reeks", json=bad_exdate, headers=system.auth("a"))

    assert (not_one.status_code, not_one.json()["detail"][0]["loc"]) == (422, ["path", "occurrence_start"])
    assert (onto_another.status_code, onto_another.json()["detail"][0]["loc"]) == (422, ["body", "starts_at"])
    assert backwards.status_code == 422
    assert not_theirs.status_code == 404
    assert (published.status_code, published.json()["detail"][0]["loc"]) == (422, ["body", "exdates", 0])
    assert "not an occurrence of the series" in published.json()["detail"][0]["msg"]


async def test_a_series_whose_exception_does_not_fit_is_dead_lettered_and_the_partner_told(
    system: System,
) -> None:
    first = at(quiet_evening(), 19)
    broken = activity(
        "scheef",
        first,
        2,
        [system.area.wijk],
        recurrence="FREQ=WEEKLY;COUNT=4",
        rdates=[first + timedelta(days=3)],
        overrides=[
            {
                "occurrence_start": first + timedelta(days=1),
                "starts_at": first,
                "ends_at": first + timedelta(hours=1),
            }
        ],
    )
    async with Partners(system.bootstrap) as partners:
        partners.slugs["a"] = system.slugs["a"]
        await partners.publish("a", broken)
    feedback = partner_feedback(system.slugs["a"])

    async def told() -> bool:
        return bool(await read_topic(system.bootstrap, feedback))

    await wait_for(told, timeout=60, interval=0.5)
    [record] = await read_topic(system.bootstrap, feedback)
    rejected = json.loads(record.value)["data"]
    assert rejected["activity_id"] == "scheef"
    assert rejected["problems"][0]["field"] == "data.overrides.0.occurrence_start"
    [dead] = await read_topic(system.bootstrap, f"partner.{system.slugs['a']}.activities.dlq")
    assert json.loads(dead.value)["data"]["activity_id"] == "scheef"


def _without_exceptions(calendar: bytes) -> bytes:
    """The Outlook calendar as it stood before: no EXDATE, no moved occurrence."""
    text = calendar.decode()
    events = text.split("BEGIN:VEVENT")
    kept = [event for event in events[1:] if "RECURRENCE-ID" not in event]
    head = events[0]
    body = "".join("BEGIN:VEVENT" + event for event in kept)
    if not body.endswith("END:VCALENDAR\r\n"):
        body += "END:VCALENDAR\r\n"
    return "\r\n".join(line for line in (head + body).split("\r\n") if not line.startswith("EXDATE")).encode()
