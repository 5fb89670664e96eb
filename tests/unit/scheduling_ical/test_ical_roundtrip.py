"""The exported agenda is valid iCalendar and imports back to the same occurrences."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import icalendar

from contracts import ActivityPublished
from scheduling.domain import AMSTERDAM, Activity, expand
from scheduling.ical import FeedMapping, calendar_of, read_calendar

NOW = datetime(2026, 9, 1, tzinfo=UTC)
HORIZON = timedelta(days=365)
HOURS = timedelta(hours=2)


def published(activity_id: str, start: datetime, hours: float, **extra: object) -> ActivityPublished:
    fields = {
        "activity_id": activity_id,
        "title": f"Bewonersavond {activity_id}",
        "kind": "consultation",
        "starts_at": start,
        "ends_at": start + timedelta(hours=hours),
        "neighbourhoods": ["WK051836"],
        "target_groups": ["tenants"],
    }
    return ActivityPublished.model_validate(fields | extra)


def local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=AMSTERDAM)


AGENDA = [
    # a weekly series across the end of summer time (25 October 2026)
    (
        "gemeente-den-haag",
        published("spreekuur", local(2026, 10, 6, 19), 2, recurrence="FREQ=WEEKLY;BYDAY=TU;COUNT=6"),
    ),
    # a recurrence with UNTIL (floating, as partners write it)
    (
        "staedion",
        published(
            "bewonerscommissie",
            local(2026, 9, 10, 20),
            1.5,
            recurrence="FREQ=WEEKLY;INTERVAL=2;BYDAY=TH;UNTIL=20261231T235959",
            kind="residents_meeting",
            neighbourhoods=["BU05183620", "BU05183637"],
            target_groups=["tenants", "seniors"],
            venue={"venue_id": "de-spruijt", "room": "Buurtkamer"},
            status="tentative",
            themes=["housing_environment"],
            languages=["nl", "tr"],
            expected_attendance=40,
        ),
    ),
    # a single event with an address
    (
        "haag-wonen",
        published(
            "wijkschouw",
            local(2026, 11, 3, 10),
            2,
            kind="walk",
            venue={"address": "Stadsdeelkantoor Escamp, Leyweg 813, Den Haag"},
        ),
    ),
]


def occurrences(activity: ActivityPublished) -> list[tuple[datetime, datetime]]:
    held = Activity.from_published("x", activity)
    return [(o.starts_at, o.ends_at) for o in expand(held, NOW, HORIZON)]


def test_the_feed_parses_with_icalendar_and_declares_its_time_zone() -> None:
    calendar = icalendar.Calendar.from_ical(calendar_of(AGENDA, name="Zuidwest"))

    assert str(calendar["VERSION"]) == "2.0"
    assert "PRODID" in calendar
    assert [tz.tz_name for tz in calendar.timezones] == ["Europe/Amsterdam"]
    assert calendar.get_missing_tzids() == set()
    events = calendar.events
    assert [str(e["UID"]) for e in events] == [
        "spreekuur@gemeente-den-haag.werkplaats",
        "bewonerscommissie@staedion.werkplaats",
        "wijkschouw@haag-wonen.werkplaats",
    ]
    first = events[0]
    assert first["DTSTART"].params["TZID"] == "Europe/Amsterdam"
    assert first["DTSTART"].dt == local(2026, 10, 6, 19)
    assert first["RRULE"].to_ical() == b"FREQ=WEEKLY;COUNT=6;BYDAY=TU"
    assert [str(c) for c in first["CATEGORIES"].cats] == ["consultation"]
    assert str(events[1]["STATUS"]) == "TENTATIVE"
    assert str(events[0]["STATUS"]) == "CONFIRMED"
    assert str(events[1]["X-WERKPLAATS-NEIGHBOURHOODS"]) == "BU05183620,BU05183637"
    assert str(events[2]["LOCATION"]) == "Stadsdeelkantoor Escamp, Leyweg 813, Den Haag"
    assert all("DTSTAMP" in e for e in events)


def uids(document: bytes | str) -> list[str]:
    return [str(e["UID"]) for e in icalendar.Calendar.from_ical(document).events]


EXPECTED_UIDS = [
    "spreekuur@gemeente-den-haag.werkplaats",
    "bewonerscommissie@staedion.werkplaats",
    "wijkschouw@haag-wonen.werkplaats",
]


def test_uids_name_the_activity_and_its_organiser() -> None:
    assert uids(calendar_of(AGENDA, name="a")) == EXPECTED_UIDS


def test_uids_survive_a_change_of_the_activity_and_the_feed() -> None:
    moved = [
        (org, a.model_copy(update={"title": "Verplaatst", "starts_at": a.starts_at - HOURS}))
        for org, a in AGENDA
    ]
    assert uids(calendar_of(moved, name="another feed")) == EXPECTED_UIDS


def test_uids_are_the_same_in_another_process() -> None:
    script = (
        "import sys, test_ical_roundtrip as t;"
        "from scheduling.ical import calendar_of;"
        "sys.stdout.buffer.write(calendar_of(t.AGENDA, name='a'))"
    )
    exported = subprocess.run(
        [sys.executable, "-c", script],
        cwd=Path(__file__).parent,
        env=os.environ | {"PYTHONHASHSEED": "12345"},
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout
    assert uids(exported) == EXPECTED_UIDS


def test_import_of_the_export_reproduces_every_occurrence() -> None:
    result = read_calendar(calendar_of(AGENDA, name="Zuidwest"), FeedMapping())

    assert result.problems == []
    assert len(result.activities) == 3
    for (_, original), imported in zip(AGENDA, result.activities, strict=True):
        assert occurrences(imported) == occurrences(original)
        assert occurrences(imported)  # the comparison is not vacuous


def test_the_weekly_series_keeps_its_wall_clock_time_across_the_dst_change() -> None:
    [series, *_] = read_calendar(calendar_of(AGENDA, name="Zuidwest")).activities

    local_starts = [start.astimezone(AMSTERDAM) for start, _ in occurrences(series)]
    assert [s.hour for s in local_starts] == [19] * 6
    assert {s.utcoffset() for s in local_starts} == {timedelta(hours=2), timedelta(hours=1)}


def test_the_until_series_ends_on_its_until() -> None:
    [_, biweekly, _] = read_calendar(calendar_of(AGENDA, name="Zuidwest")).activities

    starts = [start.astimezone(AMSTERDAM) for start, _ in occurrences(biweekly)]
    assert starts[0] == local(2026, 9, 10, 20)
    assert starts[-1] == local(2026, 12, 31, 20)
    assert len(starts) == 9


def test_every_field_survives_the_round_trip() -> None:
    result = read_calendar(calendar_of(AGENDA, name="Zuidwest"))

    for (_, original), imported in zip(AGENDA, result.activities, strict=True):
        same = original.model_dump(exclude={"activity_id", "recurrence"})
        assert imported.model_dump(exclude={"activity_id", "recurrence"}) == same
        assert imported.activity_id.startswith(original.activity_id)
