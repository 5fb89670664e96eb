"""The shared agenda as an RFC 5545 feed: one VEVENT per activity, in Europe/Amsterdam time.

A series carries its cancelled occurrences (EXDATE) and extra dates (RDATE); each moved occurrence is a
VEVENT of its own with the series' UID and a RECURRENCE-ID. The VTIMEZONE is rule-based (as Outlook writes
and reads it), not a list of transitions.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

import icalendar
from icalendar.prop import vRecur

from contracts import ActivityPublished, ActivityStatus, AddressVenue, CentreVenue, OccurrenceOverride
from scheduling.domain import AMSTERDAM
from scheduling.domain.occurrences import normalise_rrule

PRODID = "-//Werkplaats Participatie Den Haag Zuidwest//Agenda//NL"
TZID = "Europe/Amsterdam"
UID_DOMAIN = "werkplaats"
X_PREFIX = "X-WERKPLAATS-"
STATUS_OF = {ActivityStatus.PLANNED: "CONFIRMED", ActivityStatus.TENTATIVE: "TENTATIVE"}


def uid_of(org: str, activity_id: str) -> str:
    """The stable UID of an activity in every feed: ``<activity_id>@<org>.werkplaats``."""
    return f"{activity_id}@{org}.{UID_DOMAIN}"


def calendar_of(items: Iterable[tuple[str, ActivityPublished]], *, name: str) -> bytes:
    """Return an RFC 5545 calendar named ``name`` with one VEVENT per ``(org slug, activity)``."""
    calendar = icalendar.Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add("CALSCALE", "GREGORIAN")
    calendar.add("METHOD", "PUBLISH")
    calendar.add("X-WR-CALNAME", name)
    calendar.add("X-WR-TIMEZONE", TZID)
    calendar.add_component(_timezone())
    stamp = datetime.now(UTC).replace(microsecond=0)
    for org, activity in items:
        calendar.add_component(event_of(org, activity, stamp=stamp))
        for override in activity.overrides:
            calendar.add_component(moved_event_of(org, activity, override, stamp=stamp))
    return bytes(calendar.to_ical())


def event_of(org: str, activity: ActivityPublished, *, stamp: datetime) -> icalendar.Event:
    """Return the VEVENT of one activity organised by ``org``."""
    event = icalendar.Event()
    event.add("UID", uid_of(org, activity.activity_id))
    event.add("DTSTAMP", stamp)
    event.add("DTSTART", activity.starts_at.astimezone(AMSTERDAM))
    event.add("DTEND", activity.ends_at.astimezone(AMSTERDAM))
    if activity.recurrence:
        event.add("RRULE", vRecur.from_ical(normalise_rrule(activity.recurrence)))
    if activity.rdates:
        event.add("RDATE", [start.astimezone(AMSTERDAM) for start in activity.rdates])
    if activity.exdates:
        event.add("EXDATE", [start.astimezone(AMSTERDAM) for start in activity.exdates])
    _describe(event, org, activity)
    return event


def moved_event_of(
    org: str, activity: ActivityPublished, override: OccurrenceOverride, *, stamp: datetime
) -> icalendar.Event:
    """Return the VEVENT of one moved occurrence of a series: its UID, RECURRENCE-ID and new times."""
    event = icalendar.Event()
    event.add("UID", uid_of(org, activity.activity_id))
    event.add("DTSTAMP", stamp)
    event.add("RECURRENCE-ID", override.occurrence_start.astimezone(AMSTERDAM))
    event.add("DTSTART", override.starts_at.astimezone(AMSTERDAM))
    event.add("DTEND", override.ends_at.astimezone(AMSTERDAM))
    _describe(event, org, activity)
    return event


def _describe(event: icalendar.Event, org: str, activity: ActivityPublished) -> None:
    """Add what every VEVENT of an activity says: title, kind, status, place and the extensions."""
    event.add("SUMMARY", activity.title)
    event.add("CATEGORIES", [activity.kind.value])
    event.add("STATUS", STATUS_OF[activity.status])
    event.add("TRANSP", "OPAQUE")
    location = _location(activity)
    if location:
        event.add("LOCATION", location)
    for name, value in _extensions(org, activity).items():
        if value:
            event.add(X_PREFIX + name, value)


def _location(activity: ActivityPublished) -> str | None:
    venue = activity.venue
    if isinstance(venue, AddressVenue):
        return venue.address
    if isinstance(venue, CentreVenue):
        return f"{venue.venue_id} ({venue.room})" if venue.room else venue.venue_id
    return None


def _extensions(org: str, activity: ActivityPublished) -> dict[str, str]:
    """What iCalendar has no property for, as ``X-WERKPLAATS-*`` text (lists comma-separated)."""
    venue = activity.venue if isinstance(activity.venue, CentreVenue) else None
    attendance = activity.expected_attendance
    return {
        "ORGANISATION": org,
        "ACTIVITY-ID": activity.activity_id,
        "KIND": activity.kind.value,
        "NEIGHBOURHOODS": ",".join(activity.neighbourhoods),
        "TARGET-GROUPS": ",".join(group.value for group in activity.target_groups),
        "THEMES": ",".join(theme.value for theme in activity.themes),
        "LANGUAGES": ",".join(activity.languages),
        "VENUE-ID": venue.venue_id if venue else "",
        "ROOM": (venue.room or "") if venue else "",
        "EXPECTED-ATTENDANCE": "" if attendance is None else str(attendance),
    }


AMSTERDAM_VTIMEZONE = "\r\n".join(
    (
        "BEGIN:VTIMEZONE",
        f"TZID:{TZID}",
        "BEGIN:DAYLIGHT",
        "TZOFFSETFROM:+0100",
        "TZOFFSETTO:+0200",
        "TZNAME:CEST",
        "DTSTART:19810329T020000",
        "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
        "END:DAYLIGHT",
        "BEGIN:STANDARD",
        "TZOFFSETFROM:+0200",
        "TZOFFSETTO:+0100",
        "TZNAME:CET",
        "DTSTART:19961027T030000",
        "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
        "END:STANDARD",
        "END:VTIMEZONE",
        "",
    )
)
"""Europe/Amsterdam as EU summer time has been since 1996: last Sunday of March and of October."""


def _timezone() -> icalendar.Timezone:
    timezone = icalendar.Timezone.from_ical(AMSTERDAM_VTIMEZONE)
    assert isinstance(timezone, icalendar.Timezone)
    return timezone
