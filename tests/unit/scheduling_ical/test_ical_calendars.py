"""Real calendars read in: cancelled, extra and moved occurrences as Outlook, Google and Apple write them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar
import pytest

from contracts import ActivityKind, ActivityPublished
from scheduling.domain import AMSTERDAM, Activity, Agenda, UnfavourableCalendar, expand
from scheduling.ical import FeedMapping, calendar_of, read_calendar
from scheduling.ical.times import WINDOWS_ZONES, WINDOWS_ZONES_SOURCE
from support.calendars import FILES, expected, raw

NOW = datetime(2026, 12, 1, tzinfo=UTC)
MAPPING = FeedMapping(kind=ActivityKind.CONSULTATION, neighbourhoods=["WK051836"], target_groups=["tenants"])


def occurrences(activities: list[ActivityPublished]) -> dict[str, list[tuple[datetime, datetime]]]:
    """Each activity's occurrences by title, as the scheduler expands them, in Amsterdam time."""
    found = {}
    for published in activities:
        spans = expand(Activity.from_published("org", published), NOW)
        found[published.title] = [
            (o.starts_at.astimezone(AMSTERDAM), o.ends_at.astimezone(AMSTERDAM)) for o in spans
        ]
    return found


@pytest.mark.parametrize("name", FILES)
def test_each_calendar_gives_exactly_the_occurrences_a_reader_lists(name: str) -> None:
    result = read_calendar(raw(name), MAPPING)

    assert occurrences(result.activities) == expected(name)


def test_outlook_windows_zone_exdate_and_moved_occurrence_are_read_and_reported() -> None:
    result = read_calendar(raw("outlook.ics"), MAPPING)

    assert [p for p in result.problems if p.skipped] == []
    outcomes = [report.outcome for report in result.reports]
    assert "1 cancelled, 1 moved" in outcomes[0]
    assert outcomes[1] == "read into the series of VEVENT #1 (occurrence moved)"
    assert outcomes[2].startswith("published as")


def test_a_cancelled_instance_of_google_becomes_a_cancelled_occurrence() -> None:
    result = read_calendar(raw("google.ics"), MAPPING)
    [series] = [a for a in result.activities if a.recurrence]

    assert [d.astimezone(AMSTERDAM) for d in series.exdates] == [
        datetime(2027, 3, 15, 19, tzinfo=AMSTERDAM),
        datetime(2027, 4, 5, 19, tzinfo=AMSTERDAM),
    ]
    assert result.reports[2].outcome == "read into the series of VEVENT #1 (occurrence cancelled)"


def test_a_change_to_an_occurrence_of_a_series_not_in_the_calendar_is_skipped_and_said_so() -> None:
    result = read_calendar(raw("rfc5545.ics"), MAPPING)

    [skipped] = [p for p in result.problems if p.skipped]
    assert skipped.event == 3
    assert "series that is not in this calendar" in skipped.message
    assert str(result.reports[2]).startswith("VEVENT #3, UID 19970901T130000Z-999999@example.com: skipped:")


def test_an_exdate_that_is_no_occurrence_is_dropped_with_a_warning_and_the_series_goes_in() -> None:
    text = raw("apple.ics").replace(
        b"EXDATE;TZID=Europe/Amsterdam:20270218T140000", b"EXDATE:20270219T140000"
    )
    result = read_calendar(text, MAPPING)

    [taalcafe] = [a for a in result.activities if a.title == "Taalcafé"]
    assert taalcafe.exdates == []
    assert any("EXDATE 2027-02-19T14:00:00+01:00 ignored" in p.message for p in result.problems)


def test_an_all_day_event_leaves_the_evening_free() -> None:
    [opschoondag] = [a for a in read_calendar(raw("outlook.ics"), MAPPING).activities if a.recurrence is None]
    evening = Activity.from_published("other", opschoondag).moved_to(
        datetime(2027, 1, 16, 19, tzinfo=AMSTERDAM)
    )
    agenda = Agenda(calendar=UnfavourableCalendar((), public_holidays=False))
    agenda.upsert(Activity.from_published("org", opschoondag), NOW)

    assert agenda.check(evening, NOW) == []


@pytest.mark.parametrize("name", FILES)
def test_export_then_import_gives_the_same_occurrences(name: str) -> None:
    activities = read_calendar(raw(name), MAPPING).activities
    feed = calendar_of([("org", a) for a in activities], name="agenda")

    again = read_calendar(feed, MAPPING)

    assert [p for p in again.problems if p.skipped] == []
    assert occurrences(again.activities) == occurrences(activities)


def test_the_exported_time_zone_is_rule_based_and_agrees_with_the_tz_database() -> None:
    [vtimezone] = icalendar.Calendar.from_ical(calendar_of([], name="agenda")).walk("VTIMEZONE")
    zone = vtimezone.to_tz()
    hours = (datetime(2000, 1, 1, tzinfo=UTC) + timedelta(hours=h) for h in range(0, 41 * 366 * 24, 7))

    assert [(part.name, "RRULE" in part, "RDATE" in part) for part in vtimezone.subcomponents] == [
        ("DAYLIGHT", True, False),
        ("STANDARD", True, False),
    ]
    assert all(
        moment.astimezone(zone).utcoffset() == moment.astimezone(AMSTERDAM).utcoffset() for moment in hours
    )


def test_windows_zone_names_come_from_cldr_with_their_source() -> None:
    assert WINDOWS_ZONES["W. Europe Standard Time"] == "Europe/Berlin"
    assert WINDOWS_ZONES["Romance Standard Time"] == "Europe/Paris"
    assert WINDOWS_ZONES["GMT Standard Time"] == "Europe/London"
    assert "windowsZones.xml" in WINDOWS_ZONES_SOURCE


def test_an_unknown_zone_is_read_as_amsterdam_time_and_said_so() -> None:
    text = raw("outlook.ics").replace(b"W. Europe Standard Time", b"Mars Standard Time")
    text = text.replace(b"TZID:Mars Standard Time", b"TZID:Other")
    result = read_calendar(text, MAPPING)

    assert occurrences(result.activities) == expected("outlook.ics")
    assert any("TZID 'Mars Standard Time' is unknown" in p.message for p in result.problems)
