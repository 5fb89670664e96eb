"""One VEVENT read into an ``activity.published`` or ``activity.withdrawn`` payload, or refused."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import icalendar
from pydantic import ValidationError

from contracts import ActivityPublished, ActivityWithdrawn, CentreVenue
from scheduling.domain import Activity, InvalidActivityError, check_series
from scheduling.domain.errors import SchedulingError
from scheduling.ical.export import X_PREFIX
from scheduling.ical.mapping import FeedMapping
from scheduling.ical.series import read_exceptions
from scheduling.ical.times import TimeReader, TimeRefusedError, tzid_of

ESSENTIAL = ("DTSTART", "DTEND", "DURATION", "RRULE")
LIST_FIELDS = {
    "NEIGHBOURHOODS": "neighbourhoods",
    "TARGET-GROUPS": "target_groups",
    "THEMES": "themes",
    "LANGUAGES": "languages",
}


class EventRefusedError(SchedulingError, ValueError):
    """A VEVENT that cannot become an activity; the message says why."""


@dataclass
class Converted:
    """What one VEVENT (with its changed occurrences) stands for, and what was read differently."""

    payload: ActivityPublished | ActivityWithdrawn
    notes: list[str] = field(default_factory=list)


def convert(
    event: icalendar.Event,
    activity_id: str,
    mapping: FeedMapping,
    times: TimeReader,
    instances: list[icalendar.Event] | None = None,
) -> Converted:
    """What ``event`` and its RECURRENCE-ID ``instances`` stand for; ``EventRefusedError`` if unreadable."""
    broken = [f"{name}: {message}" for name, message in event.errors if name in ESSENTIAL]
    if broken:
        raise EventRefusedError("; ".join(broken))
    if _text(event, "STATUS").upper() == "CANCELLED":
        return Converted(
            ActivityWithdrawn(activity_id=activity_id, reason="cancelled in the partner's calendar")
        )
    try:
        starts_at, ends_at, days = _times(event, times)
        exceptions = read_exceptions(event, instances or [], ends_at - starts_at, times)
    except TimeRefusedError as error:
        raise EventRefusedError(str(error)) from None
    recurrence = _recurrence(event)
    notes = list(exceptions.notes)
    if days > 1 and recurrence is None:
        recurrence = f"FREQ=DAILY;COUNT={days}"
        ends_at = datetime.combine(starts_at.date(), times.day_ends, tzinfo=starts_at.tzinfo)
        notes.append(f"an all-day event over {days} days: read as {days} daytime occurrences")
    fields = _fields(event, mapping) | {
        "activity_id": activity_id,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "recurrence": recurrence,
        "exdates": exceptions.exdates,
        "rdates": exceptions.rdates,
        "overrides": exceptions.overrides,
    }
    try:
        published = ActivityPublished.model_validate(fields)
    except ValidationError as error:
        raise EventRefusedError(_describe(error)) from None
    return Converted(fit_exceptions(published, notes), notes)


def fit_exceptions(published: ActivityPublished, notes: list[str]) -> ActivityPublished:
    """``published`` without the cancelled or moved occurrences its series does not have, each noted."""
    while True:
        try:
            check_series(Activity.from_published("ical", published))
            return published
        except InvalidActivityError as error:
            if error.field is None:
                raise EventRefusedError(str(error)) from None
            name, index = error.field.split(".")[:2]
            kept = list(getattr(published, name))
            dropped = kept.pop(int(index))
            start = dropped if isinstance(dropped, datetime) else dropped.occurrence_start
            what = "EXDATE" if name == "exdates" else "RECURRENCE-ID"
            notes.append(f"{what} {start.isoformat()} ignored: {error}")
            published = published.model_copy(update={name: kept})


def _times(event: icalendar.Event, times: TimeReader) -> tuple[datetime, datetime, int]:
    """Start, end and, for an all-day event, its number of days (0 for a timed event)."""
    start_property: Any = event.get("DTSTART")
    if start_property is None:
        raise EventRefusedError("no DTSTART")
    all_day = not isinstance(start_property.dt, datetime)
    starts_at = times.moment(start_property.dt, tzid_of(start_property))
    end_property: Any = event.get("DTEND")
    if all_day:
        return starts_at, *_day_span(start_property.dt, end_property, event, times)
    if end_property is not None:
        ends_at = times.moment(end_property.dt, tzid_of(end_property))
    elif event.get("DURATION") is not None:
        ends_at = starts_at + _duration(event)
    else:
        raise EventRefusedError("no DTEND or DURATION: an activity needs an end")
    if ends_at <= starts_at:
        raise EventRefusedError(
            f"DTEND ({ends_at.isoformat()}) is not after DTSTART ({starts_at.isoformat()})"
        )
    return starts_at, ends_at, 0


def _day_span(
    first: date, end_property: Any, event: icalendar.Event, times: TimeReader
) -> tuple[datetime, int]:
    """The end of an all-day event (the daytime window of its last day) and its number of days."""
    if end_property is not None and isinstance(end_property.dt, date):
        after = end_property.dt if not isinstance(end_property.dt, datetime) else end_property.dt.date()
    elif event.get("DURATION") is not None:
        after = first + timedelta(days=max(1, _duration(event).days))
    else:
        after = first + timedelta(days=1)
    days = (after - first).days
    if days < 1:
        raise EventRefusedError(f"DTEND ({after}) is not after DTSTART ({first})")
    return times.moment(after - timedelta(days=1), None, end_of_day=True), days


def _duration(event: icalendar.Event) -> timedelta:
    prop: Any = event["DURATION"]
    if not isinstance(prop.dt, timedelta):
        raise EventRefusedError(f"DURATION {prop.to_ical()!r} is not a duration")
    return prop.dt


def _recurrence(event: icalendar.Event) -> str | None:
    rule = event.get("RRULE")
    if rule is None:
        return None
    if isinstance(rule, list):
        raise EventRefusedError("more than one RRULE")
    return str(rule.to_ical().decode())


def _fields(event: icalendar.Event, mapping: FeedMapping) -> dict[str, Any]:
    extra = {
        name.removeprefix(X_PREFIX): str(value).strip()
        for name, value in event.items()
        if name.startswith(X_PREFIX)
    }
    fields: dict[str, Any] = {
        "title": _text(event, "SUMMARY")[:200],
        "kind": extra.get("KIND") or mapping.kind_of(_categories(event)),
        "venue": _venue(event, extra, mapping),
        "status": "tentative" if _text(event, "STATUS").upper() == "TENTATIVE" else "planned",
        "neighbourhoods": mapping.neighbourhoods,
        "target_groups": mapping.target_groups,
        "themes": mapping.themes,
        "languages": mapping.languages,
    }
    for name, field_name in LIST_FIELDS.items():
        if extra.get(name):
            fields[field_name] = [item.strip() for item in extra[name].split(",") if item.strip()]
    if extra.get("EXPECTED-ATTENDANCE"):
        fields["expected_attendance"] = extra["EXPECTED-ATTENDANCE"]
    if fields["kind"] is None:
        raise EventRefusedError("no kind: CATEGORIES names none and the feed has no default kind (--kind)")
    return fields


def _venue(event: icalendar.Event, extra: dict[str, str], mapping: FeedMapping) -> Any:
    if extra.get("VENUE-ID"):
        return {"venue_id": extra["VENUE-ID"], "room": extra.get("ROOM") or None}
    if isinstance(mapping.venue, CentreVenue):
        return mapping.venue
    location = _text(event, "LOCATION")
    if location:
        return {"address": location[:300]}
    return mapping.venue


def _categories(event: icalendar.Event) -> list[str]:
    found = event.get("CATEGORIES")
    if found is None:
        return []
    properties = found if isinstance(found, list) else [found]
    return [str(category) for prop in properties for category in getattr(prop, "cats", [prop])]


def _text(event: icalendar.Event, name: str) -> str:
    value = event.get(name)
    return "" if value is None else str(value).strip()


def _describe(error: ValidationError) -> str:
    problems = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "(event)"
        problems.append(f"{where}: {item['msg']}")
    return "; ".join(problems)
